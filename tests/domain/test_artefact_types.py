"""Artefact types as classes: schemas from annotations, property validation, invocation, registry, loader."""

# No `from __future__ import annotations` here: types defined inside test functions are resolved at class
# creation, and postponed annotations could not see names local to a test.

import importlib.metadata
import sys
import textwrap
import uuid
from pathlib import Path
from typing import Any, ClassVar, Literal, Optional

import pytest

from romas.domain.artefact_types import (
    ENTRY_POINT_GROUP,
    ArtefactType,
    ArtefactTypeError,
    ArtefactTypeLoadError,
    OperationFailed,
    Registry,
    Signal,
    check_call,
    computed,
    invoke,
    json_type,
    load_artefact_types,
    observable,
    operation,
    types_in,
)
from romas.domain.builtin_artefacts import Counter
from romas.domain.errors import FieldError

# -- JSON schemas from annotations -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("annotation", "schema", "text"),
    [
        (int, {"type": "integer"}, "integer"),
        (float, {"type": "number"}, "number"),
        (str, {"type": "string"}, "string"),
        (bool, {"type": "boolean"}, "boolean"),
        (None, {"type": "null"}, "null"),
        (Any, {}, "any"),
        (object, {}, "any"),
        (list, {"type": "array", "items": {}}, "array"),
        (list[int], {"type": "array", "items": {"type": "integer"}}, "array<integer>"),
        (dict, {"type": "object", "additionalProperties": {}}, "object"),
        (
            dict[str, list[str]],
            {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
            "object<array<string>>",
        ),
        (int | None, {"anyOf": [{"type": "integer"}, {"type": "null"}]}, "integer | null"),
        (Optional[str], {"anyOf": [{"type": "string"}, {"type": "null"}]}, "string | null"),  # noqa: UP045
        (Literal["open", "closed"], {"enum": ["open", "closed"]}, '"open" | "closed"'),
    ],
)
def test_json_schema_of_annotations(annotation: Any, schema: dict[str, Any], text: str) -> None:
    kind = json_type(annotation)
    assert kind.schema() == schema
    assert kind.text() == text


@pytest.mark.parametrize("annotation", [set[int], tuple[int, int], dict[int, str], bytes, Path, Literal[1.5]])
def test_annotations_that_are_not_json_are_refused(annotation: Any) -> None:
    with pytest.raises(ArtefactTypeError):
        json_type(annotation)


# -- a user-defined type ---------------------------------------------------------------------------------


class Auction(ArtefactType):
    """An English auction: bids must beat the best offer.

    More text that the description leaves out.
    """

    type_name = "auction"
    signals = {"outbid": "someone beat the best offer; args: (previous bidder, new price)"}

    item: str = observable(description="what is sold")
    best: float = observable(default=0.0, description="the best offer so far")
    bidder: str | None = None
    history: list[dict[str, Any]] = observable(default=[], description="every accepted bid")
    state: Literal["open", "closed"] = "open"

    @computed
    def bids(self) -> int:
        """how many bids were accepted"""
        return len(self.history)

    @operation
    def bid(self, who: str, price: float) -> float:
        """Offer a price; fails unless it beats the best offer."""
        if self.state == "closed":
            raise OperationFailed("the auction is closed")
        if price <= self.best:
            raise OperationFailed(f"{price} does not beat {self.best}")
        if self.bidder is not None:
            self.signal("outbid", self.bidder, price)
        self.best, self.bidder = price, who
        self.history.append({"who": who, "price": price})
        return price

    @operation
    def close(self, reason: str = "sold") -> None:
        """Close the auction."""
        self.state = "closed"

    @operation
    def crash(self) -> None:
        raise ZeroDivisionError("boom")

    @operation
    def corrupt(self) -> None:
        self.best = "a lot"  # type: ignore[assignment]

    @operation
    def shout(self) -> None:
        self.signal("shouted")

    @operation
    def leak(self) -> None:
        self.signal("outbid", {1, 2})

    @operation
    def lie(self) -> float:
        return "not a number"  # type: ignore[return-value]

    def helper(self) -> int:
        """Not an operation: a plain method stays private to the type."""
        return 1


AUCTION = {"item": "vase", "best": 10.0, "bidder": None, "history": [], "state": "open", "bids": 0}


