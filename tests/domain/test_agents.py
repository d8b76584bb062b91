"""How changes to agents are summarised."""

from __future__ import annotations

import difflib

from hypothesis import given, settings
from hypothesis import strategies as st

from romas.domain.agents import agent_summary


def unified_diff_counts(old: str, new: str) -> tuple[int, int]:
    """The lines added and removed as the summary always counted them: in the text of a unified diff."""
    added = removed = 0
    for line in difflib.unified_diff(old.splitlines(), new.splitlines(), n=0):
        if line.startswith("+") and not line.startswith("+++"):
            added += 1
        elif line.startswith("-") and not line.startswith("---"):
            removed += 1
    return added, removed


LINES = st.sampled_from(["", "a.", "b.", "+!g <- .print(x).", "++b", "--b", "+++x", "---y", "  -c", "// c", "+", "-"])


@settings(max_examples=300, deadline=None)
@given(st.lists(LINES, max_size=30), st.lists(LINES, max_size=30))
def test_code_changes_are_counted_as_in_a_unified_diff(old: list[str], new: list[str]) -> None:
    a, b = "\n".join(old), "\n".join(new)
    added, removed = unified_diff_counts(a, b)
    assert agent_summary({"code": a}, {"code": b}, ("code",)) == f"code +{added} -{removed} lines"


def test_summaries() -> None:
    assert agent_summary(None, {"code": "a.\nb.\n", "state": "stopped"}, ()) == "created, stopped, 2 lines of code"
    old = {"code": "a.\nb.\n++c\n", "state": "running"}
    new = {"code": "a.\n--b\n++d\n", "state": "stopped", "stopped_reason": "asked"}
    assert agent_summary(old, new, ("code", "state", "stopped_reason", "description")) == (
        "code +1 -2 lines; running -> stopped; asked; description changed"
    )
    assert agent_summary(old, old, ()) == "no change"


@settings(max_examples=500, deadline=None)
@given(
    st.lists(LINES, max_size=40),
    st.integers(min_value=0, max_value=40),
    st.integers(min_value=0, max_value=4),
    st.lists(LINES, max_size=4),
)
def test_a_change_in_one_place_is_counted_as_in_a_unified_diff(
    old: list[str], at: int, cut: int, inserted: list[str]
) -> None:
    """Deployments mostly change one place of a code, which the summary counts without difflib's matcher when it
    can: the counts stay difflib's."""
    new = [*old[:at], *inserted, *old[at + cut :]]
    for first, second in ((old, new), (new, old), (old, [*new, "// deployment 2"]), ([*old, "// 1"], [*old, "// 2"])):
        a, b = "\n".join(first), "\n".join(second)
        added, removed = unified_diff_counts(a, b)
        assert agent_summary({"code": a}, {"code": b}, ("code",)) == f"code +{added} -{removed} lines"
