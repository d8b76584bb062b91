"""Organisation specifications in the Moise model: roles and groups, schemes of goals and missions, norms.

The body of ``PUT /organisations/{org}`` (and ``agent_specs/organisations/<org>.yaml``) is checked by
:func:`validate_specification`, which reports every problem at once, each with the JSON Pointer of the
offending value, so a user fixes a whole file in one pass. A valid body becomes a :class:`Specification`
whose :meth:`~Specification.to_builtins` is the normalized form: defaults are written out and nothing else
changes, so putting that output back is an identical PUT and makes no new revision.
"""

from __future__ import annotations

import difflib
import functools
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Final, Literal, TypeVar

import msgspec

from romas.domain.errors import FieldError
from romas.domain.names import name_problem

_T = TypeVar("_T")

SpecError = FieldError
"""One problem in a specification: ``path`` is a JSON Pointer into the body, ``message`` says what is wrong."""

Operator = Literal["sequence", "choice", "parallel"]
LinkType = Literal["communication", "authority", "acquaintance"]
NormType = Literal["obligation", "permission"]

OPERATORS: Final[tuple[Operator, ...]] = ("sequence", "choice", "parallel")
LINK_TYPES: Final[tuple[LinkType, ...]] = ("communication", "authority", "acquaintance")
NORM_TYPES: Final[tuple[NormType, ...]] = ("obligation", "permission")


