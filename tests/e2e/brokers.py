"""Brokers a test may stop: private instances on free ports (nats-server, mosquitto, redis-server) and a TCP proxy
in front of the shared RabbitMQ that the test cuts and restores. The shared brokers on their usual ports are never
touched. And the scenario every bridge must pass: a broker that is down gives operation failures (which an agent's
``-!g`` plan catches) instead of a stuck agent, and the bridge reconnects when it is back, again and again."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import httpx
import pytest

from tests.e2e.bridges import beliefs, eventually, operate

BINARIES = {
    "nats-server": "/usr/sbin/nats-server",
    "mosquitto": "/usr/sbin/mosquitto",
    "redis-server": "/usr/bin/redis-server",
}


def binary(name: str) -> str:
    found = shutil.which(name) or (BINARIES[name] if Path(BINARIES[name]).exists() else None)
    if found is None:
        pytest.skip(f"no {name} on this machine")
    return found


def _listening(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True
    return False


@contextmanager
def _process(command: list[str], port: int) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        eventually(lambda: _listening(port) or process.poll() is not None, f"{command[0]} on port {port}", 20)
        assert process.poll() is None, f"{command[0]} did not start"
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def private_nats(port: int) -> AbstractContextManager[subprocess.Popen[bytes]]:
    return _process([binary("nats-server"), "-a", "127.0.0.1", "-p", str(port)], port)


def private_mosquitto(port: int) -> AbstractContextManager[subprocess.Popen[bytes]]:
    return _process([binary("mosquitto"), "-p", str(port)], port)


def private_redis(port: int) -> AbstractContextManager[subprocess.Popen[bytes]]:
    command = [binary("redis-server"), "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    return _process(command, port)


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target port; ``cut()`` drops every connection and stops listening (the
    broker looks down), ``restore()`` listens again on the same port."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self._server: socket.socket | None = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port: int = probe.getsockname()[1]
        probe.close()

    def restore(self) -> None:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(16)
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            server, self._server = self._server, None
            sockets, self._sockets = self._sockets, []
        if server is not None:
            with contextlib.suppress(OSError):
                server.shutdown(socket.SHUT_RDWR)
            server.close()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                if self._server is not server:
                    client.close()
                    upstream.close()
                    return
                self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


@contextmanager
def proxy_up(proxy: TcpProxy) -> Iterator[TcpProxy]:
    proxy.restore()
    try:
        yield proxy
    finally:
        proxy.cut()


def down_and_back(
    client: httpx.Client,
    artefact: str,
    operation: str,
    args: list[object],
    up: Callable[[], AbstractContextManager[object]],
    down_says: str = "no connection",
    result: bool = False,
) -> None:
    """The bridge artefact ``artefact`` (in workspace ``w``) points at a broker that is down: the operation fails
    saying so, and an agent calling it gets a failure its ``-!`` plan handles; once ``up()`` runs the broker, the
    operation succeeds; down again, it fails; up again, it succeeds again."""
    literal = ", ".join([f'"{a}"' if isinstance(a, str) else str(a) for a in args] + (["R"] if result else []))
    down = operate(client, artefact, operation, *args)
    assert down["status"] == "failed" and down_says in down["error"]["detail"], down
    code = f"-!call[error_msg(M)] <- +failed_with(M).\n+!call <- {operation}({literal})[artefact({artefact})]; +done.\n"
    assert client.put("/agents/caller", json={"code": code}).is_success
    client.post("/agents/caller/commands", json={"body": "joinWorkspace(w); !call"})
    eventually(lambda: any(b.startswith("failed_with(") for b in beliefs(client, "caller")), "the agent's failure")
    with up():
        eventually(lambda: operate(client, artefact, operation, *args)["status"] == "succeeded", "a reconnection")
        client.post("/agents/caller/commands", json={"body": "!call"})
        eventually(lambda: any(b.startswith("done[") for b in beliefs(client, "caller")), "the agent's call")
    eventually(lambda: operate(client, artefact, operation, *args)["status"] == "failed", "the broker down again")
    with up():
        eventually(
            lambda: operate(client, artefact, operation, *args)["status"] == "succeeded", "a second reconnection"
        )
