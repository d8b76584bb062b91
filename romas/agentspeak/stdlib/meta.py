"""Printing, logging and identity: ``.print``, ``.printf``, ``.log``, ``.my_name``, ``.version`` ...; and the
host's files, which agent code never reaches."""

from __future__ import annotations

import re

from romas.agentspeak.beliefs import Failure
from romas.agentspeak.diagnostics import AgentSpeakSyntaxError
from romas.agentspeak.parser import parse_term
from romas.agentspeak.printer import format_term, java_double
from romas.agentspeak.stdlib.core import (
    STDLIB,
    Call,
    IAResult,
    _bad,
    internal,
    text_of,
)
from romas.agentspeak.terms import FALSE, TRUE, Struct, Term, Var
from romas.agentspeak.unify import EvalError, resolve

# ---- printing and identity -------------------------------------------------------------------------------------


def printed(args: tuple[Term, ...]) -> str:
    """What Jason's ``.print`` shows for its arguments: their texts one after the other, strings without
    quotes, other terms as Jason prints them, a free variable as its name followed by ``<no-value>``."""
    out: list[str] = []
    for a in args:
        ta = type(a)
        if ta is str:
            out.append(a)  # type: ignore[arg-type]
        elif ta is Var:
            out.append(format_term(a) + "<no-value>")
        else:
            out.append(format_term(a))
    return "".join(out)


@internal(".print")
def _print(c: Call) -> IAResult:
    ag = c.agent
    tag = None
    it = c.intention
    if it is not None and it.origin_kind == "cmd":
        tag = it.origin
    ag.host.print(ag.name, printed(c.args), tag)
    return True


STDLIB[".println"] = _print


@internal(".my_name")
def _my_name(c: Call) -> IAResult:
    c.arity(1)
    return c.unify(c.args[0], Struct(c.agent.name))


# ---- logging, formatted printing and the interpreter itself ------------------------------------------------------

JASON_VERSION = "3.3.2"
"""The Jason version whose language and standard library romas follows (answered by ``.version``)."""

_LOG_LEVELS = frozenset(("severe", "warning", "info", "config", "fine", "finer", "finest"))


@internal(".log")
def _log(c: Call) -> IAResult:
    if not c.args:
        raise _bad(c, "takes a level and what to log")
    level = c.args[0]
    if type(level) is not Struct or level.functor not in _LOG_LEVELS:
        raise _bad(c, f"unknown level {format_term(level)}")
    c.agent.host.log(c.agent.name, f"[{level.functor}] " + printed(c.args[1:]))
    return True


def _printf_value(t: Term) -> object:
    """The Java value Jason hands to ``String.format``: numbers as doubles, strings without quotes, ``true``
    and ``false`` as booleans, lists as Java lists, anything else as Jason prints it."""
    tt = type(t)
    if tt is int or tt is float:
        return float(t) if tt is int and abs(t) < 2**53 else t  # type: ignore[arg-type]
    if tt is str:
        return t
    if t == TRUE:
        return True
    if t == FALSE:
        return False
    if tt is tuple:
        return [_printf_value(x) for x in t]  # type: ignore[union-attr]
    return format_term(t)


def _java_text(v: object) -> str:
    """``String.valueOf`` of such a value (``%s``): ``3.0``, ``[a, 1.0, x]``, ``true``."""
    if type(v) is float:
        return java_double(v)
    if type(v) is bool:
        return "true" if v else "false"
    if type(v) is list:
        return "[" + ", ".join(_java_text(x) for x in v) + "]"
    return str(v)