class _Model(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """Structural fields have no default so they are always written out; only optional text is omitted."""


class Cardinality(_Model, frozen=True):
    """How many players (or subgroups, or committed agents) are needed and allowed; ``max`` None: no limit."""

    min: int
    max: int | None

    def allows(self, count: int) -> bool:
        """Whether ``count`` does not exceed the maximum (the minimum is about well-formedness, not entry)."""
        return self.max is None or count <= self.max


class Role(_Model, frozen=True):
    extends: tuple[str, ...]
    description: str | None = None


class Link(_Model, frozen=True):
    source: str = msgspec.field(name="from")
    target: str = msgspec.field(name="to")
    type: LinkType


class Group(_Model, frozen=True):
    roles: dict[str, Cardinality]
    links: tuple[Link, ...]
    compatibilities: tuple[tuple[str, str], ...]
    subgroups: dict[str, Cardinality]
    description: str | None = None


class Goal(_Model, frozen=True):
    """A goal of a scheme: a leaf (no operator) or the plan ``operator: [sub-goals]``."""

    sequence: tuple[str, ...] | None = None
    choice: tuple[str, ...] | None = None
    parallel: tuple[str, ...] | None = None
    description: str | None = None

    @property
    def operator(self) -> Operator | None:
        for op in OPERATORS:
            if getattr(self, op) is not None:
                return op
        return None

    @property
    def children(self) -> tuple[str, ...]:
        op = self.operator
        return () if op is None else tuple(getattr(self, op))

    @property
    def is_leaf(self) -> bool:
        return self.operator is None


class Mission(_Model, frozen=True):
    goals: tuple[str, ...]
    min: int
    max: int | None
    description: str | None = None

    @property
    def cardinality(self) -> Cardinality:
        return Cardinality(min=self.min, max=self.max)


class Scheme(_Model, frozen=True):
    goals: dict[str, Goal]
    missions: dict[str, Mission]
    description: str | None = None

    @property
    def root(self) -> str:
        """The goal no other goal names (validation guarantees there is exactly one)."""
        named = {child for goal in self.goals.values() for child in goal.children}
        return next(name for name in self.goals if name not in named)

    def parents(self) -> dict[str, str]:
        """Each sub-goal mapped to the goal whose plan names it."""
        return {child: name for name, goal in self.goals.items() for child in goal.children}

    def missions_with_goal(self, goal: str) -> tuple[str, ...]:
        return tuple(name for name, mission in self.missions.items() if goal in mission.goals)


class Norm(_Model, frozen=True):
    id: str
    type: NormType
    role: str
    mission: str
    deadline_s: float | None = None
    description: str | None = None


class Specification(_Model, frozen=True, kw_only=True):
    """A valid, normalized organisation specification."""

    description: str | None = None
    roles: dict[str, Role]
    groups: dict[str, Group]
    schemes: dict[str, Scheme]
    norms: tuple[Norm, ...]

    def to_builtins(self) -> dict[str, Any]:
        """The normalized JSON value (what GET shows; putting it back changes nothing)."""
        data: dict[str, Any] = msgspec.json.decode(self.to_json())  # JSON types only: lists, not tuples
        return data

    def to_json(self) -> bytes:
        return msgspec.json.encode(self)

    def role_closure(self, role: str) -> frozenset[str]:
        """``role`` and every role it extends, directly or not: what an agent playing ``role`` also plays."""
        seen: set[str] = set()
        todo = [role]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            spec = self.roles.get(current)
            if spec is not None:
                todo.extend(spec.extends)
        return frozenset(seen)

    def specialisations(self, role: str) -> frozenset[str]:
        """``role`` and every role that extends it, directly or not: who a norm on ``role`` concerns."""
        return frozenset(name for name in self.roles if role in self.role_closure(name)) | {role}

    def norms_for_role(self, role: str) -> tuple[Norm, ...]:
        """Norms on ``role`` or on a role it extends (sub-roles inherit their super-roles' norms)."""
        closure = self.role_closure(role)
        return tuple(norm for norm in self.norms if norm.role in closure)

    def scheme_of_mission(self, mission: str) -> str | None:
        for name, scheme in self.schemes.items():
            if mission in scheme.missions:
                return name
        return None

    def mission(self, mission: str) -> Mission | None:
        scheme = self.scheme_of_mission(mission)
        return None if scheme is None else self.schemes[scheme].missions[mission]

    def compatible(self, group: str, role: str, other: str) -> bool:
        """Whether one agent may play both roles in one instance of ``group``.

        Compatibilities are symmetric and inherited: a pair declared for super-roles covers their sub-roles.
        """
        spec = self.groups.get(group)
        if spec is None:
            return False
        mine, theirs = self.role_closure(role), self.role_closure(other)
        return any((a in mine and b in theirs) or (b in mine and a in theirs) for a, b in spec.compatibilities)


class InvalidSpecification(ValueError):
    """Raised by :func:`parse_specification`; ``errors`` lists every problem."""

    def __init__(self, errors: list[SpecError]) -> None:
        super().__init__("; ".join(f"{e.path or '/'}: {e.message}" for e in errors))
        self.errors = errors


def parse_specification(data: object) -> Specification:
    """Like :func:`validate_specification`, for data that should be valid (a stored specification)."""
    spec, errors = validate_specification(data)
    if spec is None:
        raise InvalidSpecification(errors)
    return spec


def validate_specification(data: object) -> tuple[Specification | None, list[SpecError]]:
    """Check a specification body; the normalized specification and no errors, or None and every error."""
    checker = _Checker()
    spec = checker.specification(data)
    if checker.errors or spec is None:
        return None, checker.errors
    return spec, []


def json_pointer(*parts: str | int) -> str:
    """A JSON Pointer (RFC 6901) from its reference tokens."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def _join(path: str, part: str | int) -> str:
    return path + json_pointer(part)


def _kind(value: object) -> str:
    """The JSON name of a value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f"'{n}'" for n in names)


def _unknown(what: str, name: str, known: list[str], where: str = "") -> str:
    """An 'unknown role' message with a hint: the closest name, or the names there are."""
    message = f"unknown {what} '{name}'{where}"
    close = difflib.get_close_matches(name, known, n=1) or [k for k in known if name and k.startswith(name)][:1]
    if close:
        return f"{message}; did you mean '{close[0]}'?"
    if known:
        return f"{message}; known: {_quoted(sorted(known))}"
    return f"{message}; none is defined"


def _cycles(graph: Mapping[str, tuple[str, ...]]) -> list[list[str]]:
    """Every elementary cycle found by a depth-first walk, each listed once, starting where it was entered."""
    done: set[str] = set()
    found: list[list[str]] = []
    for start in graph:
        if start in done:
            continue
        path: list[str] = []
        on_path: dict[str, int] = {}
        stack: list[tuple[str, Iterator[str]]] = [(start, iter(graph.get(start, ())))]
        path.append(start)
        on_path[start] = 0
        while stack:
            node, successors = stack[-1]
            nxt = next(successors, None)
            if nxt is None:
                stack.pop()
                path.pop()
                del on_path[node]
                done.add(node)
            elif nxt in on_path:
                found.append([*path[on_path[nxt] :], nxt])
            elif nxt not in done and nxt in graph:
                on_path[nxt] = len(path)
                path.append(nxt)
                stack.append((nxt, iter(graph[nxt])))
    return found


