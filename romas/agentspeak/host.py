"""What an agent needs from the world it lives in, and what it tells that world.

An :class:`~romas.agentspeak.agent.Agent` does no I/O of its own: clocks, randomness, printing, message
sending and environment actions all go through a :class:`Host`. The server's runtime, ``romas run`` and the
tests each provide one.
"""

from __future__ import annotations

import contextlib
import random as _random
import time as _time
from dataclasses import dataclass, field
from typing import Literal, NamedTuple, Protocol

from romas.agentspeak.terms import Term

PERFORMATIVES = (
    "tell",
    "untell",
    "achieve",
    "unachieve",
    "askOne",
    "askAll",
    "tellHow",
    "untellHow",
    "askHow",
    "signal",
)


class UnknownReceiver(Exception):
    """Raised by :meth:`Host.send` when the receiver does not exist; it fails the ``.send`` action."""


class HostRefused(Exception):
    """Raised by a host service (creating or killing agents, the directory, files) that cannot or will not
    do what an agent asked; the internal action fails with the message, which a ``-!g`` plan can catch."""


class Message(NamedTuple):
    """A message delivered to an agent; ``content`` is an AgentSpeak term. (A named tuple: messages are
    created for every delivery, and this is the cheapest immutable record.)"""

    id: str
    sender: str
    performative: str
    content: Term
    in_reply_to: str | None = None


# ---- outcomes of environment actions ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ActionSucceeded:
    """The action worked; ``value`` (if any) is unified with the action's last argument."""

    value: Term | None = None


@dataclass(frozen=True, slots=True)
class ActionFailed:
    """The action failed; the plan fails with ``reason``."""

    reason: str


@dataclass(frozen=True, slots=True)
class ActionPending:
    """The action goes on outside the agent; the intention waits until ``agent.resume(token, outcome)``."""

    token: str


ActionOutcome = ActionSucceeded | ActionFailed


# ---- outcomes reported to the host -----------------------------------------------------------------------------


class MessageOutcome(NamedTuple):
    """How the handling of a delivered message ended.

    ``status`` is ``processed``, ``failed`` (with ``reason``) or ``cancelled`` (dropped on request, with
    ``reason``); ``reply`` is the answer sent for an ask.
    """

    status: Literal["processed", "failed", "cancelled"]
    reason: str | None = None
    reply: Term | None = None


@dataclass(frozen=True, slots=True)
class CommandOutcome:
    """How a command ended: ``succeeded`` (with the bindings of its variables), ``failed`` or ``cancelled``."""

    status: Literal["succeeded", "failed", "cancelled"]
    bindings: dict[str, Term] = field(default_factory=dict)
    reason: str | None = None


class StepReport(NamedTuple):
    """What :meth:`Agent.step` did: ``steps`` used, whether the agent is ``idle`` (nothing to do until a
    message, percept, resume or timer) and the earliest timer deadline (host monotonic seconds)."""

    steps: int
    idle: bool
    next_deadline: float | None


@dataclass(frozen=True, slots=True)
class Limits:
    """Safety limits; exceeding one fails the intention concerned with a clear reason."""

    max_term_size: int = 100_000
    max_term_depth: int = 200
    max_rule_depth: int = 200
    max_intentions: int = 10_000
    max_stack_depth: int = 10_000
    max_beliefs: int = 1_000_000
    max_events: int = 100_000
    max_mailbox: int = 100_000
    max_query_steps: int = 1_000_000
    """Beliefs and rule clauses tried in one reasoning step (stops exponential rule searches)."""
    max_string_bytes: int = 1024 * 1024
    """The longest string an agent may build."""
    max_term_bytes: int = 4 * 1024 * 1024
    """The largest term (estimated as in :mod:`romas.agentspeak.sizes`) an agent may build or receive."""
    max_memory_bytes: int = 16 * 1024 * 1024
    """What an agent's mind may hold in all: beliefs, pending events, mailbox and the large values its
    intentions hold. Past it, the formula that asked for more fails with ``limit_exceeded``."""
    max_memory_strikes: int = 5
    """An agent over its memory budget this many times within :attr:`strike_window_s` asks to be stopped."""
    strike_window_s: float = 60.0


