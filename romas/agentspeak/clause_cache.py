"""Parsed clauses kept by their exact text, so that parsing a program again parses only the clauses that changed.

A deployment usually changes one clause of a program (or only a comment), and the server parses the whole
program on every upload: most of a ``PUT /agents/{name}/code`` went to parsing clauses it had parsed before.

A clause parses to the same result wherever it stands in a source, except for the lines its body formulas carry
(counted from the start of the whole source): an entry records the line offset it was parsed at and is shifted
to the offset it is used at. What a source's directives change (namespaces, registered functions) makes its later
clauses read differently: the parser does not use the cache for them. Only clauses that parsed without an error
are kept, so every error is found, worded and placed by the parse itself, exactly as without the cache.

Terms and body formulas are immutable and shared between the entry and every program made from it; a plan is not
(its label, name, line and compiled code are filled in per program), so each use gets a plan of its own. A clause
holding a plan as a term (``.add_plan({+!g <- ...})``) is not kept (that plan would be shared), and one holding a
plan body as a term (``.if_then_else(c, {a}, {b})``, ``a |&| b``) is used only at the line offset it was parsed
at (the lines of formulas inside terms are not shifted).

The cache is bounded in entries and in characters of clause text, and long clauses are not kept, so code sent
to the server cannot make it grow beyond some 15 MB.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from romas.agentspeak.program import (
    Action,
    BeliefUpdate,
    Body,
    Condition,
    For,
    Formula,
    Goal,
    If,
    Plan,
    PlanFacts,
    While,
    plan_facts,
)

MAX_ENTRIES = 4096
"""Clauses kept at most (the least recently used go first)."""
MAX_CHARS = 500_000
"""Characters of clause text kept at most, all entries together (a parsed clause takes some 20 to 30 bytes per
character of its text)."""
MAX_CLAUSE_CHARS = 4_000
"""Longer clauses are parsed every time (they are rare, and would take the room of many)."""


class ClauseEntry:
    """One parsed clause: ``kind`` and ``value`` as the parser's ``clause`` rule gives them, the line offset its
    formulas were counted from, whether it may be used at another offset and, for a plan, its
    :func:`~romas.agentspeak.program.plan_facts` (the same for every copy)."""

    __slots__ = ("facts", "kind", "movable", "offset", "value")

    def __init__(self, kind: str, value: Any, offset: int, movable: bool) -> None:
        self.kind = kind
        self.value = value
        self.offset = offset
        self.movable = movable
        self.facts: PlanFacts | None = plan_facts(value) if kind == "plan" else None

    def result(self, offset: int) -> tuple[str, Any, int, int] | None:
        """The clause as the parser would give it at ``offset`` (a plan of its own), None when it cannot be."""
        delta = offset - self.offset
        if delta and not self.movable:
            return None
        value = self.value
        if self.kind == "plan":
            value = copy_plan(value, delta)
        return (self.kind, value, 0, 0)


def copy_plan(plan: Plan, delta: int) -> Plan:
    """A new plan as parsed (before its label and line are given), its formulas' lines moved by ``delta``."""
    body = shift_body(plan.body, delta) if delta else plan.body
    return Plan(plan.trigger, plan.context, body, plan.label, plan.line, plan.source, plan.name, extra=dict(plan.extra))


def shift_body(body: Body, delta: int) -> Body:
    return Body(tuple([_shift(f, delta) for f in body.formulas]))


def _shift(f: Formula, delta: int) -> Formula:
    t = type(f)
    if t is Action:
        return Action(f.term, f.line + delta)  # type: ignore[union-attr]
    if t is Goal:
        return Goal(f.kind, f.literal, f.line + delta)  # type: ignore[union-attr]
    if t is BeliefUpdate:
        return BeliefUpdate(f.op, f.literal, f.line + delta)  # type: ignore[union-attr]
    if t is Condition:
        return Condition(f.expr, f.line + delta)  # type: ignore[union-attr]
    if t is If:
        assert isinstance(f, If)
        branches = tuple((cond, shift_body(b, delta)) for cond, b in f.branches)
        orelse = shift_body(f.orelse, delta) if f.orelse is not None else None
        return If(branches, orelse, f.line + delta)
    if t is While:
        assert isinstance(f, While)
        return While(f.cond, shift_body(f.body, delta), f.line + delta)
    assert isinstance(f, For)
    return For(f.cond, shift_body(f.body, delta), f.line + delta)


class ClauseCache:
    """A bounded LRU of :class:`ClauseEntry` by the exact text of the clause (not thread-safe: the parser's
    lock guards it)."""

    def __init__(
        self, max_entries: int = MAX_ENTRIES, max_chars: int = MAX_CHARS, max_clause_chars: int = MAX_CLAUSE_CHARS
    ) -> None:
        self.max_entries = max_entries
        self.max_chars = max_chars
        self.max_clause_chars = max_clause_chars
        self.entries: OrderedDict[str, ClauseEntry] = OrderedDict()
        self.chars = 0

    def get(self, text: str) -> ClauseEntry | None:
        entry = self.entries.get(text)
        if entry is not None:
            self.entries.move_to_end(text)
        return entry

    def put(self, text: str, entry: ClauseEntry) -> None:
        if len(text) > self.max_clause_chars:
            return
        entries = self.entries
        old = entries.pop(text, None)
        if old is not None:
            self.chars -= len(text)
        entries[text] = entry
        self.chars += len(text)
        while len(entries) > self.max_entries or self.chars > self.max_chars:
            gone, _ = entries.popitem(last=False)
            self.chars -= len(gone)

    def clear(self) -> None:
        self.entries.clear()
        self.chars = 0

    def __len__(self) -> int:
        return len(self.entries)
