"""Jason's mutable collections: maps, sets and queues (the terms of ``.map.*``, ``.set.*``, ``.queue.*``).

Unlike every other term these are objects. Binding one to a variable, keeping it in a belief or passing it to
a sub-goal shares it, so a ``.map.put`` is seen by every holder within the agent (Jason's ``clone()`` of them
returns the same object; applying bindings leaves them alone). A map or a queue equals only itself; a set
equals a set with the same elements. Maps and sets are kept in Jason's order of terms (Java's TreeMap and
TreeSet); a queue is first in, first out, or with ``priority`` smallest first, laid out as Java's binary heap
(which is what printing and ``.queue.to_list`` show).

Each collection keeps a running estimate of its size (bytes and nodes, counted as :mod:`sizes` counts terms)
and of its depth as a term, so measuring one costs nothing and growing one past the agent's limits is refused
before it happens. A collection never comes to hold itself (Jason would print or send such a term forever):
every collection knows the collections that hold it.
"""

from __future__ import annotations

import weakref
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from functools import cmp_to_key
from typing import TYPE_CHECKING, Any, ClassVar

from romas.agentspeak.beliefs import Failure, LimitExceeded
from romas.agentspeak.printer import jason_compare
from romas.agentspeak.sizes import NODE_BYTES
from romas.agentspeak.terms import (
    GROUND_OBJECTS,
    Arith,
    Logic,
    PartialList,
    PlanTerm,
    Rel,
    Struct,
    Term,
    Var,
)

if TYPE_CHECKING:
    from romas.agentspeak.agent import Agent


_KEY = cmp_to_key(jason_compare)


class Scan:
    """What a term adds to a collection: bytes, nodes, depth, and the collections it holds (with their depth)."""

    __slots__ = ("bytes", "children", "depth", "nodes")

    def __init__(self) -> None:
        self.bytes = 0
        self.nodes = 0
        self.depth = 0
        self.children: list[tuple[Mutable, int]] = []


def scan(t: Term) -> Scan:
    """Measures ``t`` (iteratively; collections inside count with their running totals, not walked)."""
    out = Scan()
    total = nodes = depth = 0
    stack: list[tuple[Any, int]] = [(t, 1)]
    while stack:
        x, d = stack.pop()
        tx = type(x)
        nodes += 1
        if d > depth:
            depth = d
        if tx is str:
            total += NODE_BYTES + len(x)
        elif tx is int:
            total += NODE_BYTES + x.bit_length() // 8
        elif tx is Struct:
            total += NODE_BYTES + len(x.functor)
            stack.extend([(a, d + 1) for a in x.args])
            stack.extend([(a, d + 1) for a in x.annots])
        elif tx is tuple:
            total += NODE_BYTES
            stack.extend([(a, d + 1) for a in x])
        elif tx is Var:
            total += NODE_BYTES + len(x.name)
        elif tx is PartialList:
            total += NODE_BYTES
            stack.extend([(a, d + 1) for a in x.items])
            stack.append((x.tail, d + 1))
        elif tx is Arith or tx is Rel or tx is Logic:
            total += NODE_BYTES
            stack.append((x.left, d + 1))
            if x.right is not None:
                stack.append((x.right, d + 1))
        elif tx is PlanTerm:
            total += NODE_BYTES + len(getattr(x.plan, "source", "") or "")
        elif tx in GROUND_OBJECTS:
            total += NODE_BYTES + x.bytes
            nodes += x.nodes
            if d + x.height - 1 > depth:
                depth = d + x.height - 1
            out.children.append((x, d))
        else:
            total += NODE_BYTES
    out.bytes, out.nodes, out.depth = total, nodes, depth
    return out


