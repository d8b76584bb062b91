"""Printing as Jason's ``toString`` does (issue 10, item 2).

Every expected text here is what Jason 3 prints for the same term, plan or call (read from Jason's
``asSyntax/*.java`` ``toString`` methods and its own unit tests): no space after commas, whole numbers
without ``.0``, other numbers as Java prints a ``double``, strings quoted but not escaped, operators in
parentheses, annotations in Jason's order, ``.print`` concatenating its arguments.
"""

from __future__ import annotations

import pytest

from romas.agentspeak import (
    format_plan,
    format_program,
    format_rule,
    format_term,
    parse_plan,
    parse_program,
    parse_term,
    source_term,
)
from romas.agentspeak.printer import jason_number, java_double
from romas.agentspeak.terms import PartialList, Struct, Var

from ..stdlib.helpers import outcome
from ..support import RecordingHost, make_agent, run


def _printed(body: str, source: str = "") -> list[str]:
    host = RecordingHost()
    out = outcome(body, source, host)
    assert out.status == "succeeded", out.reason
    return host.texts()


def _program_prints(source: str) -> list[str]:
    host = RecordingHost()
    run(make_agent(source, host))
    return host.texts()


# ---- terms ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[1, 2, 3]", "[1,2,3]"),
        ("[]", "[]"),
        ("f(a, b)[x, y]", "f(a,b)[x,y]"),
        ("f(a, g(b, [c, d]))", "f(a,g(b,[c,d]))"),
        ('f("s", a)', 'f("s",a)'),
        ("~p(a, 3)", "~p(a,3)"),
        ('~p(a, 3)["s", s]', '~p(a,3)["s",s]'),
        ("[H | T]", "[H|T]"),
        ("[a, b | T]", "[a,b|T]"),
        ("'Hello World'", "'Hello World'"),
        (".print(a)", ".print(a)"),
        ("true", "true"),
    ],
)
def test_terms(text: str, expected: str) -> None:
    assert format_term(parse_term(text)) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3, "3"),
        (3.0, "3"),
        (-3, "-3"),
        (-3.0, "-3"),
        (0.0, "0"),
        (-0.0, "0"),
        (1.5, "1.5"),
        (-2.25, "-2.25"),
        (0.1, "0.1"),
        (1 / 3, "0.3333333333333333"),
        (0.001, "0.001"),
        (0.0001, "1.0E-4"),
        (123.456, "123.456"),
        (9999999.5, "9999999.5"),
        (12345678.5, "1.23456785E7"),
        (1e7, "10000000"),
        (1e15, "1000000000000000"),
        (1e20, "1.0E20"),
        (-1e20, "-1.0E20"),
        (2.0**63, "9223372036854775807"),
        (-(2.0**63), "-9223372036854775808"),
        (10**20, "1.0E20"),
        (2**62, "4611686018427387904"),
        (float("nan"), "NaN"),
        (float("inf"), "Infinity"),
    ],
)
def test_numbers(value: float, expected: str) -> None:
    assert jason_number(value) == expected
    assert format_term(Struct("n", (value,))) == f"n({expected})"


def test_java_double() -> None:
    assert java_double(3.0) == "3.0"
    assert java_double(100.0) == "100.0"
    assert java_double(1e7) == "1.0E7"
    assert java_double(1e-3) == "0.001"
    assert java_double(0.00099) == "9.9E-4"
    assert java_double(-1.5e-10) == "-1.5E-10"


def test_strings_are_quoted_but_not_escaped() -> None:
    # Jason's StringTermImpl.toString is '"' + value + '"'
    assert format_term("abc") == '"abc"'
    assert format_term(Struct("f", ('say "hi"',))) == 'f("say "hi"")'
    assert format_term(Struct("f", ("a\nb",))) == 'f("a\nb")'
    assert format_term(parse_term(r'f("a\"b")')) == 'f("a"b")'


def test_strings_in_the_source_form_are_escaped_and_parse_back() -> None:
    t = Struct("f", ('say "hi"\n', 3.0))
    assert source_term(t) == r'f("say \"hi\"\n",3.0)'
    assert parse_term(source_term(t)) == t
    assert type(parse_term(source_term(t)).args[1]) is float  # type: ignore[union-attr]


def test_annotations_in_jasons_order() -> None:
    # numbers, strings, lists, structures by functor, variables
    assert format_term(parse_term("p3[a8, a2, a5]")) == "p3[a2,a5,a8]"
    assert format_term(parse_term("b[x, source(self)]")) == "b[source(self),x]"
    assert format_term(parse_term('a(1)[z, Y, f(x), [x], "s", 10]')) == 'a(1)[10,"s",[x],f(x),z,Y]'
    assert format_term(parse_term("a[source(jomi)]")) == "a[source(jomi)]"
    assert format_term(parse_term("a[source(bob)[source(jomi)]]")) == "a[source(bob)[source(jomi)]]"


