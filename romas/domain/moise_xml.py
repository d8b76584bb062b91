"""Organisation specifications in Moise's XML form (``os.xml``), read and written.

:func:`read_moise_xml` turns an ``organisational-specification`` document into the JSON body of
``PUT /organisations/{org}`` (still to be validated by
:func:`~romas.domain.organisations.validate_specification`), and :func:`write_moise_xml` writes a
:class:`~romas.domain.organisations.Specification` back as XML; writing and reading back gives the same
specification.

The XML is parsed by expat with every DTD refused, so no entity is ever declared or expanded: an
``os.xml`` cannot make the parser read a file or expand a "billion laughs". Size and depth are bounded.

Moise says more than romas's model holds. What has no place (a goal's ``ttf``, a norm's ``condition``,
preferred missions, notification policies, custom link types, an inter-group scope...) is listed as a
:class:`Note` with its line, never silently dropped by the reader: ``romas import`` prints every note.
Some things are close enough to be converted *approximately* (a one-way compatibility becomes a
symmetric one); those are notes too, with ``converted`` true.

romas's ``description`` fields travel as a ``description`` property (roles, groups, schemes, missions, the
specification) or the ``ds`` attribute (goals); a norm has no properties in Moise's schema, so its
description is the property ``description.<norm id>`` of the normative specification.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from xml.parsers import expat

from romas.domain.organisations import LINK_TYPES, OPERATORS, Specification, json_pointer, validate_specification

NAMESPACE: Final = "http://moise.sourceforge.net/os"
OS_VERSION: Final = "1.1"
MAX_ELEMENTS: Final = 100_000
"""Most elements one document may hold: far above any real organisation."""
MAX_DEPTH: Final = 200
SOC: Final = "soc"
"""Moise's implicit root role; every role extends it, so romas leaves it out."""

_TIME_UNITS: Final[dict[str, float]] = {
    "ms": 0.001,
    "millisecond": 0.001,
    "milliseconds": 0.001,
    "s": 1,
    "second": 1,
    "seconds": 1,
    "min": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hour": 3600,
    "hours": 3600,
    "day": 86400,
    "days": 86400,
    "week": 604800,
    "weeks": 604800,
    "month": 2592000,
    "months": 2592000,
    "year": 31536000,
    "years": 31536000,
}
_TIME: Final = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]+)\s*$")


@dataclass(frozen=True)
class XmlProblem:
    """One problem in an XML document, at a 1-based line and column."""

    line: int
    column: int
    message: str
    path: str | None = None
    """For a problem of the model: the JSON Pointer of the value in the specification's JSON."""

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.message}"


