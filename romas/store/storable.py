"""U+0000 (NUL) as the databases can hold it: PostgreSQL refuses it in text ("invalid byte sequence") and in
``jsonb`` ("unsupported Unicode escape sequence"), and a refused statement fails the whole write, so a string an
agent made with ``"\\0"`` (printed, believed, sent) used to fail the runtime's every flush. romas stores U+FFFD
(the replacement character) in its place, on both databases alike, wherever it writes: JSON documents as they are
encoded, and every text parameter of a statement, raw or built by SQLAlchemy."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

NUL = "\x00"
REPLACEMENT = "\ufffd"
# ``\u0000`` as a JSON escape: preceded by an even number of backslashes (an odd one would escape its backslash).
_ESCAPED_NUL = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000")


def storable_json(text: str) -> str:
    """JSON text with every escaped U+0000 replaced (the encoders never write a raw NUL)."""
    if "\\u0000" not in text:
        return text
    return _ESCAPED_NUL.sub(r"\1\\ufffd", text)


def storable_text(text: str) -> str:
    return text.replace(NUL, REPLACEMENT) if NUL in text else text


def _has_nul(value: Any) -> bool:
    kind = type(value)
    if kind is str:
        return NUL in value
    return kind is list and any(type(v) is str and NUL in v for v in value)


def _storable(value: Any) -> Any:
    if type(value) is str:
        return storable_text(value)
    if type(value) is list:
        return [storable_text(v) if type(v) is str else v for v in value]
    return value


def storable_args(args: Sequence[Any]) -> Sequence[Any]:
    """A statement's positional parameters (text, and arrays of text as ``unnest`` takes them); the same object
    when no text holds U+0000 (the usual case)."""
    for value in args:
        if _has_nul(value):
            return tuple(_storable(v) if _has_nul(v) else v for v in args)
    return args


def storable_rows(rows: Sequence[Sequence[Any]]) -> Sequence[Sequence[Any]]:
    """An executemany's rows of parameters, each as :func:`storable_args`."""
    return [storable_args(row) for row in rows]


def storable_parameters(parameters: Any) -> Any:
    """SQLAlchemy's cursor parameters (a sequence, a mapping, or a list of them for executemany)."""
    if isinstance(parameters, Mapping):
        if any(_has_nul(v) for v in parameters.values()):
            return {k: _storable(v) if _has_nul(v) else v for k, v in parameters.items()}
        return parameters
    if isinstance(parameters, list) and parameters and isinstance(parameters[0], (list, tuple, Mapping)):
        return [storable_parameters(p) for p in parameters]
    if isinstance(parameters, (list, tuple)):
        return storable_args(parameters)
    return parameters
