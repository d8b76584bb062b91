"""The console's pages of every other resource, in a real browser against a real ``romas serve`` with the bakery:
the overview kept live by the event stream, an artefact's operations run from their forms, the history, diff and
restore of workspaces, artefacts, organisations, groups, schemes and whole agents, and an agent's mind, commands
and traffic. Screenshots of each page are kept under the test's tmp dir.

The first two tests share a bakery per database, in either order: the mind's test adds an agent of its own and reads
what the seller sent only as far as it finds it; the other changes the shop but never looks at that agent."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.console.conftest import SAMPLE, START_S, WAIT_MS
from tests.e2e.server import ServerProcess, running_server

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
NAPPER = """// Walt naps when asked to, and wakes ten minutes later.
+!nap
   <- .print("Walt: dozing off");
      .wait(600000);
      .print("Walt: awake").
"""


def revisions(client: httpx.Client, base: str) -> list[dict[str, Any]]:
    body = client.get(f"{base}/revisions", params={"limit": 100}).json()
    return list(body["_embedded"]["revisions"])


def compare_and_restore(page: Any, panel: str, older: int, newer: int, seen: str) -> None:
    """Pick two revisions in the history panel and see the change side by side."""
    from playwright.sync_api import expect

    history = page.locator(panel)
    history.locator(f'tr[data-revision="{older}"] input.from').check()
    history.locator(f'tr[data-revision="{newer}"] input.to').check()
    history.locator("button.compare").click()
    expect(history.locator(".cm-mergeView")).to_contain_text(seen, timeout=WAIT_MS)
    expect(history.locator(".cm-changedLine").first).to_be_visible()
    expect(history.locator("h3")).to_contain_text(f"Revision {older} (left) and revision {newer} (right)")


def test_every_resource_has_its_page_history_diff_and_restore(
    chromium: Any, shared_sample_server: ServerProcess, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    shots = tmp_path / "screenshots"
    shots.mkdir()
    client = httpx.Client(base_url=shared_sample_server.url, timeout=20)
    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    console = f"{shared_sample_server.url}/console"

    # The overview follows the event stream: a change made elsewhere shows without reloading the page.
    page.goto(console)
    stock_count = page.locator('#workspaces tr[data-artefact="stock"] [data-prop="count"]')
    expect(stock_count).to_have_text("2", timeout=WAIT_MS)
    expect(page.locator("header .live.on")).to_be_visible(timeout=WAIT_MS)
    # The changed value is marked until the overview is next read, which any later event does (the bakery's agents
    # react to the stock): the page notes the mark when it appears rather than the test racing the next read.
    page.evaluate(
        """(selector) => {
            window.markedChanged = false;
            new MutationObserver(() => {
                if (document.querySelector(selector + ".changed")) window.markedChanged = true;
            }).observe(document.body, { subtree: true, childList: true, attributes: true });
        }""",
        '#workspaces tr[data-artefact="stock"] [data-prop="count"]',
    )
    done = client.post(
        "/workspaces/bakery/artefacts/stock/operations/inc", json={"args": []}, headers={"Prefer": "wait=10"}
    )
    assert done.status_code == 200, done.text
    expect(stock_count).to_have_text("3", timeout=WAIT_MS)
    page.wait_for_function("() => window.markedChanged", timeout=WAIT_MS)

    # The artefact's page: its operations as forms built from the artefact's own description of them.
    page.locator('#workspaces tr[data-artefact="stock"] a').click()
    expect(page.locator("h1")).to_contain_text("Artefact stock", timeout=WAIT_MS)
    reset = page.locator('form[data-operation="reset"]')
    expect(reset).to_contain_text("reset(value: integer)")
    reset.locator("button.run").click()
    expect(reset.locator(".result")).to_contain_text("refused: value must be a whole number", timeout=WAIT_MS)
    reset.locator('input[name="value"]').fill("7")
    reset.locator("button.run").click()
    expect(reset.locator(".result")).to_contain_text("succeeded", timeout=WAIT_MS)
    expect(page.locator('#properties [data-prop="count"]')).to_have_text("7", timeout=WAIT_MS)
    expect(page.locator("#invocations")).to_contain_text("reset(7)", timeout=WAIT_MS)
    assert client.get("/workspaces/bakery/artefacts/stock").json()["properties"]["count"] == 7

    # Its history: the reset beside the revision before it, then that revision restored with one click.
    stock = "/workspaces/bakery/artefacts/stock"
    newest, before = (r["revision"] for r in revisions(client, stock)[:2])
    expect(page.locator(f'#history tr[data-revision="{newest}"]')).to_contain_text("reset(7)", timeout=WAIT_MS)
    compare_and_restore(page, "#history", before, newest, "count: 7")
    page.screenshot(path=shots / "10-artefact.png", full_page=True)
    page.locator(f'#history tr[data-revision="{before}"] button.restore').click()
    expect(page.locator("#history .history-notice")).to_contain_text(
        f"Restored revision {before}: it is now revision {newest + 1}", timeout=WAIT_MS
    )
    expect(page.locator('#properties [data-prop="count"]')).to_have_text("3", timeout=WAIT_MS)
    assert client.get(stock).json()["properties"]["count"] == 3

    # An operation that returns a value shows it.
    page.goto(f"{console}#/workspaces/bakery/artefacts/orders")
    push = page.locator('form[data-operation="push"]')
    push.locator('input[name="item"]').fill('"rye loaf"', timeout=WAIT_MS)
    push.locator("button.run").click()
    expect(push.locator(".result")).to_contain_text("succeeded", timeout=WAIT_MS)
    pop = page.locator('form[data-operation="pop"]')
    pop.locator("button.run").click()
    expect(pop.locator(".result")).to_contain_text('result "rye loaf"', timeout=WAIT_MS)
    pop.locator("button.run").click()
    expect(pop.locator(".result")).to_contain_text("queue is empty", timeout=WAIT_MS)
    page.screenshot(path=shots / "11-operations.png", full_page=True)

    # A deleted artefact: its page says so, its history stays readable, and a restore brings it back.
    tally = "/workspaces/bakery/artefacts/tally"
    assert client.put(tally, json={"type": "counter", "properties": {"count": 5}}).status_code == 201
    assert client.delete(tally).status_code == 204
    page.goto(f"{console}#{tally}")
    expect(page.locator(".notice.warn")).to_contain_text("This artefact was deleted", timeout=WAIT_MS)
    expect(page.locator('#history tr[data-revision="2"]')).to_contain_text("deleted")
    expect(page.locator('#history tr[data-revision="2"] button.restore')).to_have_count(0)
    compare_and_restore(page, "#history", 1, 2, "revision 2 deleted the resource")
    page.locator('#history tr[data-revision="1"] button.restore').click()
    expect(page.locator('#properties [data-prop="count"]')).to_have_text("5", timeout=WAIT_MS)
    assert client.get(tally).json()["properties"] == {"count": 5}

    # A workspace changed elsewhere: the new revision appears live; compared; the first one restored.
    page.goto(f"{console}#/workspaces/bakery")
    expect(page.locator('#artefacts tr[data-artefact="till"]')).to_be_visible(timeout=WAIT_MS)
    old_description = client.get("/workspaces/bakery").json()["description"]
    changed = client.put("/workspaces/bakery", json={"description": "The bakery, repainted blue."})
    assert changed.status_code == 200, changed.text
    expect(page.locator('#history tr[data-revision="2"]')).to_be_visible(timeout=WAIT_MS)
    expect(page.locator(".lead")).to_contain_text("repainted blue", timeout=WAIT_MS)
    compare_and_restore(page, "#history", 1, 2, "repainted blue")
    page.screenshot(path=shots / "12-workspace.png", full_page=True)
    page.locator('#history tr[data-revision="1"] button.restore').click()
    expect(page.locator('#history tr[data-revision="3"]')).to_contain_text("restored", timeout=WAIT_MS)
    assert client.get("/workspaces/bakery").json()["description"] == old_description

    # The organisation's specification: its history on the organisation's page.
    spec = client.get("/organisations/shop").json()
    body = {key: spec[key] for key in ("roles", "groups", "schemes", "norms")}
    body["description"] = "The bakery's rules, as of this week."
    assert client.put("/organisations/shop", json=body).status_code == 200
    page.goto(f"{console}#/organisations/shop")
    expect(page.locator("#structure")).to_contain_text("bakery_team", timeout=WAIT_MS)
    expect(page.locator('tr[data-obligation="n_bake"]').first).to_contain_text("commit to m_bake")
    compare_and_restore(page, "#history", 1, 2, "as of this week")
    page.screenshot(path=shots / "13-organisation-history.png", full_page=True)
    page.locator('#history tr[data-revision="1"] button.restore').click()
    expect(page.locator('#history tr[data-revision="3"]')).to_be_visible(timeout=WAIT_MS)
    assert client.get("/organisations/shop").json()["description"] == spec["description"]

    # A group: its players, its history, and the membership before a newcomer restored.
    assert client.put("/agents/ada", json={"code": '+!greet <- .print("Ada: hello").'}).status_code == 201
    team = "/organisations/shop/groups/team"
    before_ada = revisions(client, team)[0]["revision"]
    joined = client.post(f"{team}/players", json={"agent": "ada", "role": "customer"})
    assert joined.status_code in (200, 201), joined.text
    page.locator('a[href="#/organisations/shop/groups/team"]').first.click()
    expect(page.locator('#players tr[data-player="ada"]')).to_contain_text("customer", timeout=WAIT_MS)
    with_ada = revisions(client, team)[0]["revision"]
    compare_and_restore(page, "#history", before_ada, with_ada, '"ada"')
    page.screenshot(path=shots / "14-group.png", full_page=True)
    page.locator(f'#history tr[data-revision="{before_ada}"] button.restore').click()
    expect(page.locator("#history .history-notice")).to_contain_text(
        f"Restored revision {before_ada}: it is now revision {with_ada + 1}", timeout=WAIT_MS
    )
    expect(page.locator('#players tr[data-player="ada"]')).to_have_count(0, timeout=WAIT_MS)
    assert "ada" not in [p["agent"] for p in client.get(team).json()["players"]]
    carol_joined = next(r["revision"] for r in revisions(client, team) if r["summary"] == "carol adopted customer")

    # A scheme: its goal tree with states, its commitments and its history.
    page.goto(f"{console}#/organisations/shop/schemes/today")
    expect(page.locator('#goals li[data-goal="bread_sold"]')).to_contain_text("satisfied", timeout=WAIT_MS)
    expect(page.locator("#commitments")).to_contain_text("m_bake")
    today = "/organisations/shop/schemes/today"
    scheme_history = revisions(client, today)
    sold, baked = scheme_history[0]["revision"], scheme_history[1]["revision"]
    compare_and_restore(page, "#history", baked, sold, 'state: "satisfied"')
    expect(page.locator("#history")).to_contain_text("sam achieved bread_sold")
    page.screenshot(path=shots / "15-scheme.png", full_page=True)
    page.locator(f'#history tr[data-revision="{baked}"] button.restore').click()
    expect(page.locator("#history .history-notice")).to_contain_text(f"Restored revision {baked}", timeout=WAIT_MS)
    assert any(r["summary"].startswith(f"restored revision {baked}") for r in revisions(client, today))

    # With bread to sell again, sam may not leave the team: restoring carol's lone revision is refused, plainly.
    page.locator(".lead a", has_text="team").click()
    page.locator(f'#history tr[data-revision="{carol_joined}"] button.restore').click()
    expect(page.locator("#history .history-notice")).to_contain_text("cannot be restored", timeout=WAIT_MS)
    expect(page.locator("#history .history-notice")).to_contain_text("sam is committed to mission m_sell")
    page.screenshot(path=shots / "16-refused.png", full_page=True)

    # A whole agent (description, state, metadata and code): its history on its page.
    bob = client.get("/agents/bob").json()
    patched = client.patch("/agents/bob", json={"description": "The baker, now also on weekends."})
    assert patched.status_code == 200, patched.text
    page.goto(f"{console}#/agents/bob")
    agent_history = page.locator("#agent-history")
    expect(agent_history.locator('tr[data-revision="2"]')).to_be_visible(timeout=WAIT_MS)
    compare_and_restore(page, "#agent-history", 1, 2, "also on weekends")
    agent_history.locator('tr[data-revision="1"] button.restore').click()
    expect(agent_history.locator('tr[data-revision="3"]')).to_be_visible(timeout=WAIT_MS)
    assert client.get("/agents/bob").json()["description"] == bob["description"]
    page.screenshot(path=shots / "17-agent-history.png", full_page=True)

    # A long history comes a page at a time: the newest fifty, then older ones on request.
    for count in range(6, 61):
        assert client.put(tally, json={"type": "counter", "properties": {"count": count}}).status_code == 200
    total = len(revisions(client, tally))
    assert total > 50
    page.goto(f"{console}#{tally}")
    rows = page.locator("#history tr[data-revision]")
    expect(rows).to_have_count(50, timeout=WAIT_MS)
    expect(page.locator("#history")).to_contain_text("newest 50 shown")
    page.locator("#history button.older").click()
    expect(page.locator('#history tr[data-revision="1"]')).to_contain_text("created", timeout=WAIT_MS)
    expect(rows).to_have_count(total)
    expect(page.locator("#history button.older")).to_have_count(0)

    # The timeline follows the event log while nobody moves its slider: a new change shows as "now".
    page.goto(f"{console}#/time")
    now_count = page.locator('#past tr[data-artefact="stock"] [data-prop="count"]')
    expect(now_count).to_have_text("3", timeout=WAIT_MS)
    done = client.post(
        "/workspaces/bakery/artefacts/stock/operations/inc", json={"args": []}, headers={"Prefer": "wait=10"}
    )
    assert done.status_code == 200, done.text
    expect(now_count).to_have_text("4", timeout=WAIT_MS)
    expect(page.locator("#now")).to_be_disabled()
    page.locator("#slider").press("Home")
    expect(page.locator('#past[data-index="0"]')).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("#now")).to_be_enabled()

    assert not errors, errors
    page.close()
    client.close()


def test_an_agents_mind_commands_and_traffic(
    chromium: Any, shared_sample_server: ServerProcess, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    client = httpx.Client(base_url=shared_sample_server.url, timeout=20)
    created = client.put("/agents/walt", json={"code": NAPPER, "description": "A napper."})
    assert created.status_code == 201, created.text
    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{shared_sample_server.url}/console#/agents/walt")
    expect(page.locator("#code .cm-content")).to_contain_text("Walt naps", timeout=WAIT_MS)

    # A message that starts a long intention: the mind shows the plan and the line it is at.
    page.locator("#performative").select_option("achieve")
    page.locator("#content").fill("nap")
    page.locator("#send-button").click()
    expect(page.locator("#log")).to_contain_text("Walt: dozing off", timeout=WAIT_MS)
    deadline = time.monotonic() + START_S
    while not client.get("/agents/walt/mind").json()["intentions"]:
        assert time.monotonic() < deadline, "walt's nap never became an intention"
        time.sleep(0.2)
    frame = client.get("/agents/walt/mind").json()["intentions"][0]["stack"][-1]
    intention = page.locator("#mind .intention").first
    expect(intention).to_contain_text("+!nap", timeout=WAIT_MS)
    expect(intention).to_contain_text(f"plan {frame['plan']}, line {frame['line']}")
    assert frame["line"] >= 2

    # A command run from the form, waited for: its output, then its row among the agent's commands.
    page.locator("#send-kind").select_option("command")
    page.locator("#content").fill('.print("Walt: talking in his sleep"); X = 6 * 7')
    page.locator("#send-button").click()
    expect(page.locator("#send-result")).to_contain_text("succeeded", timeout=WAIT_MS)
    expect(page.locator("#send-result")).to_contain_text("talking in his sleep")
    expect(page.locator("#log")).to_contain_text("Walt: talking in his sleep", timeout=WAIT_MS)
    page.locator("#traffic .tabs button", has_text="commands").click()
    expect(page.locator("#traffic")).to_contain_text("talking in his sleep", timeout=WAIT_MS)
    expect(page.locator("#traffic .badge.succeeded").first).to_be_visible()
    page.locator("#traffic .tabs button", has_text="inbox").click()
    expect(page.locator("#traffic")).to_contain_text("achieve nap", timeout=WAIT_MS)
    page.screenshot(path=tmp_path / "18-mind-and-commands.png", full_page=True)

    # Sam's outbox: what the seller told others this morning, with its delivery status.
    page.goto(f"{shared_sample_server.url}/console#/agents/sam")
    page.locator("#traffic .tabs button", has_text="outbox").click()
    outbox = client.get("/agents/sam/outbox").json()["_embedded"]
    sent = next(iter(outbox.values()))
    if sent:
        expect(page.locator("#traffic")).to_contain_text(f"to {sent[0]['agent']}", timeout=WAIT_MS)
    else:
        expect(page.locator("#traffic")).to_contain_text("nothing yet", timeout=WAIT_MS)
    assert not errors, errors
    page.close()
    client.close()


def test_a_read_only_token_sees_operations_and_history_but_no_action(
    database_url: str, chromium: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    tokens = {"ROMAS_TOKENS": "viewer:look:read;boss:b055:admin"}
    with running_server(
        database_url, tmp_path, extra_args=("--seed", str(SAMPLE)), env=tokens, timeout=START_S
    ) as server:
        # A past revision of its own, not one the bakery may or may not have made by now.
        reset = httpx.post(
            f"{server.url}/workspaces/bakery/artefacts/stock/operations/reset",
            json={"args": [7]},
            headers={"Authorization": "Bearer b055", "Prefer": "wait=30"},
            timeout=60,
        )
        assert reset.status_code in (200, 202), reset.text
        page = chromium.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{server.url}/console#/workspaces/bakery/artefacts/stock")
        page.locator("#token").fill("look")
        page.locator("#token-form button").click()
        expect(page.locator("#operations")).to_contain_text("reset(value: integer)", timeout=WAIT_MS)
        expect(page.locator("#operations")).to_contain_text("needs the operate scope")
        # A past revision, which a token with write could restore: this one is offered no button for it.
        expect(page.locator("#history tr[data-revision]").nth(1)).to_be_visible(timeout=WAIT_MS)
        expect(page.locator("button.run")).to_have_count(0)
        expect(page.locator("button.restore")).to_have_count(0)
        page.screenshot(path=tmp_path / "token-artefact.png", full_page=True)
        page.get_by_text("forget token").click()
        page.locator("#token").fill("b055")
        page.locator("#token-form button").click()
        expect(page.locator("button.run")).to_have_count(3, timeout=WAIT_MS)
        expect(page.locator("button.restore").first).to_be_visible(timeout=WAIT_MS)
        page.close()
