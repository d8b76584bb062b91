"""Parsing: programs, terms and bodies, and the diagnostics for code that does not parse."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from romas.agentspeak import (
    AgentSpeakSyntaxError,
    Diagnostic,
    check_source,
    parse_body,
    parse_program,
    parse_term,
    source_program,
)
from romas.agentspeak.program import Action, BeliefUpdate, Condition, For, Goal, If, While
from romas.agentspeak.terms import Arith, Logic, PartialList, PlanTerm, Rel, Struct, Var

PROGRAM = """
// a comment
price(apple, 10)[source(self)].
~raining.
a(X) :- b(X) & X > 1 | c.
!start.
/* a block
   comment */
@p1[atomic] +!start : true <- .print("hi\\n", 'Big atom'); !!go(3); -b; -+count(N+1); ?q(X).
+!go(N) : N > 0 <- .print(N); !go(N-1).
+!go(0).
-!go(X)[error(E)] <- .print(E).
+?q(1).
-b <- true.
+b : .findall(X, a(X) & X > 1, L) <- .add_plan({+!g <- .print(x)}); .wait({+b(_)}, 100).
"""


def test_program_parts() -> None:
    p = parse_program(PROGRAM)
    assert [str(b) for b in map(repr, p.beliefs)] == ["Struct<price(apple,10)[source(self)]>", "Struct<~raining>"]
    assert len(p.rules) == 1 and p.rules[0].head == Struct("a", (Var("X"),))
    assert p.goals == [Struct("start")]
    assert [pl.trigger.text for pl in p.plans] == [
        "+!start",
        "+!go(N)",
        "+!go(0)",
        "-!go(X)[error(E)]",
        "+?q(1)",
        "-b",
        "+b",
    ]
    assert p.plans[0].atomic and p.plans[0].name == "p1"
    assert p.plans[1].name == "l__2"
    assert p.plans[1].line == 10
    assert p.plans[0].line == 9


def test_body_formulas() -> None:
    body = parse_body('.print("hi"); !go(3); !!g; ?b(X); +b; -b; -+c(1); X = 1 + 2; X > 1; act(1)')
    kinds = [type(f) for f in body.formulas]
    assert kinds == [Action, Goal, Goal, Goal, BeliefUpdate, BeliefUpdate, BeliefUpdate, Condition, Condition, Action]
    assert body.formulas[7] == Condition(Rel("=", Var("X"), Arith("+", 1, 2)), 1)
    assert body.variable_names == ["X"]


def test_control_flow() -> None:
    body = parse_body("if (X > 1) { a } elif (X < 0) { b } else { c }; while (true) { d }; for (.range(I, 1, 3)) { e }")
    f_if, f_while, f_for = body.formulas
    assert isinstance(f_if, If) and len(f_if.branches) == 2 and f_if.orelse is not None
    assert isinstance(f_while, While) and isinstance(f_for, For)
    nested = parse_body("if (a) { x } else if (b) { y } else { z }")
    assert isinstance(nested.formulas[0], If)


def test_terms() -> None:
    assert parse_term("price(apple, 10)[source(bob)]") == Struct(
        "price", (Struct("apple"), 10), (Struct("source", (Struct("bob"),)),)
    )
    assert parse_term('"a string"') == "a string"
    assert parse_term("[1,2]") == (1, 2)
    assert parse_term("[H|T]") == PartialList((Var("H"),), Var("T"))
    assert parse_term("[1|[2,3]]") == (1, 2, 3)
    assert parse_term("-3") == -3 and parse_term("2.5") == 2.5 and type(parse_term("7")) is int
    assert parse_term("1e3") == 1000.0
    assert parse_term("~p") == Struct("~p")
    assert parse_term("'hello world'") == Struct("hello world")
    assert parse_term("a & not b | c") == Logic(
        "or", Logic("and", Struct("a"), Logic("not", Struct("b"), None)), Struct("c")
    )
    assert parse_term("1 + 2 * 3") == Arith("+", 1, Arith("*", 2, 3))
    assert parse_term("2 ** 3 ** 2") == Arith("**", 2, Arith("**", 3, 2))
    assert parse_term("10 - 2 - 3") == Arith("-", Arith("-", 10, 2), 3)
    assert parse_term("not X > 3") == Logic("not", Rel(">", Var("X"), 3), None)
    assert isinstance(parse_term("{+!g <- .print(x)}"), PlanTerm)
    assert parse_term('"esc\\"aped\\n"') == 'esc"aped\n'


def test_anonymous_variables_are_distinct() -> None:
    t = parse_term("f(_, _)")
    assert isinstance(t, Struct)
    a, b = t.args
    assert isinstance(a, Var) and isinstance(b, Var) and a.name != b.name


def _diags(source: str) -> list[tuple[int, int, str]]:
    return [(d.line, d.column, d.message) for d in check_source(source)]


def test_every_error_is_reported_with_its_position() -> None:
    src = 'a(1)\nb(2).\n+!g <- .print("x) ; c.\n+!h <- a b.\n*b <- x.\n+!!g.\n{ include("x.asl") }\nfoo(.\nok.\n'
    assert _diags(src) == [
        (1, 5, "expected '.' at the end of the clause"),
        (3, 15, "unterminated string"),
        (4, 10, "expected ';' between body formulas or '.' after the plan body, found 'b'"),
        (5, 1, "unknown trigger '*': a plan starts with +b, -b, +!g, -!g, +?g or -?g"),
        (6, 2, "unknown trigger '+!!': a plan starts with +b, -b, +!g, -!g, +?g or -?g"),
        (7, 1, "include: there is no file 'x.asl' in the agent set (this code is not part of one)"),
        (8, 5, "unexpected '.'"),
    ]


def test_parse_program_raises_with_all_diagnostics() -> None:
    with pytest.raises(AgentSpeakSyntaxError) as info:
        parse_program("+!g <- .print(1)\n\n+!h <- x(.\n")
    assert info.value.diagnostics == [
        Diagnostic(1, 17, "expected '.' after the plan"),
        Diagnostic(3, 10, "unexpected '.'"),
    ]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("+!g <- .print(1)", (1, 17, "expected '.' after the plan")),
        ("+!g <- .print(1)\n+!h.", (1, 17, "expected '.' after the plan")),
        ("p(1)\n!g.", (1, 5, "expected '.' at the end of the clause")),
        ("p(1", (1, 4, "unexpected end of input; expected ')' or ','")),
        ("p(1)]", (1, 5, "expected '.' at the end of the clause, found ']'")),
        ('x("abc', (1, 3, "unterminated string")),
        ("/* never closed", (1, 1, "unterminated comment")),
        ("\n\n  foo(1) :- .", (3, 13, "unexpected '.'")),
        ("+!g <- if (x) { a.", (1, 18, "unexpected '.'; expected '}'")),
        ("p(1) # q.", (1, 6, "unexpected character '#'")),
        ("{ begin }", (1, 1, "'{ begin }' needs a directive: { begin namespace(ns) }")),
        ("{ foo(1) }", (1, 1, "unknown directive 'foo'")),
        ("{ end }", (1, 1, "'{ end }' without a '{ begin ... }' before it")),
        ("+!g <- 3.", (1, 8, "this is not an action, a goal or a condition")),
        ("+.print(x).", (1, 1, "an internal action cannot be a triggering event")),
        (".", (1, 1, "empty clause: a '.' with nothing before it")),
        ("p(a) q(b).", (1, 6, "expected '.' at the end of the clause, found 'q'")),
    ],
)
def test_error_messages(source: str, expected: tuple[int, int, str]) -> None:
    assert _diags(source)[0] == expected


def test_errors_in_term_and_body() -> None:
    with pytest.raises(AgentSpeakSyntaxError) as info:
        parse_term("f(1,")
    assert (info.value.diagnostics[0].line, info.value.diagnostics[0].column) == (1, 5)
    with pytest.raises(AgentSpeakSyntaxError) as info:
        parse_body(".print(1);\n!g(")
    assert (info.value.diagnostics[0].line, info.value.diagnostics[0].column) == (2, 4)
    with pytest.raises(AgentSpeakSyntaxError):
        parse_term("")


def test_round_trip() -> None:
    p = parse_program(PROGRAM)
    text = source_program(p)
    assert source_program(parse_program(text)) == text


def test_crlf_and_windows_line_endings() -> None:
    assert check_source("a.\r\nb.\r\n") == []
    assert _diags("a.\r\nb(\r\n")[0][0] == 2


def test_deep_nesting_is_a_diagnostic_not_a_crash() -> None:
    deep = "p(" + "f(" * 3000 + "1" + ")" * 3000 + ")."
    diags = check_source(deep)
    assert diags and diags[0].line == 1 and "nested" in diags[0].message


def test_a_mebibyte_of_source_is_checked_whole() -> None:
    """How fast is for bench/; here, that a 1 MiB source is checked and its problems all located."""
    clause = (
        '+!go(N) : N > 0 & price(apple, P) <- .print("value ", N, P); !go(N - 1); -+count(N + 1);'
        ' if (N > 3) { .print(big) } else { .print(small) }.\nbelief(a, [1,2,3], "str").\n'
    )
    source = clause * (1024 * 1024 // len(clause))
    assert check_source(source) == []
    broken = source.replace("!go(N - 1);", "!go(N - 1)", 3)
    diags = check_source(broken)
    assert len(diags) == 3 and [d.line for d in diags] == [1, 3, 5]


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("ab XY(){}[]|.,;:-+!?~@&=<>*/\\\"'\n\t_01 ifelsewhilenotdivmod")), max_size=80
    )
)
def test_check_source_never_raises(source: str) -> None:
    for d in check_source(source):
        assert d.line >= 1 and d.column >= 1 and d.message


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_parse_term_and_body_raise_only_syntax_errors(text: str) -> None:
    for fn in (parse_term, parse_body):
        try:
            fn(text)
        except AgentSpeakSyntaxError as e:
            assert e.diagnostics


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('b.\n{ include("x.asl")\n+!g <- a.\n', (3, 1, "unexpected '+'; expected '}'")),
        ("b.\n  { foo(1) }\n", (2, 3, "unknown directive 'foo'")),
        ("b.\n{ begin namespace(x)\n+!g <- a.\n", (3, 1, "unexpected '+'; expected '}'")),
        (
            "b.\n+!g <- a.\n  {\n   +!s <- x y.\n  }\n",
            (4, 13, "expected ';' between body formulas or '.' after the plan body, found 'y'"),
        ),
        ("{ begin namespace(x) }\nb.\n", (2, 3, "'{ begin namespace(...) }' is never closed by '{ end }'")),
    ],
)
def test_directive_errors_are_located(source: str, expected: tuple[int, int, str]) -> None:
    assert _diags(source)[0] == expected


SPLIT_PIECES = [
    "a.",
    "b(1.5).",
    " ",
    "\n",
    "\t",
    ".",
    "..",
    "=..",
    "=",
    "/",
    "//c\n",
    "/* c. */",
    "/*",
    '"s. t"',
    '"',
    "'q. a'",
    "'",
    "{",
    "}",
    "{ +!g <- .print(x). }",
    "+!g <- .print(x); X = 1 / 2.",
    "x",
    "1.",
    "1.5",
    "e",
    ".p(",
    "\\",
]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(SPLIT_PIECES), max_size=20))
def test_plain_clauses_are_cut_as_the_scanner_cuts_them(pieces: list[str]) -> None:
    """Plain clauses are matched whole; the clauses and the diagnostics are those of scanning piece by piece."""
    from romas.agentspeak.parser import _Positions, _scan_clauses, _split

    source = "".join(pieces)
    pos = _Positions(source)
    fast: list[Diagnostic] = []
    scanned: list[Diagnostic] = []
    assert [(c.start, c.end, c.skip) for c in _split(source, pos, fast)] == [
        (c.start, c.end, c.skip) for c in _scan_clauses(source, 0, pos, scanned, [])
    ]
    assert fast == scanned


# Message contents read without the parser (parser._simple_term) are read as the parser reads them.
_WORDS = ["ping", "a", "inc", "order", "x_1", "aB9", "not", "div", "mod", "if", "for", "while", "else", "elif",
          "true", "false", "this_ns", "include", "p"]  # fmt: skip
_PIECES = ["0", "7", "12", "007", "-3", "1.5", "1e5", "123456789012345678", "1234567890123456789", '"s"', '""',
           '"a, b)"', '"\\n"', '"é ü"', '"tab\there"', "X", "_", "[1]", "a(1)", "'q'", "a.b", " 1", "1 "]  # fmt: skip


def _canonical(term: Any) -> Any:
    """The term with the type of every part (``1 == 1.0`` and annotations compared as sets do not hide a
    difference)."""
    if type(term) is Struct:
        return ("S", term.functor, tuple(_canonical(a) for a in term.args), tuple(_canonical(a) for a in term.annots))
    if type(term) in (int, float, str):
        return (type(term).__name__, term)
    return ("other", type(term).__name__, repr(term))


def _parsed(read: Callable[[str], Any], text: str) -> Any:
    try:
        return ("term", _canonical(read(text)))
    except AgentSpeakSyntaxError as exc:
        return ("error", [(d.line, d.column, d.message) for d in exc.diagnostics])


def _by_the_parser(text: str) -> Any:
    from romas.agentspeak.parser import _parse_single

    return _parse_single(text, "term_input", "term")


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(_WORDS),
    st.lists(st.sampled_from(_WORDS + _PIECES), max_size=4),
    st.sampled_from([", ", ",", ",  ", " ,"]),
    st.sampled_from(["", " ", ".", ")", "[a]", "(1)"]),
    st.booleans(),
)
def test_simple_contents_read_without_the_parser_are_read_as_the_parser_reads_them(
    name: str, args: list[str], comma: str, tail: str, call: bool
) -> None:
    text = f"{name}({comma.join(args)})" if call or args else name
    for candidate in (text, text + tail):
        assert _parsed(parse_term, candidate) == _parsed(_by_the_parser, candidate), candidate


def test_the_commonest_contents_skip_the_parser() -> None:
    from romas.agentspeak.parser import _simple_term

    for text in ("inc", "ping(12)", 'order(apple, 3, "two words")', "p(0,1)"):
        assert _simple_term(text) is not None, text
        assert _canonical(_simple_term(text)) == _canonical(_by_the_parser(text))
    for text in ("this_ns", "p(this_ns)", "ping(-1)", "p(1.5)", "p(X)", "p(a(1))", "p(1)[a]", "p()", " p", 'p("\\n")'):
        assert _simple_term(text) is None, text
