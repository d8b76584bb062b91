"""The few requests ``romas apply``, ``export`` and ``rollback`` make, and the server's refusals as one error
type the commands turn into a message and an exit code."""

from __future__ import annotations

from typing import Any

import httpx
import msgspec

from romas import __version__
from romas.deploy.manifest import Manifest
from romas.deploy.record import deployment_path


class ServerError(Exception):
    """The server refused or failed, or could not be reached; ``problem`` is its RFC 9457 answer, if any."""

    def __init__(self, message: str, *, status: int | None = None, problem: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.problem = problem or {}

    def lines(self) -> list[str]:
        """The message, then each located problem the server listed."""
        out = [str(self)]
        for item in self.problem.get("errors") or []:
            if isinstance(item, dict):
                where = ":".join(str(item[k]) for k in ("path", "line", "column") if item.get(k) not in (None, ""))
                out.append(f"  {where}: {item.get('message', '')}" if where else f"  {item.get('message', '')}")
        return out


class Server:
    """A romas server at ``url``, reached with an optional bearer token."""

    def __init__(self, url: str, token: str | None = None, *, timeout: float = 60.0) -> None:
        self.url = url.rstrip("/")
        headers = {"Accept": "application/hal+json", "User-Agent": f"romas/{__version__}"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._client = httpx.Client(base_url=self.url, headers=headers, timeout=timeout)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self._client.close()

    def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise ServerError(f"cannot reach {self.url}: {exc}") from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.is_success and isinstance(body, dict):
            return body
        problem = body if isinstance(body, dict) else None
        detail = problem.get("detail") if problem else None
        reason = f"{response.status_code} {response.reason_phrase}"
        raise ServerError(
            f"{method} {path}: {reason}: {detail or 'no explanation'}", status=response.status_code, problem=problem
        )

    def deploy(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._request("POST", "/deployments", json=body)

    def rollback(self, number: int, *, force: bool = False, dry_run: bool = False) -> dict[str, Any]:
        params = {"force": str(force).lower(), "dry_run": str(dry_run).lower()}
        return self._request("POST", f"{deployment_path(number)}/rollback", params=params)

    def manifest(self, at: str | None = None) -> Manifest:
        body = self._request("GET", "/manifest", params={"at": at} if at else None)
        try:
            return Manifest.from_builtins(body.get("manifest"))
        except msgspec.ValidationError as exc:
            raise ServerError(f"GET /manifest: the answer is not a manifest: {exc}") from None
