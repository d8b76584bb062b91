"""The agent_specs/ loader and writer: the sample MAS, every kind of problem with its place, round trips."""

from __future__ import annotations

import tempfile
import textwrap
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from romas.agentspeak import check_source
from romas.deploy.manifest import AgentSpec, ArtefactSpec, Manifest, WorkspaceSpec
from romas.deploy.specs import SpecProblem, load_specs, write_specs
from romas.domain.artefact_types import Registry, builtin_registry, load_artefact_types
from romas.domain.organisations import validate_specification

SAMPLE = Path(__file__).resolve().parents[2] / "agent_specs"
CODE = '!start.\n\n+!start <- .print("hello").\n'
ORGANISATION = """\
roles:
  seller: {}
  buyer: {}
groups:
  market:
    roles: {seller: {min: 1, max: 1}, buyer: {}}
schemes:
  sale:
    goals:
      sold: {sequence: [offered, paid]}
      offered: {}
      paid: {}
    missions:
      m_seller: {goals: [offered], max: 1}
      m_buyer: {goals: [paid]}
norms:
  - {id: n1, type: obligation, role: seller, mission: m_seller}
"""


@pytest.fixture(scope="module")
def registry() -> Registry:
    """The types a server has: the built-ins and those installed through entry points (the sample's till)."""
    return load_artefact_types([])


def make(folder: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content) if rel.endswith(".yaml") else content, encoding="utf-8")
    return folder


def problems_of(folder: Path, registry: Registry) -> list[SpecProblem]:
    manifest, problems = load_specs(folder, registry)
    assert manifest is None
    assert problems
    return problems


def only(problems: list[SpecProblem]) -> SpecProblem:
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


# -- the sample MAS ------------------------------------------------------------------------------------------


def test_the_sample_loads_without_any_problem(registry: Registry) -> None:
    manifest, problems = load_specs(SAMPLE, registry)
    assert problems == []
    assert manifest is not None
    assert set(manifest.agents) == {"bob", "carol", "sam"}
    assert set(manifest.workspaces) == {"bakery"}
    assert set(manifest.workspaces["bakery"].artefacts) == {"stock", "orders", "notices", "till", "wire"}
    assert set(manifest.organisations) == {"shop"}
    for name, agent in manifest.agents.items():
        assert agent.code == (SAMPLE / "agents" / f"{name}.asl").read_text(encoding="utf-8")
        assert check_source(agent.code) == []
        assert agent.description
        assert agent.state == "running"


def test_the_sample_tells_a_jacamo_story(registry: Registry) -> None:
    manifest, _ = load_specs(SAMPLE, registry)
    assert manifest is not None
    shop = manifest.organisations["shop"]
    assert set(shop["roles"]) >= {"baker", "seller", "customer"}
    scheme = shop["schemes"]["daily_bread"]
    assert scheme["goals"]["bread_day"]["sequence"] == ["bread_baked", "bread_ordered", "bread_sold"]
    assert {norm["type"] for norm in shop["norms"]} == {"obligation"}
    norm_roles = {norm["role"] for norm in shop["norms"]}
    codes = "\n".join(agent.code for agent in manifest.agents.values())
    for needle in ("+obligation(Me, _, committed(Me, M, S), _) : .my_name(Me)", "goalAchieved(G, S)", "joinWorkspace"):
        assert needle in codes
    assert "+count(N)[artefact(stock)]" in codes
    for role in norm_roles:
        assert f"adoptRole({role}, team)" in codes


# -- normalization -------------------------------------------------------------------------------------------


def test_values_are_normalized_like_the_server_stores_them(tmp_path: Path, registry: Registry) -> None:
    make(
        tmp_path,
        {
            "agents/alice.asl": CODE,
            "workspaces/w.yaml": """\
                artefacts:
                  c: {type: counter}
                  q: {type: queue, properties: {items: [1, two]}}
                  b:
                    type: board
            """,
            "organisations/o.yaml": ORGANISATION,
        },
    )
    manifest, problems = load_specs(tmp_path, registry)
    assert problems == []
    assert manifest is not None
    assert manifest.agents["alice"] == AgentSpec(code=CODE, description="", metadata={}, state="running")
    artefacts = manifest.workspaces["w"].artefacts
    assert artefacts["c"] == ArtefactSpec(type="counter", properties={"count": 0}, description="")
    assert artefacts["q"].properties == {"items": [1, "two"], "size": 2}
    assert artefacts["b"].properties == {"entries": {}}
    spec, errors = validate_specification(manifest.organisations["o"])
    assert errors == [] and spec is not None
    assert manifest.organisations["o"] == spec.to_builtins()
    assert manifest.organisations["o"]["roles"]["seller"] == {"extends": []}
    assert manifest.organisations["o"]["groups"]["market"]["roles"]["buyer"] == {"min": 0, "max": None}


