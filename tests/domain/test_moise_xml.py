"""Moise's XML form of an organisation: reading, writing, round trips, located errors, hostile documents."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from romas.domain.moise_xml import (
    MoiseXmlError,
    parse_duration,
    parse_xml,
    read_moise_xml,
    specification_from_xml,
    write_moise_xml,
)
from romas.domain.organisations import Specification, parse_specification
from tests.domain.org_spec import SPEC

# Our own small organisation, in Moise's XML form: a relay team.
RELAY_XML = """<?xml version="1.0" encoding="UTF-8"?>
<organisational-specification id="relay" os-version="1.1" xmlns="http://moise.sourceforge.net/os">
  <structural-specification>
    <role-definitions>
      <role id="athlete"/>
      <role id="runner"><extends role="athlete"/></role>
      <role id="coach"><extends role="soc"/></role>
    </role-definitions>
    <group-specification id="club">
      <roles><role id="coach" min="1" max="1"/><role id="runner"/></roles>
      <links>
        <link from="coach" to="runner" type="authority" scope="intra-group" bi-dir="false"/>
        <link from="runner" to="runner" type="communication" scope="inter-group"/>
      </links>
      <subgroups>
        <group-specification id="team" min="1" max="3">
          <roles>
            <role id="runner" min="2" max="4"/>
          </roles>
        </group-specification>
      </subgroups>
      <formation-constraints>
        <cardinality object="role" id="coach" min="1" max="2"/>
        <compatibility from="coach" to="runner"/>
      </formation-constraints>
    </group-specification>
  </structural-specification>
  <functional-specification>
    <scheme id="race">
      <properties><property id="description" value="one relay race"/></properties>
      <goal id="finished" ds="the baton crossed the line" ttf="10 minutes">
        <plan operator="sequence">
          <goal id="leg1"/>
          <goal id="leg2"/>
        </plan>
      </goal>
      <mission id="m_first" min="1" max="1"><goal id="leg1"/></mission>
      <mission id="m_second" max="1">
        <goal id="leg2"/>
        <preferred mission="m_first"/>
      </mission>
    </scheme>
  </functional-specification>
  <normative-specification>
    <norm id="n1" type="obligation" role="runner" mission="m_first" time-constraint="2 minutes"/>
    <norm id="n2" type="permission" role="runner" mission="m_second" condition="#goal_non_compliance"/>
  </normative-specification>
