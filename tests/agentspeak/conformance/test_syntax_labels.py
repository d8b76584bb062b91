"""Plan labels as Jason 3 writes them: anonymous labels with annotations, named ones, variables as labels."""

from __future__ import annotations

from romas.agentspeak import parse_plan, parse_program
from romas.agentspeak.printer import format_plan
from romas.agentspeak.terms import Struct
from tests.agentspeak.conformance.syntax_support import run_source


def test_anonymous_labels_get_a_unique_name_and_keep_their_annotations() -> None:
    program = parse_program("@[atomic] +!a <- x.\n@[test] +!b <- y.\n@[priority(2)] +!c <- z.\n")
    labels = [p.label for p in program.plans]
    assert [lbl.functor for lbl in labels if lbl is not None] == ["l__1", "l__2", "l__3"]
    assert labels[0] is not None and labels[0].annots == (Struct("atomic"),)
    assert labels[2] is not None and labels[2].annots == (Struct("priority", (2,)),)
    assert program.plans[0].atomic and not program.plans[1].atomic


def test_atomic_anonymous_plan_runs_without_interleaving() -> None:
    printed = run_source(
        """
        !a. !b.
        @[atomic] +!a <- .print(a1); .print(a2); .print(a3).
        +!b <- .print(b1); .print(b2).
        """
    )
    assert printed.index("a3") == printed.index("a1") + 2


def test_named_label_with_annotations() -> None:
    program = parse_program("@l1[atomic, source(self)] +!g <- x.")
    plan = program.plans[0]
    assert plan.name == "l1" and plan.atomic


def test_a_variable_as_plan_label_in_a_plan_term() -> None:
    plan = parse_plan("@L +!g <- .print(x)")
    assert plan.label is None or plan.label.functor != "L"
    printed = run_source(
        """
        !start.
        +!start <- .add_plan({ @L +!h <- .print(added) }); !h.
        """
    )
    assert printed == ["added"]


def test_labels_print_back_and_parse_again() -> None:
    plan = parse_program("@[atomic] +!a <- x.").plans[0]
    again = parse_plan(format_plan(plan))
    assert again.label is not None and again.label.annots == (Struct("atomic"),)
