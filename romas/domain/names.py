"""Resource names double as AgentSpeak atoms, so agents can name each other, artefacts and roles in code."""

from __future__ import annotations

import re

NAME_PATTERN = r"^[a-z][a-zA-Z0-9_]{0,63}$"
_NAME = re.compile(NAME_PATTERN)


def is_name(value: object) -> bool:
    return isinstance(value, str) and _NAME.fullmatch(value) is not None


def name_problem(value: str) -> str | None:
    """Why ``value`` is not a valid name, in words a person can act on; None when it is valid."""
    if not value:
        return "a name cannot be empty"
    if len(value) > 64:
        return f"a name has at most 64 characters, this one has {len(value)}"
    if not ("a" <= value[0] <= "z"):
        return "a name starts with a lowercase letter (names are AgentSpeak atoms)"
    if _NAME.fullmatch(value) is None:
        return "a name holds only letters, digits and underscores"
    return None
