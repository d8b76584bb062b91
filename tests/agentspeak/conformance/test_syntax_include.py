"""``{ include("file.asl") }`` and ``{ include("file.asl", ns) }`` read another file of the same agent set,
relative to the including file; any path that leaves the agent set is refused with a diagnostic, and
nothing but the agent set's files is ever read."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from romas.agentspeak import AgentFiles, check_source, parse_program
from romas.agentspeak.localrun import main
from tests.agentspeak.conformance.syntax_support import run_source

LIB = """
greeting(hello).
+!greet : greeting(G) <- .print(G).
"""


def test_included_clauses_join_the_program() -> None:
    printed = run_source('{ include("lib.asl") }\n!greet.', {"lib.asl": LIB})
    assert printed == ["hello"]


def test_include_into_a_namespace() -> None:
    printed = run_source(
        '{ include("lib.asl", m) }\n!m::greet.\n+!go <- .print(x).',
        {"lib.asl": LIB},
    )
    assert printed == ["hello"]
    program = parse_program('{ include("lib.asl", m) }', AgentFiles({"lib.asl": LIB}), "agent.asl")
    assert [b.functor for b in program.beliefs] == ["m::greeting"]


def test_paths_are_relative_to_the_including_file() -> None:
    files = {"lib/a.asl": '{ include("b.asl") }', "lib/b.asl": "b_was_read."}
    program = parse_program('{ include("lib/a.asl") }', AgentFiles(files), "agent.asl")
    assert [b.functor for b in program.beliefs] == ["b_was_read"]


@pytest.mark.parametrize(
    "path",
    ["/etc/passwd", "../secret.asl", "lib/../../x.asl", "C:/x.asl", "..\\\\x.asl", "$jasonJar/x.asl"],
)
def test_paths_outside_the_agent_set_are_refused(path: str) -> None:
    diags = check_source(f'{{ include("{path}") }}\n', AgentFiles({"lib.asl": LIB}), "agent.asl")
    assert len(diags) == 1
    d = diags[0]
    assert (d.line, d.column) == (1, 1)
    assert d.message.startswith("include: ")
    assert "outside the agent set" in d.message or "no file" in d.message


def test_without_an_agent_set_nothing_is_read() -> None:
    diags = check_source('{ include("/etc/hostname") }')
    assert [d.message for d in diags] == [
        "include: there is no file '/etc/hostname' in the agent set (this code is not part of one)"
    ]


def test_errors_in_included_files_are_reported_at_the_include() -> None:
    diags = check_source('b.\n  { include("bad.asl") }\n', AgentFiles({"bad.asl": "ok.\n+!g <- .\n"}), "x.asl")
    assert len(diags) == 1
    assert (diags[0].line, diags[0].column) == (2, 3)
    assert diags[0].message.startswith("in the included file bad.asl, line 2, column")


def test_a_file_including_itself_is_refused() -> None:
    diags = check_source('{ include("a.asl") }', AgentFiles({"a.asl": '{ include("a.asl") }'}), "a.asl")
    assert diags and "includes itself" in diags[0].message


def test_romas_localrun_includes_the_files_given(tmp_path: Path) -> None:
    (tmp_path / "lib.asl").write_text(LIB, encoding="utf-8")
    (tmp_path / "a.asl").write_text('{ include("lib.asl") }\n!greet.\n', encoding="utf-8")
    (tmp_path / "other.asl").write_text("x.\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = main(["--virtual-time", str(tmp_path / "a.asl"), str(tmp_path / "lib.asl")], out=out, err=err)
    assert code == 0, err.getvalue()
    assert "[a] hello" in out.getvalue()
    (tmp_path / "b.asl").write_text('{ include("other.asl") }\n', encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = main(["--virtual-time", str(tmp_path / "b.asl")], out=out, err=err)
    assert code == 1
    assert "no file 'other.asl' in the agent set" in err.getvalue()
