"""What the server checks in a manifest it receives: its shape, at every JSON Pointer, then its content."""

from __future__ import annotations

from typing import Any

from romas.deploy.manifest import Manifest, manifest_problems
from romas.deploy.validate import check_manifest
from romas.domain.artefact_types import builtin_registry


def test_every_shape_problem_is_located() -> None:
    data: dict[str, Any] = {
        "agents": {"Bad": {"code": ""}, "ok": {"code": 1}, "st": {"code": "", "state": "paused"}},
        "workspaces": {"w": {"description": 3, "artefacts": {"a": {"type": "X"}, "B": {}}}, "v": []},
        "organisations": {"o": 3},
        "extra": True,
    }
    assert manifest_problems(data, "/manifest") == [
        ("/manifest/extra", "unknown field; a manifest has agents, workspaces, organisations"),
        (
            "/manifest/agents/Bad",
            "'Bad' is not a valid agent name: a name starts with a lowercase letter (names are AgentSpeak atoms)",
        ),
        ("/manifest/agents/ok/code", "Expected `str`, got `int`"),
        ("/manifest/agents/st/state", "Invalid enum value 'paused'"),
        ("/manifest/workspaces/w/description", "Expected `str`, got `int`"),
        (
            "/manifest/workspaces/w/artefacts/B",
            "'B' is not a valid artefact name: a name starts with a lowercase letter (names are AgentSpeak atoms)",
        ),
        ("/manifest/workspaces/w/artefacts/a/type", "Expected `str` matching regex '^[a-z][a-zA-Z0-9_]{0,63}$'"),
        ("/manifest/workspaces/v", "expected an object, got an array"),
        ("/manifest/organisations/o", "expected an object, got a number"),
    ]
    assert manifest_problems([]) == [("", "expected an object, got an array")]
    assert manifest_problems({"agents": {"a": {"code": "x"}}}) == []


def test_content_is_checked_and_normalized() -> None:
    manifest = Manifest.from_builtins(
        {
            "agents": {"a": {"code": "+!go <- .print(.\n"}},
            "workspaces": {
                "w": {"artefacts": {"q": {"type": "queue"}, "c": {"type": "counter", "properties": {"n": 1}}}}
            },
            "organisations": {"o": {"roles": {"r": {}}, "norms": [{"id": "n", "type": "duty"}]}},
        }
    )
    normalized, problems = check_manifest(manifest, builtin_registry())
    assert normalized is None
    pointers = [p.pointer for p in problems]
    assert pointers[0] == "/agents/a/code" and problems[0].line == 1 and problems[0].column is not None
    assert "/workspaces/w/artefacts/c/properties/n" in pointers
    assert any(p.startswith("/organisations/o/norms/0") for p in pointers)
    good = Manifest.from_builtins(
        {"workspaces": {"w": {"artefacts": {"q": {"type": "queue"}}}}, "organisations": {"o": {}}}
    )
    normalized, problems = check_manifest(good, builtin_registry())
    assert problems == [] and normalized is not None
    assert normalized.workspaces["w"].artefacts["q"].properties == {"items": [], "size": 0}
    assert "roles" in normalized.organisations["o"]


def test_includes_reach_the_manifest_agents_only() -> None:
    from romas.deploy.manifest import AgentSpec

    lib = AgentSpec(code="+!greet <- .print(hi).\n", state="stopped")
    good = Manifest(agents={"lib": lib, "user": AgentSpec(code='{ include("lib.asl") }\n')})
    normal, problems = check_manifest(good, builtin_registry())
    assert problems == [] and normal is not None
    bad = Manifest(agents={"lib": lib, "user": AgentSpec(code='{ include("/etc/passwd") }\n')})
    normal, problems = check_manifest(bad, builtin_registry())
    assert normal is None
    assert [(p.pointer, p.line, p.column) for p in problems] == [("/agents/user/code", 1, 1)]
    assert "outside the agent set" in problems[0].message
