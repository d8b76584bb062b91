"""Terms and whole mental states as JSON, and the ``mind`` view of an agent.

Term JSON: numbers are JSON numbers, strings JSON strings, proper lists JSON arrays; an atom is
``{"atom": "a"}``; a structure ``{"functor": "p", "args": [...], "annots": [...]}`` (``args``/``annots``
left out when empty; a functor starting with ``~`` is strongly negated); a variable ``{"var": "X"}``; an
open list ``{"list": [...], "tail": T}``; an expression ``{"expr": "arith"|"rel"|"logic", "op": ..., "left":
..., "right": ...}``; a plan ``{"plan": "<source>"}``; Jason's collections ``{"map": [[K, V], ...]}``,
``{"set": [...]}``, ``{"queue": [...], "priority": false}``, or within a snapshot ``{"ref": n}``, the n-th of
the snapshot's ``collections`` (each saved once, so what shared one shares it again when restored).

A snapshot is pure JSON: beliefs, rules and plans (as source), intentions with their stacks (plan source,
bindings, position, loop state), pending events, messages, waits with the time they still have, asks
awaiting an answer, message and command bookkeeping. Restoring it continues where the agent was.
"""

from __future__ import annotations

import heapq
import sys
import threading
from collections.abc import Callable, Mapping, Sized
from itertools import islice
from typing import TYPE_CHECKING, Any

from romas.agentspeak import intentions
from romas.agentspeak.beliefs import BeliefBase
from romas.agentspeak.host import Message
from romas.agentspeak.intentions import DONE, Event, Frame, Intention, LoopState
from romas.agentspeak.mutables import MapTerm, Mutable, QueueTerm, SetTerm, adopt, scan
from romas.agentspeak.printer import format_rule, format_term, source_plan, source_term
from romas.agentspeak.program import Plan
from romas.agentspeak.terms import GROUND_OBJECTS, Arith, Logic, PartialList, PlanTerm, Rel, Struct, Term, Var

if TYPE_CHECKING:
    from romas.agentspeak.agent import Agent

FORMAT = "romas-agentspeak/1"

_STATES = {
    s: s
    for s in (
        intentions.RUNNING,
        intentions.WAIT_EVENT,
        intentions.WAIT_TIMER,
        intentions.WAIT_TRIGGER,
        intentions.WAIT_ACTION,
        intentions.WAIT_REPLY,
        intentions.WAIT_CONDITION,
    )
}
"""Intention states are compared by identity: restored ones must be the module's own strings."""

Json = Any


def term_to_json(t: Term) -> Json:
    tt = type(t)
    if tt is int or tt is float or tt is str:
        return t
    if tt is Struct:
        s: Struct = t  # type: ignore[assignment]
        if not s.args and not s.annots:
            return {"atom": s.functor}
        out: dict[str, Json] = {"functor": s.functor}
        if s.args:
            out["args"] = [term_to_json(a) for a in s.args]
        if s.annots:
            out["annots"] = [term_to_json(a) for a in s.annots]
        return out
    if tt is tuple:
        return [term_to_json(x) for x in t]  # type: ignore[union-attr]
    if tt is Var:
        return {"var": t.name}  # type: ignore[union-attr]
    if tt is PartialList:
        return {"list": [term_to_json(x) for x in t.items], "tail": term_to_json(t.tail)}  # type: ignore[union-attr]
    if tt is Arith or tt is Rel or tt is Logic:
        kind = {Arith: "arith", Rel: "rel", Logic: "logic"}[tt]
        e: Arith | Rel | Logic = t  # type: ignore[assignment]
        out = {"expr": kind, "op": e.op, "left": term_to_json(e.left)}
        if e.right is not None:
            out["right"] = term_to_json(e.right)
        return out
    if tt is PlanTerm:
        from romas.agentspeak.program import Body, Rule

        inner = t.plan  # type: ignore[union-attr]
        if isinstance(inner, Body | Rule):  # ``{ .print(x); a }`` and ``{ a :- b }``
            return {"term": source_term(t)}
        return {"plan": source_plan(inner, one_line=True)}  # type: ignore[arg-type]
    if tt in GROUND_OBJECTS:
        return _mutable_json(t)  # type: ignore[arg-type]
    raise TypeError(f"not a term: {t!r}")