def test_describe_a_user_type() -> None:
    described = Auction.describe()
    assert described["name"] == "auction"
    assert described["description"] == "An English auction: bids must beat the best offer."
    assert list(described["properties"]) == ["item", "best", "bidder", "history", "state", "bids"]
    assert described["properties"]["item"] == {
        "schema": {"type": "string"},
        "type": "string",
        "required": True,
        "computed": False,
        "description": "what is sold",
    }
    assert described["properties"]["bidder"]["default"] is None
    assert described["properties"]["bids"]["computed"] is True
    assert described["properties"]["bids"]["description"] == "how many bids were accepted"
    assert described["properties_schema"]["required"] == ["item"]
    assert described["properties_schema"]["additionalProperties"] is False
    assert "helper" not in described["operations"]
    bid = described["operations"]["bid"]
    assert bid["signature"] == "bid(who: string, price: number)"
    assert bid["description"] == "Offer a price; fails unless it beats the best offer."
    assert bid["returns"] == {"type": "number"}
    assert bid["args_schema"] == {
        "type": "array",
        "prefixItems": [{"type": "string"}, {"type": "number"}],
        "minItems": 2,
        "maxItems": 2,
    }
    close = described["operations"]["close"]
    assert close["signature"] == 'close(reason: string = "sold")'
    assert close["params"] == [
        {"name": "reason", "schema": {"type": "string"}, "type": "string", "required": False, "default": "sold"}
    ]
    assert close["args_schema"]["minItems"] == 0 and close["args_schema"]["maxItems"] == 1
    assert close["returns"] is None
    assert described["signals"] == {
        "outbid": {"description": "someone beat the best offer; args: (previous bidder, new price)"}
    }


def test_describe_is_plain_json() -> None:
    import json

    assert json.loads(json.dumps(Auction.describe())) == Auction.describe()


# -- properties ------------------------------------------------------------------------------------------


def test_missing_properties_take_their_defaults() -> None:
    props, errors = Auction.validate_properties({"item": "vase"})
    assert errors == []
    assert props == {"item": "vase", "best": 0.0, "bidder": None, "history": [], "state": "open", "bids": 0}


def test_properties_are_normalized_and_idempotent() -> None:
    props, _ = Auction.validate_properties({"item": "vase", "best": 10})
    assert props is not None
    assert props["best"] == 10.0 and isinstance(props["best"], float)
    assert Auction.validate_properties(props) == (props, [])


def test_defaults_are_copied_for_each_artefact() -> None:
    first, _ = Auction.validate_properties({"item": "a"})
    assert first is not None
    first["history"].append({"who": "x"})
    second, _ = Auction.validate_properties({"item": "b"})
    assert second is not None and second["history"] == []


@pytest.mark.parametrize(
    ("properties", "path", "message"),
    [
        ({"item": "vase", "colour": "blue"}, "/colour", "unknown property 'colour'"),
        ({}, "/item", "property 'item' is required"),
        ({"item": 3}, "/item", "expected string, got integer"),
        ({"item": "vase", "best": True}, "/best", "expected number, got boolean"),
        ({"item": "vase", "best": "10"}, "/best", "expected number, got string"),
        ({"item": "vase", "state": "paused"}, "/state", 'expected one of "open" | "closed"'),
        ({"item": "vase", "bidder": 5}, "/bidder", "expected string | null, got integer"),
        ({"item": "vase", "history": [{"who": "x"}, 3]}, "/history/1", "expected object, got integer"),
        ({"item": "vase", "bids": 2}, "/bids", "computed from the others: it is 0, not 2"),
        ({"item": "a/b", "x~y": 1}, "/x~0y", "unknown property"),
    ],
)
def test_property_errors(properties: dict[str, Any], path: str, message: str) -> None:
    props, errors = Auction.validate_properties(properties)
    assert props is None
    assert any(e.path == path and message in e.message for e in errors), errors


def test_every_property_error_is_reported() -> None:
    _, errors = Auction.validate_properties({"best": "x", "state": 1, "extra": 0})
    assert {e.path for e in errors} == {"/extra", "/item", "/best", "/state"}


def test_properties_must_be_an_object() -> None:
    assert Auction.validate_properties([1]) == (None, [FieldError("", "expected an object of properties, got array")])


def test_properties_may_be_absent_when_all_have_defaults() -> None:
    assert Counter.validate_properties(None) == ({"count": 0}, [])


