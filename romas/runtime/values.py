"""Between AgentSpeak terms and the JSON values of artefact properties, arguments and results.

Atoms become strings (``push(carol)`` pushes ``"carol"``), strings stay strings, lists stay lists, ``true`` and
``false`` are booleans, a JSON ``null`` is the atom ``null``, and a JSON object becomes a list of
``kv(Key, Value)`` pairs, which agents read with ``.member(kv(K, V), L)``.
"""

from __future__ import annotations

from typing import Any

from romas.agentspeak.terms import Struct, Term, Var

JSON_NULL = Struct("null")


class NotAValue(ValueError):
    """A term that has no JSON value (an unbound variable, a structure with annotations, ...)."""


def to_value(term: Term) -> Any:
    kind = type(term)
    if kind is bool:
        return term
    if kind is int or kind is float or kind is str:
        return term
    if kind is tuple:
        return [to_value(item) for item in term]  # type: ignore[union-attr]
    if kind is Struct:
        struct: Struct = term  # type: ignore[assignment]
        if not struct.args:
            if struct.functor == "true":
                return True
            if struct.functor == "false":
                return False
            if struct.functor == "null":
                return None
            return struct.functor
        if struct.functor == "kv" and len(struct.args) == 2 and isinstance(struct.args[0], str | Struct):
            key = to_value(struct.args[0])
            return {str(key): to_value(struct.args[1])}
        return {"functor": struct.functor, "args": [to_value(a) for a in struct.args]}
    if kind is Var:
        raise NotAValue("an unbound variable has no value")
    raise NotAValue(f"no JSON value for {term!r}")


def to_term(value: Any) -> Term:
    if value is None:
        return JSON_NULL
    if value is True:
        return Struct("true")
    if value is False:
        return Struct("false")
    if isinstance(value, int | float | str):
        return value
    if isinstance(value, list):
        return tuple(to_term(v) for v in value)
    if isinstance(value, dict):
        return tuple(Struct("kv", (str(k), to_term(v))) for k, v in value.items())
    raise NotAValue(f"no term for {type(value).__name__}")
