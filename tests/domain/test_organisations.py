"""The organisation specification: normalization, every validation error with its path, and the helpers."""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from romas.domain.organisations import (
    InvalidSpecification,
    SpecError,
    json_pointer,
    parse_specification,
    validate_specification,
)

SAMPLE_YAML = """
description: "a small market"
roles:   {seller: {extends: []}, buyer: {}}
groups:
  market:
    roles: {seller: {min: 1, max: 5}, buyer: {min: 0, max: 100}}
    links: [{from: buyer, to: seller, type: communication}]
    compatibilities: [[seller, buyer]]
    subgroups: {}
schemes:
  sale:
    goals:
      sold: {sequence: [offered, paid, delivered]}
      offered: {description: "the goods are on offer"}
      paid:
      delivered: {}
    missions:
      m_seller: {goals: [offered, delivered], min: 1, max: 1}
      m_buyer: {goals: [paid], min: 1, max: 1}
norms:
  - {id: n1, type: obligation, role: seller, mission: m_seller}
  - {id: n2, type: permission, role: buyer, mission: m_buyer, deadline_s: 30}
"""


def sample() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(SAMPLE_YAML)
    return data


def errors_of(data: object) -> list[SpecError]:
    spec, errors = validate_specification(data)
    assert spec is None, "expected the specification to be refused"
    assert errors
    return errors


def paths_of(data: object) -> set[str]:
    return {e.path for e in errors_of(data)}


# -- valid specifications --------------------------------------------------------------------------------


def test_sample_is_valid_and_normalized() -> None:
    spec, errors = validate_specification(sample())
    assert errors == []
    assert spec is not None
    out = spec.to_builtins()
    assert list(out) == ["description", "roles", "groups", "schemes", "norms"]
    assert out["roles"] == {"seller": {"extends": []}, "buyer": {"extends": []}}
    assert out["groups"]["market"] == {
        "roles": {"seller": {"min": 1, "max": 5}, "buyer": {"min": 0, "max": 100}},
        "links": [{"from": "buyer", "to": "seller", "type": "communication"}],
        "compatibilities": [["seller", "buyer"]],
        "subgroups": {},
    }
    assert out["schemes"]["sale"]["goals"] == {
        "sold": {"sequence": ["offered", "paid", "delivered"]},
        "offered": {"description": "the goods are on offer"},
        "paid": {},
        "delivered": {},
    }
    assert out["norms"][1] == {
        "id": "n2",
        "type": "permission",
        "role": "buyer",
        "mission": "m_buyer",
        "deadline_s": 30.0,
    }


def test_normalized_output_is_a_fixed_point() -> None:
    spec = parse_specification(sample())
    again = parse_specification(json.loads(spec.to_json()))
    assert again == spec
    assert again.to_json() == spec.to_json()


def test_defaults_are_written_out() -> None:
    spec = parse_specification(
        {
            "roles": {"a": None},
            "groups": {"g": {"roles": {"a": None}}},
            "schemes": {"s": {"goals": {"only": None}}},
        }
    )
    assert spec.to_builtins() == {
        "roles": {"a": {"extends": []}},
        "groups": {"g": {"roles": {"a": {"min": 0, "max": None}}, "links": [], "compatibilities": [], "subgroups": {}}},
        "schemes": {"s": {"goals": {"only": {}}, "missions": {}}},
        "norms": [],
    }


def test_empty_specification_is_valid() -> None:
    spec = parse_specification({})
    assert spec.to_builtins() == {"roles": {}, "groups": {}, "schemes": {}, "norms": []}


def test_key_order_is_kept() -> None:
    spec = parse_specification({"roles": {"zeta": {}, "alpha": {}, "mid": {}}})
    assert list(spec.to_builtins()["roles"]) == ["zeta", "alpha", "mid"]


def test_a_link_may_name_a_super_role_of_a_member() -> None:
    data = {
        "roles": {"participant": {}, "seller": {"extends": ["participant"]}, "buyer": {"extends": ["participant"]}},
        "groups": {
            "market": {
                "roles": {"seller": {}, "buyer": {}},
                "links": [{"from": "participant", "to": "participant", "type": "acquaintance"}],
            }
        },
    }
    assert validate_specification(data)[1] == []


def test_parse_specification_raises_with_every_error() -> None:
    with pytest.raises(InvalidSpecification) as caught:
        parse_specification({"roles": {"Bad": {}}, "norms": 3})
    assert {e.path for e in caught.value.errors} == {"/roles/Bad", "/norms"}
    assert "/roles/Bad" in str(caught.value)