def test_empty_folder_and_empty_files(tmp_path: Path, registry: Registry) -> None:
    assert load_specs(tmp_path, registry) == (Manifest(), [])
    make(tmp_path, {"agents/a.asl": CODE, "agents/a.yaml": "", "workspaces/w.yaml": "", "organisations/o.yaml": ""})
    manifest, problems = load_specs(tmp_path, registry)
    assert problems == []
    assert manifest is not None
    assert manifest.agents["a"].description == ""
    assert manifest.workspaces["w"] == WorkspaceSpec()
    assert manifest.organisations["o"] == {"roles": {}, "groups": {}, "schemes": {}, "norms": []}


def test_agent_fields_and_yaml_details(tmp_path: Path, registry: Registry) -> None:
    make(
        tmp_path,
        {
            "agents/a.asl": CODE,
            "agents/a.yaml": """\
                description: |
                  Two
                  lines
                metadata: {since: 2024-05-01, op: =, nested: [1, 2.5, null, true]}
                state: stopped
            """,
        },
    )
    manifest, problems = load_specs(tmp_path, registry)
    assert problems == []
    assert manifest is not None
    agent = manifest.agents["a"]
    assert agent.description == "Two\nlines\n"
    assert agent.metadata == {"since": "2024-05-01", "op": "=", "nested": [1, 2.5, None, True]}
    assert agent.state == "stopped"


def test_code_is_the_exact_file_text(tmp_path: Path, registry: Registry) -> None:
    code = b'!start.\r\n+!start <- .print("caf\xc3\xa9").\r\n'
    make(tmp_path, {"agents/a.asl": code})
    manifest, problems = load_specs(tmp_path, registry)
    assert problems == [] and manifest is not None
    assert manifest.agents["a"].code == code.decode()


# -- problems, each in its place -----------------------------------------------------------------------------


def test_missing_folder_and_file_instead_of_folder(tmp_path: Path, registry: Registry) -> None:
    problem = only(problems_of(tmp_path / "nope", registry))
    assert problem.file == "" and "no such folder" in str(problem)
    (tmp_path / "file").write_text("x")
    assert "not a folder" in only(problems_of(tmp_path / "file", registry)).message


def test_bad_yaml_gives_its_line(tmp_path: Path, registry: Registry) -> None:
    make(tmp_path, {"workspaces/w.yaml": "description: fine\nartefacts:\n  c: {type: counter\n  d: x\n"})
    problem = only(problems_of(tmp_path, registry))
    assert problem.file == "workspaces/w.yaml"
    assert problem.line == 4
    assert problem.message.startswith("invalid YAML: ")


def test_two_yaml_documents_are_refused(tmp_path: Path, registry: Registry) -> None:
    make(tmp_path, {"workspaces/w.yaml": "description: a\n---\ndescription: b\n"})
    problem = only(problems_of(tmp_path, registry))
    assert problem.line == 2 and "single document" in problem.message


def test_a_file_that_is_not_a_mapping(tmp_path: Path, registry: Registry) -> None:
    make(tmp_path, {"agents/a.asl": CODE, "agents/a.yaml": "- one\n- two\n", "workspaces/w.yaml": "just text\n"})
    problems = problems_of(tmp_path, registry)
    assert [(p.file, p.line) for p in problems] == [("agents/a.yaml", 1), ("workspaces/w.yaml", 1)]
    assert "expected a mapping with description, metadata, state; got a list" in problems[0].message
    assert "got a string" in problems[1].message


def test_unknown_and_repeated_keys(tmp_path: Path, registry: Registry) -> None:
    make(
        tmp_path,
        {
            "agents/a.asl": CODE,
            "agents/a.yaml": "state: running\ndescripton: typo\n",
            "workspaces/w.yaml": "description: a\nartefacts:\n  c: {type: counter, colour: red}\ndescription: b\n",
        },
    )
    problems = problems_of(tmp_path, registry)
    assert [str(p) for p in problems] == [
        "agents/a.yaml:2:1: unknown field 'descripton'; did you mean 'description'?",
        "workspaces/w.yaml:4:1: key 'description' is given twice (first on line 1)",
    ]


