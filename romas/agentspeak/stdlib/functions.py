"""Arithmetic functions usable inside expressions: Jason's ``math.*`` and ``system.time``, and the internal
actions that are also functions (``.count(Query)``, ``.length(L)``, any action whose last argument is its
result, e.g. ``.nth(I, L)``).

The expression evaluator calls :func:`call_function` with the function's name and its evaluated arguments;
errors are :class:`~romas.agentspeak.unify.EvalError` (the intention fails with ``constraint_failed``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from romas.agentspeak.printer import format_term
from romas.agentspeak.terms import GROUND_OBJECTS, Struct, Term, Var
from romas.agentspeak.unify import EvalError, set_function_hook

if TYPE_CHECKING:
    from romas.agentspeak.agent import Agent

Number = int | float
Function = Callable[["Agent", tuple[Term, ...]], Number]
FUNCTIONS: dict[str, tuple[tuple[int, ...], Function]] = {}
"""Name -> (the arities it takes, the function)."""


def function(name: str, *arities: int) -> Callable[[Function], Function]:
    def deco(fn: Function) -> Function:
        FUNCTIONS[name] = (arities, fn)
        return fn

    return deco


def _num(name: str, t: Term) -> Number:
    if type(t) is int or type(t) is float:
        return t
    raise EvalError(f"{name}: {format_term(t)} is not a number")


def _nums(name: str, t: Term) -> list[Number]:
    if type(t) is not tuple:
        raise EvalError(f"{name}: {format_term(t)} is not a list of numbers")
    return [_num(name, x) for x in t]


def _whole(x: float) -> Number:
    """Whole results stay integers (``math.floor(2.5)`` is ``2``)."""
    return int(x) if math.isfinite(x) and x == int(x) and abs(x) < 2**53 else x


def _unary(name: str, op: Callable[[float], float]) -> None:
    def fn(_ag: Agent, args: tuple[Term, ...]) -> Number:
        try:
            return op(_num(name, args[0]))
        except (ValueError, OverflowError) as e:
            raise EvalError(f"{name}: {e}") from None

    FUNCTIONS[name] = ((1,), fn)


for _name, _op in (
    ("math.sqrt", math.sqrt),
    ("math.log", math.log),
    ("math.sin", math.sin),
    ("math.cos", math.cos),
    ("math.tan", math.tan),
    ("math.asin", math.asin),
    ("math.acos", math.acos),
    ("math.atan", math.atan),
):
    _unary(_name, _op)


@function("math.abs", 1)
def _abs(_ag: Agent, args: tuple[Term, ...]) -> Number:
    return abs(_num("math.abs", args[0]))


@function("math.ceil", 1)
def _ceil(_ag: Agent, args: tuple[Term, ...]) -> Number:
    return _whole(math.ceil(_num("math.ceil", args[0])))


@function("math.floor", 1)
def _floor(_ag: Agent, args: tuple[Term, ...]) -> Number:
    return _whole(math.floor(_num("math.floor", args[0])))


@function("math.round", 1)
def _round(_ag: Agent, args: tuple[Term, ...]) -> Number:
    # Java's Math.round: halves go up (2.5 -> 3, -2.5 -> -2)
    return _whole(math.floor(_num("math.round", args[0]) + 0.5))


@function("math.e", 0)
def _e(_ag: Agent, args: tuple[Term, ...]) -> Number:
    return math.e


@function("math.pi", 0)
def _pi(_ag: Agent, args: tuple[Term, ...]) -> Number:
    return math.pi


@function("math.random", 0, 1)
def _random(ag: Agent, args: tuple[Term, ...]) -> Number:
    r = ag.random()
    return r * _num("math.random", args[0]) if args else r


def _extreme(name: str, pick: Callable[[list[Number]], Number]) -> Function:
    def fn(_ag: Agent, args: tuple[Term, ...]) -> Number:
        values = _nums(name, args[0]) if len(args) == 1 else [_num(name, a) for a in args]
        if not values:
            raise EvalError(f"{name}: no numbers")
        return pick(values)

    return fn


FUNCTIONS["math.max"] = ((1, 2), _extreme("math.max", max))
FUNCTIONS["math.min"] = ((1, 2), _extreme("math.min", min))


@function("math.sum", 1)
def _sum(_ag: Agent, args: tuple[Term, ...]) -> Number:
    return sum(_nums("math.sum", args[0]))


@function("math.average", 1)
def _average(_ag: Agent, args: tuple[Term, ...]) -> Number:
    values = _nums("math.average", args[0])
    if not values:
        raise EvalError("math.average: the list is empty")
    return sum(values) / len(values)


FUNCTIONS["math.mean"] = ((1,), _average)


@function("math.median", 1)
def _median(_ag: Agent, args: tuple[Term, ...]) -> Number:
    values = sorted(_nums("math.median", args[0]))
    if not values:
        raise EvalError("math.median: the list is empty")
    mid = len(values) // 2
    if len(values) % 2:
        return values[mid]
    return (values[mid - 1] + values[mid]) / 2


@function("math.std_dev", 1)
def _std_dev(_ag: Agent, args: tuple[Term, ...]) -> Number:
    values = _nums("math.std_dev", args[0])
    if len(values) < 2:
        raise EvalError("math.std_dev: needs at least two numbers")
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


@function("system.time", 0)
def _system_time(ag: Agent, args: tuple[Term, ...]) -> Number:
    return int(ag.host.now() * 1000)


def call_function(ag: Agent, name: str, args: tuple[Term, ...], env: dict[str, Term], depth: int = 0) -> Term:
    """The value of ``name(args)`` in an expression: a registered function, or an internal action whose
    last argument is its result (``.count(b(_))``, ``.length(L)``, ``.nth(0, L)``...)."""
    entry = FUNCTIONS.get(name)
    if entry is not None:
        arities, fn = entry
        if len(args) not in arities:
            raise EvalError(f"{name} takes {' or '.join(map(str, arities))} arguments, not {len(args)}")
        return fn(ag, args)
    if name.startswith("."):
        from romas.agentspeak.terms import Struct

        result = Var(ag.fresh_name())
        local = dict(env)
        for _ in ag.query_internal(Struct(name, (*args, result)), local, [], depth):
            from romas.agentspeak.unify import resolve

            return resolve(result, local)
        raise EvalError(f"{name} used as a function has no value")
    raise EvalError(f"unknown function {name}")


_current: list[Agent] = []
CURRENT_AGENT = _current
"""The agent whose expressions are being evaluated, in a list of one (empty before the first step)."""


def set_current_agent(ag: Agent) -> None:
    """The agent whose expressions are being evaluated (set by the reasoning cycle): what ``math.random``,
    ``system.time``, ``.count`` and user functions read."""
    if _current:
        _current[0] = ag
    else:
        _current.append(ag)


FUNCTION_SIGNATURES: frozenset[tuple[str, int]] = frozenset(
    [(name, n) for name, (arities, _fn) in FUNCTIONS.items() for n in arities] + [(".length", 1), (".count", 1)]
)
"""Names and arities that are functions where they appear as terms (Jason's function register)."""


def _hook(op: str, call: Struct, env: dict[str, Term]) -> Term:
    ag = _current[0] if _current else None
    if op.startswith("fn:"):
        # a user function (``{ register_function("myf.sum", 2, "sum") }``): the predicate's last argument
        if ag is None:
            raise EvalError(f"{call.functor} needs an agent")
        from romas.agentspeak.beliefs import solve
        from romas.agentspeak.unify import resolve

        result = Var(ag.fresh_name())
        local = dict(env)
        for _ in solve(ag, Struct(op[3:], (*call.args, result)), local, [], 0):
            return resolve(result, local)
        raise EvalError(f"the function {call.functor} has no value")
    if call.functor in (".length", ".count") and len(call.args) == 1:
        arg = call.args[0]
        if call.functor == ".length":
            if type(arg) is tuple or type(arg) is str:
                return len(arg)
            if type(arg) in GROUND_OBJECTS:  # Jason's maps, sets and queues
                return len(arg)  # type: ignore[arg-type]
            raise EvalError(f".length: {format_term(arg)} is neither a list nor a string")
    if ag is None:
        entry = FUNCTIONS.get(call.functor)
        if entry is not None and call.functor not in ("math.random", "system.time"):
            return entry[1](None, call.args)  # type: ignore[arg-type]
        raise EvalError(f"{call.functor} needs an agent")
    return call_function(ag, call.functor, call.args, env)


set_function_hook(_hook)
