"""What a write does to a revisioned resource, decided from its current state alone.

Every revision is one event: ``<kind>.created`` carries the whole state, ``<kind>.updated`` the fields that
changed, ``<kind>.deleted`` nothing (the state is kept for history), ``<kind>.restored`` the whole state it
went back to. :func:`fold` replays them, which is how a test proves the projections equal the log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

State = dict[str, Any]
Summariser = Callable[[State | None, State, tuple[str, ...]], str]


@dataclass(frozen=True, slots=True)
class Decision:
    event_type: str
    data: dict[str, Any]
    state: State
    summary: str
    changed: tuple[str, ...]
    deleted: bool = False


def changed_fields(old: State | None, new: State) -> tuple[str, ...]:
    if old is None:
        return tuple(sorted(new))
    keys = set(old) | set(new)
    return tuple(sorted(k for k in keys if old.get(k) != new.get(k)))


def default_summary(old: State | None, new: State, changed: tuple[str, ...]) -> str:
    if old is None:
        return "created"
    return "changed " + ", ".join(changed) if changed else "no change"


def decide_put(
    kind: str,
    current: State | None,
    current_deleted: bool,
    desired: State,
    summarise: Summariser = default_summary,
) -> Decision | None:
    """A PUT: create, replace, or nothing at all when the representation is identical."""
    if current is None or current_deleted:
        summary = summarise(None, desired, tuple(sorted(desired)))
        return Decision(f"{kind}.created", {"state": desired}, desired, summary, tuple(sorted(desired)))
    changed = changed_fields(current, desired)
    if not changed:
        return None
    data: dict[str, Any] = {"changes": {k: desired[k] for k in changed if k in desired}}
    removed = [k for k in changed if k not in desired]
    if removed:
        data["removed"] = removed
    return Decision(f"{kind}.updated", data, desired, summarise(current, desired, changed), changed)


def decide_delete(kind: str, current: State) -> Decision:
    return Decision(f"{kind}.deleted", {}, current, "deleted", (), deleted=True)


def decide_restore(
    kind: str,
    current: State,
    current_deleted: bool,
    target: State,
    target_revision: int,
    summarise: Summariser = default_summary,
) -> Decision | None:
    """Go back to an earlier state as a new revision; nothing when it is already the current one."""
    changed = tuple(sorted(target)) if current_deleted else changed_fields(current, target)
    if not changed and not current_deleted:
        return None
    detail = summarise(None if current_deleted else current, target, changed)
    summary = f"restored revision {target_revision}" + (f" ({detail})" if detail and not current_deleted else "")
    data = {"from_revision": target_revision, "state": target}
    return Decision(f"{kind}.restored", data, target, summary, changed)


def fold(events: Iterable[tuple[str, dict[str, Any]]]) -> tuple[State | None, bool]:
    """Replay ``(type, data)`` pairs of one stream into ``(state, deleted)``."""
    state: State | None = None
    deleted = False
    for event_type, data in events:
        action = event_type.rsplit(".", 1)[-1]
        if action in ("created", "restored"):
            state, deleted = dict(data["state"]), False
        elif action == "updated":
            assert state is not None, "an update before a creation"
            state = {**state, **data["changes"]}
            for key in data.get("removed", ()):
                state.pop(key, None)
        elif action == "deleted":
            deleted = True
        else:
            state = apply_custom(state, action, data)
    return state, deleted


def apply_custom(state: State | None, action: str, data: dict[str, Any]) -> State | None:
    """Events that set part of the state directly (artefact properties changed by an operation, ...)."""
    if "changes" in data and state is not None:
        return {**state, **data["changes"]}
    raise ValueError(f"cannot fold an event of kind {action!r}")
