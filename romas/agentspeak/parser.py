"""Parsing AgentSpeak source with the LALR grammar in ``grammar.lark``.

A source file is first cut into clauses (each ends with a ``.`` followed by white space, or is a ``{ ... }``
directive); each clause is then parsed on its own. A clause with an error is reported and skipped, so one
run finds the errors of every clause, not only the first, and the server can show them all on a PUT.
A clause parsed before (in this process, with the same text) is taken from ``clause_cache``: the server parses
every program it is sent, and a new one mostly differs from the last in one clause.
Syntax trees are never built: the transformer runs inline with the parser and produces terms directly.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Mapping
from importlib import resources
from typing import Any

from romas.agentspeak.builder import (
    USER_FUNCTIONS,
    Builder,
    CurrentText,
    SyntaxProblem,
    Tok,
    line_column,
    line_starts,
    text_position,
    with_namespace,
)
from romas.agentspeak.clause_cache import ClauseCache, ClauseEntry, copy_plan
from romas.agentspeak.diagnostics import AgentSpeakSyntaxError, Diagnostic
from romas.agentspeak.grammar_tables import load_tables
from romas.agentspeak.program import (
    BeliefUpdate,
    Body,
    Condition,
    For,
    Formula,
    Goal,
    If,
    Plan,
    Program,
    Rule,
    Trigger,
    While,
    finish_plan,
)
from romas.agentspeak.terms import (
    ANNOTATED_VAR,
    Logic,
    Struct,
    Term,
)

MAX_NESTING = 500
"""Deepest nesting of terms accepted in source code; deeper input is refused with a diagnostic."""


class _BadCharacter(Exception):
    def __init__(self, pos: int) -> None:
        super().__init__("bad character")
        self.pos = pos


_GRAMMAR = resources.files("romas.agentspeak").joinpath("grammar.lark").read_text(encoding="utf-8")
_START_SYMBOLS = ["clause", "term_input", "body_input"]


class _Engine:
    """Runs the LALR(1) automaton that lark builds from ``grammar.lark`` (see ``grammar_tables``).

    lark compiles the grammar into parse tables; this class drives those tables with a lexer made from the
    grammar's own terminal definitions and calls :class:`Builder` on each reduction. Doing the driving
    here (instead of lark's general-purpose parser front end) makes validating a large source about three
    times faster, which matters because the server validates code on every upload.
    """

    _REGEX_ORDER = ("WS", "COMMENT", "IA_NAME", "STRING", "QATOM", "NUMBER", "VAR", "ATOM")

    def __init__(self, builder: Builder, tables: dict[str, Any]) -> None:
        self.start_states: dict[str, int] = dict(tables["start_states"])
        self.end_states: dict[str, int] = dict(tables["end_states"])
        # table[state][symbol]: a shift or goto is the next state (an int); a reduce is the rule's entry
        # (length, origin, callback, kind), see _rule_entry
        self.rules: list[tuple[int, str, Any, int]] = [self._rule_entry(rule, builder) for rule in tables["rules"]]
        rules = self.rules
        self.table: list[dict[str, int | tuple[int, str, Any, int]]] = [
            {sym: (act if act >= 0 else rules[-1 - act]) for sym, act in row.items()} for row in tables["states"]
        ]
        regexps = {name: regexp for name, _, regexp in tables["terminals"]}
        self.keywords: dict[str, str] = {}
        symbols: list[tuple[str, str]] = []
        for name, text, _ in tables["terminals"]:
            if name in self._REGEX_ORDER:
                continue
            if re.fullmatch(r"[a-zA-Z_]\w*", text):
                self.keywords[text] = name
            else:
                symbols.append((name, re.escape(text)))
        symbols.sort(key=lambda x: -len(x[1]))
        skip = f"(?:{regexps['WS']}|{regexps['COMMENT']})*"
        parts = [f"(?P<{n}>{regexps[n]})" for n in self._REGEX_ORDER[2:]]
        parts += [f"(?P<{n}>{rx})" for n, rx in symbols]
        parts.append(r"(?P<BAD>\S)")
        self.master = re.compile(skip + "(?:" + "|".join(parts) + ")")

    @staticmethod
    def _rule_entry(rule: list[Any], builder: Builder) -> tuple[int, str, Any, int]:
        """(length, origin, callback, kind) for one grammar rule; kind 0 passes its only child on, 1 calls
        the callback, 2 makes a list to splice into the parent, 3 splices its own children first."""
        origin, n, alias, expand1, expansion = rule
        inlined_children = any(name.startswith("_") for name in expansion)
        fn = None
        if alias:
            fn = getattr(builder, alias)
        elif not origin.startswith("_"):
            fn = getattr(builder, origin, None)
            if expand1 and n == 1 and not inlined_children:
                return (n, origin, None, 0)
        if inlined_children:
            return (n, origin, fn, 3)
        if fn is None:
            return (n, origin, None, 2)
        return (n, origin, fn, 1)

    def parse(self, text: str, start: str) -> Any:
        table = self.table
        state = self.start_states[start]
        states = [state]
        values: list[Any] = []
        push_state = states.append
        push_value = values.append
        end_state = self.end_states[start]
        keywords = self.keywords
        value: Any
        matches = self.master.finditer(text)
        while True:
            m = next(matches, None)
            if m is None:
                tok = Tok("$END", "", len(text.rstrip()))
            else:
                kind = m.lastgroup or "BAD"
                if kind == "BAD":
                    raise _BadCharacter(m.start(kind))
                word = m.group(kind)
                if kind == "ATOM":
                    tok = Tok(keywords.get(word, kind), word, m.start(kind))
                else:
                    tok = Tok(kind, word, m.start(kind))
            ttype = tok.type
            while True:
                act = table[state].get(ttype)
                if act is None:
                    if ttype == "$END" and state == end_state:
                        return values[-1]
                    expected = {k for k in table[state] if k.isupper() or k == "$END"}
                    raise SyntaxProblem(tok, expected)
                if isinstance(act, int):
                    state = act
                    push_state(state)
                    push_value(tok)
                    break
                n, origin, fn, kind_ = act
                if kind_ == 0:
                    # a rule that just passes its single child on: only the state changes
                    state = table[states[-2]][origin]  # type: ignore[assignment]
                    states[-1] = state
                    continue
                if n:
                    children = values[-n:]
                    del values[-n:]
                    del states[-n:]
                else:
                    children = []
                if kind_ == 1:
                    value = fn(children)
                elif kind_ == 2:
                    value = _Inline(children)
                else:
                    value = self._reduce_inlined(children, fn, n)
                state = table[states[-1]][origin]  # type: ignore[assignment]
                push_state(state)
                push_value(value)
            if ttype == "$END" and state == end_state:
                return values[-1]
            if m is None:
                raise SyntaxProblem(tok, set())

    @staticmethod
    def _reduce_inlined(children: list[Any], fn: Any, n: int) -> Any:
        """A reduction whose children include spliced-in lists (repetitions, ``_binop``)."""
        first = children[0] if children else None
        if fn is None and type(first) is _Inline:
            # a left-recursive repetition: grow the list in place (linear, not quadratic)
            for c in children[1:]:
                if type(c) is _Inline:
                    first.extend(c)
                else:
                    first.append(c)
            return first
        flat: list[Any] = []
        for c in children:
            if type(c) is _Inline:
                flat.extend(c)
            else:
                flat.append(c)
        if fn is None:
            return _Inline(flat)
        return fn(flat)


class _Inline(list[Any]):
    """Children of an inlined rule (``_binop``, repetitions), spliced into the parent's children."""

    __slots__ = ()


_builder = Builder()
_engine = _Engine(_builder, load_tables(_GRAMMAR, _START_SYMBOLS))
_lock = threading.Lock()

# ---- cutting a source into clauses -------------------------------------------------------------------------

_SCAN = re.compile(
    r"""
    (?=["'/=.{}])  # every alternative starts with one of these: other characters are skipped at once
    (?:
    (?P<str>"(?:[^"\\\n]|\\.)*")
  | (?P<badstr>")
  | (?P<qatom>'(?:[^'\\\n]|\\.)*')
  | (?P<badqatom>')
  | (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<badcomment>/\*)
  | (?P<univ>=\.\.)
  | (?P<end>\.(?=\s|$|//|/\*))
  | (?P<open>\{)
  | (?P<close>\})
    )
    """,
    re.S | re.X,
)


class _Clause:
    __slots__ = ("end", "skip", "start")

    def __init__(self, start: int, end: int, skip: bool) -> None:
        self.start = start
        self.end = end
        self.skip = skip


class _Positions:
    """Maps offsets in the source to 1-based line and column numbers; the lines are found on the first question (a
    check of clauses all parsed before asks none)."""

    __slots__ = ("_starts", "source")

    def __init__(self, source: str) -> None:
        self.source = source
        self._starts: list[int] | None = None

    def at(self, offset: int) -> tuple[int, int]:
        starts = self._starts
        if starts is None:
            starts = self._starts = line_starts(self.source)
        return line_column(starts, offset)


_PLAIN_CLAUSE = re.compile(
    r"""
    (?:
      [^"'/=.]++                        # anything that starts nothing (braces too: they matter in directives only)
    | "(?:[^"\\\n]|\\.)*+"            # a string
    | '(?:[^'\\\n]|\\.)*+'            # a quoted atom
    | //[^\n]*+ | /\*.*?\*/            # a comment
    | /(?![/*])                         # a division
    | =\.\. | =                         # '=..' (its dots end nothing), '='
    | \.(?!\s|$|//|/\*)                 # a dot that does not end the clause (``.print``, ``1.5``)
    )*+
    \.(?=\s|$|//|/\*)                    # the dot that ends it
    """,
    re.S | re.X,
)
"""A clause that is not a directive, with every string, quoted atom and comment closed: what ``_SCAN`` finds in it,
found in one match."""
_LEADING_COMMENTS = re.compile(r"((?:\s*+(?://[^\n]*+|/\*.*?\*/))*)\s*+", re.S)
"""The comments before a clause (group 1; a clause's text starts after them), then the space before its code."""


def _split(source: str, pos: _Positions, diags: list[Diagnostic]) -> list[_Clause]:
    """The clauses of ``source``: plain ones (most) matched whole, from the first that is not on (a directive, an
    unterminated string or comment, the end) scanned piece by piece."""
    clauses: list[_Clause] = []
    at = 0
    end = len(source)
    while True:
        lead = _LEADING_COMMENTS.match(source, at)
        assert lead is not None  # it matches the empty text
        start, code = lead.end(1), lead.end()
        if code >= end or source[code] in "{}":  # a directive, or a stray '}' (not code for the scanner)
            break
        m = _PLAIN_CLAUSE.match(source, start)
        if m is None:
            break
        clauses.append(_Clause(start, m.end(), False))
        at = m.end()
    return _scan_clauses(source, at, pos, diags, clauses)


def _scan_clauses(
    source: str, at: int, pos: _Positions, diags: list[Diagnostic], clauses: list[_Clause]
) -> list[_Clause]:
    """The clauses of ``source`` from offset ``at`` (a clause's end), added to ``clauses``."""
    start = at
    last = at
    content = False
    depth = 0
    directive = False
    skip = False
    for m in _SCAN.finditer(source, at):
        if not content and source[last : m.start()].strip():
            content = True
        kind = m.lastgroup
        last = m.end()
        if kind == "comment":
            if not content:
                start = m.end()
            continue
        if kind in ("badstr", "badqatom", "badcomment"):
            line, col = pos.at(m.start())
            what = {
                "badstr": "unterminated string",
                "badqatom": "unterminated quoted atom",
                "badcomment": "unterminated comment",
            }[kind or ""]
            diags.append(Diagnostic(line, col, what))
            content = True
            skip = True
            if kind == "badcomment":
                start = len(source)
                content = False
                break
            continue
        if kind in ("str", "qatom", "univ"):
            content = True
            continue
        if kind == "open":
            if not content and depth == 0:
                directive = True
            content = True
            depth += 1
            continue
        if kind == "close":
            depth -= 1
            if directive and depth <= 0:
                clauses.append(_Clause(start, m.end(), skip))
                start, content, depth, directive, skip = m.end(), False, 0, False, False
            continue
        if directive and depth > 0:
            continue  # a '.' inside `{ ... }` sub-plans does not end the clause
        # end of a clause
        clauses.append(_Clause(start, m.end(), skip))
        start, content, depth, directive, skip = m.end(), False, 0, False, False
    if start < len(source):
        rest = source[start:]
        if _has_code(rest):
            clauses.append(_Clause(start, len(source), skip))
    return clauses


_COMMENTS = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)


