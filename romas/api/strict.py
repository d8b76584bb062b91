"""JSON bodies are read as strictly as the OpenAPI document describes them.

Litestar converts a body to its struct leniently (``0`` for ``false``, a number for a date-time), so it would
accept what the document calls invalid. Each typed body is decoded once more, strictly, before the handler runs;
a refusal is the same validation problem (422 with JSON Pointers) that Litestar's own decoding raises.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request
from litestar.exceptions import ValidationException


def body_struct(request: Request[Any, Any, Any]) -> type[msgspec.Struct] | None:
    """The struct a handler's ``data`` is declared as, if it is one."""
    parameter = request.route_handler.parsed_fn_signature.parameters.get("data")
    if parameter is None:
        return None
    annotation = parameter.annotation
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        return annotation
    return None


async def check_strict_body(request: Request[Any, Any, Any]) -> None:
    struct = body_struct(request)
    if struct is None:
        return
    body = await request.body()
    try:
        msgspec.json.decode(body, type=struct, strict=True)
    except msgspec.ValidationError as exc:
        raise ValidationException(extra=[{"message": str(exc), "key": "data", "source": "body"}]) from None
    except msgspec.DecodeError:
        return  # malformed JSON: Litestar's own decoding answers 400 with its position
