"""The built-in artefact types: counter, board and queue."""

from __future__ import annotations

import json
from typing import Any

import pytest

from romas.domain.artefact_types import Invocation, builtin_registry, invoke
from romas.domain.builtin_artefacts import BUILTIN_TYPES, Board, Counter, Queue
from romas.domain.errors import FieldError


def ok(result: Invocation) -> Invocation:
    assert result.failure is None, result.failure
    return result


def test_the_registry_holds_the_built_ins() -> None:
    registry = builtin_registry()
    assert registry.names() == ["board", "counter", "queue"]
    assert {registry[name] for name in registry} == set(BUILTIN_TYPES)


# -- counter ---------------------------------------------------------------------------------------------


def test_counter_describe() -> None:
    described = Counter.describe()
    assert described["name"] == "counter"
    assert described["properties"]["count"]["default"] == 0
    assert described["properties"]["count"]["schema"] == {"type": "integer"}
    assert [op["signature"] for op in described["operations"].values()] == ["inc()", "dec()", "reset(value: integer)"]
    assert described["operations"]["reset"]["args_schema"] == {
        "type": "array",
        "prefixItems": [{"type": "integer"}],
        "minItems": 1,
        "maxItems": 1,
    }
    assert described["signals"] == {}
    json.dumps(described)


def test_counter_operations() -> None:
    props, _ = Counter.validate_properties({"count": 5})
    assert props == {"count": 5}
    props = ok(invoke(Counter, props, "inc", [])).properties
    assert props == {"count": 6}
    props = ok(invoke(Counter, props, "dec", [])).properties
    props = ok(invoke(Counter, props, "dec", [])).properties
    assert props == {"count": 4}
    result = ok(invoke(Counter, props, "reset", [-7]))
    assert result.properties == {"count": -7} and result.changed == ("count",) and result.result is None


def test_counter_refuses_bad_values() -> None:
    assert Counter.validate_properties({"count": 1.5}) == (
        None,
        [FieldError("/count", "expected integer, got number")],
    )
    result = invoke(Counter, {"count": 0}, "reset", [1.5])
    assert result.failure is not None and result.failure.kind == "invalid_arguments"
    assert result.failure.message == (
        "reset expects (value: integer); argument 1 (value): expected integer, got number"
    )
    result = invoke(Counter, {"count": 0}, "reset", [])
    assert result.failure is not None
    assert result.failure.message == "reset expects (value: integer), got 0 arguments"


def test_fifty_increments_in_a_row() -> None:
    props: dict[str, Any] = {"count": 0}
    for _ in range(50):
        props = ok(invoke(Counter, props, "inc", [])).properties
    assert props == {"count": 50}


# -- board -----------------------------------------------------------------------------------------------


def test_board_put_and_remove() -> None:
    props, _ = Board.validate_properties({})
    assert props == {"entries": {}}
    props = ok(invoke(Board, props, "put", ["price", {"tea": 3}])).properties
    props = ok(invoke(Board, props, "put", ["owner", "ann"])).properties
    assert props == {"entries": {"price": {"tea": 3}, "owner": "ann"}}
    props = ok(invoke(Board, props, "put", ["owner", "bob"])).properties
    assert props["entries"]["owner"] == "bob"
    props = ok(invoke(Board, props, "remove", ["price"])).properties
    assert props == {"entries": {"owner": "bob"}}


def test_removing_a_missing_key_fails_clearly() -> None:
    result = invoke(Board, {"entries": {"a": 1}}, "remove", ["b"])
    assert result.failure is not None
    assert (result.failure.kind, result.failure.message) == ("failed", "the board has no entry 'b'")
    assert result.properties == {"entries": {"a": 1}}


def test_board_keys_are_strings() -> None:
    result = invoke(Board, {"entries": {}}, "put", [1, "x"])
    assert result.failure is not None and result.failure.kind == "invalid_arguments"
    assert Board.describe()["operations"]["put"]["signature"] == "put(key: string, value: any)"


# -- queue -----------------------------------------------------------------------------------------------


def test_queue_is_first_in_first_out() -> None:
    props, _ = Queue.validate_properties({})
    assert props == {"items": [], "size": 0}
    first = ok(invoke(Queue, props, "push", ["a"]))
    assert first.signals[0].name == "pushed" and first.signals[0].args == ("a",)
    props = ok(invoke(Queue, first.properties, "push", [{"job": 2}])).properties
    assert props == {"items": ["a", {"job": 2}], "size": 2}
    popped = ok(invoke(Queue, props, "pop", []))
    assert popped.result == "a"
    assert popped.properties == {"items": [{"job": 2}], "size": 1}
    assert [(s.name, s.args) for s in popped.signals] == [("popped", ("a",))]
    assert popped.changed == ("items", "size")


def test_popping_an_empty_queue_fails() -> None:
    result = invoke(Queue, {"items": [], "size": 0}, "pop", [])
    assert result.failure is not None
    assert (result.failure.kind, result.failure.message) == ("failed", "queue is empty")
    assert result.signals == ()


def test_queue_size_is_derived_from_items() -> None:
    assert Queue.validate_properties({"items": [1, 2, 3]}) == ({"items": [1, 2, 3], "size": 3}, [])
    assert Queue.validate_properties({"items": [1], "size": 1}) == ({"items": [1], "size": 1}, [])
    props, errors = Queue.validate_properties({"items": [1], "size": 4})
    assert props is None
    assert errors == [FieldError("/size", "property 'size' is computed from the others: it is 1, not 4")]


def test_queue_describe() -> None:
    described = Queue.describe()
    assert described["properties"]["size"]["computed"] is True
    assert described["properties"]["size"]["schema"] == {"type": "integer"}
    assert described["operations"]["pop"]["returns"] == {}
    assert described["operations"]["push"]["returns"] is None
    assert set(described["signals"]) == {"pushed", "popped"}


@pytest.mark.parametrize("artefact_type", BUILTIN_TYPES)
def test_every_operation_has_a_description(artefact_type: Any) -> None:
    described = artefact_type.describe()
    assert described["description"]
    assert all(op["description"] for op in described["operations"].values())
    assert all(prop["description"] for prop in described["properties"].values())