def _has_code(text: str) -> bool:
    return bool(_COMMENTS.sub("", text).strip())


# ---- error messages ----------------------------------------------------------------------------------------

_NAMES = {
    "DOT": "'.'",
    "SEMI": "';'",
    "COMMA": "','",
    "LPAR": "'('",
    "RPAR": "')'",
    "LSQB": "'['",
    "RSQB": "']'",
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "ARROW": "'<-'",
    "COLON": "':'",
    "RULE_OP": "':-'",
    "BAR": "'|'",
    "AND": "'&'",
    "ATOM": "a name",
    "VAR": "a variable",
    "NUMBER": "a number",
    "STRING": "a string",
    "IA_NAME": "an internal action",
    "QATOM": "a quoted atom",
    "BANG": "'!'",
    "DBANG": "'!!'",
    "QMARK": "'?'",
    "PLUS": "'+'",
    "MINUS": "'-'",
    "TILDE": "'~'",
    "AT": "'@'",
    "NOT": "'not'",
    "IF": "'if'",
    "ELIF": "'elif'",
    "ELSE": "'else'",
    "WHILE": "'while'",
    "FOR": "'for'",
    "EQ": "'='",
    "$END": "the end",
}


def _describe_token(tok: Tok) -> str:
    if tok.type == "$END":
        return "end of input"
    v = str(tok.value)
    if len(v) > 30:
        v = v[:27] + "..."
    return f"'{v}'"