class Mutable:
    """What maps, sets and queues share: size estimates, depth, the collections holding this one."""

    __slots__ = ("__weakref__", "_parents", "bytes", "height", "nodes")
    ground: ClassVar[bool] = True
    kind: ClassVar[str] = ""

    made: ClassVar[bool] = False
    """Set once any collection is made: until then no term can hold one (see mutable_values.detach)."""

    def __init__(self) -> None:
        Mutable.made = True
        self.bytes = 0
        """Estimated bytes of what it holds (itself costs one node more, as every term)."""
        self.nodes = 0
        self.height = 1
        """Its depth as a term (1 when empty); it only grows, so it may overstate the depth after removals."""
        self._parents: dict[int, list[Any]] | None = None
        """id(holder) -> [weak reference to the holder, times held directly, deepest position]."""

    def terms(self) -> Iterable[Term]:
        """Every term held (keys and values)."""
        raise NotImplementedError

    # ---- bookkeeping -------------------------------------------------------------------------------------

    def _holders(self) -> Iterator[tuple[Mutable, int]]:
        if self._parents:
            for entry in list(self._parents.values()):
                p = entry[0]()
                if p is not None:
                    yield p, entry[2]

    def admit(self, agent: Agent | None, added: list[Scan], removed: list[Scan], what: str) -> None:
        """Checks that adding ``added`` (and dropping ``removed``) keeps this collection within the agent's
        limits and holding no cycle, then counts it: call it before changing the contents."""
        grow = sum(s.bytes for s in added) - sum(s.bytes for s in removed)
        more = sum(s.nodes for s in added) - sum(s.nodes for s in removed)
        depth = max([self.height, *(1 + s.depth for s in added)])
        raised: dict[int, tuple[Mutable, int]] = {}
        if depth > self.height or any(s.children for s in added):
            # the holders above get deeper too; a collection added must not be one of them (a cycle)
            inside = {id(ch) for s in added for ch, _ in s.children}
            if id(self) in inside:
                raise Failure(f"{what}: a {self.kind} cannot hold itself", "ia_failed")
            todo: list[tuple[Mutable, int]] = [(self, depth)]
            seen = {id(self)}
            while todo:
                m, h = todo.pop()
                if h > m.height:
                    raised[id(m)] = (m, h)
                for p, pos in m._holders():
                    if id(p) in inside:
                        raise Failure(f"{what}: a {self.kind} cannot hold itself", "ia_failed")
                    if id(p) not in seen:
                        seen.add(id(p))
                        todo.append((p, max(p.height, h + pos)))
        if agent is not None:
            limits = agent.limits
            if grow > 0 and self.bytes + grow > limits.max_term_bytes:
                raise LimitExceeded(f"{what}: the {self.kind} would be larger than {limits.max_term_bytes} bytes")
            if more > 0 and self.nodes + more > limits.max_term_size:
                raise LimitExceeded(f"{what}: the {self.kind} would be larger than {limits.max_term_size} nodes")
            for m, h in raised.values():
                if h > limits.max_term_depth:
                    raise LimitExceeded(f"{what}: the {m.kind} would be nested more than {limits.max_term_depth} deep")
            if grow > 0:
                charge(agent, self, grow)
        for m, h in raised.values():
            m.height = h
        self.bytes = max(0, self.bytes + grow)
        self.nodes = max(0, self.nodes + more)
        for s in added:
            for ch, pos in s.children:
                ch._link(self, pos)
        for s in removed:
            for ch, _pos in s.children:
                ch._unlink(self)

    def _link(self, holder: Mutable, pos: int) -> None:
        if self._parents is None:
            self._parents = {}
        entry = self._parents.get(id(holder))
        if entry is None or entry[0]() is not holder:
            self._parents[id(holder)] = [weakref.ref(holder), 1, pos]
        else:
            entry[1] += 1
            entry[2] = max(entry[2], pos)

    def _unlink(self, holder: Mutable) -> None:
        if self._parents is None:
            return
        entry = self._parents.get(id(holder))
        if entry is not None:
            entry[1] -= 1
            if entry[1] <= 0:
                del self._parents[id(holder)]

    def dropped_all(self) -> None:
        """Forgets the contents' bookkeeping (``clear``)."""
        for t in self.terms():
            for ch, _ in scan(t).children:
                ch._unlink(self)
        self.bytes = 0
        self.nodes = 0


class MapTerm(Mutable):
    """Jason's MapTerm: keys in Jason's order of terms, each with one value."""

    __slots__ = ("keys", "values")
    kind = "map"

    def __init__(self) -> None:
        super().__init__()
        self.keys: list[Term] = []
        self.values: list[Term] = []

    def terms(self) -> Iterable[Term]:
        for k, v in zip(self.keys, self.values, strict=True):
            yield k
            yield v

    def find(self, key: Term) -> tuple[int, bool]:
        keys = self.keys
        i = bisect_left(keys, _KEY(key), key=_KEY)
        return i, i < len(keys) and jason_compare(keys[i], key) == 0

    def get(self, key: Term) -> Term | None:
        i, found = self.find(key)
        return self.values[i] if found else None

    def put(self, key: Term, value: Term, agent: Agent | None, what: str = ".map.put") -> None:
        i, found = self.find(key)
        if found:
            self.admit(agent, [scan(value)], [scan(self.values[i])], what)
            self.values[i] = value
        else:
            self.admit(agent, [scan(key), scan(value)], [], what)
            self.keys.insert(i, key)
            self.values.insert(i, value)

    def remove(self, key: Term) -> Term | None:
        i, found = self.find(key)
        if not found:
            return None
        self.admit(None, [], [scan(self.keys[i]), scan(self.values[i])], ".map.remove")
        del self.keys[i]
        return self.values.pop(i)

    def clear(self) -> None:
        self.dropped_all()
        self.keys.clear()
        self.values.clear()

    def __len__(self) -> int:
        return len(self.keys)

    def __repr__(self) -> str:
        return f"MapTerm({len(self.keys)} keys)"


