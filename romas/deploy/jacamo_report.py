"""The report of ``romas import``: every element of a JaCaMo project as converted, converted approximately,
left out, or a problem, and the exit code it leads to."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Final

REPORT_FILE: Final = "README-IMPORT.md"
"""The report written in the output folder (``README*`` files are ignored by ``romas apply``)."""

EXIT_EXACT: Final = 0
EXIT_PROBLEMS: Final = 1
EXIT_USAGE: Final = 2
EXIT_APPROXIMATE: Final = 3


@dataclass(frozen=True)
class Entry:
    """One line of the report: what, what happened to it, and where it is in the project."""

    what: str
    detail: str
    where: str = ""

    def __str__(self) -> str:
        return f"{self.what}: {self.detail}" + (f" ({self.where})" if self.where else "")


@dataclass
class ImportReport:
    """Every element of the project, as converted, converted approximately, left out, or a problem."""

    project: str
    converted: list[Entry] = field(default_factory=list)
    approximate: list[Entry] = field(default_factory=list)
    left_out: list[Entry] = field(default_factory=list)
    problems: list[Entry] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if self.problems:
            return EXIT_PROBLEMS
        return EXIT_APPROXIMATE if self.approximate or self.left_out else EXIT_EXACT

    def sections(self) -> Iterator[tuple[str, str, list[Entry]]]:
        """``(title, short label, entries)`` of each part of the report, the most urgent first."""
        yield "Problems to fix before `romas apply`", "problem", self.problems
        yield "Left out", "left out", self.left_out
        yield "Converted approximately", "approximate", self.approximate
        yield "Converted", "converted", self.converted

    def markdown(self) -> str:
        lines = [
            f"# Imported from the JaCaMo project {self.project}",
            "",
            "Written by `romas import`. Every element of the project is listed below: converted as it is, "
            "converted approximately (check it behaves as you expect), or left out (romas has no place for it). "
            "Problems stop `romas apply` until they are fixed.",
        ]
        for title, _, entries in self.sections():
            lines += ["", f"## {title} ({len(entries)})", ""]
            lines += [f"- **{e.what}**: {e.detail}" + (f" — `{e.where}`" if e.where else "") for e in entries]
            if not entries:
                lines.append("Nothing.")
        return "\n".join(lines) + "\n"

    def summary(self) -> list[str]:
        """What a terminal shows: the counts, then each problem and each thing left out or approximated."""
        counts = ", ".join(f"{len(entries)} {label}" for _, label, entries in self.sections())
        lines = [f"{self.project}: {counts}"]
        for _, label, entries in list(self.sections())[:3]:
            lines += [f"  {label}: {entry}" for entry in entries]
        return lines