def _expected_text(expected: set[str]) -> str:
    names = sorted({_NAMES[e] for e in expected if e in _NAMES})
    if not names or len(names) > 6:
        return ""
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " or " + names[-1]


def _message(err: Exception, text: str, start: str) -> str:
    if isinstance(err, _BadCharacter):
        ch = text[err.pos] if err.pos < len(text) else ""
        if ch == '"':
            return "unterminated string"
        if ch == "'":
            return "unterminated quoted atom"
        return f"unexpected character {ch!r}"
    if isinstance(err, SyntaxProblem):
        tok = err.token
        expected = err.expected
        seen = text[: tok.start_pos]
        stripped = seen.strip()
        if start == "clause":
            first = stripped[:1]
            if stripped and first in "+-" and len(stripped) <= 2 and tok.type not in ("ATOM", "VAR", "QATOM"):
                trig = (stripped + str(tok.value)).strip()
                return f"unknown trigger '{trig}': a plan starts with +b, -b, +!g, -!g, +?g or -?g"
            if not stripped and tok.type in ("STAR", "SLASH", "POW", "LT", "GT", "EQ", "NEQ", "LE", "GE"):
                return f"unknown trigger '{tok.value}': a plan starts with +b, -b, +!g, -!g, +?g or -?g"
            if not stripped and tok.type == "DOT":
                return "empty clause: a '.' with nothing before it"
        exp = _expected_text(expected)
        if "DOT" in expected and tok.type != "DOT":
            if "<-" in seen and "SEMI" in expected:
                what = "expected ';' between body formulas or '.' after the plan body"
            elif start == "clause" and stripped[:1] in ("+", "-", "@"):
                what = "expected '.' after the plan"
            else:
                what = "expected '.' at the end of the clause"
            if tok.type == "$END":
                return what
            return f"{what}, found {_describe_token(tok)}"
        if tok.type == "$END":
            return f"unexpected end of input; expected {exp}" if exp else "unexpected end of input"
        if exp:
            return f"unexpected {_describe_token(tok)}; expected {exp}"
        return f"unexpected {_describe_token(tok)}"
    return "syntax error"


def _parse_piece(
    text: str, start: str, line_offset: int = 0, ctx: _Context | None = None
) -> tuple[Any, list[tuple[int, int, str]]]:
    """Parses ``text`` from the start symbol ``start``; returns the result and errors (lines counted from
    the start of ``text``; formulas get ``line_offset`` added so they carry lines of the whole source)."""
    with _lock:
        return _parse_locked(text, start, line_offset, ctx)