class SetTerm(Mutable):
    """Jason's SetTerm: elements in Jason's order of terms, each once; equal to a set with the same elements."""

    __slots__ = ("items",)
    kind = "set"

    def __init__(self) -> None:
        super().__init__()
        self.items: list[Term] = []

    def terms(self) -> Iterable[Term]:
        return self.items

    def find(self, t: Term) -> tuple[int, bool]:
        items = self.items
        i = bisect_left(items, _KEY(t), key=_KEY)
        return i, i < len(items) and jason_compare(items[i], t) == 0

    def __contains__(self, t: object) -> bool:
        return self.find(t)[1]  # type: ignore[arg-type]

    def add(self, t: Term, agent: Agent | None, what: str = ".set.add") -> None:
        i, found = self.find(t)
        if not found:
            self.admit(agent, [scan(t)], [], what)
            self.items.insert(i, t)

    def remove(self, t: Term) -> bool:
        i, found = self.find(t)
        if found:
            self.admit(None, [], [scan(self.items[i])], ".set.remove")
            del self.items[i]
        return found

    def keep_only(self, keep: Any) -> None:
        """Drops the elements for which ``keep(element)`` is false."""
        gone = [t for t in self.items if not keep(t)]
        if gone:
            self.admit(None, [], [scan(t) for t in gone], ".set")
            self.items = [t for t in self.items if keep(t)]

    def clear(self) -> None:
        self.dropped_all()
        self.items.clear()

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Term]:
        return iter(self.items)

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if type(other) is not SetTerm or len(other.items) != len(self.items):
            return False
        return all(jason_compare(a, b) == 0 for a, b in zip(self.items, other.items, strict=True))

    def __hash__(self) -> int:
        return hash(SetTerm)  # mutable: equal sets must hash alike whatever they hold

    def __repr__(self) -> str:
        return f"SetTerm({len(self.items)} elements)"


class QueueTerm(Mutable):
    """Jason's queue (a Java ArrayDeque, or a PriorityBlockingQueue with ``priority``)."""

    __slots__ = ("items", "priority")
    kind = "queue"

    def __init__(self, priority: bool = False) -> None:
        super().__init__()
        self.items: list[Term] = []
        """In Java's order: first to last, or the heap's array for a priority queue."""
        self.priority = priority

    def terms(self) -> Iterable[Term]:
        return self.items

    def offer(self, t: Term, agent: Agent | None, what: str = ".queue.add") -> None:
        self.admit(agent, [scan(t)], [], what)
        items = self.items
        items.append(t)
        if self.priority:  # Java's siftUp
            k = len(items) - 1
            while k > 0:
                parent = (k - 1) >> 1
                if jason_compare(t, items[parent]) >= 0:
                    break
                items[k] = items[parent]
                k = parent
            items[k] = t

    def peek(self) -> Term | None:
        return self.items[0] if self.items else None

    def poll(self) -> Term | None:
        items = self.items
        if not items:
            return None
        first = items[0]
        self.admit(None, [], [scan(first)], ".queue.remove")
        if not self.priority:
            del items[0]
            return first
        last = items.pop()
        n = len(items)
        if n:  # Java's siftDown of the last element from the root
            k = 0
            half = n >> 1
            while k < half:
                child = 2 * k + 1
                right = child + 1
                if right < n and jason_compare(items[child], items[right]) > 0:
                    child = right
                if jason_compare(last, items[child]) <= 0:
                    break
                items[k] = items[child]
                k = child
            items[k] = last
        return first

    def clear(self) -> None:
        self.dropped_all()
        self.items.clear()

    def __len__(self) -> int:
        return len(self.items)

    def __repr__(self) -> str:
        return f"QueueTerm({len(self.items)} elements)"


GROUND_OBJECTS.update((MapTerm, SetTerm, QueueTerm))


# ---- the agent's charge -----------------------------------------------------------------------------------------

_LIVE: weakref.WeakKeyDictionary[Any, weakref.WeakSet[Mutable]] = weakref.WeakKeyDictionary()


def charge(agent: Agent, m: Mutable, grow: int) -> None:
    """Charges the agent for ``grow`` more bytes in ``m``: its collections count in its memory while they live."""
    live = _LIVE.get(agent)
    if live is None:
        live = _LIVE[agent] = weakref.WeakSet()
    live.add(m)
    agent.charge(grow)


def live_bytes(agent: Agent) -> int:
    """What the agent's live collections hold (for :meth:`Agent.memory`)."""
    live = _LIVE.get(agent)
    if not live:
        return 0
    return sum([NODE_BYTES + m.bytes for m in live])


def adopt(agent: Agent, t: Term) -> None:
    """Charges ``agent`` for the collections ``t`` holds (a message or a percept it takes in)."""
    if type(t) is Struct and t.ground and not t.args:
        return
    stack: list[Any] = [t]
    while stack:
        x = stack.pop()
        tx = type(x)
        if tx is Struct:
            stack.extend(x.args)
            stack.extend(x.annots)
        elif tx is tuple:
            stack.extend(x)
        elif tx in GROUND_OBJECTS:
            live = _LIVE.get(agent)
            if live is None:
                live = _LIVE[agent] = weakref.WeakSet()
            live.add(x)


__all__ = ["MapTerm", "Mutable", "QueueTerm", "SetTerm", "adopt", "live_bytes", "scan"]
