"""Running Jason's own unit tests (``jason-interpreter/src/test/jason/asl`` of a Jason checkout) with
romas's tester (``jason/tester_agent.asl``) in place of Jason's: the include of ``tester_agent.asl`` is the
only change. Every ``@[test]`` plan runs in turn, as Jason's tester runs them; the asserts print
``PASS``/``FAIL``. Used by ``test_jason_unit.py``; ``python -m tests.agentspeak.jason_unit`` prints a table
(``--label-shim`` names anonymous plan labels first, for diagnostics only).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from romas.agentspeak import AgentSpeakSyntaxError, parse_body, parse_program
from romas.agentspeak.agent import Agent
from romas.agentspeak.host import BaseHost, CommandOutcome, HostRefused, Message, UnknownReceiver
from romas.agentspeak.terms import Struct, Term

TESTER = Path(__file__).parent / "jason" / "tester_agent.asl"
INCLUDE = '{ include("tester_agent.asl") }'
ROUNDS = 20_000


def jason_dirs() -> tuple[Path, Path] | None:
    """(the asl folder, the inc folder) of the checkout ``ROMAS_JASON_SRC`` points at, if any."""
    root = os.environ.get("ROMAS_JASON_SRC")
    if not root:
        return None
    base = Path(root) / "jason-interpreter" / "src" / "test" / "jason"
    if not (base / "asl").is_dir():
        return None
    return base / "asl", base / "inc"


def jason_test_files() -> list[Path]:
    dirs = jason_dirs()
    return sorted(dirs[0].rglob("*.asl")) if dirs else []


@dataclass
class FileResult:
    passed: int = 0
    failures: list[str] = field(default_factory=list)
    tests: int = 0

    @property
    def ok(self) -> bool:
        return not self.failures and self.tests > 0


class UnitHost(BaseHost):
    """Agents of one test file: a virtual clock, messages between them, agents created from the files of
    the test folders (mock agents), and Jason's ``jag_sleeping``/``jag_awaking`` signals."""

    def __init__(self, folders: tuple[Path, ...]) -> None:
        super().__init__(seed=1)
        self.clock = 0.0
        self.folders = folders
        self.agents: dict[str, Agent] = {}
        self.printed: list[tuple[str, str]] = []
        self.commands: dict[str, CommandOutcome] = {}
        self.sleeping: set[str] = set()
        self.stopped = False

    def monotonic(self) -> float:
        return self.clock

    def now(self) -> float:
        return 1_700_000_000.0 + self.clock

    def print(self, agent: str, text: str, intention_tag: str | None) -> None:
        self.printed.append((agent, text))

    def send(
        self, sender: str, receiver: str, performative: str, content: Term, msg_id: str, in_reply_to: str | None
    ) -> None:
        target = self.agents.get(receiver)
        if target is None:
            raise UnknownReceiver(receiver)
        if receiver in self.sleeping:
            self.sleeping.discard(receiver)
            target.signal(Struct("jag_awaking"))
        target.deliver(Message(msg_id, sender, performative, content, in_reply_to))

    def broadcast(self, sender: str, performative: str, content: Term, msg_id: str) -> None:
        for name in list(self.agents):
            if name != sender:
                self.send(sender, name, performative, content, f"{msg_id}.{name}", None)

    def command_done(self, agent: str, cmd_id: str, outcome: CommandOutcome) -> None:
        self.commands[cmd_id] = outcome

    def agent_names(self, agent: str) -> list[str]:
        return sorted(self.agents)

    def create_agent(self, creator: str, name: str | None, source: str, is_file: bool) -> str:
        if is_file:
            source = self.read(source)
        name = name or f"agent{len(self.agents) + 1}"
        if name in self.agents:
            raise HostRefused(f"there is already an agent named {name}")
        try:
            self.agents[name] = Agent(name, parse_program(source), self)
        except AgentSpeakSyntaxError as e:
            raise HostRefused(f"the code of {name} does not parse: {e}") from None
        return name

    def read(self, file: str) -> str:
        """A file of the test folders (never outside them)."""
        for folder in self.folders:
            path = (folder / file).resolve()
            if path.is_file() and folder.resolve() in path.parents:
                return path.read_text()
        raise HostRefused(f"no file {file} in the agent set")

    def kill_agent(self, killer: str, name: str) -> None:
        if self.agents.pop(name, None) is None:
            raise HostRefused(f"no agent named {name}")

    def stop_mas(self, agent: str) -> None:
        self.stopped = True

    def run_until(self, cmd_id: str | None) -> bool:
        """Steps every agent until the command has ended (or, with None, until all are idle)."""
        for _ in range(ROUNDS):
            for name, ag in list(self.agents.items()):
                ag.step(100)
                if ag.idle and name not in self.sleeping:
                    self.sleeping.add(name)
                    ag.signal(Struct("jag_sleeping"))
            if cmd_id is not None and cmd_id in self.commands:
                return True
            if all(ag.idle for ag in self.agents.values()):
                deadlines = [d for d in (ag.next_deadline() for ag in self.agents.values()) if d is not None]
                if not deadlines:
                    return cmd_id is None
                self.clock = max(self.clock, min(deadlines))
        return False


