"""``.all_names``, ``.create_agent``, ``.clone``, ``.kill_agent`` and ``.stopMAS`` go to the host."""

from __future__ import annotations

from romas.agentspeak.host import HostRefused

from ..support import RecordingHost
from .helpers import outcome, values


class AgentsHost(RecordingHost):
    """Records what agents ask of the system; refuses to kill ``boss``."""

    def __init__(self) -> None:
        super().__init__()
        self.created: list[tuple[str, str | None, str, bool]] = []
        self.killed: list[str] = []
        self.stopped: list[str] = []

    def agent_names(self, agent: str) -> list[str]:
        return sorted(self.agents)

    def create_agent(self, creator: str, name: str | None, source: str, is_file: bool) -> str:
        self.created.append((creator, name, source, is_file))
        return name or "auto1"

    def kill_agent(self, killer: str, name: str) -> None:
        if name == "boss":
            raise HostRefused("boss cannot be killed")
        self.killed.append(name)

    def stop_mas(self, agent: str) -> None:
        self.stopped.append(agent)


def test_create_agent_from_code_or_file() -> None:
    host = AgentsHost()
    out = outcome('.create_agent(bob, "+!g <- .print(hi)."); .create_agent(N, "worker.asl")', "", host)
    assert out.status == "succeeded"
    assert out.bindings["N"].functor == "auto1"  # type: ignore[union-attr]
    assert host.created == [
        ("ag", "bob", "+!g <- .print(hi).", False),
        ("ag", None, "worker.asl", True),
    ]


def test_clone_sends_the_current_mind() -> None:
    host = AgentsHost()
    assert outcome("+b(1); .clone(twin)", "+!g <- .print(x).", host).status == "succeeded"
    (_creator, name, code, is_file) = host.created[0]
    assert name == "twin" and not is_file and "b(1)" in code and "+!g" in code


def test_kill_agent_and_stop_mas() -> None:
    host = AgentsHost()
    assert outcome(".kill_agent(bob); .stopMAS", "", host).status == "succeeded"
    assert host.killed == ["bob"] and host.stopped == ["ag"]
    out = outcome(".kill_agent(boss)", "", host)
    assert out.status == "failed" and "boss cannot be killed" in (out.reason or "")


def test_all_names() -> None:
    host = AgentsHost()
    out = outcome(".all_names(L)", "", host)
    assert [s.functor for s in out.bindings["L"]] == ["ag"]  # type: ignore[union-attr]


def test_a_host_without_agents_refuses_and_a_plan_can_recover() -> None:
    source = '+!g <- .create_agent(x, "+!a.").\n-!g[error_msg(M)] <- +why(M).'
    got = values("!g; ?why(M)", source)
    assert "cannot create agents" in got["M"]  # type: ignore[operator]
