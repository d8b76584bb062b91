"""The console in a real browser against a real ``romas serve`` with the bakery: every step a person takes, with a
screenshot of each page kept under the test's tmp dir."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.console.conftest import SAMPLE, START_S, WAIT_MS
from tests.e2e.server import ServerProcess

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def all_events(client: httpx.Client) -> list[dict[str, Any]]:
    """The event log in the order the console's timeline reads it."""
    events: list[dict[str, Any]] = []
    after = 0
    while True:
        page = client.get("/events", params={"after": after, "limit": 500}).json()
        batch = page["_embedded"]["events"]
        events.extend(batch)
        if len(batch) < 500:
            return events
        after = page["last_position"]


def test_a_person_works_on_the_bakery_through_the_console(
    chromium: Any, sample_server: ServerProcess, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    shots = tmp_path / "screenshots"
    shots.mkdir()
    client = httpx.Client(base_url=sample_server.url, timeout=20)
    browser_page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    browser_page.on("pageerror", lambda error: errors.append(str(error)))
    page = browser_page
    console = f"{sample_server.url}/console"

    # The MAS, live: the bakery's agents, its artefacts and its organisation.
    page.goto(console)
    for agent in ("bob", "carol", "sam"):
        expect(page.locator(f'#agents tr[data-agent="{agent}"]')).to_contain_text("running", timeout=WAIT_MS)
    expect(page.locator('#workspaces tr[data-artefact="stock"]')).to_contain_text("count = 2")
    expect(page.locator("#organisations")).to_contain_text("bob:baker")
    page.screenshot(path=shots / "01-overview.png", full_page=True)

    # Bob's code: a syntax error is shown at its line by the server's parser, before anything is saved.
    page.locator('#agents tr[data-agent="bob"] a').click()
    editor = page.locator("#code .cm-content")
    expect(editor).to_contain_text("Bob, the baker")
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\n+!hello <- .print(hello) <- oops.")
    code = page.evaluate("() => window.romasEditor.state.doc.toString()")
    bad_line = next(i for i, text in enumerate(code.split("\n"), start=1) if text.startswith("+!hello"))
    expect(page.locator("#diagnostics")).to_contain_text(f"line {bad_line}, column", timeout=WAIT_MS)
    expect(page.locator("#code .cm-lint-marker-error")).to_have_count(1)
    expect(page.locator("#save")).to_be_disabled()
    assert client.get("/agents/bob").json()["code_revision"] == 1
    page.screenshot(path=shots / "02-diagnostic.png", full_page=True)

    # Fixed and saved: a new revision in the history.
    page.keyboard.press("Home")
    page.keyboard.press("Shift+End")
    page.keyboard.type('+!hello <- .print("hello from the console").')
    assert '+!hello <- .print("hello from the console").' in page.evaluate(
        "() => window.romasEditor.state.doc.toString()"
    )
    expect(page.locator("#diagnostics-ok")).to_be_visible(timeout=WAIT_MS)
    page.locator("#save").click()
    expect(page.locator("#notice")).to_contain_text("Saved", timeout=WAIT_MS)
    rows = page.locator("#history tr[data-revision]")
    expect(rows).to_have_count(2, timeout=WAIT_MS)
    first, saved = (int(rows.nth(i).get_attribute("data-revision") or 0) for i in (1, 0))
    assert client.get("/agents/bob").json()["code_revision"] == saved

    # The two revisions side by side.
    rows.nth(1).locator('input[name="from"]').check()
    rows.nth(0).locator('input[name="to"]').check()
    page.locator("#compare").click()
    expect(page.locator("#diff .cm-mergeView")).to_contain_text("hello from the console", timeout=WAIT_MS)
    expect(page.locator("#diff .cm-changedLine").first).to_be_visible()
    page.screenshot(path=shots / "03-diff.png", full_page=True)

    # A message sent from the console; the agent's log line appears while the page stays open.
    page.locator("#performative").select_option("achieve")
    page.locator("#content").fill("hello")
    page.locator("#send-button").click()
    expect(page.locator("#send-result")).to_contain_text("processed", timeout=WAIT_MS)
    expect(page.locator("#log")).to_contain_text("hello from the console", timeout=WAIT_MS)
    page.screenshot(path=shots / "04-message-and-log.png", full_page=True)

    # Restore the first revision with one click: a third revision, with the first one's code.
    page.locator(f'#history tr[data-revision="{first}"] button.restore').click()
    expect(page.locator("#notice")).to_contain_text(f"Restored the code of revision {first}", timeout=WAIT_MS)
    expect(rows).to_have_count(3, timeout=WAIT_MS)
    expect(editor).not_to_contain_text("hello from the console", timeout=WAIT_MS)
    assert "hello from the console" not in client.get("/agents/bob/code").text

    # Someone else saves while this page edits: the save is refused plainly, and their code can be loaded.
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\n// mine")
    theirs = client.get("/agents/bob/code").text + "\n// theirs\n"
    assert client.put("/agents/bob/code", content=theirs, headers={"Content-Type": "text/x-asl"}).status_code == 200
    expect(page.locator("#save")).to_be_enabled(timeout=WAIT_MS)
    page.locator("#save").click()
    expect(page.locator("#notice")).to_contain_text("Someone else saved", timeout=WAIT_MS)
    page.screenshot(path=shots / "05-conflict.png", full_page=True)
    assert "// mine" not in client.get("/agents/bob/code").text
    page.get_by_role("button", name="Load theirs").click()
    expect(editor).to_contain_text("// theirs", timeout=WAIT_MS)
    expect(rows).to_have_count(4, timeout=WAIT_MS)

    # Then the stock changes, so that the past differs from now in the artefacts too.
    done = client.post(
        "/workspaces/bakery/artefacts/stock/operations/inc", json={"args": []}, headers={"Prefer": "wait=10"}
    )
    assert done.status_code == 200, done.text
    assert client.get("/workspaces/bakery/artefacts/stock").json()["properties"]["count"] == 3

    # The time slider: before the change the old code and the old stock; at the change the new code.
    page.goto(f"{console}#/time")
    slider = page.locator("#slider")
    expect(slider).to_be_visible(timeout=WAIT_MS)
    events = all_events(client)
    change = next(i for i, e in enumerate(events) if e["stream"] == "/agents/bob" and e["version"] == saved)
    slider.fill(str(change - 1))
    past = page.locator(f'#past[data-index="{change - 1}"]')
    expect(past).to_be_visible(timeout=WAIT_MS)
    expect(past.locator('pre[data-agent="bob"]')).to_contain_text("Bob, the baker")
    expect(past.locator('pre[data-agent="bob"]')).not_to_contain_text("hello from the console")
    expect(past.locator('tr[data-artefact="stock"] [data-prop="count"]')).to_have_text("2")
    page.screenshot(path=shots / "06-time-before.png", full_page=True)
    slider.fill(str(change))
    expect(page.locator(f'#past[data-index="{change}"] pre[data-agent="bob"]')).to_contain_text(
        "hello from the console", timeout=WAIT_MS
    )
    slider.fill(str(len(events) - 1))
    now = page.locator(f'#past[data-index="{len(events) - 1}"]')
    expect(now.locator('tr[data-artefact="stock"] [data-prop="count"]')).to_have_text("3", timeout=WAIT_MS)

    # A deployment from a commit, rolled back through its plan.
    manifest = client.get("/manifest").json()["manifest"]
    old_description = manifest["workspaces"]["bakery"]["description"]
    manifest["workspaces"]["bakery"]["description"] = "The corner bakery, now with a new sign."
    source = {"commit": "4f2a9c1e77", "branch": "main", "author": "Ada Baker", "message": "A new sign"}
    deployed = client.post("/deployments", json={"manifest": manifest, "source": source})
    assert deployed.status_code == 201, deployed.text
    number = deployed.json()["id"]
    page.goto(f"{console}#/deployments")
    row = page.locator(f'tr[data-deployment="{number}"]')
    expect(row).to_contain_text("4f2a9c1e77", timeout=WAIT_MS)
    expect(row).to_contain_text("Ada Baker")
    row.locator("button.rollback").click()
    plan = page.locator("#rollback-plan")
    expect(plan).to_contain_text("update", timeout=WAIT_MS)
    expect(plan).to_contain_text("bakery")
    page.screenshot(path=shots / "07-rollback-plan.png", full_page=True)
    assert client.get("/workspaces/bakery").json()["description"] != old_description
    page.locator("#confirm-rollback").click()
    expect(page.locator("#deploy-notice")).to_contain_text(f"Rolled back deployment {number}", timeout=WAIT_MS)
    assert client.get("/workspaces/bakery").json()["description"] == old_description
    expect(page.locator(f'tr[data-deployment="{number + 1}"]')).to_contain_text(f"rolls back {number}")
    expect(row).to_contain_text(f"rolled back by {number + 1}")
    expect(row.locator("button.rollback")).to_have_count(0)
    row.locator("a", has_text=str(number)).click()
    details = page.locator("#deployment")
    expect(details).to_contain_text(f"Deployment {number}", timeout=WAIT_MS)
    expect(details).to_contain_text("A new sign")
    expect(details).to_contain_text("update")
    expect(details).to_contain_text("workspace bakery")
    page.screenshot(path=shots / "08-deployments.png", full_page=True)

    # The organisation drawn.
    page.goto(f"{console}#/organisations/shop")
    expect(page.locator("#structure")).to_contain_text("bakery_team", timeout=WAIT_MS)
    expect(page.locator('li[data-goal="bread_sold"]')).to_contain_text("satisfied")
    page.screenshot(path=shots / "09-organisation.png", full_page=True)

    assert not errors, errors
    browser_page.close()
    client.close()
    print(f"screenshots in {shots}")


def test_with_tokens_the_console_asks_for_one_and_shows_only_what_it_allows(
    database_url: str, chromium: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    from tests.e2e.server import running_server

    tokens = {"ROMAS_TOKENS": "viewer:look:read;boss:b055:admin"}
    with running_server(
        database_url, tmp_path, extra_args=("--seed", str(SAMPLE)), env=tokens, timeout=START_S
    ) as server:
        page = chromium.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{server.url}/console")
        page.locator("#token").fill("wrong")
        page.locator("#token-form button").click()
        expect(page.locator("#token-form")).to_contain_text("not known", timeout=WAIT_MS)
        page.locator("#token").fill("look")
        page.locator("#token-form button").click()
        expect(page.locator('#agents tr[data-agent="bob"]')).to_be_visible(timeout=WAIT_MS)
        expect(page.locator("header")).to_contain_text("viewer (read)")
        page.screenshot(path=tmp_path / "token-overview.png", full_page=True)
        page.goto(f"{server.url}/console#/agents/bob")
        expect(page.locator("#code .cm-content")).to_contain_text("Bob, the baker", timeout=WAIT_MS)
        expect(page.locator("#history tr[data-revision]")).to_have_count(1, timeout=WAIT_MS)
        for action in ("#save", "#send", "#history button.restore"):
            expect(page.locator(action)).to_have_count(0)
        page.goto(f"{server.url}/console#/deployments")
        expect(page.locator('tr[data-deployment="1"]')).to_be_visible(timeout=WAIT_MS)
        expect(page.locator("button.rollback")).to_have_count(0)
        # The token is kept for the tab only: a new tab asks again; this one forgets it on request.
        other = chromium.new_page()
        other.goto(f"{server.url}/console")
        expect(other.locator("#token-form")).to_be_visible(timeout=WAIT_MS)
        other.close()
        page.get_by_text("forget token").click()
        expect(page.locator("#token-form")).to_be_visible(timeout=WAIT_MS)
        page.locator("#token").fill("b055")
        page.locator("#token-form button").click()
        page.goto(f"{server.url}/console#/agents/bob")
        expect(page.locator("#save")).to_have_count(1, timeout=WAIT_MS)
        page.close()
