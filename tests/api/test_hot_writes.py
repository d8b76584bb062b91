"""The hot inbox POST (romas/api/hot_writes.py) answers exactly as the controller does: same status, headers and
body, same metrics route, the same events and metadata; every case it leaves to Litestar (errors, idempotency
keys, Prefer, answers to questions, tokens without the scope, CORS) still gets Litestar's answer, and a refused
message is written by neither."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from romas.api.hot_reads import Answer
from romas.api.hot_writes import HotWrites
from romas.config import Settings, parse_tokens
from romas.server import create_app
from tests.api.helpers import Client, assert_problem, put_agent
from tests.api.test_observability import scrape, series
from tests.runtime.helpers import eventually

pytestmark = pytest.mark.anyio

CODE = "count(0).\n+!inc <- ?count(C); -+count(C + 1).\n"
VARYING = ("id", "accepted_at")


def comparable(response: Any) -> tuple[int, dict[str, Any], dict[str, str]]:
    assert response.headers["x-request-id"]
    headers = {k: v for k, v in response.headers.items() if k not in ("x-request-id", "content-length")}
    body = response.json()
    message_id = body["id"]
    for name in ("location", "content-location"):
        headers[name] = headers[name].replace(message_id, "ID")
    body = msgspec.json.decode(msgspec.json.encode(body).replace(message_id.encode(), b"ID"))
    return response.status_code, {k: v for k, v in body.items() if k not in VARYING}, headers


async def test_the_hot_post_answers_as_the_controller_does(client: Client) -> None:
    await put_agent(client, "bob", code=CODE, state="stopped")
    assert (await client.patch("/agents/bob", json={"state": "running"})).status_code == 200
    body = {"performative": "achieve", "content": "inc", "expires_at": "2031-06-01T12:30:15.123456+02:00"}
    hot = await client.post("/agents/bob/inbox", json=body, headers={"X-Request-Id": "hot-1"})
    # A query string (one the handler ignores) sends the request through Litestar's routing.
    routed = await client.post("/agents/bob/inbox", json=body, params={"ignored": "1"})
    assert hot.status_code == 202, hot.text
    assert comparable(hot) == comparable(routed)
    assert "inc" in client.app.state.services.runtime.contents  # parsed once: its delivery takes the term
    read = (await client.get(hot.headers["location"])).json()
    assert read["accepted_at"] == hot.json()["accepted_at"] and read["id"] == hot.json()["id"]
    events = (await client.get("/events", params={"stream": hot.headers["location"]})).json()["_embedded"]["events"]
    accepted = events[0]
    assert accepted["type"] == "message.accepted"
    assert accepted["metadata"] == {"actor": "anonymous", "request_id": "hot-1"}
    requests = series(await scrape(client), "romas_http_requests_total")
    assert requests['{method="POST",route="/agents/{name}/inbox",status="202"}'] == 2.0


async def hot_answer(
    client: Client, method: str, path: str, body: bytes, *headers: tuple[bytes, bytes], query: bytes = b""
) -> Answer | None:
    """What the request layer answers to this request, or None; when it leaves the request to Litestar, Litestar
    must still receive the body as it came."""
    services = client.app.state.services
    hot = HotWrites(client.app.state.settings)
    scope: Any = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": query,
        "headers": [*headers, (b"content-length", str(len(body)).encode())],
    }
    sent = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> Any:
        return sent.pop(0) if sent else {"type": "http.disconnect"}

    async def run() -> tuple[Answer | None, bytes]:
        found, replay = await hot.answer(scope, receive, services)
        again = await replay()  # what Litestar would read: the body as it came
        return found, again.get("body", b"")

    # In the app's event loop (the test client runs it in a thread of its own), where its connections live.
    found, again = await asyncio.to_thread(client.blocking_portal.call, run)
    if found is None:
        assert again == body
    return found


async def test_the_plain_posts_are_answered_hot_and_the_others_left_to_litestar(client: Client) -> None:
    await put_agent(client, "bob", code=CODE)
    await put_agent(client, "sleepy", code=CODE, state="stopped")
    json = (b"content-type", b"application/json")

    async def answer(path: str, body: bytes, *headers: tuple[bytes, bytes], query: bytes = b"") -> Answer | None:
        return await hot_answer(client, "POST", path, body, *headers, query=query)

    tell = b'{"performative": "tell", "content": "sunny"}'
    found = await answer("/agents/bob/inbox", tell, json)
    assert found is not None and found.status == 202 and found.template == "/agents/{name}/inbox"
    assert await answer("/agents/bob/inbox", tell, (b"content-type", b"application/hal+json; charset=utf-8"))
    assert await answer("/agents/bob/inbox", tell, json, query=b"x=1") is None
    assert await answer("/agents/bob/inbox", tell, json, (b"idempotency-key", b"k")) is None
    assert await answer("/agents/bob/inbox", tell, json, (b"prefer", b"wait=1")) is None
    assert await answer("/agents/bob/inbox", tell, (b"content-type", b"text/plain")) is None
    assert await answer("/agents/bob/inbox", tell) is None
    assert await answer("/agents/bob/inbox", b'{"performative": "tell", "content": "sunny", "x": 1}', json) is None
    assert await answer("/agents/bob/inbox", b'{"performative": "tell", "content": "sun("}', json) is None
    assert await answer("/agents/bob/inbox", b'{"performative": "tell", "content": "a", "sender": "B"}', json) is None
    reply = b'{"performative": "tell", "content": "a", "in_reply_to": "x"}'
    assert await answer("/agents/bob/inbox", reply, json) is None
    assert await answer("/agents/Bob/inbox", tell, json) is None
    assert await answer("/agents/nobody/inbox", tell, json) is None
    assert await answer("/agents/sleepy/inbox", tell, json) is None
    listed = (await client.get("/agents/sleepy/inbox")).json()
    assert listed["count"] == 0  # refused: nothing written
    assert (await client.put("/workspaces/lab", json={})).status_code == 201
    counter = {"type": "counter", "properties": {"count": 0}}
    assert (await client.put("/workspaces/lab/artefacts/c", json=counter)).status_code == 201
    invoked = await answer("/workspaces/lab/artefacts/c/operations/inc", b'{"args": []}', json)
    assert invoked is not None and invoked.status == 202
    assert invoked.template == "/workspaces/{ws}/artefacts/{art}/operations/{operation}"
    assert await answer("/workspaces/lab/artefacts/c/operations/inc", b"{}", json) is not None
    assert await answer("/workspaces/lab/artefacts/c/operations/nope", b'{"args": []}', json) is None
    assert await answer("/workspaces/lab/artefacts/c/operations/Inc", b'{"args": []}', json) is None
    assert await answer("/workspaces/lab/artefacts/c/operations/inc", b'{"args": [1, 2, 3]}', json) is None
    assert await answer("/workspaces/lab/artefacts/d/operations/inc", b'{"args": []}', json) is None
    assert await answer("/workspaces/lab/artefacts/c/operations/inc", b'{"args": 1}', json) is None


async def test_what_the_hot_post_leaves_to_litestar(client: Client) -> None:
    await put_agent(client, "bob", code=CODE)
    await put_agent(client, "sleepy", code=CODE, state="stopped")
    tell = {"performative": "tell", "content": "sunny"}
    assert_problem(await client.post("/agents/nobody/inbox", json=tell), 404)
    assert_problem(await client.post("/agents/sleepy/inbox", json=tell), 409)
    assert_problem(await client.post("/agents/bob/inbox", json={**tell, "content": "sun("}), 422)
    assert_problem(await client.post("/agents/bob/inbox", json={**tell, "extra": 1}), 422)
    assert_problem(await client.post("/agents/bob/inbox", json={**tell, "expires_at": 3}), 422)
    assert_problem(await client.post("/agents/bob/inbox", content=b'{"performative": "tell",', headers={}), 415)
    malformed = await client.post(
        "/agents/bob/inbox", content=b'{"performative": "tell",', headers={"Content-Type": "application/json"}
    )
    assert_problem(malformed, 400)
    assert (await client.delete("/agents/bob")).status_code == 204
    assert_problem(await client.post("/agents/bob/inbox", json=tell), 410)
    assert (await client.get("/agents/sleepy/inbox")).json()["count"] == 0
    key = {"Idempotency-Key": "once"}
    await put_agent(client, "carol", code=CODE)
    first = await client.post("/agents/carol/inbox", json=tell, headers=key)
    second = await client.post("/agents/carol/inbox", json=tell, headers=key)
    assert first.status_code == second.status_code == 202
    assert first.json()["id"] == second.json()["id"] and second.headers["idempotent-replayed"] == "true"


async def test_the_hot_post_checks_tokens_as_the_hook_does(database_url: str) -> None:
    tokens = parse_tokens("viewer:look:read;op:o:operate;boss:b055:admin")
    async with AsyncTestClient(create_app(Settings(database_url=database_url, tokens=tokens))) as client:
        boss = {"Authorization": "Bearer b055"}
        response = await client.put("/agents/bob", json={"code": CODE}, headers=boss)
        assert response.status_code == 201
        tell = {"performative": "tell", "content": "sunny"}
        assert_problem(await client.post("/agents/bob/inbox", json=tell), 401)
        assert_problem(await client.post("/agents/bob/inbox", json=tell, headers={"Authorization": "Bearer x"}), 401)
        assert_problem(await client.post("/agents/bob/inbox", json=tell, headers={"Authorization": "Bearer look"}), 403)
        sent = await client.post("/agents/bob/inbox", json=tell, headers={"Authorization": "Bearer o"})
        assert sent.status_code == 202 and sent.json()["sender"] == "op"
        assert (await client.post("/agents/bob/inbox", json=tell, headers=boss)).json()["sender"] == "boss"


async def test_the_hot_invocation_answers_as_the_controller_does(client: Client) -> None:
    assert (await client.put("/workspaces/lab", json={})).status_code == 201
    counter = {"type": "counter", "properties": {"count": 0}}
    assert (await client.put("/workspaces/lab/artefacts/c", json=counter)).status_code == 201
    path = "/workspaces/lab/artefacts/c/operations/inc"
    hot = await client.post(path, json={"args": []}, headers={"X-Request-Id": "hot-2"})
    routed = await client.post(path, json={"args": []}, params={"ignored": "1"})
    assert hot.status_code == 202, hot.text
    assert comparable(hot) == comparable(routed)
    assert hot.headers["location"].startswith("/workspaces/lab/artefacts/c/invocations/")
    requests = series(await scrape(client), "romas_http_requests_total")
    route = "/workspaces/{ws}/artefacts/{art}/operations/{operation}"
    assert requests[f'{{method="POST",route="{route}",status="202"}}'] == 2.0
    assert_problem(await client.post("/workspaces/lab/artefacts/c/operations/nope", json={"args": []}), 404)
    assert_problem(await client.post("/workspaces/lab/artefacts/c/operations/inc", json={"args": [1, 2, 3]}), 422)
    assert_problem(await client.post("/workspaces/lab/artefacts/zz/operations/inc", json={"args": []}), 404)
    assert_problem(await client.post("/workspaces/lab/artefacts/c/operations/inc", json={"argz": []}), 422)

    async def counted() -> bool:
        state = (await client.get("/workspaces/lab/artefacts/c")).json()
        return bool(state["properties"]["count"] == 2)

    await eventually(counted, what="both invocations to run")
    assert (await client.delete("/workspaces/lab/artefacts/c")).status_code == 204
    assert_problem(await client.post(path, json={"args": []}), 410)


def comparable_agent(response: Any, name: str) -> tuple[int, dict[str, Any], dict[str, str]]:
    """An agent's answer with its name, instant and request id left out, to compare two agents' answers."""
    assert response.headers["x-request-id"]
    headers = {k: v.replace(f"/agents/{name}", "/agents/NAME") for k, v in response.headers.items()}
    headers = {k: v for k, v in headers.items() if k not in ("x-request-id", "content-length")}
    body = msgspec.json.decode(
        msgspec.json.encode(response.json()).replace(f"/agents/{name}".encode(), b"/agents/NAME")
    )
    return response.status_code, {k: v for k, v in body.items() if k not in ("name", "updated_at")}, headers


async def test_the_hot_code_put_answers_as_the_controller_does(client: Client) -> None:
    asl = {"Content-Type": "text/x-asl"}

    async def both(code: str, status: int) -> None:
        hot = await client.put("/agents/dora/code", content=code, headers={**asl, "X-Request-Id": "hot-3"})
        # A query string (one the handler ignores) sends the request through Litestar's routing.
        routed = await client.put("/agents/erin/code", content=code, headers=asl, params={"ignored": "1"})
        assert hot.status_code == status, hot.text
        assert comparable_agent(hot, "dora") == comparable_agent(routed, "erin")

    await both(CODE, 201)
    await both(CODE + "// two\n", 200)
    await both(CODE + "// two\n", 200)  # the same code: no new revision
    assert (await client.get("/agents/dora")).json()["revision"] == 2
    events = (await client.get("/events", params={"stream": "/agents/dora"})).json()["_embedded"]["events"]
    assert [e["type"] for e in events] == ["agent.created", "agent.updated"]
    assert events[1]["metadata"] == {"actor": "anonymous", "request_id": "hot-3"}
    requests = series(await scrape(client), "romas_http_requests_total")
    assert requests['{method="PUT",route="/agents/{name}/code",status="200"}'] == 4.0
    text = {"Content-Type": "text/plain; charset=utf-8"}
    assert (await client.put("/agents/dora/code", content=CODE + "// three\n", headers=text)).status_code == 200
    assert (await client.get("/agents/dora")).json()["revision"] == 3


async def test_what_the_hot_code_put_leaves_to_litestar(client: Client) -> None:
    await put_agent(client, "bob", code=CODE)
    asl = (b"content-type", b"text/x-asl")

    async def answer(path: str, body: bytes, *headers: tuple[bytes, bytes]) -> Answer | None:
        return await hot_answer(client, "PUT", path, body, *headers)

    code = (CODE + "// hot\n").encode()
    found = await answer("/agents/bob/code", code, asl)
    assert found is not None and found.status == 200 and found.template == "/agents/{name}/code"
    assert await answer("/agents/bob/code", code, (b"content-type", b"text/x-asl; charset=latin-1")) is None
    assert await answer("/agents/bob/code", code, (b"content-type", b"application/json")) is None
    assert await answer("/agents/bob/code", code) is None
    assert await answer("/agents/bob/code", code, asl, (b"if-match", b'"2"')) is None
    assert await answer("/agents/bob/code", code, asl, (b"if-none-match", b"*")) is None
    assert await answer("/agents/bob/code", code, asl, (b"idempotency-key", b"k")) is None
    assert await answer("/agents/bob/code", b"+!g <- .print(.", asl) is None
    assert await answer("/agents/bob/code", b"\xff\xfe", asl) is None
    assert await answer("/agents/Bob/code", code, asl) is None
    assert (await client.get("/agents/bob")).json()["revision"] == 2  # only the plain one wrote
    headers = {"Content-Type": "text/x-asl"}
    invalid = assert_problem(await client.put("/agents/bob/code", content="+!g <- .print(.", headers=headers), 422)
    assert invalid["errors"][0]["line"] == 1
    assert_problem(await client.put("/agents/bob/code", content=code, headers={**headers, "If-Match": '"1"'}), 412)
    assert_problem(await client.put("/agents/bob/code", content=code, headers={**headers, "If-None-Match": "*"}), 412)
    assert (await client.get("/agents/bob")).json()["revision"] == 2


async def test_the_hot_code_put_checks_tokens_and_required_preconditions(database_url: str) -> None:
    tokens = parse_tokens("viewer:look:read;op:o:operate;dev:d3v:write+read")
    asl = {"Content-Type": "text/x-asl"}
    async with AsyncTestClient(create_app(Settings(database_url=database_url, tokens=tokens))) as client:
        assert_problem(await client.put("/agents/bob/code", content=CODE, headers=asl), 401)
        look = {**asl, "Authorization": "Bearer look"}
        assert_problem(await client.put("/agents/bob/code", content=CODE, headers=look), 403)
        operate = {**asl, "Authorization": "Bearer o"}
        assert_problem(await client.put("/agents/bob/code", content=CODE, headers=operate), 403)
        dev = {**asl, "Authorization": "Bearer d3v"}
        created = await client.put("/agents/bob/code", content=CODE, headers=dev)
        assert created.status_code == 201, created.text
        events = (await client.get("/events", params={"stream": "/agents/bob"}, headers=dev)).json()
        assert [e["metadata"]["actor"] for e in events["_embedded"]["events"]] == ["dev"]
    required = Settings(database_url=database_url, require_preconditions=True)
    async with AsyncTestClient(create_app(required)) as client:
        assert_problem(await client.put("/agents/bob/code", content=CODE + "// 2\n", headers=asl), 428)
        updated = await client.put("/agents/bob/code", content=CODE + "// 2\n", headers={**asl, "If-Match": '"1"'})
        assert updated.status_code == 200 and updated.json()["revision"] == 2


async def test_the_hot_invocation_checks_the_type_the_artefact_has_now(client: Client) -> None:
    """The hot path remembers an artefact's type; an artefact deleted and made again with another type is not
    invoked as the old one (the accept checks the type in its statement), and nothing is written for the stale
    call."""
    json = (b"content-type", b"application/json")
    assert (await client.put("/workspaces/lab", json={})).status_code == 201
    assert (await client.put("/workspaces/lab/artefacts/c", json={"type": "counter"})).status_code == 201
    inc = "/workspaces/lab/artefacts/c/operations/inc"
    found = await hot_answer(client, "POST", inc, b'{"args": []}', json)
    assert found is not None and found.status == 202  # the counter's type is remembered from here on
    assert (await client.delete("/workspaces/lab/artefacts/c")).status_code == 204
    assert (await client.put("/workspaces/lab/artefacts/c", json={"type": "queue"})).status_code == 201
    assert await hot_answer(client, "POST", inc, b'{"args": []}', json) is None  # a queue has no inc
    assert_problem(await client.post(inc, json={"args": []}), 404)
    push = "/workspaces/lab/artefacts/c/operations/push"
    found = await hot_answer(client, "POST", push, b'{"args": [1]}', json)
    assert found is not None and found.status == 202
    invocations = (await client.get("/workspaces/lab/artefacts/c/invocations")).json()
    # The first inc and the push: the stale inc wrote nothing.
    assert sorted(i["operation"] for i in invocations["_embedded"]["invocations"]) == ["inc", "push"]
    assert (await client.delete("/workspaces/lab/artefacts/c")).status_code == 204
    assert await hot_answer(client, "POST", push, b'{"args": [1]}', json) is None
    assert_problem(await client.post(push, json={"args": [1]}), 410)


async def test_a_content_accepted_before_is_not_parsed_again_and_stored_as_printed(client: Client) -> None:
    await put_agent(client, "bob", code=CODE)
    json = (b"content-type", b"application/json")
    contents = client.app.state.services.runtime.contents
    spaced = await hot_answer(client, "POST", "/agents/bob/inbox", b'{"performative":"tell","content":"p( 3 )"}', json)
    assert spaced is not None and msgspec.json.decode(spaced.body)["content"] == "p(3)"
    assert contents.parsed("p( 3 )") is None and contents.parsed("p(3)") is None, "only a text in its printed form"
    for _ in range(2):
        again = await hot_answer(client, "POST", "/agents/bob/inbox", b'{"performative":"tell","content":"p(3)"}', json)
        assert again is not None and again.status == 202
        assert msgspec.json.decode(again.body)["content"] == "p(3)"
        assert contents.parsed("p(3)") is not None
    spaced = await hot_answer(client, "POST", "/agents/bob/inbox", b'{"performative":"tell","content":"p( 3 )"}', json)
    assert spaced is not None and msgspec.json.decode(spaced.body)["content"] == "p(3)"


async def test_hot_invocations_arriving_together_are_accepted_together_each_with_its_own_outcome(
    client: Client,
) -> None:
    """Invocations that wait for the store at the same time share one write (romas/store/together.py); each
    request still gets its own answer and its own event metadata, refusals write nothing."""
    assert (await client.put("/workspaces/lab", json={})).status_code == 201
    assert (await client.put("/workspaces/lab/artefacts/c", json={"type": "counter"})).status_code == 201
    assert (await client.put("/workspaces/lab/artefacts/b", json={"type": "board"})).status_code == 201
    ops: list[tuple[str, str, list[Any]]] = [("c", "inc", [])] * 12 + [
        ("b", "put", ["k", 1]),
        ("zz", "inc", []),
        ("c", "reset", [1, 2]),
    ]
    answers = await asyncio.gather(
        *(
            client.post(
                f"/workspaces/lab/artefacts/{art}/operations/{op}",
                json={"args": args},
                headers={"X-Request-Id": f"r{n}"},
            )
            for n, (art, op, args) in enumerate(ops)
        )
    )
    assert [a.status_code for a in answers] == [202] * 13 + [404, 422]
    ids = {a.json()["id"]: f"r{n}" for n, a in enumerate(answers[:13])}
    assert len(ids) == 13

    async def counted() -> bool:
        return bool((await client.get("/workspaces/lab/artefacts/c")).json()["properties"]["count"] == 12)

    await eventually(counted, what="the twelve increments to run")
    events = (await client.get("/events", params={"stream_type": "invocation", "limit": 100})).json()
    accepted = [e for e in events["_embedded"]["events"] if e["type"] == "invocation.accepted"]
    assert {e["data"]["id"]: e["metadata"]["request_id"] for e in accepted} == ids