class MoiseXmlError(ValueError):
    """The document is not XML romas accepts, or not an organisational specification; ``problems`` says where."""

    def __init__(self, problems: list[XmlProblem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Note:
    """Something of the XML that romas's model does not hold as such.

    ``converted`` says whether it was converted approximately (True) or left out (False).
    """

    line: int
    column: int
    message: str
    converted: bool = False


@dataclass
class Element:
    """An XML element: local name (namespace left out), attributes, children, position."""

    tag: str
    attrs: dict[str, str]
    line: int
    column: int
    children: list[Element] = field(default_factory=list)

    def all(self, tag: str) -> Iterator[Element]:
        return (child for child in self.children if child.tag == tag)

    def first(self, tag: str) -> Element | None:
        return next(self.all(tag), None)


@dataclass
class MoiseDocument:
    """What :func:`read_moise_xml` found: the specification's JSON, the notes, where each value came from."""

    data: dict[str, Any]
    notes: list[Note]
    positions: dict[str, tuple[int, int]]
    name: str | None = None

    def locate(self, pointer: str) -> tuple[int, int]:
        """Line and column of the element a JSON Pointer of ``data`` comes from (its closest ancestor's)."""
        while pointer:
            if pointer in self.positions:
                return self.positions[pointer]
            pointer = pointer.rsplit("/", 1)[0]
        return self.positions.get("", (1, 1))


# -- parsing -----------------------------------------------------------------------------------------------


class _Refused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_xml(text: str | bytes) -> Element:
    """The element tree of a document; DTDs (and so entities) are refused, size and depth are bounded."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[Element] = []
    roots: list[Element] = []
    count = 0

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal count
        count += 1
        if count > MAX_ELEMENTS:
            raise _Refused(f"the document holds more than {MAX_ELEMENTS} elements")
        if len(stack) >= MAX_DEPTH:
            raise _Refused(f"elements are nested more than {MAX_DEPTH} deep")
        element = Element(
            name.rsplit(" ", 1)[-1],
            {key: value for key, value in attrs.items() if " " not in key},  # namespaced attributes are Moise's not
            parser.CurrentLineNumber,
            parser.CurrentColumnNumber + 1,
        )
        (stack[-1].children if stack else roots).append(element)
        stack.append(element)

    def end(name: str) -> None:
        stack.pop()

    def doctype(*args: object) -> None:
        raise _Refused("a DOCTYPE is not accepted: Moise specifications need no DTD, and entities are refused")

    def entity(*args: object) -> None:
        raise _Refused("entity declarations are refused")

    def external(*args: object) -> int:
        raise _Refused("external entities are refused")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.ExternalEntityRefHandler = external
    try:
        parser.Parse(text, True)
    except _Refused as exc:
        raise MoiseXmlError(
            [XmlProblem(parser.CurrentLineNumber, parser.CurrentColumnNumber + 1, exc.message)]
        ) from None
    except expat.ExpatError as exc:
        message = expat.errors.messages.get(exc.code, str(exc))
        raise MoiseXmlError([XmlProblem(exc.lineno, exc.offset + 1, f"not well-formed XML: {message}")]) from None
    except (UnicodeError, ValueError) as exc:
        raise MoiseXmlError([XmlProblem(1, 1, f"cannot be read as XML: {exc}")]) from None
    if not roots:
        raise MoiseXmlError([XmlProblem(1, 1, "the document has no element")])
    return roots[0]


# -- reading -----------------------------------------------------------------------------------------------


def _count(value: str | None) -> int | str | None:
    """A Moise cardinality attribute as a number; the text itself when it is not one (validation says so)."""
    if value is None or value.strip() == "":
        return None
    try:
        return int(value.strip())
    except ValueError:
        return value


def parse_duration(text: str) -> float | None:
    """Seconds of a Moise time constraint like ``1 day`` or ``30 seconds``; None when it is not one."""
    match = _TIME.match(text)
    if match is None or match.group(2).lower() not in _TIME_UNITS:
        return None
    return float(match.group(1)) * _TIME_UNITS[match.group(2).lower()]


class _Reader:
    def __init__(self) -> None:
        self.notes: list[Note] = []
        self.problems: list[XmlProblem] = []
        self.positions: dict[str, tuple[int, int]] = {}

    def note(self, element: Element, message: str, *, converted: bool = False) -> None:
        self.notes.append(Note(element.line, element.column, message, converted))

    def problem(self, element: Element, message: str) -> None:
        self.problems.append(XmlProblem(element.line, element.column, message))

    def at(self, pointer: str, element: Element) -> None:
        self.positions.setdefault(pointer, (element.line, element.column))

    def ident(self, element: Element, what: str) -> str | None:
        value = element.attrs.get("id")
        if not value:
            self.problem(element, f"<{element.tag}> needs an id (the {what}'s name)")
            return None
        return value

    def unexpected(self, element: Element, known: tuple[str, ...], where: str) -> None:
        for child in element.children:
            if child.tag not in known:
                self.note(child, f"<{child.tag}> in {where} is not part of romas's model; left out")

    def properties(self, element: Element) -> dict[str, str]:
        """The ``properties`` of an element; a ``description`` is kept, the others are noted."""
        found: dict[str, str] = {}
        for props in element.all("properties"):
            for prop in props.all("property"):
                key = prop.attrs.get("id", "")
                found[key] = prop.attrs.get("value", "")
        return found

    def description(self, element: Element, where: str, target: dict[str, Any]) -> None:
        props = self.properties(element)
        if "description" in props:
            target["description"] = props.pop("description")
        for key in props:
            self.note(element, f"property '{key}' of {where} is not part of romas's model; left out")

    def document(self, root: Element) -> MoiseDocument:
        if root.tag != "organisational-specification":
            self.problem(root, f"expected <organisational-specification>, found <{root.tag}>")
            raise MoiseXmlError(self.problems)
        self.at("", root)
        spec: dict[str, Any] = {"roles": {}, "groups": {}, "schemes": {}, "norms": []}
        self.description(root, "the specification", spec)
        known = ("properties", "structural-specification", "functional-specification", "normative-specification")
        self.unexpected(root, known, "<organisational-specification>")
        for ss in root.all("structural-specification"):
            self.structure(ss, spec)
        for fs in root.all("functional-specification"):
            self.functions(fs, spec)
        for ns in root.all("normative-specification"):
            self.norms(ns, spec)
        if self.problems:
            raise MoiseXmlError(self.problems)
        return MoiseDocument(spec, self.notes, self.positions, root.attrs.get("id") or None)

    # -- structural --

    def structure(self, ss: Element, spec: dict[str, Any]) -> None:
        for key in self.properties(ss):
            self.note(ss, f"property '{key}' of the structural specification is not part of romas's model; left out")
        self.unexpected(ss, ("properties", "role-definitions", "link-types", "group-specification"), "<ss>")
        for defs in ss.all("role-definitions"):
            for role in defs.all("role"):
                name = self.ident(role, "role")
                if name is None:
                    continue
                pointer = json_pointer("roles", name)
                if name in spec["roles"]:
                    self.problem(role, f"role '{name}' is defined twice")
                    continue
                self.at(pointer, role)
                body: dict[str, Any] = {"extends": []}
                for ext in role.all("extends"):
                    parent = ext.attrs.get("role", "")
                    if parent != SOC:
                        self.at(f"{pointer}/extends/{len(body['extends'])}", ext)
                        body["extends"].append(parent)
                self.description(role, f"role '{name}'", body)
                self.unexpected(role, ("properties", "extends"), f"role '{name}'")
                spec["roles"][name] = body
        for types in ss.all("link-types"):
            for kind in types.all("link-type"):
                if kind.attrs.get("id") not in LINK_TYPES:
                    self.note(kind, f"link type '{kind.attrs.get('id')}' is not one of romas's {', '.join(LINK_TYPES)}")
        for group in ss.all("group-specification"):
            self.group(group, spec)
        for group_body in spec["groups"].values():  # Moise defines a role a group names but no definition does
            for role in group_body["roles"]:
                spec["roles"].setdefault(role, {"extends": []})

    def group(self, element: Element, spec: dict[str, Any]) -> str | None:
        name = self.ident(element, "group")
        if name is None:
            return None
        content = ("roles", "links", "subgroups", "formation-constraints", "properties")
        if name in spec["groups"]:
            if any(child.tag in content for child in element.children):
                self.problem(element, f"group '{name}' is defined twice")
            return name  # a reference to a group defined elsewhere: only its cardinality is said here
        pointer = json_pointer("groups", name)
        self.at(pointer, element)
        body: dict[str, Any] = {"roles": {}, "links": [], "compatibilities": [], "subgroups": {}}
        spec["groups"][name] = body
        self.description(element, f"group '{name}'", body)
        self.unexpected(element, content, f"group '{name}'")
        for roles in element.all("roles"):
            for role in roles.all("role"):
                role_name = self.ident(role, "role")
                if role_name is not None:
                    self.at(f"{pointer}/roles/{json_pointer(role_name)[1:]}", role)
                    body["roles"][role_name] = self.cardinality(role)
        for links in element.all("links"):
            for link in links.all("link"):
                self.link(link, name, body)
        for subs in element.all("subgroups"):
            for include in subs.all("include-group-specification"):
                self.note(include, f"included group specification '{include.attrs.get('uri')}' is not read; left out")
            for sub in subs.all("group-specification"):
                sub_name = self.group(sub, spec)
                if sub_name is not None:
                    self.at(f"{pointer}/subgroups/{json_pointer(sub_name)[1:]}", sub)
                    body["subgroups"][sub_name] = self.cardinality(sub)
        for constraints in element.all("formation-constraints"):
            self.constraints(constraints, name, body)
        return name

    def cardinality(self, element: Element) -> dict[str, Any]:
        card: dict[str, Any] = {"min": _count(element.attrs.get("min")) or 0}
        high = _count(element.attrs.get("max"))
        card["max"] = high
        return card

    def link(self, link: Element, group: str, body: dict[str, Any]) -> None:
        source, target, kind = (link.attrs.get(key, "") for key in ("from", "to", "type"))
        where = f"link {source} → {target} of group '{group}'"
        if kind not in LINK_TYPES:
            self.note(link, f"{where}: link type '{kind}' is not one of romas's {', '.join(LINK_TYPES)}; left out")
            return
        self.scope(link, where)
        pairs = [(source, target)]
        if link.attrs.get("bi-dir") == "true" and source != target:
            pairs.append((target, source))
        for a, b in pairs:
            entry = {"from": a, "to": b, "type": kind}
            if entry not in body["links"]:
                self.at(f"{json_pointer('groups', group)}/links/{len(body['links'])}", link)
                body["links"].append(entry)

    def scope(self, element: Element, where: str) -> None:
        if element.attrs.get("scope", "intra-group") != "intra-group":
            self.note(element, f"{where}: scope '{element.attrs['scope']}' becomes intra-group", converted=True)
        if element.attrs.get("extends-subgroups") == "true":
            self.note(element, f"{where}: extends-subgroups is not part of romas's model; left out")

    def constraints(self, constraints: Element, group: str, body: dict[str, Any]) -> None:
        pointer = json_pointer("groups", group)
        for card in constraints.all("cardinality"):
            target, kind = card.attrs.get("id", ""), card.attrs.get("object", "")
            if kind == "role":
                self.at(f"{pointer}/roles/{json_pointer(target)[1:]}", card)
                body["roles"][target] = self.cardinality(card)
            elif kind == "group":
                self.at(f"{pointer}/subgroups/{json_pointer(target)[1:]}", card)
                body["subgroups"][target] = self.cardinality(card)
            else:
                self.problem(card, f"a cardinality's object is role or group, not '{kind}'")
        for compat in constraints.all("compatibility"):
            source, target = compat.attrs.get("from", ""), compat.attrs.get("to", "")
            where = f"compatibility {source} → {target} of group '{group}'"
            if source == target:
                self.note(compat, f"{where}: a role compatible with itself has no meaning in romas; left out")
                continue
            self.scope(compat, where)
            if compat.attrs.get("bi-dir") != "true":
                self.note(compat, f"{where}: one-way in Moise, symmetric in romas", converted=True)
            if [source, target] not in body["compatibilities"] and [target, source] not in body["compatibilities"]:
                self.at(f"{pointer}/compatibilities/{len(body['compatibilities'])}", compat)
                body["compatibilities"].append([source, target])

    # -- functional --

    def functions(self, fs: Element, spec: dict[str, Any]) -> None:
        self.unexpected(fs, ("properties", "scheme"), "<functional-specification>")
        for props in fs.all("properties"):
            self.note(props, "properties of the functional specification are not part of romas's model; left out")
        for scheme in fs.all("scheme"):
            name = self.ident(scheme, "scheme")
            if name is None:
                continue
            if name in spec["schemes"]:
                self.problem(scheme, f"scheme '{name}' is defined twice")
                continue
            pointer = json_pointer("schemes", name)
            self.at(pointer, scheme)
            body: dict[str, Any] = {"goals": {}, "missions": {}}
            spec["schemes"][name] = body
            self.description(scheme, f"scheme '{name}'", body)
            self.unexpected(scheme, ("properties", "goal", "mission", "notification-policy"), f"scheme '{name}'")
            roots = list(scheme.all("goal"))
            if not roots:
                self.problem(scheme, f"scheme '{name}' has no goal")
            for root in roots:
                self.goal(root, name, body["goals"])
            for policy in scheme.all("notification-policy"):
                self.note(policy, f"notification policy '{policy.attrs.get('id')}' of scheme '{name}' is left out")
            for mission in scheme.all("mission"):
                self.mission(mission, name, body)

    def goal(self, element: Element, scheme: str, goals: dict[str, Any]) -> str | None:
        name = self.ident(element, "goal")
        if name is None:
            return None
        plan = element.first("plan")
        if name in goals:
            if plan is not None or element.attrs.get("ds"):
                self.problem(element, f"goal '{name}' is defined twice in scheme '{scheme}'")
            else:
                self.note(element, f"goal '{name}' is used a second time in scheme '{scheme}'; romas keeps one place")
            return None
        pointer = f"{json_pointer('schemes', scheme)}/goals/{json_pointer(name)[1:]}"
        self.at(pointer, element)
        body: dict[str, Any] = {}
        goals[name] = body
        if element.attrs.get("ds"):
            body["description"] = element.attrs["ds"]
        where = f"goal '{name}' of scheme '{scheme}'"
        for attr in ("ttf", "min", "type", "location"):
            if attr in element.attrs and not (attr == "type" and element.attrs[attr] == "achievement"):
                self.note(element, f'{where}: {attr}="{element.attrs[attr]}" is not part of romas\'s model; left out')
        for child in element.children:
            if child.tag in ("argument", "depends-on"):
                self.note(child, f"{where}: <{child.tag}> is not part of romas's model; left out")
            elif child.tag != "plan":
                self.note(child, f"<{child.tag}> in {where} is not part of romas's model; left out")
        if plan is not None:
            operator = plan.attrs.get("operator", "")
            if operator not in OPERATORS:
                self.problem(plan, f"a plan's operator is sequence, choice or parallel, not '{operator}'")
                return name
            if plan.attrs.get("success-rate"):
                self.note(plan, f"{where}: the plan's success-rate is not part of romas's model; left out")
            children = [self.goal(child, scheme, goals) for child in plan.all("goal")]
            body[operator] = [child for child in children if child is not None]
        return name

    def mission(self, element: Element, scheme: str, body: dict[str, Any]) -> None:
        name = self.ident(element, "mission")
        if name is None:
            return
        if name in body["missions"]:
            self.problem(element, f"mission '{name}' is defined twice in scheme '{scheme}'")
            return
        pointer = f"{json_pointer('schemes', scheme)}/missions/{json_pointer(name)[1:]}"
        self.at(pointer, element)
        mission: dict[str, Any] = {"goals": [], **self.cardinality(element)}
        for goal in element.all("goal"):
            self.at(f"{pointer}/goals/{len(mission['goals'])}", goal)
            mission["goals"].append(goal.attrs.get("id", ""))
        for preferred in element.all("preferred"):
            self.note(preferred, f"mission '{name}': preferred mission '{preferred.attrs.get('mission')}' is left out")
        self.description(element, f"mission '{name}'", mission)
        self.unexpected(element, ("properties", "goal", "preferred"), f"mission '{name}'")
        body["missions"][name] = mission

    # -- normative --

    def norms(self, ns: Element, spec: dict[str, Any]) -> None:
        props = self.properties(ns)
        self.unexpected(ns, ("properties", "norm", "npl-norms"), "<normative-specification>")
        for npl in ns.all("npl-norms"):
            self.note(npl, "NPL norms are not part of romas's model; left out")
        for norm in ns.all("norm"):
            norm_id = self.ident(norm, "norm")
            if norm_id is None:
                continue
            self.at(f"/norms/{len(spec['norms'])}", norm)
            body: dict[str, Any] = {key: norm.attrs.get(key, "") for key in ("id", "type", "role", "mission")}
            tc = norm.attrs.get("time-constraint")
            if tc:
                seconds = parse_duration(tc)
                if seconds is None or seconds <= 0:
                    self.problem(norm, f"norm '{norm_id}': time-constraint '{tc}' is not a duration like '1 day'")
                else:
                    body["deadline_s"] = seconds
            if norm.attrs.get("condition"):
                self.note(norm, f"norm '{norm_id}': condition \"{norm.attrs['condition']}\" is left out")
            description = props.pop(f"description.{norm_id}", None)
            if description is not None:
                body["description"] = description
            spec["norms"].append(body)
        for key in props:
            self.note(ns, f"property '{key}' of the normative specification is not part of romas's model; left out")


def read_moise_xml(text: str | bytes) -> MoiseDocument:
    """The specification JSON an ``os.xml`` holds, with notes on what romas's model has no place for.

    Raises :class:`MoiseXmlError` (line and column of each problem) when it is not XML, not an
    organisational specification, or names something twice.
    """
    return _Reader().document(parse_xml(text))


@dataclass
class XmlSpecification:
    """An ``os.xml`` read and validated: the specification, or every problem (XML or model) with its position."""

    specification: Specification | None
    problems: list[XmlProblem]
    notes: list[Note]
    document: MoiseDocument | None = None


def specification_from_xml(text: str | bytes) -> XmlSpecification:
    """Read an ``os.xml`` and validate what it holds; a model error is located at the element it comes from."""
    try:
        document = read_moise_xml(text)
    except MoiseXmlError as exc:
        return XmlSpecification(None, exc.problems, [])
    spec, errors = validate_specification(document.data)
    problems = []
    for error in errors:
        line, column = document.locate(error.path)
        problems.append(XmlProblem(line, column, error.message, error.path))
    return XmlSpecification(spec, problems, document.notes, document)


# -- writing -----------------------------------------------------------------------------------------------


def _escape(value: str) -> str:
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
        .replace("\t", "&#9;")
    )


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def tag(self, depth: int, name: str, attrs: Mapping[str, str | int | None], *, close: bool = True) -> None:
        text = "".join(f' {key}="{_escape(str(value))}"' for key, value in attrs.items() if value is not None)
        self.lines.append(f"{'    ' * depth}<{name}{text}{'/' if close else ''}>")

    def end(self, depth: int, name: str) -> None:
        self.lines.append(f"{'    ' * depth}</{name}>")

    def properties(self, depth: int, props: dict[str, str]) -> None:
        if props:
            self.tag(depth, "properties", {}, close=False)
            for key, value in props.items():
                self.tag(depth + 1, "property", {"id": key, "value": value})
            self.end(depth, "properties")


def _seconds_text(seconds: float) -> str:
    if seconds == int(seconds):
        return f"{int(seconds)} seconds"
    millis = seconds * 1000
    if math.isclose(millis, round(millis)):
        return f"{round(millis)} milliseconds"
    return f"{seconds!r} seconds"


def write_moise_xml(spec: Specification, name: str | None = None) -> str:
    """The ``os.xml`` of a specification; :func:`read_moise_xml` of it gives the same specification back.

    Moise's schema allows one root group; a specification with several writes each as a root, which romas
    reads back (Moise itself reads the first).
    """
    out = _Writer()
    out.lines.append('<?xml version="1.0" encoding="UTF-8"?>')
    out.tag(0, "organisational-specification", {"id": name, "os-version": OS_VERSION, "xmlns": NAMESPACE}, close=False)
    if spec.description is not None:
        out.properties(1, {"description": spec.description})
    out.tag(1, "structural-specification", {}, close=False)
    if spec.roles:
        out.tag(2, "role-definitions", {}, close=False)
        for role_name, role in spec.roles.items():
            if not role.extends and role.description is None:
                out.tag(3, "role", {"id": role_name})
                continue
            out.tag(3, "role", {"id": role_name}, close=False)
            if role.description is not None:
                out.properties(4, {"description": role.description})
            for parent in role.extends:
                out.tag(4, "extends", {"role": parent})
            out.end(3, "role")
        out.end(2, "role-definitions")
    nested = {sub for group in spec.groups.values() for sub in group.subgroups}
    written: set[str] = set()

    def group(depth: int, group_name: str, card: tuple[int, int | None] | None) -> None:
        low, high = card if card is not None else (None, None)
        attrs: dict[str, str | int | None] = {"id": group_name, "min": low or None, "max": high}
        if group_name in written:
            out.tag(depth, "group-specification", attrs)
            return
        written.add(group_name)
        spec_group = spec.groups[group_name]
        out.tag(depth, "group-specification", attrs, close=False)
        if spec_group.description is not None:
            out.properties(depth + 1, {"description": spec_group.description})
        if spec_group.roles:
            out.tag(depth + 1, "roles", {}, close=False)
            for role_name, role_card in spec_group.roles.items():
                out.tag(depth + 2, "role", {"id": role_name, "min": role_card.min or None, "max": role_card.max})
            out.end(depth + 1, "roles")
        if spec_group.links:
            out.tag(depth + 1, "links", {}, close=False)
            for link in spec_group.links:
                attrs = {"from": link.source, "to": link.target, "type": link.type, "scope": "intra-group"}
                out.tag(depth + 2, "link", attrs)
            out.end(depth + 1, "links")
        if spec_group.subgroups:
            out.tag(depth + 1, "subgroups", {}, close=False)
            for sub, sub_card in spec_group.subgroups.items():
                group(depth + 2, sub, (sub_card.min, sub_card.max))
            out.end(depth + 1, "subgroups")
        if spec_group.compatibilities:
            out.tag(depth + 1, "formation-constraints", {}, close=False)
            for a, b in spec_group.compatibilities:
                attrs = {"from": a, "to": b, "type": "compatibility", "scope": "intra-group", "bi-dir": "true"}
                out.tag(depth + 2, "compatibility", attrs)
            out.end(depth + 1, "formation-constraints")
        out.end(depth, "group-specification")

    for group_name in spec.groups:
        if group_name not in nested:
            group(2, group_name, None)
    for group_name in spec.groups:  # groups only reachable through a cycle cannot be valid; kept for safety
        if group_name not in written:
            group(2, group_name, None)
    out.end(1, "structural-specification")

    if spec.schemes:
        out.tag(1, "functional-specification", {}, close=False)
        for scheme_name, scheme in spec.schemes.items():
            out.tag(2, "scheme", {"id": scheme_name}, close=False)
            if scheme.description is not None:
                out.properties(3, {"description": scheme.description})

            def goal(depth: int, goal_name: str, goals: dict[str, Any] = scheme.goals) -> None:
                spec_goal = goals[goal_name]
                attrs: dict[str, str | int | None] = {"id": goal_name, "ds": spec_goal.description}
                if spec_goal.operator is None:
                    out.tag(depth, "goal", attrs)
                    return
                out.tag(depth, "goal", attrs, close=False)
                out.tag(depth + 1, "plan", {"operator": spec_goal.operator}, close=False)
                for child in spec_goal.children:
                    goal(depth + 2, child)
                out.end(depth + 1, "plan")
                out.end(depth, "goal")

            goal(3, scheme.root)
            for mission_name, mission in scheme.missions.items():
                out.tag(3, "mission", {"id": mission_name, "min": mission.min or None, "max": mission.max}, close=False)
                if mission.description is not None:
                    out.properties(4, {"description": mission.description})
                for goal_name in mission.goals:
                    out.tag(4, "goal", {"id": goal_name})
                out.end(3, "mission")
            out.end(2, "scheme")
        out.end(1, "functional-specification")

    if spec.norms:
        out.tag(1, "normative-specification", {}, close=False)
        out.properties(2, {f"description.{n.id}": n.description for n in spec.norms if n.description is not None})
        for norm in spec.norms:
            attrs = {"id": norm.id, "type": norm.type, "role": norm.role, "mission": norm.mission}
            if norm.deadline_s is not None:
                attrs["time-constraint"] = _seconds_text(norm.deadline_s)
            out.tag(2, "norm", attrs)
        out.end(1, "normative-specification")
    out.end(0, "organisational-specification")
    return "\n".join(out.lines) + "\n"
