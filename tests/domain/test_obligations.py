"""Obligations from norms, exactly as DESIGN.md states them, and the beliefs agents hold about them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from romas.domain.obligations import (
    Committed,
    Done,
    Obligation,
    ObligationState,
    OrgView,
    Term,
    next_deadline,
    obligations,
    percepts,
)
from romas.domain.org_instances import GroupState, SchemeState, achieve, adopt, commit, leave, put_group, put_scheme
from tests.domain.org_spec import SPEC as RAW
from tests.domain.org_spec import spec

T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
SPEC = spec()
ACTIVE, FULFILLED, VIOLATED = ObligationState.ACTIVE, ObligationState.FULFILLED, ObligationState.VIOLATED


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def view(group: GroupState, schemes: dict[str, SchemeState], now: float, **spec_changes: object) -> OrgView:
    return OrgView("bakery", spec(**spec_changes) if spec_changes else SPEC, {"t": group}, schemes, at(now))


def setup() -> tuple[GroupState, SchemeState]:
    group = put_group(SPEC, "t", None, "team", None, {}, T0)
    group = adopt(SPEC, "t", group, "bob", "baker", at(1))
    group = adopt(SPEC, "t", group, "carol", "customer", at(2))
    group = adopt(SPEC, "t", group, "sam", "seller", at(3))
    return group, put_scheme(SPEC, "d", None, "day", "t", group, at(10))


def table(found: list[Obligation]) -> list[tuple[object, ...]]:
    return [(o.agent, o.norm, o.what, o.state, o.since, o.until) for o in found]


def test_playing_a_role_obliges_to_commit_and_permissions_oblige_nothing() -> None:
    group, scheme = setup()
    found = obligations(view(group, {"d": scheme}, 20))
    assert table(found) == [
        ("bob", "n_bake", Committed("bob", "m_bake", "d"), ACTIVE, at(10), None),
        ("sam", "n_sell", Committed("sam", "m_sell", "d"), ACTIVE, at(10), None),
    ]  # carol only has a permission
    assert found[1].deadline == at(610) and found[0].deadline is None
    assert obligations(view(group, {}, 20)) == []  # no scheme, no obligation


def test_committing_fulfils_and_then_each_goal_is_owed_once_enabled_until_satisfied() -> None:
    group, scheme = setup()
    scheme = commit(SPEC, "d", scheme, group, "bob", "m_bake", at(20))
    scheme = commit(SPEC, "d", scheme, group, "sam", "m_sell", at(21))
    found = table(obligations(view(group, {"d": scheme}, 30)))
    assert found == [
        ("bob", "n_bake", Committed("bob", "m_bake", "d"), FULFILLED, at(10), at(20)),
        ("sam", "n_sell", Committed("sam", "m_sell", "d"), FULFILLED, at(10), at(21)),
        ("bob", "n_bake", Done("d", "baked", "bob"), ACTIVE, at(20), None),
    ]  # 'sold' waits for 'baked' and 'ordered': nothing is owed for it yet
    scheme = achieve(SPEC, "d", scheme, "bob", "baked", at(40))
    scheme = commit(SPEC, "d", scheme, group, "carol", "m_order", at(41))
    scheme = achieve(SPEC, "d", scheme, "carol", "ordered", at(42))
    later = obligations(view(group, {"d": scheme}, 50))
    assert [(o.what, o.state, o.since, o.until) for o in later if isinstance(o.what, Done)] == [
        (Done("d", "baked", "bob"), FULFILLED, at(20), at(40)),
        (Done("d", "sold", "sam"), ACTIVE, at(42), None),
    ]


def test_a_deadline_turns_an_active_obligation_into_a_violation_that_stands() -> None:
    group, scheme = setup()
    before = obligations(view(group, {"d": scheme}, 609))
    assert [o.state for o in before if o.agent == "sam"] == [ACTIVE]
    assert next_deadline(view(group, {"d": scheme}, 609)) == at(610)
    after = [o for o in obligations(view(group, {"d": scheme}, 611)) if o.agent == "sam"]
    assert [(o.state, o.until, o.done_at) for o in after] == [(VIOLATED, at(610), None)]
    assert next_deadline(view(group, {"d": scheme}, 611)) is None
    late = commit(SPEC, "d", scheme, group, "sam", "m_sell", at(700))
    done_late = [o for o in obligations(view(group, {"d": late}, 701)) if o.what == Committed("sam", "m_sell", "d")]
    assert [(o.state, o.until, o.done_at) for o in done_late] == [(VIOLATED, at(610), at(700))]
    in_time = commit(SPEC, "d", scheme, group, "sam", "m_sell", at(600))
    kept = [o for o in obligations(view(group, {"d": in_time}, 9999)) if o.what == Committed("sam", "m_sell", "d")]
    assert [(o.state, o.until) for o in kept] == [(FULFILLED, at(600))]


def test_a_goal_obligation_starts_when_the_goal_is_enabled_and_counts_its_deadline_from_then() -> None:
    norms = [{**n, "deadline_s": 5} if n["id"] == "n_sell" else n for n in RAW["norms"]]
    strict = spec(norms=norms)
    group, scheme = setup()
    scheme = commit(strict, "d", scheme, group, "sam", "m_sell", at(11))
    scheme = commit(strict, "d", scheme, group, "bob", "m_bake", at(12))
    scheme = commit(strict, "d", scheme, group, "carol", "m_order", at(13))
    scheme = achieve(strict, "d", scheme, "bob", "baked", at(100))
    scheme = achieve(strict, "d", scheme, "carol", "ordered", at(200))
    sold = [o for o in obligations(view(group, {"d": scheme}, 204, norms=norms)) if o.what == Done("d", "sold", "sam")]
    assert [(o.state, o.since, o.deadline) for o in sold] == [(ACTIVE, at(200), at(205))]
    late = [o for o in obligations(view(group, {"d": scheme}, 206, norms=norms)) if o.what == Done("d", "sold", "sam")]
    assert [o.state for o in late] == [VIOLATED]


def test_an_unneeded_choice_branch_ends_its_obligation_without_violation() -> None:
    group, _ = setup()
    menu = put_scheme(SPEC, "m", None, "menu", "t", group, at(10))
    menu = commit(SPEC, "m", menu, group, "bob", "m_soup", at(11))
    menu = commit(SPEC, "m", menu, group, "sam", "m_salad", at(12))
    owed = [o.what for o in obligations(view(group, {"m": menu}, 13)) if isinstance(o.what, Done)]
    assert owed == [Done("m", "soup", "bob"), Done("m", "salad", "sam")]
    menu = achieve(SPEC, "m", menu, "bob", "soup", at(14))
    after = [(o.what, o.state) for o in obligations(view(group, {"m": menu}, 15)) if isinstance(o.what, Done)]
    assert after == [(Done("m", "soup", "bob"), FULFILLED)]  # the salad obligation simply ended


def test_norms_on_a_super_role_reach_its_sub_roles_once() -> None:
    group, _ = setup()
    group = adopt(SPEC, "t", group, "bob", "seller", at(4))  # bob is staff twice over (baker and seller)
    menu = put_scheme(SPEC, "m", None, "menu", "t", group, at(10))
    soup = [o for o in obligations(view(group, {"m": menu}, 11)) if o.what == Committed("bob", "m_soup", "m")]
    assert [(o.norm, o.role, o.since) for o in soup] == [("n_soup", "baker", at(10))]


def test_leaving_the_role_takes_the_obligations_with_it() -> None:
    group, scheme = setup()
    left = leave(SPEC, "t", group, "sam", "seller", {"d": scheme})
    assert [o.agent for o in obligations(view(left, {"d": scheme}, 20))] == ["bob"]


def test_the_past_is_computed_from_the_states_of_then() -> None:
    group, scheme = setup()
    committed = commit(SPEC, "d", scheme, group, "bob", "m_bake", at(20))
    then = obligations(view(group, {"d": scheme}, 15))  # the revision in force at 15 has no commitment
    assert [o.state for o in then if o.agent == "bob"] == [ACTIVE]
    now = obligations(view(group, {"d": committed}, 25))
    assert [o.state for o in now if o.what == Committed("bob", "m_bake", "d")] == [FULFILLED]


def test_percepts_of_an_agent() -> None:
    group, scheme = setup()
    scheme = commit(SPEC, "d", scheme, group, "bob", "m_bake", at(20))
    beliefs = percepts(view(group, {"d": scheme}, 30), "bob")
    assert Term("play", ("carol", "customer", "t")) in beliefs
    assert Term("commitment", ("bob", "m_bake", "d")) in beliefs
    assert Term("goal_state", ("d", "baked", "enabled")) in beliefs
    assert Term("goal_state", ("d", "ordered", "waiting")) in beliefs
    obligations_seen = [b for b in beliefs if b.functor == "obligation"]
    assert obligations_seen == [
        Term("obligation", ("sam", "n_sell", Term("committed", ("sam", "m_sell", "d")), at(610).timestamp())),
        Term("obligation", ("bob", "n_bake", Term("done", ("d", "baked", "bob")), "none")),
    ]  # fulfilled obligations (bob's commitment) are not believed
    assert percepts(view(group, {"d": scheme}, 30), "zoe") == []
    assert len({*beliefs}) == len(beliefs)  # hashable and without duplicates
