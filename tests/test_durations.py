"""The recorded durations that order the tests: read from a JUnit report, kept only for the long ones."""

from __future__ import annotations

from pathlib import Path

from tests import durations

REPORT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest">
<testcase classname="tests.e2e.test_serve" name="test_data_survives_a_restart[sqlite]" time="15.51"/>
<testcase classname="tests.domain.test_goal_tree" name="test_a_sequence" time="0.02"/>
<testcase classname="tests.test_wheel" name="test_the_wheel_installs" time="65.88"/>
</testsuite></testsuites>
"""


def test_a_junit_report_gives_the_long_tests_by_id(tmp_path: Path) -> None:
    report = tmp_path / "junit.xml"
    report.write_text(REPORT, encoding="utf-8")
    assert durations.from_junit(report) == {
        "tests/e2e/test_serve.py::test_data_survives_a_restart[sqlite]": 15.5,
        "tests/test_wheel.py::test_the_wheel_installs": 65.9,
    }


def test_a_missing_or_broken_record_orders_by_markers_only(tmp_path: Path) -> None:
    assert durations.load(tmp_path / "absent.json") == {}
    broken = tmp_path / "broken.json"
    broken.write_text("[1, 2", encoding="utf-8")
    assert durations.load(broken) == {}
