"""Jason's own unit tests, run with romas's tester when ``ROMAS_JASON_SRC`` points at a Jason checkout."""

from __future__ import annotations

from pathlib import Path

import pytest

from .jason_unit import jason_dirs, jason_test_files, run_file

pytestmark = pytest.mark.skipif(jason_dirs() is None, reason="ROMAS_JASON_SRC does not point at a Jason checkout")

# Files that cannot pass by design: agents may not read the server's files.
_LIST_FILES_REFUSAL = ".list_files: agents cannot read or write the server's files"


class RefusedByDesign(Exception):
    """The file failed exactly as designed (the expected refusal), so its strict xfail holds."""


_XFAIL = {
    "stdlib/list_files.asl": "agents may not read the server's files: .list_files fails with a catchable refusal",
}


def _id(path: Path) -> str:
    dirs = jason_dirs()
    return str(path.relative_to(dirs[0])) if dirs else path.name


def _params() -> list[object]:
    params: list[object] = []
    for path in jason_test_files():
        reason = _XFAIL.get(_id(path))
        marks = [pytest.mark.xfail(strict=True, raises=RefusedByDesign, reason=reason)] if reason else []
        params.append(pytest.param(path, id=_id(path), marks=marks))
    return params


@pytest.mark.parametrize("path", _params())
def test_jason_unit_file(path: Path) -> None:
    result = run_file(path)
    if result.tests == 0:
        pytest.skip("no @[test] plan in this file (Jason leaves it without tests too)")
    if _id(path) == "stdlib/list_files.asl":
        # The only failure must be the refusal, raised as a plan failure the tester catches.
        # Any other outcome raises AssertionError, which the xfail (raises=RefusedByDesign) does not accept.
        assert len(result.failures) == 1 and _LIST_FILES_REFUSAL in result.failures[0], result.failures
        raise RefusedByDesign(result.failures[0])
    assert result.failures == []
