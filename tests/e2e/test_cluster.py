"""Three real ``romas serve`` processes on one PostgreSQL database share the agents, artefacts and organisations:
agents on different processes talk (tell, achieve, askOne), use one artefact and one organisation scheme; one
process is killed (-9) with messages in flight and every accepted message is still processed exactly once, its
agents running again on the others; a fourth process joins and shards move to it while the MAS goes on.

Requests go round-robin to the processes, as a load balancer would send them."""

from __future__ import annotations

import itertools
import os
import re
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from romas.cluster.shards import SHARDS
from tests.domain.org_spec import SPEC
from tests.e2e.server import ServerProcess, running_server

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.slow]
COUNTER = "count(0).\n@inc[atomic] +!inc <- ?count(C); -+count(C + 1).\n+hello[source(S)] <- +greeted(S).\n"
WAIT = 60.0  # bounds a wait so a broken cluster fails the test instead of hanging it (not a timing check)


def until(check: Callable[[], bool], what: str, servers: list[ServerProcess]) -> None:
    deadline = time.monotonic() + WAIT
    while not check():
        if time.monotonic() > deadline:
            logs = "\n".join(s.output()[-2000:] for s in servers)
            raise AssertionError(f"timed out waiting for {what}\n{logs}")
        time.sleep(0.2)


class Balancer:
    """Round-robin over the live processes."""

    def __init__(self) -> None:
        self.clients: dict[str, httpx.Client] = {}
        self._turn = itertools.count()

    def add(self, server: ServerProcess) -> None:
        self.clients[server.url] = httpx.Client(base_url=server.url, timeout=30)

    def remove(self, server: ServerProcess) -> None:
        self.clients.pop(server.url).close()

    def __call__(self) -> httpx.Client:
        clients = list(self.clients.values())
        return clients[next(self._turn) % len(clients)]

    def close(self) -> None:
        for client in self.clients.values():
            client.close()


def cluster(api: httpx.Client) -> dict[str, Any]:
    body: dict[str, Any] = api.get("/cluster").json()
    return body


def shares(api: httpx.Client) -> list[int]:
    body = cluster(api)
    return sorted(len(p["shards"]) for p in body["processes"] if p["alive"])


def count(api: httpx.Client, agent: str) -> int:
    beliefs = [b["text"] for b in api.get(f"/agents/{agent}/mind").json()["beliefs"]]
    found = [re.match(r"count\((\d+)\)\[source\(self\)\]", b) for b in beliefs]
    return next(int(m.group(1)) for m in found if m)


def command(api: httpx.Client, agent: str, body: str) -> dict[str, Any]:
    response = api.post(
        f"/agents/{agent}/commands", json={"body": body, "timeout_s": 30}, headers={"Prefer": "wait=20"}
    )
    assert response.status_code in (200, 202), response.text
    done: dict[str, Any] = response.json()
    assert done["status"] == "succeeded", done
    return done


@pytest.fixture
def servers(database_url: str, tmp_path: Path) -> Iterator[tuple[list[ServerProcess], ExitStack]]:
    if not database_url.startswith("postgresql"):
        pytest.skip("several processes share a database on PostgreSQL")
    with ExitStack() as stack:
        started = [stack.enter_context(running_server(database_url, tmp_path, timeout=120)) for _ in range(3)]
        yield started, stack


