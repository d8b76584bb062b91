"""JaCaMo project files (``.jcm``) read into a plain model, for ``romas import``.

The grammar is JaCaMo's: ``mas NAME { ... }`` holding ``agent``, ``workspace`` (with ``artifact``),
``institution`` and ``organisation`` (with ``group`` and ``scheme``) blocks and project settings
(``asl-path``, ``org-path``, ``platform``...). Inside a block every setting is ``key: values``, the values
separated by commas or line ends; a new line that starts with ``key:`` starts the next setting.

The reader keeps what romas can use in typed fields and every other setting as an :class:`Option`, so the
import can list what it did not convert. Errors carry line and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

BLOCKS: Final = frozenset({"agent", "workspace", "artifact", "organisation", "group", "scheme", "institution"})

_TOKEN: Final = re.compile(
    r"""
    (?P<eol>\r\n|\n|\r)
  | (?P<space>[ \t\f]+)
  | (?P<comment>//[^\r\n]*|/\*(?:.|\n|\r)*?\*/)
  | (?P<string>"(?:[^"\\\r\n]|\\.)*")
  | (?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_\-]*(?:\.[A-Za-z0-9_\-]+)*)
  | (?P<punct>::|\.\.|[{}():,\[\]|*@./\-+~<>=!?'$\\])
    """,
    re.VERBOSE,
)


class JcmError(ValueError):
    """A ``.jcm`` that cannot be read; ``line`` and ``column`` are 1-based."""

    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(f"{line}:{column}: {message}")
        self.line = line
        self.column = column
        self.message = message


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    line: int
    column: int
    start: int
    end: int


@dataclass
class Item:
    """One value of a setting: its tokens and its source text."""

    text: str
    tokens: list[Token]

    @property
    def line(self) -> int:
        return self.tokens[0].line

    @property
    def words(self) -> list[str]:
        return [t.text for t in self.tokens]


@dataclass
class Option:
    """A ``key: values`` setting (or a bare flag such as ``debug``), where it was written."""

    key: str
    items: list[Item]
    line: int

    @property
    def text(self) -> str:
        return ", ".join(item.text for item in self.items)


@dataclass
class Block:
    """A ``kind name [: header] [{ ... }]`` block: an agent, a workspace, an artifact, a group..."""

    kind: str
    name: str
    header: str
    line: int
    options: list[Option] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)

    def values(self, key: str) -> list[Item]:
        return [item for option in self.options if option.key == key for item in option.items]

    def others(self, known: frozenset[str]) -> list[Option]:
        return [option for option in self.options if option.key not in known]


@dataclass
class Project:
    """A parsed ``.jcm``: its name, ``uses`` and the top-level blocks and settings."""

    name: str
    uses: list[str]
    body: Block


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position, line, line_start = 0, 1, 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise JcmError(line, position - line_start + 1, f"unexpected character {text[position]!r}")
        kind = match.lastgroup or ""
        value = match.group()
        if kind not in ("space", "comment"):
            tokens.append(Token(kind, value, line, position - line_start + 1, position, match.end()))
        breaks = value.count("\n") + (value.count("\r") if "\n" not in value else 0)
        if breaks:
            line += breaks
            line_start = position + max(value.rfind("\n"), value.rfind("\r")) + 1
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0

    def peek(self, offset: int = 0) -> Token | None:
        index = self.index + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def next(self) -> Token:
        token = self.peek()
        if token is None:
            last = self.tokens[-1] if self.tokens else None
            raise JcmError(last.line if last else 1, last.column if last else 1, "the file ends too early")
        self.index += 1
        return token

    def expect(self, text: str) -> Token:
        token = self.next()
        if token.text != text:
            raise JcmError(token.line, token.column, f"expected '{text}', found '{token.text}'")
        return token

    def skip_lines(self) -> None:
        while (token := self.peek()) is not None and token.kind == "eol":
            self.index += 1

    def source(self, tokens: list[Token]) -> str:
        return self.text[tokens[0].start : tokens[-1].end]

    def project(self) -> Project:
        self.skip_lines()
        first = self.next()
        if first.text != "mas":
            raise JcmError(
                first.line, first.column, f"a JaCaMo project starts with 'mas NAME {{', found '{first.text}'"
            )
        name = self.next()
        if name.kind != "word":
            raise JcmError(name.line, name.column, f"expected the MAS's name, found '{name.text}'")
        uses: list[str] = []
        header = self.until_brace()
        if header:
            words = self.source(header).split(None, 1)
            if words[0] != "uses":
                raise JcmError(header[0].line, header[0].column, f"expected 'uses' or '{{', found '{words[0]}'")
            uses = [part.strip() for part in (words[1] if len(words) > 1 else "").split(",") if part.strip()]
        self.skip_lines()
        self.expect("{")
        body = Block("mas", name.text, "", first.line)
        self.block_body(body)
        self.skip_lines()
        extra = self.peek()
        if extra is not None:
            raise JcmError(extra.line, extra.column, f"unexpected '{extra.text}' after the end of the MAS")
        return Project(name.text, uses, body)

    def until_brace(self) -> list[Token]:
        """The tokens up to a ``{`` (not taken), across line ends."""
        found: list[Token] = []
        while (token := self.peek()) is not None and token.text != "{":
            self.index += 1
            if token.kind != "eol":
                found.append(token)
        return found

    def block_body(self, block: Block) -> None:
        """Settings and nested blocks up to the closing ``}`` (taken)."""
        while True:
            self.skip_lines()
            token = self.next()
            if token.text == "}":
                return
            after = self.peek()
            if token.text in BLOCKS and after is not None and after.kind == "word":
                block.blocks.append(self.block(token))
            elif after is not None and after.text == ":" and token.kind == "word":
                self.index += 1
                block.options.append(Option(token.text, self.items(), token.line))
            elif token.kind == "word" and (after is None or after.kind == "eol" or after.text == "}"):
                block.options.append(Option(token.text, [], token.line))  # a flag, e.g. debug
            elif token.text == "node" or (token.kind == "word" and token.text == "uses"):
                items = self.rest_of_line()
                block.options.append(Option(token.text, [items] if items else [], token.line))
            else:
                raise JcmError(token.line, token.column, f"unexpected '{token.text}' in {block.kind} {block.name}")

    def rest_of_line(self) -> Item | None:
        tokens: list[Token] = []
        while (token := self.peek()) is not None and token.kind != "eol" and token.text != "}":
            tokens.append(self.next())
        return Item(self.source(tokens), tokens) if tokens else None

    def block(self, keyword: Token) -> Block:
        name = self.next()
        header: list[Token] = []
        if (token := self.peek()) is not None and token.text == ":":
            self.index += 1
            while (token := self.peek()) is not None and token.kind != "eol" and token.text != "{":
                header.append(self.next())
            if not header:
                raise JcmError(name.line, name.column, f"expected a file or type after '{name.text} :'")
        block = Block(keyword.text, name.text, self.source(header) if header else "", keyword.line)
        save = self.index
        self.skip_lines()
        if (token := self.peek()) is not None and token.text == "{":
            self.index += 1
            self.block_body(block)
        else:
            self.index = save
        return block

    def starts_setting(self) -> bool:
        """Whether the tokens ahead (after line ends) start a new setting, a block or the end of one."""
        offset = 0
        while (token := self.peek(offset)) is not None and token.kind == "eol":
            offset += 1
        token, after = self.peek(offset), self.peek(offset + 1)
        if token is None or token.text == "}":
            return True
        if after is not None and after.text == ":" and token.kind == "word":
            return True
        if token.text in BLOCKS and after is not None and after.kind == "word":
            third = self.peek(offset + 2)
            return third is None or third.text in (":", "{") or third.kind == "eol"
        if token.text == "node" and after is not None and after.kind == "word":
            return True
        return token.text == "debug" and (after is None or after.kind == "eol")

    def items(self) -> list[Item]:
        """The values of a setting: separated by commas or line ends, until the next setting."""
        items: list[Item] = []
        current: list[Token] = []
        depth = 0
        while True:
            token = self.peek()
            if token is None:
                break
            if depth == 0 and token.kind == "eol":
                if current:
                    items.append(Item(self.source(current), current))
                    current = []
                if self.starts_setting():
                    break
                self.index += 1
                continue
            if depth == 0 and token.text == "}":
                break
            self.index += 1
            if depth == 0 and token.text == ",":
                if current:
                    items.append(Item(self.source(current), current))
                current = []
                continue
            if token.text in "([":
                depth += 1
            elif token.text in ")]":
                if depth == 0:
                    raise JcmError(token.line, token.column, f"unexpected '{token.text}'")
                depth -= 1
            current.append(token)
        if current:
            items.append(Item(self.source(current), current))
        return items


def parse_jcm(text: str) -> Project:
    """The project a ``.jcm`` describes; :class:`JcmError` with line and column when it cannot be read."""
    return _Parser(text).project()


@dataclass(frozen=True)
class ClassDef:
    """A Java class with its constructor arguments, as in ``artifact c: tools.Counter(10)``."""

    name: str
    args: list[str]

    @property
    def simple_name(self) -> str:
        return self.name.rsplit(".", 1)[-1]


def parse_class(text: str) -> ClassDef:
    """``pkg.Class(arg, "text", [1, 2])``: the class name and each top-level argument's text."""
    name, _, rest = text.partition("(")
    args: list[str] = []
    if rest:
        body = rest.rsplit(")", 1)[0]
        depth, current, quoted = 0, "", False
        for index, char in enumerate(body):
            if char == '"' and (index == 0 or body[index - 1] != "\\"):
                quoted = not quoted
            elif not quoted and char in "([":
                depth += 1
            elif not quoted and char in ")]":
                depth -= 1
            if char == "," and depth == 0 and not quoted:
                args.append(current.strip())
                current = ""
            else:
                current += char
        if current.strip():
            args.append(current.strip())
    return ClassDef(name.strip(), args)
