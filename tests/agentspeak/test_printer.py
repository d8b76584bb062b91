"""Printing programs back to text: parse -> print -> parse gives the same program (property-based)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from romas.agentspeak import parse_program, source_program
from romas.agentspeak.program import (
    Action,
    BeliefUpdate,
    Body,
    Condition,
    For,
    Formula,
    Goal,
    If,
    Plan,
    Program,
    Rule,
    Trigger,
    While,
    finish_plan,
)
from romas.agentspeak.terms import Arith, Logic, PartialList, Rel, Struct, Term, Var

names = st.sampled_from(["a", "b", "price", "not", "div", "Quoted name", "x_1", "if"])
variables = st.sampled_from(["X", "Y", "_Z", "Long_name"]).map(Var)
numbers = st.one_of(st.integers(-50, 50), st.sampled_from([0.5, -2.25, 1e20, 3.0]))
strings = st.text(alphabet='ab "\\\n\t', max_size=4)


def _terms() -> st.SearchStrategy[Term]:
    leaves = st.one_of(names.map(Struct), variables, numbers, strings)
    return st.recursive(
        leaves,
        lambda kids: st.one_of(
            st.builds(lambda f, a: Struct(f, tuple(a)), names, st.lists(kids, min_size=1, max_size=3)),
            st.builds(
                lambda f, a, n: Struct(f, tuple(a), tuple(n)),
                names,
                st.lists(kids, max_size=2),
                st.lists(kids, min_size=1, max_size=2),
            ),
            st.lists(kids, max_size=3).map(tuple),
            st.builds(lambda i, t: PartialList(tuple(i), t), st.lists(kids, min_size=1, max_size=2), variables),
            st.builds(Arith, st.sampled_from(["+", "-", "*", "/", "div", "mod", "**"]), kids, kids),
            st.builds(lambda x: Arith("neg", x, None), variables),
        ),
        max_leaves=6,
    )


terms = _terms()
literals = st.builds(lambda f, a: Struct(f, tuple(a)), st.sampled_from(["p", "q", "goal"]), st.lists(terms, max_size=2))
conditions = st.recursive(
    st.one_of(literals, st.builds(Rel, st.sampled_from(["=", "==", "\\==", "<", ">=", "=.."]), terms, terms)),
    lambda kids: st.one_of(
        st.builds(Logic, st.sampled_from(["and", "or"]), kids, kids),
        st.builds(lambda x: Logic("not", x, None), kids),
    ),
    max_leaves=4,
)


def _formulas(depth: int) -> st.SearchStrategy[Formula]:
    simple: list[st.SearchStrategy[Formula]] = [
        st.builds(Goal, st.sampled_from(["!", "!!", "?"]), literals),
        st.builds(BeliefUpdate, st.sampled_from(["+", "-", "-+"]), literals),
        st.builds(Action, literals),
        st.builds(lambda a: Action(Struct(".print", tuple(a))), st.lists(terms, max_size=3)),
        st.builds(Condition, st.builds(Rel, st.sampled_from(["=", "<", "\\=="]), terms, terms)),
    ]
    if depth > 0:
        bodies = _bodies(depth - 1)
        simple += [
            st.builds(
                lambda b, e: If(tuple(b), e),
                st.lists(st.tuples(conditions, bodies), min_size=1, max_size=2),
                st.none() | bodies,
            ),
            st.builds(While, conditions, bodies),
            st.builds(For, conditions, bodies),
        ]
    return st.one_of(*simple)


def _bodies(depth: int) -> st.SearchStrategy[Body]:
    return st.lists(_formulas(depth), max_size=3).map(lambda fs: Body(tuple(fs)))


triggers = st.builds(Trigger, st.sampled_from(["+", "-"]), st.sampled_from(["", "!", "?"]), literals)
plans = st.builds(
    lambda t, c, b, lab: finish_plan(Plan(t, c, b, lab), 1),
    triggers,
    st.none() | conditions,
    _bodies(2),
    st.none()
    | st.builds(
        lambda n, at: Struct(n, (), (Struct("atomic"),) if at else ()), st.sampled_from(["l1", "plan_b"]), st.booleans()
    ),
)
programs = st.builds(
    Program,
    st.lists(literals, max_size=3),
    st.lists(st.builds(Rule, literals, conditions), max_size=2),
    st.lists(literals, max_size=2),
    st.lists(plans, max_size=3),
)


@settings(max_examples=150, deadline=None)
@given(programs)
def test_parse_print_parse_round_trips(program: Program) -> None:
    text = source_program(program)
    again = source_program(parse_program(text))
    assert again == text


def test_conformance_programs_round_trip() -> None:
    folder = Path(__file__).parent / "conformance"
    files = sorted(folder.glob("*/*.asl"))
    assert files
    for f in files:
        text = source_program(parse_program(f.read_text(encoding="utf-8")))
        assert source_program(parse_program(text)) == text, f
