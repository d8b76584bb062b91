"""Benchmarks of romas's AgentSpeak interpreter against the PyPI package ``agentspeak`` 0.2.2.

Three workloads, the same AgentSpeak programs for both interpreters:

* count     -- one agent achieving 100,000 recursive goals ``!count(N+1)`` (throughput: goals/s, and the
               peak memory of the run, which should stay flat for romas: tail calls do not grow the stack)
* pingpong  -- two agents exchanging 10,000 achieve round trips (throughput: round trips/s)
* tells     -- 1,000 agents receiving 10 tells each (throughput: tells/s)

The baseline is installed in a throwaway virtual environment (``bench/.venv-agentspeak``, created on first
use; it is never a dependency of romas). Each measurement runs in a fresh process; the best of
``--repeat`` runs is kept. Throughputs use wall-clock time; the ratio of CPU times is printed too, as it
is steadier on a busy machine. Usage::

    .venv/bin/python bench/agentspeak_vs_pypi.py [--repeat 3] [--only count,pingpong,tells]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BASELINE_VENV = HERE / ".venv-agentspeak"
BASELINE_VERSION = "0.2.2"

COUNT_N = 100_000
PINGPONG_N = 10_000
TELL_AGENTS = 1_000
TELLS_EACH = 10

COUNT_ASL = f"""
!count(0).
+!count(N) : N < {COUNT_N} <- !count(N + 1).
+!count(N) <- .print("counted to ", N).
"""

PING_ASL = f"""
!start.
+!start <- .send(pong, achieve, ping(0)).
+!pong(N) : N < {PINGPONG_N} <- .send(pong, achieve, ping(N + 1)).
+!pong(N) <- .print("round trips: ", N).
"""

PONG_ASL = """
+!ping(N) <- .send(ping, achieve, pong(N)).
"""

RECEIVER_ASL = """
+v(N) <- +got(N).
"""


# ---- workers: each runs one measurement in its own process and prints a JSON result ---------------------------

OURS_WORKER = textwrap.dedent(
    """
    import io, json, sys, time, tracemalloc
    sys.path.insert(0, {root!r})
    from romas.agentspeak import parse_program, parse_term
    from romas.agentspeak.agent import Agent
    from romas.agentspeak.host import BaseHost, Message, UnknownReceiver

    class Host(BaseHost):
        def __init__(self):
            super().__init__(1)
            self.agents = {{}}
            self.lines = []
        def print(self, agent, text, tag):
            self.lines.append(text)
        def send(self, sender, receiver, perf, content, msg_id, in_reply_to):
            target = self.agents.get(receiver)
            if target is None:
                raise UnknownReceiver(receiver)
            target.deliver(Message(msg_id, sender, perf, content, in_reply_to))

    def run_all(agents):
        while True:
            busy = False
            for ag in agents:
                r = ag.step(1000)
                if r.steps:
                    busy = True
            if not busy and all(a.idle for a in agents):
                return

    def workload(kind, sources, memory):
        host = Host()
        if kind == "tells":
            program = parse_program(sources["receiver"])
            agents = [Agent(f"r{{i}}", program, host) for i in range({tell_agents})]
            for ag in agents:
                host.agents[ag.name] = ag
            terms = [parse_term(f"v({{k}})") for k in range(1, {tells_each} + 1)]
            if memory:
                tracemalloc.start()
            t = time.perf_counter()
            c = time.process_time()
            n = 0
            for ag in agents:
                for term in terms:
                    n += 1
                    ag.deliver(Message(f"m{{n}}", "driver", "tell", term, None))
            run_all(agents)
            elapsed = time.perf_counter() - t
            cpu = time.process_time() - c
            assert all(ag.beliefs.size == 2 * {tells_each} for ag in agents)
        else:
            agents = []
            for name, src in sources.items():
                ag = Agent(name, parse_program(src), host)
                host.agents[name] = ag
                agents.append(ag)
            if memory:
                tracemalloc.start()
            t = time.perf_counter()
            c = time.process_time()
            run_all(agents)
            elapsed = time.perf_counter() - t
            cpu = time.process_time() - c
        peak = tracemalloc.get_traced_memory()[1] if memory else None
        return elapsed, cpu, peak, host.lines

    kind, memory = sys.argv[1], sys.argv[2] == "1"
    sources = json.loads(sys.stdin.read())
    elapsed, cpu, peak, lines = workload(kind, sources, memory)
    print(json.dumps({{"seconds": elapsed, "cpu": cpu, "peak": peak, "output": lines[-1:] }}))
    """
)

BASELINE_WORKER = textwrap.dedent(
    """
    import io, json, sys, time, tracemalloc, logging
    import agentspeak, agentspeak.runtime, agentspeak.stdlib

    lines = []
    out = io.StringIO()
    sys.stdout, real_stdout = out, sys.stdout

    def source(name, text):
        f = io.StringIO(text)
        f.name = name + ".asl"
        return f

    kind, memory = sys.argv[1], sys.argv[2] == "1"
    sources = json.loads(sys.stdin.read())
    env = agentspeak.runtime.Environment()
    if kind == "tells":
        agents = env.build_agents(source("r", sources["receiver"]), {tell_agents}, agentspeak.stdlib.actions)
        if memory:
            tracemalloc.start()
        t = time.perf_counter()
        c = time.process_time()
        driver = agentspeak.Literal("source", (agentspeak.Literal("driver"),))
        for ag in agents:
            for k in range(1, {tells_each} + 1):
                term = agentspeak.Literal("v", (k,)).with_annotation(driver)
                ag.call(agentspeak.Trigger.addition, agentspeak.GoalType.belief, term,
                        agentspeak.runtime.Intention())
        env.run()
        elapsed = time.perf_counter() - t
        cpu = time.process_time() - c
    else:
        for name, text in sources.items():
            env.build_agent(source(name, text), agentspeak.stdlib.actions)
        if memory:
            tracemalloc.start()
        t = time.perf_counter()
        c = time.process_time()
        env.run()
        elapsed = time.perf_counter() - t
        cpu = time.process_time() - c
    peak = tracemalloc.get_traced_memory()[1] if memory else None
    sys.stdout = real_stdout
    printed = out.getvalue().strip().splitlines()
    print(json.dumps({{"seconds": elapsed, "cpu": cpu, "peak": peak, "output": printed[-1:]}}))
    """
)


def ensure_baseline() -> Path:
    python = BASELINE_VENV / "bin" / "python"
    if python.exists():
        check = subprocess.run(
            [str(python), "-c", "import agentspeak, importlib.metadata as m; print(m.version('agentspeak'))"],
            capture_output=True,
            text=True,
        )
        if check.returncode == 0 and check.stdout.strip() == BASELINE_VERSION:
            return python
    print(f"creating {BASELINE_VENV} with agentspeak=={BASELINE_VERSION} ...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(BASELINE_VENV)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", f"agentspeak=={BASELINE_VERSION}"],
        check=True,
    )
    return python


def measure(python: str, worker: str, kind: str, sources: dict[str, str], memory: bool) -> dict[str, object]:
    proc = subprocess.run(
        [python, "-c", worker, kind, "1" if memory else "0"],
        input=json.dumps(sources),
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{kind} failed:\n{proc.stderr[-3000:]}")
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


WORKLOADS: dict[str, tuple[dict[str, str], int, str]] = {
    "count": ({"counter": COUNT_ASL}, COUNT_N, "goals/s"),
    "pingpong": ({"ping": PING_ASL, "pong": PONG_ASL}, PINGPONG_N, "round trips/s"),
    "tells": ({"receiver": RECEIVER_ASL}, TELL_AGENTS * TELLS_EACH, "tells/s"),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default="count,pingpong,tells")
    args = parser.parse_args()
    baseline = str(ensure_baseline())
    fmt = {"tell_agents": TELL_AGENTS, "tells_each": TELLS_EACH}
    ours_worker = OURS_WORKER.format(root=str(HERE.parent), **fmt)
    base_worker = BASELINE_WORKER.format(**fmt)
    rows = []
    all_ok = True
    for kind in args.only.split(","):
        sources, units, unit_name = WORKLOADS[kind]
        best: dict[str, float] = {}
        best_cpu: dict[str, float] = {}
        outputs: dict[str, object] = {}
        for _ in range(args.repeat):
            for who, python, worker in (("romas", sys.executable, ours_worker), ("pypi", baseline, base_worker)):
                r = measure(python, worker, kind, sources, memory=False)
                seconds = float(r["seconds"])  # type: ignore[arg-type]
                cpu = float(r["cpu"])  # type: ignore[arg-type]
                best[who] = min(best.get(who, seconds), seconds)
                best_cpu[who] = min(best_cpu.get(who, cpu), cpu)
                outputs[who] = r["output"]
        ratio = best["pypi"] / best["romas"]
        cpu_ratio = best_cpu["pypi"] / best_cpu["romas"]
        all_ok &= ratio >= 2.0
        row = {
            "workload": kind,
            "romas": units / best["romas"],
            "pypi": units / best["pypi"],
            "unit": unit_name,
            "ratio": ratio,
            "cpu_ratio": cpu_ratio,
            "output": outputs,
        }
        if kind == "count":
            for who, python, worker in (("romas", sys.executable, ours_worker), ("pypi", baseline, base_worker)):
                r = measure(python, worker, kind, sources, memory=True)
                row[f"{who}_peak_mib"] = float(r["peak"]) / 2**20  # type: ignore[arg-type]
        rows.append(row)
        print(
            f"{kind:9s} romas {row['romas']:>10,.0f} {unit_name:14s} pypi agentspeak {row['pypi']:>10,.0f}"
            f"  ratio {ratio:5.2f}x (CPU time {cpu_ratio:4.2f}x)"
            f" {'(target 2x met)' if ratio >= 2 else '(BELOW the 2x target)'}",
            flush=True,
        )
        if kind == "count":
            print(
                f"          peak memory of the counting loop: romas {row['romas_peak_mib']:.2f} MiB,"
                f" pypi agentspeak {row['pypi_peak_mib']:.2f} MiB",
                flush=True,
            )
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    (results / "agentspeak_vs_pypi.json").write_text(
        json.dumps({"when": time.strftime("%Y-%m-%dT%H:%M:%S"), "rows": rows}, indent=2), encoding="utf-8"
    )
    print("all ratios >= 2x" if all_ok else "some ratios are below 2x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
