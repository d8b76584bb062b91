"""The server's check of a manifest it receives: decoding checked the shape and the names, this checks the
content (code that parses, known artefact types, properties that fit them, organisation specifications) and
normalizes it the way the resources store it, so planning can compare by equality.

Every problem is reported at once, located by a JSON Pointer into the manifest (and a line and column in code).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from romas.agentspeak import AgentFiles, check_source
from romas.deploy.manifest import AgentSpec, ArtefactSpec, Manifest, WorkspaceSpec
from romas.domain.artefact_types import Registry
from romas.domain.organisations import json_pointer, validate_specification


@dataclass(frozen=True, slots=True)
class ManifestProblem:
    pointer: str
    """Where in the manifest, as a JSON Pointer (``/agents/bob/code``)."""
    message: str
    line: int | None = None
    column: int | None = None


def check_manifest(manifest: Manifest, registry: Registry) -> tuple[Manifest | None, list[ManifestProblem]]:
    """The normalized manifest, or None and every problem."""
    problems: list[ManifestProblem] = []
    agents: dict[str, AgentSpec] = {}
    files = AgentFiles({f"{name}.asl": agent.code for name, agent in manifest.agents.items()})
    for name, agent in manifest.agents.items():
        for diagnostic in check_source(agent.code, files, f"{name}.asl"):
            problems.append(
                ManifestProblem(
                    json_pointer("agents", name, "code"), diagnostic.message, diagnostic.line, diagnostic.column
                )
            )
        agents[name] = agent
    workspaces: dict[str, WorkspaceSpec] = {}
    for ws_name, workspace in manifest.workspaces.items():
        artefacts: dict[str, ArtefactSpec] = {}
        for art_name, artefact in workspace.artefacts.items():
            pointer = json_pointer("workspaces", ws_name, "artefacts", art_name)
            artefact_type = registry.get(artefact.type)
            if artefact_type is None:
                known = ", ".join(registry.names())
                problems.append(
                    ManifestProblem(f"{pointer}/type", f"unknown artefact type '{artefact.type}'; known types: {known}")
                )
                continue
            normalized, errors = artefact_type.validate_properties(artefact.properties)
            problems.extend(ManifestProblem(f"{pointer}/properties{e.path}", e.message) for e in errors)
            if normalized is not None:
                artefacts[art_name] = ArtefactSpec(
                    type=artefact.type, properties=normalized, description=artefact.description
                )
        workspaces[ws_name] = WorkspaceSpec(description=workspace.description, artefacts=artefacts)
    organisations: dict[str, dict[str, Any]] = {}
    for org_name, body in manifest.organisations.items():
        spec, spec_errors = validate_specification(body)
        pointer = json_pointer("organisations", org_name)
        problems.extend(ManifestProblem(pointer + e.path, e.message) for e in spec_errors)
        if spec is not None:
            organisations[org_name] = spec.to_builtins()
    if problems:
        return None, problems
    return Manifest(agents=agents, workspaces=workspaces, organisations=organisations), []
