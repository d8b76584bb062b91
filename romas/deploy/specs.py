"""The ``agent_specs/`` folder: a MAS kept as files in a repository, read into a manifest and written back.

Layout (every name is a resource name, an AgentSpeak atom)::

    agents/<name>.asl            the agent's AgentSpeak code
    agents/<name>.yaml           optional: description, metadata, state (running | stopped)
    workspaces/<ws>.yaml         description, artefacts: {<art>: {type, properties, description}}
    organisations/<org>.yaml     the Moise specification

:func:`load_specs` reports every problem of a folder at once, each with its file and, where it can, the line
and column, so a CI log shows everything to fix before anything reaches a server. It returns the manifest in
the normalized form a server stores, so a deployment can tell "unchanged" from "update" by equality.
:func:`write_specs` is its inverse (``romas export``).

``README*`` files and dotfiles (``.gitkeep``, ``.DS_Store``) are ignored anywhere in the folder. Any other
file or folder is a problem: a misspelt ``agent/`` or ``bakery.yml`` would otherwise silently leave its
resources out of a deployment, and a pruning deployment would delete them.

The code of an agent is the exact text of its ``.asl`` file (UTF-8, line endings kept), so exporting a MAS
and applying the export changes nothing.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Final

import msgspec
import yaml

from romas.agentspeak import AgentFiles, check_source
from romas.deploy.manifest import AgentSpec, ArtefactSpec, Manifest, WorkspaceSpec
from romas.domain.artefact_types import ArtefactType, Registry
from romas.domain.names import name_problem
from romas.domain.organisations import json_pointer, validate_specification

AGENTS: Final = "agents"
WORKSPACES: Final = "workspaces"
ORGANISATIONS: Final = "organisations"
FOLDERS: Final = (AGENTS, WORKSPACES, ORGANISATIONS)

AGENT_FIELDS: Final = ("description", "metadata", "state")
WORKSPACE_FIELDS: Final = ("description", "artefacts")
ARTEFACT_FIELDS: Final = ("type", "properties", "description")
AGENT_STATES: Final = ("running", "stopped")

MAX_YAML_NODES: Final = 100_000
"""Most values a spec file may hold once its aliases are expanded; far above any real specification."""


@dataclass(frozen=True)
class SpecProblem:
    """One problem in a spec folder: ``file`` relative to the folder ("" for the folder itself), 1-based position."""

    file: str
    line: int | None
    column: int | None
    message: str

    def __str__(self) -> str:
        where = [str(part) for part in (self.file or None, self.line, self.column) if part is not None]
        return f"{':'.join(where)}: {self.message}" if where else self.message


# -- reading YAML ------------------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """YAML 1.1 as usual, except that unquoted dates and ``=`` stay strings.

    Specs become JSON, which has no date type, and PyYAML's safe loader cannot even build a bare ``=``.
    """


_STRING_TAGS: Final = ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:value")
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _STRING_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _kind(value: object) -> str:
    """A value's type in YAML words, for messages."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"


def _pointer_tokens(pointer: str) -> list[str]:
    if not pointer:
        return []
    return [token.replace("~1", "/").replace("~0", "~") for token in pointer[1:].split("/")]


class _Document:
    """A parsed YAML file: its data, and its node tree to map a JSON Pointer back to a line and column."""

    def __init__(self, file: str, root: yaml.Node | None, data: object) -> None:
        self.file = file
        self.root = root
        self.data = data

    def locate(self, pointer: str) -> tuple[int | None, int | None, bool]:
        """Line and column of the value at ``pointer`` (of its key, in a mapping), and whether it was found.

        When the pointer goes past what the file holds (a required field that is missing), the position is
        that of the deepest value it reaches, which is where the missing one belongs.
        """
        node = self.root
        if node is None:
            return None, None, False
        mark = node.start_mark
        for token in _pointer_tokens(pointer):
            found: tuple[yaml.Mark, yaml.Node] | None = None
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if isinstance(key, yaml.ScalarNode) and key.value == token:
                        found = (key.start_mark, value)  # the last one wins, as in the loaded data
            elif isinstance(node, yaml.SequenceNode) and token.isdigit() and int(token) < len(node.value):
                item = node.value[int(token)]
                found = (item.start_mark, item)
            if found is None:
                return mark.line + 1, mark.column + 1, False
            mark, node = found
        return mark.line + 1, mark.column + 1, True


