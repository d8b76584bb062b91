"""``p[|T]``: an annotation list with only a tail, as Jason's grammar allows. ``T`` takes all the
annotations; printed as Jason prints it (an empty annotation list prints nothing), and in the source form
it parses back the same."""

from __future__ import annotations

from romas.agentspeak import parse_term
from romas.agentspeak.printer import format_term, source_term
from romas.agentspeak.terms import Term
from romas.agentspeak.unify import resolve, unify
from tests.agentspeak.conformance.syntax_support import run_source


def test_a_tail_alone_takes_every_annotation() -> None:
    env: dict[str, Term] = {}
    assert unify(parse_term("p[|T]"), parse_term("p[a,b]"), env)
    assert format_term(resolve(parse_term("T"), env)) == "[a,b]"


def test_printing_and_the_source_form() -> None:
    assert format_term(parse_term("p[|T]")) == "p"
    assert format_term(parse_term("p[x|T]")) == "p[x|T]"
    for text in ("p[|T]", "p(1)[x|T]"):
        assert parse_term(source_term(parse_term(text))) == parse_term(text)
    # as Jason: a list after ``|`` joins the annotations
    assert parse_term("p[a|[b,c]]") == parse_term("p[a,b,c]")


def test_queries_and_contexts_bind_the_tail() -> None:
    printed = run_source(
        """
        b(1)[x,y].
        !g.
        +!g : b(1)[|All] <- .print(All); ?b(1)[x|Rest]; .print(Rest); X = q[|A]; .print(X).
        """
    )
    assert printed == ["[x,y,source(self)]", "[y,source(self)]", "q"]
