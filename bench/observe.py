"""What the outermost request layer (request id, metrics, request log) costs per request, in process.

A bare Litestar app answering ``GET /agents/{name}`` is called through ASGI directly (no sockets, no server), as
is and wrapped in romas's :class:`RequestObserver` with the request log off (``ROMAS_LOG_LEVEL=warning``), on
in plain text and on in JSON (to a discarding handler). Runs alternate; the figures are medians.

    .venv/bin/python -m bench.observe [--requests 20000] [--reps 5]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import time
from typing import Any

from litestar import Litestar, get
from prometheus_client import CollectorRegistry

from romas.api.observe import HttpMetrics, RequestObserver
from romas.config import Settings
from romas.logs import JsonFormatter

SCOPE: dict[str, Any] = {
    "type": "http",
    "asgi": {"version": "3.0"},
    "http_version": "1.1",
    "method": "GET",
    "scheme": "http",
    "path": "/agents/bob",
    "raw_path": b"/agents/bob",
    "root_path": "",
    "query_string": b"",
    "headers": [(b"host", b"127.0.0.1"), (b"accept", b"application/json")],
    "client": ("127.0.0.1", 50000),
    "server": ("127.0.0.1", 8000),
}


def bare() -> Litestar:
    @get("/agents/{name:str}")
    async def agent(name: str) -> dict[str, Any]:
        return {"name": name, "revision": 1, "state": "running"}

    return Litestar(route_handlers=[agent], debug=False, logging_config=None)


async def per_request_us(app: Any, requests: int) -> float:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        return None

    started = time.perf_counter()
    for _ in range(requests):
        await app(dict(SCOPE), receive, send)
    return (time.perf_counter() - started) / requests * 1e6


def variants() -> dict[str, Any]:
    log = logging.getLogger("romas.requests")
    log.propagate = False
    sink = logging.StreamHandler(open("/dev/null", "w"))  # noqa: SIM115 - lives as long as the benchmark
    log.addHandler(sink)
    plain, observed = bare(), bare()
    observed.asgi_handler = RequestObserver(observed.asgi_handler, Settings(), HttpMetrics(CollectorRegistry()))
    json_app = bare()
    json_app.asgi_handler = RequestObserver(
        json_app.asgi_handler, Settings(log_format="json"), HttpMetrics(CollectorRegistry())
    )

    def level(value: int, formatter: logging.Formatter | None = None) -> None:
        log.setLevel(value)
        sink.setFormatter(formatter or logging.Formatter())

    return {
        "bare": (plain, lambda: level(logging.WARNING)),
        "observed, log off": (observed, lambda: level(logging.WARNING)),
        "observed, plain log": (observed, lambda: level(logging.INFO)),
        "observed, json log": (json_app, lambda: level(logging.INFO, JsonFormatter())),
    }


async def main(requests: int, reps: int) -> None:
    runs: dict[str, list[float]] = {}
    chosen = variants()
    for app, _ in chosen.values():
        await per_request_us(app, 500)  # warm up
    for _ in range(reps):
        for name, (app, setup) in chosen.items():
            setup()
            runs.setdefault(name, []).append(await per_request_us(app, requests))
    base = statistics.median(runs["bare"])
    print(f"{'variant':<22} {'us/request':>11} {'ratio':>7}")
    for name, values in runs.items():
        median = statistics.median(values)
        print(f"{name:<22} {median:>11.1f} {median / base:>7.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.reps))