</organisational-specification>
"""


def read(text: str) -> Specification:
    result = specification_from_xml(text)
    assert result.problems == [], result.problems
    assert result.specification is not None
    return result.specification


def test_reads_every_part_of_the_model() -> None:
    spec = read(RELAY_XML)
    data = spec.to_builtins()
    assert data["roles"] == {"athlete": {"extends": []}, "runner": {"extends": ["athlete"]}, "coach": {"extends": []}}
    assert data["groups"]["club"] == {
        "roles": {"coach": {"min": 1, "max": 2}, "runner": {"min": 0, "max": None}},  # the constraint wins
        "links": [
            {"from": "coach", "to": "runner", "type": "authority"},
            {"from": "runner", "to": "runner", "type": "communication"},
        ],
        "compatibilities": [["coach", "runner"]],
        "subgroups": {"team": {"min": 1, "max": 3}},
    }
    assert data["groups"]["team"]["roles"] == {"runner": {"min": 2, "max": 4}}
    race = data["schemes"]["race"]
    assert race["description"] == "one relay race"
    assert race["goals"] == {
        "finished": {"sequence": ["leg1", "leg2"], "description": "the baton crossed the line"},
        "leg1": {},
        "leg2": {},
    }
    assert race["missions"] == {
        "m_first": {"goals": ["leg1"], "min": 1, "max": 1},
        "m_second": {"goals": ["leg2"], "min": 0, "max": 1},
    }
    assert data["norms"] == [
        {"id": "n1", "type": "obligation", "role": "runner", "mission": "m_first", "deadline_s": 120.0},
        {"id": "n2", "type": "permission", "role": "runner", "mission": "m_second"},
    ]


def test_what_the_model_cannot_hold_is_noted_with_its_line() -> None:
    notes = specification_from_xml(RELAY_XML).notes
    assert any("scope 'inter-group'" in n.message and n.converted for n in notes)
    assert any("one-way in Moise" in n.message and n.converted for n in notes)
    line = next(i for i, text in enumerate(RELAY_XML.splitlines(), 1) if 'ttf="10 minutes"' in text)
    assert any('ttf="10 minutes"' in n.message and n.line == line for n in notes)
    assert any("preferred mission 'm_first'" in n.message and not n.converted for n in notes)
    assert any("condition" in n.message and "n2" in n.message for n in notes)


def test_bidirectional_links_become_two_links() -> None:
    text = RELAY_XML.replace('bi-dir="false"', 'bi-dir="true"')
    links = read(text).groups["club"].links
    assert [(link.source, link.target, link.type) for link in links][:2] == [
        ("coach", "runner", "authority"),
        ("runner", "coach", "authority"),
    ]


@pytest.mark.parametrize(
    "spec_data",
    [SPEC, {"roles": {}, "groups": {}, "schemes": {}, "norms": []}],
    ids=["bakery", "empty"],
)
def test_round_trip_json_xml_json(spec_data: dict[str, Any]) -> None:
    spec = parse_specification(copy.deepcopy(spec_data))
    xml = write_moise_xml(spec, "shop")
    back = specification_from_xml(xml)
    assert back.problems == []
    assert back.notes == []
    assert back.specification == spec
    assert back.specification is not None and back.specification.to_builtins() == spec.to_builtins()


def test_round_trip_keeps_descriptions_deadlines_and_several_root_groups() -> None:
    data = {
        "description": 'a "quoted" <org> & more\nover two lines',
        "roles": {"a": {"description": "role a"}, "b": {"extends": ["a"]}},
        "groups": {
            "one": {"roles": {"a": {"min": 1, "max": None}}, "description": "first"},
            "two": {"roles": {"b": {}}, "subgroups": {"shared": {"min": 0, "max": 2}}},
            "three": {"subgroups": {"shared": {"min": 1, "max": 1}}},
            "shared": {"roles": {"b": {"min": 1, "max": 1}}},
        },
        "schemes": {
            "s": {
                "description": "scheme",
                "goals": {"root": {"choice": ["x", "y"]}, "x": {"description": "x!"}, "y": {}},
                "missions": {"m": {"goals": ["x", "y"], "description": "mission m"}},
            }
        },
        "norms": [
            {"id": "n1", "type": "obligation", "role": "b", "mission": "m", "deadline_s": 1.5, "description": "n"},
            {"id": "n2", "type": "obligation", "role": "a", "mission": "m", "deadline_s": 0.123456789},
        ],
    }
    spec = parse_specification(data)
    back = specification_from_xml(write_moise_xml(spec))
    assert back.problems == []
    assert back.specification == spec


def test_model_errors_are_located_at_their_element() -> None:
    text = RELAY_XML.replace('<goal id="leg2"/>\n        <preferred', '<goal id="leg3"/>\n        <preferred')
    result = specification_from_xml(text)
    assert result.specification is None
    [problem] = result.problems
    assert "unknown goal 'leg3'" in problem.message
    assert text.splitlines()[problem.line - 1].strip() == '<goal id="leg3"/>'


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("<organisational-specification>\n  <role-definitions>\n</organisational-specification>", 3, "mismatched tag"),
        ("", 1, "no element"),
        ("<os/>", 1, "expected <organisational-specification>"),
        (
            '<organisational-specification>\n<functional-specification><scheme id="s"/>'
            "</functional-specification></organisational-specification>",
            2,
            "no goal",
        ),
    ],
)
def test_xml_errors_have_line_and_column(text: str, line: int, words: str) -> None:
    result = specification_from_xml(text)
    assert result.specification is None
    assert result.problems and result.problems[0].line == line
    assert words in result.problems[0].message
    assert result.problems[0].column >= 1


def test_no_entity_is_ever_expanded() -> None:
    laughs = (
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>\n'
        "<organisational-specification>&lol2;</organisational-specification>"
    )
    external = (
        '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
        '<organisational-specification id="&secret;"/>'
    )
    for text in (laughs, external):
        with pytest.raises(MoiseXmlError) as caught:
            parse_xml(text)
        assert "DOCTYPE" in caught.value.problems[0].message
        assert caught.value.problems[0].line == 2


def test_depth_is_bounded() -> None:
    text = "<a>" * 1000 + "</a>" * 1000
    with pytest.raises(MoiseXmlError) as caught:
        parse_xml(text)
    assert "nested" in str(caught.value)


def test_twice_defined_names_are_problems() -> None:
    text = RELAY_XML.replace('<role id="athlete"/>', '<role id="athlete"/><role id="athlete"/>')
    with pytest.raises(MoiseXmlError, match="role 'athlete' is defined twice"):
        read_moise_xml(text)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1 day", 86400.0), ("30 seconds", 30.0), ("2 hours", 7200.0), ("500 ms", 0.5), ("soon", None), ("3 eons", None)],
)
def test_durations(text: str, seconds: float | None) -> None:
    assert parse_duration(text) == seconds


def test_a_role_only_a_group_names_is_defined_as_in_moise() -> None:
    text = RELAY_XML.replace('<role id="coach"><extends role="soc"/></role>', "")
    spec = read(text)
    assert spec.roles["coach"].extends == ()


def test_properties_outside_the_model_are_noted_not_taken_as_descriptions() -> None:
    text = RELAY_XML.replace(
        "<structural-specification>",
        '<structural-specification><properties><property id="description" value="not the org\'s"/>'
        '<property id="colour" value="blue"/></properties>',
    )
    result = specification_from_xml(text)
    assert result.specification is not None and result.specification.description is None
    assert sum("of the structural specification" in n.message for n in result.notes) == 2
