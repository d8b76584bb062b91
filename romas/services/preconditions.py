"""Conditional writes (RFC 9110 §13) checked inside the write transaction, against the locked current row."""

from __future__ import annotations

from dataclasses import dataclass

from romas.domain.errors import PreconditionFailed, PreconditionRequired


@dataclass(frozen=True, slots=True)
class Preconditions:
    """What the client asserted about the resource's current revision."""

    if_match: tuple[int, ...] | None = None
    """Revisions the client accepts; None when no If-Match was sent."""
    if_match_any: bool = False
    if_none_match: tuple[int, ...] | None = None
    if_none_match_any: bool = False
    required: bool = False
    """True when the server is configured to refuse unconditional changes of existing resources."""

    def check(self, current_revision: int | None, exists: bool) -> None:
        """``current_revision`` counts a deletion as a revision; ``exists`` is False when absent or deleted."""
        if self.if_match_any and not exists:
            raise PreconditionFailed("If-Match: * but the resource does not exist")
        if self.if_match is not None and current_revision not in self.if_match:
            have = "no revision" if current_revision is None else f"revision {current_revision}"
            wanted = ", ".join(str(r) for r in self.if_match) or "none"
            raise PreconditionFailed(f"If-Match asked for revision {wanted} but the resource is at {have}")
        if self.if_none_match_any and exists:
            raise PreconditionFailed(f"If-None-Match: * but the resource exists (revision {current_revision})")
        if self.if_none_match is not None and exists and current_revision in self.if_none_match:
            raise PreconditionFailed(f"If-None-Match names the current revision {current_revision}")
        if self.required and exists and self.if_match is None and not self.if_match_any:
            raise PreconditionRequired("this server requires If-Match when changing an existing resource")


NONE = Preconditions()