def test_variables() -> None:
    assert format_term(Var("X")) == "X"
    assert format_term(parse_term("f(X, Long_name)")) == "f(X,Long_name)"
    # unnamed variables print as _ and a number, as Jason's UnnamedVar
    assert format_term(parse_term("f(_, _)")) == "f(_1,_2)"
    assert format_term(Var("_%17")) == "_17"
    assert format_term(PartialList((Var("H"),), Var("_#3"))) == "[H|_3]"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("X + 1", "(X+1)"),
        ("X - Y * 2", "(X-(Y*2))"),
        ("(X - Y) * 2", "((X-Y)*2)"),
        ("X / 2", "(X/2)"),
        ("X div 2", "(X div 2)"),
        ("X mod 2", "(X mod 2)"),
        ("X ** 2", "(X**2)"),
        ("-X", "(-X)"),
        ("X * -1", "(X*(-1))"),
        ("f(X + 1)", "f((X+1))"),
        ("X > 3", "(X > 3)"),
        ("X >= 3", "(X >= 3)"),
        ("X < 3", "(X < 3)"),
        ("X <= 3", "(X <= 3)"),
        ("X == Y", "(X == Y)"),
        ("X \\== Y", "(X \\== Y)"),
        ("X = f(Y)", "(X = f(Y))"),
        ("T =.. L", "(T =.. L)"),
        ("a & b", "(a & b)"),
        ("a | b", "(a | b)"),
        ("a & b | c", "((a & b) | c)"),
        ("not b", "not (b)"),
        ("not X > 10", "not ((X > 10))"),
        ("b(10, (vl(X) & not (X > 10)))", "b(10,(vl(X) & not ((X > 10))))"),
    ],
)
def test_operators(text: str, expected: str) -> None:
    assert format_term(parse_term(text)) == expected


# ---- rules, plans, plan bodies ------------------------------------------------------------------------------


def test_rules() -> None:
    program = parse_program("p :- (a & b) | c.\nr(X) :- b(X) & X > 0.\n")
    assert [format_rule(r) for r in program.rules] == ["p :- ((a & b) | c)", "r(X) :- (b(X) & (X > 0))"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+!p(X) : X > 0 <- .print(a).", "+!p(X) : (X > 0) <- .print(a)."),
        (
            "@l1 +!at(X, left(H)) : not b(X) <- go(3, Y); ?at(X, left(H)).",
            "@l1 +!at(X,left(H)) : not (b(X)) <- go(3,Y); ?at(X,left(H)).",
        ),
        ('@t1[atomic] +a : g(10) <- .print("ok 10").', '@t1[atomic] +a : g(10) <- .print("ok 10").'),
        ("+b.", "+b."),
        ("-b(X)[source(S)] : true <- !!g(X); -+c(X); +d; -e.", "-b(X)[source(S)] : true <- !!g(X); -+c(X); +d; -e."),
        ("+!g <- X = 1 + 2; X > 2.", "+!g <- (X = (1+2)); (X > 2)."),
        ("+?q(X) <- X = 1.5.", "+?q(X) <- (X = 1.5)."),
        (
            "+!g <- .add_plan({ +!h : v <- .print(ok) }, self, begin).",
            "+!g <- .add_plan({ +!h : v <- .print(ok) },self,begin).",
        ),
        ("+!g <- .add_plan({ +a(10) }).", "+!g <- .add_plan({ +a(10) })."),
        # control structures are Jason's internal actions, their bodies printed without braces
        ("+!g(X) <- if (X > 3) { .print(a) }.", "+!g(X) <- .if_then_else((X > 3),.print(a))."),
        (
            "+!g(X) <- if (X > 3) { .print(a); !h } else { .print(b) }.",
            "+!g(X) <- .if_then_else((X > 3),.print(a); !h,.print(b)).",
        ),
        (
            "+!g(X) <- if (X > 3) { a } elif (X < 0) { b } else { c }.",
            "+!g(X) <- .if_then_else((X > 3),a,.if_then_else((X < 0),b,c)).",
        ),
        ("+!g <- while (b(X)) { -b(X) }.", "+!g <- .loop(b(X),-b(X))."),
        ("+!g <- for (.member(M, [1, 2])) { .print(M) }.", "+!g <- .foreach(.member(M,[1,2]),.print(M))."),
    ],
)
def test_plans(text: str, expected: str) -> None:
    assert format_plan(parse_plan(text)) == expected


def test_program() -> None:
    program = parse_program("b(1.0).\nr(X) :- b(X).\n!g(2.5).\n+!g(X) <- .print(X, [1.0, 2]).\n")
    assert format_program(program) == "b(1).\nr(X) :- b(X).\n!g(2.5).\n+!g(X) <- .print(X,[1,2]).\n"