def test_unknown_field_of_an_artefact(tmp_path: Path, registry: Registry) -> None:
    make(tmp_path, {"workspaces/w.yaml": "artefacts:\n  c: {type: counter, colour: red}\n"})
    problem = only(problems_of(tmp_path, registry))
    assert (problem.line, problem.column) == (2, 22)
    assert problem.message == "unknown field 'colour'; expected 'type', 'properties', 'description'"


def test_unknown_artefact_type_with_its_place(tmp_path: Path, registry: Registry) -> None:
    make(tmp_path, {"workspaces/w.yaml": "artefacts:\n  stock:\n    type: countr\n  q: {type: auction}\n"})
    problems = problems_of(tmp_path, registry)
    assert [str(p) for p in problems] == [
        "workspaces/w.yaml:3:5: unknown artefact type 'countr'; did you mean 'counter'?",
        "workspaces/w.yaml:4:7: unknown artefact type 'auction'; known types: amqp, board, cash_register, counter, "
        "http_client, mqtt, nats, queue, redis",
    ]


def test_artefact_without_type(tmp_path: Path, registry: Registry) -> None:
    make(tmp_path, {"workspaces/w.yaml": "artefacts:\n  a:\n    description: what am I\n  b:\n"})
    problems = problems_of(tmp_path, registry)
    assert [(p.line, p.column) for p in problems] == [(2, 3), (4, 3)]
    assert problems[0].message.startswith("/artefacts/a/type: this field is required; known types: amqp, board")
    assert "needs at least its type" in problems[1].message


def test_properties_that_do_not_fit_the_type(tmp_path: Path, registry: Registry) -> None:
    make(
        tmp_path,
        {
            "workspaces/w.yaml": """\
                artefacts:
                  stock:
                    type: counter
                    properties:
                      count: many
                      colour: red
                  q: {type: queue, properties: [1]}
            """
        },
    )
    problems = problems_of(tmp_path, registry)
    assert [(p.line, p.column) for p in problems] == [(5, 7), (6, 7), (7, 20)]
    assert problems[0].message == "expected integer, got string"
    assert "unknown property 'colour'" in problems[1].message
    assert "expected a mapping of properties, got a list" in problems[2].message


def test_code_that_does_not_parse_gives_line_and_column(tmp_path: Path, registry: Registry) -> None:
    bad = '!start.\n\n+!start <- .print("a");; .print("b").\nfoo(.\n'
    make(tmp_path, {"agents/alice.asl": bad})
    problems = problems_of(tmp_path, registry)
    expected = [(d.line, d.column, d.message) for d in check_source(bad)]
    assert [(p.line, p.column, p.message) for p in problems] == expected
    assert [p.line for p in problems] == [3, 4]
    assert problems[0].file == "agents/alice.asl"
    assert str(problems[0]).startswith("agents/alice.asl:3:")


def test_code_that_is_not_utf8(tmp_path: Path, registry: Registry) -> None:
    make(tmp_path, {"agents/a.asl": b'!start.\n+!start <- .print("caf\xe9").\n'})
    problem = only(problems_of(tmp_path, registry))
    assert (problem.line, problem.column) == (2, 23)
    assert "not UTF-8" in problem.message


def test_specification_errors_point_at_their_yaml_lines(tmp_path: Path, registry: Registry) -> None:
    spec = ORGANISATION.replace("m_buyer: {goals: [paid]}", "m_buyer: {goals: [payd]}").replace(
        "role: seller, mission", "role: sellr, mission"
    )
    make(tmp_path, {"organisations/o.yaml": spec})
    lines = spec.splitlines()
    goal_line = next(i for i, line in enumerate(lines, 1) if "payd" in line)
    role_line = next(i for i, line in enumerate(lines, 1) if "sellr" in line)
    problems = problems_of(tmp_path, registry)
    assert [(p.line, p.column) for p in problems] == [
        (goal_line, lines[goal_line - 1].index("payd") + 1),
        (role_line, lines[role_line - 1].index("role: sellr") + 1),
    ]
    assert problems[0].message == "unknown goal 'payd' in scheme 'sale'; did you mean 'paid'?"
    assert problems[1].message.startswith("unknown role 'sellr'")


