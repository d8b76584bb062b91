"""Agents: every stored code revision parses, and an agent's code revision follows its code."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from romas.agentspeak import AgentFiles, check_source
from romas.domain.agents import AgentRunState, agent_state, agent_summary, code_diff, code_revision_for
from romas.domain.errors import CodeError, FieldError, InvalidCode, InvalidInput, NotFound
from romas.domain.names import name_problem
from romas.services.agents_deploy import Deployments, KnownRows
from romas.services.preconditions import NONE, Preconditions
from romas.services.resources import ResourceKey, RevisionedService, Written
from romas.store.eventstore import ResourceRow, Store, WriteContext, Writer


def agent_key(name: str) -> ResourceKey:
    return ResourceKey("agent", "", name)


_INCLUDE = re.compile(r'\binclude\s*\(\s*"((?:[^"\\\n]|\\.)*)"')
MAX_INCLUDED_FILES = 64


def included_names(code: str) -> list[str]:
    """The files ``code`` may include (``{ include("x.asl") }``), as written."""
    if "include" not in code:
        return []  # most code includes nothing: no need to look for the pattern at every word
    return _INCLUDE.findall(code)


def agent_file_name(file: str) -> str | None:
    """The agent whose code is the agent-set file ``file`` (``worker.asl`` is agent ``worker``'s), if any."""
    stem = file.strip()
    stem = stem[: -len(".asl")] if stem.endswith(".asl") else stem
    if "/" in stem or "\\" in stem or name_problem(stem):
        return None
    return stem


def files_of_agents(codes: Mapping[str, str]) -> AgentFiles:
    """The agent set of a MAS whose agents have these codes: each agent's code is the file ``<name>.asl``."""
    return AgentFiles({f"{name}.asl": code for name, code in codes.items()})


async def agent_set_files(code: str, read: Callable[[str], Awaitable[str | None]]) -> AgentFiles:
    """The files of the agent set that ``code`` (and what it includes) may include: the code of the agents
    they name, read with ``read(agent)``. Nothing else is read; names that are not agents are left out (the
    parser then says there is no such file)."""
    files: dict[str, str] = {}
    todo = included_names(code)
    seen: set[str] = set()
    while todo and len(seen) < MAX_INCLUDED_FILES:
        file = todo.pop()
        name = agent_file_name(file)
        if name is None or name in seen:
            continue
        seen.add(name)
        text = await read(name)
        if text is not None:
            files[f"{name}.asl"] = text
            todo.extend(included_names(text))
    return AgentFiles(files)


def validate_code(code: str, files: AgentFiles | None = None, name: str | None = None) -> None:
    """Refuse code that does not parse, with every problem located, before any transaction starts."""
    diagnostics = check_source(code, files, f"{name}.asl" if name else None)
    if diagnostics:
        errors = [CodeError(d.line, d.column, d.message) for d in diagnostics]
        count = len(errors)
        raise InvalidCode(f"the code does not parse ({count} problem{'s' if count != 1 else ''})", errors)


class AgentService(RevisionedService):
    kind = "agent"

    def __init__(self, store: Store) -> None:
        super().__init__(store)
        self._deployments = Deployments(store) if store.dialect == "postgresql" else None
        self._known = KnownRows()
        """Agents as the code deployments of this process last saw them committed (PostgreSQL)."""

    async def code_files(self, code: str) -> AgentFiles:
        """The files of the server's agent set that ``code`` includes: other agents' code, read from the store."""

        async def read(name: str) -> str | None:
            row = await self.store.current(agent_key(name).stream_id)
            if row is None or row.deleted or not isinstance(row.state.get("code"), str):
                return None
            return str(row.state["code"])

        return await agent_set_files(code, read)

    summarise = staticmethod(agent_summary)

    async def put_agent(
        self,
        writer: Writer,
        name: str,
        *,
        code: str,
        description: str,
        metadata: dict[str, Any],
        state: AgentRunState,
        pre: Preconditions = NONE,
        endpoint: str | None = None,
        workspaces: list[str] | None = None,
    ) -> Written:
        key = agent_key(name)
        current = await writer.current(key.stream_id)
        desired = agent_state(
            code=code,
            description=description,
            metadata=metadata,
            state=state,
            code_revision=self._code_revision(current, code),
            endpoint=endpoint,
            workspaces=workspaces,
        )
        return await self.put(writer, key, desired, pre, current=current)

    async def patch_agent(self, writer: Writer, name: str, patch: dict[str, Any], pre: Preconditions = NONE) -> Written:
        """JSON merge patch (RFC 7396) of the agent's writable fields; ``patch`` is already validated."""

        def merged(row: ResourceRow) -> dict[str, Any]:
            state = dict(row.state)
            for field, value in patch.items():
                if field == "metadata" and isinstance(value, dict):
                    state["metadata"] = merge_patch(state.get("metadata", {}), value)
                else:
                    state[field] = value
            state["code_revision"] = self._code_revision(row, state["code"])
            if state["state"] == "running":
                state.pop("stopped_reason", None)
            return state

        return await self.update(writer, agent_key(name), merged, pre)

    async def put_code(self, writer: Writer, name: str, code: str, pre: Preconditions = NONE) -> Written:
        """Replace only the code; an agent that does not exist yet is created running that code."""
        key = agent_key(name)
        current = await writer.current(key.stream_id)
        return await self.put(writer, key, self._with_code(current, code), pre, current=current)

    async def put_code_unlocked(self, name: str, code: str, context: WriteContext) -> Written | None:
        """:meth:`put_code` without preconditions, decided outside the write transaction (see
        ``RevisionedService.put_unlocked``); None when the agent changed meanwhile and nothing was written.

        On PostgreSQL it is decided on the agent as this process last saw it committed, when it remembers it, and
        written with the deployments waiting beside it (see agents_deploy.py)."""
        key = agent_key(name)
        deployments = self._deployments
        if deployments is None:
            return await self.put_unlocked(key, lambda current: self._with_code(current, code), context)
        stream = key.stream_id
        written = await self.put_unlocked(
            key,
            lambda current: self._with_code(current, code),
            context,
            known=self._known.get(stream),
            record=deployments.record_if_current,
        )
        if written is None:
            self._known.forget(stream)
        else:
            self._known.remember(written.row)
        return written

    def _with_code(self, current: ResourceRow | None, code: str) -> dict[str, Any]:
        base = current.state if current is not None and not current.deleted else None
        desired = agent_state(
            code=code,
            description=base["description"] if base else "",
            metadata=base["metadata"] if base else {},
            state=base["state"] if base else "running",
            code_revision=self._code_revision(current, code),
        )
        if base and base["state"] == "stopped" and "stopped_reason" in base:
            desired["stopped_reason"] = base["stopped_reason"]
        return desired

    async def stop(self, writer: Writer, name: str, reason: str) -> Written | None:
        """The runtime stops a running agent, saying why (``stopped_reason``, cleared when it runs again);
        None when the agent is gone or already stopped."""
        key = agent_key(name)
        current = await writer.current(key.stream_id)
        if current is None or current.deleted or current.state.get("state") != "running":
            return None

        def stopped(row: ResourceRow) -> dict[str, Any]:
            return {**row.state, "state": "stopped", "stopped_reason": reason}

        return await self.update(writer, key, stopped)

    async def diff(self, name: str, old_revision: int | None, new_revision: int | None) -> tuple[str, int, int]:
        key = agent_key(name)
        current = await self.store.current(key.stream_id)
        if current is None:
            raise NotFound(f"there is no agent {name}")
        new_revision = current.revision if new_revision is None else new_revision
        old_revision = max(new_revision - 1, 1) if old_revision is None else old_revision
        new = await self.revision(key, new_revision)
        old = await self.revision(key, old_revision)
        text = code_diff(
            old.state.get("code", ""),
            new.state.get("code", ""),
            name=name,
            old_revision=old_revision,
            new_revision=new_revision,
        )
        return text, old_revision, new_revision

    @staticmethod
    def _code_revision(current: ResourceRow | None, code: str) -> int:
        if current is None:
            return 1
        return code_revision_for(current.state, current.revision, current.deleted, code)


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396: objects merge recursively, null removes a member, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def check_name(name: str, path: str = "/name") -> None:
    problem = name_problem(name)
    if problem:
        raise InvalidInput(f"invalid name {name!r}: {problem}", [FieldError(path, problem)])
