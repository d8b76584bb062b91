"""Hostile or mistyped inputs get a clear 400 problem, never a 500 nor a silent misreading."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar import Litestar

from romas.api.nesting import MAX_DEPTH, nesting_depth, too_deep
from tests.api.helpers import Client, assert_problem, put_agent

pytestmark = pytest.mark.anyio

DEEP = ("[" * 20_000 + "]" * 20_000).encode()


def _json_body_routes(app: Litestar) -> list[tuple[str, str]]:
    """Every (method, path) whose handler decodes a JSON body, with its path parameters filled in."""
    routes = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if "data" not in handler.parsed_fn_signature.parameters:
                continue
            path = re.sub(r"\{[^}:]+:int\}", "1", route.path)
            path = re.sub(r"\{[^}:]+:[a-z]+\}", "x", path)
            routes.extend((method, path) for method in sorted(handler.http_methods))
    return routes


async def test_json_nested_twenty_thousand_deep_is_a_400_on_every_json_body(client: Client) -> None:
    routes = _json_body_routes(client.app)
    assert len(routes) > 10  # agents, inbox, commands, workspaces, artefacts, operations, groups, deployments...
    for method, path in routes:
        content_type = "application/merge-patch+json" if method == "PATCH" else "application/json"
        for body in (DEEP, b"[" * 20_000, b'{"code": "", "metadata": ' + b'{"a": ' * 20_000 + b"1" + b"}" * 20_001):
            response = await client.request(method, path, content=body, headers={"content-type": content_type})
            problem = assert_problem(response, 400, "malformed-request")
            assert "levels deep" in problem["detail"], (method, path, problem)


async def test_json_nested_within_the_limit_is_read_as_before(client: Client) -> None:
    nested: Any = 1
    for _ in range(MAX_DEPTH - 2):
        nested = {"a": nested}
    await put_agent(client, "deep", code="", metadata={"m": nested})
    assert (await client.get("/agents/deep")).json()["metadata"]["m"]["a"]["a"] is not None


def test_nesting_depth_skips_strings_and_reads_malformed_bodies_as_a_decoder_would() -> None:
    assert nesting_depth(b'{"a": "}}}[[[", "b": [1, [2]], "c": "\\"[["}') == 3
    assert nesting_depth(b"[" * 500) == 500  # unterminated: a decoder would still recurse this deep
    assert nesting_depth(b'["' + b"[" * 500) == 1  # an unterminated string swallows the rest
    assert not too_deep(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH)
    assert too_deep(b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1))
    wide = b"[" + b",".join([b'[{"x": [1, {}]}]'] * 10_000) + b"]"
    assert not too_deep(wide)


MALFORMED_TAGS = ["1", "W/1", '"1', '"1" "2"', '"1", 2', "abc", '"1",*', 'w/"1"', ""]


async def test_a_malformed_entity_tag_is_a_400(client: Client) -> None:
    await put_agent(client, "alice")
    for header in ("If-Match", "If-None-Match"):
        for value in MALFORMED_TAGS:
            write = await client.put("/agents/alice", json={"code": "", "description": "x"}, headers={header: value})
            problem = assert_problem(write, 400, "malformed-request")
            assert header in problem["detail"]
    for value in MALFORMED_TAGS:
        assert_problem(await client.get("/agents/alice", headers={"If-None-Match": value}), 400, "malformed-request")
    assert (await client.get("/agents/alice")).json()["revision"] == 1


async def test_entity_tag_lists_follow_rfc_9110(client: Client) -> None:
    await put_agent(client, "alice")
    # A list with an empty element and a tag of ours: If-Match compares strongly, so W/"1" alone never matches.
    weak = await client.put("/agents/alice", json={"code": "", "description": "x"}, headers={"If-Match": 'W/"1"'})
    assert_problem(weak, 412, "precondition-failed")
    listed = await client.put(
        "/agents/alice", json={"code": "", "description": "x"}, headers={"If-Match": ' "7" ,, "a,b", "1" '}
    )
    assert listed.status_code == 200, listed.text
    # If-None-Match compares weakly (RFC 9110 §13.1.2).
    assert (await client.get("/agents/alice", headers={"If-None-Match": 'W/"2"'})).status_code == 304
    assert (await client.get("/agents/alice", headers={"If-None-Match": "*"})).status_code == 304


async def test_a_malformed_accept_datetime_is_a_400(client: Client) -> None:
    await put_agent(client, "alice")
    for value in (
        "Mon, 01 Jan 01 00:00:00 GMT",  # a two-digit year in the IMF-fixdate form
        "Sat, 21 Nov 2026 10:00:00 +0000",  # not GMT
        "Sat, 31 Feb 2026 10:00:00 GMT",  # no such day
        "2026-11-21T10:00:00Z",  # RFC 3339 belongs in ?at=
        "Sat, 21 Nov 2026 25:00:00 GMT",
        "yesterday",
    ):
        problem = assert_problem(await client.get("/agents/alice", headers={"Accept-Datetime": value}), 400)
        assert "Accept-Datetime" in problem["detail"]


async def test_accept_datetime_in_year_one_is_year_one_not_2001(client: Client) -> None:
    await put_agent(client, "alice")
    for value in ("Mon, 01 Jan 0001 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT", "Sun Nov  6 08:49:37 1994"):
        response = await client.get("/agents/alice", headers={"Accept-Datetime": value})
        if value.endswith("9999 23:59:59 GMT"):
            assert response.status_code == 200, response.text  # the far future sees the current revision
        else:
            problem = assert_problem(response, 404, "not-found")
            assert "2001" not in problem["detail"]
            assert "0001-01-01" in problem["detail"] or "1994" in problem["detail"]


async def test_at_is_strict_rfc_3339(client: Client) -> None:
    await put_agent(client, "alice")
    for value in (
        "20261121T100000Z",  # ISO 8601 basic format, not RFC 3339
        "2026-W47-6",  # ISO week date
        "2026-11-21T10:00:00",  # no time zone
        "2026-02-30T10:00:00Z",
        "2026-11-21T10:00:00+24:00",
        "0001-01-01T00:00:00+01:00",  # before the year 1 in UTC
        "9999-12-31T23:59:59-01:00",  # after the year 9999 in UTC
        "٢٠٢٦-11-21T10:00:00Z",  # digits of another script
        "2026-11-21T10:00Z",
    ):
        for path in ("/agents/alice", "/agents"):
            problem = assert_problem(await client.get(path, params={"at": value}), 400, "malformed-request")
            assert "at=" in problem["detail"]


async def test_at_accepts_what_rfc_3339_allows(client: Client) -> None:
    await put_agent(client, "alice")
    for value in ("9999-12-31T23:59:59.9999999+00:00", "9999-12-31t23:59:59z", "9999-12-31 10:00:00+01:30"):
        assert (await client.get("/agents/alice", params={"at": value})).status_code == 200
    assert_problem(await client.get("/agents/alice", params={"at": "0001-01-01"}), 404, "not-found")