# ---- Jason's collections: shared within a snapshot, values elsewhere ------------------------------------------


class _Refs:
    """The collections met while saving one snapshot, numbered in the order met."""

    __slots__ = ("ids", "objects")

    def __init__(self) -> None:
        self.objects: list[Mutable] = []
        self.ids: dict[int, int] = {}


class _Current(threading.local):
    """The snapshot being saved or restored by this thread (its collections), if any."""

    saving: _Refs | None = None
    loading: list[MapTerm | SetTerm | QueueTerm] | None = None


_CURRENT = _Current()


def _mutable_json(m: Mutable) -> Json:
    """Within a snapshot a collection is ``{"ref": n}``, its contents saved once in the snapshot's
    ``collections`` (so every holder shares it again when restored); elsewhere it is its value:
    ``{"map": [[K, V], ...]}``, ``{"set": [...]}``, ``{"queue": [...], "priority": false}``."""
    refs = _CURRENT.saving
    if refs is not None:
        n = refs.ids.get(id(m))
        if n is None:
            n = refs.ids[id(m)] = len(refs.objects)
            refs.objects.append(m)
        return {"ref": n}
    return _contents_json(m)


def _contents_json(m: Mutable) -> Json:
    if type(m) is MapTerm:
        return {"map": [[term_to_json(k), term_to_json(v)] for k, v in zip(m.keys, m.values, strict=True)]}
    if type(m) is SetTerm:
        return {"set": [term_to_json(x) for x in m.items]}
    q: QueueTerm = m  # type: ignore[assignment]
    return {"queue": [term_to_json(x) for x in q.items], "priority": q.priority}


def _mutable_from_json(data: dict[str, Json], into: Mutable | None = None) -> MapTerm | SetTerm | QueueTerm:
    if "map" in data:
        m = into if type(into) is MapTerm else MapTerm()
        for pair in _list(data["map"]):
            k, v = _list(pair)
            m.put(_from_json(k), _from_json(v), None)
        return m
    if "set" in data:
        st = into if type(into) is SetTerm else SetTerm()
        for x in _list(data["set"]):
            st.add(_from_json(x), None)
        return st
    q = into if type(into) is QueueTerm else QueueTerm(data.get("priority") is True)
    items = [_from_json(x) for x in _list(data["queue"])]
    q.admit(None, [scan(x) for x in items], [], "restore")
    q.items = items  # as saved: a priority queue keeps its heap's layout
    return q


class TermJsonError(ValueError):
    """The JSON does not describe a term."""


def term_from_json(data: Json) -> Term:
    """The term a JSON value describes; raises :class:`TermJsonError` for anything else."""
    try:
        return _from_json(data)
    except TermJsonError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise TermJsonError(f"not a term: {e}") from None
    except RecursionError:
        raise TermJsonError("the term is nested too deeply") from None


def _from_json(data: Json) -> Term:
    if isinstance(data, bool) or data is None:
        raise TermJsonError(f"not a term: {data!r}")
    if isinstance(data, int | float | str):
        return data
    if isinstance(data, list):
        return tuple(_from_json(x) for x in data)
    if isinstance(data, dict):
        if "atom" in data:
            return Struct(_str(data["atom"]))
        if "functor" in data:
            args = tuple(_from_json(x) for x in _list(data.get("args", [])))
            annots = tuple(_from_json(x) for x in _list(data.get("annots", [])))
            return Struct(_str(data["functor"]), args, annots)
        if "var" in data:
            return Var(_str(data["var"]))
        if "list" in data:
            items = tuple(_from_json(x) for x in data["list"])
            tail = _from_json(data.get("tail", []))
            if type(tail) is tuple:
                return items + tail
            return PartialList(items, tail)
        if "expr" in data:
            left = _from_json(data["left"])
            right = _from_json(data["right"]) if "right" in data else None
            op = _str(data["op"])
            if data["expr"] == "arith":
                return Arith(op, left, right)
            if data["expr"] == "rel":
                if right is None:
                    raise TermJsonError("a relation needs a right side")
                return Rel(op, left, right)
            if data["expr"] == "logic":
                return Logic(op, left, right)
        if "ref" in data:
            loading = _CURRENT.loading
            n = data["ref"]
            if loading is None or type(n) is not int or not 0 <= n < len(loading):
                raise TermJsonError(f"no collection {n!r} here")
            return loading[n]
        if "map" in data or "set" in data or "queue" in data:
            return _mutable_from_json(data)
        if "plan" in data:
            from romas.agentspeak.parser import parse_plan

            return PlanTerm(parse_plan(_str(data["plan"])))
        if "term" in data:
            from romas.agentspeak.diagnostics import AgentSpeakSyntaxError
            from romas.agentspeak.parser import parse_term

            try:
                return parse_term(_str(data["term"]))
            except AgentSpeakSyntaxError as e:
                raise TermJsonError(f"not a term: {e}") from None
    raise TermJsonError(f"not a term: {data!r}")