def _parse_locked(
    text: str, start: str, line_offset: int, ctx: _Context | None
) -> tuple[Any, list[tuple[int, int, str]]]:
    """:func:`_parse_piece`, with ``_lock`` held by the caller."""
    _builder.line_offset = line_offset
    _builder.anon = 0
    _builder.errors = []
    _builder.lines = {}
    _builder.explicit = set()
    _builder.term_bodies = False
    _builder.term_plans = False
    if ctx is None:
        _builder.this_ns = ""
        _builder.local_ns = {}
        _builder.functions = USER_FUNCTIONS
    else:
        _builder.this_ns = ctx.this_ns
        _builder.local_ns = ctx.local_ns
        _builder.functions = ctx.functions
    CurrentText.text = text
    CurrentText.starts = None
    try:
        result = _engine.parse(text, start)
    except _BadCharacter as err:
        line, col = text_position(err.pos)
        return None, [*_builder.errors, (line, col, _message(err, text, start))]
    except SyntaxProblem as err:
        tok = err.token
        line, col = tok.line, tok.column
        message = _message(err, text, start)
        if tok.type == "$END":
            line, col = _end_position(text)
        elif "DOT" in err.expected:
            # a missing '.' at the end of a line: point just after the last thing on that line
            before = text[: tok.start_pos].rstrip()
            if before and before.count("\n") + 1 < line:
                line, col = _end_position(before)
                message = message.split(", found ")[0]
        return None, [*_builder.errors, (line, col, message)]
    except RecursionError:
        return None, [(1, 1, "the code is nested too deeply")]
    if ctx is not None and ctx.namespaces[-1] and type(result) is tuple and result[0] != "directive":
        result = _in_namespace(result, ctx.namespaces[-1], _builder.explicit)
    return result, list(_builder.errors)


_clauses = ClauseCache()
"""Clauses parsed before, by their text (see ``clause_cache``)."""


def _parse_clause(
    text: str, line_offset: int, ctx: _Context
) -> tuple[Any, list[tuple[int, int, str]], ClauseEntry | None]:
    """:func:`_parse_piece` of one clause of a source, taken from the clauses parsed before when it can be; also
    the cache's entry for the clause, if it has one (its terms are known not to be nested too deeply).

    What a source's directives set before the clause (a namespace, local namespaces, registered functions)
    changes how it reads: such clauses are always parsed."""
    if ctx.this_ns or ctx.namespaces[-1] or ctx.local_ns or ctx.functions:
        return (*_parse_piece(text, "clause", line_offset, ctx), None)
    with _lock:
        entry = _clauses.get(text)
        if entry is not None:
            cached = entry.result(line_offset)
            if cached is not None:
                return cached, [], entry
        result, errors = _parse_locked(text, "clause", line_offset, ctx)
        if result is None or errors or _builder.term_plans or result[0] == "directive" or _check_nesting(result, 1):
            return result, errors, None
        kind, value = result[0], result[1]
        entry = ClauseEntry(kind, value, line_offset, not _builder.term_bodies)
        _clauses.put(text, entry)
        if kind == "plan":
            result = (kind, copy_plan(value, 0), 0, 0)  # the entry keeps the plan as parsed
        return result, errors, entry


def _in_namespace(result: tuple[Any, ...], ns: str, explicit: set[int]) -> tuple[Any, ...]:
    """A clause read in the namespace ``ns`` (an include with a namespace, ``{ begin namespace(ns) }``): its
    literals written without a namespace are in ``ns``, as Jason reads them (terms inside literals are not)."""

    def lit(t: Any) -> Any:
        if type(t) is Struct and id(t) not in explicit:
            f = t.functor
            if f not in ("true", "false") and not f.startswith(".") and "::" not in f and f != ANNOTATED_VAR:
                return with_namespace(t, ns)
        return t

    def formula(t: Any) -> Any:
        if type(t) is Logic:
            return Logic(t.op, formula(t.left), formula(t.right) if t.right is not None else None)
        return lit(t)

    def body(b: Body) -> Body:
        out: list[Formula] = []
        for f in b.formulas:
            if isinstance(f, Goal):
                out.append(Goal(f.kind, formula(f.literal) if f.kind == "?" else lit(f.literal), f.line))
            elif isinstance(f, BeliefUpdate):
                out.append(BeliefUpdate(f.op, lit(f.literal), f.line))
            elif isinstance(f, Condition):
                out.append(Condition(formula(f.expr), f.line))
            elif isinstance(f, If):
                branches = tuple((formula(c), body(b2)) for c, b2 in f.branches)
                out.append(If(branches, body(f.orelse) if f.orelse is not None else None, f.line))
            elif isinstance(f, While):
                out.append(While(formula(f.cond), body(f.body), f.line))
            elif isinstance(f, For):
                out.append(For(formula(f.cond), body(f.body), f.line))
            else:
                out.append(f)
        return Body(tuple(out))

    kind, value = result[0], result[1]
    if kind in ("belief", "goal"):
        return (kind, lit(value), *result[2:])
    if kind == "rule":
        return (kind, Rule(lit(value.head), formula(value.body)), *result[2:])
    if kind == "plan":
        plan: Plan = value
        plan.trigger = Trigger(plan.trigger.op, plan.trigger.kind, lit(plan.trigger.literal))
        if plan.context is not None:
            plan.context = formula(plan.context)
        plan.body = body(plan.body)
        return result
    return result


def _end_position(text: str) -> tuple[int, int]:
    stripped = text.rstrip()
    line = stripped.count("\n") + 1
    col = len(stripped) - (stripped.rfind("\n") + 1) + 1
    return line, col


def _check_nesting(result: Any, line: int) -> list[tuple[int, int, str]]:
    from romas.agentspeak.terms import term_depth

    terms: list[Term] = []
    kind, value = result[0], result[1]
    if kind in ("belief", "goal"):
        terms.append(value)
    elif kind == "rule":
        terms.extend([value.head, value.body])
    if any(term_depth(t, MAX_NESTING) > MAX_NESTING for t in terms):
        return [(line, 1, f"terms are nested more than {MAX_NESTING} levels deep")]
    return []


# ---- public entry points -----------------------------------------------------------------------------------


_CLAUSE_START = re.compile(r"\n(?=[+@!-])")


def _missing_dot(text: str, error: tuple[int, int, str]) -> int | None:
    """Offset of a newline in ``text``, before the error, that is followed by the start of a plan or goal."""
    line, col, _msg = error
    starts = [0]
    for m in re.finditer("\n", text):
        starts.append(m.end())
    if line < 1 or line > len(starts):
        return None
    err_offset = starts[line - 1] + col - 1
    for m in _CLAUSE_START.finditer(text, 0, err_offset + 1):
        if text[: m.start()].strip():
            return m.start()
    return None


