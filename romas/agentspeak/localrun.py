"""``python -m romas.agentspeak.localrun FILE.asl...``: agents on the interpreter alone, in this process.

Each file is one agent (named after the file, or ``name=path``). Agents take turns, each a budget of
reasoning steps, until every agent is idle with no timer pending, or the timeout passes. What agents
print goes to standard output as ``[agent] text``; notes about them (failed intentions, goals with no
plan) go to standard error. Agents may create others (`.create_agent` from code or from one of the files
given), kill them, and stop the system (`.stopMAS`). Exit status: 0 when the system ended quietly (or was
stopped), 1 on a parse error, 2 on timeout.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from romas.agentspeak.agent import Agent
from romas.agentspeak.diagnostics import AgentSpeakSyntaxError
from romas.agentspeak.host import BaseHost, HostRefused, Message, UnknownReceiver
from romas.agentspeak.parser import AgentFiles, parse_program
from romas.agentspeak.terms import Term


class LocalHost(BaseHost):
    """Delivers messages between the agents of one process; optionally runs on a virtual clock."""

    def __init__(self, out: TextIO, err: TextIO, virtual_time: bool, seed: int | None) -> None:
        super().__init__(seed)
        self.out = out
        self.err = err
        self.agents: dict[str, Agent] = {}
        self.virtual = virtual_time
        self.clock = 0.0
        self.files: dict[str, Path] = {}
        """The agent set: the files given to ``romas run``, by file name (the only files agents reach)."""
        self.stopped = False

    def monotonic(self) -> float:
        return self.clock if self.virtual else time.monotonic()

    def print(self, agent: str, text: str, intention_tag: str | None) -> None:
        self.out.write(f"[{agent}] {text}\n")

    def log(self, agent: str, text: str) -> None:
        self.err.write(f"[{agent}] note: {text}\n")

    def send(
        self, sender: str, receiver: str, performative: str, content: Term, msg_id: str, in_reply_to: str | None
    ) -> None:
        target = self.agents.get(receiver)
        if target is None:
            raise UnknownReceiver(receiver)
        target.deliver(Message(msg_id, sender, performative, content, in_reply_to))

    def broadcast(self, sender: str, performative: str, content: Term, msg_id: str) -> None:
        for name, target in self.agents.items():
            if name != sender:
                target.deliver(Message(msg_id, sender, performative, content, None))

    def agent_names(self, agent: str) -> list[str]:
        return sorted(self.agents)

    def create_agent(self, creator: str, name: str | None, source: str, is_file: bool) -> str:
        if is_file:
            path = self.files.get(Path(source.strip()).name)
            if path is None or Path(source.strip()).name != source.strip():
                raise HostRefused(f"no file {source} among the files given to romas run")
            source = path.read_text(encoding="utf-8")
        if name is None:
            n = 1
            while f"{creator}_{n}" in self.agents:
                n += 1
            name = f"{creator}_{n}"
        if name in self.agents:
            raise HostRefused(f"there is already an agent named {name}")
        try:
            self.agents[name] = Agent(name, parse_program(source, self.agent_files()), self)
        except AgentSpeakSyntaxError as e:
            raise HostRefused(f"the code for {name} does not parse: {e}") from None
        return name

    def agent_files(self) -> AgentFiles:
        """The files ``include`` may read: those given to ``romas run``, by file name."""
        return AgentFiles({name: path.read_text(encoding="utf-8") for name, path in self.files.items()})

    def kill_agent(self, killer: str, name: str) -> None:
        if self.agents.pop(name, None) is None:
            raise HostRefused(f"no agent named {name}")
        return None

    def stop_mas(self, agent: str) -> None:
        self.stopped = True
        return None


def _specs(files: Sequence[str]) -> list[tuple[str, Path]]:
    out = []
    for spec in files:
        if "=" in spec and not Path(spec).exists():
            name, path = spec.split("=", 1)
            out.append((name, Path(path)))
        else:
            out.append((Path(spec).stem, Path(spec)))
    return out


class _Swap:
    """A hot swap to do once the agent has taken ``after`` reasoning steps."""

    def __init__(self, agent: str, path: Path, after: int) -> None:
        self.agent = agent
        self.path = path
        self.after = after
        self.done = False


def _parse_swap(spec: str) -> _Swap:
    try:
        target, after = spec.rsplit("@", 1)
        name, path = target.split("=", 1)
        return _Swap(name, Path(path), int(after))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected NAME=PATH@STEPS, got {spec!r}") from None


def _step_agent(
    host: LocalHost, name: str, budget: int, checkpoint: bool, swaps: Sequence[_Swap], taken: dict[str, int]
) -> tuple[int, bool]:
    """Runs one agent's turn. With ``checkpoint``, the agent is saved to JSON text and restored from it
    after every single step (a turn of n single steps does exactly what one step of budget n does)."""
    total = 0
    while True:
        ag = host.agents[name]
        for swap in swaps:
            if swap.agent == name and not swap.done and taken.get(name, 0) >= swap.after:
                swap.done = True
                ag.replace_program(
                    parse_program(swap.path.read_text(encoding="utf-8"), host.agent_files(), swap.path.name)
                )
        chunk = budget - total
        if checkpoint or any(s.agent == name and not s.done for s in swaps):
            chunk = min(chunk, 1)
        report = ag.step(chunk)
        total += report.steps
        taken[name] = taken.get(name, 0) + report.steps
        if checkpoint:
            data = json.loads(json.dumps(ag.snapshot()))
            restored = Agent.restore(data, host)
            restored.agent_files, restored.agent_file = ag.agent_files, ag.agent_file  # for .include
            host.agents[name] = restored
        if report.steps < chunk or total >= budget:
            return total, report.idle


def run(
    specs: Sequence[tuple[str, Path]],
    *,
    timeout: float | None = 30.0,
    budget: int = 1000,
    virtual_time: bool = False,
    seed: int | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    checkpoint: bool = False,
    swaps: Sequence[_Swap] = (),
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    host = LocalHost(out, err, virtual_time, seed)
    programs = []
    failed = False
    host.files = {path.name: path for _name, path in specs}
    files = AgentFiles({})
    with contextlib.suppress(OSError):  # reported below, file by file
        files = host.agent_files()
    for name, path in specs:
        try:
            source = path.read_text(encoding="utf-8")
        except OSError as e:
            err.write(f"{path}: cannot read: {e.strerror}\n")
            failed = True
            continue
        try:
            programs.append((name, parse_program(source, files, path.name)))
        except AgentSpeakSyntaxError as e:
            failed = True
            for d in e.diagnostics:
                err.write(f"{path}:{d.line}:{d.column}: {d.message}\n")
    if failed:
        return 1
    for (name, program), (_name, path) in zip(programs, specs, strict=True):
        host.agents[name] = Agent(name, program, host)
        host.agents[name].source_name = str(path)
    for swap in swaps:
        try:
            parse_program(swap.path.read_text(encoding="utf-8"), files, swap.path.name)
        except (OSError, AgentSpeakSyntaxError) as e:
            err.write(f"{swap.path}: cannot swap in: {e}\n")
            return 1
    started = time.monotonic()
    taken: dict[str, int] = {}
    while not host.stopped:
        busy = False
        for name in list(host.agents):  # agents may create or kill others
            if name not in host.agents:
                continue
            steps, idle = _step_agent(host, name, budget, checkpoint, swaps, taken)
            if steps or not idle:
                busy = True
        agents = list(host.agents.values())
        if timeout is not None and time.monotonic() - started > timeout:
            err.write(f"timeout: the agents were still busy after {timeout:g} s\n")
            out.flush()
            return 2
        if busy or any(not ag.idle for ag in agents):
            continue
        deadlines = [d for d in (ag.next_deadline() for ag in agents) if d is not None]
        if not deadlines:
            _report_stuck(agents, err)
            break
        wake = min(deadlines)
        if virtual_time:
            host.clock = max(host.clock, wake)
        else:
            delay = wake - time.monotonic()
            if timeout is not None:
                delay = min(delay, timeout - (time.monotonic() - started) + 0.01)
            if delay > 0:
                time.sleep(delay)
    out.flush()
    return 0


_WAITS = {
    "reply": "an answer that will not come",
    "trigger": "an event that will not happen",
    "action": "an environment action",
    "event": "its sub-goal",
}


def _report_stuck(agents: Sequence[Agent], err: TextIO) -> None:
    """Notes about intentions still waiting when nothing can happen any more."""
    for ag in agents:
        for it in ag.intentions.values():
            what = _WAITS.get(it.state)
            if what is not None and it.stack:
                top = it.stack[-1]
                err.write(
                    f"[{ag.name}] note: intention {it.id} stopped waiting for {what}"
                    f" (plan {top.plan.name}, line {top.line})\n"
                )


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m romas.agentspeak.localrun",
        description="Run AgentSpeak agents on the interpreter alone, one per file, until they are all idle.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE.asl", help="an agent file, or name=path")
    parser.add_argument("--timeout", type=float, default=30.0, help="give up after this many seconds (exit 2)")
    parser.add_argument("--budget", type=int, default=1000, help="reasoning steps per agent per turn")
    parser.add_argument(
        "--virtual-time", action="store_true", help="skip idle waits (.wait) instead of sleeping through them"
    )
    parser.add_argument("--seed", type=int, default=None, help="seed for .random")
    parser.add_argument(
        "--checkpoint",
        action="store_true",
        help="save every agent to JSON and restore it after each reasoning step (tests serialisation)",
    )
    parser.add_argument(
        "--swap",
        action="append",
        type=_parse_swap,
        default=[],
        metavar="NAME=PATH@STEPS",
        help="hot-swap agent NAME to the code in PATH after it has taken STEPS reasoning steps",
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    return run(
        _specs(args.files),
        timeout=args.timeout if args.timeout > 0 else None,
        budget=max(1, args.budget),
        virtual_time=args.virtual_time,
        seed=args.seed,
        checkpoint=args.checkpoint,
        swaps=args.swap,
        out=out,
        err=err,
    )


if __name__ == "__main__":
    sys.exit(main())