def test_non_json_values_are_refused() -> None:
    class Holder(ArtefactType):
        type_name = "holder"
        value: Any = None

    for bad in (float("nan"), {1: "a"}, {"a": object()}):
        props, errors = Holder.validate_properties({"value": bad})
        assert props is None and errors[0].path.startswith("/value")


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    class Holder(ArtefactType):
        type_name = "holder"
        value: Any = None

    deep: Any = []
    for _ in range(100_000):
        deep = [deep]
    props, errors = Holder.validate_properties({"value": deep})
    assert props is None and "nested too deeply" in errors[0].message


# -- invocation ------------------------------------------------------------------------------------------


def test_a_successful_operation() -> None:
    result = invoke(Auction, {**AUCTION, "bidder": "ann", "best": 10.0}, "bid", ["bob", 12])
    assert result.ok and result.failure is None
    assert result.result == 12.0
    assert result.properties["best"] == 12.0 and result.properties["bidder"] == "bob"
    assert result.properties["bids"] == 1
    assert result.changed == ("best", "bidder", "history", "bids")
    assert result.signals == (Signal("outbid", ("ann", 12.0)),)


def test_an_operation_with_a_default_argument() -> None:
    assert invoke(Auction, AUCTION, "close", []).properties["state"] == "closed"
    assert invoke(Auction, AUCTION, "close", ["withdrawn"]).ok


def test_an_operation_that_changes_nothing() -> None:
    result = invoke(Auction, {**AUCTION, "state": "closed"}, "close", [])
    assert result.ok and result.changed == () and result.result is None


def test_the_given_properties_are_not_mutated() -> None:
    given = {**AUCTION, "history": [{"who": "ann", "price": 10.0}]}
    snapshot = repr(given)
    invoke(Auction, given, "bid", ["bob", 20])
    assert repr(given) == snapshot


def test_a_deliberate_failure_changes_nothing() -> None:
    result = invoke(Auction, AUCTION, "bid", ["bob", 5])
    assert not result.ok
    assert result.failure is not None
    assert result.failure.kind == "failed"
    assert result.failure.message == "5.0 does not beat 10.0"
    assert result.properties == AUCTION
    assert result.signals == () and result.changed == ()


@pytest.mark.parametrize(
    ("operation_name", "message"),
    [
        ("crash", "crash failed: ZeroDivisionError: boom"),
        ("corrupt", "corrupt failed: property 'best' would hold an invalid value: expected number, got string"),
        ("shout", "signal 'shouted' is not declared by artefact type 'auction'"),
        ("leak", "signal 'outbid' argument 0: expected a JSON value, got a Python set"),
        ("lie", "lie failed: it returned an invalid result: expected number, got string"),
    ],
)
def test_failures_inside_user_code_never_escape(operation_name: str, message: str) -> None:
    result = invoke(Auction, AUCTION, operation_name, [])
    assert result.failure is not None
    assert (result.failure.kind, result.failure.message) == ("failed", message)
    assert result.properties == AUCTION


def test_signals_emitted_before_a_failure_are_dropped() -> None:
    class Noisy(ArtefactType):
        type_name = "noisy"
        signals = {"ping": "a ping"}

        @operation
        def go(self) -> None:
            self.signal("ping")
            raise OperationFailed("no")

    result = invoke(Noisy, {}, "go", [])
    assert result.signals == () and not result.ok


@pytest.mark.parametrize(
    ("operation_name", "args", "kind", "message"),
    [
        (
            "sell",
            [],
            "unknown_operation",
            "artefact type 'auction' has no operation 'sell'; its operations: bid(who: string, price: number), "
            'close(reason: string = "sold"), crash(), corrupt(), shout(), leak(), lie()',
        ),
        ("bid", ["bob"], "invalid_arguments", "bid expects (who: string, price: number), got 1 argument"),
        ("bid", ["bob", 1, 2], "invalid_arguments", "bid expects (who: string, price: number), got 3 arguments"),
        ("close", ["a", "b"], "invalid_arguments", 'close expects (reason: string = "sold"), got 2 arguments'),
        (
            "bid",
            ["bob", "lots"],
            "invalid_arguments",
            "bid expects (who: string, price: number); argument 2 (price): expected number, got string",
        ),
        ("bid", {"who": "bob"}, "invalid_arguments", "bid expects (who: string, price: number); args must be an array"),
    ],
)
def test_calls_that_do_not_fit(operation_name: str, args: object, kind: str, message: str) -> None:
    failure = check_call(Auction, operation_name, args)
    assert failure is not None
    assert failure.kind == kind
    assert failure.message.startswith(message)
    result = invoke(Auction, AUCTION, operation_name, args)
    assert result.failure == failure and result.properties == AUCTION