class IncludeRefused(Exception):
    """An included file that cannot be given (outside the agent set, missing): the message says why."""


class AgentFiles:
    """The files of an agent set that ``{ include("file.asl") }`` may read: a mapping from paths relative to
    the set's root (``common.asl``, ``lib/util.asl``) to their text. Nothing else is ever read: a path that
    leaves the set (absolute, ``..`` above the root, a drive or a backslash) is refused."""

    def __init__(self, files: Mapping[str, str]) -> None:
        self.files = {self._normal(k) or k: v for k, v in files.items()}

    @staticmethod
    def _normal(path: str) -> str | None:
        if not path or "\\" in path or "\0" in path or path.startswith("/") or re.match(r"[A-Za-z]:", path):
            return None
        parts: list[str] = []
        for part in path.split("/"):
            if part in ("", "."):
                continue
            if part == "..":
                if not parts:
                    return None
                parts.pop()
            else:
                parts.append(part)
        return "/".join(parts) if parts else None

    def read(self, name: str, including: str | None) -> tuple[str, str]:
        """(the path in the set, the text) of ``name`` included from the file ``including``."""
        folder = including.rsplit("/", 1)[0] + "/" if including and "/" in including else ""
        path = self._normal(folder + name) if not name.startswith("/") else None
        if path is None:
            raise IncludeRefused(f"include: '{name}' is outside the agent set; only its own files can be included")
        text = self.files.get(path)
        if text is None and folder:
            text = self.files.get(self._normal(name) or "")
            path = self._normal(name) or path
        if text is None:
            raise IncludeRefused(f"include: there is no file '{name}' in the agent set")
        return path, text


MAX_INCLUDE_DEPTH = 16


class _Context:
    """What carries from clause to clause of a source and into the files it includes."""

    def __init__(self, files: AgentFiles | None, file: str | None, this_ns: str, stack: tuple[str, ...]) -> None:
        self.files = files
        self.file = file
        self.this_ns = this_ns
        self.namespaces: list[str] = [this_ns]
        self.blocks: list[str] = []
        self.local_ns: dict[str, str] = {}
        self.functions: dict[tuple[str, int], str] = {}
        self.stack = stack
        self.last_plan: Plan | None = None
        self.patterns: list[tuple[Struct, int, int, int]] = []


_LOCAL_NS = [0]


def _directive(
    text: str, lead: int, base_line: int, base_col: int, ctx: _Context, program: Program
) -> list[tuple[int, int, str]]:
    """Runs the directive ``{ ... }`` whose text is ``text``; returns errors (lines counted in ``text``)."""
    inner = text[lead:].strip()[1:-1]
    inner_start = text.index("{", lead) + 1
    stripped = _COMMENTS.sub(" ", inner).strip()
    if stripped[:1] in ("+", "-", "^", "@"):
        # sub-plans of the plan before (Jason's ER syntax): kept with that plan
        blank = re.sub(r"[^\n]", " ", text[:inner_start])
        sub, sub_diags = _parse_source(blank + inner, ctx.files, ctx.file, ctx.this_ns, ctx.stack)
        errors = [(d.line, d.column, d.message) for d in sub_diags]
        if ctx.last_plan is None:
            errors.append((1, 1, "sub-plans { ... } must follow a plan"))
        else:
            ctx.last_plan.extra["sub_plans"] = sub.plans
        return errors
    begin = re.match(r"\s*begin\b", inner)
    if stripped == "end":
        if not ctx.blocks:
            return [(1, 1, "'{ end }' without a '{ begin ... }' before it")]
        if ctx.blocks.pop() == "namespace":
            ctx.namespaces.pop()
            return []
        pattern, first, p_line, p_col = ctx.patterns.pop()
        if pattern.functor in _PATTERNS:
            enclosed = program.plans[first:]
            del program.plans[first:]
            try:
                plans, beliefs = _pattern(pattern, enclosed)
            except (AgentSpeakSyntaxError, ValueError, IndexError) as e:
                return [(p_line, p_col, f"the directive '{pattern.functor}' cannot apply: {e}")]
            for plan in plans:
                plan.name = ""
                finish_plan(plan, len(program.plans) + 1)
                program.plans.append(plan)
            program.beliefs.extend(beliefs)
        return []
    if begin and not inner[begin.end() :].strip():
        return [(*_first_code(text, lead), "'{ begin }' needs a directive: { begin namespace(ns) }")]
    term_text = "{" + (inner[begin.end() :] if begin else inner) + "}"
    skipped = text[: inner_start - 1] + (inner[: begin.end()] if begin else "")
    pad = re.sub(r"[^\n]", " ", skipped)  # keeps lines and columns where they are in the source
    result, errors = _parse_piece(pad + term_text, "clause", base_line - 1)
    if result is None or errors:
        return errors
    d: Struct = result[1]
    name, args = d.functor, d.args
    line, col = _first_code(text, lead)
    if begin:
        if name == "namespace" and args and type(args[0]) is Struct:
            ns = _declare_namespace(args, ctx)
            ctx.blocks.append("namespace")
            ctx.namespaces.append(ns)
            return []
        ctx.blocks.append(name)
        ctx.patterns.append((d, len(program.plans), line, col))
        if name not in _PATTERNS:
            return [(line, col, f"the directive '{name}' is not supported by romas (a directive written in Java)")]
        return []
    if name == "include" and args and type(args[0]) is str and len(args) <= 2:
        return _include(args, line, col, ctx, program)
    if name == "namespace" and args and type(args[0]) is Struct and len(args) <= 2:
        _declare_namespace(args, ctx)
        return []
    if name == "register_function" and args and type(args[0]) is str:
        if len(args) == 3 and type(args[1]) is int and type(args[2]) is str:
            ctx.functions[(args[0], args[1])] = args[2]
            if len(USER_FUNCTIONS) < 10_000:
                USER_FUNCTIONS[(args[0], args[1])] = args[2]
        return []  # a function written in Java (one argument) cannot be loaded: its calls stay terms
    return [(line, col, f"unknown directive '{name}'")]


