"""The plan library: plans in source order, indexed by trigger type, functor and arity."""

from __future__ import annotations

from collections.abc import Iterable

from romas.agentspeak.program import Plan, Trigger
from romas.agentspeak.terms import Struct, Term, Var
from romas.agentspeak.unify import unify

_EMPTY: list[Plan] = []


class PlanLibrary:
    __slots__ = ("index", "meta", "plans", "var_plans")

    def __init__(self, plans: Iterable[Plan] = ()) -> None:
        self.plans: list[Plan] = list(plans)
        self.index: dict[tuple[str, str, int], list[Plan]] = {}
        self.var_plans: dict[str, list[Plan]] = {}
        self.meta = False
        self._reindex()

    def _reindex(self) -> None:
        index: dict[tuple[str, str, int], list[Plan]] = {}
        var_plans: dict[str, list[Plan]] = {}
        for p in self.plans:
            key = p.trigger.key
            if key[2] < 0:
                var_plans.setdefault(key[0], []).append(p)
            else:
                index.setdefault(key, []).append(p)
        self.index = index
        self.var_plans = var_plans
        self.meta = any(k[0][:1] == "^" for k in index) or any(k[:1] == "^" for k in var_plans)
        """Whether some plan handles goal-state events (``^!g[state(S)]``): only then are they made."""

    def relevant(self, trigger: str, literal: Term) -> list[Plan]:
        """Plans whose trigger has the event's type, functor and arity, in library order."""
        if type(literal) is Struct:
            found = self.index.get((trigger, literal.functor, len(literal.args)), _EMPTY)
        else:
            found = _EMPTY
        if self.var_plans:
            extra = self.var_plans.get(trigger)
            if extra:
                keep = set(map(id, found)) | set(map(id, extra))
                return [p for p in self.plans if id(p) in keep]
        return found

    def has_relevant(self, trigger: str, literal: Term) -> bool:
        if type(literal) is Struct and (trigger, literal.functor, len(literal.args)) in self.index:
            return True
        return bool(self.var_plans) and trigger in self.var_plans

    def relevant_to(self, trigger: Trigger) -> list[Plan]:
        """Plans whose trigger unifies with ``trigger`` (``.relevant_plans`` and ``askHow``)."""
        out = []
        kind = trigger.op + trigger.kind
        if type(trigger.literal) is not Struct or trigger.literal.functor in ("$var", ""):
            # ``{+!_}``: every plan of that type
            return [p for p in self.plans if p.trigger.op + p.trigger.kind == kind]
        lit = trigger.literal
        if not any(type(a) is Struct and a.functor == "source" for a in lit.annots):
            # as Jason: a trigger without a source stands for any source
            lit = Struct(lit.functor, lit.args, (*lit.annots, Struct("source", (Var("_"),))))
        for p in self.relevant(kind, lit):
            if unify(p.trigger.literal, lit, {}):
                out.append(p)
        return out

    def add(self, plan: Plan, at_end: bool = True) -> None:
        if at_end:
            self.plans.append(plan)
        else:
            self.plans.insert(0, plan)
        self._reindex()

    def remove(self, name: str, source: Term | None = None) -> int:
        """Removes plans labelled ``name`` (only those told by ``source`` when given); returns how many."""
        keep: list[Plan] = []
        removed = 0
        for p in self.plans:
            if p.name == name and (source is None or (p.label is not None and source in p.label.annots)):
                removed += 1
            else:
                keep.append(p)
        if removed:
            self.plans = keep
            self._reindex()
        return removed

    def find(self, name: str) -> Plan | None:
        for p in self.plans:
            if p.name == name:
                return p
        return None
