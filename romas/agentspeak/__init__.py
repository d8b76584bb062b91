"""romas's AgentSpeak interpreter (Jason dialect): parser, terms, reasoning cycle and internal actions.

It has no I/O of its own; everything external (clocks, printing, messages, environment actions) goes
through the :class:`Host` given to each :class:`Agent`. Typical use by a host::

    program = parse_program(source)          # raises AgentSpeakSyntaxError with every diagnostic
    agent = Agent("bob", program, host)
    agent.deliver(Message("m1", "alice", "tell", parse_term("price(apple, 10)")))
    report = agent.step(budget=100)           # StepReport(steps, idle, next_deadline)
"""

from romas.agentspeak.agent import Agent
from romas.agentspeak.diagnostics import AgentSpeakSyntaxError, Diagnostic
from romas.agentspeak.host import (
    PERFORMATIVES,
    ActionFailed,
    ActionOutcome,
    ActionPending,
    ActionSucceeded,
    BaseHost,
    CommandOutcome,
    Host,
    HostRefused,
    Limits,
    Message,
    MessageOutcome,
    StepReport,
    UnknownReceiver,
)
from romas.agentspeak.parser import AgentFiles, check_source, parse_body, parse_plan, parse_program, parse_term
from romas.agentspeak.printer import (
    format_body,
    format_plan,
    format_program,
    format_rule,
    format_term,
    source_plan,
    source_program,
    source_term,
)
from romas.agentspeak.program import Body, Plan, Program
from romas.agentspeak.serialise import TermJsonError, term_from_json, term_to_json
from romas.agentspeak.stdlib import STDLIB, Call, InternalAction, internal
from romas.agentspeak.terms import Struct, Term, Var

__all__ = [
    "PERFORMATIVES",
    "STDLIB",
    "ActionFailed",
    "ActionOutcome",
    "ActionPending",
    "ActionSucceeded",
    "Agent",
    "AgentFiles",
    "AgentSpeakSyntaxError",
    "BaseHost",
    "Body",
    "Call",
    "CommandOutcome",
    "Diagnostic",
    "Host",
    "HostRefused",
    "InternalAction",
    "Limits",
    "Message",
    "MessageOutcome",
    "Plan",
    "Program",
    "StepReport",
    "Struct",
    "Term",
    "TermJsonError",
    "UnknownReceiver",
    "Var",
    "check_source",
    "format_body",
    "format_plan",
    "format_program",
    "format_rule",
    "format_term",
    "internal",
    "parse_body",
    "parse_plan",
    "parse_program",
    "parse_term",
    "source_plan",
    "source_program",
    "source_term",
    "term_from_json",
    "term_to_json",
]