# -- each error, with its path ---------------------------------------------------------------------------

Mutation = Callable[[dict[str, Any]], None]


def _set(path: str, value: object) -> Mutation:
    """Set the value at a slash-separated path (no escaping needed in these tests)."""

    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.strip("/").split("/")
        node: Any = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return mutate


def _delete(path: str) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.strip("/").split("/")
        node: Any = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        del node[last]

    return mutate


CASES: list[tuple[str, Mutation, str, str]] = [
    # (case id, mutation of the sample, expected path, words in the message)
    ("unknown top-level field", _set("/rols", {}), "/rols", "did you mean 'roles'"),
    ("description not text", _set("/description", 3), "/description", "expected a string"),
    ("roles not an object", _set("/roles", ["seller"]), "/roles", "expected an object"),
    ("role name with capital", _set("/roles/Seller", {}), "/roles/Seller", "not a valid role name"),
    ("role name too long", _set("/roles/" + "r" * 65, {}), "/roles/" + "r" * 65, "at most 64"),
    ("role body not an object", _set("/roles/seller", 3), "/roles/seller", "expected an object"),
    ("unknown role field", _set("/roles/seller/extend", []), "/roles/seller/extend", "did you mean 'extends'"),
    ("extends not a list", _set("/roles/seller/extends", "buyer"), "/roles/seller/extends", "list of role"),
    ("extends an unknown role", _set("/roles/seller/extends", ["trader"]), "/roles/seller/extends/0", "unknown role"),
    ("extends itself", _set("/roles/seller/extends", ["seller"]), "/roles/seller/extends", "cycle"),
    ("extends twice", _set("/roles/seller/extends", ["buyer", "buyer"]), "/roles/seller/extends/1", "twice"),
    ("group name invalid", _set("/groups/1market", {}), "/groups/1market", "not a valid group name"),
    ("unknown group field", _set("/groups/market/role", {}), "/groups/market/role", "did you mean 'roles'"),
    ("group with unknown role", _set("/groups/market/roles/ghost", {}), "/groups/market/roles/ghost", "unknown role"),
    ("negative min", _set("/groups/market/roles/seller/min", -1), "/groups/market/roles/seller/min", "at least 0"),
    ("float max", _set("/groups/market/roles/seller/max", 2.5), "/groups/market/roles/seller/max", "whole number"),
    ("string min", _set("/groups/market/roles/seller/min", "1"), "/groups/market/roles/seller/min", "whole number"),
    ("boolean max", _set("/groups/market/roles/seller/max", True), "/groups/market/roles/seller/max", "whole number"),
    ("min above max", _set("/groups/market/roles/seller/min", 9), "/groups/market/roles/seller/max", "less than min"),
    (
        "unknown cardinality field",
        _set("/groups/market/roles/seller/maximum", 3),
        "/groups/market/roles/seller/maximum",
        "did you mean 'max'",
    ),
    ("links not a list", _set("/groups/market/links", {}), "/groups/market/links", "list of links"),
    ("link to unknown role", _set("/groups/market/links/0/to", "ghost"), "/groups/market/links/0/to", "unknown role"),
    ("link type unknown", _set("/groups/market/links/0/type", "friend"), "/groups/market/links/0/type", "link type"),
    ("link without type", _delete("/groups/market/links/0/type"), "/groups/market/links/0/type", "required"),
    (
        "compatibility not a pair",
        _set("/groups/market/compatibilities/0", ["seller"]),
        "/groups/market/compatibilities/0",
        "pair of roles",
    ),
    (
        "compatibility with unknown role",
        _set("/groups/market/compatibilities/0", ["seller", "ghost"]),
        "/groups/market/compatibilities/0/1",
        "unknown role",
    ),
    (
        "compatibility of a role with itself",
        _set("/groups/market/compatibilities/0", ["seller", "seller"]),
        "/groups/market/compatibilities/0/1",
        "two different roles",
    ),
    ("unknown subgroup", _set("/groups/market/subgroups", {"stall": {}}), "/groups/market/subgroups/stall", "group"),
    (
        "group contains itself",
        _set("/groups/market/subgroups", {"market": {}}),
        "/groups/market/subgroups/market",
        "cycle",
    ),
    (
        "subgroup cardinality",
        _set("/groups/market/subgroups", {"market": {"min": -2}}),
        "/groups/market/subgroups/market/min",
        "at least 0",
    ),
    ("scheme without goals", _delete("/schemes/sale/goals"), "/schemes/sale/goals", "required"),
    ("scheme with no goal", _set("/schemes/sale/goals", {}), "/schemes/sale/goals", "at least one goal"),
    ("goal name invalid", _set("/schemes/sale/goals/Paid", {}), "/schemes/sale/goals/Paid", "not a valid goal name"),
    (
        "undefined sub-goal",
        _set("/schemes/sale/goals/sold/sequence", ["offered", "refunded", "paid", "delivered"]),
        "/schemes/sale/goals/sold/sequence/1",
        "not defined",
    ),
    (
        "empty operator",
        _set("/schemes/sale/goals/sold/sequence", []),
        "/schemes/sale/goals/sold/sequence",
        "at least one",
    ),
    (
        "operator not a list",
        _set("/schemes/sale/goals/sold/sequence", "paid"),
        "/schemes/sale/goals/sold/sequence",
        "list",
    ),
    ("two operators", _set("/schemes/sale/goals/sold/choice", ["paid"]), "/schemes/sale/goals/sold", "one operator"),
    (
        "unknown operator",
        _set("/schemes/sale/goals/delivered/seq", ["x"]),
        "/schemes/sale/goals/delivered/seq",
        "did you mean",
    ),
    (
        "sub-goal listed twice",
        _set("/schemes/sale/goals/sold/sequence", ["offered", "paid", "paid", "delivered"]),
        "/schemes/sale/goals/sold/sequence/2",
        "twice",
    ),
    (
        "goal with two parents",
        _set("/schemes/sale/goals/paid", {"parallel": ["offered"]}),
        "/schemes/sale/goals/paid/parallel/0",
        "already has parent",
    ),
    ("second root", _set("/schemes/sale/goals/extra", {}), "/schemes/sale/goals", "one root goal"),
    (
        "mission with unknown goal",
        _set("/schemes/sale/missions/m_seller/goals", ["offered", "shipped"]),
        "/schemes/sale/missions/m_seller/goals/1",
        "unknown goal 'shipped' in scheme 'sale'",
    ),
    (
        "mission with no goal",
        _set("/schemes/sale/missions/m_seller/goals", []),
        "/schemes/sale/missions/m_seller/goals",
        "at least one",
    ),
    (
        "mission without goals",
        _delete("/schemes/sale/missions/m_seller/goals"),
        "/schemes/sale/missions/m_seller/goals",
        "required",
    ),
    (
        "mission min above max",
        _set("/schemes/sale/missions/m_buyer/min", 2),
        "/schemes/sale/missions/m_buyer/max",
        "less than min",
    ),
    (
        "mission negative max",
        _set("/schemes/sale/missions/m_buyer/max", -1),
        "/schemes/sale/missions/m_buyer/max",
        "at least 0",
    ),
    (
        "mission name invalid",
        _set("/schemes/sale/missions/M", {"goals": ["paid"]}),
        "/schemes/sale/missions/M",
        "mission name",
    ),
    ("norms not a list", _set("/norms", {"n1": {}}), "/norms", "list of norms"),
    ("norm not an object", _set("/norms/0", "n1"), "/norms/0", "expected an object"),
    ("norm unknown role", _set("/norms/0/role", "sellr"), "/norms/0/role", "did you mean 'seller'"),
    ("norm unknown mission", _set("/norms/0/mission", "m_x"), "/norms/0/mission", "unknown mission"),
    ("norm unknown type", _set("/norms/0/type", "duty"), "/norms/0/type", "norm type"),
    ("norm id invalid", _set("/norms/0/id", "N1"), "/norms/0/id", "not a valid norm name"),
    ("norm duplicate id", _set("/norms/1/id", "n1"), "/norms/1/id", "already used at /norms/0"),
    ("norm without mission", _delete("/norms/0/mission"), "/norms/0/mission", "required"),
    ("norm unknown field", _set("/norms/0/deadline", 5), "/norms/0/deadline", "did you mean 'deadline_s'"),
    ("deadline zero", _set("/norms/0/deadline_s", 0), "/norms/0/deadline_s", "positive"),
    ("deadline negative", _set("/norms/0/deadline_s", -1.5), "/norms/0/deadline_s", "positive"),
    ("deadline infinite", _set("/norms/0/deadline_s", math.inf), "/norms/0/deadline_s", "positive"),
    ("deadline text", _set("/norms/0/deadline_s", "30s"), "/norms/0/deadline_s", "number of seconds"),
    ("deadline boolean", _set("/norms/0/deadline_s", True), "/norms/0/deadline_s", "number of seconds"),
]


