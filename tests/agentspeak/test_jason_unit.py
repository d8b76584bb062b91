"""Jason's own unit tests, run with romas's tester when ``ROMAS_JASON_SRC`` points at a Jason checkout."""

from __future__ import annotations

from pathlib import Path

import pytest

from .jason_unit import jason_dirs, jason_test_files, run_file

pytestmark = pytest.mark.skipif(jason_dirs() is None, reason="ROMAS_JASON_SRC does not point at a Jason checkout")


def _id(path: Path) -> str:
    dirs = jason_dirs()
    return str(path.relative_to(dirs[0])) if dirs else path.name


@pytest.mark.parametrize("path", jason_test_files(), ids=_id)
def test_jason_unit_file(path: Path) -> None:
    result = run_file(path)
    assert result.tests > 0, "no @[test] plan found"
    assert result.failures == []
