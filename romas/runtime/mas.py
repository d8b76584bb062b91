"""What agents do to the system itself, as the server does it: ``.create_agent``, ``.kill_agent``,
``.stopMAS`` and the directory (``.df_*``). Each runs in its own transaction with the agent as the actor
(the created agent's first revision names its creator), then resumes the agent with the result; a refusal
(a name taken, code that does not parse, an unknown file) fails the action with the reason."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

from romas.agentspeak.host import ActionFailed, ActionPending, ActionSucceeded, HostRefused
from romas.agentspeak.terms import Struct, Term
from romas.domain.errors import DomainError
from romas.runtime.ids import new_id
from romas.store.eventstore import WriteContext, Writer

if TYPE_CHECKING:
    from romas.runtime.runtime import Runtime

log = logging.getLogger("romas.mas")


class MasService(Protocol):
    """What the runtime needs (``romas/services/mas.py``)."""

    async def create_agent(self, writer: Writer, creator: str, name: str | None, source: str, is_file: bool) -> str: ...
    async def kill_agent(self, writer: Writer, name: str) -> None: ...
    async def stop_agent(self, writer: Writer, name: str) -> None: ...
    async def df_register(self, writer: Writer, agent: str, service: str, type_: str | None) -> list[str]: ...
    async def df_deregister(self, writer: Writer, agent: str, service: str, type_: str | None) -> None: ...
    async def df_subscribe(self, writer: Writer, agent: str, service: str, type_: str | None) -> list[str]: ...
    async def df_search(self, service: str, type_: str | None) -> list[str]: ...


Work = Callable[[Writer], Awaitable[Term | None]]


class Mas:
    def __init__(self, runtime: Runtime, service: MasService | None) -> None:
        self.runtime = runtime
        self.service = service
        self._tasks: set[asyncio.Task[None]] = set()

    def _service(self) -> MasService:
        if self.service is None:
            raise HostRefused("this server does not let agents change the system")
        return self.service

    def _start(self, agent: str, what: str, work: Work, writes: bool = True) -> ActionPending:
        token = new_id()
        task = asyncio.create_task(self._run(agent, token, what, work, writes))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return ActionPending(token)

    async def _run(self, agent: str, token: str, what: str, work: Work, writes: bool) -> None:
        outcome: ActionSucceeded | ActionFailed
        try:
            if writes:
                async with self.runtime.store.write(WriteContext(actor=agent)) as writer:
                    value = await work(writer)
            else:
                value = await work(None)  # type: ignore[arg-type]
            outcome = ActionSucceeded(value)
        except DomainError as exc:
            outcome = ActionFailed(f"{what}: {exc.detail}")
        except Exception as exc:  # the agent's plan fails; the server goes on
            log.exception("%s by %s failed", what, agent)
            outcome = ActionFailed(f"{what} failed: {type(exc).__name__}")
        live = self.runtime.live.get(agent)
        if live is not None and token in live.agent.pending_actions:
            live.agent.resume(token, outcome)
            self.runtime.touched(live)

    # -- agents ------------------------------------------------------------------------------------------------

    def agent_names(self, agent: str) -> list[str]:
        return sorted(self.runtime.known)

    def create_agent(self, creator: str, name: str | None, source: str, is_file: bool) -> ActionPending:
        service = self._service()

        async def work(writer: Writer) -> Term:
            return Struct(await service.create_agent(writer, creator, name, source, is_file))

        return self._start(creator, ".create_agent", work)

    def kill_agent(self, killer: str, name: str) -> ActionPending:
        service = self._service()

        async def work(writer: Writer) -> None:
            await service.kill_agent(writer, name)

        return self._start(killer, ".kill_agent", work)

    def stop_mas(self, agent: str) -> ActionPending:
        """Every running agent is stopped, each in a revision of its own; the caller last."""
        service = self._service()
        names = sorted(n for n, state in self.runtime.known.items() if state == "running" and n != agent)

        async def work(writer: Writer) -> None:
            for name in [*names, agent]:
                await service.stop_agent(writer, name)

        return self._start(agent, ".stopMAS", work)

    # -- the directory -----------------------------------------------------------------------------------------

    def df_register(self, agent: str, service_name: str, type_: str | None) -> ActionPending:
        service = self._service()

        async def work(writer: Writer) -> None:
            for subscriber in await service.df_register(writer, agent, service_name, type_):
                self._tell_provider(subscriber, agent, service_name)

        return self._start(agent, ".df_register", work)

    def df_deregister(self, agent: str, service_name: str, type_: str | None) -> ActionPending:
        service = self._service()

        async def work(writer: Writer) -> None:
            await service.df_deregister(writer, agent, service_name, type_)

        return self._start(agent, ".df_deregister", work)

    def df_subscribe(self, agent: str, service_name: str, type_: str | None) -> ActionPending:
        service = self._service()

        async def work(writer: Writer) -> None:
            for provider in await service.df_subscribe(writer, agent, service_name, type_):
                self._tell_provider(agent, provider, service_name)

        return self._start(agent, ".df_subscribe", work)

    def df_search(self, agent: str, service_name: str, type_: str | None) -> ActionPending:
        service = self._service()

        async def work(_writer: Any) -> Term:
            return tuple(Struct(n) for n in await service.df_search(service_name, type_))

        return self._start(agent, ".df_search", work, writes=False)

    def _tell_provider(self, subscriber: str, provider: str, service: str) -> None:
        """``provider(Agent, "Service")`` (the service as a string, as Jason tells it) told to a subscriber, from
        ``df`` (committed with the next flush)."""
        try:
            self.runtime.record_send(
                "df", subscriber, "tell", Struct("provider", (Struct(provider), service)), new_id(), None
            )
        except Exception:  # a subscriber that is gone or stopped hears nothing
            log.debug("provider(%s, %s) not told to %s", provider, service, subscriber)