def test_a_missing_specification_field_points_at_its_parent(tmp_path: Path, registry: Registry) -> None:
    make(tmp_path, {"organisations/o.yaml": "schemes:\n  sale:\n    missions: {}\n"})
    problems = problems_of(tmp_path, registry)
    assert str(problems[0]) == "organisations/o.yaml:2:3: /schemes/sale/goals: this field is required"


def test_a_pointer_past_the_file_points_at_what_is_there(tmp_path: Path, registry: Registry) -> None:
    make(tmp_path, {"organisations/o.yaml": "# a list, not a specification\n[1, 2]\n"})
    problem = only(problems_of(tmp_path, registry))
    assert (problem.line, problem.column) == (2, 1)
    assert problem.message == "expected an object, got array"


def test_a_file_with_only_comments_is_empty(tmp_path: Path, registry: Registry) -> None:
    make(tmp_path, {"organisations/o.yaml": "# nothing yet\n", "workspaces/w.yaml": "null\n"})
    manifest, problems = load_specs(tmp_path, registry)
    assert problems == [] and manifest is not None
    assert manifest.organisations["o"]["roles"] == {}
    assert manifest.workspaces["w"] == WorkspaceSpec()


def test_bad_file_names(tmp_path: Path, registry: Registry) -> None:
    make(
        tmp_path,
        {
            "agents/Alice.asl": CODE,
            "agents/bob-2.asl": CODE,
            "workspaces/my ws.yaml": "{}",
            "organisations/2org.yaml": "{}",
            "workspaces/w.yaml": "artefacts:\n  Stock: {type: counter}\n",
        },
    )
    problems = problems_of(tmp_path, registry)
    assert [(p.file, p.line) for p in problems] == [
        ("agents/Alice.asl", None),
        ("agents/bob-2.asl", None),
        ("organisations/2org.yaml", None),
        ("workspaces/my ws.yaml", None),
        ("workspaces/w.yaml", 2),
    ]
    assert problems[0].message.startswith("'Alice' is not a valid agent name: a name starts with a lowercase")
    assert "'my ws' is not a valid workspace name" in problems[3].message
    assert "'Stock' is not a valid artefact name" in problems[4].message


def test_agent_yaml_without_code(tmp_path: Path, registry: Registry) -> None:
    make(tmp_path, {"agents/ghost.yaml": "description: no code\n"})
    problem = only(problems_of(tmp_path, registry))
    assert str(problem) == "agents/ghost.yaml: there is no agents/ghost.asl: an agent needs its code"


def test_unexpected_files_and_ignored_ones(tmp_path: Path, registry: Registry) -> None:
    make(
        tmp_path,
        {
            "README.md": "# docs",
            ".gitignore": "*.tmp",
            "agents/.gitkeep": "",
            "agents/README.txt": "about the agents",
            "agents/a.asl": CODE,
            "agents/a.yml": "description: x",
            "agent/b.asl": CODE,
            "workspaces/w.json": "{}",
            "notes.txt": "todo",
        },
    )
    (tmp_path / "organisations" / "nested").mkdir(parents=True)
    problems = problems_of(tmp_path, registry)
    assert [p.file for p in problems] == [
        "agent",
        "agents/a.yml",
        "notes.txt",
        "organisations/nested",
        "workspaces/w.json",
    ]
    assert "did you mean agents/?" in problems[0].message
    assert "rename it to .yaml" in problems[1].message
    assert problems[3].message.startswith("unexpected folder")


def test_metadata_must_be_json(tmp_path: Path, registry: Registry) -> None:
    make(
        tmp_path,
        {
            "agents/a.asl": CODE,
            "agents/a.yaml": "metadata:\n  ok: 1\n  bad: .inf\n  1: one\n",
            "agents/b.asl": CODE,
            "agents/b.yaml": "metadata: [1]\nstate: paused\n",
        },
    )
    problems = problems_of(tmp_path, registry)
    assert [(p.file, p.line) for p in problems] == [
        ("agents/a.yaml", 1),
        ("agents/a.yaml", 3),
        ("agents/b.yaml", 1),
        ("agents/b.yaml", 2),
    ]
    assert "keys must be strings, got an integer 1" in problems[0].message
    assert "inf is not a JSON number" in problems[1].message
    assert problems[3].message == "expected running or stopped, got 'paused'"


