"""Agent code cannot take romas down: each runaway pattern runs in a real server whose memory (RSS, sampled
from /proc) stays under a stated bound while other requests are answered, and the agent ends with its
intention failed by ``limit_exceeded`` or stopped by the runtime with its reason. An agent at work through
repeated crashes (kill -9) is quarantined so that the restart comes up; on PostgreSQL a takeover does the
same."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from romas.store.engine import create_engine
from romas.store.tables import agents_at_work
from tests.e2e.server import ServerProcess, running_server

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

RSS_BOUND = 1536 * 1024 * 1024
"""The server's memory must stay under 1.5 GiB whatever an agent does."""

GOOD = "+!ping <- .print(pong).\n"
FILLER = "0123456789" * 100

CAUGHT = '-!s(_)[error(E), error_msg(M)] <- .print(E, ": ", M).\n-!s[error(E), error_msg(M)] <- .print(E, ": ", M).\n'
RUNAWAYS = {
    "doubling": '!s("ab").\n+!s(S) <- .concat(S, S, S2); !s(S2).\n' + CAUGHT,
    "term2string": "!s(a).\n+!s(T) <- .term2string(T, S); !s(f(S, S)).\n" + CAUGHT,
    "terms": "!s(a).\n+!s(T) <- !s(f(T, T)).\n" + CAUGHT,
    "lists": "!s([a]).\n+!s(L) <- .concat(L, L, L2); !s(L2).\n" + CAUGHT,
    "numbers": "!s(3).\n+!s(N) <- !s(N * N).\n" + CAUGHT,
    "power": "!s.\n+!s <- X = 2 ** 100000000; .print(X).\n" + CAUGHT,
    "beliefs": f'!s(0).\n+!s(N) <- +b(N, "{FILLER}"); !s(N + 1).\n',
    "recovering": '!s("ab").\n+!s(S) <- .concat(S, S, S2); !s(S2).\n-!s(_) <- !s("ab").\n',
}
SPIN = "!s.\n+!s <- while (true) { .concat(a, b, _) }.\n"


def rss(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


@contextmanager
def sampled(pid: int) -> Iterator[list[int]]:
    """Samples the RSS of ``pid`` every 50 ms while the block runs; the list holds the peak."""
    peak = [rss(pid)]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.05):
            try:
                peak[0] = max(peak[0], rss(pid))
            except OSError:
                return

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield peak
    finally:
        stop.set()
        thread.join()


def log_text(api: httpx.Client, agent: str) -> str:
    lines = api.get(f"/agents/{agent}/log", params={"limit": 1000}).json()["lines"]
    return "\n".join(line["text"] for line in lines)


def outcome(api: httpx.Client, agent: str) -> str | None:
    """``stopped: <reason>`` or the log line of the failed intention, once there is one."""
    body = api.get(f"/agents/{agent}").json()
    if body["state"] == "stopped":
        return f"stopped: {body['stopped_reason']}"
    for line in log_text(api, agent).splitlines():
        if "failed" in line or "limit_exceeded" in line:
            return line
    return None


def test_runaway_agents_are_contained(database_url: str, tmp_path: Path) -> None:
    with running_server(database_url, tmp_path) as server, httpx.Client(base_url=server.url, timeout=30) as api:
        assert api.put("/agents/good", json={"code": GOOD}).status_code == 201
        pid = server.process.pid
        results: dict[str, str] = {}
        for name, code in RUNAWAYS.items():
            with sampled(pid) as peak:
                assert api.put(f"/agents/{name}", json={"code": code}).status_code == 201
                deadline = time.monotonic() + 120
                # the failed intention is logged before the runtime records the stop, so wait for the stop itself
                stops = name == "beliefs"
                while (result := outcome(api, name)) is None or (stops and not result.startswith("stopped")):
                    assert time.monotonic() < deadline, f"{name}: no outcome\n{server.output()[-3000:]}"
                    answer = api.get("/agents/good")  # other requests are answered meanwhile
                    assert answer.status_code == 200
                    time.sleep(0.1)
            assert peak[0] < RSS_BOUND, f"{name}: the server reached {peak[0] >> 20} MiB"
            results[name] = result
            if not result.startswith("stopped"):
                api.patch(f"/agents/{name}", json={"state": "stopped"})
        for name in ("doubling", "term2string", "terms", "lists", "numbers", "power"):
            assert results[name].startswith("limit_exceeded: "), (name, results[name])
        assert results["beliefs"].startswith("stopped: the agent's memory"), results["beliefs"]
        assert (
            results["recovering"].startswith("stopped: the agent's memory") or "times within" in results["recovering"]
        ), results["recovering"]
        revisions = api.get("/agents/beliefs/revisions").json()["_embedded"]["revisions"]
        assert revisions[0]["actor"] == "runtime" and "over its budget" in revisions[0]["summary"]
        assert "stopped by the runtime" in log_text(api, "beliefs")
        done = api.post(
            "/agents/good/inbox",
            json={"performative": "achieve", "content": "ping"},
            headers={"Prefer": "wait=10"},
        )
        assert done.json()["status"] == "processed"
        # setting it running again clears the reason
        assert api.patch("/agents/beliefs", json={"state": "running"}).json()["stopped_reason"] is None