def test_argument_errors_carry_paths() -> None:
    failure = check_call(Auction, "bid", [1, "x"])
    assert failure is not None
    assert [e.path for e in failure.errors] == ["/args/0", "/args/1"]


def test_a_call_that_fits() -> None:
    assert check_call(Auction, "bid", ["bob", 3]) is None


def test_invalid_stored_properties_fail_the_invocation() -> None:
    result = invoke(Auction, {"best": 1.0}, "close", [])
    assert result.failure is not None
    assert result.failure.message == "the artefact's properties are invalid: /item: property 'item' is required"


def test_properties_of_an_older_version_of_a_type_are_brought_up_to_date() -> None:
    result = invoke(Auction, {"item": "vase", "gone": 1, "bids": 99}, "close", [])
    assert result.ok
    assert result.properties == {**AUCTION, "best": 0.0, "state": "closed"}


def test_operations_see_their_instance_and_private_helpers() -> None:
    class Acc(ArtefactType):
        type_name = "acc"
        total: int = 0

        def _step(self) -> int:
            return 2

        @operation
        def add(self, n: int = 1) -> int:
            self.total += n * self._step()
            return self.total

    result = invoke(Acc, {"total": 1}, "add", [])
    assert result.result == 3 and result.properties == {"total": 3}


# -- definitions -----------------------------------------------------------------------------------------


def test_a_subclass_inherits_and_extends() -> None:
    class Base(ArtefactType):
        value: int = 0

        @operation
        def inc(self) -> None:
            self.value += 1

    class Stepper(Base):
        type_name = "stepper"
        step: int = 2

        @operation
        def jump(self) -> None:
            self.value += self.step

    assert Base.own_type_name() is None
    assert list(Stepper.property_specs()) == ["value", "step"]
    assert list(Stepper.operation_specs()) == ["inc", "jump"]
    assert invoke(Stepper, {}, "jump", []).properties == {"value": 2, "step": 2}
    assert types_in(Stepper) == [Stepper] and types_in(Base) == []


def _define(body: str) -> None:
    namespace: dict[str, Any] = {
        "ArtefactType": ArtefactType,
        "operation": operation,
        "observable": observable,
        "computed": computed,
        "Any": Any,
        "ClassVar": ClassVar,
    }
    exec(textwrap.dedent(body), namespace)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("class T(ArtefactType):\n type_name = 'Bad Name'", "type_name 'Bad Name' is not valid"),
        ("class T(ArtefactType):\n type_name = 't'\n value: set = set()", "is not a JSON value type"),
        ("class T(ArtefactType):\n type_name = 't'\n Value: int = 0", "property name 'Value' is not valid"),
        ("class T(ArtefactType):\n type_name = 't'\n count: int = 'zero'", "the default of property 'count'"),
        ("class T(ArtefactType):\n type_name = 't'\n signal: int = 0", "hides a member of ArtefactType"),
        (
            "class T(ArtefactType):\n type_name = 't'\n @operation\n def go(self, n) -> None: ...",
            "parameter 'n' needs a type annotation",
        ),
        (
            "class T(ArtefactType):\n type_name = 't'\n @operation\n def go(self, *n: int) -> None: ...",
            "parameter 'n' must be positional",
        ),
        (
            "class T(ArtefactType):\n type_name = 't'\n @operation\n def go(self, *, n: int) -> None: ...",
            "parameter 'n' must be positional",
        ),
        (
            "class T(ArtefactType):\n type_name = 't'\n @operation\n def go(self, n: int = 'x') -> None: ...",
            "the default of 'n'",
        ),
        (
            "class T(ArtefactType):\n type_name = 't'\n @operation\n def Go(self) -> None: ...",
            "operation name 'Go' is not valid",
        ),
        (
            "class T(ArtefactType):\n type_name = 't'\n @operation\n def describe(self) -> None: ...",
            "hides a member of ArtefactType",
        ),
        (
            "class T(ArtefactType):\n type_name = 't'\n signals = {'count': 'x'}\n count: int = 0",
            "signal 'count' has the name of a property",
        ),
        ("class T(ArtefactType):\n type_name = 't'\n signals = ['ping']", "signals must map"),
        (
            "class T(ArtefactType):\n type_name = 't'\n @operation\n def go(self) -> 'Missing': ...",
            "cannot resolve the annotations",
        ),
    ],
)
def test_definition_errors_are_raised_when_the_class_is_created(body: str, message: str) -> None:
    with pytest.raises(ArtefactTypeError, match=r"artefact type .*T: ") as caught:
        _define(body)
    assert message in str(caught.value)