def _list(x: Json) -> list[Json]:
    if not isinstance(x, list):
        raise TermJsonError(f"expected a list, got {x!r}")
    return x


def _str(x: Json) -> str:
    if not isinstance(x, str):
        raise TermJsonError(f"expected a string, got {x!r}")
    return x


# ---- snapshots ------------------------------------------------------------------------------------------------


def _saved_plan(plan: Plan) -> list[Any]:
    """A plan as a checkpoint holds it, computed once per plan: the key names every part it is made from (parts
    are replaced, never changed in place, so their identities say whether they are the same). The list holds the
    key, the JSON, and its embedded form once a checkpoint has made it (see :func:`snapshot`)."""
    extra = {k: v for k, v in plan.extra.items() if isinstance(v, bool | int | str)} if plan.extra else None
    key = (
        id(plan.trigger),
        id(plan.context),
        id(plan.body),
        id(plan.label),
        plan.name,
        plan.line,
        plan.source,
        tuple(extra.items()) if extra else (),
    )
    saved = plan.saved_as
    if saved is None or saved[0] != key:
        saved = plan.saved_as = [key, _compute_plan_json(plan, extra), None]
    return saved


def _plan_json(plan: Plan) -> dict[str, Json]:
    out = dict(_saved_plan(plan)[1])
    out["lines"] = list(out["lines"])
    if "extra" in out:
        out["extra"] = dict(out["extra"])
    return out


def _compute_plan_json(plan: Plan, extra: dict[str, Any] | None) -> dict[str, Json]:
    out: dict[str, Json] = {"source": source_plan(plan, one_line=True), "name": plan.name, "line": plan.line}
    if plan.extra:
        out["extra"] = extra
    if plan.source and plan.source != out["source"]:
        out["text"] = plan.source
    from romas.agentspeak.compiler import compiled

    out["lines"] = [ins.line for ins in compiled(plan)]  # the printed source is on one line
    return out


def snapshot(ag: Agent, embed: Callable[[Json], Sized] | None = None) -> dict[str, Json]:
    """The agent's whole mind as JSON; Jason's collections are saved once each (``collections``) and referred
    to by number, so that what shares one before shares it after a restore.

    ``embed``, when given, turns a belief's or a plan's JSON into what stands for it when the snapshot is encoded
    (the runtime passes its encoder's raw JSON), and that is kept from one snapshot to the next while the belief or
    plan is unchanged: the runtime checkpoints an agent at nearly every flush, and building the JSON of every belief
    again each time was most of a large mind's checkpoint (a mind of 100 facts: ~450 us). Such a snapshot is only
    for encoding, not for :func:`restore`."""
    outer, refs = _CURRENT.saving, _Refs()
    _CURRENT.saving = refs
    try:
        out = _snapshot(ag, embed)
        table: list[Json] = []
        while len(table) < len(refs.objects):  # contents may meet more collections
            table.append(_contents_json(refs.objects[len(table)]))
        if table:
            out["collections"] = table
        return out
    finally:
        _CURRENT.saving = outer


def _restore_collections(table: Json) -> list[MapTerm | SetTerm | QueueTerm]:
    """Makes the snapshot's collections, then fills them, those met last first (those held before holders)."""
    made: list[MapTerm | SetTerm | QueueTerm] = []
    for entry in _list(table):
        if not isinstance(entry, dict):
            raise TermJsonError(f"not a collection: {entry!r}")
        if "map" in entry:
            made.append(MapTerm())
        elif "set" in entry:
            made.append(SetTerm())
        else:
            made.append(QueueTerm(entry.get("priority") is True))
    _CURRENT.loading = made
    for obj, entry in reversed(list(zip(made, table, strict=True))):
        _mutable_from_json(entry, obj)
    return made


