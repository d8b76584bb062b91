"""``romas import``: JaCaMo projects (our own, in tests/deploy/jacamo_projects) turned into agent_specs/ folders."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from romas.agentspeak import check_source
from romas.cli import main
from romas.deploy.jacamo import (
    EXIT_APPROXIMATE,
    EXIT_EXACT,
    EXIT_PROBLEMS,
    EXIT_USAGE,
    REPORT_FILE,
    ImportFailed,
    closest_type,
    import_project,
)
from romas.deploy.jcm import JcmError, parse_class, parse_jcm
from romas.deploy.specs import load_specs
from romas.domain.artefact_types import Registry, load_artefact_types

PROJECTS = Path(__file__).parent / "jacamo_projects"
RELAY = PROJECTS / "relay" / "relay.jcm"
HELLO = PROJECTS / "hello" / "hello.jcm"


def registry() -> Registry:
    return load_artefact_types([], entry_points=False)


def copy_project(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copytree(PROJECTS / name, target)
    return target


# -- the .jcm reader -----------------------------------------------------------------------------------------


def test_the_jcm_reader_keeps_every_setting_with_its_line() -> None:
    project = parse_jcm(RELAY.read_text())
    assert project.name == "relay"
    kinds = [(b.kind, b.name, b.header) for b in project.body.blocks]
    assert kinds == [
        ("agent", "coach", "coach.asl"),
        ("agent", "runner", ""),
        ("workspace", "track", ""),
        ("organisation", "club", "club-os.xml"),
    ]
    runner = project.body.blocks[1]
    assert [(o.key, o.text) for o in runner.options] == [
        ("instances", "2"),
        ("beliefs", 'pace("steady")'),
        ("join", "track"),
    ]
    team = project.body.blocks[3].blocks[0]
    assert [i.text for i in team.values("players")] == ["coach   trainer", "runner1 athlete", "runner2 athlete"]
    platform = next(i for i, line in enumerate(RELAY.read_text().splitlines(), 1) if "platform:" in line)
    assert [(o.key, o.line) for o in project.body.options] == [("platform", platform)]
    pit = team.blocks[0]
    assert (pit.kind, pit.name, pit.header, pit.values("owner")[0].text) == ("group", "pit", "pit_crew", "runner1")


def test_values_split_on_commas_and_lines_but_not_inside_terms() -> None:
    project = parse_jcm(
        'mas m {\n  agent a {\n    beliefs: b(1, [x, y]), c("a, b")\n             d\n'
        "    goals: g1, g2\n    debug\n  }\n}\n"
    )
    agent = project.body.blocks[0]
    assert [i.text for i in agent.values("beliefs")] == ["b(1, [x, y])", 'c("a, b")', "d"]
    assert [i.text for i in agent.values("goals")] == ["g1", "g2"]
    assert [o.key for o in agent.options][-1] == "debug"


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("agent a", 1, "starts with 'mas NAME {'"),
        ("mas m {\n  agent a {\n    beliefs: b\n  ]\n}", 4, "unexpected ']'"),
        ("mas m {\n  agent a\n", 2, "ends too early"),
        ("mas m {\n} extra", 2, "after the end"),
    ],
)
def test_jcm_errors_have_line_and_column(text: str, line: int, words: str) -> None:
    with pytest.raises(JcmError) as caught:
        parse_jcm(text)
    assert caught.value.line == line and words in caught.value.message


def test_class_definitions() -> None:
    cls = parse_class('tools.Counter("a, counter", 10, [1, 2], other.Thing(3))')
    assert cls.name == "tools.Counter" and cls.simple_name == "Counter"
    assert cls.args == ['"a, counter"', "10", "[1, 2]", "other.Thing(3)"]
    assert parse_class("cartago.tools.Clock").args == []


@pytest.mark.parametrize(
    ("text", "expected", "properties"),
    [
        ("tools.Counter(10)", "counter", {"count": 10}),
        ('my.LapCounter("laps")', "counter", {}),
        ("env.NoticeBoard", "board", {}),
        ("env.TaskQueue()", "queue", {}),
        ('display.GUIConsole("France")', None, {}),
        ('ora4mas.nopl.GroupBoard("x")', None, {}),
    ],
)
def test_closest_built_in_type(text: str, expected: str | None, properties: dict[str, int]) -> None:
    type_name, found, why = closest_type(parse_class(text))
    assert type_name == expected and found == properties and why


# -- the import ----------------------------------------------------------------------------------------------


def test_relay_comes_over_with_instances_workspaces_and_organisation() -> None:
    manifest, report = import_project(RELAY)
    assert report.problems == []
    assert sorted(manifest.agents) == ["coach", "runner1", "runner2"]  # instances: 2 -> runner1, runner2
    assert "!romas_jcm_subgroup(pit, pit_crew, team, club, 50)" in manifest.agents["runner1"].code  # its owner
    assert "createSubgroup" not in manifest.agents["runner2"].code
    assert manifest.organisations["club"]["groups"]["relay_team"]["subgroups"] == {"pit_crew": {"min": 0, "max": 1}}
    track = manifest.workspaces["track"]
    assert list(track.artefacts) == ["laps_done"] and track.artefacts["laps_done"].type == "counter"
    club = manifest.organisations["club"]
    assert set(club["roles"]) == {"member", "trainer", "athlete", "helper"}  # helper: only the subgroup names it
    assert club["norms"][1]["deadline_s"] == 600.0
    coach = manifest.agents["coach"].code
    assert "laps(2)." in coach and "!!announce" in coach
    assert "joinWorkspace(track);\n      focus(track, laps_done);" in coach
    assert "!romas_jcm_group(team, relay_team, club, 50)" in coach  # the first player creates the group
    assert "!romas_jcm_scheme(race, race_scheme, team, club, 50)" in coach
    assert "!romas_jcm_role(trainer, team, club, 50)" in coach
    runner = manifest.agents["runner1"].code
    assert "!romas_jcm_role(athlete, team, club, 50)" in runner and "createGroup" not in runner.split("+!say")[0]
    assert 'pace("steady").' in runner
    assert '// ---- romas: begin include("inc/common.asl") ----' in runner  # the project's include is inlined
    assert "commitMission(Mission, Scheme)" in runner  # Moise's obedient agent, romas's way
    for agent in manifest.agents.values():
        assert check_source(agent.code) == []


def test_nothing_is_dropped_silently() -> None:
    _, report = import_project(RELAY)
    left_out = {e.what: e.detail for e in report.left_out}
    assert (
        "Stopwatch" in left_out["artifact track.stopwatch"]
        and "coach cannot focus" in left_out["artifact track.stopwatch"]
    )
    assert "platform" in left_out
    xml = (RELAY.parent / "src" / "org" / "club-os.xml").read_text().splitlines()
    line = next(i for i, text in enumerate(xml, 1) if 'ttf="5 minutes"' in text)
    assert any('ttf="5 minutes"' in e.detail and e.where == f"src/org/club-os.xml:{line}:21" for e in report.left_out)
    approximate = {e.what for e in report.approximate}
    assert {"artifact track.laps_done", 'include("$moise/asl/org-obedient.asl")'} <= approximate
    converted = {e.what for e in report.converted}
    assert {"agent coach", "agent runner", "workspace track", "organisation club", "group club.team"} <= converted
    assert {"scheme club.race", "group club.pit", "coach plays trainer", "runner2 plays athlete"} <= converted
    assert {"focus track.laps_done", "join track"} <= converted
    assert report.exit_code == EXIT_APPROXIMATE
    markdown = report.markdown()
    assert "## Left out (3)" in markdown and "## Problems to fix before `romas apply` (0)" in markdown


def test_instances_are_named_as_jacamo_names_them(tmp_path: Path) -> None:
    folder = copy_project(tmp_path, "hello")
    (folder / "hello.jcm").write_text(
        "mas hello {\n  agent greeter { instances: 3 }\n  agent solo : greeter.asl { instances: 1 }\n"
        "  agent none : greeter.asl { instances: 0 }\n  agent named : greeter.asl { instances: ann, bea }\n}\n"
    )
    manifest, report = import_project(folder / "hello.jcm")
    assert sorted(manifest.agents) == ["ann", "bea", "greeter1", "greeter2", "greeter3", "solo"]
    assert any(e.what == "agent none" and "instances: 0" in e.detail for e in report.left_out)


def test_an_exact_project_exits_0_and_writes_a_valid_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "specs"
    assert main(["import", str(HELLO), "--out", str(out)]) == EXIT_EXACT
    manifest, problems = load_specs(out, registry())
    assert problems == [] and manifest is not None
    code = manifest.agents["greeter"].code
    assert code.startswith("+!greet : greeting(G)")
    assert 'greeting("hello").' in code and "!!greet" in code
    assert (out / REPORT_FILE).read_text().startswith("# Imported from the JaCaMo project hello.jcm")
    assert "1 agent" in capsys.readouterr().out


def test_approximations_exit_3_and_the_folder_validates(tmp_path: Path) -> None:
    out = tmp_path / "specs"
    assert main(["import", str(RELAY), "--out", str(out)]) == EXIT_APPROXIMATE
    manifest, problems = load_specs(out, registry())
    assert problems == [] and manifest is not None
    assert sorted(manifest.agents) == ["coach", "runner1", "runner2"]
    assert "stopwatch" in (out / REPORT_FILE).read_text()


def test_problems_are_listed_and_exit_1(tmp_path: Path) -> None:
    folder = copy_project(tmp_path, "relay")
    (folder / "src" / "agt" / "coach.asl").write_text('+!announce <- .print("oops"\n')  # does not parse
    (folder / "relay.jcm").write_text(
        (folder / "relay.jcm").read_text().replace("agent runner {", "agent runner : sprinter.asl {")
    )
    out = tmp_path / "specs"
    assert main(["import", str(folder / "relay.jcm"), "--out", str(out)]) == EXIT_PROBLEMS
    report = (out / REPORT_FILE).read_text()
    assert "its code 'sprinter.asl' is not in the asl-path" in report
    assert "agents/coach.asl:" in report  # where the code does not parse, line and column


def test_a_missing_include_is_a_problem(tmp_path: Path) -> None:
    folder = copy_project(tmp_path, "relay")
    (folder / "src" / "agt" / "inc" / "common.asl").unlink()
    _, report = import_project(folder / "relay.jcm")
    assert any('include("inc/common.asl")' in e.what and "no such file" in e.detail for e in report.problems)


def test_unreadable_projects_are_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", str(tmp_path / "nowhere.jcm")]) == EXIT_USAGE
    broken = tmp_path / "broken.jcm"
    broken.write_text("mas broken {\n  agent a {\n    goals: g\n  ]\n}\n")
    assert main(["import", str(broken), "--out", str(tmp_path / "out")]) == EXIT_USAGE
    assert "broken.jcm:4:3" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    with pytest.raises(ImportFailed):
        import_project(broken)


def test_a_folder_that_is_not_empty_is_kept_unless_forced(tmp_path: Path) -> None:
    out = tmp_path / "specs"
    out.mkdir()
    (out / "README.md").write_text("mine")
    assert main(["import", str(HELLO), "--out", str(out)]) == EXIT_USAGE
    assert not (out / "agents").exists()
    assert main(["import", str(HELLO), "--out", str(out), "--force"]) == EXIT_EXACT
    assert (out / "README.md").read_text() == "mine" and (out / "agents" / "greeter.asl").is_file()


def test_nodes_are_noted_and_left_aside(tmp_path: Path) -> None:
    folder = copy_project(tmp_path, "relay")
    jcm = folder / "relay.jcm"
    jcm.write_text(jcm.read_text().replace("focus:   track.laps_done", "focus:   track.laps_done @ n1"))
    manifest, report = import_project(jcm)
    assert report.problems == []
    assert "focus(track, laps_done)" in manifest.agents["coach"].code
    assert any("nodes have no place" in e.detail for e in report.approximate)


def test_absurdly_nested_groups_are_refused_cleanly(tmp_path: Path) -> None:
    jcm = tmp_path / "deep.jcm"
    jcm.write_text("mas deep {\n organisation o : o.xml {\n" + "group g : t {\n" * 5000 + "}\n" * 5002 + "}\n")
    with pytest.raises(ImportFailed, match="nested too deeply"):
        import_project(jcm)
