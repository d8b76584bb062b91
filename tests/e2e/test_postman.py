"""A Postman collection generated from the served OpenAPI document works: newman runs a scripted tour of its
requests, in order, against a real server with the sample MAS, and every request succeeds.

The collection comes from the npm package ``openapi-to-postmanv2`` with the options a Postman user picks
(examples as values, optional parameters off); the tour only fills path variables and a few bodies, as a
person would in Postman, and carries ids from ``Location`` headers to later requests.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.server import running_server

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
SAMPLE = Path(__file__).resolve().parents[2] / "agent_specs"
NPM_PACKAGES = ("openapi-to-postmanv2@5", "newman@6")
CAPTURE = "pm.collectionVariables.set({var!r}, String(pm.response.headers.get('Location') || '').split('/').pop());"

# (method, path template, path variables, query, body override, variable captured from Location)
Step = tuple[str, str, dict[str, str], dict[str, str], Any, str | None]
TOUR: list[Step] = [
    ("GET", "/", {}, {}, None, None),
    ("GET", "/health", {}, {}, None, None),
    ("GET", "/ready", {}, {}, None, None),
    ("GET", "/agents", {}, {}, None, None),
    ("GET", "/agents/{name}", {"name": "bob"}, {}, None, None),
    ("GET", "/agents/{name}/code", {"name": "bob"}, {}, None, None),
    ("GET", "/agents/{name}/mind", {"name": "bob"}, {}, None, None),
    ("GET", "/agents/{name}/log", {"name": "bob"}, {}, None, None),
    ("PUT", "/agents/{name}", {"name": "hello"}, {}, None, None),
    ("PATCH", "/agents/{name}", {"name": "hello"}, {}, None, None),
    ("PUT", "/agents/{name}/code", {"name": "hello"}, {}, '!start.\n+!start <- .print("hello again").\n', None),
    ("GET", "/agents/{name}/revisions", {"name": "hello"}, {}, None, None),
    ("GET", "/agents/{name}/revisions/{revision}", {"name": "hello", "revision": "1"}, {}, None, None),
    ("GET", "/agents/{name}/code/revisions", {"name": "hello"}, {}, None, None),
    ("GET", "/agents/{name}/diff", {"name": "hello"}, {"from": "1", "to": "2"}, None, None),
    ("POST", "/agents/{name}/code/revisions/{revision}/restore", {"name": "hello", "revision": "1"}, {}, None, None),
    ("POST", "/agents/{name}/revisions/{revision}/restore", {"name": "hello", "revision": "1"}, {}, None, None),
    ("POST", "/agents/{name}/inbox", {"name": "bob"}, {}, None, "message_id"),
    ("GET", "/agents/{name}/inbox/{message_id}", {"name": "bob", "message_id": "{{message_id}}"}, {}, None, None),
    ("GET", "/agents/{name}/inbox", {"name": "bob"}, {}, None, None),
    ("GET", "/agents/{name}/outbox", {"name": "sam"}, {}, None, None),
    ("POST", "/agents/{name}/commands", {"name": "hello"}, {}, None, "command_id"),
    ("GET", "/agents/{name}/commands/{command_id}", {"name": "hello", "command_id": "{{command_id}}"}, {}, None, None),
    ("GET", "/agents/{name}/commands", {"name": "hello"}, {}, None, None),
    ("GET", "/workspaces", {}, {}, None, None),
    ("GET", "/workspaces/{ws}", {"ws": "bakery"}, {}, None, None),
    ("GET", "/workspaces/{ws}/artefacts", {"ws": "bakery"}, {}, None, None),
    ("GET", "/workspaces/{ws}/artefacts/{art}", {"ws": "bakery", "art": "stock"}, {}, None, None),
    (
        "POST",
        "/workspaces/{ws}/artefacts/{art}/operations/{operation}",
        {"ws": "bakery", "art": "notices", "operation": "put"},
        {},
        {"args": ["opening_hours", "7 to 13"]},
        "invocation_id",
    ),
    (
        "GET",
        "/workspaces/{ws}/artefacts/{art}/invocations/{invocation_id}",
        {"ws": "bakery", "art": "notices", "invocation_id": "{{invocation_id}}"},
        {},
        None,
        None,
    ),
    ("GET", "/workspaces/{ws}/artefacts/{art}/invocations", {"ws": "bakery", "art": "notices"}, {}, None, None),
    ("PUT", "/workspaces/{ws}", {"ws": "lab"}, {}, None, None),
    ("PUT", "/workspaces/{ws}/artefacts/{art}", {"ws": "lab", "art": "clicks"}, {}, None, None),
    (
        "POST",
        "/workspaces/{ws}/artefacts/{art}/operations/{operation}",
        {"ws": "lab", "art": "clicks", "operation": "inc"},
        {},
        None,
        None,
    ),
    ("GET", "/workspaces/{ws}/artefacts/{art}/revisions", {"ws": "lab", "art": "clicks"}, {}, None, None),
    (
        "GET",
        "/workspaces/{ws}/artefacts/{art}/revisions/{revision}",
        {"ws": "lab", "art": "clicks", "revision": "1"},
        {},
        None,
        None,
    ),
    ("DELETE", "/workspaces/{ws}/artefacts/{art}", {"ws": "lab", "art": "clicks"}, {}, None, None),
    ("GET", "/workspaces/{ws}/revisions", {"ws": "lab"}, {}, None, None),
    ("DELETE", "/workspaces/{ws}", {"ws": "lab"}, {}, None, None),
    ("GET", "/artefact-types", {}, {}, None, None),
    ("GET", "/artefact-types/{type_name}", {"type_name": "counter"}, {}, None, None),
    ("GET", "/organisations", {}, {}, None, None),
    ("GET", "/organisations/{org}", {"org": "shop"}, {}, None, None),
    ("GET", "/organisations/{org}/groups", {"org": "shop"}, {}, None, None),
    ("GET", "/organisations/{org}/groups/{g}", {"org": "shop", "g": "team"}, {}, None, None),
    ("GET", "/organisations/{org}/schemes", {"org": "shop"}, {}, None, None),
    ("GET", "/organisations/{org}/schemes/{s}", {"org": "shop", "s": "today"}, {}, None, None),
    (
        "GET",
        "/organisations/{org}/schemes/{s}/goals/{goal}",
        {"org": "shop", "s": "today", "goal": "bread_baked"},
        {},
        None,
        None,
    ),
    ("GET", "/organisations/{org}/obligations", {"org": "shop"}, {}, None, None),
    ("PUT", "/organisations/{org}", {"org": "market"}, {}, None, None),
    ("GET", "/organisations/{org}/revisions", {"org": "market"}, {}, None, None),
    ("PUT", "/organisations/{org}/groups/{g}", {"org": "market", "g": "stall"}, {}, {"type": "shop_team"}, None),
    (
        "POST",
        "/organisations/{org}/groups/{g}/players",
        {"org": "market", "g": "stall"},
        {},
        {"agent": "hello", "role": "customer"},
        None,
    ),
    (
        "PUT",
        "/organisations/{org}/schemes/{s}",
        {"org": "market", "s": "monday"},
        {},
        {"type": "sale", "group": "stall"},
        None,
    ),
    (
        "POST",
        "/organisations/{org}/schemes/{s}/commitments",
        {"org": "market", "s": "monday"},
        {},
        {"agent": "hello", "mission": "m_order"},
        None,
    ),
    (
        "POST",
        "/organisations/{org}/schemes/{s}/goals/{goal}/achieved",
        {"org": "market", "s": "monday", "goal": "ordered"},
        {},
        {"agent": "hello"},
        None,
    ),
    ("GET", "/organisations/{org}/schemes/{s}/revisions", {"org": "market", "s": "monday"}, {}, None, None),
    (
        "DELETE",
        "/organisations/{org}/groups/{g}/players/{agent}/{role}",
        {"org": "market", "g": "stall", "agent": "hello", "role": "customer"},
        {},
        None,
        None,
    ),
    ("GET", "/overview", {}, {}, None, None),
    ("GET", "/events", {}, {"limit": "20"}, None, None),
    ("GET", "/manifest", {}, {}, None, None),
    ("POST", "/deployments", {}, {}, None, None),
    ("GET", "/deployments", {}, {}, None, None),
    ("DELETE", "/agents/{name}", {"name": "hello"}, {}, None, None),
]


def _npm_tools() -> Path:
    """openapi2postmanv2 and newman, installed once into a cache folder (CI: a fresh one per machine)."""
    if shutil.which("npm") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI needs npm (apt-get install -y npm)")
        pytest.skip("npm is not installed")
    folder = Path(os.environ.get("ROMAS_NPM_TOOLS", Path.home() / ".cache" / "romas" / "npm-tools"))
    bins = folder / "node_modules" / ".bin"
    if not (bins / "newman").exists() or not (bins / "openapi2postmanv2").exists():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--prefix", str(folder), "--no-audit", "--no-fund", "--loglevel=error", *NPM_PACKAGES],
            check=True,
            timeout=600,
        )
    return bins


def _requests(items: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for item in items:
        if "item" in item:
            found.update(_requests(item["item"]))
        else:
            request = item["request"]
            found[(request["method"], "/" + "/".join(request["url"]["path"]))] = item
    return found


def _postman_path(template: str) -> str:
    return "/" + "/".join(f":{part[1:-1]}" if part.startswith("{") else part for part in template.strip("/").split("/"))


def _tour_item(generated: dict[tuple[str, str], dict[str, Any]], step: Step) -> dict[str, Any]:
    method, template, variables, query, body, capture = step
    item = copy.deepcopy(generated[(method, _postman_path(template) if template != "/" else "/")])
    url = item["request"]["url"]
    for variable in url.get("variable", []):
        if variable["key"] in variables:
            variable["value"] = variables[variable["key"]]
    for parameter in url.get("query", []):
        # Optional parameters stay unticked unless the step fills them, as in Postman's own default.
        parameter["disabled"] = parameter["key"] not in query
        if parameter["key"] in query:
            parameter["value"] = query[parameter["key"]]
    if body is not None:
        item["request"]["body"]["raw"] = body if isinstance(body, str) else json.dumps(body)
    item["name"] = f"{method} {template} {variables}"
    script = ["pm.test('succeeds', function () { pm.expect(pm.response.code).to.be.within(200, 299); });"]
    if capture is not None:
        script.append(CAPTURE.format(var=capture))
    item["event"] = [{"listen": "test", "script": {"type": "text/javascript", "exec": script}}]
    return item


def _wait_for_sample(url: str) -> None:
    """The sample's baker creates the group ``team`` and the scheme ``today`` once it runs."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if all(
            httpx.get(f"{url}{path}").status_code == 200
            for path in ("/organisations/shop/groups/team", "/organisations/shop/schemes/today")
        ):
            return
        time.sleep(0.5)
    raise AssertionError("the sample MAS did not create its group and scheme")