def _walk(root: yaml.Node) -> str | None:
    """Why a node tree cannot be loaded as JSON (a recursive alias, too many values), or None.

    Aliases share nodes, so a few lines can expand to billions of values; the size is counted with each
    shared node's expanded size memoized, which takes time linear in the file.
    """
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, Iterator[yaml.Node]]] = []

    def children(node: yaml.Node) -> Iterator[yaml.Node]:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                yield key
                yield value
        elif isinstance(node, yaml.SequenceNode):
            yield from node.value

    stack.append((root, children(root)))
    on_path.add(id(root))
    totals = [1]
    while stack:
        node, todo = stack[-1]
        child = next(todo, None)
        if child is None:
            stack.pop()
            on_path.discard(id(node))
            size = totals.pop()
            sizes[id(node)] = size
            if totals:
                totals[-1] += size
            if size > MAX_YAML_NODES:
                return f"the file holds more than {MAX_YAML_NODES} values once its aliases are expanded"
        elif id(child) in on_path:
            return f"an alias refers to a value that contains it (line {child.start_mark.line + 1}); JSON has no cycles"
        elif id(child) in sizes:
            totals[-1] += sizes[id(child)]
        else:
            stack.append((child, children(child)))
            on_path.add(id(child))
            totals.append(1)
    return None


def _duplicate_keys(root: yaml.Node) -> Iterator[tuple[yaml.Node, str]]:
    """Keys given twice in one mapping: YAML loaders keep the last silently, which hides a mistake."""
    seen_nodes: set[int] = set()
    todo = [root]
    while todo:
        node = todo.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[tuple[str, str], int] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                    ident = (key.tag, key.value)
                    if ident in first:
                        yield key, f"key '{key.value}' is given twice (first on line {first[ident]})"
                    else:
                        first[ident] = key.start_mark.line + 1
                todo.append(value)
        elif isinstance(node, yaml.SequenceNode):
            todo.extend(node.value)


# -- checking values -----------------------------------------------------------------------------------------


