"""Artefact operations over REST: invocations with a status, one at a time per artefact, in arrival order."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from tests.api.helpers import Client, assert_problem, tick

pytestmark = pytest.mark.anyio


async def setup_shop(client: Client) -> None:
    await client.put("/workspaces/shop", json={})
    await client.put("/workspaces/shop/artefacts/stock", json={"type": "counter", "properties": {"count": 5}})
    await client.put("/workspaces/shop/artefacts/orders", json={"type": "queue"})


async def run(client: Client, art: str, op: str, *args: object, wait: float = 10) -> dict[str, object]:
    response = await client.post(
        f"/workspaces/shop/artefacts/{art}/operations/{op}",
        json={"args": list(args)},
        headers={"Prefer": f"wait={wait:g}"},
    )
    assert response.status_code in (200, 202), response.text
    body: dict[str, object] = response.json()
    return body


async def test_an_operation_changes_properties_as_a_new_revision_naming_its_caller(client: Client) -> None:
    await setup_shop(client)
    done = await run(client, "stock", "inc")
    assert done["status"] == "succeeded" and done["artefact_revision"] == 2
    stock = (await client.get("/workspaces/shop/artefacts/stock")).json()
    assert stock["properties"] == {"count": 6} and stock["revision"] == 2
    history = (await client.get("/workspaces/shop/artefacts/stock/revisions")).json()["_embedded"]["revisions"]
    assert history[0]["type"] == "operated" and history[0]["actor"] == "anonymous" and "inc" in history[0]["summary"]
    assert (await client.get("/workspaces/shop/artefacts/stock/revisions/1")).json()["properties"] == {"count": 5}


async def test_the_202_shows_the_invocation_as_written_and_as_a_get_reads_it(client: Client) -> None:
    await setup_shop(client)
    posted = await client.post("/workspaces/shop/artefacts/orders/operations/push", json={"args": ["dave"]})
    assert posted.status_code == 202
    answer = posted.json()
    assert answer["status"] == "accepted" and posted.headers["content-location"] == posted.headers["location"]
    read = (await client.get(posted.headers["location"])).json()
    stable = ("id", "workspace", "artefact", "operation", "args", "invoker", "accepted_at")
    assert {k: answer.get(k) for k in stable} == {k: read.get(k) for k in stable}
    assert answer["_links"]["self"] == read["_links"]["self"]


async def test_results_and_failures(client: Client) -> None:
    await setup_shop(client)
    await run(client, "orders", "push", "carol")
    popped = await run(client, "orders", "pop")
    assert popped["status"] == "succeeded" and popped["result"] == "carol"
    empty = await run(client, "orders", "pop")
    assert empty["status"] == "failed" and "empty" in empty["error"]["detail"]  # type: ignore[index]
    orders = (await client.get("/workspaces/shop/artefacts/orders")).json()
    assert orders["properties"]["items"] == [] and orders["revision"] == 3


async def test_fifty_concurrent_incs_leave_the_counter_exactly_fifty_higher(client: Client) -> None:
    await setup_shop(client)
    results = await asyncio.gather(*(run(client, "stock", "inc", wait=30) for _ in range(50)))
    assert all(r["status"] == "succeeded" for r in results)
    stock = (await client.get("/workspaces/shop/artefacts/stock")).json()
    assert stock["properties"]["count"] == 55 and stock["revision"] == 51
    revisions = sorted(int(r["artefact_revision"]) for r in results)  # type: ignore[call-overload]
    assert revisions == list(range(2, 52))


async def test_operations_run_in_arrival_order(client: Client) -> None:
    await setup_shop(client)
    accepted = [await run(client, "orders", "push", f"c{i}", wait=0) for i in range(10)]
    last = accepted[-1]["_links"]["self"]["href"]  # type: ignore[index]

    async def finished() -> bool:
        return bool((await client.get(last, headers={"Prefer": "wait=5"})).json()["status"] == "succeeded")

    assert await finished()
    items = (await client.get("/workspaces/shop/artefacts/orders")).json()["properties"]["items"]
    assert items == [f"c{i}" for i in range(10)]


async def test_past_property_values_by_time(client: Client) -> None:
    await setup_shop(client)
    await tick()
    between = datetime.now(UTC).isoformat()
    await tick()
    await run(client, "stock", "reset", 42)
    then = (await client.get("/workspaces/shop/artefacts/stock", params={"at": between})).json()
    assert then["properties"] == {"count": 5}


@pytest.mark.parametrize(
    ("op", "args", "status", "words"),
    [
        ("fly", [], 404, "inc()"),
        ("reset", [], 422, "reset expects (value: integer)"),
        ("reset", ["ten"], 422, "expected integer"),
        ("inc", [1], 422, "inc expects ()"),
    ],
)
async def test_wrong_calls_name_the_signature(
    client: Client, op: str, args: list[object], status: int, words: str
) -> None:
    await setup_shop(client)
    response = await client.post(f"/workspaces/shop/artefacts/stock/operations/{op}", json={"args": args})
    problem = assert_problem(response, status)
    assert words in problem["detail"]
    assert (await client.get("/workspaces/shop/artefacts/stock/invocations")).json()["count"] == 0


async def test_operations_on_missing_or_deleted_artefacts(client: Client) -> None:
    await setup_shop(client)
    assert_problem(await client.post("/workspaces/shop/artefacts/nope/operations/inc", json={}), 404)
    await client.delete("/workspaces/shop/artefacts/stock")
    assert_problem(await client.post("/workspaces/shop/artefacts/stock/operations/inc", json={}), 410)
    assert_problem(
        await client.post(
            "/workspaces/shop/artefacts/stock/operations/inc",
            content=b"[1]",
            headers={"content-type": "application/json"},
        ),
        422,
    )


async def test_invocations_are_listed_and_linked(client: Client) -> None:
    await setup_shop(client)
    done = await run(client, "stock", "inc")
    listed = (await client.get("/workspaces/shop/artefacts/stock/invocations")).json()
    assert listed["count"] == 1 and listed["_embedded"]["invocations"][0]["id"] == done["id"]
    links = done["_links"]
    assert links["artefact_revision"]["href"] == "/workspaces/shop/artefacts/stock/revisions/2"  # type: ignore[index]
    assert_problem(await client.get("/workspaces/shop/artefacts/stock/invocations/01m8064edjf6ft8459be4530n6"), 404)
