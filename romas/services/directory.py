"""The directory (yellow pages) agents keep with ``.df_register``, ``.df_deregister``, ``.df_subscribe``
and read with ``.df_search``: one revisioned resource (stream type ``directory``) whose state lists who
provides which service, and who wants to hear of new providers. Each change is an event whose actor is the
agent that made it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from romas.services.resources import ResourceKey, RevisionedService
from romas.store.eventstore import ResourceRow, Writer

DIRECTORY_KEY = ResourceKey("directory", "", "")
"""The stream ``/directory``."""
DEFAULT_TYPE = "jason:AgentSpeak"


def _empty() -> dict[str, Any]:
    return {"services": [], "subscriptions": []}


def _entry(agent: str, service: str, type_: str | None) -> dict[str, Any]:
    return {"agent": agent, "service": service, "type": type_}


def _matches(entry: dict[str, Any], service: str, type_: str | None) -> bool:
    return bool(entry["service"] == service and (type_ is None or entry["type"] == type_))


class DirectoryService(RevisionedService):
    kind = "directory"

    async def _state(self, writer: Writer) -> tuple[ResourceRow | None, dict[str, Any]]:
        row = await writer.current(DIRECTORY_KEY.stream_id)
        if row is None or row.deleted:
            return row, _empty()
        state = dict(row.state)
        return row, {
            "services": list(state.get("services", [])),
            "subscriptions": list(state.get("subscriptions", [])),
        }

    async def register(self, writer: Writer, agent: str, service: str, type_: str | None) -> list[str]:
        """Adds the entry; returns the agents subscribed to that service (they are to be told)."""
        row, state = await self._state(writer)
        entry = _entry(agent, service, type_ or DEFAULT_TYPE)
        if entry not in state["services"]:
            state["services"].append(entry)
            await self.put(writer, DIRECTORY_KEY, state, current=row)
        return [s["agent"] for s in state["subscriptions"] if _matches(s, service, None) and s["agent"] != agent]

    async def deregister(self, writer: Writer, agent: str, service: str, type_: str | None) -> None:
        row, state = await self._state(writer)
        kept = [e for e in state["services"] if not (e["agent"] == agent and _matches(e, service, type_))]
        if kept != state["services"]:
            state["services"] = kept
            await self.put(writer, DIRECTORY_KEY, state, current=row)

    async def subscribe(self, writer: Writer, agent: str, service: str, type_: str | None) -> list[str]:
        """Records the subscription; returns the providers known now."""
        row, state = await self._state(writer)
        entry = _entry(agent, service, type_)
        if entry not in state["subscriptions"]:
            state["subscriptions"].append(entry)
            await self.put(writer, DIRECTORY_KEY, state, current=row)
        return search(state, service, type_)

    async def offer(self, writer: Writer, agent: str, offers: list[tuple[str, str | None]]) -> None:
        """What an external agent provides (it cannot run ``.df_register``): its entries become ``offers``."""
        row, state = await self._state(writer)
        kept = [e for e in state["services"] if e["agent"] != agent]
        wanted = [_entry(agent, service, type_ or DEFAULT_TYPE) for service, type_ in offers]
        mine = [e for e in state["services"] if e["agent"] == agent]
        if mine != wanted:
            state["services"] = kept + [e for i, e in enumerate(wanted) if e not in wanted[:i]]
            await self.put(writer, DIRECTORY_KEY, state, current=row)

    async def forget(self, writer: Writer, agent: str) -> None:
        """A deleted agent provides nothing and hears nothing any more."""
        row, state = await self._state(writer)
        services = [e for e in state["services"] if e["agent"] != agent]
        subscriptions = [e for e in state["subscriptions"] if e["agent"] != agent]
        if services != state["services"] or subscriptions != state["subscriptions"]:
            state["services"], state["subscriptions"] = services, subscriptions
            await self.put(writer, DIRECTORY_KEY, state, current=row)

    async def view(self, at: datetime | None = None) -> dict[str, Any]:
        """The directory now, or as it was at an instant."""
        if at is None:
            row = await self.store.current(DIRECTORY_KEY.stream_id)
        else:
            row = await self.store.as_of(DIRECTORY_KEY.stream_id, at)
        state = dict(row.state) if row is not None and not row.deleted else _empty()
        state["revision"] = row.revision if row is not None else 0
        return state


def search(state: dict[str, Any], service: str, type_: str | None) -> list[str]:
    out: list[str] = []
    for e in state.get("services", []):
        if _matches(e, service, type_) and e["agent"] not in out:
            out.append(e["agent"])
    return out


def by_service(state: dict[str, Any]) -> list[dict[str, Any]]:
    """The directory as people read it: each service (and type) with the agents providing it."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for e in state.get("services", []):
        grouped.setdefault((e["service"], e["type"] or DEFAULT_TYPE), []).append(e["agent"])
    return [{"service": s, "type": t, "agents": agents} for (s, t), agents in sorted(grouped.items())]
