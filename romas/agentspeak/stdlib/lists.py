"""Lists: ``.length``, ``.member``, ``.nth``, ``.concat``, ``.sort`` ..."""

from __future__ import annotations

from collections.abc import Iterator

from romas.agentspeak.printer import format_term
from romas.agentspeak.stdlib.core import (
    Call,
    IAResult,
    _bad,
    _each,
    _int,
    _list,
    _sorted,
    internal,
    text_of,
)
from romas.agentspeak.terms import (
    Term,
    Var,
)
from romas.agentspeak.unify import undo, unify

# ---- lists, strings and terms -----------------------------------------------------------------------------------


@internal(".length")
def _length(c: Call) -> IAResult:
    c.arity(2)
    x = c.args[0]
    if type(x) is tuple or type(x) is str:
        return c.unify(c.args[1], len(x))
    raise _bad(c, f"expected a list or a string, got {format_term(x)}")


@internal(".member")
def _member(c: Call) -> IAResult:
    c.arity(2)
    x, lst = c.args
    items = _list(c, lst)
    return _each(c, ((x, item) for item in items))


@internal(".nth")
def _nth(c: Call) -> IAResult:
    c.arity(3)
    i, lst, x = c.args
    items = _list(c, lst)
    if type(i) is Var:

        def gen() -> Iterator[None]:
            env, trail = c.env, c.trail
            for k, item in enumerate(items):
                mark = len(trail)
                if unify(i, k, env, trail) and unify(x, item, env, trail):
                    yield None
                undo(env, trail, mark)

        return gen()
    k = _int(c, i)
    if 0 <= k < len(items):
        return c.unify(x, items[k])
    return False


@internal(".concat")
def _concat(c: Call) -> IAResult:
    if len(c.args) < 2:
        raise _bad(c, "needs at least two arguments")
    parts, result = c.args[:-1], c.args[-1]
    if all(type(p) is tuple for p in parts):
        out: tuple[Term, ...] = ()
        for p in parts:
            out = out + p  # type: ignore[operator]
        return c.unify(result, out)
    return c.unify(result, "".join(text_of(p) for p in parts))


@internal(".reverse")
def _reverse(c: Call) -> IAResult:
    c.arity(2)
    x = c.args[0]
    if type(x) is str:
        return c.unify(c.args[1], x[::-1])
    return c.unify(c.args[1], tuple(reversed(_list(c, x))))


@internal(".delete")
def _delete(c: Call) -> IAResult:
    c.arity(3)
    x, lst, result = c.args
    if type(x) is int and type(lst) is tuple:
        items: list[Term] = list(lst)
        if 0 <= x < len(items):
            del items[x]
        return c.unify(result, tuple(items))
    if type(lst) is str and type(x) is str:
        return c.unify(result, lst.replace(x, ""))
    return c.unify(result, tuple(i for i in _list(c, lst) if not unify(x, i, {})))


@internal(".sort")
def _sort(c: Call) -> IAResult:
    c.arity(2)
    return c.unify(c.args[1], tuple(_sorted(_list(c, c.args[0]))))


@internal(".min")
def _min(c: Call) -> IAResult:
    c.arity(2)
    items = _list(c, c.args[0])
    if not items:
        return False
    return c.unify(c.args[1], _sorted(items)[0])


@internal(".max")
def _max(c: Call) -> IAResult:
    c.arity(2)
    items = _list(c, c.args[0])
    if not items:
        return False
    return c.unify(c.args[1], _sorted(items)[-1])


@internal(".range")
def _range(c: Call) -> IAResult:
    c.arity(3, 4)
    var = c.args[0]
    start = _int(c, c.args[1])
    end = _int(c, c.args[2])
    step = _int(c, c.args[3]) if len(c.args) == 4 else 1
    if step == 0:
        raise _bad(c, "the step cannot be 0")
    stop = end + 1 if step > 0 else end - 1
    return _each(c, ((var, k) for k in range(start, stop, step)))
