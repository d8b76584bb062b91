"""A2A (Agent2Agent protocol v1.0): romas agents that opt in, seen as A2A servers.

An agent opts in with ``metadata.a2a = {"enabled": true, "skills": [...]}``. Its Agent Card lists its skills:
those given there, else one per plan labelled with a ``skill("...")`` annotation, else one from its description.

An A2A task IS the agent's inbox message: the same id, the same revisioned history. A message sent over A2A
becomes an inbox message by this rule:

- a ``data`` part ``{"performative": ..., "content": ...}`` says both;
- otherwise the first ``text`` part is the content (an AgentSpeak term) and the message's
  ``metadata.performative`` the performative; without one, a term with variables is a question (``askOne``) and
  a ground one a goal (``achieve``).

The message's status is the task's state: ``accepted`` and ``delivered`` → working, ``processed`` → completed
(the reply, if any, as the ``reply`` artifact), ``failed`` and ``expired`` → failed with the reason,
``cancelled`` (CancelTask) → canceled; content romas refuses → rejected.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from romas.agentspeak import AgentSpeakSyntaxError, parse_term, source_term
from romas.agentspeak.terms import variables
from romas.store.inbox import MessageRow

PERFORMATIVES = frozenset({"tell", "untell", "achieve", "unachieve", "askOne", "askAll"})
PROTOCOL_VERSION = "1.0"
_SKILL = re.compile(r'skill\(\s*"((?:[^"\\]|\\.)*)"\s*\)')
TASK_STATES = {
    "accepted": "TASK_STATE_WORKING",
    "delivered": "TASK_STATE_WORKING",
    "processed": "TASK_STATE_COMPLETED",
    "failed": "TASK_STATE_FAILED",
    "expired": "TASK_STATE_FAILED",
    "cancelled": "TASK_STATE_CANCELED",
}
"""The A2A task state of each status of a message."""


class Refused(ValueError):
    """A message romas cannot turn into an inbox message; the task is rejected with this reason."""


def a2a_settings(state: dict[str, Any]) -> dict[str, Any] | None:
    """The agent's A2A opt-in, or None when it has not opted in."""
    meta = state.get("metadata") or {}
    a2a = meta.get("a2a") if isinstance(meta, dict) else None
    if isinstance(a2a, dict) and a2a.get("enabled") is True:
        return a2a
    return None


def skills_of(name: str, state: dict[str, Any], a2a: dict[str, Any]) -> list[dict[str, Any]]:
    given = a2a.get("skills")
    skills: list[dict[str, Any]] = []
    if isinstance(given, list) and given:
        for item in given:
            if isinstance(item, str):
                skills.append({"id": item, "name": item, "description": item, "tags": [name]})
            elif isinstance(item, dict) and isinstance(item.get("id"), str):
                skills.append(
                    {
                        "id": item["id"],
                        "name": str(item.get("name", item["id"])),
                        "description": str(item.get("description", item.get("name", item["id"]))),
                        "tags": [str(t) for t in item.get("tags", [name]) if isinstance(t, str)],
                        **(
                            {"examples": [str(e) for e in item["examples"]]}
                            if isinstance(item.get("examples"), list)
                            else {}
                        ),
                    }
                )
        return skills
    seen: set[str] = set()
    for found in _SKILL.findall(str(state.get("code", ""))):
        if found not in seen:
            seen.add(found)
            skills.append({"id": found, "name": found, "description": found, "tags": [name]})
    if not skills:
        description = str(state.get("description") or f"the romas agent {name}")
        skills.append({"id": name, "name": name, "description": description, "tags": [name]})
    return skills


def agent_card(base: str, name: str, state: dict[str, Any], a2a: dict[str, Any]) -> dict[str, Any]:
    root = f"{base}/agents/{name}/a2a"
    return {
        "name": name,
        "description": str(state.get("description") or f"the romas agent {name}"),
        "supportedInterfaces": [
            {"url": root, "protocolBinding": "HTTP+JSON", "protocolVersion": PROTOCOL_VERSION},
            {"url": f"{root}/jsonrpc", "protocolBinding": "JSONRPC", "protocolVersion": PROTOCOL_VERSION},
        ],
        "provider": {"organization": "romas", "url": base},
        "version": str(a2a.get("version", "1")),
        "capabilities": {"streaming": True, "pushNotifications": True},
        "defaultInputModes": ["text/plain", "application/json"],
        "defaultOutputModes": ["text/plain"],
        "skills": skills_of(name, state, a2a),
    }


