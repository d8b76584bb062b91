"""``math.*`` and ``system.time``, and internal actions used as functions, through ``call_function``."""

from __future__ import annotations

import math

import pytest

from romas.agentspeak.stdlib.functions import FUNCTIONS, call_function
from romas.agentspeak.unify import EvalError

from ..support import make_agent
from .helpers import t


@pytest.mark.parametrize(
    ("name", "args", "value"),
    [
        ("math.abs", "[-3]", 3),
        ("math.ceil", "[2.1]", 3),
        ("math.floor", "[2.9]", 2),
        ("math.round", "[2.5]", 3),
        ("math.round", "[-2.5]", -2),
        ("math.sqrt", "[16]", 4.0),
        ("math.max", "[3, 7]", 7),
        ("math.max", "[[3, 9, 7]]", 9),
        ("math.min", "[[3, 9, 7]]", 3),
        ("math.sum", "[[1, 2, 3]]", 6),
        ("math.average", "[[1, 2, 3, 4]]", 2.5),
        ("math.mean", "[[1, 2, 3]]", 2.0),
        ("math.median", "[[5, 1, 3]]", 3),
        ("math.median", "[[4, 1, 3, 2]]", 2.5),
        ("math.pi", "[]", math.pi),
        (".length", "[[a, b]]", 2),
        (".nth", "[1, [a, b]]", t("b")),
    ],
)
def test_functions(name: str, args: str, value: object) -> None:
    ag = make_agent("")
    assert call_function(ag, name, t(args), {}) == value  # type: ignore[arg-type]


def test_std_dev_random_time_and_count() -> None:
    ag = make_agent("b(1). b(2). b(3).")
    assert call_function(ag, "math.std_dev", ((2, 4, 4, 4, 5, 5, 7, 9),), {}) == pytest.approx(2.138, abs=1e-3)
    r = call_function(ag, "math.random", (10,), {})
    assert 0 <= r < 10  # type: ignore[operator]
    assert call_function(ag, "system.time", (), {}) == int(ag.host.now() * 1000)
    assert call_function(ag, ".count", (t("b(_)"),), {}) == 3


def test_function_errors() -> None:
    ag = make_agent("")
    for name, args in (("math.sqrt", (-1,)), ("math.abs", ("x",)), ("math.average", ((),)), ("nope", ())):
        with pytest.raises(EvalError):
            call_function(ag, name, args, {})
    with pytest.raises(EvalError, match="takes 1"):
        call_function(ag, "math.abs", (1, 2), {})
    assert "math.abs" in FUNCTIONS
