"""What Litestar cannot infer for the served OpenAPI document, added once after the document is built.

Clients generated from the document (Postman, schemathesis, SDK generators) send what it says is allowed, so it
says exactly what the server accepts: request bodies are closed objects (unknown fields are refused), the fields
a GET returns and a PUT accepts-and-ignores are ``readOnly`` (so tools leave them out), path and query
parameters carry realistic examples from the sample MAS, and every operation has a request example.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

# Component name -> the fields a client may send back as read but that the server ignores.
CLOSED_BODIES: dict[str, frozenset[str]] = {}


def closed_body(*read_only: str) -> Callable[[T], T]:
    """Declare a request struct closed (``forbid_unknown_fields``) and name its read-only, ignored fields."""

    def register(cls: T) -> T:
        CLOSED_BODIES[getattr(cls, "__name__", str(cls))] = frozenset(read_only)
        return cls

    return register


# Names of the sample MAS (agent_specs/), so that examples are requests that work on `romas serve --seed`.
PARAMETER_EXAMPLES: dict[str, Any] = {
    "name": "bob",
    "ws": "bakery",
    "art": "stock",
    "org": "shop",
    "g": "team",
    "s": "today",
    "goal": "bread_baked",
    "type_name": "counter",
    "operation": "inc",
    "agent": "sam",
    "role": "seller",
    "revision": 1,
    "slug": "not-found",
    "at": "2026-01-01T00:00:00Z",
    "limit": 20,
    "stream_type": "agent",
    "stream": "/agents/bob",
    "from": 1,
    "to": 2,
    "after": 0,
}

AGENT_CODE = '!start.\n\n+!start <- .print("hello from romas").\n'

# (method, path) -> request body example.
BODY_EXAMPLES: dict[tuple[str, str], Any] = {
    ("put", "/agents/{name}"): {"code": AGENT_CODE, "description": "Says hello", "metadata": {}, "state": "running"},
    ("patch", "/agents/{name}"): {"description": "Bob, the baker (new description)"},
    ("put", "/agents/{name}/code"): AGENT_CODE,
    ("post", "/agents/{name}/inbox"): {"performative": "tell", "content": "price(bread, 3)"},
    ("post", "/agents/{name}/commands"): {"body": '.print("hello"); X = 1 + 2', "timeout_s": 10},
    ("put", "/workspaces/{ws}"): {"description": "The corner bakery"},
    ("put", "/workspaces/{ws}/artefacts/{art}"): {
        "type": "counter",
        "properties": {"count": 5},
        "description": "Loaves on the shelf",
    },
    ("post", "/workspaces/{ws}/artefacts/{art}/operations/{operation}"): {"args": []},
    ("put", "/organisations/{org}"): {
        "roles": {"seller": {}, "customer": {}},
        "groups": {"shop_team": {"roles": {"seller": {"min": 1, "max": 1}, "customer": {"min": 0, "max": 5}}}},
        "schemes": {
            "sale": {
                "goals": {"sold": {"sequence": ["ordered", "paid"]}, "ordered": {}, "paid": {}},
                "missions": {"m_sell": {"goals": ["paid"]}, "m_order": {"goals": ["ordered"]}},
            }
        },
        "norms": [
            {"id": "n_sell", "type": "obligation", "role": "seller", "mission": "m_sell"},
            {"id": "n_order", "type": "obligation", "role": "customer", "mission": "m_order"},
        ],
    },
    ("put", "/organisations/{org}/groups/{g}"): {"type": "bakery_team"},
    ("post", "/organisations/{org}/groups/{g}/players"): {"agent": "sam", "role": "seller"},
    ("put", "/organisations/{org}/schemes/{s}"): {"type": "daily_bread", "group": "team"},
    ("post", "/organisations/{org}/schemes/{s}/commitments"): {"agent": "sam", "mission": "m_sell"},
    ("post", "/organisations/{org}/schemes/{s}/goals/{goal}/achieved"): {"agent": "bob"},
    ("post", "/deployments"): {
        "manifest": {"agents": {"hello": {"code": AGENT_CODE}}, "workspaces": {}, "organisations": {}},
        "dry_run": True,
    },
}

# Answers recorded from a real server (an agent, a workspace, an artefact, a message, a command, an invocation),
# shown as the example of every response that returns one of them.
RESPONSE_EXAMPLES = Path(__file__).with_name("static") / "response_examples.json"

# PATCH bodies are merge patches of a resource's writable fields.
AGENT_PATCH = {
    "type": "object",
    "additionalProperties": False,
    "description": "A JSON merge patch (RFC 7396) of the agent's writable fields; read-only fields are ignored.",
    "properties": {
        "code": {"type": "string", "maxLength": 1024 * 1024},
        "description": {"type": "string"},
        "metadata": {"oneOf": [{"type": "object"}, {"type": "null"}]},
        "state": {"type": "string", "enum": ["running", "stopped"]},
        **{
            field: {"readOnly": True}
            for field in (
                "name",
                "revision",
                "updated_at",
                "code_revision",
                "running_code_revision",
                "workspaces",
                "focus",
                "process",
                "_links",
            )
        },
    },
}


def _component(schemas: dict[str, Any], name: str) -> dict[str, Any] | None:
    for key, schema in schemas.items():
        if key == name or key.endswith(f"_{name}"):
            return schema  # type: ignore[no-any-return]
    return None


def _close_bodies(schemas: dict[str, Any]) -> None:
    for name, read_only in CLOSED_BODIES.items():
        schema = _component(schemas, name)
        if schema is None:
            continue
        schema["additionalProperties"] = False
        properties: dict[str, Any] = schema.get("properties", {})
        for field in read_only:
            if field in properties:
                properties[field] = {**properties[field], "readOnly": True}
        if "required" in schema:
            schema["required"] = [f for f in schema["required"] if f not in read_only]


def _examples(paths: dict[str, Any]) -> None:
    for path, item in paths.items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for parameter in operation.get("parameters", []):
                example = PARAMETER_EXAMPLES.get(parameter.get("name"))
                if example is not None and "example" not in parameter and "examples" not in parameter:
                    parameter["example"] = example
            responses = operation["responses"]
            named = {parameter.get("name") for parameter in operation.get("parameters", [])}
            if "cursor" in named and "404" not in responses and "400" in responses:
                responses["404"] = {**copy.deepcopy(responses["400"]), "description": "Not Found"}
            body = operation.get("requestBody")
            example = BODY_EXAMPLES.get((method, path))
            if body is not None and example is not None:
                for media in body.get("content", {}).values():
                    media["example"] = copy.deepcopy(example)
            if (method, path) == ("patch", "/agents/{name}") and body is not None:
                for media in body.get("content", {}).values():
                    media["schema"] = copy.deepcopy(AGENT_PATCH)


def _map_values(schemas: dict[str, Any]) -> None:
    """Constraints on the values of a map, which Litestar drops."""
    deployment = _component(schemas, "DeploymentInput")
    if deployment is not None and "expected_revisions" in deployment.get("properties", {}):
        deployment["properties"]["expected_revisions"]["additionalProperties"] = {
            "type": "integer",
            "minimum": 0,
            "maximum": 2**31 - 1,
            "description": "The revision the resource must be at (0: it must not exist).",
        }


def refine(document: dict[str, Any]) -> None:
    """Add to the served document, in place, what the code's types cannot say."""
    schemas = document.get("components", {}).get("schemas", {})
    _close_bodies(schemas)
    _map_values(schemas)
    for name, example in json.loads(RESPONSE_EXAMPLES.read_text(encoding="utf-8")).items():
        schema = _component(schemas, name)
        if schema is not None:
            schema["example"] = example
    _examples(document.get("paths", {}))
