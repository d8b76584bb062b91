"""How long each test took in a recorded run, so parallel workers start the longest ones first.

A long test that starts last runs alone at the end while the other workers idle; started first, it runs while the
others work through the short ones. ``durations.json`` holds the tests that took a second or more (setup and
teardown included); refresh it from a JUnit report of a whole run::

    .venv/bin/pytest -n auto --dist worksteal --junitxml=junit.xml
    .venv/bin/python -m tests.durations junit.xml
"""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

RECORD = Path(__file__).with_name("durations.json")
# Tests that took less than this are left out: their order does not matter.
THRESHOLD_S = 1.0


def load(path: Path = RECORD) -> dict[str, float]:
    """The recorded seconds by test id; empty when there is no record (then only the markers order tests)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): float(v) for k, v in data.items() if isinstance(v, int | float)}


def from_junit(report: Path) -> dict[str, float]:
    """Test ids (``tests/x/test_y.py::test_z[param]``) and their total seconds in a pytest JUnit report."""
    durations: dict[str, float] = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        module, name = case.get("classname", ""), case.get("name", "")
        seconds = float(case.get("time") or 0)
        if not module or not name or seconds < THRESHOLD_S:
            continue
        durations[module.replace(".", "/") + ".py::" + name] = round(seconds, 1)
    return durations


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tests.durations JUNIT_XML", file=sys.stderr)
        return 2
    durations = from_junit(Path(argv[0]))
    ordered = dict(sorted(durations.items(), key=lambda item: (-item[1], item[0])))
    RECORD.write_text(json.dumps(ordered, indent=0, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{RECORD}: {len(ordered)} tests of {THRESHOLD_S} s or more")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
