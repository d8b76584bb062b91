"""A small bakery organisation shared by the organisation runtime tests (domain and API)."""

from __future__ import annotations

from typing import Any

from romas.domain.organisations import Specification, parse_specification

SPEC: dict[str, Any] = {
    "roles": {
        "staff": {},
        "baker": {"extends": ["staff"]},
        "seller": {"extends": ["staff"]},
        "customer": {},
        "manager": {},
    },
    "groups": {
        "team": {
            "roles": {
                "baker": {"min": 1, "max": 1},
                "seller": {"min": 1, "max": 2},
                "customer": {"min": 0, "max": 10},
                "manager": {"min": 0, "max": 1},
            },
            "compatibilities": [["baker", "seller"]],
            "subgroups": {"crew": {"min": 0, "max": 1}},
        },
        "crew": {"roles": {"baker": {"min": 1, "max": 3}}},
    },
    "schemes": {
        "day": {
            "goals": {
                "done": {"sequence": ["baked", "ordered", "sold"]},
                "baked": {},
                "ordered": {},
                "sold": {},
            },
            "missions": {
                "m_bake": {"goals": ["baked"], "min": 1, "max": 1},
                "m_order": {"goals": ["ordered"], "min": 1, "max": 1},
                "m_sell": {"goals": ["sold"], "min": 1, "max": 1},
            },
        },
        "menu": {
            "goals": {
                "served": {"choice": ["soup", "salad"]},
                "soup": {},
                "salad": {},
            },
            "missions": {"m_soup": {"goals": ["soup"]}, "m_salad": {"goals": ["salad"]}},
        },
    },
    "norms": [
        {"id": "n_bake", "type": "obligation", "role": "baker", "mission": "m_bake"},
        {"id": "n_order", "type": "permission", "role": "customer", "mission": "m_order"},
        {"id": "n_sell", "type": "obligation", "role": "seller", "mission": "m_sell", "deadline_s": 600},
        {"id": "n_soup", "type": "obligation", "role": "staff", "mission": "m_soup"},
        {"id": "n_salad", "type": "obligation", "role": "staff", "mission": "m_salad"},
    ],
}


def spec(**changes: Any) -> Specification:
    return parse_specification({**SPEC, **changes})