def _did_you_mean(word: str, known: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(word, known, n=1)
    return f"did you mean '{close[0]}'?" if close else "expected " + ", ".join(f"'{k}'" for k in known)


def _json_problems(value: object, pointer: str) -> Iterator[tuple[str, str]]:
    """Where ``value`` holds something JSON cannot (a non-string key, an infinite number, a set...)."""
    if value is None or isinstance(value, bool | int | str):
        return
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            yield pointer, f"{value} is not a JSON number"
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _json_problems(item, pointer + json_pointer(index))
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                yield pointer, f"keys must be strings, got {_kind(key)} {key!r} (quote it)"
            else:
                yield from _json_problems(item, pointer + json_pointer(key))
    else:
        yield pointer, f"{_kind(value)} is not a JSON value"


class _Checker:
    """Collects every problem of a folder while building its manifest."""

    def __init__(self, folder: Path, registry: Registry) -> None:
        self.files: AgentFiles | None = None
        """The agent set ``include`` reads: the code of the folder's agents, ``<name>.asl``."""
        self.folder = folder
        self.registry = registry
        self.problems: list[SpecProblem] = []

    def problem(self, file: str, message: str, line: int | None = None, column: int | None = None) -> None:
        self.problems.append(SpecProblem(file, line, column, message))

    def at(self, doc: _Document, pointer: str, message: str) -> None:
        """A problem with the value at ``pointer``; the pointer is named when its line cannot say it alone."""
        line, column, exact = doc.locate(pointer)
        if not exact and pointer:
            message = f"{pointer}: {message}"
        self.problem(doc.file, message, line, column)

    def relative(self, path: Path) -> str:
        return PurePosixPath(path.relative_to(self.folder)).as_posix()

    # -- files --

    def read_text(self, path: Path) -> str | None:
        rel = self.relative(path)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            self.problem(rel, f"cannot be read: {exc.strerror or exc}")
            return None
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
            self.problem(rel, f"is not UTF-8 text: {exc.reason}", line, column)
            return None

    def read_yaml(self, path: Path) -> _Document | None:
        rel = self.relative(path)
        text = self.read_text(path)
        if text is None:
            return None
        loader = _Loader(text)
        try:
            root = loader.get_single_node()
            if root is not None:
                why = _walk(root)
                if why is not None:
                    self.problem(rel, why)
                    return None
                duplicates = list(_duplicate_keys(root))
                for key, message in duplicates:
                    self.problem(rel, message, key.start_mark.line + 1, key.start_mark.column + 1)
                if duplicates:
                    return None
            data = None if root is None else loader.construct_document(root)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            message = f"invalid YAML: {exc.problem or exc.context}"
            if exc.context and exc.problem and exc.context_mark is not None:
                message += f" ({exc.context}, line {exc.context_mark.line + 1})"
            if mark is None:
                self.problem(rel, message)
            else:
                self.problem(rel, message, mark.line + 1, mark.column + 1)
            return None
        except yaml.YAMLError as exc:
            self.problem(rel, f"invalid YAML: {exc}")
            return None
        finally:
            loader.dispose()
        return _Document(rel, root, data)

    def mapping(self, doc: _Document, pointer: str, value: object, fields: tuple[str, ...]) -> dict[str, Any] | None:
        """A mapping with only the known ``fields`` (null counts as empty); None when it is not a mapping."""
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.at(doc, pointer, f"expected a mapping with {', '.join(fields)}; got {_kind(value)}")
            return None
        for key in value:
            if not isinstance(key, str) or key not in fields:
                self.at(
                    doc, pointer + json_pointer(str(key)), f"unknown field '{key}'; {_did_you_mean(str(key), fields)}"
                )
        return value

    def text(self, doc: _Document, body: dict[str, Any], pointer: str, key: str = "description") -> str:
        value = body.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.at(doc, pointer + json_pointer(key), f"expected a string, got {_kind(value)}")
            return ""
        return value

    def name(self, file: str, name: str, what: str) -> bool:
        """Whether a file is named after a valid resource name; a problem on the file when it is not."""
        problem = name_problem(name)
        if problem is not None:
            self.problem(file, f"'{name}' is not a valid {what} name: {problem}")
        return problem is None

    def unexpected(self, path: Path, expected: str, hint: str = "") -> None:
        kind = "folder" if path.is_dir() else "file"
        self.problem(self.relative(path), f"unexpected {kind}; {expected}{f' ({hint})' if hint else ''}")

    # -- the folder --

    def load(self) -> Manifest:
        manifest = Manifest()
        for entry in _entries(self.folder):
            if entry.name in FOLDERS and entry.is_dir():
                if entry.name == AGENTS:
                    manifest.agents.update(self.agents(entry))
                elif entry.name == WORKSPACES:
                    manifest.workspaces.update(self.workspaces(entry))
                else:
                    manifest.organisations.update(self.organisations(entry))
            else:
                close = difflib.get_close_matches(entry.name, FOLDERS, n=1)
                hint = f"did you mean {close[0]}/?" if close else "README* files and dotfiles are ignored"
                self.unexpected(entry, "a spec folder holds the folders agents/, workspaces/ and organisations/", hint)
        return manifest

    def yaml_files(self, folder: Path, what: str) -> Iterator[tuple[str, Path]]:
        """``(stem, path)`` of each ``<name>.yaml`` of a folder; anything else is a problem."""
        for entry in _entries(folder):
            if entry.is_file() and entry.suffix == ".yaml":
                yield entry.stem, entry
            else:
                hint = "rename it to .yaml" if entry.suffix == ".yml" else ""
                self.unexpected(entry, f"{folder.name}/ holds one <{what}>.yaml file per {what}", hint)

    def agents(self, folder: Path) -> dict[str, AgentSpec]:
        code: dict[str, Path] = {}
        meta: dict[str, Path] = {}
        for entry in _entries(folder):
            if entry.is_file() and entry.suffix == ".asl":
                code[entry.stem] = entry
            elif entry.is_file() and entry.suffix == ".yaml":
                meta[entry.stem] = entry
            else:
                hint = "rename it to .yaml" if entry.suffix == ".yml" else ""
                self.unexpected(entry, "agents/ holds <agent>.asl files, each with an optional <agent>.yaml", hint)
        agents: dict[str, AgentSpec] = {}
        texts: dict[str, str] = {}
        for stem, path in code.items():
            try:
                texts[f"{stem}.asl"] = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue  # reported when the file itself is read
        self.files = AgentFiles(texts)
        for name in sorted(code.keys() | meta.keys()):
            ok = self.name(self.relative(code.get(name) or meta[name]), name, "agent")
            if name not in code:
                self.problem(self.relative(meta[name]), f"there is no {AGENTS}/{name}.asl: an agent needs its code")
            source = self.code(code[name]) if name in code else None
            fields = self.agent_fields(meta[name]) if name in meta else {}
            if ok and source is not None and fields is not None:
                agents[name] = AgentSpec(code=source, **fields)
        return agents

    def code(self, path: Path) -> str | None:
        source = self.read_text(path)
        if source is None:
            return None
        diagnostics = check_source(source, self.files, path.name)
        for diagnostic in diagnostics:
            self.problem(self.relative(path), diagnostic.message, diagnostic.line, diagnostic.column)
        return None if diagnostics else source

    def agent_fields(self, path: Path) -> dict[str, Any] | None:
        doc = self.read_yaml(path)
        if doc is None:
            return None
        before = len(self.problems)
        body = self.mapping(doc, "", doc.data, AGENT_FIELDS)
        if body is None:
            return None
        fields: dict[str, Any] = {"description": self.text(doc, body, "")}
        metadata = body.get("metadata")
        if isinstance(metadata, dict):
            for pointer, message in _json_problems(metadata, "/metadata"):
                self.at(doc, pointer, message)
            fields["metadata"] = metadata
        elif metadata is not None:
            self.at(doc, "/metadata", f"expected a mapping, got {_kind(metadata)}")
        state = body.get("state")
        if state is not None and state not in AGENT_STATES:
            self.at(doc, "/state", f"expected running or stopped, got {state!r}")
        elif state is not None:
            fields["state"] = state
        return fields if len(self.problems) == before else None

    def workspaces(self, folder: Path) -> dict[str, WorkspaceSpec]:
        workspaces: dict[str, WorkspaceSpec] = {}
        for name, path in self.yaml_files(folder, "workspace"):
            ok = self.name(self.relative(path), name, "workspace")
            doc = self.read_yaml(path)
            workspace = None if doc is None else self.workspace(doc)
            if ok and workspace is not None:
                workspaces[name] = workspace
        return workspaces

    def workspace(self, doc: _Document) -> WorkspaceSpec | None:
        before = len(self.problems)
        body = self.mapping(doc, "", doc.data, WORKSPACE_FIELDS)
        if body is None:
            return None
        description = self.text(doc, body, "")
        artefacts: dict[str, ArtefactSpec] = {}
        value = body.get("artefacts")
        if isinstance(value, dict):
            for name, item in value.items():
                pointer = json_pointer("artefacts", str(name))
                if not isinstance(name, str):
                    self.at(doc, pointer, f"an artefact name is a string, got {_kind(name)} {name!r}")
                    continue
                problem = name_problem(name)
                if problem is not None:
                    self.at(doc, pointer, f"'{name}' is not a valid artefact name: {problem}")
                artefact = self.artefact(doc, pointer, item)
                if problem is None and artefact is not None:
                    artefacts[name] = artefact
        elif value is not None:
            self.at(doc, "/artefacts", f"expected a mapping of artefacts by name, got {_kind(value)}")
        if len(self.problems) > before:
            return None
        return WorkspaceSpec(description=description, artefacts=artefacts)

    def artefact(self, doc: _Document, pointer: str, value: object) -> ArtefactSpec | None:
        before = len(self.problems)
        if value is None:
            self.at(doc, pointer, "an artefact needs at least its type, e.g. {type: counter}")
            return None
        body = self.mapping(doc, pointer, value, ARTEFACT_FIELDS)
        if body is None:
            return None
        description = self.text(doc, body, pointer)
        artefact_type = self.artefact_type(doc, pointer, body)
        properties = body.get("properties")
        if properties is not None and not isinstance(properties, dict):
            self.at(doc, f"{pointer}/properties", f"expected a mapping of properties, got {_kind(properties)}")
            return None
        if artefact_type is None:
            return None
        normalized, errors = artefact_type.validate_properties(properties or {})
        for error in errors:
            self.at(doc, f"{pointer}/properties{error.path}", error.message)
        if normalized is None or len(self.problems) > before:
            return None
        return ArtefactSpec(type=artefact_type.type_name, properties=normalized, description=description)

    def artefact_type(self, doc: _Document, pointer: str, body: dict[str, Any]) -> type[ArtefactType] | None:
        if "type" not in body:
            self.at(doc, f"{pointer}/type", f"this field is required; known types: {', '.join(self.registry.names())}")
            return None
        type_name = body["type"]
        if not isinstance(type_name, str):
            self.at(doc, f"{pointer}/type", f"expected an artefact type name, got {_kind(type_name)}")
            return None
        artefact_type = self.registry.get(type_name)
        if artefact_type is None:
            known = self.registry.names()
            close = difflib.get_close_matches(type_name, known, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"known types: {', '.join(known) or 'none'}"
            self.at(doc, f"{pointer}/type", f"unknown artefact type '{type_name}'; {hint}")
        return artefact_type

    def organisations(self, folder: Path) -> dict[str, dict[str, Any]]:
        organisations: dict[str, dict[str, Any]] = {}
        for name, path in self.yaml_files(folder, "organisation"):
            ok = self.name(self.relative(path), name, "organisation")
            doc = self.read_yaml(path)
            if doc is None:
                continue
            spec, errors = validate_specification({} if doc.data is None else doc.data)
            for error in errors:
                self.at(doc, error.path, error.message)
            if ok and spec is not None:
                organisations[name] = spec.to_builtins()
        return organisations


def _ignored(name: str) -> bool:
    return name.startswith(".") or name.lower().startswith("readme")


def _entries(folder: Path) -> list[Path]:
    return sorted(entry for entry in folder.iterdir() if not _ignored(entry.name))


def load_specs(folder: Path, registry: Registry) -> tuple[Manifest | None, list[SpecProblem]]:
    """The manifest of a spec folder, or None and every problem found (sorted by file and position).

    ``registry`` holds the artefact types the target server knows. An empty folder is an empty manifest.
    """
    if not folder.exists():
        return None, [SpecProblem("", None, None, f"{folder}: no such folder")]
    if not folder.is_dir():
        return None, [SpecProblem("", None, None, f"{folder}: not a folder")]
    checker = _Checker(folder, registry)
    try:
        manifest = checker.load()
    except OSError as exc:
        checker.problem("", f"{exc.filename or folder}: cannot be read: {exc.strerror or exc}")
    if checker.problems:
        return None, sorted(checker.problems, key=lambda p: (p.file, p.line or 0, p.column or 0))
    return manifest, []


# -- writing -------------------------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Block style, lists indented under their key, multi-line text as ``|`` blocks, no anchors."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)

    def ignore_aliases(self, data: Any) -> bool:
        return True


class _FlowList(list[Any]):
    """A short list of scalars, written on one line like ``[baker, seller]``."""


class _FlowDict(dict[str, Any]):
    """A short mapping of scalars, written on one line like ``{min: 1, max: 5}``."""


FLOW_WIDTH: Final = 72
"""Longest text of the scalars of a list or mapping written on one line."""


_RARE_BREAKS: Final = frozenset("\r\x85\u2028\u2029")


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    """Multi-line text as a ``|`` block; text with rarer line breaks double-quoted, where they are escaped.

    PyYAML would otherwise write a NEL or a line separator as is, and read it back as a space.
    """
    style = '"' if not _RARE_BREAKS.isdisjoint(value) else "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_flow_list(dumper: yaml.SafeDumper, value: _FlowList) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


def _represent_flow_dict(dumper: yaml.SafeDumper, value: _FlowDict) -> yaml.MappingNode:
    return dumper.represent_mapping("tag:yaml.org,2002:map", value.items(), flow_style=True)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_FlowList, _represent_flow_list)
_Dumper.add_representer(_FlowDict, _represent_flow_dict)


def _fits_on_a_line(scalars: list[object]) -> bool:
    if not all(v is None or isinstance(v, bool | int | float | str) for v in scalars):
        return False
    texts = [str(v) for v in scalars]
    return not any("\n" in t for t in texts) and sum(len(t) + 2 for t in texts) <= FLOW_WIDTH


def _flowed(value: object) -> object:
    """``value`` with its short lists and mappings of scalars marked to be written on one line."""
    if isinstance(value, list):
        items = [_flowed(item) for item in value]
        return _FlowList(items) if _fits_on_a_line(items) else items
    if isinstance(value, dict):
        entries = {key: _flowed(item) for key, item in value.items()}
        return _FlowDict(entries) if _fits_on_a_line([*entries, *entries.values()]) else entries
    return value


def _dump(data: dict[str, Any]) -> str:
    """A spec file's YAML text; the top level stays in block style even when it is short."""
    body = {key: _flowed(value) for key, value in data.items()}
    return yaml.dump(body, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=120)


def _same(a: object, b: object) -> bool:
    """Equal as JSON: unlike ``==``, 1 differs from 1.0 and from True."""
    return msgspec.json.encode(a) == msgspec.json.encode(b)


def _tidy_properties(properties: dict[str, Any], artefact_type: type[ArtefactType] | None) -> dict[str, Any]:
    """The properties without computed ones and those at their default, when that loads back the same."""
    if artefact_type is None:
        return properties
    specs = artefact_type.property_specs()
    tidy = {
        name: value
        for name, value in properties.items()
        if name not in specs
        or (specs[name].computed is None and (specs[name].required or not _same(value, specs[name].default)))
    }
    normalized, _ = artefact_type.validate_properties(tidy)
    return tidy if normalized is not None and _same(normalized, properties) else properties


_SPEC_DEFAULTS: Final[dict[str, tuple[object, ...]]] = {
    "extends": ([],),
    "links": ([],),
    "compatibilities": ([],),
    "subgroups": ({},),
    "min": (0,),
    "max": (None,),
}


def _tidy_specification(spec: dict[str, Any]) -> dict[str, Any]:
    """A normalized specification without the fields at their default, when that normalizes back the same."""

    def strip(value: object) -> object:
        if isinstance(value, dict):
            return {
                k: strip(v)
                for k, v in value.items()
                if not (k in _SPEC_DEFAULTS and any(_same(v, d) for d in _SPEC_DEFAULTS[k]))
            }
        if isinstance(value, list):
            return [strip(item) for item in value]
        return value

    tidy = strip(spec)
    assert isinstance(tidy, dict)
    normalized, _ = validate_specification(tidy)
    return tidy if normalized is not None and normalized.to_builtins() == spec else spec


def _agent_yaml(agent: AgentSpec) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if agent.description:
        fields["description"] = agent.description
    if agent.metadata:
        fields["metadata"] = agent.metadata
    if agent.state != "running":
        fields["state"] = agent.state
    return fields


def _workspace_yaml(workspace: WorkspaceSpec, registry: Registry | None) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if workspace.description:
        fields["description"] = workspace.description
    artefacts: dict[str, Any] = {}
    for name, artefact in workspace.artefacts.items():
        item: dict[str, Any] = {"type": artefact.type}
        properties = _tidy_properties(artefact.properties, None if registry is None else registry.get(artefact.type))
        if properties:
            item["properties"] = properties
        if artefact.description:
            item["description"] = artefact.description
        artefacts[name] = item
    if artefacts:
        fields["artefacts"] = artefacts
    return fields


def write_specs(manifest: Manifest, folder: Path, registry: Registry | None = None) -> None:
    """Write a manifest as a spec folder; :func:`load_specs` of it gives the manifest back.

    Fields at their default are left out so the files stay short; with ``registry``, artefact properties at
    their type's default and computed ones are left out too. Spec files of ``folder`` (``.asl`` and
    ``.yaml`` in its three sub-folders) that the manifest does not have are removed, so the folder is the
    manifest; other files are kept.
    """
    for what, names in (
        ("agent", manifest.agents),
        ("workspace", manifest.workspaces),
        ("organisation", manifest.organisations),
    ):
        for name in names:
            problem = name_problem(name)
            if problem is not None:  # it becomes a file name: never let it leave the folder
                raise ValueError(f"{name!r} is not a valid {what} name: {problem}")
    files: dict[str, bytes] = {}
    for name, agent in manifest.agents.items():
        files[f"{AGENTS}/{name}.asl"] = agent.code.encode()
        fields = _agent_yaml(agent)
        if fields:
            files[f"{AGENTS}/{name}.yaml"] = _dump(fields).encode()
    for name, workspace in manifest.workspaces.items():
        files[f"{WORKSPACES}/{name}.yaml"] = _dump(_workspace_yaml(workspace, registry)).encode()
    for name, spec in manifest.organisations.items():
        files[f"{ORGANISATIONS}/{name}.yaml"] = _dump(_tidy_specification(spec)).encode()

    folder.mkdir(parents=True, exist_ok=True)
    for sub in FOLDERS:
        path = folder / sub
        if path.is_dir():
            for entry in path.iterdir():
                stale = entry.suffix in (".asl", ".yaml") and f"{sub}/{entry.name}" not in files
                if stale and entry.is_file() and not _ignored(entry.name):
                    entry.unlink()
    for rel, content in files.items():
        path = folder / rel
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(content)
