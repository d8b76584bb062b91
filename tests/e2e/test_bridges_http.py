"""``http_client`` through a real ``romas serve`` against a local HTTP server."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from tests.e2e.bridges import beliefs, bridge_server, eventually, operate
from tests.e2e.brokers import down_and_back
from tests.e2e.server import free_port

pytestmark = pytest.mark.e2e


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/slow":
            time.sleep(3)
        if self.path == "/missing":
            self._answer(404, {"error": "no such thing"})
        elif self.path == "/who":
            self._answer(200, {"authorization": self.headers.get("Authorization")})
        else:
            self._answer(200, {"path": self.path})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length))
        self._answer(201, {"got": body, "type": self.headers.get("Content-Type")})

    def _answer(self, status: int, body: object) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def service() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


AGENT = """
+!call(P) <- get(P, R)[artefact(api)]; +answer(R).
-!call(P)[error_msg(M)] <- +refused(P, M).
"""


def test_http_client_statuses_timeouts_and_egress(database_url: str, tmp_path: Path, service: str) -> None:
    env = {"ROMAS_BRIDGE_API_TOKEN": "s3cret"}
    with bridge_server(database_url, tmp_path, env) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        client.put("/workspaces/w", json={})
        props = {"base_url": service, "timeout": 1.0}
        assert client.put("/workspaces/w/artefacts/api", json={"type": "http_client", "properties": props}).is_success
        ok = operate(client, "api", "get", "/hello")
        assert ok["status"] == "succeeded" and ok["result"] == {"status": 200, "body": {"path": "/hello"}}
        missing = operate(client, "api", "get", "/missing")
        assert missing["result"]["status"] == 404 and missing["result"]["body"] == {"error": "no such thing"}
        posted = operate(client, "api", "post", "/orders", {"bread": 2})
        assert posted["result"] == {"status": 201, "body": {"got": {"bread": 2}, "type": "application/json"}}
        who = operate(client, "api", "get", "/who")
        assert who["result"]["body"] == {"authorization": "Bearer s3cret"}
        slow = operate(client, "api", "get", "/slow")
        assert slow["status"] == "failed" and "timed out" in slow["error"]["detail"]
        outside = operate(client, "api", "get", "http://10.1.2.3/x")
        assert outside["status"] == "failed" and "ROMAS_EGRESS_ALLOW" in outside["error"]["detail"]
        page = client.get("/workspaces/w/artefacts/api").json()
        assert page["properties"]["last_status"] == 200 and "s3cret" not in json.dumps(page)

        # an agent calls it, and a refused call is a failure its -!g plan catches
        assert client.put("/agents/caller", json={"code": AGENT}).status_code == 201
        command = '.joinWorkspace(w); focus(api); !call("/hello"); !call("http://10.1.2.3/")'
        done = client.post("/agents/caller/commands", json={"body": command.replace(".joinWorkspace", "joinWorkspace")})
        assert done.status_code in (200, 201, 202), done.text
        eventually(lambda: any(b.startswith("refused(") for b in beliefs(client, "caller")), "the refusal")
        known = beliefs(client, "caller")
        assert any(b.startswith("answer(") and "200" in b for b in known), known


@contextmanager
def service_on(port: int) -> Iterator[ThreadingHTTPServer]:
    ThreadingHTTPServer.allow_reuse_address = True
    httpd = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_service_that_is_down_fails_calls_and_they_work_when_it_is_back(database_url: str, tmp_path: Path) -> None:
    port = free_port()
    with bridge_server(database_url, tmp_path) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        client.put("/workspaces/w", json={})
        props = {"base_url": f"http://127.0.0.1:{port}", "timeout": 2.0}
        assert client.put("/workspaces/w/artefacts/api", json={"type": "http_client", "properties": props}).is_success
        down_and_back(client, "api", "get", ["/up"], lambda: service_on(port), down_says="ConnectError", result=True)
