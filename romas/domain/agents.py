"""Agents as stored resources: their state, how changes to them are summarised, and code diffs."""

from __future__ import annotations

import difflib
from typing import Any, Literal

AgentRunState = Literal["running", "stopped"]
AGENT_RUN_STATES: tuple[AgentRunState, ...] = ("running", "stopped")


def agent_state(
    *,
    code: str,
    description: str,
    metadata: dict[str, Any],
    state: AgentRunState,
    code_revision: int,
    endpoint: str | None = None,
    workspaces: list[str] | None = None,
) -> dict[str, Any]:
    """``endpoint`` makes an external agent: romas forwards its messages there instead of running it; the
    workspaces an external agent joined are part of its state (a running agent's are the runtime's)."""
    desired: dict[str, Any] = {
        "code": code,
        "description": description,
        "metadata": metadata,
        "state": state,
        "code_revision": code_revision,
    }
    if endpoint is not None:
        desired["kind"] = "external"
        desired["endpoint"] = endpoint
        if workspaces:
            desired["workspaces"] = sorted(set(workspaces))
    return desired


def code_revision_for(current: dict[str, Any] | None, current_revision: int, deleted: bool, code: str) -> int:
    """The revision whose code an agent runs: unchanged code keeps it, new code is the coming revision."""
    if current is not None and not deleted and current.get("code") == code:
        return int(current["code_revision"])
    return current_revision + 1


def _lines(code: str) -> int:
    return len(code.splitlines())


def _changed_lines(old: str, new: str) -> tuple[int, int]:
    """Lines added and removed, as counted in the unified diff (``difflib.unified_diff(..., n=0)``) of the two
    codes, where an added line starting with ``++`` (``+++`` in the diff) or a removed one starting with ``--``
    was taken for a header and not counted: the counts every recorded summary has, without formatting the diff."""
    a, b = old.splitlines(), new.splitlines()
    region = _changed_region(a, b)
    if region is not None:
        gone, came = region
        added = sum(1 for line in came if not line.startswith("++"))
        return added, sum(1 for line in gone if not line.startswith("--"))
    added = removed = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b).get_opcodes():
        if tag == "equal":
            continue
        if tag != "insert":
            removed += sum(1 for line in a[i1:i2] if not line.startswith("--"))
        if tag != "delete":
            added += sum(1 for line in b[j1:j2] if not line.startswith("++"))
    return added, removed


_FEW = 8
"""At most this many changed lines for :func:`_changed_region` (it looks each one up in the other code)."""
_AUTOJUNK = 200
"""difflib's ``SequenceMatcher`` treats the frequent lines of a code this long as junk: no shortcut there."""


def _changed_region(a: list[str], b: list[str]) -> tuple[list[str], list[str]] | None:
    """The lines of ``a`` and of ``b`` between their common first and last lines, when difflib's ``SequenceMatcher``
    is sure to match every other line (and so ends with one opcode for these): lines replaced by others, none of which
    occurs in the other code (a match must then lie in the common head or tail of each code; the longest is one of
    them as they stand, and the rest follow from it), few of them, no autojunk. None otherwise (the matcher decides).
    A deployment mostly changes one place.

    Why: the summary of every deployment ran the matcher over the whole code, a sixth of the decision's CPU."""
    if len(b) >= _AUTOJUNK:
        return None
    head = 0
    end = min(len(a), len(b))
    while head < end and a[head] == b[head]:
        head += 1
    tail = 0
    end -= head
    while tail < end and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    gone, came = a[head : len(a) - tail], b[head : len(b) - tail]
    if not gone or not came or len(gone) + len(came) > _FEW:
        return None  # lines only added or only removed: a match may span the common head and tail of one code
    if any(line in b for line in gone) or any(line in a for line in came):
        return None
    return gone, came


def agent_summary(old: dict[str, Any] | None, new: dict[str, Any], changed: tuple[str, ...]) -> str:
    if old is None:
        return f"created, {new.get('state', 'running')}, {_lines(new.get('code', ''))} lines of code"
    parts: list[str] = []
    if "code" in changed:
        added, removed = _changed_lines(old.get("code", ""), new.get("code", ""))
        parts.append(f"code +{added} -{removed} lines")
    if "state" in changed:
        parts.append(f"{old.get('state')} -> {new.get('state')}")
    if "stopped_reason" in changed and new.get("stopped_reason"):
        parts.append(str(new["stopped_reason"]))
    parts.extend(f"{name} changed" for name in ("description", "metadata") if name in changed)
    return "; ".join(parts) or "no change"


def code_diff(old: str, new: str, *, name: str, old_revision: int, new_revision: int) -> str:
    """A unified diff a person (or ``patch``) can read."""
    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        fromfile=f"a/{name}.asl@{old_revision}",
        tofile=f"b/{name}.asl@{new_revision}",
    )
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)
