"""What agents do to the system itself (``.create_agent``, ``.kill_agent``, ``.stopMAS``, the directory),
as writes of the resources they change; the runtime calls it with the acting agent as the actor."""

from __future__ import annotations

from typing import Any

from romas.domain.errors import InvalidInput, NotFound
from romas.domain.names import name_problem
from romas.services.agents import AgentService, agent_key, validate_code
from romas.services.directory import DirectoryService, search
from romas.services.preconditions import Preconditions
from romas.store.eventstore import Writer

CREATE_ONLY = Preconditions(if_none_match_any=True)
MAX_CODE_CHARS = 1024 * 1024
"""Code an agent may give a new agent (the API's default bound on a request body)."""


class MasAdmin:
    def __init__(self, agents: AgentService, directory: DirectoryService) -> None:
        self.agents = agents
        self.directory = directory

    async def create_agent(self, writer: Writer, creator: str, name: str | None, source: str, is_file: bool) -> str:
        """``source`` is code, or a file of the agent set: ``worker.asl`` is the code of the agent ``worker``
        (an agent set's ``agents/worker.asl``); nothing else is ever read."""
        code = await self._code_of_file(writer, source) if is_file else source
        if len(code) > MAX_CODE_CHARS:
            raise InvalidInput(f"the code is longer than {MAX_CODE_CHARS} characters", [])
        if name is None:
            name = await self._free_name(writer, creator)
        validate_code(code, await self.agents.code_files(code), name)
        problem = name_problem(name)
        if problem:
            raise InvalidInput(f"invalid agent name {name!r}: {problem}", [])
        await self.agents.put_agent(
            writer,
            name,
            code=code,
            description=f"created by {creator}",
            metadata={},
            state="running",
            pre=CREATE_ONLY,
        )
        return name

    async def _code_of_file(self, writer: Writer, file: str) -> str:
        stem = file.strip()
        stem = stem[: -len(".asl")] if stem.endswith(".asl") else stem
        if "/" in stem or "\\" in stem or name_problem(stem):
            raise NotFound(f"no file {file} in the agent set (only agents/<name>.asl files are)")
        row = await writer.current(agent_key(stem).stream_id, lock=False)
        if row is None or row.deleted:
            raise NotFound(f"no file {file} in the agent set")
        return str(row.state["code"])

    async def _free_name(self, writer: Writer, creator: str) -> str:
        for n in range(1, 10_000):
            name = f"{creator}_{n}"
            row = await writer.current(agent_key(name).stream_id, lock=False)
            if row is None:
                return name
        raise InvalidInput("no free agent name", [])

    async def kill_agent(self, writer: Writer, name: str) -> None:
        await self.agents.delete(writer, agent_key(name))
        await self.directory.forget(writer, name)

    async def stop_agent(self, writer: Writer, name: str) -> None:
        row = await writer.current(agent_key(name).stream_id)
        if row is not None and not row.deleted and row.state.get("state") == "running":
            await self.agents.patch_agent(writer, name, {"state": "stopped"})

    async def df_register(self, writer: Writer, agent: str, service: str, type_: str | None) -> list[str]:
        return await self.directory.register(writer, agent, service, type_)

    async def df_deregister(self, writer: Writer, agent: str, service: str, type_: str | None) -> None:
        await self.directory.deregister(writer, agent, service, type_)

    async def df_subscribe(self, writer: Writer, agent: str, service: str, type_: str | None) -> list[str]:
        return await self.directory.subscribe(writer, agent, service, type_)

    async def df_search(self, service: str, type_: str | None) -> list[str]:
        state: dict[str, Any] = await self.directory.view()
        return search(state, service, type_)