def _snapshot(ag: Agent, embed: Callable[[Json], Sized] | None) -> dict[str, Json]:
    now = ag.host.monotonic()
    plans: list[Any] = []
    plan_ids: dict[int, int] = {}

    def plan_ref(p: Plan) -> int:
        ref = plan_ids.get(id(p))
        if ref is None:
            ref = plan_ids[id(p)] = len(plans)
            subs = p.extra.get("sub_plans") if p.extra else None
            if subs:  # sub-plans are saved as plans of their own, after their plan
                plans.append(_plan_json(p))
                plans[ref]["subs"] = [plan_ref(sub) for sub in subs]
            elif embed is not None:
                saved = _saved_plan(p)
                if saved[2] is None:
                    saved[2] = embed(saved[1])
                plans.append(saved[2])
            else:
                plans.append(_plan_json(p))
        return ref

    library = [plan_ref(p) for p in ag.plans.plans]
    deadlines: dict[int, float] = {}
    for deadline, seq, _iid in ag.timers:
        deadlines[seq] = deadline

    def remaining(timer: int | None) -> float | None:
        if timer is None or timer not in deadlines:
            return None
        return max(0.0, deadlines[timer] - now)

    from romas.agentspeak.stdlib.goals import SuspendedWait

    intentions = []
    suspended: dict[str, Json] = {}
    held: list[Event] = []
    for it in ag.intentions.values():
        if it.state is DONE:
            continue
        state, waiting = it.state, it
        if isinstance(it.wait, SuspendedWait):
            # saved as it was before .suspend, then suspended again when restored
            sw = it.wait
            state, waiting = sw.state, _Waiting(sw.wait)  # type: ignore[assignment]
            suspended[str(it.id)] = term_to_json(sw.reason)
            held.extend(sw.events)
        intentions.append(
            {
                "id": it.id,
                "state": state,
                "origin_kind": it.origin_kind,
                "origin": it.origin,
                "wait": _wait_json(waiting, remaining, now),
                "stack": [_frame_json(fr, plan_ref) for fr in it.stack],
                **({"g_intention": it.g_intention} if it.g_intention is not None else {}),
            }
        )
    from romas.agentspeak.printer import source_term as ft

    return {
        "format": FORMAT,
        "name": ag.name,
        "beliefs": _beliefs_json(ag.beliefs, embed),
        "rules": [f"{ft(r.head)} :- {ft(r.body)}." for rs in ag.rules.values() for r in rs],
        "plans": plans,
        "library": library,
        "counters": dict(ag.counters),
        "source_name": ag.source_name,
        "jrandom": ag.jrandom.seed if ag.jrandom is not None else None,
        "ns_props": {
            ns: {k: term_to_json(v) for k, v in props.items()} for ns, props in getattr(ag, "ns_props", {}).items()
        },
        "intentions": intentions,
        "running": [it.id for it in ag.running if it.state is not DONE],
        "events": [
            {
                "trigger": ev.trigger,
                "literal": term_to_json(ev.literal),
                "intention": ev.intention.id if ev.intention is not None else None,
                "origin": ev.origin,
                "tail": ev.tail,
                "recovery": ev.recovery,
                "error": ev.error,
                **(
                    {
                        "option": {
                            "plan": plan_ref(ev.option[0]),
                            "env": {k: term_to_json(v) for k, v in ev.option[1].items()},
                        }
                    }
                    if ev.option is not None
                    else {}
                ),
            }
            for ev in [*ag.events, *held]
            if ev.intention is None or ev.intention.state is not DONE
        ],
        "suspended_events": [
            {"trigger": ev.trigger, "literal": term_to_json(ev.literal), "origin": ev.origin}
            for ev in ag.suspended_events
        ],
        "mailbox": [
            {
                "id": m.id,
                "sender": m.sender,
                "performative": m.performative,
                "content": term_to_json(m.content),
                "in_reply_to": m.in_reply_to,
            }
            for m in ag.mailbox
        ],
        "tracks": {
            mid: {
                "pending": tr.pending,
                "error": tr.error,
                "reply": term_to_json(tr.reply) if tr.reply is not None else None,
                "ask": list(tr.ask) if tr.ask is not None else None,
            }
            for mid, tr in ag.tracks.items()
        },
        "commands": dict(ag.commands),
        "pending_actions": dict(ag.pending_actions),
        "pending_asks": dict(ag.pending_asks),
        "trigger_waits": list(ag.trigger_waits),
        "atomic": ag.atomic_id,
        "suspended": suspended,
        "goal_deadlines": [
            {"remaining": max(0.0, due - now), "goal": term_to_json(goal), "intention": iid, "size": size}
            for due, _seq, goal, iid, size in sorted(ag.goal_deadlines, key=lambda d: (d[0], d[1]))
        ],
    }


