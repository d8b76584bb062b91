"""Clauses parsed before are taken from the cache: the programs, diagnostics, lines and plans are exactly those of
a parse without it, wherever the clause stands, whatever the cache holds."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from romas.agentspeak import parser
from romas.agentspeak.clause_cache import ClauseCache, ClauseEntry
from romas.agentspeak.parser import AgentFiles, check_source, parse_program
from romas.agentspeak.program import Plan, Program
from romas.agentspeak.terms import Arith, Logic, PartialList, PlanTerm, Rel, Struct, Var

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted([*ROOT.joinpath("agent_specs").rglob("*.asl"), *ROOT.joinpath("tests").rglob("*.asl")])


@contextmanager
def uncached() -> Iterator[None]:
    """Parses with a cache that keeps nothing: every clause is parsed, as before the cache."""
    kept = parser._clauses
    parser._clauses = ClauseCache(max_entries=0)
    try:
        yield
    finally:
        parser._clauses = kept


def shape(x: Any) -> Any:
    """Everything a parse made, as plain data: terms by their structure (annotations in the order written),
    formulas with their lines, plans with every field the parser or ``finish_plan`` sets."""
    if isinstance(x, bool | int | float | str) or x is None:
        return (type(x).__name__, x)
    if type(x) is Struct:
        return ("Struct", x.functor, shape(x.args), shape(x.annots))
    if type(x) is Var:
        return ("Var", x.name)
    if type(x) in (Arith, Rel, Logic):
        return (type(x).__name__, x.op, shape(x.left), shape(x.right))
    if type(x) is PartialList:
        return ("PartialList", shape(x.items), shape(x.tail))
    if type(x) is PlanTerm:
        return ("PlanTerm", shape(x.plan))
    if isinstance(x, tuple | list):
        return (type(x).__name__, *[shape(i) for i in x])
    if isinstance(x, dict):
        return ("dict", *sorted((k, shape(v)) for k, v in x.items()))
    if isinstance(x, Plan | Program) or dataclasses.is_dataclass(x):
        skip = {"code", "saved_as", "files"}
        return (
            type(x).__name__,
            *[(f.name, shape(getattr(x, f.name))) for f in dataclasses.fields(x) if f.name not in skip],
        )
    raise AssertionError(f"no shape for {type(x)}")


def outcome(source: str, files: AgentFiles | None = None, file: str | None = None) -> Any:
    """The program (or the diagnostics) of ``source``, as plain data."""
    parser._LOCAL_NS[0] = 0  # local namespaces are numbered across parses: the same names each time here
    diagnostics = check_source(source, files, file)
    if diagnostics:
        return ("diagnostics", [(d.line, d.column, d.message) for d in diagnostics])
    return ("program", shape(parse_program(source, files, file)))


def same_with_and_without_cache(source: str, files: AgentFiles | None = None, file: str | None = None) -> None:
    with uncached():
        expected = outcome(source, files, file)
    assert outcome(source, files, file) == expected  # the cache as the earlier tests left it
    assert outcome(source, files, file) == expected  # every clause it keeps is in it now
    with uncached():
        moved = outcome("\n\n// moved\n" + source, files, file)
    assert outcome("\n\n// moved\n" + source, files, file) == moved  # the same clauses, two lines lower


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_program_of_the_repository(path: Path) -> None:
    folder = path.parent
    files = AgentFiles({str(p.relative_to(folder)): p.read_text(encoding="utf-8") for p in folder.rglob("*.asl")})
    same_with_and_without_cache(path.read_text(encoding="utf-8"), files, path.name)


CLAUSES = [
    "stock(apples, 10).",
    "price(apples, 1.5).",
    'greeting("hi. there // not a comment /* nor this */").',
    "q('quoted. atom').",
    "x(X) :- X =.. [f, 1] & X > 0.5.",
    "!start.",
    "+!start : greeting(G) <- .print(G); !announce.",
    '+!start <- .print(\n  "two"\n  ); -+n(1).',
    "@lab[atomic] +!go(N) : N > 0 <- .print(N); !go(N - 1).",
    "@[atomic] +!anon <- .print(a).",
    "+b(X)[source(S)] : X > 1 & not c <- if (X > 2) { .print(big) } elif (X > 1) { .print(mid) } else { .print(s) }.",
    "+!w <- while (n(N) & N < 3) { -+n(N + 1) }; for (.member(Y, [1, 2])) { .print(Y) }.",
    "+!par <- !a |&| !b ||| !c.",
    "+!grp <- (!a ||| !b); .print(done).",
    "+!t <- .add_plan({+!g <- .print(x)}); .wait({+b(_)}, 100).",
    "+!body <- .if_then_else(b, {.print(yes)}, {.print(\n no)}).",
    "+!fn <- X = math.abs(-3) + .length([1, 2]); .print(X).",
    "+!ns <- ns1::b(1); ::b(2); .print(this_ns).",
    "ns1::fact(1).",
    "+!g : ::f(1) <- +ns1::x; ?y(Z).",
    "-!go(X)[error(E)] <- .print(E).",
    "+?q(1).",
    "+!e <: done <- .print(e).",
    "{ +!sub <- .print(sub) }",
    "{ begin namespace(ns2) }",
    "{ begin namespace(priv, local) }",
    "{ end }",
    '{ register_function("my.sum", 2, "sum") }',
    "sum(A, B, C) :- C = A + B.",
    "+!usef <- X = my.sum(1, 2); .print(X).",
    '{ include("lib.asl") }',
    '{ include("lib.asl", libns) }',
    "{ begin dg(goal) }",
    "+!goal <- .print(reached).",
    "/* a comment with a . in it */ +!c <- .print(c).",
    "// only a comment",
    "+!bad <- .print(.",
    "+!bad2 <- .print(x) .print(y).",
    "missing_dot(1)",
    '+!unterminated <- .print("oops).',
    "~neg(1).",
    "+!deep <- X = [1, [2, [3, [4]]]]; .print(X).",
]
LIB = "lib_fact(1).\n+!lib_goal <- .print(lib).\n{ begin namespace(inner) }\ninner_fact.\n{ end }\n"
SEPARATORS = ["\n", "\n\n", " ", "\n// c.\n", "\n/* block. */\n", "\n\t  \n"]


@st.composite
def programs(draw: st.DrawFn) -> str:
    clauses = draw(st.lists(st.sampled_from(CLAUSES), min_size=0, max_size=12))
    out = []
    for clause in clauses:
        out.append(draw(st.sampled_from(SEPARATORS)))
        out.append(clause)
    out.append(draw(st.sampled_from(["", "\n", "\n// deployment 3\n"])))
    return "".join(out)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(), st.integers(min_value=0, max_value=3))
def test_generated_programs(source: str, drop: int) -> None:
    files = AgentFiles({"lib.asl": LIB})
    # the cache first gets another program with the same clauses, shifted (one clause dropped, lines added)
    lines = source.split("\n")
    warm = "\n".join([*lines[:drop], "", "", *lines[drop + 1 :]])
    check_source(warm, files, "a.asl")
    same_with_and_without_cache(source, files, "a.asl")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab(X).,;{}[]\"'/*!+-<:@ \n1", max_size=80))
def test_perturbed_text(source: str) -> None:
    base = "+!start <- .print(x).\nb(1).\n"
    with uncached():
        expected = [outcome(base + source), outcome(source + base)]
    assert [outcome(base + source), outcome(source + base)] == expected


def test_a_moved_clause_keeps_the_lines_of_where_it_stands() -> None:
    clause = "\n+!g <- .print(a);\n  if (true) { .print(b) }."
    first = parse_program("a." + clause)
    second = parse_program("a(\n1\n)." + clause)
    assert [f.line for f in first.plans[0].body.formulas] == [2, 3]
    assert [f.line for f in second.plans[0].body.formulas] == [4, 5]
    assert second.plans[0].body.formulas[1].branches[0][1].formulas[0].line == 5  # type: ignore[union-attr]
    assert (first.plans[0].line, second.plans[0].line) == (2, 4)


def test_each_program_has_plans_of_its_own() -> None:
    source = "+!g <- .print(a).\n@[atomic] +!h <- .print(b).\n"
    one, two = parse_program(source), parse_program(source)
    assert one.plans[0] is not two.plans[0]
    one.plans[0].extra["file"] = "x.asl"
    one.plans[0].name = "renamed"
    assert "file" not in two.plans[0].extra and two.plans[0].name == "l__1"
    assert parse_program(source).plans[1].label == Struct("l__2", (), (Struct("atomic"),))


def test_a_plan_written_as_a_term_is_parsed_each_time() -> None:
    source = "+!t <- .add_plan({+!g <- .print(x)}).\n"
    one, two = parse_program(source), parse_program(source)
    assert one.plans[0].body.formulas[0].term.args[0].plan is not two.plans[0].body.formulas[0].term.args[0].plan  # type: ignore[union-attr]


def test_errors_are_reported_as_without_the_cache() -> None:
    good = "+!a <- .print(a).\n"
    bad = "+!b <- .print(b.\n"
    parse_program(good)
    diagnostics = check_source(good + bad + good)
    assert [(d.line, d.column) for d in diagnostics] == [(2, 16)]
    with uncached():
        assert check_source(good + bad + good) == diagnostics


def test_the_cache_is_bounded() -> None:
    def entry() -> ClauseEntry:
        return ClauseEntry("belief", Struct("b"), 0, True)

    cache = ClauseCache(max_entries=3, max_chars=10, max_clause_chars=5)
    for text in ("a.", "b.", "c.", "d."):
        cache.put(text, entry())
    assert list(cache.entries) == ["b.", "c.", "d."]
    cache.get("b.")
    cache.put("e.", entry())
    assert list(cache.entries) == ["d.", "b.", "e."]  # the least recently used went first
    cache.put("toolong.", entry())
    assert "toolong." not in cache.entries
    cache.put("1234.", entry())
    cache.put("5678.", entry())
    assert cache.chars <= 10 and list(cache.entries) == ["1234.", "5678."]
    cache.clear()
    assert len(cache) == 0 and cache.chars == 0


def test_a_check_parses_every_clause_of_a_source_with_directives() -> None:
    """A check skips the clauses the cache holds, except in a source with a directive: sub-plans attach to the plan
    before them, which must then be there."""
    plan = "+!g <- .print(a).\n"
    sub_plans = "{ +!s <- .print(s). }\n"
    check_source(plan)  # the plan is in the cache now
    assert check_source(plan + sub_plans) == []
    with uncached():
        assert check_source(plan + sub_plans) == []
        expected = check_source(sub_plans)
    assert [d.message for d in expected] == ["sub-plans { ... } must follow a plan"]
    assert check_source(sub_plans) == expected


def test_a_check_of_known_clauses_finds_the_problems_of_the_others() -> None:
    known = "+!a <- .print(a).\nb(1).\n"
    check_source(known)
    source = known + "+!c <- .print(c.\n" + known + "// the end\n"
    with uncached():
        expected = check_source(source)
    assert expected and check_source(source) == expected