@pytest.mark.parametrize(("mutate", "path", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_error_is_reported_at_its_path(mutate: Mutation, path: str, words: str) -> None:
    data = sample()
    mutate(data)
    errors = errors_of(data)
    matching = [e for e in errors if e.path == path]
    assert matching, f"no error at {path}: {errors}"
    assert any(words in e.message for e in matching), matching


def test_not_an_object() -> None:
    assert errors_of([1, 2]) == [SpecError("", "expected an object, got array")]


def test_non_string_keys_are_refused() -> None:
    assert paths_of({"roles": {1: {}}}) == {"/roles/1"}


def test_a_role_cycle_is_reported_once() -> None:
    errors = errors_of({"roles": {"a": {"extends": ["b"]}, "b": {"extends": ["c"]}, "c": {"extends": ["a"]}}})
    assert [e.path for e in errors] == ["/roles/a/extends"]
    assert "a → b → c → a" in errors[0].message


def test_goal_cycle_is_reported() -> None:
    data = {
        "schemes": {
            "s": {
                "goals": {
                    "root": {"sequence": ["a"]},
                    "a": {},
                    "x": {"choice": ["y"]},
                    "y": {"parallel": ["x"]},
                }
            }
        }
    }
    errors = errors_of(data)
    cycle = [e for e in errors if "cycle" in e.message]
    assert len(cycle) == 1
    assert cycle[0].path in {"/schemes/s/goals/x", "/schemes/s/goals/y"}


def test_a_goal_naming_itself_is_a_cycle() -> None:
    errors = errors_of({"schemes": {"s": {"goals": {"g": {"sequence": ["g"]}}}}})
    assert [e.path for e in errors] == ["/schemes/s/goals/g"]
    assert "cycle" in errors[0].message


def test_mission_names_are_unique_across_schemes() -> None:
    data = sample()
    data["schemes"]["refund"] = {"goals": {"refunded": {}}, "missions": {"m_buyer": {"goals": ["refunded"]}}}
    errors = errors_of(data)
    assert [e.path for e in errors] == ["/schemes/refund/missions/m_buyer"]
    assert "already defined in scheme 'sale'" in errors[0].message


def test_a_role_outside_the_group_is_refused_in_links_and_compatibilities() -> None:
    data = sample()
    data["roles"]["courier"] = {}
    data["groups"]["market"]["links"].append({"from": "courier", "to": "seller", "type": "authority"})
    data["groups"]["market"]["compatibilities"].append(["courier", "buyer"])
    errors = errors_of(data)
    assert {e.path for e in errors} == {"/groups/market/links/1/from", "/groups/market/compatibilities/1/0"}
    assert all("not a role of group 'market'" in e.message for e in errors)


def test_every_error_is_reported_at_once() -> None:
    data = sample()
    data["roles"]["Bad"] = {}
    data["groups"]["market"]["roles"]["seller"] = {"min": 3, "max": 1}
    data["schemes"]["sale"]["missions"]["m_seller"]["goals"] = ["nope"]
    data["norms"][0]["role"] = "ghost"
    data["norms"][1]["deadline_s"] = -5
    assert paths_of(data) == {
        "/roles/Bad",
        "/groups/market/roles/seller/max",
        "/schemes/sale/missions/m_seller/goals/0",
        "/norms/0/role",
        "/norms/1/deadline_s",
    }


def test_an_invalid_mission_body_does_not_make_norms_on_it_fail_too() -> None:
    data = sample()
    data["schemes"]["sale"]["missions"]["m_seller"]["max"] = "one"
    assert paths_of(data) == {"/schemes/sale/missions/m_seller/max"}


def test_pointer_tokens_are_escaped() -> None:
    assert json_pointer("roles", "a/b", "c~d", 0) == "/roles/a~1b/c~0d/0"
    assert paths_of({"roles": {"a/b": {}}}) == {"/roles/a~1b"}


# -- helpers ---------------------------------------------------------------------------------------------

HIERARCHY = {
    "roles": {
        "participant": {},
        "trader": {"extends": ["participant"]},
        "seller": {"extends": ["trader"]},
        "buyer": {"extends": ["trader"]},
        "auditor": {},
    },
    "groups": {
        "market": {
            "roles": {"seller": {"max": 2}, "buyer": {}, "auditor": {"min": 1, "max": 1}},
            "compatibilities": [["trader", "auditor"]],
        }
    },
    "schemes": {
        "sale": {
            "goals": {"sold": {"parallel": ["paid", "shipped"]}, "paid": {}, "shipped": {}},
            "missions": {"m_pay": {"goals": ["paid"]}, "m_ship": {"goals": ["shipped", "sold"]}},
        }
    },
    "norms": [
        {"id": "n_trade", "type": "obligation", "role": "trader", "mission": "m_pay"},
        {"id": "n_ship", "type": "obligation", "role": "seller", "mission": "m_ship", "deadline_s": 1.5},
    ],
}


def test_role_closure_and_specialisations() -> None:
    spec = parse_specification(HIERARCHY)
    assert spec.role_closure("seller") == {"seller", "trader", "participant"}
    assert spec.role_closure("auditor") == {"auditor"}
    assert spec.specialisations("trader") == {"trader", "seller", "buyer"}
    assert spec.specialisations("participant") == {"participant", "trader", "seller", "buyer"}


def test_norms_are_inherited_by_sub_roles() -> None:
    spec = parse_specification(HIERARCHY)
    assert [n.id for n in spec.norms_for_role("seller")] == ["n_trade", "n_ship"]
    assert [n.id for n in spec.norms_for_role("buyer")] == ["n_trade"]
    assert spec.norms_for_role("auditor") == ()


def test_missions_and_their_schemes() -> None:
    spec = parse_specification(HIERARCHY)
    assert spec.scheme_of_mission("m_ship") == "sale"
    assert spec.scheme_of_mission("nope") is None
    mission = spec.mission("m_ship")
    assert mission is not None and mission.goals == ("shipped", "sold")
    assert mission.cardinality.allows(100)
    assert spec.mission("nope") is None
    assert spec.schemes["sale"].missions_with_goal("shipped") == ("m_ship",)


def test_compatibility_is_symmetric_and_inherited() -> None:
    spec = parse_specification(HIERARCHY)
    assert spec.compatible("market", "seller", "auditor")
    assert spec.compatible("market", "auditor", "buyer")
    assert not spec.compatible("market", "seller", "buyer")
    assert not spec.compatible("nowhere", "seller", "auditor")


def test_cardinality_allows() -> None:
    spec = parse_specification(HIERARCHY)
    seller = spec.groups["market"].roles["seller"]
    assert seller.allows(2) and not seller.allows(3)


def test_scheme_structure() -> None:
    spec = parse_specification(sample())
    scheme = spec.schemes["sale"]
    assert scheme.root == "sold"
    assert scheme.parents() == {"offered": "sold", "paid": "sold", "delivered": "sold"}
    assert scheme.goals["sold"].operator == "sequence"
    assert scheme.goals["sold"].children == ("offered", "paid", "delivered")
    assert scheme.goals["paid"].is_leaf and scheme.goals["paid"].children == ()


# -- properties ------------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.floats(allow_nan=False) | st.sampled_from(["a", "seller", ""]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["roles", "min", "goals", "x"]), inner, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_the_validator_never_raises_on_arbitrary_json(value: object) -> None:
    validate_specification(value)
    validate_specification({"roles": value, "groups": value, "schemes": value, "norms": value})


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_any_single_corruption_of_the_sample_is_reported_or_accepted_without_raising(data: st.DataObject) -> None:
    body = sample()
    nodes: list[tuple[Any, Any]] = []

    def walk(node: Any) -> None:
        items = enumerate(node) if isinstance(node, list) else node.items() if isinstance(node, dict) else []
        for key, child in items:
            nodes.append((node, key))
            walk(child)

    walk(body)
    parent, key = data.draw(st.sampled_from(nodes))
    parent[key] = data.draw(json_values)
    spec, errors = validate_specification(copy.deepcopy(body))
    assert (spec is None) == bool(errors)
    if spec is not None:
        assert parse_specification(json.loads(spec.to_json())) == spec


def test_a_diamond_hierarchy_is_not_a_cycle() -> None:
    spec = parse_specification(
        {"roles": {"a": {}, "b": {"extends": ["a"]}, "c": {"extends": ["a"]}, "d": {"extends": ["b", "c"]}}}
    )
    assert spec.role_closure("d") == {"a", "b", "c", "d"}


def test_non_string_field_names_are_refused() -> None:
    assert errors_of({"roles": {"a": {1: []}}}) == [SpecError("/roles/a", "keys must be strings, got integer 1")]


def test_a_compatibility_must_be_a_list() -> None:
    data = sample()
    data["groups"]["market"]["compatibilities"] = ["seller"]
    assert errors_of(data) == [
        SpecError("/groups/market/compatibilities/0", "expected a pair of roles [a, b], got string")
    ]
