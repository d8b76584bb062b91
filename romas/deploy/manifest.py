"""The manifest: a whole desired MAS as one value.

``romas apply`` builds it from an ``agent_specs/`` folder and sends it as the body of ``POST /deployments``;
``romas export`` gets it back from a server and writes the folder again. Decoding checks the shape and every
name (names are AgentSpeak atoms), so a manifest that decodes only needs its content checked: code that
parses, artefact types and properties, organisation specifications.

Fields hold the *normalized* form a server stores (artefact properties with defaults filled in, the
organisation specification as ``Specification.to_builtins()`` gives it), so comparing a manifest with a
server's current state tells "unchanged" from "update" by plain equality.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

import msgspec

from romas.domain.names import NAME_PATTERN, name_problem

Name = Annotated[str, msgspec.Meta(pattern=NAME_PATTERN)]
"""A resource name: ``^[a-z][a-zA-Z0-9_]{0,63}$``."""


class _Spec(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Unknown fields are refused so a misspelt field is an error, not a silently ignored value."""


class AgentSpec(_Spec, kw_only=True):
    """An agent: its AgentSpeak source and the fields of ``PUT /agents/{name}``."""

    code: str
    description: str = ""
    metadata: dict[str, Any] = msgspec.field(default_factory=dict)
    state: Literal["running", "stopped"] = "running"


class ArtefactSpec(_Spec, kw_only=True):
    """An artefact: its type and initial observable properties (normalized: defaults filled in)."""

    type: Name
    properties: dict[str, Any] = msgspec.field(default_factory=dict)
    description: str = ""


class WorkspaceSpec(_Spec, kw_only=True):
    """A workspace and the artefacts it holds."""

    description: str = ""
    artefacts: dict[Name, ArtefactSpec] = msgspec.field(default_factory=dict)


class Manifest(_Spec, kw_only=True):
    """Every agent, workspace (with its artefacts) and organisation of a MAS, by name.

    An organisation is its normalized Moise specification (``roles``, ``groups``, ``schemes``, ``norms`` and
    an optional ``description``), the JSON a server stores for ``PUT /organisations/{org}``.
    """

    agents: dict[Name, AgentSpec] = msgspec.field(default_factory=dict)
    workspaces: dict[Name, WorkspaceSpec] = msgspec.field(default_factory=dict)
    organisations: dict[Name, dict[str, Any]] = msgspec.field(default_factory=dict)

    def is_empty(self) -> bool:
        return not (self.agents or self.workspaces or self.organisations)

    def to_builtins(self) -> dict[str, Any]:
        """The JSON value of the manifest (every field written out), e.g. to embed it in a request body."""
        data: dict[str, Any] = msgspec.to_builtins(self)
        return data

    def to_json(self) -> bytes:
        return msgspec.json.encode(self)

    @classmethod
    def from_builtins(cls, data: object) -> Manifest:
        """A manifest from decoded JSON; ``msgspec.ValidationError`` names the path of a wrong value."""
        return msgspec.convert(data, cls)

    @classmethod
    def from_json(cls, data: bytes | str) -> Manifest:
        """A manifest from JSON text; ``msgspec.ValidationError`` (or ``DecodeError``) says what is wrong."""
        return msgspec.json.decode(data, type=cls)


# -- locating every problem of a decoded manifest -------------------------------------------------------------

_FIELDS: Final = {"agents": AgentSpec, "workspaces": WorkspaceSpec, "organisations": dict}
Problem = tuple[str, str]
"""``(JSON Pointer, message)``."""


def _pointer(base: str, *tokens: str) -> str:
    return base + "".join("/" + t.replace("~", "~0").replace("/", "~1") for t in tokens)


def _json_kind(value: object) -> str:
    kinds = ((bool, "a boolean"), (int, "a number"), (float, "a number"), (str, "a string"), (list, "an array"))
    return "null" if value is None else next((k for t, k in kinds if isinstance(value, t)), "an object")


def convert_problems(value: object, target: type[Any], at: str) -> list[Problem]:
    """msgspec's one problem converting ``value``, with msgspec's ``$.a[0]`` turned into a JSON Pointer."""
    try:
        msgspec.convert(value, target)
    except msgspec.ValidationError as exc:
        message, _, where = str(exc).partition(" - at `")
        where = where.rstrip("`").removeprefix("key` in `")
        tokens = [t for t in where.removeprefix("$").replace("[", ".").replace("]", "").split(".") if t]
        return [(_pointer(at, *[t for t in tokens if t != "..."]), message)]
    return []


def _names(value: object, at: str, what: str) -> tuple[dict[str, Any], list[Problem]]:
    """The entries of a map of named resources, and the problems of its shape and names."""
    if not isinstance(value, dict):
        return {}, [(at, f"expected an object of {what}s by name, got {_json_kind(value)}")]
    problems = []
    for name in value:
        problem = name_problem(name)
        if problem is not None:
            problems.append((_pointer(at, name), f"'{name}' is not a valid {what} name: {problem}"))
    return {k: v for k, v in value.items() if name_problem(k) is None}, problems


def manifest_problems(data: object, at: str = "") -> list[Problem]:
    """Every problem in the shape and names of a decoded manifest, each at its JSON Pointer under ``at``.

    Decoding stops at the first problem and cannot say which key of a map holds it; this walk lists them all.
    """
    if not isinstance(data, dict):
        return [(at, f"expected an object, got {_json_kind(data)}")]
    problems = [
        (_pointer(at, key), f"unknown field; a manifest has {', '.join(_FIELDS)}") for key in data if key not in _FIELDS
    ]
    agents, found = _names(data.get("agents", {}), _pointer(at, "agents"), "agent")
    problems += found
    for name, agent in agents.items():
        problems += convert_problems(agent, AgentSpec, _pointer(at, "agents", name))
    workspaces, found = _names(data.get("workspaces", {}), _pointer(at, "workspaces"), "workspace")
    problems += found
    for name, workspace in workspaces.items():
        where = _pointer(at, "workspaces", name)
        if not isinstance(workspace, dict):
            problems.append((where, f"expected an object, got {_json_kind(workspace)}"))
            continue
        problems += convert_problems({k: v for k, v in workspace.items() if k != "artefacts"}, WorkspaceSpec, where)
        artefacts, found = _names(workspace.get("artefacts", {}), _pointer(where, "artefacts"), "artefact")
        problems += found
        for art_name, artefact in artefacts.items():
            problems += convert_problems(artefact, ArtefactSpec, _pointer(where, "artefacts", art_name))
    organisations, found = _names(data.get("organisations", {}), _pointer(at, "organisations"), "organisation")
    problems += found
    for name, spec in organisations.items():
        if not isinstance(spec, dict):
            problems.append((_pointer(at, "organisations", name), f"expected an object, got {_json_kind(spec)}"))
    return problems
