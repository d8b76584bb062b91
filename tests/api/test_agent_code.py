"""``/agents/{name}/code``: hot deployment of text/x-asl, code revisions and diffs."""

from __future__ import annotations

import pytest

from tests.api.helpers import GOOD_CODE, Client, assert_problem, put_agent
from tests.runtime.helpers import command

pytestmark = pytest.mark.anyio
ASL = {"content-type": "text/x-asl; charset=utf-8"}


async def test_get_code_is_text_x_asl_with_etag(client: Client) -> None:
    await put_agent(client)
    response = await client.get("/agents/alice/code")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/x-asl")
    assert response.headers["etag"] == '"1"'
    assert response.text == GOOD_CODE


async def test_put_code_deploys_a_new_revision_keeping_the_rest(client: Client) -> None:
    await put_agent(client, description="keeps", state="stopped")
    new = GOOD_CODE + "+!again <- !start.\n"
    response = await client.put("/agents/alice/code", content=new.encode(), headers=ASL)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["code"] == new and body["code_revision"] == 2 and body["revision"] == 2
    assert body["description"] == "keeps" and body["state"] == "stopped"
    plain = await client.put("/agents/alice/code", content=b"+!x <- true.\n", headers={"content-type": "text/plain"})
    assert plain.status_code == 200 and plain.json()["code_revision"] == 3


async def test_put_code_of_a_new_agent_creates_it(client: Client) -> None:
    response = await client.put("/agents/zed/code", content=GOOD_CODE.encode(), headers=ASL)
    assert response.status_code == 201 and response.headers["location"] == "/agents/zed"
    assert response.json()["state"] == "running"


async def test_code_that_does_not_parse_changes_nothing(client: Client) -> None:
    await put_agent(client)
    response = await client.put("/agents/alice/code", content=b"+!start <- .print(\n", headers=ASL)
    problem = assert_problem(response, 422, "invalid-code")
    assert problem["errors"][0]["line"] >= 1 and problem["errors"][0]["column"] >= 1
    assert (await client.get("/agents/alice")).json()["revision"] == 1


async def test_wrong_media_type_and_bad_utf8(client: Client) -> None:
    await put_agent(client)
    assert_problem(await client.put("/agents/alice/code", json={"code": "x"}), 415, "unsupported-media-type")
    assert_problem(
        await client.put("/agents/alice/code", content=b"a.", headers={"content-type": "text/x-asl; charset=latin-1"}),
        415,
    )
    bad = await client.put("/agents/alice/code", content=b"ok.\n\xff\xfe", headers=ASL)
    problem = assert_problem(bad, 422)
    assert problem["errors"][0]["line"] == 2


async def test_if_match_on_code(client: Client) -> None:
    await put_agent(client)
    stale = await client.put("/agents/alice/code", content=b"a.", headers={**ASL, "If-Match": '"5"'})
    assert_problem(stale, 412)
    ok = await client.put("/agents/alice/code", content=b"a.", headers={**ASL, "If-Match": '"1"'})
    assert ok.status_code == 200


async def test_code_revisions_list_only_code_changes(client: Client) -> None:
    await put_agent(client)
    await client.patch("/agents/alice", json={"description": "only words"})
    await client.put("/agents/alice/code", content=b"b.\n", headers=ASL)
    listed = (await client.get("/agents/alice/code/revisions")).json()
    assert [r["revision"] for r in listed["_embedded"]["revisions"]] == [3, 1]
    assert listed["_embedded"]["revisions"][0]["_links"]["self"]["href"] == "/agents/alice/code/revisions/3"
    old = await client.get("/agents/alice/code/revisions/1")
    assert old.text == GOOD_CODE and old.headers["content-type"].startswith("text/x-asl")
    assert "memento-datetime" in old.headers


async def test_code_at_an_instant(client: Client) -> None:
    await put_agent(client)
    await client.put("/agents/alice/code", content=b"b.\n", headers=ASL)
    old = await client.get("/agents/alice/code", params={"at": "2100-01-01T00:00:00Z"})
    assert old.text == "b.\n" and old.headers["content-location"] == "/agents/alice/code/revisions/2"


async def test_diff_between_revisions(client: Client) -> None:
    await put_agent(client, code="a.\nb.\n")
    await client.put("/agents/alice/code", content=b"a.\nc.\n", headers=ASL)
    response = await client.get("/agents/alice/diff?from=1&to=2")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/x-diff")
    assert "-b.\n" in response.text and "+c.\n" in response.text and "a/alice.asl@1" in response.text
    default = await client.get("/agents/alice/diff")
    assert default.text == response.text
    assert_problem(await client.get("/agents/alice/diff?from=1&to=9"), 404)
    assert_problem(await client.get("/agents/alice/diff?from=zero"), 400)
    assert_problem(await client.get("/agents/nobody/diff"), 404)


async def test_restore_code_only(client: Client) -> None:
    await put_agent(client, code="a.\n", description="one")
    await client.put("/agents/alice", json={"code": "b.\n", "description": "two"})
    response = await client.post("/agents/alice/code/revisions/1/restore")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["code"] == "a.\n" and body["description"] == "two" and body["revision"] == 3


async def test_validate_checks_code_with_the_same_parser_and_stores_nothing(client: Client) -> None:
    await put_agent(client, "checked")
    asl = {"Content-Type": "text/x-asl"}
    ok = await client.post("/agents/checked/code/validate", content="+!go <- .print(hi).\n", headers=asl)
    assert (ok.status_code, ok.json()) == (200, [])
    bad = await client.post("/agents/checked/code/validate", content="+!go <- .print(hi).\n+!x <- ..\n", headers=asl)
    problem = assert_problem(bad, 422, "invalid-code")
    assert [(e["line"], e["column"]) for e in problem["errors"]] == [(2, 8)]
    assert_problem(await client.post("/agents/checked/code/validate", json={"code": "x."}), 415)
    assert (await client.get("/agents/checked")).json()["revision"] == 1


async def test_the_console_is_served_and_linked_from_the_entry_point(client: Client) -> None:
    assert (await client.get("/")).json()["_links"]["console"]["href"] == "/console"
    page = await client.get("/console")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "/console/static/app.js" in page.text
    script = await client.get("/console/static/vendor/vendor.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]


LIBRARY = '+!greet(N) <- .print("hello ", N).\n'


async def test_include_reads_another_agent_of_the_set(client: Client) -> None:
    await put_agent(client, "library", code=LIBRARY, state="stopped")
    code = '{ include("library.asl") }\n!greet(1).\n'
    response = await client.put("/agents/user/code", content=code.encode(), headers=ASL)
    assert response.status_code == 201, response.text
    result = await command(client, "user", "!greet(2)")
    assert result["status"] == "succeeded", result
    assert result["result"]["output"] == ["hello 2"]
    check = await client.post("/agents/user/code/validate", content=code.encode(), headers=ASL)
    assert check.status_code == 200, check.text


@pytest.mark.parametrize("path", ["/etc/passwd", "../library.asl", "nobody.asl", "lib/library.asl"])
async def test_include_outside_the_agent_set_is_refused(client: Client, path: str) -> None:
    await put_agent(client, "library", code=LIBRARY, state="stopped")
    code = f'ok.\n  {{ include("{path}") }}\n'
    response = await client.put("/agents/user/code", content=code.encode(), headers=ASL)
    problem = assert_problem(response, 422, "invalid-code")
    error = problem["errors"][0]
    assert (error["line"], error["column"]) == (2, 3)
    assert error["message"].startswith("include: ")
    assert (await client.get("/agents/user")).status_code == 404
