"""Start ``romas serve`` processes from an interpreter that has already imported romas.

Each end-to-end test starts one or more servers, and a new interpreter spends half of a server's start (about half
a second of CPU) importing Litestar, SQLAlchemy and romas before it runs a line of ``romas serve``. A test worker
keeps one fork server: a process that imported what ``romas serve`` imports, and forks a child for each server a
test asks for. The child is a process of its own, which sets its working folder, environment and output as asked
and runs ``romas.cli.main(["serve", ...])``, the function the ``romas`` command runs; its exit status is the
command's. The fork server is its parent, so it reaps it and reports how it ended.

The protocol is one JSON object per line on the fork server's stdin and stdout:
``{"spawn": [args], "cwd": ..., "env": {...}, "log": path}`` answers ``{"pid": n}``; ``{"poll": pid}`` answers
``{"status": code or null}`` (a negative code for a signal, as ``subprocess`` says it).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, TextIO


def _child(request: dict[str, Any], channel: tuple[int, int]) -> None:
    """In the forked child: become the ``romas`` command with the given arguments, and never return."""
    code = 1
    try:
        for fd in channel:
            os.close(fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        sys.argv = ["romas", *request["spawn"]]
        from romas.cli import main

        try:
            code = main(request["spawn"])
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)


def _preload() -> None:
    """What ``romas serve`` imports before it answers, and the modules uvicorn picks at start."""
    import httptools  # noqa: F401
    import uvicorn
    import uvicorn.lifespan.on
    import uvicorn.loops.uvloop
    import uvicorn.protocols.http.httptools_impl
    import uvicorn.protocols.websockets.auto  # noqa: F401
    import uvloop  # noqa: F401

    import romas.cli
    import romas.logs
    import romas.server
    import romas.store.engine  # noqa: F401


def serve(requests: TextIO, answers: TextIO) -> None:
    """The fork server's loop (single-threaded, so that a fork copies a consistent process)."""
    _preload()
    channel = (requests.fileno(), answers.fileno())
    ended: dict[int, int] = {}
    for line in requests:
        request = json.loads(line)
        if "spawn" in request:
            pid = os.fork()
            if pid == 0:
                _child(request, channel)
            answer: dict[str, Any] = {"pid": pid}
        else:
            pid = int(request["poll"])
            if pid not in ended:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    ended[pid] = os.waitstatus_to_exitcode(status)
            answer = {"status": ended.get(pid)}
        answers.write(json.dumps(answer) + "\n")
        answers.flush()


class ForkServer:
    """One worker's fork server (started on first use, stopped with the worker)."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self._process = subprocess.Popen(
                    [sys.executable, "-m", "tests.e2e.forkserver"],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                    cwd=Path(__file__).resolve().parents[2],
                )
                atexit.register(self.close)
            assert self._process.stdin is not None and self._process.stdout is not None
            self._process.stdin.write(json.dumps(request) + "\n")
            self._process.stdin.flush()
            answer: dict[str, Any] = json.loads(self._process.stdout.readline())
            return answer

    def spawn(self, args: list[str], *, cwd: Path, env: dict[str, str], log: Path) -> ForkedProcess:
        answer = self._ask({"spawn": args, "cwd": str(cwd), "env": env, "log": str(log)})
        return ForkedProcess(self, int(answer["pid"]), args)

    def poll(self, pid: int) -> int | None:
        status = self._ask({"poll": pid})["status"]
        return None if status is None else int(status)

    def close(self) -> None:
        if self._process is not None and self._process.poll() is None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            self._process.wait(timeout=10)


class ForkedProcess:
    """A server started by the fork server, with the part of ``subprocess.Popen`` the tests use."""

    def __init__(self, server: ForkServer, pid: int, args: list[str]) -> None:
        self._server = server
        self.pid = pid
        self.args = args
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self._server.poll(self.pid)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(self.args, timeout or 0.0)
            time.sleep(0.01)
        assert self.returncode is not None
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


if __name__ == "__main__":
    serve(sys.stdin, sys.stdout)
