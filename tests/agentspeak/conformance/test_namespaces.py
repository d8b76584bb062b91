"""Namespaces as Jason's modules use them (its example ``contract-net-protocol-module``): triggers with a
namespace variable, ``.include(File, NS)`` at run time, module-local namespaces (``{ namespace(priv, local) }``,
printed ``#1priv`` as Jason prints them) inside plans added at run time, and ``NS::b`` queries enumerating the
namespaces."""

from __future__ import annotations

from romas.agentspeak import parse_program
from romas.agentspeak.printer import format_term, source_term
from tests.agentspeak.conformance.syntax_support import run_source

MODULE = """
{ namespace(priv, local) }
priv::count(0).
+!tick <- ?priv::count(N); -+priv::count(N+1); .print(this_ns, " ", N+1).
"""


def test_a_local_namespace_prints_as_jason_and_parses_back_in_the_source_form() -> None:
    belief = parse_program("{ namespace(priv, local) }\npriv::b(1).").beliefs[0]
    assert format_term(belief).startswith("#") and format_term(belief).endswith("priv::b(1)")
    assert parse_program(source_term(belief) + ".").beliefs[0] == belief


def test_modules_included_at_run_time_into_namespaces_of_their_own() -> None:
    printed = run_source(
        """
        !start([a, b]).
        +!start([]) <- !a::tick; !b::tick; !a::tick; +a::tock;
                       .findall(NS, NS::count(_), L); .length(L, C); .print(C); .nth(0, L, F);
                       .term2string(F, S); if (.substring("#", S, 0) & .substring("priv", S)) { .print(local) }.
        +!start([N|R]) <- .include("module.asl", N); +{ +N::tock <- .print(tock(N)) }; !start(R).
        """,
        {"module.asl": MODULE},
    )
    # each namespace has its own counter: the module's local one, a new one each time it is included (Jason
    # numbers them #1priv, #2priv, ... in the whole process)
    assert printed == ["a 1", "b 1", "a 2", "tock(a)", "2", "local"]


def test_a_plan_whose_trigger_has_a_namespace_variable() -> None:
    printed = run_source(
        """
        !go.
        +!go <- +hall::started; +comm::started; .findall(N, N::started, L); .print(L).
        +N::started <- .print(N).
        """
    )
    assert printed == ["hall", "comm", "[hall,comm]"] or printed == ["[hall,comm]", "hall", "comm"]


def test_a_plan_term_using_a_local_namespace_is_added() -> None:
    printed = run_source(
        """
        { begin namespace(supp, local) }
        gain(hall, 2).
        { end }
        !go(hall).
        +!go(N) <- +{ +?N::price(P) : supp::gain(N, G) <- P = 10 * G }; ?hall::price(X); .print(X).
        """
    )
    assert printed == ["20"]
