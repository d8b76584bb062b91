"""romas installs from its wheel alone: a fresh venv, another folder, a fresh SQLite file, and it serves.

uv builds the wheel, makes the venv and installs into it: the same isolated setuptools build, the same wheel and the
same dependencies from the index as pip, in a few seconds of CPU instead of half a minute (pip's venv bootstraps pip
itself, and pip byte-compiles every dependency, most of which ``romas serve`` never imports)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.e2e.server import ServerProcess, free_port, wait_healthy

pytestmark = [pytest.mark.slow, pytest.mark.e2e]
ROOT = Path(__file__).resolve().parents[1]
UV = str(Path(sys.executable).with_name("uv"))
BUILD_WARNING = re.compile(r"Setuptools\w*Warning|DeprecationWarning|[Ww]arning: (?!.*byte-compil)")


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    return output


def test_the_wheel_installs_and_serves_from_another_folder(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "ROMAS_"))}
    wheels = tmp_path / "wheels"
    # -v shows the build backend's own output, where setuptools prints its warnings.
    built = _run([UV, "build", "-v", "--wheel", "--out-dir", str(wheels), str(ROOT)], tmp_path, env)
    build_warnings = [
        line for line in built.splitlines() if BUILD_WARNING.search(line) and "WARNING: Location" not in line
    ]
    assert build_warnings == []
    (wheel,) = wheels.glob("romas-*.whl")

    venv = tmp_path / "venv"
    _run([UV, "venv", "--quiet", "--no-python-downloads", "--python", sys.executable, str(venv)], tmp_path, env)
    python = venv / "bin" / "python"
    installed = _run([UV, "pip", "install", "--quiet", "--python", str(python), str(wheel)], tmp_path, env)
    assert "warning" not in "\n".join(
        line for line in installed.lower().splitlines() if "location" not in line and "pip version" not in line
    ), installed

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    located = _run([str(python), "-c", "import romas; print(romas.__file__)"], elsewhere, env)
    assert str(venv) in located and str(ROOT) not in located

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = elsewhere / "serve.log"
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [str(venv / "bin" / "romas"), "serve", "--port", str(port), "--database-url", "sqlite:///./fresh.db"],
            cwd=elsewhere,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_healthy(ServerProcess(server, url, log), timeout=120)
        ready = httpx.get(f"{url}/ready").json()
        assert ready == {"status": "ok", "database": "ok", "schema_revision": "current", "export": None}, ready
        assert (elsewhere / "fresh.db").is_file()
        assert httpx.put(f"{url}/agents/alice", json={"code": "+!go <- .print(hi)."}).status_code == 201
        for asset in ("/schema", "/schema/assets/scalar/standalone.js", "/schema/assets/redoc/redoc.standalone.js"):
            assert httpx.get(f"{url}{asset}").status_code == 200, asset
    finally:
        server.terminate()
        server.wait(timeout=30)