class Host(Protocol):
    """The services an agent uses. Methods must not call back into the agent synchronously, except
    that ``send`` may deliver to another agent."""

    def now(self) -> float:
        """Wall clock, seconds since the epoch (for ``.time`` and ``.date``)."""
        ...

    def monotonic(self) -> float:
        """Monotonic clock in seconds (for ``.wait``)."""
        ...

    def random(self) -> float:
        """A number in [0, 1) (for ``.random``)."""
        ...

    def print(self, agent: str, text: str, intention_tag: str | None) -> None:
        """What the agent printed; ``intention_tag`` is the command id when a command printed it."""
        ...

    def log(self, agent: str, text: str) -> None:
        """Notes about the agent (a dropped intention, an event with no plan), not printed by the agent."""
        ...

    def new_message_id(self, agent: str) -> str | None:
        """An id for a message the agent is about to send, or None to let the agent number its messages
        itself (``<agent>.<n>``). A host whose ids must be unique across agents and restarts gives its own."""
        ...

    def send(
        self, sender: str, receiver: str, performative: str, content: Term, msg_id: str, in_reply_to: str | None
    ) -> None:
        """Sends a message; raises :class:`UnknownReceiver` if there is no such agent."""
        ...

    def broadcast(self, sender: str, performative: str, content: Term, msg_id: str) -> None:
        """Sends a message to every other agent."""
        ...

    def external_action(
        self, agent: str, action: Term, annotations: tuple[Term, ...]
    ) -> ActionSucceeded | ActionFailed | ActionPending:
        """Runs an environment or organisation action such as ``inc`` or ``adoptRole(R, G)``."""
        ...

    def message_done(self, agent: str, msg_id: str, outcome: MessageOutcome) -> None:
        """The handling of a delivered message ended."""
        ...

    def command_done(self, agent: str, cmd_id: str, outcome: CommandOutcome) -> None:
        """A command ended."""
        ...

    # The services below (the agents of the system and the directory) answer at once, or with
    # ActionPending when the work takes time: the agent's intention then waits for ``agent.resume``, whose
    # value (a name, a list of names) is the action's result. They raise HostRefused to fail the action.

    def agent_names(self, agent: str) -> list[str] | ActionPending:
        """The names of every agent of the system (for ``.all_names``)."""
        ...

    def create_agent(self, creator: str, name: str | None, source: str, is_file: bool) -> str | ActionPending:
        """Creates an agent from code text or from a file of the agent set; ``name`` None lets the host
        choose one. Returns the name."""
        ...

    def kill_agent(self, killer: str, name: str) -> ActionPending | None:
        """Deletes an agent."""
        ...

    def stop_mas(self, agent: str) -> ActionPending | None:
        """Stops every agent of the system (``.stopMAS``)."""
        ...

    def df_register(self, agent: str, service: str, type_: str | None) -> ActionPending | None:
        """The directory (yellow pages): ``agent`` provides ``service``."""
        ...

    def df_deregister(self, agent: str, service: str, type_: str | None) -> ActionPending | None:
        """``agent`` no longer provides ``service`` (of any type when ``type_`` is None)."""
        ...

    def df_search(self, agent: str, service: str, type_: str | None) -> list[str] | ActionPending:
        """The agents providing ``service``, in the order they registered."""
        ...

    def df_subscribe(self, agent: str, service: str, type_: str | None) -> ActionPending | None:
        """``agent`` is told ``provider(Agent, Service)`` (from ``df``) for every provider, now and later."""
        ...


class BaseHost:
    """A host with real clocks, no environment actions and no other agents; subclass what you need."""

    def __init__(self, seed: int | None = None) -> None:
        self._rng = _random.Random(seed)
        self._services: list[tuple[str, str, str | None]] = []  # (agent, service, type) in order
        self._subscribers: list[tuple[str, str, str | None]] = []
        self._df_messages = 0

    def seed(self, seed: int) -> None:
        """Restarts the random numbers from ``seed`` (``.set_random_seed``)."""
        self._rng.seed(seed)

    def now(self) -> float:
        return _time.time()

    def monotonic(self) -> float:
        return _time.monotonic()

    def random(self) -> float:
        return self._rng.random()

    def print(self, agent: str, text: str, intention_tag: str | None) -> None:
        print(f"[{agent}] {text}")

    def log(self, agent: str, text: str) -> None:
        pass

    def new_message_id(self, agent: str) -> str | None:
        return None

    def send(
        self, sender: str, receiver: str, performative: str, content: Term, msg_id: str, in_reply_to: str | None
    ) -> None:
        raise UnknownReceiver(receiver)

    def broadcast(self, sender: str, performative: str, content: Term, msg_id: str) -> None:
        pass

    def external_action(
        self, agent: str, action: Term, annotations: tuple[Term, ...]
    ) -> ActionSucceeded | ActionFailed | ActionPending:
        from romas.agentspeak.terms import Struct

        if type(action) is Struct:
            return ActionFailed(f"no such action: {action.functor}/{len(action.args)}")
        return ActionFailed("no such action")

    def message_done(self, agent: str, msg_id: str, outcome: MessageOutcome) -> None:
        pass

    def command_done(self, agent: str, cmd_id: str, outcome: CommandOutcome) -> None:
        pass

    def agent_names(self, agent: str) -> list[str] | ActionPending:
        return [agent]

    def create_agent(self, creator: str, name: str | None, source: str, is_file: bool) -> str | ActionPending:
        raise HostRefused("this host cannot create agents")

    def kill_agent(self, killer: str, name: str) -> ActionPending | None:
        raise HostRefused("this host cannot kill agents")

    def stop_mas(self, agent: str) -> ActionPending | None:
        raise HostRefused("this host cannot stop the agents")

    # an in-memory directory, enough for one process

    def df_register(self, agent: str, service: str, type_: str | None) -> ActionPending | None:
        entry = (agent, service, type_)
        if entry not in self._services:
            self._services.append(entry)
            for subscriber, s, t in list(self._subscribers):
                if s == service and (t is None or t == type_):
                    self._tell_provider(subscriber, agent, service)
        return None

    def df_deregister(self, agent: str, service: str, type_: str | None) -> ActionPending | None:
        self._services = [
            e for e in self._services if not (e[0] == agent and e[1] == service and (type_ is None or e[2] == type_))
        ]
        return None

    def df_search(self, agent: str, service: str, type_: str | None) -> list[str] | ActionPending:
        return self._providers(service, type_)

    def _providers(self, service: str, type_: str | None) -> list[str]:
        out: list[str] = []
        for a, s, t in self._services:
            if s == service and (type_ is None or t == type_) and a not in out:
                out.append(a)
        return out

    def df_subscribe(self, agent: str, service: str, type_: str | None) -> ActionPending | None:
        entry = (agent, service, type_)
        if entry not in self._subscribers:
            self._subscribers.append(entry)
        for provider in self._providers(service, type_):
            self._tell_provider(agent, provider, service)
        return None

    def _tell_provider(self, subscriber: str, provider: str, service: str) -> None:
        from romas.agentspeak.terms import Struct

        self._df_messages += 1
        content = Struct("provider", (Struct(provider), service))  # as Jason: the service as a string
        with contextlib.suppress(UnknownReceiver):
            self.send("df", subscriber, "tell", content, f"df.{self._df_messages}", None)
