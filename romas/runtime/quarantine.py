"""Crash-loop quarantine: an agent that was at work through consecutive crashes of the process is kept
stopped, so that a restart (or another process taking over) always comes up.

The runtime marks an agent *at work* in the database before it first steps it (with the client message that
woke it, in that message's write, or in a write of its own), and clears the mark in the flush after the agent
went idle unless it was marked again meanwhile (see Runtime._round, Runtime._prepare and runtime/accepts.py); a
clean shutdown clears every mark.
So a mark found when a process takes the lead means the previous leader died while that agent was at work.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from romas.services.agents import AgentService
from romas.store import agent_log, at_work
from romas.store.eventstore import Store, Writer

log = logging.getLogger("romas.runtime")

CRASHES_TO_QUARANTINE = 2


async def account_crashes(writer: Writer, store: Store, keep: Callable[[str], bool] | None = None) -> dict[str, str]:
    """Counts the crash just survived for every agent then at work (of those ``keep`` accepts: the agents of the
    shards this process takes over), stops (with a revision and a log line) those at work through
    :data:`CRASHES_TO_QUARANTINE` consecutive crashes, and returns them with why."""
    rows = [row for row in await at_work.load(writer) if keep is None or keep(row.agent)]
    if not rows:
        return {}
    now = datetime.now(UTC)
    agents = AgentService(store)
    quarantined: dict[str, str] = {}
    suspects: dict[str, int] = {}
    forgiven: list[str] = []
    for row in rows:
        if not row.at_work:
            forgiven.append(row.agent)  # not at work during this crash: the run of crashes is broken
            continue
        crashes = row.crashes + 1
        if crashes < CRASHES_TO_QUARANTINE:
            suspects[row.agent] = crashes
            log.warning("agent %s was at work when the server stopped unexpectedly", row.agent)
            continue
        reason = (
            f"quarantined: the server stopped unexpectedly {crashes} times in a row while this agent was at "
            "work; fix its code, then set its state to running"
        )
        forgiven.append(row.agent)
        if await agents.stop(writer, row.agent, reason) is None:
            continue
        quarantined[row.agent] = reason
        await agent_log.append(writer, [agent_log.LogLine(row.agent, now, "note", f"stopped by the runtime: {reason}")])
        log.error("agent %s %s", row.agent, reason)
    await at_work.clear(writer, forgiven)
    await at_work.suspect(writer, suspects)
    return quarantined