def wait_quarantined(api: httpx.Client, server_output: object) -> dict[str, object]:
    deadline = time.monotonic() + 60
    while True:
        body: dict[str, object] = api.get("/agents/spin").json()
        if body["state"] == "stopped":
            return body
        assert time.monotonic() < deadline, str(server_output)
        time.sleep(0.2)


def kill(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)


async def _marked_at_work(database_url: str, agent: str) -> bool:
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            found = await connection.execute(select(agents_at_work.c.at_work).where(agents_at_work.c.agent == agent))
            return bool(found.scalar())
    finally:
        await engine.dispose()


def marked_at_work(database_url: str, agent: str) -> None:
    """Waits until the runtime's mark that the agent is at work is committed, what the next process reads to lay
    a crash at its door (runtime/quarantine.py): a crash from then on counts, without guessing a delay."""
    deadline = time.monotonic() + 60
    while not asyncio.run(_marked_at_work(database_url, agent)):
        assert time.monotonic() < deadline, f"{agent} never marked at work"
        time.sleep(0.1)


def runs_here(api: httpx.Client, agent: str, database_url: str, server: ServerProcess) -> None:
    """Waits until the process behind ``api`` runs the agent and has marked it at work."""
    deadline = time.monotonic() + 60
    while (body := api.get(f"/agents/{agent}").json())["running_code_revision"] is None:
        assert time.monotonic() < deadline, f"{body}\n{server.output()[-4000:]}"
        time.sleep(0.2)
    marked_at_work(database_url, agent)


def at_work_of(api: httpx.Client, database_url: str) -> None:
    """Waits until the spinning agent has started and is marked at work (before its first step)."""
    deadline = time.monotonic() + 30
    while "restarted" not in log_text(api, "spin") and "started" not in log_text(api, "spin"):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    marked_at_work(database_url, "spin")


def test_an_agent_at_work_through_repeated_crashes_is_quarantined(database_url: str, tmp_path: Path) -> None:
    with running_server(database_url, tmp_path) as server, httpx.Client(base_url=server.url, timeout=30) as api:
        assert api.put("/agents/good", json={"code": GOOD}).status_code == 201
        assert api.put("/agents/spin", json={"code": SPIN}).status_code == 201
        at_work_of(api, database_url)
        kill(server.process.pid)
        server.process.wait(timeout=10)
    with running_server(database_url, tmp_path) as server, httpx.Client(base_url=server.url, timeout=30) as api:
        assert api.get("/agents/spin").json()["state"] == "running"  # one crash is not enough
        runs_here(api, "spin", database_url, server)  # on PostgreSQL, once the dead process's leases have lapsed
        kill(server.process.pid)
        server.process.wait(timeout=10)
    with running_server(database_url, tmp_path) as server, httpx.Client(base_url=server.url, timeout=30) as api:
        body = wait_quarantined(api, server.output())
        assert "quarantined" in str(body["stopped_reason"])
        revisions = api.get("/agents/spin/revisions").json()["_embedded"]["revisions"]
        assert revisions[0]["actor"] == "runtime" and "quarantined" in revisions[0]["summary"]
        assert "stopped by the runtime: quarantined" in log_text(api, "spin")
        assert api.get("/agents/good").json()["state"] == "running"
        done = api.post(
            "/agents/good/inbox",
            json={"performative": "achieve", "content": "ping"},
            headers={"Prefer": "wait=10"},
        )
        assert done.json()["status"] == "processed"


@pytest.mark.postgres
def test_a_takeover_quarantines_an_agent_at_work_through_repeated_crashes(database_url: str, tmp_path: Path) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several processes share a database on PostgreSQL")
    # Each process is started after the last one died, so the agent never moves by a clean hand-over (which
    # checkpoints it): every process takes the dead one's shards once its leases lapse, with the agent at work.
    with running_server(database_url, tmp_path) as first, httpx.Client(base_url=first.url, timeout=30) as api:
        assert api.put("/agents/good", json={"code": GOOD}).status_code == 201
        assert api.put("/agents/spin", json={"code": SPIN}).status_code == 201
        at_work_of(api, database_url)
        kill(first.process.pid)
        first.process.wait(timeout=10)
    with running_server(database_url, tmp_path) as second, httpx.Client(base_url=second.url, timeout=30) as b:
        runs_here(b, "spin", database_url, second)  # the second took over: one crash is not enough
        assert b.get("/agents/spin").json()["state"] == "running"
        kill(second.process.pid)
        second.process.wait(timeout=10)
    with running_server(database_url, tmp_path) as third, httpx.Client(base_url=third.url, timeout=30) as c:
        body = wait_quarantined(c, third.output())
        assert "quarantined" in str(body["stopped_reason"])
        deadline = time.monotonic() + 60
        while c.get("/agents/good").json()["running_code_revision"] is None:  # the third runs the others
            assert time.monotonic() < deadline, third.output()[-3000:]
            time.sleep(0.2)
        done = c.post(
            "/agents/good/inbox",
            json={"performative": "achieve", "content": "ping"},
            headers={"Prefer": "wait=10"},
        )
        assert done.json()["status"] == "processed"