# ---- the printing actions ---------------------------------------------------------------------------------------


def test_print_concatenates_its_arguments() -> None:
    assert _printed('.print("a", b, "c", 1, 2.5)') == ["ab c12.5".replace(" ", "")]
    assert _printed('.print("X is ", 3.0, " and L is ", [1, 2.0, "s"])') == ['X is 3 and L is [1,2,"s"]']
    assert _printed('.println("sum: ", 1 + 2)') == ["sum: 3"]
    assert _printed(".print") == [""]
    assert _printed('.print("")') == [""]


def test_print_shows_terms_as_jason() -> None:
    assert _printed('.print(f(a, "b", 7.0)[x, y])') == ['f(a,"b",7)[x,y]']
    assert _printed(".print(~p(1))") == ["~p(1)"]
    assert _printed(".print(X / 3)", "") != []  # a free variable in an expression does not crash
    assert _printed('.print(10 / 4, " ", 10 div 4, " ", 10 mod 4, " ", 2 ** 3)') == ["2.5 2 2 8"]
    assert _printed(".print(1000000 * 1000000)") == ["1000000000000"]
    assert _printed('.print(-7, " ", -1.5)') == ["-7 -1.5"]
    assert _printed(".print(1 / 3)") == ["0.3333333333333333"]
    # the escapes Jason reads in strings, \\n and \\", print as what they stand for
    assert _printed('.print("say \\"hi\\"\\nbye", f("q\\"s"))') == ['say "hi"\nbyef("q"s")']


def test_print_of_a_free_variable() -> None:
    assert _printed(".print(X)") == ["X<no-value>"]
    assert _printed('.print("v: ", f(X))') == ["v: f(X)"]


def test_print_in_plans_and_beliefs() -> None:
    source = """
        price(apple, 10.0).
        price(pear, 5).
        !go.
        +!go <- .findall(P, price(P, _), L); .print(L);
                ?price(apple, A); .print("apple costs ", A);
                +note("about \\"pears\\"", 2.5)[certainty(high)];
                ?note(N, V)[certainty(C)]; .print(N, " ", V, " ", C);
                .term2string(f(1.0, [a, b]), S); .print(S);
                .concat("x", f(a, b), R); .print(R).
    """
    assert _program_prints(source) == [
        "[apple,pear]",
        "apple costs 10",
        'about "pears" 2.5 high',
        "f(1,[a,b])",
        "xf(a,b)",
    ]


def test_print_of_plans_and_rules() -> None:
    source = """
        r(X) :- X > 1 & X < 5.
        @p1 +!g(X) : X > 0 <- .print(X); !h(X + 1).
        +!go <- .relevant_plans({+!g(_)}, [P | _]); .print(P).
        !go.
    """
    (line,) = _program_prints(source)
    assert line.startswith("{ @p1")
    assert "+!g(X) : (X > 0) <- .print(X); !h((X+1)) }" in line


def test_printf() -> None:
    # the values reach Java's String.format as Jason passes them: numbers as doubles
    assert _printed('.printf("%s and %s", 3, 2.5)') == ["3.0 and 2.5"]
    assert _printed('.printf("%s|%s|%s", "str", atom, f(a, b))') == ["str|atom|f(a,b)"]
    assert _printed('.printf("%s", [1, a, "s"])') == ["[1.0, a, s]"]
    assert _printed('.printf("%d items, %.2f", 3, 2.5)') == ["3 items, 2.50"]
    assert _printed('.printf("%b %b", true, false)') == ["true false"]


def test_puts() -> None:
    assert _printed('X = f(a, 1.0); .puts("X is #{X}, sum #{1 + 2}")') == ["X is f(a,1), sum 3"]
    assert _printed('S = "text"; .puts("say #{S}")') == ["say text"]


def test_log_uses_the_same_text() -> None:
    host = RecordingHost()
    out = outcome('.log(info, "value ", f(1.0, [a, b]))', "", host)
    assert out.status == "succeeded"
    assert ("ag", "[info] value f(1,[a,b])") in host.notes


def test_error_messages_show_terms_as_jason() -> None:
    out = outcome("X = 2; X == 3")
    assert out.status == "failed"
    assert "(X == 3) is false" in (out.reason or "") or "(2 == 3)" in (out.reason or "")


def test_namespaces() -> None:
    # a functor qualified by its namespace prints as Jason's ns::functor, negation after the namespace
    assert format_term(Struct("ns1::kk", (30, Struct("j::uu")))) == "ns1::kk(30,j::uu)"
    assert format_term(Struct("~ns::bob", (10,), (Struct("a", (20,)),))) == "ns::~bob(10)[a(20)]"
    assert format_term(Struct("ns::.include", (Struct("kk"),))) == "ns::.include(kk)"