def test_aliases_that_expand_too_far_or_loop(tmp_path: Path, registry: Registry) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for level in "bcdefg":
        previous = chr(ord(level) - 1)
        bomb += f"{level}: &{level} [" + ", ".join([f"*{previous}"] * 10) + "]\n"
    make(tmp_path, {"agents/a.asl": CODE, "agents/a.yaml": "metadata:\n" + textwrap.indent(bomb, "  ")})
    make(tmp_path, {"organisations/o.yaml": "roles: &r {loop: *r}\n"})
    problems = problems_of(tmp_path, registry)
    assert "more than 100000 values" in problems[0].message
    assert "refers to a value that contains it" in problems[1].message


def test_every_problem_is_reported_at_once_in_order(tmp_path: Path, registry: Registry) -> None:
    make(
        tmp_path,
        {
            "agents/good.asl": CODE,
            "agents/bad.asl": '+!g <- .print("a")\n+!h <- true.\n',
            "agents/orphan.yaml": "description: x\n",
            "workspaces/w.yaml": "artefacts:\n  c: {type: countr}\n  d: {type: counter, properties: {count: x}}\n",
            "workspaces/broken.yaml": "a: [\n",
            "organisations/o.yaml": "roles: {a: {extends: [b]}}\n",
            "stray.txt": "",
        },
    )
    manifest, problems = load_specs(tmp_path, registry)
    assert manifest is None
    assert [p.file for p in problems] == [
        "agents/bad.asl",
        "agents/orphan.yaml",
        "organisations/o.yaml",
        "stray.txt",
        "workspaces/broken.yaml",
        "workspaces/w.yaml",
        "workspaces/w.yaml",
    ]
    assert [p.line for p in problems if p.file == "workspaces/w.yaml"] == [2, 3]


def test_problem_text() -> None:
    assert str(SpecProblem("agents/a.asl", 3, 7, "expected '.'")) == "agents/a.asl:3:7: expected '.'"
    assert str(SpecProblem("agents/a.yaml", 2, None, "x")) == "agents/a.yaml:2: x"
    assert str(SpecProblem("agents/a.yaml", None, None, "x")) == "agents/a.yaml: x"
    assert str(SpecProblem("", None, None, "no such folder")) == "no such folder"


# -- writing and round trips ---------------------------------------------------------------------------------


def test_the_sample_round_trips(tmp_path: Path, registry: Registry) -> None:
    manifest, _ = load_specs(SAMPLE, registry)
    assert manifest is not None
    for target, with_registry in ((tmp_path / "tidy", registry), (tmp_path / "full", None)):
        write_specs(manifest, target, with_registry)
        again, problems = load_specs(target, registry)
        assert problems == []
        assert again == manifest
        for name in manifest.agents:
            assert (target / "agents" / f"{name}.asl").read_bytes() == (SAMPLE / "agents" / f"{name}.asl").read_bytes()


def test_written_files_are_tidy(tmp_path: Path, registry: Registry) -> None:
    manifest = Manifest(
        agents={"a": AgentSpec(code=CODE), "b": AgentSpec(code=CODE, state="stopped")},
        workspaces={
            "w": WorkspaceSpec(
                artefacts={
                    "q": ArtefactSpec(type="queue", properties={"items": [], "size": 0}),
                    "c": ArtefactSpec(type="counter", properties={"count": 5}, description="five"),
                }
            )
        },
    )
    manifest.organisations["o"] = load_org(tmp_path / "org", registry)
    write_specs(manifest, tmp_path / "out", registry)
    out = tmp_path / "out"
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        "agents/a.asl",
        "agents/b.asl",
        "agents/b.yaml",
        "organisations/o.yaml",
        "workspaces/w.yaml",
    ]
    assert (out / "agents/b.yaml").read_text() == "state: stopped\n"
    assert (out / "workspaces/w.yaml").read_text() == (
        "artefacts:\n  q: {type: queue}\n  c:\n    type: counter\n    properties: {count: 5}\n    description: five\n"
    )
    org = (out / "organisations/o.yaml").read_text()
    assert "extends" not in org and "subgroups" not in org and "null" not in org
    assert load_specs(out, registry) == (manifest, [])


def load_org(folder: Path, registry: Registry) -> dict[str, Any]:
    make(folder, {"organisations/o.yaml": ORGANISATION})
    manifest, problems = load_specs(folder, registry)
    assert problems == [] and manifest is not None
    return manifest.organisations["o"]


