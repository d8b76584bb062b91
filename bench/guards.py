"""What the guards against oversized answers and deep bodies cost, each against what it replaces.

* ``mind``: one page of 1000 beliefs of an agent holding N beliefs, at its start and at its end, against the
  whole mind in one answer (what ``GET /agents/{a}/mind`` built before it paged).
* ``nesting``: the check that a JSON body nests at most 100 levels, against decoding that body with msgspec
  (the work every JSON request already does).

Run with ``.venv/bin/python -m bench.guards [--beliefs N]``; it prints times, sizes and ratios.
"""

from __future__ import annotations

import argparse
import io
import json
import time
from collections.abc import Callable

import msgspec

from romas.agentspeak.agent import Agent
from romas.agentspeak.localrun import LocalHost
from romas.agentspeak.parser import parse_program
from romas.agentspeak.terms import Struct, source_of
from romas.api.nesting import too_deep


def _timed(work: Callable[[], object], repeat: int = 1) -> tuple[float, object]:
    started = time.perf_counter()
    result: object = None
    for _ in range(repeat):
        result = work()
    return (time.perf_counter() - started) / repeat, result


def mind(beliefs: int) -> None:
    agent = Agent("big", parse_program(""), LocalHost(io.StringIO(), io.StringIO(), True, 0))
    source = (source_of("self"),)
    for i in range(beliefs):
        agent.beliefs.add(Struct("item", (i, f"payload number {i}")), source)
    whole_s, whole = _timed(lambda: msgspec.json.encode(agent.mind()))
    assert isinstance(whole, bytes)
    print(f"mind of {beliefs:,} beliefs in one answer: {whole_s:.2f} s, {len(whole) / 1e6:.1f} MB")
    for offset in (0, beliefs - 1000):
        page_s, page = _timed(
            lambda offset=offset: msgspec.json.encode(agent.mind(belief_offset=offset, belief_limit=1000)), 5
        )
        assert isinstance(page, bytes)
        print(
            f"  page of 1000 at {offset:,}: {page_s * 1e3:.1f} ms, {len(page) / 1e3:.0f} kB "
            f"(time ratio page/whole {page_s / whole_s:.4f}, size ratio {len(page) / len(whole):.4f})"
        )


def nesting() -> None:
    bodies = {
        "an agent PUT": {"code": "+!g <- .print(x).\n" * 5, "metadata": {"team": ["a", "b"]}},
        "a deployment of 300 agents, 400 artefacts": {
            "manifest": {
                "agents": {
                    f"a{i}": {"code": "+!g <- .print(x).\n" * 10, "metadata": {"k": [1, {"x": [3]}]}}
                    for i in range(300)
                },
                "workspaces": {
                    f"w{i}": {
                        "artefacts": {f"c{j}": {"type": "counter", "properties": {"count": j}} for j in range(20)}
                    }
                    for i in range(20)
                },
            }
        },
        "1 MB of small nested lists": [[i, [i, {"a": [i]}]] for i in range(30_000)],
    }
    for name, value in bodies.items():
        body = json.dumps(value).encode()
        guard_s, _ = _timed(lambda body=body: too_deep(body), 20)
        decode_s, _ = _timed(lambda body=body: msgspec.json.decode(body), 20)
        print(
            f"nesting check of {name} ({len(body) / 1e3:.0f} kB): {guard_s * 1e3:.2f} ms, "
            f"decode {decode_s * 1e3:.2f} ms, ratio check/decode {guard_s / decode_s:.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.guards", description=__doc__)
    parser.add_argument("--beliefs", type=int, default=1_000_000)
    args = parser.parse_args()
    nesting()
    mind(args.beliefs)


if __name__ == "__main__":
    main()
