"""Where the CPU went during a run: the server, this load generator, PostgreSQL, and everything else.

The machine is small (two cores here), so the server, the load generator and PostgreSQL compete for it. Each
run therefore reports the CPU seconds each of them used; "other" is whatever else ran on the machine meanwhile
(another test suite, say), which is the first thing to check when a figure looks odd.
"""

from __future__ import annotations

import os
import resource
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_TICK = os.sysconf("SC_CLK_TCK")


def _proc_cpu(pid: int) -> float:
    """utime + stime of one process, in seconds (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # after the command: state(0) ppid(1) ... utime(11) stime(12)
    return (int(fields[11]) + int(fields[12])) / _TICK


IO_FIELDS = ("syscr", "syscw", "rchar", "wchar", "cancelled_write_bytes")
"""What ``/proc/<pid>/io`` says a process did: its read and write system calls, the bytes they moved (page cache
included), and the bytes written to files deleted before they reached the disk. Kept for the server because py-spy
does not see what its threads do in C with the interpreter's lock released (SQLite's commits, say)."""


_NO_IO = (0,) * len(IO_FIELDS)


def _proc_io(pid: int) -> tuple[int, ...]:
    """The server's I/O counters (``IO_FIELDS``), zeros when they cannot be read."""
    try:
        lines = Path(f"/proc/{pid}/io").read_text().splitlines()
    except OSError:
        return _NO_IO
    found = dict(line.split(": ", 1) for line in lines if ": " in line)
    return tuple(int(found.get(name, 0)) for name in IO_FIELDS)


def _postgres_cpu() -> dict[int, float]:
    """CPU of every process named ``postgres`` (the server and its backends), by pid; key -1 holds what the
    backends that have ended used (short-lived connections, when a client's pool opens and closes them)."""
    found: dict[int, float] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            comm = Path(entry.path, "comm").read_text().strip()
        except OSError:
            continue
        if comm != "postgres":
            continue
        try:
            fields = Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[int(entry.name)] = (int(fields[11]) + int(fields[12])) / _TICK
        if fields[1] == "1":  # the postmaster: add the backends it has reaped
            found[-1] = found.get(-1, 0.0) + (int(fields[13]) + int(fields[14])) / _TICK
    return found


def _fixed_work() -> int:
    """A fixed piece of plain Python (integers, strings, a dict), the kind of work the server does most."""
    total = 0
    table: dict[int, str] = {}
    for i in range(200_000):
        table[i & 1023] = str(i)
        total += len(table[i & 511]) if i & 1 else i
    return total


def machine_speed(cpus: set[int] | None = None, rounds: int = 5) -> float:
    """Milliseconds of CPU that :func:`_fixed_work` takes now (the best of ``rounds``, on ``cpus`` when given): how
    fast this machine is at the moment, to read figures measured in other sessions against. On the shared virtual
    machine these benchmarks ran on, the same code's figures moved by a factor of up to two within an hour."""
    before = os.sched_getaffinity(0)
    if cpus:
        os.sched_setaffinity(0, cpus)
    try:
        best = float("inf")
        for _ in range(rounds):
            started = time.process_time()
            _fixed_work()
            best = min(best, time.process_time() - started)
    finally:
        if cpus:
            os.sched_setaffinity(0, before)
    return best * 1000


def _machine_busy() -> tuple[float, int]:
    """Busy CPU seconds of the whole machine (all cores), and the number of cores."""
    with open("/proc/stat") as stat:
        first = stat.readline().split()
        cores = sum(1 for line in stat if line.startswith("cpu") and line[3].isdigit())
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in first[1:9])
    return (user + nice + system + irq + softirq + steal) / _TICK, cores


def _self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass(frozen=True, slots=True)
class CpuSnapshot:
    wall: float
    machine: float
    cores: int
    client: float
    server: float
    postgres: dict[int, float]
    server_io: tuple[int, ...] = _NO_IO


def snapshot(server_pid: int | None) -> CpuSnapshot:
    machine, cores = _machine_busy()
    return CpuSnapshot(
        wall=time.perf_counter(),
        machine=machine,
        cores=cores,
        client=_self_cpu(),
        server=_proc_cpu(server_pid) if server_pid else 0.0,
        postgres=_postgres_cpu(),
        server_io=_proc_io(server_pid) if server_pid else _NO_IO,
    )


@dataclass(frozen=True, slots=True)
class CpuUse:
    """CPU seconds spent over a window, and the window's length."""

    wall: float
    cores: int
    machine: float
    client: float
    server: float
    postgres: float
    server_io: tuple[int, ...] = _NO_IO
    """The server's I/O over the window (``IO_FIELDS``)."""

    @classmethod
    def between(cls, a: CpuSnapshot, b: CpuSnapshot) -> CpuUse:
        return cls(
            wall=b.wall - a.wall,
            cores=b.cores,
            machine=b.machine - a.machine,
            client=b.client - a.client,
            server=b.server - a.server,
            # backends that ended inside the window are lost; those that started count from zero
            postgres=sum(max(0.0, cpu - a.postgres.get(pid, 0.0)) for pid, cpu in b.postgres.items()),
            server_io=tuple(max(0, y - x) for x, y in zip(a.server_io, b.server_io, strict=True)),
        )

    @property
    def other(self) -> float:
        return max(0.0, self.machine - self.client - self.server - self.postgres)

    def cores_used(self, seconds: float) -> float:
        return seconds / self.wall if self.wall else 0.0

    def as_dict(self, requests: int) -> dict[str, Any]:
        def per_request(seconds: float) -> float | None:
            return round(seconds / requests * 1e6, 1) if requests else None

        return {
            "window_s": round(self.wall, 3),
            "cores": self.cores,
            "cores_busy": {
                "machine": round(self.cores_used(self.machine), 3),
                "server": round(self.cores_used(self.server), 3),
                "load_generator": round(self.cores_used(self.client), 3),
                "postgres": round(self.cores_used(self.postgres), 3),
                "other": round(self.cores_used(self.other), 3),
            },
            "cpu_us_per_request": {
                "server": per_request(self.server),
                "load_generator": per_request(self.client),
                "postgres": per_request(self.postgres),
            },
            "server_io_per_request": {
                name: round(value / requests, 2) if requests else None
                for name, value in zip(IO_FIELDS, self.server_io, strict=True)
            },
        }

    def io_brief(self, requests: int, unit: str = "req") -> str:
        """The server's I/O per request: write calls and bytes, read calls (and bytes written for nothing)."""
        if not requests or not any(self.server_io):
            return ""
        reads, writes, _read_bytes, written, discarded = (value / requests for value in self.server_io)
        lost = f", {discarded / 1000:.1f} KB discarded" if discarded else ""
        return f" | io/{unit} server {writes:.1f} writes {written / 1000:.1f} KB{lost}, {reads:.1f} reads"

    def brief(self, requests: int, unit: str = "req") -> str:
        def us(seconds: float) -> str:
            return f"{seconds / requests * 1e6:.0f}" if requests else "-"

        return (
            f"cores: server {self.cores_used(self.server):.2f} gen {self.cores_used(self.client):.2f} "
            f"pg {self.cores_used(self.postgres):.2f} other {self.cores_used(self.other):.2f}"
            f" | us/{unit} server {us(self.server)} pg {us(self.postgres)}" + self.io_brief(requests, unit)
        )
