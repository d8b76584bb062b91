"""Jason's goal patterns as directives: ``{ begin dg(g) } ... { end }`` and the others (bdg, ebdg, bc, smc,
rc, mg, omc, sga) add plans around the plans they enclose, as Jason's directives do; a directive written in
Java cannot be loaded and is refused by name."""

from __future__ import annotations

from romas.agentspeak import check_source, parse_program
from romas.agentspeak.printer import format_trigger
from tests.agentspeak.conformance.syntax_support import run_source


def test_declarative_goal_plans() -> None:
    program = parse_program("{ begin dg(g) }\n+!g <- act.\n{ end }\n")
    triggers = [format_trigger(p.trigger) for p in program.plans]
    assert triggers == ["+!g", "+!g", "+!g", "+g"]
    assert program.plans[2].body.formulas[-1].kind == "?"  # type: ignore[union-attr]


def test_a_declarative_goal_already_believed_needs_no_plan() -> None:
    printed = run_source(
        """
        g.
        !g.
        !h.
        { begin dg(g) }
        +!g <- .print(acting).
        { end }
        { begin dg(h) }
        +!h <- .print(acting_for_h); +h.
        { end }
        """
    )
    assert printed == ["acting_for_h"]


def test_every_pattern_parses() -> None:
    for d in [
        "dg(g)",
        "bdg(g)",
        "ebdg(g)",
        "bc(g)",
        "smc(g, f)",
        "rc(g, m)",
        "mg(g)",
        "omc(g, f, m)",
        'sga("+b", "c", g)',
        "bc(g, ebdg(g))",
    ]:
        assert check_source(f"{{ begin {d} }}\n+!g <- act.\n{{ end }}\n") == [], d


def test_a_java_directive_is_refused_by_name() -> None:
    diags = check_source("{ begin ld }\n+!d(X) <- act(X).\n{ end }\n")
    assert [(d.line, d.column) for d in diags] == [(1, 1)]
    assert "'ld'" in diags[0].message


def test_an_unclosed_block_is_reported() -> None:
    diags = check_source("{ begin namespace(x) }\nb.\n")
    assert diags and "never closed" in diags[0].message