_PATTERNS = frozenset({"dg", "bdg", "ebdg", "bc", "smc", "rc", "mg", "omc", "sga"})
"""Jason's goal patterns (``{ begin dg(g) } ... { end }``), which add plans around the plans they enclose."""


def _pattern(d: Struct, inner: list[Plan]) -> tuple[list[Plan], list[Struct]]:
    """The plans (and initial beliefs) a goal pattern makes of the plans it encloses, as Jason's do."""
    from romas.agentspeak.printer import source_term as format_term
    from romas.agentspeak.unify import unify

    def plan(text: str) -> Plan:
        return parse_plan(text)

    name, args = d.functor, d.args
    g = format_term(args[0]) if args else ""
    if name in ("dg", "bdg"):
        goal = args[0]
        out = [plan(f"+!{g} : {g}."), plan(f"+!{g} : .intend({g}).")]
        for p in inner:
            if p.trigger.op == "+" and p.trigger.kind == "!" and unify(p.trigger.literal, goal, {}):
                p.body = Body((*p.body.formulas, Goal("?", p.trigger.literal)))
                p.code = None
            out.append(p)
        out.append(plan(f"+{g} <- .succeed_goal({g})."))
        if name == "bdg":
            out.append(plan(f"-!{g} <- !{g}."))
        return out, []
    if name == "ebdg":
        goal = args[0]
        out = [plan(f"+!{g} : {g}.")]
        i = 0
        for p in inner:
            if p.trigger.op == "+" and p.trigger.kind == "!" and unify(p.trigger.literal, goal, {}):
                i += 1
                pi = Struct("p__f", (i, goal))
                ctx: Term = Logic("not", pi, None)
                p.context = ctx if p.context is None else Logic("and", ctx, p.context)
                p.body = Body((BeliefUpdate("+", pi), *p.body.formulas, Goal("?", p.trigger.literal)))
                p.code = None
            out.append(p)
        out.append(plan(f"-!{g} <- !{g}."))
        out.append(plan(f"+{g} <- .abolish(p__f(_, {g})); .succeed_goal({g})."))
        out.append(plan(f"-{g} <- .abolish(p__f(_, {g}))."))
        return out, []
    if name in ("bc", "mg", "smc", "rc", "omc"):
        sub = Struct("bdg" if name == "bc" else "bc", (args[0],))
        if name in ("bc", "mg") and len(args) > 1:
            if type(args[1]) is not Struct:
                raise ValueError("the second argument must be a directive")
            sub = args[1]
        if sub.functor not in _PATTERNS:
            raise ValueError(f"unknown directive {sub.functor}")
        out, beliefs = _pattern(sub, inner)
        if name == "bc":
            out.append(plan(f"+!{g} <- !{g}."))
        elif name == "mg":
            if type(args[0]) is Struct:
                beliefs = [*beliefs, args[0]]
            out.append(plan(f"-{g} <- !{g}."))
        elif name == "smc":
            out.append(plan(f"+{format_term(args[1])} <- .fail_goal({g})."))
        elif name == "rc":
            out.append(plan(f"-{format_term(args[1])} <- .succeed_goal({g})."))
        else:
            f, m = format_term(args[1]), format_term(args[2])
            out.append(plan(f"+{f} : .intend({g}, intention(_, [_, im(_, {{+!G}}, _, _) | _])) <- .fail_goal(G)."))
            out.append(plan(f"+{f} <- .drop_intention({g})."))
            out.append(plan(f"-{m} <- .succeed_goal({g})."))
        return out, beliefs
    # sga("+trigger", "context", goal)
    if len(args) != 3 or type(args[0]) is not str or type(args[1]) is not str:
        raise ValueError('sga takes a trigger and a context as strings, then a goal: sga("+b", "c", g)')
    t, c, g = args[0], args[1], format_term(args[2])
    return [
        plan(f"{t} : not f__l(_) & {c} <- !f__g({g})."),
        plan(f"{t} : f__l(_) & ({c}) <- +f__l({g})."),
        plan(f"+!f__g({g}) <- +f__l({g}); !{g}; -f__l({g})."),
        plan(f"-!f__g({g}) <- -f__l({g})."),
        plan(f"-f__l({g}) : f__l({g}) <- !f__g({g})."),
    ], []


def _first_code(text: str, lead: int) -> tuple[int, int]:
    before = text[:lead]
    line = before.count("\n") + 1
    return line, lead - (before.rfind("\n") + 1) + 1


def _declare_namespace(args: tuple[Term, ...], ctx: _Context) -> str:
    name = args[0].functor  # type: ignore[union-attr]
    if name == "default":
        return ""
    if len(args) > 1 and type(args[1]) is Struct and args[1].functor == "local":
        if name not in ctx.local_ns:
            _LOCAL_NS[0] += 1
            ctx.local_ns[name] = f"#{_LOCAL_NS[0]}{name}"
        return ctx.local_ns[name]
    return ctx.local_ns.get(name, name)


