"""A real ``romas serve`` process for end-to-end tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import httpx
import pytest

from tests.databases import fresh_database
from tests.e2e.forkserver import ForkedProcess, ForkServer

ROMAS = str(Path(sys.executable).with_name("romas"))
FORK_SERVER = ForkServer()
"""This worker's fork server (see forkserver.py); ``ROMAS_TEST_FORKSERVER=0`` starts every server as a new
``romas`` command instead."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    def __init__(self, process: subprocess.Popen[bytes] | ForkedProcess, url: str, log: Path) -> None:
        self.process = process
        self.url = url
        self.log = log

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def wait_healthy(server: ServerProcess, timeout: float) -> None:
    """Poll /health until it answers 200. One client for every poll: a new one per request (``httpx.get``) builds
    a TLS context each time, which costs more CPU than the server's own start when the machine is busy."""
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=server.url, timeout=1.0) as client:
        while True:
            if server.process.poll() is not None:
                raise RuntimeError(f"romas serve exited with {server.process.returncode}:\n{server.output()}")
            try:
                if client.get("/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"romas serve did not answer within {timeout}s:\n{server.output()}")
            time.sleep(0.05)


@contextmanager
def running_server(
    database_url: str,
    workdir: Path,
    *,
    extra_args: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    timeout: float = 120.0,
) -> Iterator[ServerProcess]:
    """Start ``romas serve``, wait until /health answers, and stop it with SIGTERM afterwards."""
    port = free_port()
    log = workdir / f"server-{port}.log"
    environment = {**os.environ, **(env or {})}
    args = ["serve", "--port", str(port), "--database-url", database_url, *extra_args]
    process: subprocess.Popen[bytes] | ForkedProcess
    if os.environ.get("ROMAS_TEST_FORKSERVER", "1") == "1":
        process = FORK_SERVER.spawn(args, cwd=workdir, env=environment, log=log)
    else:
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [ROMAS, *args], stdout=sink, stderr=subprocess.STDOUT, cwd=workdir, env=environment
            )
    server = ServerProcess(process, f"http://127.0.0.1:{port}", log)
    try:
        wait_healthy(server, timeout)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def shared_server_of(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    start: Callable[[str, Path], AbstractContextManager[ServerProcess]],
) -> Iterator[ServerProcess]:
    """A server for the tests of a module, on a fresh database of the fixture's parameter (see ``BACKENDS``)."""
    folder = tmp_path_factory.mktemp(f"shared-{request.fixturename}")
    with fresh_database(request, request.param, folder) as url, start(url, folder) as process:
        yield process


def keep_together(items: list[pytest.Item], fixture: str) -> None:
    """Move the tests that use one module's shared ``fixture`` on one database next to the first of them.

    The suite runs the longest tests first, which scatters a module's tests among the others; pytest ends a
    module-scoped fixture as soon as the next test is from another module, so a scattered module would start its
    server again for each test. Together, they go to one worker one after the other (work stealing may still split
    a group: each worker then starts its own)."""

    def key(item: pytest.Item) -> tuple[str, object] | None:
        callspec = getattr(item, "callspec", None)
        if callspec is None or fixture not in callspec.params:
            return None
        return str(item.path), callspec.params[fixture]

    groups: dict[tuple[str, object], list[pytest.Item]] = {}
    for item in items:
        group = key(item)
        if group is not None:
            groups.setdefault(group, []).append(item)
    ordered: list[pytest.Item] = []
    for item in items:
        group = key(item)
        if group is None:
            ordered.append(item)
        elif group in groups:
            ordered.extend(groups.pop(group))
    items[:] = ordered