def test_async_operations_are_refused() -> None:
    with pytest.raises(ArtefactTypeError, match="plain methods"):

        @operation
        async def go(self: Any) -> None: ...


def test_class_level_options_are_not_properties() -> None:
    class T(ArtefactType):
        type_name = "t"
        limit: ClassVar[int] = 3
        value: int = 0

    assert list(T.property_specs()) == ["value"]


# -- registry and loader ---------------------------------------------------------------------------------


def test_registry() -> None:
    registry = Registry([Counter, Auction])
    assert registry.names() == ["auction", "counter"]
    assert list(registry) == ["auction", "counter"]
    assert len(registry) == 2 and "counter" in registry and "queue" not in registry
    assert registry["auction"] is Auction and registry.get("nope") is None
    assert [d["name"] for d in registry.describe()] == ["auction", "counter"]
    registry.register(Counter)  # the same class twice is harmless


def test_registry_refuses_duplicates_and_bases() -> None:
    class Other(ArtefactType):
        type_name = "counter"

    class Base(ArtefactType):
        pass

    registry = Registry([Counter])
    with pytest.raises(ArtefactTypeError, match="two artefact types are named 'counter'"):
        registry.register(Other)
    with pytest.raises(ArtefactTypeError, match="declares no type_name"):
        registry.register(Base)


@pytest.fixture
def module_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def _module(directory: Path, source: str) -> str:
    name = f"romas_test_types_{uuid.uuid4().hex}"
    (directory / f"{name}.py").write_text(textwrap.dedent(source))
    return name


PRICE_BOARD = """
    from typing import Any
    from romas.domain.artefact_types import ArtefactType, observable, operation
    from romas.domain.builtin_artefacts import Counter  # imported, so not registered again


    class PriceBoard(ArtefactType):
        \"\"\"Prices by product.\"\"\"

        type_name = "price_board"
        prices: dict[str, float] = observable(default={}, description="prices by product")

        @operation
        def quote(self, product: str, price: float) -> None:
            \"\"\"Quote a price.\"\"\"
            self.prices[product] = price
"""


def test_loading_a_module(module_dir: Path) -> None:
    name = _module(module_dir, PRICE_BOARD)
    registry = load_artefact_types([name], entry_points=False)
    assert registry.names() == ["board", "counter", "price_board", "queue"]
    result = invoke(registry["price_board"], {}, "quote", ["tea", 3])
    assert result.properties == {"prices": {"tea": 3.0}}
    sys.modules.pop(name, None)


def test_loading_reports_every_problem(module_dir: Path) -> None:
    broken = _module(module_dir, "import not_a_module_anyone_has\n")
    empty = _module(module_dir, "X = 1\n")
    clash = _module(
        module_dir,
        """
        from romas.domain.artefact_types import ArtefactType

        class MyCounter(ArtefactType):
            type_name = "counter"
        """,
    )
    with pytest.raises(ArtefactTypeLoadError) as caught:
        load_artefact_types([broken, empty, clash, "no_such_module_here"], entry_points=False)
    problems = caught.value.problems
    assert len(problems) == 4
    assert problems[0].startswith(f"module '{broken}' cannot be imported: ModuleNotFoundError")
    assert problems[1] == f"module '{empty}' defines no artefact type (an ArtefactType subclass with a type_name)"
    assert "two artefact types are named 'counter'" in problems[2]
    assert problems[3].startswith("module 'no_such_module_here' cannot be imported")
    assert "cannot load artefact types:\n- module" in str(caught.value)
    for name in (broken, empty, clash):
        sys.modules.pop(name, None)


def test_a_module_with_a_bad_type_definition_is_reported(module_dir: Path) -> None:
    name = _module(
        module_dir,
        """
        from romas.domain.artefact_types import ArtefactType

        class Bad(ArtefactType):
            type_name = "bad"
            value: set = set()
        """,
    )
    with pytest.raises(ArtefactTypeLoadError, match=r"ArtefactTypeError: artefact type .*Bad: .*not a JSON value"):
        load_artefact_types([name], entry_points=False)