KEPT_ENTRY_BYTES = 240
"""What a kept belief's entry takes beside its text (its tuple, the ``msgspec.Raw``, the bytes object, the dict's slot;
measured with tracemalloc: 200-240 bytes)."""


def _belief_json(lit: Struct, annots: list[Term]) -> Json:
    return {"literal": term_to_json(lit), "annots": [term_to_json(a) for a in annots]}


def _beliefs_json(beliefs: BeliefBase, embed: Callable[[Json], Sized] | None) -> list[Any]:
    """The beliefs of a snapshot; with ``embed``, each one's embedded JSON is kept in ``beliefs.embedded`` until the
    belief changes (the belief base drops it then, and when the belief goes, so ``f(1)`` replaced by the equal key
    ``f(1.0)`` finds nothing kept). Not kept: a belief holding one of Jason's collections (changed in place; its JSON
    is a reference numbered within the snapshot), and what would take the kept entries (their text and
    ``KEPT_ENTRY_BYTES`` each) over twice the bytes the beliefs are counted for: the agent's memory limit does not
    count them, so this bounds them by what it counts. The buckets are walked in place, in the order of
    ``BeliefBase.items`` (nothing changes them meanwhile): a mind of many beliefs is mostly kept entries, and copying
    each bucket cost more than looking them up."""
    if embed is None:
        return [_belief_json(lit, annots) for lit, annots in beliefs.items()]
    if beliefs.embedded_bytes > 2 * beliefs.bytes:  # beliefs removed since: start again within the bound
        beliefs.embedded, beliefs.embedded_bytes = {}, 0
    kept = beliefs.embedded
    room = 2 * beliefs.bytes - beliefs.embedded_bytes
    refs = _CURRENT.saving
    assert refs is not None  # called by snapshot() alone
    out: list[Any] = []
    for bucket in beliefs.index.values():
        for lit, annots in reversed(bucket.items()):
            entry = kept.get(lit)
            if entry is not None:
                out.append(entry[0])
                continue
            met = len(refs.objects)
            value = embed(_belief_json(lit, annots))
            out.append(value)
            size = len(value) + KEPT_ENTRY_BYTES
            if len(refs.objects) == met and size <= room:
                room -= size
                kept[lit] = (value, size)
                beliefs.embedded_bytes += size
    return out


def _frame_json(fr: Frame, plan_ref: Any) -> dict[str, Json]:
    out: dict[str, Json] = {
        "plan": plan_ref(fr.plan),
        "pc": fr.pc,
        "env": {k: term_to_json(v) for k, v in fr.env.items()},
        "event": term_to_json(fr.event),
    }
    if fr.ret is not None:
        out["ret"] = term_to_json(fr.ret)
    if fr.goal is not fr.event:
        out["goal"] = term_to_json(fr.goal)
    if fr.recovery:
        out["recovery"] = True
    if fr.failed_goal:
        out["failed_goal"] = True
    if fr.trigger_env is not None:
        out["trigger_env"] = {k: term_to_json(v) for k, v in fr.trigger_env.items()}
    if fr.loops:
        out["loops"] = [
            {
                "keep": sorted(ls.keep),
                # only the turns still to come: a long loop's checkpoint shrinks as it goes
                "solutions": [{k: term_to_json(v) for k, v in s.items()} for s in ls.solutions[ls.index :]]
                if ls.solutions is not None
                else None,
                "index": 0 if ls.solutions is not None else ls.index,
            }
            for ls in fr.loops
        ]
    return out


class _Waiting:
    """What an intention waited on before it was suspended (see ``snapshot``)."""

    __slots__ = ("wait",)

    def __init__(self, wait: object) -> None:
        self.wait = wait


