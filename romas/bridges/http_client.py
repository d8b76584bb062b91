"""``http_client``: an artefact through which agents call HTTP services."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from romas.bridges.base import Bridge
from romas.domain.artefact_types import OperationFailed, async_operation, observable

MAX_BODY_BYTES = 1024 * 1024
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")


class HttpClient(Bridge):
    """Calls HTTP services: the result of each call is ``{"status": S, "body": B}`` with the body decoded (JSON, or
    text). Any status is a result; a refused URL, a connection failure or a timeout fails the operation. A token in
    ``ROMAS_BRIDGE_<ARTEFACT>_TOKEN`` is sent as ``Authorization: Bearer``; hosts follow ``ROMAS_EGRESS_ALLOW``."""

    type_name = "http_client"

    base_url: str = observable(default="", description="relative URLs are resolved against it")
    timeout: float = observable(default=10.0, description="seconds a call may take")
    headers: dict[str, str] = observable(default={}, description="headers sent with every call")
    last_status: int | None = observable(default=None, description="the status of the last answered call")

    @async_operation
    async def get(self, url: str) -> dict[str, Any]:
        """GET a URL (or a path under base_url)."""
        return await self._call("GET", url, None, {})

    @async_operation
    async def post(self, url: str, body: Any) -> dict[str, Any]:
        """POST a body: a string is sent as text, anything else as JSON."""
        return await self._call("POST", url, body, {})

    @async_operation
    async def put(self, url: str, body: Any) -> dict[str, Any]:
        """PUT a body: a string is sent as text, anything else as JSON."""
        return await self._call("PUT", url, body, {})

    @async_operation
    async def delete(self, url: str) -> dict[str, Any]:
        """DELETE a URL."""
        return await self._call("DELETE", url, None, {})

    @async_operation
    async def request(self, method: str, url: str, body: Any, headers: dict[str, str]) -> dict[str, Any]:
        """Any method, with a body (null for none) and extra headers."""
        return await self._call(method.upper(), url, body, headers)

    async def _call(self, method: str, url: str, body: Any, headers: dict[str, str]) -> dict[str, Any]:
        if method not in METHODS:
            raise OperationFailed(f"unknown HTTP method {method}; use one of {', '.join(METHODS)}")
        target = urljoin(self.base_url, url) if self.base_url else url
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise OperationFailed(f"{target!r} is not an absolute http(s) URL (set base_url for paths)")
        await self.link.check_egress(parts.hostname, parts.port)
        sent = {**self.headers, **headers}
        token = self.link.secret("token")
        if token:
            sent["Authorization"] = f"Bearer {token}"
        content: bytes | None = None
        if body is not None:
            if isinstance(body, str):
                content = body.encode()
                sent.setdefault("Content-Type", "text/plain; charset=utf-8")
            else:
                content = json.dumps(body).encode()
                sent.setdefault("Content-Type", "application/json")
        try:
            async with (
                httpx.AsyncClient(timeout=self.timeout, follow_redirects=False, trust_env=False) as client,
                client.stream(method, target, content=content, headers=sent) as response,
            ):
                raw = bytearray()
                async for chunk in response.aiter_bytes():
                    raw += chunk
                    if len(raw) > MAX_BODY_BYTES:
                        raise OperationFailed(f"{method} {target}: the answer is larger than {MAX_BODY_BYTES} bytes")
        except httpx.TimeoutException:
            raise OperationFailed(f"{method} {target} timed out after {self.timeout:g}s") from None
        except httpx.HTTPError as exc:
            raise OperationFailed(f"{method} {target} failed: {type(exc).__name__}: {exc}") from None
        self.last_status = response.status_code
        return {"status": response.status_code, "body": _decode(bytes(raw), response.headers.get("content-type", ""))}


def _decode(raw: bytes, content_type: str) -> Any:
    text = raw.decode("utf-8", errors="replace")
    if "json" in content_type:
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text