class _EntryPoint:
    def __init__(self, name: str, value: str, loaded: object) -> None:
        self.name, self.value, self.loaded = name, value, loaded

    def load(self) -> object:
        if isinstance(self.loaded, Exception):
            raise self.loaded
        return self.loaded


def test_entry_points(module_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module_name = _module(module_dir, PRICE_BOARD)
    module = importlib.import_module(module_name)
    points = [
        _EntryPoint("prices", module_name, module),
        _EntryPoint("auction", "tests:Auction", Auction),
    ]
    groups: list[str] = []

    def fake_entry_points(*, group: str) -> list[_EntryPoint]:
        groups.append(group)
        return points

    monkeypatch.setattr(importlib.metadata, "entry_points", fake_entry_points)
    registry = load_artefact_types([])
    assert groups == [ENTRY_POINT_GROUP]
    assert registry.names() == ["auction", "board", "counter", "price_board", "queue"]
    # the same module named in the list as well is not a duplicate
    assert load_artefact_types([module_name]).names() == registry.names()
    assert load_artefact_types([], entry_points=False).names() == ["board", "counter", "queue"]

    points.append(_EntryPoint("broken", "gone.module", ImportError("no module named gone")))
    with pytest.raises(ArtefactTypeLoadError) as caught:
        load_artefact_types([])
    assert caught.value.problems == [
        "entry point 'broken = gone.module' cannot be imported: ImportError: no module named gone"
    ]
    sys.modules.pop(module_name, None)


# -- edges -----------------------------------------------------------------------------------------------


class Edgy(ArtefactType):
    type_name = "edgy"

    values: list[int] = [1]
    anything: Any = None

    @computed
    def first(self) -> int:
        """the first value"""
        return self.values[0]

    @operation
    def configure(self, flag: bool = True, note: str | None = None) -> None:
        self.anything = [flag, note, [note]]

    @operation
    def spin(self) -> None:
        self.spin()


def test_defaults_of_every_kind_appear_in_signatures() -> None:
    assert (
        Edgy.operation_specs()["configure"].signature == "configure(flag: boolean = true, note: string | null = null)"
    )
    result = invoke(Edgy, {"values": [3]}, "configure", [False, "x"])
    assert result.properties == {"values": [3], "anything": [False, "x", ["x"]], "first": 3}


def test_a_computed_property_that_raises_is_an_error_not_a_crash() -> None:
    props, errors = Edgy.validate_properties({"values": []})
    assert props is None
    assert errors == [FieldError("", "property 'first' could not be read: IndexError: list index out of range")]


def test_runaway_recursion_fails_the_operation() -> None:
    result = invoke(Edgy, {}, "spin", [])
    assert result.failure is not None and result.failure.message == "spin failed: recursion too deep"


@pytest.mark.parametrize(
    ("properties", "path", "message"),
    [
        ({"values": "1,2"}, "/values", "expected array<integer>, got string"),
        ({"values": [1, float("inf")]}, "/values/1", "expected integer, got number"),
        ({"anything": [1, float("inf")]}, "/anything/1", "expected a JSON value, got the number inf"),
    ],
)
def test_more_property_errors(properties: dict[str, Any], path: str, message: str) -> None:
    assert Edgy.validate_properties(properties) == (None, [FieldError(path, message)])


def test_non_finite_numbers_are_refused_where_numbers_are_expected() -> None:
    _, errors = Auction.validate_properties({"item": "vase", "best": float("nan")})
    assert errors == [FieldError("/best", "expected number, got number")]


def test_unresolvable_property_annotations_are_reported() -> None:
    with pytest.raises(ArtefactTypeError, match="cannot resolve the annotations"):
        _define("class T(ArtefactType):\n type_name = 't'\n value: 'Missing' = 0")


def test_static_methods_are_not_operations() -> None:
    with pytest.raises(ArtefactTypeError, match="operation 'go' must be a plain method"):
        _define("class T(ArtefactType):\n type_name = 't'\n @staticmethod\n @operation\n def go() -> None: ...")


def test_coroutine_operations_belong_to_bridge_types_only() -> None:
    from romas.domain.artefact_types import async_operation

    with pytest.raises(ArtefactTypeError, match="only bridge types"):

        class T(ArtefactType):
            type_name = "t"

            @async_operation
            async def go(self) -> None: ...
