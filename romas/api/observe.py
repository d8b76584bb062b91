"""The outermost layer of every HTTP request: its request id, the write rate limit, its metrics, its one log
line, the runtime's count of requests at work, and the hot reads and inbox POSTs answered without Litestar
(hot_reads.py, hot_writes.py).

It wraps Litestar's whole handler (routing and error handling included), so a 404 for an unknown path or an
error page is counted and logged like any answer. The request id is the client's ``X-Request-Id`` when it sends
a usable one, else a new one; writes record it in their events' metadata and every answer carries it back.
"""

from __future__ import annotations

import logging
import os
import re
import time
from typing import Any

import msgspec
from litestar.enums import ScopeType
from litestar.types import (
    ASGIApp,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    HTTPScope,
    Message,
    Receive,
    Scope,
    Send,
)
from prometheus_client import CollectorRegistry, Counter, Histogram

from romas.api.allow import correct_allow
from romas.api.hot_reads import Answer, HotReads
from romas.api.hot_writes import METHODS as HOT_WRITE_METHODS
from romas.api.hot_writes import HotWrites
from romas.api.media import PROBLEM_JSON
from romas.api.one_write import send_in_one_write
from romas.api.problems import Problem, problem_type
from romas.api.ratelimit import WRITE_METHODS, RateLimiter, client_key, retry_after
from romas.config import Settings
from romas.services.container import Services
from romas.store.together import WAITING as STORE_WAITING

log = logging.getLogger("romas.requests")

QUIET_PATHS = frozenset({"/health", "/ready"})
"""Probes hit these every few seconds: counted, never logged."""
UNMATCHED = "unmatched"
EVENT_STREAM = b"text/event-stream"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class HttpMetrics:
    """Requests by method, route template (never the raw path: bounded series) and status."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "romas_http_requests",
            "HTTP requests answered, by method, route template and status",
            ["method", "route", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "romas_http_request_duration_seconds",
            "Time from a request's arrival to the end of its answer, by method and route template",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.rate_limited = Counter(
            "romas_http_rate_limited", "Writes refused with 429 by the rate limit", registry=registry
        )

        # Label lookups cost more than the increments: keep each child once found (the routes are bounded).
        self._counted: dict[tuple[str, str, int], Any] = {}
        self._timed: dict[tuple[str, str], Any] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        counted = self._counted.get((method, route, status))
        if counted is None:
            counted = self._counted[(method, route, status)] = self.requests.labels(method, route, str(status))
        timed = self._timed.get((method, route))
        if timed is None:
            timed = self._timed[(method, route)] = self.latency.labels(method, route)
        counted.inc()
        timed.observe(seconds)


def request_id_of(scope: Scope) -> str:
    """The request id given by the client (when it is a plain token) or a new one."""
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            text = value.decode("latin-1").strip()
            if _REQUEST_ID.match(text):
                return text
            break
    return os.urandom(16).hex()  # as unique as a uuid4, without building one


class RequestObserver:
    def __init__(self, app: ASGIApp, settings: Settings, metrics: HttpMetrics) -> None:
        self.app = app
        self.settings = settings
        self.metrics = metrics
        self.limiter = RateLimiter(settings.rate_limit) if settings.rate_limit is not None else None
        self.json = settings.log_format == "json"
        self.hot = HotReads(settings)
        self.hot_writes = HotWrites(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        await self._http(scope, receive, send)

    async def _http(self, scope: HTTPScope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        request_id = request_id_of(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        header = (b"x-request-id", request_id.encode())
        status = 500
        method = scope["method"]

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message["headers"] = [*message.get("headers", ()), header]
                if method == "OPTIONS":
                    await correct_allow(message, scope)
            await send(message)

        # The runtime learns which requests are at work (see romas.runtime.clients); an event stream mostly waits.
        services: Services | None = getattr(scope["app"].state, "services", None)
        clients = services.runtime.clients if services is not None and not _streams(scope) else None
        if clients is not None:
            clients.started()
            if clients.park_on_store:
                STORE_WAITING.set(clients.on_store)
        try:
            wait = self._limited(scope) if method in WRITE_METHODS else 0.0
            if wait > 0.0:
                self.metrics.rate_limited.inc()
                await _too_many(scope, send_with_id, wait)
            elif method == "GET" and services is not None and (hot := await self.hot.answer(scope, services)):
                scope["path_template"] = hot.template
                await _send_answer(send_with_id, hot, send)
            elif method in HOT_WRITE_METHODS and services is not None:
                written, receive = await self.hot_writes.answer(scope, receive, services)
                if written is not None:
                    scope["path_template"] = written.template
                    await _send_answer(send_with_id, written, send)
                else:
                    await self.app(scope, receive, send_with_id)
            else:
                await self.app(scope, receive, send_with_id)
        finally:
            if clients is not None:
                clients.finished()
            seconds = time.perf_counter() - started
            route = str(scope.get("path_template") or UNMATCHED)
            self.metrics.observe(method, route, status, seconds)
            if scope["path"] not in QUIET_PATHS:
                self._log(scope, route, status, seconds, request_id)

    def _limited(self, scope: Scope) -> float:
        if self.limiter is None:
            return 0.0
        authorization = ""
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value.decode("latin-1")
                break
        client = scope.get("client")
        address = client[0] if client else "unknown"
        return self.limiter.take(client_key(authorization, address, self.settings.tokens))

    def _log(self, scope: HTTPScope, route: str, status: int, seconds: float, request_id: str) -> None:
        if not log.isEnabledFor(logging.INFO):
            return
        fields: dict[str, Any] = {
            "method": scope["method"],
            "path": scope["path"],
            "route": route,
            "status": status,
            "duration_ms": round(seconds * 1000.0, 3),
            "request_id": request_id,
        }
        if self.json:
            log.info("request", extra={"fields": fields})
        else:
            log.info(
                "%s %s %d %.1fms route=%s request_id=%s",
                fields["method"],
                fields["path"],
                status,
                fields["duration_ms"],
                route,
                request_id,
            )


def _streams(scope: HTTPScope) -> bool:
    return any(name == b"accept" and EVENT_STREAM in value for name, value in scope["headers"])


async def _send_answer(send: Send, answer: Answer, server_send: Send) -> None:
    """Send a whole answer through ``send`` (which ends in the ASGI server's ``server_send``), in one write to the
    socket where the server allows it (one_write.py)."""
    start: HTTPResponseStartEvent = {"type": "http.response.start", "status": answer.status, "headers": answer.headers}
    end: HTTPResponseBodyEvent = {"type": "http.response.body", "body": answer.body, "more_body": False}
    await send_in_one_write(send, server_send, start, end)


async def _too_many(scope: HTTPScope, send: Send, wait: float) -> None:
    seconds = retry_after(wait)
    body = msgspec.json.encode(
        Problem(
            type=problem_type("rate-limited"),
            title="Too Many Requests",
            status=429,
            detail=f"this client sent more writes than ROMAS_RATE_LIMIT allows; retry in {seconds} s",
            instance=scope["path"],
        )
    )
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": 429,
        "headers": [
            (b"content-type", PROBLEM_JSON.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"retry-after", seconds.encode()),
        ],
    }
    end: HTTPResponseBodyEvent = {"type": "http.response.body", "body": body, "more_body": False}
    await send(start)
    await send(end)