def _wait_json(it: Intention, remaining: Any, now: float) -> Json:
    from romas.agentspeak.agent import _ActionWaitState, _ReplyWaitState, _TimerWaitState, _TriggerWaitState

    w = it.wait
    if w is None:
        return None
    if isinstance(w, _TimerWaitState):
        return {"kind": "timer", "remaining": remaining(w.timer)}
    if isinstance(w, _TriggerWaitState):
        return {
            "kind": "trigger",
            "trigger": w.trigger,
            "literal": term_to_json(w.literal),
            "elapsed": term_to_json(w.elapsed) if w.elapsed is not None else None,
            "waited": max(0.0, now - w.started),
            "remaining": remaining(w.timer),
        }
    if isinstance(w, _ReplyWaitState):
        return {
            "kind": "reply",
            "msg_id": w.msg_id,
            "ask": w.ask,
            "answer": term_to_json(w.answer),
            "remaining": remaining(w.timer),
        }
    if isinstance(w, _ActionWaitState):
        return {"kind": "action", "token": w.token, "term": term_to_json(w.term)}
    return None


def restore(ag: Agent, data: Mapping[str, Json]) -> None:
    """Fills a fresh agent (made with no program) from a snapshot."""
    if data.get("format") != FORMAT:
        raise ValueError(f"unknown snapshot format {data.get('format')!r}")
    outer = _CURRENT.loading
    try:
        _CURRENT.loading = None
        made = _restore_collections(data.get("collections") or [])
        adopt(ag, tuple(made))  # the agent is charged for them again
        _restore(ag, data)
    finally:
        _CURRENT.loading = outer


