"""Corrections to what Litestar can infer for the OpenAPI document."""

from __future__ import annotations

from dataclasses import dataclass

from litestar.openapi.spec import OpenAPIResponse, Operation, RequestBody

from romas.api.media import JSON, MERGE_PATCH_JSON


@dataclass
class MergePatchOperation(Operation):
    """PATCH bodies are JSON merge patches (RFC 7396); plain application/json is accepted as well."""

    def __post_init__(self) -> None:
        body = self.request_body
        if isinstance(body, RequestBody) and body.content:
            media = next(iter(body.content.values()))
            body.content = {MERGE_PATCH_JSON: media, JSON: media}


@dataclass
class NoContentOperation(Operation):
    """A 204 has no body; Litestar would otherwise document one."""

    def __post_init__(self) -> None:
        for status, response in (self.responses or {}).items():
            if status == "204" and isinstance(response, OpenAPIResponse):
                response.content = None