def _is_test(label: Struct | None) -> bool:
    return label is not None and any(type(a) is Struct and a.functor == "test" and not a.args for a in label.annots)


def _name_anonymous_labels(source: str) -> str:
    """Diagnostics only (``--label-shim``): ``@[test]`` becomes ``@romas_anon_N[test]``, to see what
    else a file needs while anonymous labels are not yet parsed."""
    parts = source.split("@[")
    return parts[0] + "".join(f"@romas_anon_{i}[{p}" for i, p in enumerate(parts[1:]))


def run_file(path: Path, label_shim: bool = False) -> FileResult:
    dirs = jason_dirs()
    assert dirs is not None
    source = path.read_text().replace(INCLUDE, TESTER.read_text())
    if label_shim:
        source = _name_anonymous_labels(source)
    result = FileResult()
    try:
        program = parse_program(source)
    except AgentSpeakSyntaxError as e:
        result.failures.append(f"syntax: {e}")
        return result
    host = UnitHost((path.parent, dirs[1], dirs[0]))
    me = path.stem  # as Jason's run of the tests names the agent of each file
    try:
        host.agents[me] = Agent(me, program, host)
        # where Jason's own run of the tests finds the file (the asserts on code_src expect it)
        host.agents[me].source_name = f"file:./src/test/jason/asl/{path.relative_to(dirs[0])}"
    except Exception as e:  # an agent that cannot even start
        result.failures.append(f"start: {type(e).__name__}: {e}")
        return result
    tests = [p for p in program.plans if _is_test(p.label) and p.trigger.op == "+" and p.trigger.kind == "!"]
    result.tests = len(tests)
    for n, plan in enumerate(tests):
        cmd = f"test{n}"
        goal = plan.trigger.literal
        try:
            host.agents[me].start_command(cmd, parse_body(f"!{_goal_text(goal)}"))
        except AgentSpeakSyntaxError as e:
            result.failures.append(f"{plan.name}: cannot start: {e}")
            continue
        if not host.run_until(cmd):
            result.failures.append(f"{plan.name}: did not finish")
            host.agents[me].cancel_command(cmd)
            continue
        outcome = host.commands[cmd]
        if outcome.status != "succeeded":
            result.failures.append(f"{plan.name}: {outcome.status}: {outcome.reason}")
    for agent, text in host.printed:
        if agent != me:
            continue
        if text.startswith("PASS"):
            result.passed += 1
        elif text.startswith("FAIL"):
            result.failures.append(text)
    return result


def _goal_text(goal: Term) -> str:
    from romas.agentspeak.printer import format_term

    return format_term(goal)


def main() -> int:
    dirs = jason_dirs()
    if dirs is None:
        print("set ROMAS_JASON_SRC to a Jason checkout", file=sys.stderr)
        return 2
    ok = skipped = 0
    files = jason_test_files()
    shim = "--label-shim" in sys.argv
    for path in files:
        r = run_file(path, shim)
        name = str(path.relative_to(dirs[0]))
        if r.tests == 0 and not r.failures:
            skipped += 1  # no @[test] plan (Jason leaves such files without tests too)
            print(f"skip {name}: no @[test] plan")
            continue
        ok += r.ok
        status = "pass" if r.ok else "FAIL"
        print(f"{status} {name}: {r.tests} tests, {r.passed} asserts passed, {len(r.failures)} failures")
        for f in r.failures[:5]:
            print(f"     {f[:200]}")
    print(f"{ok}/{len(files) - skipped} files pass ({skipped} without tests skipped)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
