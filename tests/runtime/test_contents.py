"""Message contents parsed once: the accepted message's term is delivered as parsed, and only terms nothing changes
are kept, within bounds."""

from __future__ import annotations

import pytest

from romas.agentspeak import AgentSpeakSyntaxError, parse_term
from romas.runtime.contents import MAX_TEXT, ContentTerms


def test_a_remembered_term_is_delivered_as_parsed() -> None:
    contents = ContentTerms()
    term = parse_term("ping(3)[note(x)]")
    contents.remember("ping(3)[note(x)]", term)
    assert contents.term("ping(3)[note(x)]") is term
    assert contents.term("ping(4)") == parse_term("ping(4)")  # not handed over: parsed
    with pytest.raises(AgentSpeakSyntaxError):
        contents.term("ping(")


def test_only_short_ground_structures_are_kept() -> None:
    contents = ContentTerms()
    for text in ("price(X)", "[1, 2]", '"text"', "42"):
        contents.remember(text, parse_term(text))
    long = f"note({'a' * MAX_TEXT})"
    contents.remember(long, parse_term(long))
    assert len(contents) == 0
    assert contents.term("price(X)") == parse_term("price(X)")


def test_the_oldest_entries_go_first() -> None:
    contents = ContentTerms(max_entries=3)
    terms = {f"n({i})": parse_term(f"n({i})") for i in range(5)}
    for text, term in terms.items():
        contents.remember(text, term)
    assert len(contents) == 3
    assert contents.term("n(0)") is not terms["n(0)"] and contents.term("n(0)") == terms["n(0)"]
    assert all(contents.term(f"n({i})") is terms[f"n({i})"] for i in (2, 3, 4))


def test_a_content_handed_over_before_is_known_parsed() -> None:
    contents = ContentTerms()
    assert contents.parsed("inc") is None
    term = parse_term("inc")
    contents.remember("inc", term)
    assert contents.parsed("inc") is term
    assert contents.parsed("inc ") is None, "only the exact text handed over"
