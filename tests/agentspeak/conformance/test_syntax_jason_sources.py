"""Every agent file of a Jason checkout (its unit tests, demos and examples) parses, with the files of its
folder (and Jason's test include folder) as its agent set. Runs when ``ROMAS_JASON_SRC`` points at a
checkout of jason-lang/jason; skipped otherwise (CI has no network). The only file refused is the demo of
a directive written in Java (``demos/directives/b.asl``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from romas.agentspeak import AgentFiles, check_source

ROOT = Path(os.environ.get("ROMAS_JASON_SRC", "/nonexistent"))
FOLDERS = ("jason-interpreter/src/test/jason", "demos", "examples")
JAVA_DIRECTIVES = {"demos/directives/b.asl"}


def _files() -> list[Path]:
    if not (ROOT / "jason-interpreter").is_dir():
        return []
    return sorted(p for f in FOLDERS for p in (ROOT / f).rglob("*.asl"))


def _agent_set(path: Path) -> AgentFiles:
    files = {
        p.relative_to(path.parent).as_posix(): p.read_text(encoding="utf-8", errors="replace")
        for p in path.parent.rglob("*.asl")
    }
    inc = ROOT / "jason-interpreter/src/test/jason/inc"
    if inc in path.parents or (ROOT / "jason-interpreter/src/test/jason") in path.parents:
        for p in inc.glob("*.asl"):
            text = p.read_text(encoding="utf-8")
            files.setdefault(p.name, text)
            files.setdefault(f"$jasonJar/test/jason/inc/{p.name}", text)
    return AgentFiles(files)


@pytest.mark.skipif(not _files(), reason="ROMAS_JASON_SRC does not point at a Jason checkout")
def test_every_jason_agent_file_parses() -> None:
    failures = []
    for path in _files():
        rel = path.relative_to(ROOT).as_posix()
        diags = check_source(path.read_text(encoding="utf-8", errors="replace"), _agent_set(path), path.name)
        if diags and rel not in JAVA_DIRECTIVES:
            failures.append(f"{rel}: {diags[0]}")
    assert failures == []
    assert len(_files()) > 150