def _restore(ag: Agent, data: Mapping[str, Json]) -> None:
    from romas.agentspeak.agent import (
        _ActionWaitState,
        _ReplyWaitState,
        _TimerWaitState,
        _Track,
        _TriggerWaitState,
    )
    from romas.agentspeak.parser import parse_plan, parse_program
    from romas.agentspeak.plans import PlanLibrary, sub_library

    now = ag.host.monotonic()
    source_name = data.get("source_name")
    ag.source_name = source_name if isinstance(source_name, str) else None
    ns_props = data.get("ns_props")
    if isinstance(ns_props, dict) and ns_props:
        ag.ns_props = {ns: {k: term_from_json(v) for k, v in props.items()} for ns, props in ns_props.items()}  # type: ignore[attr-defined]
    jseed = data.get("jrandom")
    if isinstance(jseed, int):
        from romas.agentspeak.jrandom import JavaRandom

        ag.jrandom = JavaRandom(0)
        ag.jrandom.seed = jseed
    plans: list[Plan] = []
    for pj in data["plans"]:
        p = parse_plan(pj["source"])
        p.name = pj["name"]
        p.line = pj.get("line", 0)
        p.source = pj.get("text", pj["source"])
        p.extra.update(pj.get("extra", {}))
        lines = pj.get("lines")
        if lines is not None:
            from romas.agentspeak.compiler import compiled

            code = compiled(p)
            if len(code) == len(lines):
                for ins, line in zip(code, lines, strict=True):
                    ins.line = line
        plans.append(p)
    for p, pj in zip(plans, data["plans"], strict=True):
        if pj.get("subs"):
            p.extra["sub_plans"] = [plans[i] for i in pj["subs"]]
    for p in plans:  # a plan comes before its sub-plans: scopes are linked outside in (see plans.sub_library)
        sub_library(p)
    ag.plans = PlanLibrary([plans[i] for i in data["library"]])
    if data["rules"]:
        text = "\n".join(data["rules"])
        # functions registered by programs (``{ register_function("f.h", 2, "h") }``) are known again to the rules
        from romas.agentspeak.builder import USER_FUNCTIONS

        known = [
            f"{{ register_function({source_term(name)}, {arity}, {source_term(pred)}) }}\n"
            for (name, arity), pred in list(USER_FUNCTIONS.items())
            if name in text
        ]
        ag._set_rules(parse_program("".join(known) + text).rules)
    # saved in the order queries find them, functor by functor: each functor's are added back last first
    groups: dict[tuple[str, int], list[tuple[Struct, tuple[Term, ...]]]] = {}
    for b in data["beliefs"]:
        lit = term_from_json(b["literal"])
        assert type(lit) is Struct
        groups.setdefault((lit.functor, len(lit.args)), []).append((lit, tuple(term_from_json(a) for a in b["annots"])))
    for group in groups.values():
        for lit, annots in reversed(group):
            ag.beliefs.add(lit, annots)
    ag.counters.update(data["counters"])
    by_id: dict[int, Intention] = {}
    for ij in data["intentions"]:
        it = Intention(ij["id"], ij["origin_kind"], ij["origin"])
        it.state = _STATES[ij["state"]]
        for fj in ij["stack"]:
            fr = Frame(
                plans[fj["plan"]], {k: term_from_json(v) for k, v in fj["env"].items()}, term_from_json(fj["event"])
            )
            fr.pc = fj["pc"]
            if "ret" in fj:
                fr.ret = term_from_json(fj["ret"])
            if "goal" in fj:
                fr.goal = term_from_json(fj["goal"])
            fr.recovery = bool(fj.get("recovery"))
            fr.failed_goal = bool(fj.get("failed_goal"))
            if "trigger_env" in fj:
                fr.trigger_env = {k: term_from_json(v) for k, v in fj["trigger_env"].items()}
            if fj.get("loops"):
                fr.loops = []
                for lj in fj["loops"]:
                    ls = LoopState(
                        frozenset(lj["keep"]),
                        [{k: term_from_json(v) for k, v in s.items()} for s in lj["solutions"]]
                        if lj["solutions"] is not None
                        else None,
                    )
                    ls.index = lj["index"]
                    fr.loops.append(ls)
            if fr.plan.extra.get("shared_env") and it.stack:
                fr.env = it.stack[-1].env  # a { ... } body run by .if_then_else, .foreach, .loop
            it.stack.append(fr)
        wj = ij["wait"]
        if wj is not None:
            kind = wj["kind"]
            if kind == "timer":
                tw = _TimerWaitState()
                it.wait = tw
                tw.timer = ag._add_timer(it, wj["remaining"] or 0.0)
            elif kind == "trigger":
                trw = _TriggerWaitState(
                    wj["trigger"],
                    term_from_json(wj["literal"]),
                    term_from_json(wj["elapsed"]) if wj["elapsed"] is not None else None,
                    now - wj["waited"],
                )
                it.wait = trw
                if wj["remaining"] is not None:
                    trw.timer = ag._add_timer(it, wj["remaining"])
            elif kind == "reply":
                rw = _ReplyWaitState(wj["msg_id"], term_from_json(wj["answer"]), str(wj.get("ask", "askOne")))
                it.wait = rw
                if wj["remaining"] is not None:
                    rw.timer = ag._add_timer(it, wj["remaining"])
            elif kind == "action":
                term = term_from_json(wj["term"])
                assert type(term) is Struct
                it.wait = _ActionWaitState(wj["token"], term)
        it.g_intention = ij.get("g_intention")
        by_id[it.id] = it
        ag.intentions[it.id] = it
        if any(fr.plan.atomic for fr in it.stack) and data.get("atomic") == it.id:
            ag.atomic_id = it.id
    ag.atomic_id = data.get("atomic") if data.get("atomic") in by_id else None
    for iid in data["running"]:
        if iid in by_id:
            ag.running.append(by_id[iid])
            by_id[iid].queued = True
    for ej in data["events"]:
        iid = ej["intention"]
        ev = Event(
            ej["trigger"],
            term_from_json(ej["literal"]),
            by_id.get(iid) if iid is not None else None,
            ej["origin"],
            ej["tail"],
            ej["recovery"],
            ej["error"],
        )
        oj = ej.get("option")
        if oj is not None:
            ev.option = (plans[oj["plan"]], {k: term_from_json(v) for k, v in oj["env"].items()})
        ag.events.append(ev)
    for ej in data.get("suspended_events", []):
        ag.suspended_events.append(Event(ej["trigger"], term_from_json(ej["literal"]), None, ej["origin"]))
    for mj in data["mailbox"]:
        ag.mailbox.append(
            Message(mj["id"], mj["sender"], mj["performative"], term_from_json(mj["content"]), mj["in_reply_to"])
        )
    for mid, tj in data["tracks"].items():
        tr = _Track()
        tr.pending = tj["pending"]
        tr.error = tj["error"]
        tr.reply = term_from_json(tj["reply"]) if tj["reply"] is not None else None
        tr.ask = (tj["ask"][0], tj["ask"][1]) if tj["ask"] is not None else None
        ag.tracks[mid] = tr
    ag.commands = {k: int(v) for k, v in data["commands"].items()}
    ag.pending_actions = {k: int(v) for k, v in data["pending_actions"].items()}
    ag.pending_asks = {k: int(v) for k, v in data["pending_asks"].items()}
    ag.trigger_waits = [int(x) for x in data["trigger_waits"]]
    heapq.heapify(ag.timers)
    for dj in data.get("goal_deadlines", []):
        ag.counters["timer"] += 1
        goal = term_from_json(dj["goal"])
        entry = (now + dj["remaining"], ag.counters["timer"], goal, dj["intention"], dj["size"])
        heapq.heappush(ag.goal_deadlines, entry)
    suspended = data.get("suspended") or {}
    if suspended:
        from romas.agentspeak.stdlib.goals import suspend_intention

        for iid, reason in suspended.items():
            held_it = by_id.get(int(iid))
            if held_it is not None:
                suspend_intention(ag, held_it, term_from_json(reason), announce=False)