def test_a_generated_postman_collection_runs_the_tour(tmp_path: Path) -> None:
    bins = _npm_tools()
    database = f"sqlite+aiosqlite:///{tmp_path / 'romas.db'}"
    with running_server(database, tmp_path, extra_args=("--seed", str(SAMPLE))) as server:
        _wait_for_sample(server.url)
        document = tmp_path / "openapi.json"
        document.write_text(httpx.get(f"{server.url}/schema/openapi.json").text)
        generated_file = tmp_path / "generated.json"
        subprocess.run(
            [
                str(bins / "openapi2postmanv2"),
                "--spec",
                str(document),
                "--output",
                str(generated_file),
                "--options",
                "folderStrategy=Paths,parametersResolution=Example,disableOptionalParameters=true",
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
        generated = json.loads(generated_file.read_text())
        base_url = {v["key"]: v["value"] for v in generated["variable"]}["baseUrl"]
        assert base_url == server.url, "the document's servers entry is where the server answers"
        requests = _requests(generated["item"])
        assert len(requests) >= 80
        tour = {
            "info": {
                "name": "romas tour",
                "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
            },
            "item": [_tour_item(requests, step) for step in TOUR],
            "variable": generated["variable"],
        }
        collection = tmp_path / "tour.json"
        collection.write_text(json.dumps(tour, indent=1))
        report = tmp_path / "newman.json"
        result = subprocess.run(
            [
                str(bins / "newman"),
                "run",
                str(collection),
                "--reporters",
                "cli,json",
                "--reporter-json-export",
                str(report),
                "--timeout-request",
                "30000",
                "--color",
                "off",
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
        run = json.loads(report.read_text())["run"]
        stats = run["stats"]
        print(f"newman: {stats['requests']['total']} requests, {stats['assertions']['failed']} failed")
        failures = [
            f"{execution['item']['name']} -> {execution.get('response', {}).get('code')} "
            f"{bytes(execution.get('response', {}).get('stream', {}).get('data', [])).decode(errors='replace')[:300]}"
            for execution in run["executions"]
            if any(assertion.get("error") for assertion in execution.get("assertions", []))
        ]
        assert stats["requests"]["total"] == len(TOUR), result.stdout[-6000:]
        assert failures == [] and result.returncode == 0, result.stdout[-3000:]
