"""Group and scheme instances: adopting roles, commitments, achievements, well-formedness, restores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from romas.domain.errors import Conflict, InvalidInput, NotFound
from romas.domain.goal_tree import GoalState
from romas.domain.org_instances import (
    GroupState,
    SchemeState,
    achieve,
    adopt,
    commit,
    dump,
    group_shortfalls,
    leave,
    load,
    put_group,
    put_scheme,
    replay_group,
    replay_scheme,
    scheme_shortfalls,
)
from tests.domain.org_spec import spec

T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
SPEC = spec()


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def team(*players: tuple[str, str]) -> GroupState:
    group = put_group(SPEC, "t", None, "team", None, {}, T0)
    for i, (agent, role) in enumerate(players):
        group = adopt(SPEC, "t", group, agent, role, at(i + 1))
    return group


def day(group: GroupState) -> SchemeState:
    return put_scheme(SPEC, "d", None, "day", "t", group, T0)


def test_a_group_needs_a_type_of_the_specification() -> None:
    with pytest.raises(InvalidInput) as caught:
        put_group(SPEC, "t", None, "teem", None, {}, T0)
    assert caught.value.errors[0].path == "/type" and "did you mean 'team'" in caught.value.errors[0].message


def test_adopting_records_since_and_round_trips_through_json() -> None:
    group = team(("bob", "baker"))
    assert [(p.agent, p.role, p.since) for p in group.players] == [("bob", "baker", at(1))]
    assert load(dump(group), GroupState) == group


def test_a_role_the_group_does_not_have_or_the_spec_does_not_know_is_bad_input() -> None:
    with pytest.raises(InvalidInput) as unknown:
        adopt(SPEC, "t", team(), "bob", "pilot", T0)
    assert unknown.value.errors[0].path == "/role"
    with pytest.raises(InvalidInput) as missing:
        adopt(SPEC, "t", team(), "bob", "staff", T0)  # a super-role of listed roles, not itself listed
    assert "has no role 'staff'" in missing.value.detail


def test_max_cardinality_is_enforced_with_the_reason() -> None:
    with pytest.raises(Conflict) as caught:
        adopt(SPEC, "t", team(("bob", "baker")), "carol", "baker", T0)
    assert caught.value.detail == "role baker in group t allows at most 1 player and bob plays it"


def test_two_roles_in_one_group_need_compatibility() -> None:
    both = team(("bob", "baker"), ("bob", "seller"))  # declared compatible
    assert both.roles_of("bob") == ("baker", "seller")
    with pytest.raises(Conflict) as caught:
        adopt(SPEC, "t", team(("bob", "baker")), "bob", "customer", T0)
    assert "roles customer and baker are not compatible" in caught.value.detail
    with pytest.raises(Conflict, match="already plays"):
        adopt(SPEC, "t", team(("bob", "baker")), "bob", "baker", T0)


def test_well_formedness_counts_minimums_and_subgroups() -> None:
    groups = {"t": team(("bob", "baker"))}
    assert group_shortfalls(SPEC, "t", groups) == ["role seller needs at least 1 player, it has 0"]
    groups["t"] = adopt(SPEC, "t", groups["t"], "sam", "seller", T0)
    assert group_shortfalls(SPEC, "t", groups) == []
    groups["c"] = put_group(SPEC, "c", None, "crew", "t", groups, T0)
    assert group_shortfalls(SPEC, "t", groups) == ["subgroup c is not well formed"]
    with pytest.raises(Conflict, match="at most 1 subgroup"):
        put_group(SPEC, "c2", None, "crew", "t", groups, T0)
    with pytest.raises(InvalidInput, match="no subgroups of type 'team'"):
        put_group(SPEC, "x", None, "team", "t", groups, T0)


def test_a_group_with_players_keeps_its_type() -> None:
    group = team(("bob", "baker"))
    assert put_group(SPEC, "t", group, "team", None, {}, at(9)) is group  # identical PUT: nothing changes
    with pytest.raises(Conflict, match="has players"):
        put_group(SPEC, "t", group, "crew", None, {}, at(9))


def test_a_scheme_starts_with_its_first_goals_enabled() -> None:
    scheme = day(team())
    states = {r.goal: r.state for r in scheme.goals}
    assert [r.goal for r in scheme.goals] == ["done", "baked", "ordered", "sold"]
    assert states == {"done": "enabled", "baked": "enabled", "ordered": "waiting", "sold": "waiting"}
    assert scheme.goal("baked") is not None and scheme.goal("baked").enabled_at == T0  # type: ignore[union-attr]
    with pytest.raises(InvalidInput) as caught:
        put_scheme(SPEC, "d", None, "night", "t", team(), T0)
    assert caught.value.errors[0].path == "/type"
    with pytest.raises(InvalidInput) as no_group:
        put_scheme(SPEC, "d", None, "day", "nobody", None, T0)
    assert no_group.value.errors[0].path == "/group"


def test_commitment_needs_a_role_with_a_norm_and_respects_the_maximum() -> None:
    group = team(("bob", "baker"), ("carol", "customer"), ("sam", "seller"), ("sue", "seller"))
    scheme = commit(SPEC, "d", day(group), group, "bob", "m_bake", at(5))
    scheme = commit(SPEC, "d", scheme, group, "carol", "m_order", at(6))  # a permission is enough
    with pytest.raises(Conflict) as refused:
        commit(SPEC, "d", scheme, group, "carol", "m_sell", at(7))
    assert refused.value.detail.startswith("carol may not commit to mission m_sell: it plays customer in group t")
    scheme = commit(SPEC, "d", scheme, group, "sam", "m_sell", at(7))
    with pytest.raises(Conflict) as full:
        commit(SPEC, "d", scheme, group, "sue", "m_sell", at(8))
    assert full.value.detail == "mission m_sell in scheme d allows at most 1 committed agent and sam is committed"
    with pytest.raises(InvalidInput) as unknown:
        commit(SPEC, "d", scheme, group, "sue", "m_fly", at(8))
    assert unknown.value.errors[0].path == "/mission"
    assert scheme_shortfalls(SPEC, scheme) == []


def test_goals_are_achieved_in_sequence_by_committed_agents_only() -> None:
    group = team(("bob", "baker"), ("carol", "customer"))
    scheme = commit(SPEC, "d", day(group), group, "bob", "m_bake", at(5))
    scheme = commit(SPEC, "d", scheme, group, "carol", "m_order", at(6))
    with pytest.raises(Conflict) as early:
        achieve(SPEC, "d", scheme, "carol", "ordered", at(7))
    assert early.value.detail == "goal 'ordered' is not enabled yet: it waits for 'baked'"
    with pytest.raises(Conflict) as stranger:
        achieve(SPEC, "d", scheme, "carol", "baked", at(7))
    assert stranger.value.detail == "carol is not committed to a mission holding goal baked (missions: m_bake)"
    with pytest.raises(NotFound):
        achieve(SPEC, "d", scheme, "bob", "flown", at(7))
    with pytest.raises(Conflict, match="satisfied by its sub-goals"):
        achieve(SPEC, "d", scheme, "bob", "done", at(7))
    scheme = achieve(SPEC, "d", scheme, "bob", "baked", at(8))
    baked, ordered = scheme.goal("baked"), scheme.goal("ordered")
    assert baked is not None and (baked.state, baked.achieved_by, baked.satisfied_at) == ("satisfied", "bob", at(8))
    assert ordered is not None and (ordered.state, ordered.enabled_at) == ("enabled", at(8))
    with pytest.raises(Conflict, match="already satisfied"):
        achieve(SPEC, "d", scheme, "bob", "baked", at(9))


def test_a_choice_makes_the_other_branch_unneeded() -> None:
    group = team(("bob", "baker"), ("sam", "seller"))
    scheme = put_scheme(SPEC, "m", None, "menu", "t", group, T0)
    scheme = commit(SPEC, "m", scheme, group, "bob", "m_soup", at(1))
    scheme = commit(SPEC, "m", scheme, group, "sam", "m_salad", at(2))
    scheme = achieve(SPEC, "m", scheme, "bob", "soup", at(3))
    salad = scheme.goal("salad")
    assert salad is not None and salad.state is GoalState.WAITING and salad.unneeded_at == at(3)
    assert salad.enabled_at == T0  # it had been enabled before the choice was made
    with pytest.raises(Conflict, match="no longer needed"):
        achieve(SPEC, "m", scheme, "sam", "salad", at(4))


def test_leaving_a_role_a_commitment_still_needs_is_refused() -> None:
    group = team(("bob", "baker"), ("bob", "seller"))
    scheme = commit(SPEC, "d", day(group), group, "bob", "m_bake", at(5))
    with pytest.raises(Conflict) as caught:
        leave(SPEC, "t", group, "bob", "baker", {"d": scheme})
    assert "committed to mission m_bake in scheme d, which needs role baker" in caught.value.detail
    assert leave(SPEC, "t", group, "bob", "seller", {"d": scheme}).roles_of("bob") == ("baker",)
    done = achieve(SPEC, "d", scheme, "bob", "baked", at(6))
    assert leave(SPEC, "t", group, "bob", "baker", {"d": done}).roles_of("bob") == ("seller",)
    with pytest.raises(NotFound):
        leave(SPEC, "t", group, "bob", "customer", {})


def test_restoring_replays_through_todays_rules() -> None:
    group = team(("bob", "baker"))
    old = team(("carol", "baker"))
    replayed = replay_group(SPEC, "t", group, old, {}, at(50))
    assert [(p.agent, p.since) for p in replayed.players] == [("carol", at(50))]
    strict = spec(groups={**spec().to_builtins()["groups"], "team": {"roles": {"seller": {"min": 0, "max": 1}}}})
    with pytest.raises(InvalidInput, match="has no role 'baker'"):
        replay_group(strict, "t", group, old, {}, at(50))
    scheme = commit(SPEC, "d", day(group), group, "bob", "m_bake", at(5))
    scheme = achieve(SPEC, "d", scheme, "bob", "baked", at(6))
    fresh = day(group)
    again = replay_scheme(SPEC, "d", fresh, scheme, group, at(60))
    assert again.commitments[0].since == at(60) and again.goal("baked").achieved_by == "bob"  # type: ignore[union-attr]
    same = replay_scheme(SPEC, "d", scheme, scheme, group, at(60))
    assert same == scheme  # what the current state has keeps its times
