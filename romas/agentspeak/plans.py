"""The plan library: plans in source order, indexed by trigger type, functor and arity."""

from __future__ import annotations

from collections.abc import Iterable

from romas.agentspeak.program import Plan, Trigger
from romas.agentspeak.terms import Struct, Term, Var
from romas.agentspeak.unify import unify

_EMPTY: list[Plan] = []


class PlanLibrary:
    __slots__ = ("er", "father", "index", "meta", "plans", "updates", "var_plans")

    def __init__(self, plans: Iterable[Plan] = ()) -> None:
        self.plans: list[Plan] = list(plans)
        self.index: dict[tuple[str, str, int], list[Plan]] = {}
        self.var_plans: dict[str, list[Plan]] = {}
        self.meta = False
        self.er = False
        self.updates: PlanLibrary | None = None
        self.father: PlanLibrary | None = None
        """For the sub-plans of a sub-plan: the library of the plans around it (Jason's scopes)."""
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
        self.er = any(p.extra and ("sub_plans" in p.extra or "goal_condition" in p.extra) for p in self.plans)
        """Whether some plan has a goal condition or sub-plans (Jason's e-r goals, see er.py)."""
        if self.er:
            updates: list[Plan] = []
            _update_sub_plans(self.plans, updates)
            self.updates = PlanLibrary(updates) if updates else None
            """Every sub-plan for ``+b``/``-b`` events, at any depth: belief events they may handle are kept."""
        else:
            self.updates = None

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

    @property
    def has_meta(self) -> bool:
        return self.meta

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


def _update_sub_plans(plans: list[Plan], out: list[Plan]) -> None:
    for p in plans:
        subs = p.extra.get("sub_plans") if p.extra else None
        if subs:
            out.extend(s for s in subs if s.trigger.kind == "" and s.trigger.op in ("+", "-"))
            _update_sub_plans(subs, out)


def sub_library(plan: Plan) -> PlanLibrary | None:
    """The library of a plan's sub-plans (made once); its sub-plans know it as their scope."""
    extra = plan.extra
    if not extra:
        return None
    lib: PlanLibrary | None = extra.get("sub_library")
    if lib is None:
        subs = extra.get("sub_plans")
        if not subs:
            return None
        lib = PlanLibrary(subs)
        lib.father = extra.get("scope")
        for s in subs:
            s.extra["scope"] = lib
        extra["sub_library"] = lib
    return lib