def formatted(c: Call, fmt: Term, values: tuple[Term, ...]) -> str:
    """Java's ``String.format`` subset Jason programs use: ``%s %d %f %e %x %%`` with flags, width and
    precision, and ``%n`` for a new line."""
    if type(fmt) is not str:
        raise _bad(c, f"the format must be a string, not {format_term(fmt)}")
    args = [_printf_value(v) for v in values]
    out: list[str] = []
    pos = 0
    k = 0
    for m in _SPEC.finditer(fmt):
        out.append(fmt[pos : m.start()])
        pos = m.end()
        conv = m.group(2)
        if conv == "%":
            out.append("%")
            continue
        if conv == "n":
            out.append("\n")
            continue
        if k >= len(args):
            raise _bad(c, f"the format {fmt!r} needs more values than the {len(args)} given")
        value = args[k]
        k += 1
        spec = "%" + m.group(1)
        try:
            if conv in "dx":
                if type(value) is float and value.is_integer():
                    value = int(value)
                out.append((spec + conv) % value)
            elif conv in "feEgG":
                out.append((spec + conv) % float(value))  # type: ignore[arg-type]
            elif conv in "bB":
                text = "false" if value is None or value is False else "true"
                out.append((spec + "s") % (text.upper() if conv == "B" else text))
            else:  # s, S
                text = _java_text(value)
                out.append((spec + "s") % (text.upper() if conv == "S" else text))
        except (TypeError, ValueError) as e:
            raise _bad(c, f"cannot format {value!r} with %{m.group(1)}{conv}: {e}") from None
    out.append(fmt[pos:])
    return "".join(out)


_SPEC = re.compile(r"%([-#+ 0,(]*\d*(?:\.\d+)?)([sSdfxeEgGbBn%])")


def _say(c: Call, text: str) -> None:
    it = c.intention
    tag = it.origin if it is not None and it.origin_kind == "cmd" else None
    c.agent.host.print(c.agent.name, text, tag)


@internal(".printf")
def _printf(c: Call) -> IAResult:
    if not c.args:
        raise _bad(c, "takes a format and values")
    _say(c, formatted(c, c.args[0], c.args[1:]))
    return True


_INTERPOLATION = re.compile(r"#\{([^}]*)\}")


@internal(".puts")
def _puts(c: Call) -> IAResult:
    """``.puts("X is #{X}"[, Out])``: ``#{...}`` replaced by the value of the expression inside."""
    c.arity(1, 2)
    template = c.args[0]
    if type(template) is not str:
        raise _bad(c, f"expected a string, got {format_term(template)}")

    def value(m: re.Match[str]) -> str:
        try:
            expr = parse_term(m.group(1))
        except AgentSpeakSyntaxError as e:
            raise _bad(c, f"#{{{m.group(1)}}} is not a term: {e}") from None
        try:
            return text_of(resolve(expr, c.env))
        except EvalError as e:
            raise _bad(c, f"#{{{m.group(1)}}}: {e}") from None

    text = _INTERPOLATION.sub(value, template)
    if len(c.args) == 2:
        return c.unify(c.args[1], text)
    _say(c, text)
    return True


@internal(".print_unifier")
def _print_unifier(c: Call) -> IAResult:
    c.arity(0)
    # as Jason: one line ``X=value`` a variable, then ``done``
    for name in sorted(c.env):
        if not Var(name).anonymous and not name.startswith("_"):
            _say(c, f"{name}={format_term(resolve(Var(name), c.env))}")
    _say(c, "done")
    return True


@internal(".verbose")
def _verbose(c: Call) -> IAResult:
    c.arity(1)
    if c.args[0] not in (0, 1, 2):
        raise _bad(c, "the level is 0, 1 or 2")
    return True  # what is logged is the host's choice


@internal(".version")
def _version(c: Call) -> IAResult:
    c.arity(1)
    return c.unify(c.args[0], JASON_VERSION)


@internal(".perceive")
def _perceive(c: Call) -> IAResult:
    c.arity(0)
    return True  # percepts reach romas agents as soon as the environment changes


# ---- the host's files: never reachable from agent code -------------------------------------------------------


def _no_files(c: Call) -> IAResult:
    raise Failure(
        f"{c.term.functor}: agents cannot read or write the server's files (only the files of their agent set "
        "are available, through include directives)",
        "ia_failed",
    )


for _name in (".list_files", ".save_agent", ".get_src_info"):
    STDLIB[_name] = _no_files
