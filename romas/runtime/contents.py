"""Message contents parsed once: the term the API parsed when it accepted a message, kept for its delivery.

Why: a client's message is parsed when it is accepted (to refuse content that does not parse) and stored as text;
the runtime then parses that text again to deliver it. Under a stream of messages the second parse is a tenth of
the runtime's work. The API hands over the term it parsed when the stored text is exactly the text it parsed (so
parsing it again could only give the same term); delivery takes it instead of parsing. Only ground structures are
kept, which nothing changes once built, so one term may be delivered to several agents; short texts only, and a
bounded number of them (a message delivered by another process leaves its entry here until it is pushed out).
"""

from __future__ import annotations

from romas.agentspeak import parse_term
from romas.agentspeak.terms import Struct, Term

MAX_TEXT = 256
"""Longer contents are parsed again at delivery (a long text is rare, and each entry is kept in memory)."""
MAX_ENTRIES = 4096


class ContentTerms:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._terms: dict[str, Struct] = {}
        self.max_entries = max_entries

    def __len__(self) -> int:
        return len(self._terms)

    def __contains__(self, text: object) -> bool:
        return text in self._terms

    def remember(self, text: str, term: Term) -> None:
        """``term`` is what ``parse_term(text)`` gives (the caller parsed exactly ``text``)."""
        if type(term) is not Struct or not term.ground or len(text) > MAX_TEXT or text in self._terms:
            return
        if len(self._terms) >= self.max_entries:
            del self._terms[next(iter(self._terms))]  # the oldest
        self._terms[text] = term

    def parsed(self, text: str) -> Struct | None:
        """The term of ``text`` if it was handed over before: then ``text`` parses to it and is its printed form
        (what :meth:`remember` is given), so the API need not parse a content it already accepted once."""
        return self._terms.get(text)

    def term(self, text: str) -> Term:
        """The term of a stored content: the one handed over, or parsed (AgentSpeakSyntaxError if it does not)."""
        found = self._terms.get(text)
        return found if found is not None else parse_term(text)
