"""Diagnostics: what is wrong with a piece of AgentSpeak, where, in words a person understands."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem in a source text; ``line`` and ``column`` are 1-based."""

    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.message}"


class AgentSpeakSyntaxError(ValueError):
    """Raised when source code does not parse; ``diagnostics`` lists every problem found, in order."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        first = diagnostics[0] if diagnostics else Diagnostic(1, 1, "invalid AgentSpeak")
        more = f" (and {len(diagnostics) - 1} more)" if len(diagnostics) > 1 else ""
        super().__init__(f"line {first.line}, column {first.column}: {first.message}{more}")
