"""The ``romas`` command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from romas.cli import main, openapi_document
from romas.config import Settings


def test_openapi_check_detects_a_stale_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "openapi.json"
    assert main(["openapi", "--output", str(target), "--check"]) == 1
    assert main(["openapi", "--output", str(target)]) == 0
    assert main(["openapi", "--output", str(target), "--check"]) == 0
    target.write_text(target.read_text() + " ")
    assert main(["openapi", "--output", str(target), "--check"]) == 1
    assert "stale" in capsys.readouterr().err


def test_committed_openapi_file_is_current() -> None:
    committed = Path(__file__).resolve().parents[1] / "openapi" / "openapi.json"
    assert committed.read_text(encoding="utf-8") == openapi_document()


@pytest.mark.anyio
async def test_the_file_is_what_the_server_serves(database_url: str) -> None:
    import json

    from romas.server import create_app

    async with AsyncTestClient(app=create_app(Settings(database_url=database_url))) as client:
        served = (await client.get("/schema/openapi.json")).json()
    assert served == json.loads(openapi_document())