def _include(
    args: tuple[Term, ...], line: int, col: int, ctx: _Context, program: Program
) -> list[tuple[int, int, str]]:
    name: str = args[0]  # type: ignore[assignment]
    ns = ctx.namespaces[-1]
    if len(args) == 2:
        if type(args[1]) is not Struct or args[1].args:
            return [(line, col, "include: the namespace must be an atom")]
        ns = "" if args[1].functor == "default" else ctx.local_ns.get(args[1].functor, args[1].functor)
    if ctx.files is None:
        return [(line, col, f"include: there is no file '{name}' in the agent set (this code is not part of one)")]
    try:
        path, text = ctx.files.read(name, ctx.file)
    except IncludeRefused as e:
        return [(line, col, str(e))]
    if path in ctx.stack:
        return [(line, col, f"include: '{name}' includes itself (through the files it includes)")]
    if len(ctx.stack) >= MAX_INCLUDE_DEPTH:
        return [(line, col, f"include: files are included more than {MAX_INCLUDE_DEPTH} levels deep")]
    sub, diags = _parse_source(text, ctx.files, path, ns, (*ctx.stack, path))
    if diags:
        return [
            (line, col, f"in the included file {path}, line {d.line}, column {d.column}: {d.message}") for d in diags
        ]
    offset = len(program.plans)
    program.beliefs.extend(sub.beliefs)
    program.rules.extend(sub.rules)
    program.goals.extend(sub.goals)
    for plan in sub.plans:
        if plan.name.startswith("l__") and plan.label is None:
            plan.name = ""
        finish_plan(plan, offset + 1)
        offset += 1
        plan.extra["file"] = path
        program.plans.append(plan)
    return []


def _parse_source(
    source: str,
    files: AgentFiles | None = None,
    file: str | None = None,
    this_ns: str = "",
    stack: tuple[str, ...] = (),
    *,
    check: bool = False,
) -> tuple[Program, list[Diagnostic]]:
    """The program of ``source`` and its problems. ``check`` wants the problems alone (the program may then lack
    clauses): in a source without directives, a clause parsed before without a problem is not built again."""
    diags: list[Diagnostic] = []
    program = Program()
    if "\r" in source:
        source = source.replace("\r\n", "\n").replace("\r", "\n")
    ctx = _Context(files, file, this_ns, stack if stack or file is None else (file,))
    pos = _Positions(source)
    pieces: list[tuple[int, int]] = [(c.start, c.end) for c in _split(source, pos, diags) if not c.skip]
    if check and not this_ns:
        pieces = _unknown_clauses(source, pieces)
    while pieces:
        start, end = pieces.pop(0)
        text = source[start:end]
        base_line, base_col = pos.at(start)
        code = text.lstrip()
        if code[:1] == "/":
            code = _COMMENTS.sub(lambda m: " " * len(m.group()), text).lstrip()
        lead = len(text) - len(code)
        if text[lead : lead + 1] == "{":
            errors = _directive(text, lead, base_line, base_col, ctx, program)
            for line, col, msg in errors:
                abs_col = col + base_col - 1 if line == 1 else col
                diags.append(Diagnostic(line + base_line - 1, max(1, abs_col), msg))
            continue
        result, errors, known = _parse_clause(text, base_line - 1, ctx)
        if errors and result is None:
            cut = _missing_dot(text, errors[-1])
            if cut is not None:
                # A clause start at the beginning of a line, before the error: the previous clause most
                # likely lacks its final '.'. Report that, and parse the rest as clauses of their own.
                head = text[:cut].rstrip()
                _r, head_errors = _parse_piece(head + " .", "clause")
                if head_errors:
                    errors = [e for e in head_errors if e[0] <= head.count("\n") + 1] or head_errors
                else:
                    line, col = _end_position(head)
                    what = "after the plan" if head.lstrip()[:1] in ("+", "-", "@") else "at the end of the clause"
                    errors = [(line, col, f"expected '.' {what}")]
                pieces.insert(0, (start + cut + 1, end))
        for line, col, msg in errors:
            abs_col = col + base_col - 1 if line == 1 else col
            diags.append(Diagnostic(line + base_line - 1, max(1, abs_col), msg))
        if result is None or errors:
            continue
        # line of the first code in the clause (skipping leading blank lines and comments)
        first_line, _ = pos.at(start + lead)
        nest = _check_nesting(result, first_line) if known is None else None
        if nest:
            diags.extend(Diagnostic(a, b, c) for a, b, c in nest)
            continue
        kind, value = result[0], result[1]
        if kind == "belief":
            program.beliefs.append(value)
        elif kind == "rule":
            program.rules.append(Rule(value.head, value.body, first_line))
        elif kind == "goal":
            program.goals.append(value)
        elif kind == "plan":
            plan: Plan = value
            plan.line = first_line
            plan.source = text[lead:].strip()
            finish_plan(plan, len(program.plans) + 1, known.facts if known is not None else None)
            if file is not None:
                plan.extra["file"] = file
            program.plans.append(plan)
            ctx.last_plan = plan
    if ctx.blocks:
        line, col = _end_position(source)
        ctx.patterns.clear()
        diags.append(Diagnostic(line, col, f"'{{ begin {ctx.blocks[-1]}(...) }}' is never closed by '{{ end }}'"))
    diags.sort(key=lambda d: (d.line, d.column))
    return program, diags


