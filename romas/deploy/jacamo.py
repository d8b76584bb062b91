"""``romas import PROJECT.jcm``: a JaCaMo project turned into an ``agent_specs/`` folder that ``romas apply`` deploys.

What comes over, and how (README-IMPORT.md in the output says it for each element of the project):

- **Agents**: each ``agent`` with its ``.asl`` found as JaCaMo finds it (the ``asl-path``, by default ``.``,
  ``src/agt`` and ``src/agt/inc`` of the project). ``instances: N`` makes ``name1`` ... ``nameN`` as
  JaCaMo does (one instance keeps the name). ``include``d files of the project are inlined where they
  are included, since agent code in romas cannot read files; JaCaMo's own templates are replaced by
  romas's equivalents (see :data:`LIBRARY_INCLUDES`).
- What the ``.jcm`` gives an agent is appended to its code as AgentSpeak: initial ``beliefs`` as facts,
  and an atomic start plan, as JaCaMo's own ``jcm::`` goals do, that joins the workspaces, focuses on
  the artefacts, creates the group and scheme instances it is in charge of, adopts its roles and then
  posts the ``.jcm``'s initial ``goals``, each as an intention of its own.
- **Workspaces and artifacts**: a Java CArtAgO artifact cannot run in romas; each is mapped to the closest
  built-in type (``counter``, ``board``, ``queue``) when one fits, and reported either way.
- **Organisations**: the Moise ``os.xml`` (found in the ``org-path``, by default ``.`` and ``src/org``) becomes
  the organisation's specification; what the model cannot hold is reported line by line. Group and scheme
  instances are created by an agent: the ``owner`` the ``.jcm`` names, else the first player of the group
  (the responsible group, for a scheme), else the project's first agent; a nested group becomes a subgroup
  (``createSubgroup``).

Nothing is dropped silently: every element is listed as converted, converted approximately, or left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from romas.deploy.jacamo_code import LIBRARY_INCLUDES, AgentStart, appended_code
from romas.deploy.jacamo_report import (
    EXIT_APPROXIMATE,
    EXIT_EXACT,
    EXIT_PROBLEMS,
    EXIT_USAGE,
    REPORT_FILE,
    Entry,
    ImportReport,
)
from romas.deploy.jcm import Block, ClassDef, Item, JcmError, Option, parse_class, parse_jcm
from romas.deploy.manifest import AgentSpec, ArtefactSpec, Manifest, WorkspaceSpec
from romas.domain.moise_xml import specification_from_xml
from romas.domain.names import name_problem

__all__ = [
    "EXIT_APPROXIMATE",
    "EXIT_EXACT",
    "EXIT_PROBLEMS",
    "EXIT_USAGE",
    "REPORT_FILE",
    "Entry",
    "ImportFailed",
    "ImportReport",
    "closest_type",
    "import_project",
]

DEFAULT_ASL_PATH: Final = (".", "src/agt", "src/agt/inc")
DEFAULT_ORG_PATH: Final = (".", "src/org")
_INCLUDE: Final = re.compile(r'\{\s*include\s*\(\s*"([^"]*)"\s*(?:,[^)]*)?\)\s*\}')

ORGANISATION_ARTEFACTS: Final = ("ora4mas.",)

_CLOSEST: Final[tuple[tuple[tuple[str, ...], str, str], ...]] = (
    (("counter",), "counter", "operations inc, dec, reset(value); observable property count"),
    (("board", "blackboard"), "board", "operations put(key, value), remove(key); observable property entries"),
    (("queue", "buffer", "fifo"), "queue", "operations push(item), pop; observable properties items, size"),
)


class ImportFailed(Exception):
    """The project cannot be read at all (no such file, a ``.jcm`` that does not parse): nothing is written."""


@dataclass
class _GroupInstance:
    org: str
    name: str
    type: str
    parent: str | None
    block: Block


def _file_name(header: str) -> str:
    """A ``.jcm`` file name: JaCaMo joins its pieces, so spaces inside do not count; quotes are taken off."""
    text = header.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]
    return "".join(text.split())


def closest_type(cls: ClassDef) -> tuple[str | None, dict[str, Any], str]:
    """The built-in type closest to a CArtAgO artifact class, its initial properties, and why."""
    if cls.name.startswith(ORGANISATION_ARTEFACTS):
        return None, {}, "an organisation artefact of Moise; romas's organisations (groups, schemes, norms) do its work"
    simple = cls.simple_name.lower()
    for words, type_name, offers in _CLOSEST:
        if any(word in simple for word in words):
            properties: dict[str, Any] = {}
            if type_name == "counter":
                numbers = [int(arg) for arg in cls.args if re.fullmatch(r"-?\d+", arg)]
                if numbers:
                    properties["count"] = numbers[0]
            return type_name, properties, offers
    return None, {}, "no built-in type is close"


class _Importer:
    def __init__(self, jcm: Path) -> None:
        self.jcm = jcm
        self.folder = jcm.parent
        self.report = ImportReport(jcm.name)
        self.manifest = Manifest()
        self.agents: dict[str, AgentStart] = {}
        self.by_definition: dict[str, list[str]] = {}
        self.asl_path: list[str] = list(DEFAULT_ASL_PATH)
        self.org_path: list[str] = list(DEFAULT_ORG_PATH)
        self.code_cache: dict[Path, str | None] = {}
        self.artefact_workspace: dict[str, str] = {}
        self.org_names: list[str] = []
        self.pending_roles: list[tuple[list[AgentStart], str, str, Item]] = []
        self.matched_roles: set[int] = set()

    # -- report helpers --

    def at(self, line: int) -> str:
        return f"{self.jcm.name}:{line}"

    def rel(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.folder.resolve()).as_posix()
        except ValueError:
            return str(path)

    def ok(self, what: str, detail: str, where: str = "") -> None:
        self.report.converted.append(Entry(what, detail, where))

    def approx(self, what: str, detail: str, where: str = "") -> None:
        self.report.approximate.append(Entry(what, detail, where))

    def out(self, what: str, detail: str, where: str = "") -> None:
        self.report.left_out.append(Entry(what, detail, where))

    def problem(self, what: str, detail: str, where: str = "") -> None:
        self.report.problems.append(Entry(what, detail, where))

    def named(self, what: str, name: str, line: int) -> bool:
        problem = name_problem(name)
        if problem is not None:
            self.problem(what, f"'{name}' cannot be a romas name: {problem}; rename it in the project", self.at(line))
        return problem is None

    # -- the project --

    def run(self) -> tuple[Manifest, ImportReport]:
        try:
            text = self.jcm.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise ImportFailed(f"{self.jcm}: cannot be read: {exc}") from None
        try:
            project = parse_jcm(text)
        except JcmError as exc:
            raise ImportFailed(f"{self.jcm}:{exc.line}:{exc.column}: {exc.message}") from None
        except RecursionError:
            raise ImportFailed(f"{self.jcm}: blocks are nested too deeply") from None
        body = project.body
        self.settings(body)
        for used in project.uses:
            self.out(f"uses {used}", "other project files are not imported with this one; import them on their own")
        blocks = {kind: [b for b in body.blocks if b.kind == kind] for kind in ("agent", "workspace", "organisation")}
        self.org_names = [b.name for b in blocks["organisation"]]
        for block in body.blocks:
            if block.kind == "institution":
                self.out(
                    f"institution {block.name}",
                    "situated institutions (SAI) have no place in romas",
                    self.at(block.line),
                )
        for block in blocks["agent"]:
            self.agent(block)
        for block in blocks["workspace"]:
            self.workspace(block)
        for block in blocks["agent"]:
            self.agent_settings(block)
        for block in blocks["organisation"]:
            self.organisation(block)
        for index, (_, role, group, item) in enumerate(self.pending_roles):
            if index not in self.matched_roles:
                self.problem(
                    f"roles: {role} in {group}", "no group instance of the project has this name", self.at(item.line)
                )
        for agent in self.agents.values():
            self.manifest.agents[agent.name] = AgentSpec(
                code=agent.code + appended_code(agent, self.jcm.name),
                description=f"{agent.definition} of {self.jcm.name}",
            )
        return self.manifest, self.report

    def settings(self, body: Block) -> None:
        for option in body.options:
            where = self.at(option.line)
            if option.key == "asl-path":
                self.asl_path = [_file_name(item.text) for item in option.items]
                self.ok("asl-path", f"agent code is looked for in {', '.join(self.asl_path)}", where)
            elif option.key == "org-path":
                self.org_path = [_file_name(item.text) for item in option.items]
                self.ok("org-path", f"organisation specifications are looked for in {', '.join(self.org_path)}", where)
            elif option.key in ("class-path", "java-path"):
                self.out(option.key, f"{option.text}: Java code does not run in romas", where)
            elif option.key == "platform":
                self.out("platform", f"{option.text}: romas serves the MAS itself", where)
            elif option.key == "node":
                self.out("node", f"{option.text}: romas spreads agents over its processes itself", where)
            else:
                self.out(option.key, f"'{option.key}: {option.text}' has no place in romas", where)

    # -- agents --

    def find(self, name: str, path: list[str], relative_to: Path | None = None) -> Path | None:
        candidate = Path(name)
        if candidate.is_absolute():
            return candidate if candidate.is_file() else None
        places = ([relative_to] if relative_to is not None else []) + [self.folder / p for p in path]
        for place in places:
            for file in (place / name, place / f"{name}.asl"):
                if file.is_file():
                    return file
        return None

    def agent(self, block: Block) -> None:
        where = self.at(block.line)
        file = _file_name(block.header) if block.header else f"{block.name}.asl"
        source = self.find(file, self.asl_path)
        if source is None:
            self.problem(
                f"agent {block.name}", f"its code '{file}' is not in the asl-path ({', '.join(self.asl_path)})", where
            )
            return
        code = self.code(source)
        if code is None:
            return
        names = self.instances(block)
        self.by_definition[block.name] = names
        for name in names:
            if name in self.agents:
                self.problem(f"agent {name}", "two agents of the project have this name", where)
                continue
            if self.named(f"agent {name}", name, block.line):
                self.agents[name] = AgentStart(name, block.name, source, code)
        detail = f"code from {self.rel(source)}"
        if names != [block.name]:
            detail += f"; instances {', '.join(names) or 'none'}"
        self.ok(f"agent {block.name}", detail, where)

    def instances(self, block: Block) -> list[str]:
        items = block.values("instances")
        if not items:
            return [block.name]
        if len(items) == 1 and items[0].text.isdigit():
            count = int(items[0].text)
            if count == 0:
                self.out(f"agent {block.name}", "instances: 0, so JaCaMo starts none", self.at(items[0].line))
            return [block.name] if count == 1 else [f"{block.name}{i}" for i in range(1, count + 1)]
        return [item.text for item in items]

    def code(self, source: Path) -> str | None:
        """The agent's code with the project's includes inlined (once per file, shared by its agents)."""
        if source not in self.code_cache:
            self.code_cache[source] = self.inline(source, [source])
        return self.code_cache[source]

    def inline(self, source: Path, stack: list[Path]) -> str | None:
        try:
            text = source.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            self.problem(self.rel(source), f"cannot be read: {exc}")
            return None
        failed = False

        def replace(match: re.Match[str]) -> str:
            nonlocal failed
            target = match.group(1)
            line = text.count("\n", 0, match.start()) + 1
            where = f"{self.rel(source)}:{line}"
            what = f'include("{target}")'
            if target in LIBRARY_INCLUDES:
                replacement, why = LIBRARY_INCLUDES[target]
                self.approx(what, why, where)
                return replacement
            if target.startswith("$"):
                self.out(what, "a file of JaCaMo's or Jason's library that romas does not provide", where)
                return f"// romas: {what} left out (a library file romas does not provide)\n"
            found = self.find(target, self.asl_path, source.parent)
            if found is None:
                self.problem(what, f"no such file next to {source.name} or in the asl-path", where)
                failed = True
                return match.group()
            if found.resolve() in [s.resolve() for s in stack]:
                self.problem(what, "the file includes itself (through the files it includes)", where)
                failed = True
                return match.group()
            inner = self.inline(found, [*stack, found])
            if inner is None:
                failed = True
                return match.group()
            self.ok(what, f"{self.rel(found)} inlined where it is included (romas agents cannot read files)", where)
            return f"// ---- romas: begin {what} ----\n{inner.rstrip()}\n// ---- romas: end {what} ----\n"

        result = _INCLUDE.sub(replace, text)
        return None if failed else result

    def agent_settings(self, block: Block) -> None:
        names = self.by_definition.get(block.name, [])
        agents = [self.agents[n] for n in names if n in self.agents]
        known = frozenset({"instances", "beliefs", "goals", "focus", "join", "roles"})
        for item in block.values("beliefs"):
            for agent in agents:
                agent.beliefs.append(item.text)
        for item in block.values("goals"):
            for agent in agents:
                agent.goals.append(item.text)
        if block.values("beliefs") or block.values("goals"):
            self.ok(
                f"agent {block.name}", "initial beliefs and goals of the .jcm appended to its code", self.at(block.line)
            )
        for item in block.values("join"):
            self.join(agents, self.local(item), item)
        for item in block.values("focus"):
            self.focus(agents, item)
        for item in block.values("roles"):
            self.role_of_agent(agents, block.name, item)
        for option in block.others(known):
            self.agent_option(block.name, option)

    def agent_option(self, agent: str, option: Option) -> None:
        where = self.at(option.line)
        if option.key in ("ag-class", "ag-arch", "ag-bb-class"):
            self.out(f"agent {agent}", f"{option.key}: {option.text} is Java code, which does not run in romas", where)
        elif option.key in ("debug", "verbose"):
            self.out(
                f"agent {agent}",
                f"{option.key}: {option.text}; romas shows an agent's mind at /agents/{{name}}/mind",
                where,
            )
        else:
            self.out(f"agent {agent}", f"'{option.key}: {option.text}' has no place in romas", where)

    def local(self, item: Item) -> str:
        """An item without its ``@ node`` (a JaCaMo node name): romas runs every agent and workspace itself."""
        words = item.words
        if "@" not in words:
            return "".join(words)
        self.approx(
            item.text, "nodes have no place in romas, which spreads the MAS over its processes", self.at(item.line)
        )
        return "".join(words[: words.index("@")])

    def join(self, agents: list[AgentStart], workspace: str, item: Item) -> None:
        where = self.at(item.line)
        if workspace in self.manifest.workspaces:
            for agent in agents:
                agent.join(workspace)
            names = ", ".join(a.name for a in agents)
            self.ok(f"join {workspace}", f"{names}: joinWorkspace({workspace}) when starting", where)
        elif workspace in self.org_names:
            self.approx(f"join {workspace}", "an organisation's workspace: romas agents need not join it", where)
        else:
            self.problem(f"join {workspace}", "no workspace of the project has this name", where)

    def focus(self, agents: list[AgentStart], item: Item) -> None:
        where = self.at(item.line)
        words = item.words
        if "::" in words:
            self.approx(
                f"focus {item.text}", "namespaces of percepts have no place in romas; focused without it", where
            )
            words = words[words.index("::") + 1 :]
        target = self.local(Item(item.text, [t for t in item.tokens if t.text in words or t.text == "@"]))
        workspace, _, artefact = target.rpartition(".")
        if not workspace:
            workspace = self.artefact_workspace.get(artefact, "")
        if workspace in self.org_names:
            self.approx(
                f"focus {item.text}", "organisation artefacts: romas gives organisation percepts to players", where
            )
            return
        if workspace not in self.manifest.workspaces:
            self.problem(f"focus {item.text}", "no workspace of the project holds this artifact", where)
            return
        if artefact not in self.manifest.workspaces[workspace].artefacts:
            self.out(
                f"focus {item.text}",
                "the artifact was not converted (see above), so there is nothing to focus on",
                where,
            )
            return
        for agent in agents:
            agent.join(workspace)
            if (workspace, artefact) not in agent.focus:
                agent.focus.append((workspace, artefact))
        names = ", ".join(a.name for a in agents)
        self.ok(f"focus {item.text}", f"{names}: focus({workspace}, {artefact}) when starting", where)

    def role_of_agent(self, agents: list[AgentStart], definition: str, item: Item) -> None:
        words = item.words
        if len(words) < 3 or words[1] != "in":
            self.problem(f"agent {definition}", f"'roles: {item.text}' is not 'ROLE in GROUP'", self.at(item.line))
            return
        self.pending_roles.append((agents, words[0], words[2], item))

    # -- workspaces --

    def workspace(self, block: Block) -> None:
        where = self.at(block.line)
        if not self.named(f"workspace {block.name}", block.name, block.line):
            return
        workspace = WorkspaceSpec(description=f"workspace {block.name} of {self.jcm.name}")
        self.manifest.workspaces[block.name] = workspace
        self.ok(f"workspace {block.name}", "a romas workspace", where)
        for artifact in block.blocks:
            self.artifact(block.name, workspace, artifact)
        for item in block.values("agents"):
            joining = self.agents_named(item.text)
            for agent in joining:
                agent.join(block.name)
            names = ", ".join(a.name for a in joining) or "no agent"
            self.ok(
                f"workspace {block.name}",
                f"agents: {item.text}: {names}: joinWorkspace({block.name}) when starting",
                self.at(item.line),
            )
        for option in block.others(frozenset({"agents"})):
            self.out(
                f"workspace {block.name}", f"'{option.key}: {option.text}' has no place in romas", self.at(option.line)
            )

    def agents_named(self, name: str) -> list[AgentStart]:
        if name == "*":
            return list(self.agents.values())
        names = self.by_definition.get(name, [name])
        return [self.agents[n] for n in names if n in self.agents]

    def artifact(self, workspace_name: str, workspace: WorkspaceSpec, block: Block) -> None:
        where = self.at(block.line)
        what = f"artifact {workspace_name}.{block.name}"
        if block.kind != "artifact":
            self.problem(what, f"a workspace holds artifacts, not a {block.kind}", where)
            return
        cls = parse_class(block.header)
        type_name, properties, why = closest_type(cls)
        if type_name is None:
            watchers = ", ".join(item.text for item in block.values("focused-by"))
            also = f"; so {watchers} cannot focus on it" if watchers else ""
            self.out(what, f"the Java CArtAgO class {cls.name} cannot run in romas: {why}{also}", where)
            return
        if not self.named(what, block.name, block.line):
            return
        workspace.artefacts[block.name] = ArtefactSpec(
            type=type_name, properties=properties, description=f"was the CArtAgO artifact {block.header}"
        )
        self.artefact_workspace.setdefault(block.name, workspace_name)
        start = f", count {properties['count']}" if "count" in properties else ""
        self.approx(
            what,
            f"the Java CArtAgO class {cls.name} is mapped to the built-in {type_name} ({why}{start}); "
            "check the agents use only these",
            where,
        )
        for item in block.values("focused-by"):
            watching = self.agents_named(item.text)
            for agent in watching:
                agent.join(workspace_name)
                if (workspace_name, block.name) not in agent.focus:
                    agent.focus.append((workspace_name, block.name))
            names = ", ".join(a.name for a in watching) or "no agent"
            self.ok(
                what,
                f"focused-by: {item.text}: {names}: focus({workspace_name}, {block.name}) when starting",
                self.at(item.line),
            )
        for option in block.others(frozenset({"focused-by"})):
            self.out(what, f"'{option.key}: {option.text}' has no place in romas", self.at(option.line))

    # -- organisations --

    def organisation(self, block: Block) -> None:
        where = self.at(block.line)
        what = f"organisation {block.name}"
        file = _file_name(block.header) if block.header else f"{block.name}.xml"
        found = None
        for place in self.org_path:
            candidate = self.folder / place / file
            if candidate.is_file():
                found = candidate
                break
        groups = self.group_instances(block)
        if found is None:
            self.problem(what, f"its specification '{file}' is not in the org-path ({', '.join(self.org_path)})", where)
            return
        spec = self.specification(found, what)
        if spec is None or not self.named(what, block.name, block.line):
            return
        self.manifest.organisations[block.name] = spec
        self.ok(what, f"specification from {self.rel(found)}", where)
        self.instances_of(block, spec, groups)

    def specification(self, path: Path, what: str) -> dict[str, Any] | None:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            self.problem(what, f"{self.rel(path)} cannot be read: {exc}")
            return None
        result = specification_from_xml(raw)
        for note in result.notes:
            entry = (f"{self.rel(path)}", note.message, f"{self.rel(path)}:{note.line}:{note.column}")
            (self.approx if note.converted else self.out)(*entry)
        for problem in result.problems:
            self.problem(self.rel(path), problem.message, f"{self.rel(path)}:{problem.line}:{problem.column}")
        return None if result.specification is None else result.specification.to_builtins()

    def group_instances(self, block: Block) -> list[_GroupInstance]:
        found: list[_GroupInstance] = []

        def walk(group: Block, parent: str | None) -> None:
            instance = _GroupInstance(block.name, group.name, _file_name(group.header), parent, group)
            found.append(instance)
            for sub in group.blocks:
                if sub.kind == "group":
                    walk(sub, group.name)
                else:
                    self.problem(f"{sub.kind} {sub.name}", "a group holds groups only", self.at(sub.line))

        for group in block.blocks:
            if group.kind == "group":
                walk(group, None)
        return found

    def creator(self, owner: list[Item], players: list[str], what: str, line: int) -> AgentStart | None:
        for item in owner:
            agents = self.agents_named(item.text)
            if agents:
                return agents[0]
            self.problem(what, f"its owner '{item.text}' is not an agent of the project", self.at(line))
        for name in players:
            if name in self.agents:
                return self.agents[name]
        if self.agents:
            return next(iter(self.agents.values()))
        self.out(what, "no agent of the project can create it", self.at(line))
        return None

    def instances_of(self, block: Block, spec: dict[str, Any], groups: list[_GroupInstance]) -> None:
        org = block.name
        group_creators: dict[str, AgentStart] = {}
        responsible: dict[str, str] = {}
        for group in groups:
            what = f"group {org}.{group.name}"
            where = self.at(group.block.line)
            if group.type not in spec["groups"]:
                self.problem(what, f"its type '{group.type}' is not a group of the specification", where)
                continue
            if not self.named(what, group.name, group.block.line):
                continue
            players: list[str] = []
            for item in group.block.values("players"):
                words = item.words
                if len(words) != 2:
                    self.problem(what, f"'players: {item.text}' is not 'AGENT ROLE'", self.at(item.line))
                    continue
                agents = self.agents_named(words[0])
                if not agents:
                    self.problem(what, f"player '{words[0]}' is not an agent of the project", self.at(item.line))
                for agent in agents:
                    players.append(agent.name)
                    self.adopt(agent, words[1], group, spec, item)
            for index, (agents, role, target, item) in enumerate(self.pending_roles):
                if target not in (group.name, f"{org}.{group.name}"):
                    continue
                self.matched_roles.add(index)
                for agent in agents:
                    players.append(agent.name)
                    self.adopt(agent, role, group, spec, item)
            creator = self.creator(group.block.values("owner"), players, what, group.block.line)
            if creator is None:
                continue
            group_creators[group.name] = creator
            creator.create_groups.append((group.name, group.type, group.parent, org))
            if group.parent is None:
                self.ok(what, f"a group of type {group.type}, created by {creator.name} (createGroup)", where)
            else:
                detail = f"a subgroup of {group.parent} of type {group.type}, created by {creator.name}"
                self.ok(what, detail + " (createSubgroup)", where)
            for duty in group.block.values("responsible-for"):
                responsible.setdefault(duty.text, group.name)
            for option in group.block.others(frozenset({"players", "owner", "responsible-for"})):
                self.out(
                    what,
                    f"'{option.key}: {option.text}' has no place in romas"
                    if option.items
                    else f"{option.key} has no place in romas",
                    self.at(option.line),
                )
        for scheme in [b for b in block.blocks if b.kind == "scheme"]:
            what = f"scheme {org}.{scheme.name}"
            where = self.at(scheme.line)
            type_name = _file_name(scheme.header)
            if type_name not in spec["schemes"]:
                self.problem(what, f"its type '{type_name}' is not a scheme of the specification", where)
                continue
            if not self.named(what, scheme.name, scheme.line):
                continue
            group_name = responsible.get(scheme.name)
            if group_name is None or group_name not in group_creators:
                self.out(
                    what,
                    "no group of the project is responsible for it, and romas creates a scheme for a group "
                    "(createScheme(S, Type, G)); add 'responsible-for: " + scheme.name + "' to a group",
                    where,
                )
                continue
            owner = scheme.values("owner")
            creator = self.creator(owner, [], what, scheme.line) if owner else group_creators[group_name]
            if creator is None:
                continue
            creator.create_schemes.append((scheme.name, type_name, group_name, org))
            self.ok(what, f"a scheme of type {type_name} for group {group_name}, created by {creator.name}", where)
            for option in scheme.others(frozenset({"owner"})):
                self.out(
                    what,
                    f"'{option.key}: {option.text}' has no place in romas"
                    if option.items
                    else f"{option.key} has no place in romas",
                    self.at(option.line),
                )
        for option in block.options:
            if option.key == "agents":
                self.approx(
                    f"organisation {org}",
                    "its agents need not join an organisation workspace in romas",
                    self.at(option.line),
                )
            else:
                self.out(
                    f"organisation {org}", f"'{option.key}: {option.text}' has no place in romas", self.at(option.line)
                )

    def adopt(self, agent: AgentStart, role: str, group: _GroupInstance, spec: dict[str, Any], item: Item) -> None:
        if role not in spec["groups"][group.type]["roles"]:
            self.problem(
                f"{agent.name} plays {role}", f"'{role}' is not a role of group type {group.type}", self.at(item.line)
            )
            return
        agent.roles.append((role, group.name, group.org))
        self.ok(f"{agent.name} plays {role}", f"adoptRole({role}, {group.name}) when starting", self.at(item.line))


def import_project(jcm: Path) -> tuple[Manifest, ImportReport]:
    """The manifest of a JaCaMo project and the report of what came over; :class:`ImportFailed` when unreadable."""
    return _Importer(jcm).run()
