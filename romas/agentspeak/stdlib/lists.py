"""Lists: ``.length``, ``.member``, ``.nth``, ``.concat``, ``.sort`` ..."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from romas.agentspeak.mutables import QueueTerm, SetTerm
from romas.agentspeak.printer import format_term
from romas.agentspeak.stdlib.core import (
    Call,
    IAResult,
    _bad,
    _each,
    _int,
    _list,
    _sorted,
    charge,
    internal,
    text_of,
)
from romas.agentspeak.terms import (
    GROUND_OBJECTS,
    Term,
    Var,
    is_ground,
)
from romas.agentspeak.unify import compare, undo, unify

# ---- lists, strings and terms -----------------------------------------------------------------------------------


@internal(".length")
def _length(c: Call) -> IAResult:
    c.arity(2)
    x = c.args[0]
    if type(x) is tuple or type(x) is str:
        return c.unify(c.args[1], len(x))
    if type(x) in GROUND_OBJECTS:  # Jason's maps, sets and queues
        return c.unify(c.args[1], len(x))  # type: ignore[arg-type]
    raise _bad(c, f"expected a list or a string, got {format_term(x)}")


@internal(".member")
def _member(c: Call) -> IAResult:
    c.arity(2)
    x, lst = c.args
    if type(lst) is not tuple:
        return _member_of_collection(c, x, lst)
    return _each(c, ((x, item) for item in lst))


def _member_of_collection(c: Call, x: Term, coll: Term) -> IAResult:
    """``.member`` of a set (found by Jason's order when ground) or a queue (by equality), as Jason's."""
    if type(coll) is SetTerm:
        if is_ground(x):
            return x in coll
        return _each(c, ((x, item) for item in list(coll.items)))
    if type(coll) is QueueTerm:
        if is_ground(x):
            return any(x == item for item in coll.items)
        return _each(c, ((x, item) for item in list(coll.items)))
    raise _bad(c, f"the second argument must be a list or a set, got {format_term(coll)}")


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


# ---- sets, prefixes and sublists ----------------------------------------------------------------------------------


def _set_of(items: tuple[Term, ...]) -> list[Term]:
    """Sorted and without duplicates, as Jason's set operations answer."""
    out: list[Term] = []
    for item in _sorted(items):
        if not out or compare(out[-1], item) != 0:
            out.append(item)
    return out


def _set_op(c: Call, keep: Callable[[bool, bool], bool]) -> IAResult:
    c.arity(3)
    first = _set_of(_list(c, c.args[0]))
    second = _set_of(_list(c, c.args[1]))
    both = first + [x for x in second if not any(compare(x, y) == 0 for y in first)]
    result = [
        x
        for x in _set_of(tuple(both))
        if keep(any(compare(x, y) == 0 for y in first), any(compare(x, y) == 0 for y in second))
    ]
    return c.unify(c.args[2], tuple(result))


@internal(".union")
def _union(c: Call) -> IAResult:
    return _set_op(c, lambda a, b: a or b)


@internal(".intersection")
def _intersection(c: Call) -> IAResult:
    return _set_op(c, lambda a, b: a and b)


@internal(".difference")
def _difference(c: Call) -> IAResult:
    return _set_op(c, lambda a, b: a and not b)


@internal(".empty")
def _empty(c: Call) -> IAResult:
    c.arity(1)
    x = c.args[0]
    if type(x) is tuple or type(x) is str:
        return len(x) == 0
    return False


def _sequence(c: Call, t: Term) -> tuple[Term, ...] | str:
    if type(t) is tuple or type(t) is str:
        return t
    raise _bad(c, f"expected a list or a string, got {format_term(t)}")


def _charged(c: Call, piece: tuple[Term, ...] | str) -> tuple[Term, ...] | str:
    charge(c, 1 + len(piece) // 16)
    return piece


@internal(".prefix")
def _prefix(c: Call) -> IAResult:
    c.arity(2)
    whole = _sequence(c, c.args[1])
    return _each(c, ((c.args[0], _charged(c, whole[:n])) for n in range(len(whole), -1, -1)))


@internal(".suffix")
def _suffix(c: Call) -> IAResult:
    c.arity(2)
    whole = _sequence(c, c.args[1])
    return _each(c, ((c.args[0], _charged(c, whole[n:])) for n in range(len(whole) + 1)))


@internal(".sublist")
def _sublist(c: Call) -> IAResult:
    c.arity(2)
    whole = _list(c, c.args[1])

    def candidates() -> Iterator[tuple[Term, Term]]:
        # the prefixes of each suffix, longest first, then the empty list once
        for start in range(len(whole)):
            for end in range(len(whole), start, -1):
                yield c.args[0], _charged(c, whole[start:end])
        yield c.args[0], ()

    return _each(c, candidates())


@internal(".shuffle")
def _shuffle(c: Call) -> IAResult:
    c.arity(2)
    items = list(_list(c, c.args[0]))
    rnd = c.agent.host.random
    for i in range(len(items) - 1, 0, -1):
        j = min(i, int(rnd() * (i + 1)))
        items[i], items[j] = items[j], items[i]
    return c.unify(c.args[1], tuple(items))
