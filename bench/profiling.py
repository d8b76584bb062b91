"""Sample romas with py-spy while a benchmark load runs, and say where its CPU goes.

py-spy is not a romas dependency; install it in a throwaway environment next to the benchmarks:

    python3 -m venv bench/.venv-pyspy && bench/.venv-pyspy/bin/pip install py-spy

The raw profile (collapsed stacks, one line per distinct stack) is kept under ``bench/results/``; speedscope
and flamegraph tools read it as it is.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench import common
from bench.common import Options, Server
from bench.loadgen import RunResult, SessionFactory, drive

DEFAULT_PY_SPY = common.REPO / "bench" / ".venv-pyspy" / "bin" / "py-spy"

# Which library a frame belongs to, by the path py-spy prints (it shortens it to the package part).
PACKAGES = (
    ("romas/", "romas"),
    ("sqlalchemy/", "sqlalchemy"),
    ("asyncpg/", "asyncpg"),
    ("litestar/", "litestar"),
    ("msgspec/", "msgspec"),
    ("uvicorn/", "uvicorn"),
    ("lark/", "lark"),
    ("asyncio/", "asyncio"),
    ("httptools/", "httptools"),
)


def find_py_spy(explicit: str | None) -> str:
    for candidate in (explicit, str(DEFAULT_PY_SPY), shutil.which("py-spy")):
        if candidate and Path(candidate).is_file():
            return candidate
    print(
        "py-spy not found: python3 -m venv bench/.venv-pyspy && bench/.venv-pyspy/bin/pip install py-spy",
        file=sys.stderr,
    )
    raise SystemExit(2)


@dataclass(frozen=True, slots=True)
class Frame:
    function: str
    path: str

    @property
    def package(self) -> str:
        for marker, name in PACKAGES:
            if self.path.startswith(marker) or f"/{marker}" in self.path:
                return name
        return "python/other"

    def __str__(self) -> str:
        return f"{self.function} ({self.path})"


def _frame(text: str) -> Frame:
    name, _, rest = text.rpartition(" (")
    if not name:
        return Frame(text, "")
    return Frame(name, rest.rstrip(")").rsplit(":", 1)[0])


def parse_collapsed(lines: Iterable[str]) -> list[tuple[list[Frame], int]]:
    stacks: list[tuple[list[Frame], int]] = []
    for line in lines:
        line = line.rstrip("\n")
        if not line:
            continue
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        stacks.append(([_frame(part) for part in stack.split(";")], int(count)))
    return stacks


@dataclass
class Hotspots:
    total: int
    by_package: Counter[str]
    """Self samples: the innermost Python frame's library."""
    romas_inclusive: Counter[str]
    """Samples with this romas function anywhere on the stack."""
    romas_then_library: Counter[tuple[str, str]]
    """The innermost romas function, and the library the sample was in under it."""
    roots: Counter[str]
    """Where the stack starts: the request (main thread), a SQLAlchemy greenlet, no Python frame at all."""


def hotspots(stacks: list[tuple[list[Frame], int]]) -> Hotspots:
    total = 0
    by_package: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    roots: Counter[str] = Counter()
    for frames, count in stacks:
        total += count
        root = frames[0]
        if not root.function:
            roots["no Python frame (C code holding the GIL)"] += count
        elif root.package == "sqlalchemy":
            roots["SQLAlchemy greenlet (a statement's sync side; its caller is not on this stack)"] += count
        elif root.path.startswith("<frozen runpy>") or root.package == "romas":
            roots["the server's main stack (requests)"] += count
        else:
            roots[f"other: {root}"] += count
        leaf = frames[-1]
        by_package[leaf.package] += count
        seen: set[str] = set()
        innermost: Frame | None = None
        for frame in frames:
            if frame.package == "romas" and not frame.path.endswith("romas/cli.py"):  # cli.py: the process's root
                innermost = frame
                key = str(frame)
                if key not in seen:
                    seen.add(key)
                    inclusive[key] += count
        if innermost is not None:
            pairs[(str(innermost), leaf.package)] += count
        elif root.function and root.package != "sqlalchemy":
            pairs[("(no romas frame: uvicorn, litestar, the event loop)", leaf.package)] += count
    return Hotspots(total, by_package, inclusive, pairs, roots)


def report(spots: Hotspots, top: int = 20) -> str:
    def pct(n: int) -> str:
        return f"{100 * n / spots.total:5.1f}%"

    out = [f"{spots.total} samples of romas at work (idle time in the event loop is not counted)", ""]
    out.append("where the stacks start:")
    out += [f"  {pct(n)}  {name}" for name, n in spots.roots.most_common(6)]
    out.append("")
    out.append("where the time is spent, by library (innermost Python frame):")
    out += [f"  {pct(n)}  {name}" for name, n in spots.by_package.most_common()]
    out.append("")
    out.append("romas functions, inclusive (the function or anything it calls):")
    out += [f"  {pct(n)}  {name}" for name, n in spots.romas_inclusive.most_common(top)]
    out.append("")
    out.append("innermost romas function -> the library the time went to under it:")
    out += [f"  {pct(n)}  {fn} -> {lib}" for (fn, lib), n in spots.romas_then_library.most_common(top)]
    return "\n".join(out)


def profile_path(name: str) -> Path:
    common.RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return common.RESULTS / f"{stamp}-profile-{name}.txt"


async def sample(pid: int, output: Path, *, seconds: float, py_spy: str, rate: int, delay_s: float = 0.0) -> int:
    """py-spy over process ``pid`` for ``seconds`` (after ``delay_s``), collapsed stacks into ``output``; answers
    py-spy's exit status."""
    await asyncio.sleep(delay_s)
    process = await asyncio.create_subprocess_exec(
        py_spy, "record", "--pid", str(pid), "--rate", str(rate), "--duration", str(int(seconds)),
        "--format", "raw", "--nolineno", "--gil", "--output", str(output),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _out, err = await process.communicate()
    if process.returncode != 0:
        print(err.decode(errors="replace"), file=sys.stderr)
    return process.returncode or 0


def summarise(output: Path, top: int = 20) -> str:
    """Print and keep (next to ``output``) the hotspot report of a raw profile."""
    text = report(hotspots(parse_collapsed(output.read_text().splitlines())), top)
    print(text)
    output.with_suffix(".report.txt").write_text(text + "\n", encoding="utf-8")
    print(f"\nraw profile: {output.relative_to(common.REPO)} (collapsed stacks; speedscope reads it)")
    return text


async def record(
    server: Server, sessions: SessionFactory, opts: Options, *, name: str, seconds: int, py_spy: str, rate: int
) -> RunResult:
    """Run the load for warm-up + ``seconds`` + 1, sampling the server for ``seconds`` after the warm-up."""
    output = profile_path(name)
    sampler = asyncio.create_task(
        sample(server.pid, output, seconds=seconds, py_spy=py_spy, rate=rate, delay_s=opts.warmup_s)
    )
    result = await drive(
        "romas under py-spy",
        sessions,
        concurrency=opts.concurrency,
        warmup_s=opts.warmup_s,
        duration_s=seconds + 1,
        server_pid=server.pid,
    )
    if await sampler != 0 or not output.is_file():
        raise RuntimeError("py-spy failed")
    summarise(output)
    return result