def test_three_processes_share_the_mas_survive_a_kill_and_welcome_a_fourth(
    servers: tuple[list[ServerProcess], ExitStack], database_url: str, tmp_path: Path
) -> None:
    started, stack = servers
    lb = Balancer()
    for server in started:
        lb.add(server)
    try:
        until(lambda: shares(lb()) == [21, 21, 22], "the shards split between three", started)

        # -- agents on different processes talk ------------------------------------------------------------
        counters = [f"c{i}" for i in range(9)]
        workers = [f"w{i}" for i in range(9)]
        for name in counters:
            assert lb().put(f"/agents/{name}", json={"code": COUNTER}).status_code == 201
        for name in [*workers, "caller"]:
            assert lb().put(f"/agents/{name}", json={"code": ""}).status_code == 201
        place: dict[str, str | None] = {}

        def placed() -> bool:
            place.update({n: lb().get(f"/agents/{n}").json()["process"] for n in [*counters, *workers, "caller"]})
            return all(place.values())

        until(placed, "every agent placed on a process", started)
        assert len(set(place.values())) == 3, place
        by_process = cluster(lb())
        assert sum(p["agents"] for p in by_process["processes"]) == len(place)
        target = next(c for c in counters if place[c] != place["caller"])
        command(lb(), "caller", f".send({target}, achieve, inc); .send({target}, tell, hello)")
        asked = command(lb(), "caller", f".send({target}, askOne, count(X), A)")
        # per sender and receiver, in order; as in Jason, the answer carries the answerer as its source
        assert asked["result"]["bindings"]["A"] == f"count(1)[source({target})]"
        until(lambda: count(lb(), target) == 1, "the achieve across processes", started)
        beliefs = [b["text"] for b in lb().get(f"/agents/{target}/mind").json()["beliefs"]]
        assert any(b.startswith("greeted(caller)") for b in beliefs), beliefs

        # -- one artefact, used from every process ---------------------------------------------------------
        assert lb().put("/workspaces/shop", json={}).status_code == 201
        stock = {"type": "counter", "properties": {"count": 0}}
        assert lb().put("/workspaces/shop/artefacts/stock", json=stock).status_code == 201
        users = [next(w for w in workers if place[w] == p) for p in sorted(set(place.values()))]
        for worker in users:
            command(lb(), worker, "joinWorkspace(shop); focus(stock); inc; inc; inc; inc; inc")
        assert lb().get("/workspaces/shop/artefacts/stock").json()["properties"]["count"] == 15
        for worker in users:  # each sees the percept, whichever process runs the artefact

            def perceived(worker: str = worker) -> bool:
                beliefs = [b["text"] for b in lb().get(f"/agents/{worker}/mind").json()["beliefs"]]
                return any(b.startswith("count(15)[artefact(stock)") for b in beliefs)

            until(perceived, f"{worker} to perceive count(15)", started)

        # -- one organisation scheme, roles taken by agents of different processes -------------------------
        assert lb().put("/organisations/bakery", json=SPEC).status_code == 201
        assert lb().put("/organisations/bakery/groups/t", json={"type": "team"}).status_code == 201
        baker, seller = users[0], users[1]
        command(lb(), baker, "adoptRole(baker, t)")
        command(lb(), seller, "adoptRole(seller, t)")
        assert lb().put("/organisations/bakery/schemes/d", json={"type": "day", "group": "t"}).status_code == 201
        command(lb(), baker, "commitMission(m_bake, d)")
        obligations = lb().get("/organisations/bakery/obligations").json()["_embedded"]["obligations"]
        states = {(o["agent"], o["norm"], next(iter(o["what"])), o["state"]) for o in obligations}
        assert (baker, "n_bake", "committed", "fulfilled") in states
        assert (seller, "n_sell", "committed", "active") in states

        # -- kill -9 the process running the seller, with messages in flight -------------------------------
        victim = next(s for s in started if lb.clients[s.url].get("/cluster").json()["this_process"] == place[seller])
        survivors = [s for s in started if s is not victim]
        lb.remove(victim)
        sent = dict.fromkeys(counters, 0)
        sent[target] = 1
        accepted: list[str] = []

        def post_round(n: int) -> None:
            for _ in range(n):
                for name in counters:
                    response = lb().post(f"/agents/{name}/inbox", json={"performative": "achieve", "content": "inc"})
                    assert response.status_code == 202, response.text
                    accepted.append(response.headers["location"])
                    sent[name] += 1

        post_round(10)
        killed_at = time.monotonic()
        os.kill(victim.process.pid, signal.SIGKILL)
        victim.process.wait(timeout=10)
        post_round(5)

        def taken_over() -> bool:
            body = cluster(lb())
            held = [s for p in body["processes"] if p["alive"] for s in p["shards"]]
            return sorted(held) == list(range(SHARDS)) and len([p for p in body["processes"] if p["alive"]]) == 2

        until(taken_over, "the survivors to hold every shard", survivors)
        takeover_s = time.monotonic() - killed_at
        orphans = [n for n in place if place[n] == place[seller]]
        for name in orphans:

            def moved(name: str = name) -> bool:
                return lb().get(f"/agents/{name}").json()["process"] not in (None, place[seller])

            until(moved, f"{name} to run on a survivor", survivors)
        running_again_s = time.monotonic() - killed_at
        until(
            lambda: all(lb().get(loc).json()["status"] == "processed" for loc in accepted),
            "every accepted message to be processed",
            survivors,
        )
        for name in counters:  # exactly once: none lost, none processed twice

            def exact(name: str = name) -> bool:
                return count(lb(), name) == sent[name]

            until(exact, f"{name} to count {sent[name]}", survivors)
        print(
            f"\ntakeover after kill -9: every shard held again {takeover_s:.1f}s after the kill, "
            f"the {len(orphans)} agents of the killed process running elsewhere after {running_again_s:.1f}s"
        )

        # the organisation is still right: the seller (restarted elsewhere) commits, the obligation is met
        command(lb(), seller, "commitMission(m_sell, d)")
        obligations = lb().get("/organisations/bakery/obligations").json()["_embedded"]["obligations"]
        states = {(o["agent"], o["norm"], next(iter(o["what"])), o["state"]) for o in obligations}
        assert (seller, "n_sell", "committed", "fulfilled") in states
        assert (baker, "n_bake", "committed", "fulfilled") in states

        # -- a fourth process joins: shards move to it while messages keep flowing -------------------------
        fourth = stack.enter_context(running_server(database_url, tmp_path, timeout=120))
        lb.add(fourth)
        everyone = [*survivors, fourth]
        post_round(3)
        until(lambda: shares(lb()) == [21, 21, 22], "the shards to spread over three again", everyone)
        post_round(3)
        newcomer = httpx.get(f"{fourth.url}/cluster").json()
        mine = next(p for p in newcomer["processes"] if p["this"])
        assert len(mine["shards"]) >= 21
        until(
            lambda: all(lb().get(loc).json()["status"] == "processed" for loc in accepted),
            "every message sent around the move to be processed",
            everyone,
        )
        for name in counters:

            def exact_again(name: str = name) -> bool:
                return count(lb(), name) == sent[name]

            until(exact_again, f"{name} to count {sent[name]}", everyone)
    finally:
        lb.close()


