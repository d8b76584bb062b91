"""The parser's automaton read from ``grammar_tables.json`` is the one lark builds from ``grammar.lark``."""

from __future__ import annotations

from romas.agentspeak import parser
from romas.agentspeak.grammar_tables import TABLES, build_tables, load_tables, render


def test_the_kept_tables_are_those_of_the_grammar() -> None:
    built = render(build_tables(parser._GRAMMAR, parser._START_SYMBOLS))
    assert TABLES.read_text(encoding="utf-8") == built, (
        "grammar_tables.json is stale: run "
        'python -c "from romas.agentspeak.grammar_tables import write; write()" and commit it'
    )


def test_a_changed_grammar_is_not_parsed_with_old_tables() -> None:
    grammar = parser._GRAMMAR.replace('"while"', '"whilst"')
    assert grammar != parser._GRAMMAR
    tables = load_tables(grammar, parser._START_SYMBOLS)
    assert tables == build_tables(grammar, parser._START_SYMBOLS)
    assert any(text == "whilst" for _, text, _ in tables["terminals"])