# ---- the mind view --------------------------------------------------------------------------------------------


def mind(
    ag: Agent,
    *,
    belief_offset: int = 0,
    belief_limit: int | None = None,
    part_limit: int | None = None,
    stack_limit: int | None = None,
) -> dict[str, Json]:
    """The live mental state, for people: beliefs, goals, intentions and plans.

    With ``belief_limit``, only that many beliefs from ``belief_offset`` on (``belief_count`` says how many there
    are), so that a mind with a million beliefs is shown a page at a time instead of in one answer of tens of
    megabytes. ``part_limit`` bounds the intentions, goals and pending events shown (``intention_count`` and
    ``event_count`` say how many there are) and ``stack_limit`` the frames shown of each intention, top first
    (``depth`` says how deep it is): an agent within its limits may still hold 10,000 intentions."""
    beliefs = []
    chosen = (
        ag.beliefs.items() if belief_limit is None else ag.beliefs.page(max(0, belief_offset), max(0, belief_limit))
    )
    for k, annots in chosen:
        full = Struct(k.functor, k.args, tuple(annots))
        beliefs.append({"term": term_to_json(full), "text": format_term(full)})
    most = part_limit if part_limit is not None else sys.maxsize
    goals: list[Json] = []
    intentions: list[Json] = []
    live = [it for it in ag.intentions.values() if it.state is not DONE]
    for it in live[:most]:
        stack = []
        frames = list(reversed(it.stack))
        for fr in frames if stack_limit is None else frames[:stack_limit]:
            trig = fr.plan.trigger
            trigger_text = trig.op + trig.kind + format_term(fr.event)
            stack.append({"plan": fr.plan.name, "trigger": trigger_text, "line": fr.line})
            if trig.op == "+" and trig.kind == "!" and not fr.plan.extra.get("system") and len(goals) < most:
                goals.append({"goal": format_term(fr.event), "term": term_to_json(fr.event), "state": "intended"})
        intentions.append(
            {
                "id": it.id,
                "state": it.state,
                "origin": {"kind": it.origin_kind, "id": it.origin} if it.origin_kind else None,
                "depth": len(it.stack),
                "stack": stack,
            }
        )
    for ev in ag.events:
        if len(goals) >= most:
            break
        if ev.trigger == "+!" and ev.intention is None:
            goals.append({"goal": format_term(ev.literal), "term": term_to_json(ev.literal), "state": "pending"})
    plans = [
        {
            "label": p.name,
            "trigger": p.trigger.text,
            "source": p.source or source_plan(p),
            "line": p.line,
        }
        for p in ag.plans.plans
    ]
    rules = [format_rule(r) for rs in ag.rules.values() for r in rs]
    return {
        "name": ag.name,
        "beliefs": beliefs,
        "belief_count": ag.beliefs.size,
        "rules": rules,
        "goals": goals,
        "intentions": intentions,
        "intention_count": len(live),
        "plans": plans,
        "events": [ev.trigger + format_term(ev.literal) for ev in islice(ag.events, most)],
        "event_count": len(ag.events),
    }


__all__ = ["TermJsonError", "mind", "restore", "snapshot", "term_from_json", "term_to_json"]