SLOW = "+!nap <- .wait(60000); +napped.\n"


def test_any_process_cancels_stops_starts_and_deletes_an_agent_it_does_not_run(
    servers: tuple[list[ServerProcess], ExitStack],
) -> None:
    """What only the process running an agent can do (drop a message or a command it holds, stop it, start it,
    forget it) is asked of any other process, which passes it on through the database."""
    started, _stack = servers
    lb = Balancer()
    for server in started:
        lb.add(server)
    try:
        until(lambda: shares(lb()) == [21, 21, 22], "the shards split between three", started)
        agent = {"code": SLOW + COUNTER, "metadata": {"a2a": {"enabled": True}}}
        assert lb().put("/agents/sleepy", json=agent).status_code == 201
        owner: dict[str, str] = {}

        def placed() -> bool:
            process = lb().get("/agents/sleepy").json()["process"]
            if process:
                owner["id"] = process
            return bool(process)

        until(placed, "sleepy placed on a process", started)
        ids = {s.url: httpx.get(f"{s.url}/cluster").json()["this_process"] for s in started}
        others = [httpx.Client(base_url=url, timeout=30) for url, pid in ids.items() if pid != owner["id"]]
        assert len(others) == 2
        try:
            # a message, cancelled over A2A through a process that does not run the agent
            nap = others[0].post("/agents/sleepy/inbox", json={"performative": "achieve", "content": "nap"})
            assert nap.status_code == 202, nap.text
            message_id = nap.json()["id"]
            until(
                lambda: others[1].get(nap.headers["location"]).json()["status"] == "delivered",
                "the nap to start",
                started,
            )
            cancelled = others[1].post(f"/agents/sleepy/a2a/tasks/{message_id}:cancel")
            assert cancelled.status_code == 200, cancelled.text
            assert cancelled.json()["status"]["state"] == "TASK_STATE_CANCELED", cancelled.text
            assert others[0].get(nap.headers["location"]).json()["status"] == "cancelled"

            # a command, cancelled through a process that does not run the agent
            running = others[0].post("/agents/sleepy/commands", json={"body": ".wait(60000)", "timeout_s": 120})
            assert running.status_code == 202, running.text
            location = running.headers["location"]
            until(lambda: others[1].get(location).json()["status"] == "running", "the command to run", started)
            dropped = others[1].delete(location)
            assert dropped.status_code == 200, dropped.text
            assert dropped.json()["status"] == "cancelled", dropped.text

            # stop and start through a non-owner: the owner stops running it, then runs it again, mind kept
            command(others[0], "sleepy", "!inc")
            stopped = others[1].patch("/agents/sleepy", json={"state": "stopped"})
            assert stopped.status_code == 200, stopped.text

            def noted(text: str) -> bool:
                lines = lb().get("/agents/sleepy/log", params={"limit": 1000}).json()["lines"]
                return any(line["kind"] == "note" and line["text"].startswith(text) for line in lines)

            until(lambda: noted("stopped"), "the owner to stop running sleepy", started)
            mind = others[0].get("/agents/sleepy/mind").json()
            assert any(b["text"].startswith("count(1)") for b in mind["beliefs"]), mind
            assert others[1].patch("/agents/sleepy", json={"state": "running"}).status_code == 200
            until(lambda: noted("restarted from its checkpoint"), "sleepy to run again", started)
            command(others[1], "sleepy", "!inc")
            assert count(others[0], "sleepy") == 2

            # deleted through a non-owner: the owner forgets it, its unfinished message fails
            late = others[0].post("/agents/sleepy/inbox", json={"performative": "achieve", "content": "nap"})
            assert late.status_code == 202, late.text
            assert others[1].delete("/agents/sleepy").status_code in (200, 204)
            until(
                lambda: others[0].get(late.headers["location"]).json()["status"] == "failed",
                "the unfinished message to fail with its agent",
                started,
            )
        finally:
            for client in others:
                client.close()
    finally:
        lb.close()