class _Checker:
    """Walks a raw body, collecting every error and building the normalized parts as it goes."""

    def __init__(self) -> None:
        self.errors: list[SpecError] = []
        self.extends: dict[str, tuple[str, ...]] = {}
        self.mission_owner: dict[str, str] = {}

    def error(self, path: str, message: str) -> None:
        self.errors.append(SpecError(path, message))

    # -- shapes -------------------------------------------------------------------------------------

    def fields(
        self,
        value: object,
        path: str,
        allowed: tuple[str, ...],
        required: tuple[str, ...] = (),
        *,
        null_is_empty: bool = False,
    ) -> dict[str, Any] | None:
        """An object with only the ``allowed`` keys; None (and an error) when it is something else."""
        if value is None and null_is_empty:
            value = {}
        if not isinstance(value, dict):
            self.error(path, f"expected an object, got {_kind(value)}")
            return None
        for key in value:
            if not isinstance(key, str):
                self.error(path, f"keys must be strings, got {_kind(key)} {key!r}")
            elif key not in allowed:
                self.error(_join(path, key), _unknown("field", key, list(allowed)))
        for key in required:
            if key not in value:
                self.error(_join(path, key), "this field is required")
        return value

    def named(self, value: object, path: str, what: str) -> dict[str, Any]:
        """An object whose keys are names of ``what``; the entries with a valid name."""
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.error(path, f"expected an object of {what}s by name, got {_kind(value)}")
            return {}
        out: dict[str, Any] = {}
        for key, item in value.items():
            if self.name(key, _join(path, str(key)), what):
                out[key] = item
        return out

    def name(self, value: object, path: str, what: str) -> bool:
        if not isinstance(value, str):
            self.error(path, f"expected a {what} name (a string), got {_kind(value)}")
            return False
        problem = name_problem(value)
        if problem is not None:
            self.error(path, f"'{value}' is not a valid {what} name: {problem}")
            return False
        return True

    def names(self, value: object, path: str, what: str, *, non_empty: bool = False) -> list[tuple[str, str]]:
        """A list of distinct names; ``(name, path)`` of each valid one."""
        if not isinstance(value, list):
            self.error(path, f"expected a list of {what} names, got {_kind(value)}")
            return []
        if non_empty and not value:
            self.error(path, f"expected at least one {what}")
        out: list[tuple[str, str]] = []
        seen: set[str] = set()
        for index, item in enumerate(value):
            item_path = _join(path, index)
            if not self.name(item, item_path, what):
                continue
            assert isinstance(item, str)
            if item in seen:
                self.error(item_path, f"{what} '{item}' is listed twice")
                continue
            seen.add(item)
            out.append((item, item_path))
        return out

    def text(self, body: dict[str, Any], path: str, key: str = "description") -> str | None:
        value = body.get(key)
        if value is None or isinstance(value, str):
            return value
        self.error(_join(path, key), f"expected a string, got {_kind(value)}")
        return None

    def count(self, body: dict[str, Any], path: str, key: str) -> int | None:
        value = body.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(_join(path, key), f"expected a whole number, got {_kind(value)}")
            return None
        if value < 0:
            self.error(_join(path, key), f"expected a number of at least 0, got {value}")
            return None
        return value

    def bounds(self, body: dict[str, Any], path: str) -> tuple[int, int | None] | None:
        """``min`` (default 0) and ``max`` (default: no limit) of an object, or None when they are wrong."""
        errors = len(self.errors)
        low = self.count(body, path, "min")
        high = self.count(body, path, "max")
        if len(self.errors) > errors:
            return None
        low = 0 if low is None else low
        if high is not None and high < low:
            self.error(_join(path, "max"), f"max ({high}) is less than min ({low})")
            return None
        return low, high

    def cardinality(self, value: object, path: str) -> Cardinality | None:
        body = self.fields(value, path, ("min", "max"), null_is_empty=True)
        if body is None:
            return None
        bounds = self.bounds(body, path)
        return None if bounds is None else Cardinality(min=bounds[0], max=bounds[1])

    def each(self, value: object, path: str, what: str, check: Callable[[object, str], _T | None]) -> list[_T]:
        """``check`` applied to each item of a list; the results that are not None."""
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(path, f"expected a list of {what}, got {_kind(value)}")
            return []
        out: list[_T] = []
        for index, item in enumerate(value):
            result = check(item, _join(path, index))
            if result is not None:
                out.append(result)
        return out

    # -- the specification --------------------------------------------------------------------------

    def specification(self, data: object) -> Specification | None:
        body = self.fields(data, "", ("description", "roles", "groups", "schemes", "norms"))
        if body is None:
            return None
        description = self.text(body, "")
        roles = self.roles(body.get("roles"))
        self.extends = {name: role.extends for name, role in roles.items()}
        groups = self.groups(body.get("groups"), set(roles))
        schemes = self.schemes(body.get("schemes"))
        norms = self.norms(body.get("norms"), set(roles), set(self.mission_owner))
        return Specification(roles=roles, groups=groups, schemes=schemes, norms=tuple(norms), description=description)

    def roles(self, value: object) -> dict[str, Role]:
        entries = self.named(value, "/roles", "role")
        roles: dict[str, Role] = {}
        extends_paths: dict[str, list[tuple[str, str]]] = {}
        for name, item in entries.items():
            path = _join("/roles", name)
            body = self.fields(item, path, ("extends", "description"), null_is_empty=True)
            if body is None:
                roles[name] = Role(extends=())
                continue
            extends = self.names(body.get("extends", []), _join(path, "extends"), "role")
            extends_paths[name] = extends
            roles[name] = Role(extends=tuple(n for n, _ in extends), description=self.text(body, path))
        for extends in extends_paths.values():
            for parent, parent_path in extends:
                if parent not in entries:
                    self.error(parent_path, _unknown("role", parent, list(entries)))
        graph = {name: role.extends for name, role in roles.items()}
        for cycle in _cycles(graph):
            self.error(
                _join(_join("/roles", cycle[0]), "extends"),
                "roles extend each other in a cycle: " + " → ".join(cycle),
            )
        return roles

    def groups(self, value: object, roles: set[str]) -> dict[str, Group]:
        entries = self.named(value, "/groups", "group")
        groups: dict[str, Group] = {}
        subgroup_paths: dict[str, str] = {}
        for name, item in entries.items():
            path = _join("/groups", name)
            body = self.fields(
                item, path, ("roles", "links", "compatibilities", "subgroups", "description"), null_is_empty=True
            )
            if body is None:
                continue
            group_roles: dict[str, Cardinality] = {}
            for role, card in self.named(body.get("roles"), _join(path, "roles"), "role").items():
                role_path = _join(_join(path, "roles"), role)
                if role not in roles:
                    self.error(role_path, _unknown("role", role, sorted(roles)))
                checked = self.cardinality(card, role_path)
                if checked is not None:
                    group_roles[role] = checked
            in_group = self.group_role_check(name, set(self.named_keys(body.get("roles"))), roles)
            links = self.each(
                body.get("links"), _join(path, "links"), "links", functools.partial(self.link, in_group=in_group)
            )
            compatibilities = self.each(
                body.get("compatibilities"),
                _join(path, "compatibilities"),
                "role pairs",
                functools.partial(self.compatibility, in_group=in_group),
            )
            subgroups: dict[str, Cardinality] = {}
            subgroups_path = _join(path, "subgroups")
            subgroup_paths[name] = subgroups_path
            for sub, card in self.named(body.get("subgroups"), subgroups_path, "group").items():
                sub_path = _join(subgroups_path, sub)
                if sub not in entries:
                    self.error(sub_path, _unknown("group", sub, list(entries)))
                checked = self.cardinality(card, sub_path)
                if checked is not None:
                    subgroups[sub] = checked
            groups[name] = Group(
                roles=group_roles,
                links=tuple(links),
                compatibilities=tuple(compatibilities),
                subgroups=subgroups,
                description=self.text(body, path),
            )
        graph = {name: tuple(group.subgroups) for name, group in groups.items()}
        for cycle in _cycles(graph):
            self.error(
                _join(subgroup_paths[cycle[0]], cycle[1]),
                "groups contain each other in a cycle: " + " → ".join(cycle),
            )
        return groups

    @staticmethod
    def named_keys(value: object) -> list[str]:
        return [k for k in value if isinstance(k, str)] if isinstance(value, dict) else []

    def group_role_check(self, group: str, members: set[str], roles: set[str]) -> Callable[[str, str], None]:
        """A check that a role named by a link or a compatibility exists and belongs to ``group``.

        A super-role of a member counts as a member: declaring a link for it covers its sub-roles.
        """
        reachable: set[str] = set()
        todo = list(members)
        while todo:
            role = todo.pop()
            if role not in reachable:
                reachable.add(role)
                todo.extend(self.extends.get(role, ()))

        def check(role: str, path: str) -> None:
            if role not in roles:
                self.error(path, _unknown("role", role, sorted(roles)))
            elif role not in reachable:
                self.error(path, f"role '{role}' is not a role of group '{group}'")

        return check

    def link(self, value: object, path: str, in_group: Callable[[str, str], None]) -> Link | None:
        errors = len(self.errors)
        body = self.fields(value, path, ("from", "to", "type"), ("from", "to", "type"))
        if body is None:
            return None
        for key in ("from", "to"):
            if key in body and self.name(body[key], _join(path, key), "role"):
                in_group(body[key], _join(path, key))
        kind = body.get("type")
        if "type" in body and kind not in LINK_TYPES:
            self.error(_join(path, "type"), f"unknown link type {kind!r}; expected one of {_quoted(LINK_TYPES)}")
        if len(self.errors) > errors:
            return None
        return Link(source=body["from"], target=body["to"], type=body["type"])

    def compatibility(self, value: object, path: str, in_group: Callable[[str, str], None]) -> tuple[str, str] | None:
        if not isinstance(value, list):
            self.error(path, f"expected a pair of roles [a, b], got {_kind(value)}")
            return None
        if len(value) != 2:
            self.error(path, f"expected a pair of roles [a, b], got {len(value)} item{'' if len(value) == 1 else 's'}")
            return None
        errors = len(self.errors)
        for index, role in enumerate(value):
            if self.name(role, _join(path, index), "role"):
                in_group(role, _join(path, index))
        if len(self.errors) > errors:
            return None
        if value[0] == value[1]:
            self.error(_join(path, 1), "a role is compatible with itself; name two different roles")
            return None
        return value[0], value[1]

    def schemes(self, value: object) -> dict[str, Scheme]:
        schemes: dict[str, Scheme] = {}
        mission_owner = self.mission_owner
        for name, item in self.named(value, "/schemes", "scheme").items():
            path = _join("/schemes", name)
            body = self.fields(item, path, ("goals", "missions", "description"), ("goals",))
            if body is None:
                continue
            goals = self.goal_tree(body.get("goals"), _join(path, "goals"), "goals" in body)
            missions: dict[str, Mission] = {}
            missions_path = _join(path, "missions")
            for mission, spec in self.named(body.get("missions"), missions_path, "mission").items():
                mission_path = _join(missions_path, mission)
                if mission in mission_owner:
                    self.error(
                        mission_path,
                        f"mission '{mission}' is already defined in scheme '{mission_owner[mission]}'; "
                        "mission names are unique in a specification",
                    )
                else:
                    mission_owner[mission] = name
                checked = self.mission(spec, mission_path, name, goals)
                if checked is not None:
                    missions[mission] = checked
            schemes[name] = Scheme(goals=goals, missions=missions, description=self.text(body, path))
        return schemes

    def goal_tree(self, value: object, path: str, present: bool) -> dict[str, Goal]:
        entries = self.named(value, path, "goal")
        if present and (value is None or value == {}):
            self.error(path, "a scheme needs at least one goal (its root)")
        goals: dict[str, Goal] = {}
        references: list[tuple[str, str, str]] = []  # (parent, child, path of the reference)
        for name, item in entries.items():
            goal_path = _join(path, name)
            body = self.fields(item, goal_path, (*OPERATORS, "description"), null_is_empty=True)
            if body is None:
                continue
            ops = [op for op in OPERATORS if op in body]
            if len(ops) > 1:
                self.error(goal_path, f"a goal has one operator, this one has {len(ops)}: {', '.join(ops)}")
            plan: dict[str, tuple[str, ...]] = {}
            for op in ops[:1]:
                children = self.names(body[op], _join(goal_path, op), "goal", non_empty=True)
                plan[op] = tuple(child for child, _ in children)
                references.extend((name, child, child_path) for child, child_path in children)
            goals[name] = Goal(description=self.text(body, goal_path), **plan)
        parents: dict[str, str] = {}
        for parent, child, child_path in references:
            if child not in entries:
                self.error(child_path, f"goal '{child}' is not defined in this scheme")
            elif child in parents:
                self.error(
                    child_path,
                    f"goal '{child}' already has parent '{parents[child]}'; a goal has at most one parent",
                )
            else:
                parents[child] = parent
        graph = {child: (parent,) for child, parent in parents.items()}
        cycles = _cycles(graph)
        for cycle in cycles:
            self.error(
                _join(path, cycle[0]),
                "goals are sub-goals of each other in a cycle: " + " → ".join(reversed(cycle)),
            )
        roots = [name for name in entries if name not in parents]
        if len(roots) > 1:
            self.error(
                path,
                f"a scheme has one root goal, this one has {len(roots)}: {_quoted(roots)} "
                "(a root is a goal no other goal names)",
            )
        return goals

    def mission(self, value: object, path: str, scheme: str, goals: dict[str, Goal]) -> Mission | None:
        errors = len(self.errors)
        body = self.fields(value, path, ("goals", "min", "max", "description"), ("goals",))
        if body is None:
            return None
        listed = self.names(body.get("goals", []), _join(path, "goals"), "goal", non_empty=True)
        for goal, goal_path in listed:
            if goal not in goals:
                self.error(goal_path, _unknown("goal", goal, list(goals), f" in scheme '{scheme}'"))
        bounds = self.bounds(body, path)
        description = self.text(body, path)
        if len(self.errors) > errors or bounds is None:
            return None
        return Mission(goals=tuple(g for g, _ in listed), min=bounds[0], max=bounds[1], description=description)

    def norms(self, value: object, roles: set[str], missions: set[str]) -> list[Norm]:
        ids: dict[str, str] = {}

        def norm(item: object, path: str) -> Norm | None:
            errors = len(self.errors)
            body = self.fields(
                item,
                path,
                ("id", "type", "role", "mission", "deadline_s", "description"),
                ("id", "type", "role", "mission"),
            )
            if body is None:
                return None
            norm_id = body.get("id")
            if "id" in body and self.name(norm_id, _join(path, "id"), "norm"):
                assert isinstance(norm_id, str)
                if norm_id in ids:
                    self.error(_join(path, "id"), f"norm id '{norm_id}' is already used at {ids[norm_id]}")
                else:
                    ids[norm_id] = path
            kind = body.get("type")
            if "type" in body and kind not in NORM_TYPES:
                self.error(_join(path, "type"), f"unknown norm type {kind!r}; expected one of {_quoted(NORM_TYPES)}")
            role = body.get("role")
            if "role" in body and self.name(role, _join(path, "role"), "role") and role not in roles:
                assert isinstance(role, str)
                self.error(_join(path, "role"), _unknown("role", role, sorted(roles)))
            mission = body.get("mission")
            if "mission" in body and self.name(mission, _join(path, "mission"), "mission") and mission not in missions:
                assert isinstance(mission, str)
                self.error(_join(path, "mission"), _unknown("mission", mission, sorted(missions)))
            deadline = self.deadline(body, path)
            description = self.text(body, path)
            if len(self.errors) > errors:
                return None
            return Norm(
                id=body["id"],
                type=body["type"],
                role=body["role"],
                mission=body["mission"],
                deadline_s=deadline,
                description=description,
            )

        return self.each(value, "/norms", "norms", norm)

    def deadline(self, body: dict[str, Any], path: str) -> float | None:
        value = body.get("deadline_s")
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.error(_join(path, "deadline_s"), f"expected a number of seconds, got {_kind(value)}")
            return None
        if not math.isfinite(value) or value <= 0:
            self.error(_join(path, "deadline_s"), f"expected a positive number of seconds, got {value}")
            return None
        return float(value)