def test_writing_replaces_stale_spec_files_and_keeps_the_others(tmp_path: Path, registry: Registry) -> None:
    make(
        tmp_path,
        {
            "README.md": "keep me",
            "agents/.gitkeep": "",
            "agents/old.asl": CODE,
            "agents/old.yaml": "description: gone\n",
            "agents/a.yaml": "description: stale\n",
            "workspaces/old.yaml": "{}",
        },
    )
    manifest = Manifest(agents={"a": AgentSpec(code=CODE)})
    write_specs(manifest, tmp_path)
    assert (tmp_path / "README.md").read_text() == "keep me"
    assert (tmp_path / "agents/.gitkeep").exists()
    assert not (tmp_path / "agents/old.asl").exists() and not (tmp_path / "agents/a.yaml").exists()
    assert not (tmp_path / "workspaces/old.yaml").exists()
    assert load_specs(tmp_path, registry) == (manifest, [])


def test_writing_refuses_names_that_are_not_names(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a valid agent name"):
        write_specs(Manifest(agents={"../evil": AgentSpec(code=CODE)}), tmp_path)
    assert not any(tmp_path.iterdir())


TRICKY_TEXT = [
    "",
    "yes",
    "null",
    "2024-05-01",
    "=",
    "- not a list",
    "a: b",
    "# not a comment",
    "  leading and trailing  ",
    "two\nlines",
    "trailing newline\n",
    "tab\there",
    "quotes ' and \"",
    "ünïcødé ✓",
    "{flow: like}",
    "<<",
    "line\rbreaks\x85of\u2028every\u2029kind",
]


def test_tricky_text_round_trips(tmp_path: Path, registry: Registry) -> None:
    manifest = Manifest(
        agents={
            f"a{i}": AgentSpec(code=CODE, description=text, metadata={"text": text, "list": [text, 1, 1.0, None]})
            for i, text in enumerate(TRICKY_TEXT)
        },
        workspaces={
            "w": WorkspaceSpec(
                description="\n".join(TRICKY_TEXT),
                artefacts={
                    "b": ArtefactSpec(type="board", properties={"entries": {text: text for text in TRICKY_TEXT}}),
                },
            )
        },
    )
    write_specs(manifest, tmp_path, registry)
    assert load_specs(tmp_path, registry) == (manifest, [])


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(description=st.text(), metadata=st.dictionaries(st.text(), json_values, max_size=4))
def test_any_description_and_metadata_round_trip(description: str, metadata: dict[str, Any]) -> None:
    registry = builtin_registry()
    manifest = Manifest(
        agents={"a": AgentSpec(code=CODE, description=description, metadata=metadata)},
        workspaces={
            "w": WorkspaceSpec(
                description=description,
                artefacts={"b": ArtefactSpec(type="board", properties={"entries": metadata}, description=description)},
            )
        },
    )
    with tempfile.TemporaryDirectory() as folder:
        write_specs(manifest, Path(folder), registry)
        assert load_specs(Path(folder), registry) == (manifest, [])


# -- the manifest as JSON ------------------------------------------------------------------------------------


def test_manifest_json_round_trip(registry: Registry) -> None:
    manifest, _ = load_specs(SAMPLE, registry)
    assert manifest is not None
    assert Manifest.from_json(manifest.to_json()) == manifest
    assert Manifest.from_builtins(manifest.to_builtins()) == manifest
    assert Manifest.from_json(b"{}") == Manifest()


def test_manifest_decoding_checks_names_and_fields() -> None:
    with pytest.raises(msgspec.ValidationError, match="regex"):
        Manifest.from_json(b'{"agents": {"Alice": {"code": ""}}}')
    with pytest.raises(msgspec.ValidationError, match="unknown field `props`"):
        Manifest.from_builtins({"workspaces": {"w": {"artefacts": {"a": {"type": "counter", "props": {}}}}}})
    with pytest.raises(msgspec.ValidationError, match="state"):
        Manifest.from_builtins({"agents": {"a": {"code": "", "state": "paused"}}})


def test_include_reads_the_folder_agents_only(tmp_path: Path, registry: Registry) -> None:
    make(
        tmp_path,
        {
            "agents/lib.asl": "+!greet <- .print(hi).\n",
            "agents/lib.yaml": "state: stopped\n",
            "agents/user.asl": '{ include("lib.asl") }\n!greet.\n',
        },
    )
    manifest, problems = load_specs(tmp_path, registry)
    assert problems == [] and manifest is not None
    make(tmp_path, {"agents/user.asl": 'ok.\n{ include("../agents/lib.asl") }\n'})
    problem = only(problems_of(tmp_path, registry))
    assert (problem.file, problem.line, problem.column) == ("agents/user.asl", 2, 1)
    assert "outside the agent set" in problem.message
