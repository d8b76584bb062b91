"""Printing, logging, the interpreter's identity, and the host's files (never reachable)."""

from __future__ import annotations

from ..support import RecordingHost
from .helpers import outcome, values


def _printed(body: str, source: str = "") -> list[str]:
    host = RecordingHost()
    out = outcome(body, source, host)
    assert out.status == "succeeded", out.reason
    return host.texts()


def test_printf() -> None:
    assert _printf('"Value %08.0f%n", 461012') == "Value 00461012\n"
    assert _printf('"Value %10.3f", 3.14159') == "Value      3.142"
    assert _printf('"%s and %s, 100%%", a, "b"') == "a and b, 100%"
    assert _printf('"%d items", 3') == "3 items"


def _printf(args: str) -> str:
    return _printed(f".printf({args})")[0]


def test_printf_with_too_few_values_fails() -> None:
    out = outcome('.printf("%s %s", a)')
    assert out.status == "failed" and "needs more values" in (out.reason or "")


def test_puts() -> None:
    assert _printed('A = 2; .puts("A is #{A}, next #{A + 1}")') == ["A is 2, next 3"]
    assert values('A = x; .puts("got #{A}", S)')["S"] == "got x"


def test_log_goes_to_the_host_log() -> None:
    host = RecordingHost()
    assert outcome('.log(info, "n=", 3)', "", host).status == "succeeded"
    assert ("ag", "[info] n=3") in host.notes
    assert outcome(".log(loud, x)").status == "failed"


def test_print_unifier_version_verbose_perceive() -> None:
    assert _printed("X = 1; Y = b; .print_unifier") == ["X=1", "Y=b", "done"]
    assert values(".version(V)")["V"] == "3.3.2"
    assert outcome(".verbose(2); .perceive").status == "succeeded"


def test_files_are_refused_and_the_failure_can_be_caught() -> None:
    source = '+!g <- .list_files(".", L).\n-!g[error_msg(M)] <- +why(M).'
    got = values("!g; ?why(M)", source)
    assert "cannot read or write the server's files" in got["M"]  # type: ignore[operator]
    for action in ('.save_agent("/tmp/x.asl")', '.include("/etc/passwd")'):
        assert outcome(action).status == "failed"