def to_inbox(message: dict[str, Any]) -> tuple[str, str]:
    """The performative and content (a normalised AgentSpeak term) an A2A message becomes, by the rule above."""
    parts = message.get("parts")
    if not isinstance(parts, list) or not parts:
        raise Refused("the message has no parts")
    meta = message.get("metadata") if isinstance(message.get("metadata"), dict) else {}
    performative = meta.get("performative") if isinstance(meta, dict) else None
    text: str | None = None
    for part in parts:
        if not isinstance(part, dict):
            continue
        data = part.get("data")
        if isinstance(data, dict) and isinstance(data.get("content"), str):
            text = data["content"]
            performative = data.get("performative", performative)
            break
        if isinstance(part.get("text"), str):
            text = part["text"]
            break
    if text is None:
        raise Refused("romas understands a text part (an AgentSpeak term) or a data part with a content")
    try:
        term = parse_term(text.strip())
    except AgentSpeakSyntaxError as exc:
        raise Refused(f"the content is not an AgentSpeak term: {exc}") from None
    if performative is None:
        performative = "askOne" if variables(term) else "achieve"
    if performative not in PERFORMATIVES:
        raise Refused(f"unknown performative {performative!r}; use one of {sorted(PERFORMATIVES)}")
    return str(performative), source_term(term)


def _instant(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def task_of(row: MessageRow, *, history: bool = True) -> dict[str, Any]:
    state = TASK_STATES.get(row.status, "TASK_STATE_WORKING")
    status: dict[str, Any] = {
        "state": state,
        "timestamp": _instant(row.finished_at or row.delivered_at or row.accepted_at),
    }
    if row.status in ("failed", "expired", "cancelled"):
        reason = (row.error or {}).get("detail") or f"the message {row.status}"
        status["message"] = {
            "messageId": f"{row.id}-status",
            "role": "ROLE_AGENT",
            "parts": [{"text": str(reason)}],
            "taskId": row.id,
            "contextId": row.id,
        }
    task: dict[str, Any] = {
        "id": row.id,
        "contextId": row.id,
        "status": status,
        "metadata": {
            "performative": row.performative,
            "sender": row.sender,
            "message": f"/agents/{row.agent}/inbox/{row.id}",
        },
    }
    if row.status == "processed" and row.reply is not None:
        task["artifacts"] = [{"artifactId": f"{row.id}-reply", "name": "reply", "parts": [{"text": row.reply}]}]
    if history:
        task["history"] = [
            {
                "messageId": row.id,
                "role": "ROLE_USER",
                "parts": [{"text": row.content}],
                "taskId": row.id,
                "contextId": row.id,
                "metadata": {"performative": row.performative},
            }
        ]
    return task


def rejected_task(task_id: str, reason: str) -> dict[str, Any]:
    return {
        "id": task_id,
        "contextId": task_id,
        "status": {
            "state": "TASK_STATE_REJECTED",
            "message": {"messageId": f"{task_id}-status", "role": "ROLE_AGENT", "parts": [{"text": reason}]},
        },
    }


def final_updates(row: MessageRow) -> list[dict[str, Any]]:
    """The stream events that end a task: its reply as an artifact update, then its final status."""
    task = task_of(row, history=False)
    events: list[dict[str, Any]] = []
    for artifact in task.get("artifacts", []):
        events.append(
            {"artifactUpdate": {"taskId": row.id, "contextId": row.id, "artifact": artifact, "lastChunk": True}}
        )
    events.append({"statusUpdate": {"taskId": row.id, "contextId": row.id, "status": task["status"]}})
    return events


# -- push notifications ----------------------------------------------------------------------------------------
# A push-notification config is a webhook subscription to the task's message stream whose deliveries are A2A
# StreamResponses (romas/interop/webhooks.py), so they are retried, ordered and survive restarts the same way.


def push_state_extra(agent: str, task_id: str, config_id: str, token: str | None) -> dict[str, Any]:
    return {"agent": agent, "task": task_id, "config_id": config_id, "token": token}


def push_config_of(state: dict[str, Any]) -> dict[str, Any]:
    push = state["a2a_push"]
    config: dict[str, Any] = {"id": push["config_id"], "taskId": push["task"], "url": state["url"]}
    if push.get("token"):
        config["token"] = push["token"]
    return config
