"""The standard internal actions, one module per family; importing the package registers them all in ``STDLIB``.

An internal action is a function ``fn(call) -> result`` (see :mod:`romas.agentspeak.stdlib.core`).
"""

from __future__ import annotations

from romas.agentspeak.stdlib import (  # noqa: F401  (imported to register their actions)
    agents,
    beliefs,
    communication,
    control,
    directory,
    functions,
    goals,
    includes,
    lists,
    maps,
    meta,
    namespaces,
    plans,
    queues,
    sets,
    strings,
    terms,
    time,
)
from romas.agentspeak.stdlib.core import (
    STDLIB,
    Call,
    IAResult,
    InternalAction,
    Suspend,
    WaitReply,
    WaitTime,
    WaitTrigger,
    internal,
    text_of,
)
from romas.agentspeak.stdlib.goals import drop_desires
from romas.agentspeak.stdlib.plans import plan_from_term, remove_plans, trigger_from_term

__all__ = [
    "STDLIB",
    "Call",
    "IAResult",
    "InternalAction",
    "Suspend",
    "WaitReply",
    "WaitTime",
    "WaitTrigger",
    "drop_desires",
    "internal",
    "plan_from_term",
    "remove_plans",
    "text_of",
    "trigger_from_term",
]
