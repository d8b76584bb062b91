"""The read baseline: a bare Litestar app that answers ``GET /agents/{name}`` with a fixed JSON dict.

It is served exactly the way ``romas serve`` serves romas (uvicorn, uvloop, httptools, one worker, no access
log), so the only difference the read benchmark sees is what romas does per request: routing through its
controllers, the database query, building the HAL representation.

    python -m bench.bare_app --port 8100 --body body.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import uvicorn
from litestar import Litestar, get


def create_app(body: dict[str, Any]) -> Litestar:
    @get("/agents/{name:str}", media_type="application/hal+json")
    async def agent(name: str) -> dict[str, Any]:
        return body

    @get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return Litestar(route_handlers=[agent, health], debug=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--body", type=Path, required=True, help="a JSON file holding the dict to answer with")
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args()
    body = json.loads(args.body.read_text(encoding="utf-8"))
    # The same uvicorn settings as `romas serve` (app/cli.py).
    config = uvicorn.Config(
        create_app(body),
        host=args.host,
        port=args.port,
        loop="uvloop",
        http="httptools",
        log_level=args.log_level,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=10,
    )
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()
