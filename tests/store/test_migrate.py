"""The newest revision a server expects, read without Alembic, is the one Alembic reads."""

from __future__ import annotations

from pathlib import Path

from romas.store.migrate import _alembic_head, _single_head, head_revision, migrations_dir


def test_the_head_read_from_the_scripts_is_alembics() -> None:
    assert head_revision() == _alembic_head() == _single_head(migrations_dir() / "versions")


def _script(folder: Path, revision: str, parent: str | None, *, annotated: bool = True) -> None:
    kind = ": str | None" if annotated else ""
    text = f'revision{kind} = "{revision}"\ndown_revision{kind} = {parent!r}\n'
    (folder / f"{revision}_step.py").write_text(text, encoding="utf-8")


def test_anything_but_one_line_of_revisions_is_left_to_alembic(tmp_path: Path) -> None:
    _script(tmp_path, "a", None)
    _script(tmp_path, "b", "a", annotated=False)
    assert _single_head(tmp_path) == "b"
    _script(tmp_path, "c", "a")  # a branch: two heads
    assert _single_head(tmp_path) is None
    (tmp_path / "c_step.py").write_text('revision = "c"\ndown_revision = ("a", "b")\n', encoding="utf-8")
    assert _single_head(tmp_path) is None  # a merge
    (tmp_path / "c_step.py").write_text('revision = name()\ndown_revision = "b"\n', encoding="utf-8")
    assert _single_head(tmp_path) is None  # a computed name
    assert _single_head(tmp_path / "missing") is None