def _unknown_clauses(source: str, pieces: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The pieces of a source that a check must parse: all of them when one is a directive (what it sets changes how
    the clauses after it read, and sub-plans attach to the plan before them), else those the clause cache does not
    hold (it holds only clauses that parsed without a problem outside any directive's reach, see _parse_clause)."""
    texts = [source[start:end] for start, end in pieces]
    for text in texts:
        code = text.lstrip()
        if code[:1] == "/":
            code = _COMMENTS.sub(lambda m: " " * len(m.group()), text).lstrip()
        if code[:1] == "{":
            return pieces
    with _lock:
        return [piece for piece, text in zip(pieces, texts, strict=True) if _clauses.get(text) is None]


def parse_program(source: str, files: AgentFiles | None = None, file: str | None = None) -> Program:
    """Parses a whole agent program; raises :class:`AgentSpeakSyntaxError` listing every error.

    ``files`` are the files of the agent set that ``{ include("x.asl") }`` may read (none when not given),
    ``file`` the path of ``source`` among them (includes are relative to its folder)."""
    try:
        program, diags = _parse_source(source, files, file)
    except RecursionError:
        raise AgentSpeakSyntaxError([Diagnostic(1, 1, "the code is nested too deeply")]) from None
    if diags:
        raise AgentSpeakSyntaxError(diags)
    program.files = files
    program.file = file
    return program


def include_program(files: AgentFiles | None, name: str, including: str | None, namespace: str) -> Program:
    """The clauses of the agent-set file ``name`` read into ``namespace`` ("" is the default one), for
    ``.include`` at run time; raises :class:`IncludeRefused` or :class:`AgentSpeakSyntaxError`."""
    if files is None:
        raise IncludeRefused(f"include: there is no file '{name}' in the agent set (this agent has none)")
    path, text = files.read(name, including)
    program, diags = _parse_source(text, files, path, namespace, (path,))
    if diags:
        raise AgentSpeakSyntaxError(diags)
    return program


def check_source(source: str, files: AgentFiles | None = None, file: str | None = None) -> list[Diagnostic]:
    """Every problem in ``source`` (empty when it is valid); meant for validating code on upload."""
    try:
        return _parse_source(source, files, file, check=True)[1]
    except RecursionError:
        return [Diagnostic(1, 1, "the code is nested too deeply")]


def _parse_single(text: str, start: str, what: str) -> Any:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if start == "term_input" and not text.strip():
        raise AgentSpeakSyntaxError([Diagnostic(1, 1, f"empty {what}")])
    result, errors = _parse_piece(text, start)
    if errors:
        raise AgentSpeakSyntaxError([Diagnostic(max(1, a), max(1, b), c) for a, b, c in errors])
    return result


def parse_term(text: str) -> Term:
    """Parses one term (for example the content of a message): ``price(apple, 10)[source(bob)]``."""
    simple = _simple_term(text)
    if simple is not None:
        return simple
    term: Term = _parse_single(text, "term_input", "term")
    from romas.agentspeak.terms import term_depth

    if term_depth(term, MAX_NESTING) > MAX_NESTING:
        raise AgentSpeakSyntaxError([Diagnostic(1, 1, f"the term is nested more than {MAX_NESTING} levels deep")])
    return term


# The commonest message contents, an atom or a structure of numbers, atoms and strings (``ping(12)``, ``order(apple,
# 3, "x")``), read without the parser (~20 us of a message's CPU): what the parser makes of them is plain, and each
# name is checked once with the parser itself (a word it reads otherwise, ``this_ns`` say, is left to it).
_SIMPLE_HEAD = re.compile(r"([a-z][a-zA-Z0-9_]*)(\(|\Z)")
_SIMPLE_ARG = re.compile(r'(?:(0|[1-9][0-9]{0,17})|([a-z][a-zA-Z0-9_]*)|"([^"\\\x00-\x1f]*)")(, ?|\))')
_PLAIN_NAMES = 4096


@functools.lru_cache(maxsize=_PLAIN_NAMES)
def _plain_name(name: str, where: str) -> bool:
    """Whether the parser reads ``name`` as a plain atom (``where`` is ``atom``), a functor (``functor``) or an
    argument (``arg``)."""
    text = {"atom": name, "functor": f"{name}(0)", "arg": f"p({name})"}[where]
    try:
        term = _parse_single(text, "term_input", "term")
    except AgentSpeakSyntaxError:
        return False
    expected = {"atom": Struct(name), "functor": Struct(name, (0,)), "arg": Struct("p", (Struct(name),))}[where]
    return _same_plain(term, expected)


def _same_plain(term: Any, expected: Any) -> bool:
    """Equal, and of the same types all the way down (``0 == 0.0`` and ``Struct``'s equality of annotations as
    sets do not count)."""
    if type(term) is not type(expected):
        return False
    if type(term) is not Struct:
        return bool(term == expected)
    return (
        term.functor == expected.functor
        and len(term.args) == len(expected.args)
        and not term.annots
        and not expected.annots
        and all(_same_plain(a, b) for a, b in zip(term.args, expected.args, strict=True))
    )


def _simple_term(text: str) -> Struct | None:
    """``text`` as the parser reads it, when it is an atom or ``name(arg, ...)`` of non-negative integers, atoms
    and strings without escapes (else None: the parser reads it)."""
    head = _SIMPLE_HEAD.match(text)
    if head is None:
        return None
    name = head.group(1)
    if not head.group(2):
        return Struct(name) if _plain_name(name, "atom") else None
    args: list[Term] = []
    pos = head.end()
    while True:
        arg = _SIMPLE_ARG.match(text, pos)
        if arg is None:
            return None
        number, atom, string, end = arg.groups()
        if number is not None:
            args.append(int(number))
        elif atom is not None:
            if not _plain_name(atom, "arg"):
                return None
            args.append(Struct(atom))
        else:
            args.append(string)
        pos = arg.end()
        if end == ")":
            break
    if pos != len(text) or not _plain_name(name, "functor"):
        return None
    return Struct(name, tuple(args))


def parse_body(text: str) -> Body:
    """Parses a plan body (for example a command): ``.print("hi"); !go(3); X = 1 + 2``."""
    body: Body = _parse_single(text, "body_input", "body")
    return body


def parse_plan(text: str) -> Plan:
    """Parses one plan (``.add_plan`` with a string, plans told by other agents, restored snapshots)."""
    text = text.strip()
    if not text.endswith("."):
        text += "."
    result = _parse_single(text, "clause", "plan")
    if result[0] != "plan":
        raise AgentSpeakSyntaxError([Diagnostic(1, 1, "expected a plan")])
    plan: Plan = result[1]
    plan.source = text
    plan.line = 1
    finish_plan(plan, 0)
    return plan
