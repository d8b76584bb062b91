"""Sets, prefixes, suffixes, sublists, shuffles and emptiness, as Jason answers them."""

from __future__ import annotations

import pytest

from .helpers import fails, t, values


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (".union([c, a, b, a], [d, b], L)", "[a, b, c, d]"),
        (".intersection([c, a, b, a], [d, b, a], L)", "[a, b]"),
        (".difference([c, a, b, a], [d, b], L)", "[a, c]"),
        (".union([], [], L)", "[]"),
        (".findall(P, .prefix(P, [a, b, c]), L)", "[[a, b, c], [a, b], [a], []]"),
        (".findall(S, .suffix(S, [a, b, c]), L)", "[[a, b, c], [b, c], [c], []]"),
        (
            ".findall(S, .sublist(S, [a, b, c]), L)",
            "[[a, b, c], [a, b], [a], [b, c], [b], [c], []]",
        ),
        ('.findall(P, .prefix(P, "ab"), L)', '["ab", "a", ""]'),
        (".shuffle([1, 2, 3, 4], S); .sort(S, L)", "[1, 2, 3, 4]"),
    ],
)
def test_list_results(body: str, expected: str) -> None:
    assert values(body)["L"] == t(expected)


@pytest.mark.parametrize(
    "body",
    [
        ".prefix([a], [a, b, c])",
        ".suffix([c], [a, b, c])",
        '.suffix("c", "abc")',
        ".sublist([b], [a, b, c])",
        ".sublist([b, c], [a, b, c])",
        ".empty([])",
        '.empty("")',
        "not .empty([a])",
        'not .empty("a")',
        "not .prefix([b, c], [a, b, c])",
        "not .suffix([a, b], [a, b, c])",
        "not .sublist([a, c], [a, b, c])",
        "not .sublist([d], [a, b, c])",
    ],
)
def test_list_checks(body: str) -> None:
    assert values(f"if ({body}) {{ X = yes }} else {{ X = no }}")["X"] == t("yes")


def test_wrong_arguments_fail_clearly() -> None:
    assert "expected a list" in fails(".union(a, [b], L)")
    assert "expected a list or a string" in fails(".prefix(X, 3)")
    assert "takes 3 arguments" in fails(".intersection([a], L)")


def test_cutting_a_long_list_into_pieces_is_bounded() -> None:
    from romas.agentspeak.host import Limits

    from ..support import RecordingHost, make_agent, run

    host = RecordingHost()
    ag = make_agent("", host, limits=Limits(max_query_steps=10_000))
    from romas.agentspeak import parse_body

    ag.start_command("c", parse_body(".findall(I, .range(I, 1, 3000), L); .findall(S, .sublist(S, L), R)"))
    run(ag)
    out = host.commands["c"]
    assert out.status == "failed" and "explored too much" in (out.reason or "")
