"""``romas run DIR|FILE...``: an ``agent_specs/`` folder (or some of its agents) run on this machine, by the
server's own runtime, environment and organisation, in a throwaway database, until every agent is done.

Running the real runtime (rather than the interpreter alone) is what makes the sample work as it does on a
server: ``joinWorkspace``, artefact operations, roles, schemes and obligations are all there. Files given one by
one bring the workspaces and organisations of the spec folder they are in (``DIR/agents/x.asl`` brings ``DIR``'s),
so ``romas run agent_specs/agents/*.asl`` and ``romas run agent_specs`` run the same MAS.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import re
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final, TextIO

from romas.deploy.manifest import AgentSpec, Manifest

if TYPE_CHECKING:
    from romas.domain.artefact_types import Registry
    from romas.runtime.runtime import Runtime

QUIET: Final = 0
FAILED: Final = 1
USAGE: Final = 2
BUSY: Final = 3
EXIT_CODES: Final = (
    "exit status: 0 every agent ended quietly; 1 an agent failed (an intention or goal failed with no plan to "
    "recover, or the interpreter stopped it); 2 the folder or code has problems (nothing ran); 3 agents were still "
    "busy when the timeout passed"
)
QUIET_FOR_S: Final = 1.0
"""How long nothing may happen before the MAS counts as done: the organisation reacts to commits a moment later."""
POLL_S: Final = 0.05
_FAILURE = re.compile(
    r"^(intention \S+ failed|no (relevant|applicable) plan for [+-][!?]|internal error|event .* dropped)"
)
_SPEC_FOLDERS: Final = ("agents", "workspaces", "organisations")


class UsageError(Exception):
    """Arguments, files or a folder that cannot be run: exit 2 before anything starts."""


@dataclass
class Outcome:
    """What the run saw: agents whose notes say they failed, and whether it ended by the timeout."""

    failed: set[str] = field(default_factory=set)
    timed_out: bool = False
    busy: list[str] = field(default_factory=list)

    @property
    def code(self) -> int:
        if self.timed_out:
            return BUSY
        return FAILED if self.failed else QUIET


def _is_spec_folder(folder: Path) -> bool:
    return folder.is_dir() and any((folder / part).is_dir() for part in _SPEC_FOLDERS)


def _agent_files(targets: Sequence[str]) -> list[tuple[str, Path]]:
    files: list[tuple[str, Path]] = []
    for target in targets:
        if "=" in target and not Path(target).exists():
            name, path = target.split("=", 1)
            files.append((name, Path(path)))
        elif Path(target).is_dir():
            found = sorted(Path(target).glob("*.asl"))
            if not found:
                raise UsageError(f"{target}: neither an agent_specs/ folder nor a folder of .asl files")
            files.extend((path.stem, path) for path in found)
        else:
            files.append((Path(target).stem, Path(target)))
    return files


def artefact_types() -> Registry:
    """The artefact types the MAS may use, found as ``romas apply`` and the server find them."""
    from romas.deploy.cli import UsageError as DeployUsage
    from romas.deploy.cli import registry_from_environment

    try:
        return registry_from_environment()
    except DeployUsage as exc:
        raise UsageError(str(exc)) from None


def _load_folder(folder: Path, registry: Registry) -> Manifest:
    from romas.deploy.specs import load_specs

    manifest, problems = load_specs(folder, registry)
    if manifest is None:
        raise UsageError("\n".join(f"{folder}/{p}" if p.file else f"{folder}: {p.message}" for p in problems))
    return manifest


def _code_problems(name: str, path: Path, code: str, files: Mapping[str, str]) -> list[str]:
    from romas.agentspeak.diagnostics import AgentSpeakSyntaxError
    from romas.agentspeak.parser import AgentFiles, parse_program
    from romas.domain.names import name_problem

    problems = []
    if (problem := name_problem(name)) is not None:
        problems.append(f"{path}: cannot name an agent {name!r}: {problem} (give another name as name=path)")
    try:
        parse_program(code, AgentFiles(files), f"{name}.asl")
    except AgentSpeakSyntaxError as exc:
        problems.extend(f"{path}:{d.line}:{d.column}: {d.message}" for d in exc.diagnostics)
    return problems


def manifest_for(targets: Sequence[str], registry: Registry) -> Manifest:
    """The MAS to run: a spec folder, or agent files (with the workspaces and organisations of the spec folder
    they sit in, if any). UsageError lists every problem."""
    if len(targets) == 1 and _is_spec_folder(Path(targets[0])):
        return _load_folder(Path(targets[0]), registry)
    files = _agent_files(targets)  # a folder of .asl files (such as DIR/agents) counts as its files
    homes = {path.resolve().parent.parent for _, path in files if path.resolve().parent.name == "agents"}
    base = Manifest()
    if len(homes) == 1 and all(path.resolve().parent.name == "agents" for _, path in files):
        home = homes.pop()
        if _is_spec_folder(home):
            base = _load_folder(home, registry)
    agents: dict[str, AgentSpec] = {}
    problems: list[str] = []
    texts: dict[str, str] = {}  # the agent set include reads: each agent's code as <name>.asl
    for name, path in files:
        with contextlib.suppress(OSError, UnicodeDecodeError):
            texts[f"{name}.asl"] = path.read_text(encoding="utf-8")
    for name, path in files:
        try:
            code = path.read_text(encoding="utf-8")
        except OSError as exc:
            problems.append(f"{path}: cannot read: {exc.strerror or exc}")
            continue
        except UnicodeDecodeError:
            problems.append(f"{path}: not UTF-8 text")
            continue
        problems += _code_problems(name, path, code, texts)
        if name in agents:
            problems.append(f"{path}: a second agent named {name!r} (rename one as name=path)")
        known = base.agents.get(path.stem)
        agents[name] = AgentSpec(
            code=code,
            description=known.description if known else "",
            metadata=known.metadata if known else {},
            state="running",
        )
    if problems:
        raise UsageError("\n".join(problems))
    return Manifest(agents=agents, workspaces=base.workspaces, organisations=base.organisations)


async def run_manifest(
    manifest: Manifest, registry: Registry, *, busy_after: float | None, out: TextIO, err: TextIO
) -> Outcome:
    """Seed a throwaway database with the MAS, run it with the server's runtime, print what the agents say;
    the run ends once nothing happened for a second, or after ``busy_after`` seconds with agents still busy."""
    from romas.config import Settings
    from romas.deploy.seed import apply_manifest
    from romas.services.container import Services
    from romas.store import agent_log
    from romas.store.engine import create_engine
    from romas.store.eventstore import Store, WriteContext
    from romas.store.migrate import upgrade
    from romas.store.notify import CommitSignal

    outcome = Outcome()
    with tempfile.TemporaryDirectory(prefix="romas-run-") as scratch:
        settings = Settings(database_url=f"sqlite+aiosqlite:///{scratch}/run.db", sqlite_synchronous="OFF")
        engine = create_engine(settings.database_url, sqlite_synchronous="OFF")
        await upgrade(engine)
        store = Store(engine)
        try:
            services = Services.build(settings, store, registry)
            await apply_manifest(services, manifest, WriteContext(actor="romas run"))
            signal = CommitSignal(store)
            await signal.start()
            runtime = services.runtime
            last_line = 0

            async def show() -> int:
                nonlocal last_line
                lines = await agent_log.read_all(store, after=last_line, limit=1000)
                for line in lines:
                    last_line = line.id
                    if line.kind == "print":
                        out.write(f"[{line.agent}] {line.text}\n")
                    else:
                        err.write(f"[{line.agent}] {line.kind}: {line.text}\n")
                        if line.kind == "error" or _FAILURE.match(line.text):
                            outcome.failed.add(line.agent)
                out.flush()
                return len(lines)

            await runtime.start(signal)
            try:
                started = time.monotonic()
                quiet_since: float | None = None
                quiet_at = -1
                while True:
                    await asyncio.sleep(POLL_S)
                    shown = await show()
                    now = time.monotonic()
                    if not shown and runtime.quiescent():
                        position = await store.last_position()
                        if quiet_since is None or position != quiet_at:
                            quiet_since, quiet_at = now, position
                        elif now - quiet_since >= QUIET_FOR_S:
                            break
                    else:
                        quiet_since = None
                    if busy_after is not None and now - started > busy_after:
                        outcome.timed_out = True
                        outcome.busy = sorted(
                            name for name, live in runtime.live.items() if live.has_work(now) or live.deadline
                        )
                        break
                waiting = _waiting(runtime)
            finally:
                await runtime.stop()
                await signal.stop()
            await show()
            for line in waiting:
                err.write(line + "\n")
        finally:
            await store.dispose()
    return outcome


_WAITS: Final = {
    "reply": "an answer to its ask",
    "trigger": "an event (.wait)",
    "action": "an environment action",
    "event": "its sub-goal",
    "condition": "its goal condition (<:)",
}


def _waiting(runtime: Runtime) -> list[str]:
    """Notes on the intentions still waiting when the run ends: often why a MAS did less than expected."""
    lines = []
    for name, live in sorted(runtime.live.items()):
        for intention in live.agent.intentions.values():
            what = _WAITS.get(intention.state)
            if what is not None and intention.stack:
                top = intention.stack[-1]
                lines.append(
                    f"[{name}] note: intention {intention.id} was still waiting for {what} "
                    f"(plan {top.plan.name}, line {top.line})"
                )
    return lines


def parser() -> argparse.ArgumentParser:
    command = argparse.ArgumentParser(
        prog="romas run",
        description="Run an agent_specs/ folder (agents, workspaces with their artefacts, organisations), or some "
        "of its agents' .asl files, on this machine with the server's runtime, in a throwaway database, until "
        "every agent is done. What agents print goes to standard output as [agent] text; the runtime's notes "
        "go to standard error.",
        epilog=EXIT_CODES,
    )
    command.add_argument(
        "targets",
        nargs="+",
        metavar="DIR|FILE.asl",
        help="an agent_specs/ folder, or agent files (name=path renames one); files in DIR/agents/ bring DIR's "
        "workspaces and organisations",
    )
    command.add_argument(
        "--timeout", type=float, default=60.0, help="give up after this many seconds, exit 3 (0: never; default 60)"
    )
    return command


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    args = parser().parse_args(list(argv) if argv is not None else None)
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        registry = artefact_types()
        manifest = manifest_for(args.targets, registry)
    except UsageError as exc:
        err.write(f"romas run: {exc}\n")
        return USAGE
    if not manifest.agents:
        err.write("romas run: no agents to run\n")
        return USAGE
    logging.basicConfig(level=logging.WARNING, format="romas: %(levelname)s %(name)s: %(message)s")
    timeout = args.timeout if args.timeout > 0 else None
    with contextlib.suppress(KeyboardInterrupt):
        outcome = asyncio.run(run_manifest(manifest, registry, busy_after=timeout, out=out, err=err))
        if outcome.timed_out:
            busy = ", ".join(outcome.busy) or "some agents"
            err.write(f"romas run: timeout: {busy} still busy after {args.timeout:g} s\n")
        elif outcome.failed:
            err.write(f"romas run: failed: {', '.join(sorted(outcome.failed))}\n")
        return outcome.code
    return 130