def test_a_cancellation_asked_before_a_process_started_is_applied_when_it_takes_the_agent_over(
    database_url: str, tmp_path: Path
) -> None:
    """The process that takes an agent over finds the cancellations asked while nobody ran it, although its own
    follower never saw them: the owner died, the process asked stopped, and a new process takes the shard."""
    if not database_url.startswith("postgresql"):
        pytest.skip("several processes share a database on PostgreSQL")
    # The lease outlives the cancel's bounded wait and the stop of the process asked, so that process does not
    # take the dead owner's shards itself.
    env = {"ROMAS_CLUSTER_LEASE_S": "15", "ROMAS_CLUSTER_HEARTBEAT_S": "1"}
    with ExitStack() as first, ExitStack() as second:
        pair = [stack.enter_context(running_server(database_url, tmp_path, env=env)) for stack in (first, second)]
        api = httpx.Client(base_url=pair[0].url, timeout=30)
        try:
            # the second process's arrival moves half the shards: sleepy is placed once they are split
            until(lambda: shares(api) == [32, 32], "the shards split between two", pair)
            agent = {"code": SLOW, "metadata": {"a2a": {"enabled": True}}}
            assert api.put("/agents/sleepy", json=agent).status_code == 201
            until(lambda: bool(api.get("/agents/sleepy").json()["process"]), "sleepy placed on a process", pair)
            nap = api.post("/agents/sleepy/inbox", json={"performative": "achieve", "content": "nap"})
            assert nap.status_code == 202, nap.text
            wait = api.post("/agents/sleepy/commands", json={"body": ".wait(60000)", "timeout_s": 120})
            assert wait.status_code == 202, wait.text
            until(
                lambda: (
                    api.get(nap.headers["location"]).json()["status"] == "delivered"
                    and api.get(wait.headers["location"]).json()["status"] == "running"
                ),
                "the nap and the wait to start",
                pair,
            )
            runs = api.get("/agents/sleepy").json()["process"]
            owner = next(s for s in pair if httpx.get(f"{s.url}/cluster").json()["this_process"] == runs)
            asked = next(s for s in pair if s is not owner)
            os.kill(owner.process.pid, signal.SIGKILL)
            owner.process.wait(timeout=10)
            with httpx.Client(base_url=asked.url, timeout=30) as other:
                task = other.post(f"/agents/sleepy/a2a/tasks/{nap.json()['id']}:cancel")
                assert task.status_code == 200, task.text
                assert task.json()["status"]["state"] == "TASK_STATE_WORKING", task.text  # nobody runs it now
                dropped = other.delete(wait.headers["location"])
                assert dropped.status_code == 202, dropped.text
        finally:
            api.close()
        (second if asked is pair[1] else first).close()  # the process asked stops before the lease ends
        assert asked.process.poll() is not None
        with running_server(database_url, tmp_path, env=env) as newcomer, httpx.Client(base_url=newcomer.url) as api:
            until(
                lambda: (
                    api.get(nap.headers["location"]).json()["status"] == "cancelled"
                    and api.get(wait.headers["location"]).json()["status"] == "cancelled"
                ),
                "the newcomer to apply both cancellations when it takes sleepy over",
                [newcomer],
            )
            assert api.get("/agents/sleepy").json()["process"] == api.get("/cluster").json()["this_process"]
