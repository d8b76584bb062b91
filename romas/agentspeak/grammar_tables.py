"""The LALR(1) automaton that lark builds from ``grammar.lark``, kept as data in ``grammar_tables.json``.

Building it costs each process that parses AgentSpeak (every server, test worker and command) a tenth of a
second of CPU; reading the file costs a few milliseconds. The file names the grammar it was built from, so a
changed grammar is never parsed with old tables: they are built again until the file is rewritten with
``python -c "from romas.agentspeak.grammar_tables import write; write()"`` (a test says when).
"""

from __future__ import annotations

import hashlib
import json
from collections import deque
from importlib import resources
from pathlib import Path
from typing import Any

TABLES = resources.files("romas.agentspeak").joinpath("grammar_tables.json")


def digest(grammar: str) -> str:
    return hashlib.sha256(grammar.encode("utf-8")).hexdigest()


def build_tables(grammar: str, start: list[str]) -> dict[str, Any]:
    """The automaton as plain data: in each state, a shift or goto is a state number and a reduce is
    ``-1 - rule``; a rule is ``[origin, length, alias, expand1, expansion]``; a terminal is
    ``[name, literal or pattern, regular expression]``.

    lark numbers states in an order that changes with string hashing; here they are numbered breadth-first
    from the start states, symbols in order, so the same grammar always gives the same file."""
    from lark import Lark

    lark = Lark(grammar, parser="lalr", start=start, maybe_placeholders=False)
    table = lark.parser.parser._parse_table
    number: dict[int, int] = {}
    queue: deque[int] = deque()

    def visit(state: int) -> int:
        if state not in number:
            number[state] = len(number)
            queue.append(state)
        return number[state]

    start_states = {name: visit(table.start_states[name]) for name in sorted(table.start_states)}
    rule_ids: dict[Any, int] = {}
    rules: list[list[Any]] = []
    states: list[dict[str, int]] = []
    while queue:
        row: dict[str, int] = {}
        states.append(row)
        acts = table.states[queue.popleft()]
        for sym in sorted(acts, key=str):
            action, arg = acts[sym]
            if action.name == "Shift":
                row[str(sym)] = visit(arg)
                continue
            if arg not in rule_ids:
                rule_ids[arg] = len(rules)
                expansion = [str(part.name) for part in arg.expansion]
                alias = str(arg.alias) if arg.alias else None
                rules.append([str(arg.origin.name), len(expansion), alias, bool(arg.options.expand1), expansion])
            row[str(sym)] = -1 - rule_ids[arg]
    return {
        "grammar": digest(grammar),
        "start_states": start_states,
        "end_states": {name: number[table.end_states[name]] for name in sorted(table.end_states)},
        "states": states,
        "rules": rules,
        "terminals": sorted([t.name, t.pattern.value, t.pattern.to_regexp()] for t in lark.terminals),
    }


def load_tables(grammar: str, start: list[str]) -> dict[str, Any]:
    """The tables of ``grammar``: read from the file when it holds them, otherwise built."""
    try:
        tables: dict[str, Any] = json.loads(TABLES.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return build_tables(grammar, start)
    if tables.get("grammar") != digest(grammar) or sorted(tables.get("start_states", ())) != sorted(start):
        return build_tables(grammar, start)
    return tables


def render(tables: dict[str, Any]) -> str:
    return json.dumps(tables, separators=(",", ":")) + "\n"


def write() -> Path:
    """Rewrite ``grammar_tables.json`` from ``grammar.lark`` (after changing the grammar)."""
    from romas.agentspeak.parser import _GRAMMAR, _START_SYMBOLS

    target = Path(__file__).with_name("grammar_tables.json")
    target.write_text(render(build_tables(_GRAMMAR, _START_SYMBOLS)), encoding="utf-8")
    return target
