"""The AgentSpeak ``romas import`` adds to an agent: what the ``.jcm`` gives it, and romas's stand-ins for the
library files of JaCaMo and Moise that agents include.

The start plan does what JaCaMo does for an agent before it reasons (its own start goals are atomic plans too):
join the workspaces, focus on the artefacts, create the group, subgroup and scheme instances the agent is in
charge of, adopt its roles, then post the ``.jcm``'s initial goals, each as an intention of its own. The
organisation actions are retried a few times, a tenth of a second apart, since another agent may not have
created the group yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from romas.deploy.jacamo_report import REPORT_FILE

RETRIES: Final = 50
"""How many times (a tenth of a second apart) the start plan tries an organisation action before giving up."""

OBEDIENT: Final = """\
// romas: an obedient agent commits to the missions and achieves the goals its organisation obliges it to
+obligation(Ag, _, committed(Ag, Mission, Scheme), _) : .my_name(Ag)
   <- .print("I am obliged to commit to ", Mission, " on ", Scheme, "... doing so");
      commitMission(Mission, Scheme).
+obligation(Ag, _, done(Scheme, Goal, Ag), _) : .my_name(Ag)
   <- !Goal;
      goalAchieved(Goal, Scheme).
"""

LIBRARY_INCLUDES: Final[dict[str, tuple[str, str]]] = {
    "$jacamo/templates/common-cartago.asl": (
        "// romas: JaCaMo's common CArtAgO plans are not needed; the start plan below joins and focuses\n",
        "JaCaMo's joining and focusing plans are replaced by the start plan romas adds",
    ),
    "$jacamo/templates/common-moise.asl": (
        "// romas: JaCaMo's common Moise plans are not needed; the start plan below adopts the roles\n",
        "JaCaMo's role adoption plans are replaced by the start plan romas adds; romas gives the organisation's "
        "percepts to the agents without focusing on organisation artefacts",
    ),
    "$moise/asl/org-obedient.asl": (
        OBEDIENT,
        "Moise's obedient agent is replaced by romas's own plans for the same obligations "
        "(commitMission(M, S) and goalAchieved(G, S) take the scheme as an argument in romas)",
    ),
}


@dataclass
class AgentStart:
    """One agent of the MAS (an instance of a ``.jcm`` agent): its code, and what its start plan does."""

    name: str
    definition: str
    source: Path
    code: str
    beliefs: list[str] = field(default_factory=list)
    goals: list[str] = field(default_factory=list)
    joins: list[str] = field(default_factory=list)
    focus: list[tuple[str, str]] = field(default_factory=list)
    create_groups: list[tuple[str, str, str | None, str]] = field(default_factory=list)
    """``(group, type, parent or None, organisation)``, parents before their subgroups."""
    create_schemes: list[tuple[str, str, str, str]] = field(default_factory=list)
    roles: list[tuple[str, str, str]] = field(default_factory=list)

    def join(self, workspace: str) -> None:
        if workspace not in self.joins:
            self.joins.append(workspace)


def appended_code(agent: AgentStart, project: str) -> str:
    lines: list[str] = []
    if agent.beliefs:
        lines.append("// initial beliefs the .jcm gives this agent")
        lines += [f"{belief}." for belief in agent.beliefs]
    steps = [f"joinWorkspace({w})" for w in agent.joins]
    steps += [f"focus({w}, {a})" for w, a in agent.focus]
    steps += [
        f"!romas_jcm_group({g}, {t}, {o}, {RETRIES})"
        if p is None
        else f"!romas_jcm_subgroup({g}, {t}, {p}, {o}, {RETRIES})"
        for g, t, p, o in agent.create_groups
    ]
    steps += [f"!romas_jcm_scheme({s}, {t}, {g}, {o}, {RETRIES})" for s, t, g, o in agent.create_schemes]
    steps += [f"!romas_jcm_role({r}, {g}, {o}, {RETRIES})" for r, g, o in agent.roles]
    steps += [f"!!{goal}" for goal in agent.goals]
    if steps:
        lines += [
            "// what JaCaMo does when the agent starts: join, focus, create groups and schemes, adopt roles,",
            "// then the initial goals the .jcm gives this agent",
            "!romas_jcm_start.",
            "@romas_jcm_start[atomic]",
            "+!romas_jcm_start",
            "   <- " + ";\n      ".join(steps) + ".",
        ]
    for goal, action, args in (
        ("romas_jcm_group", "createGroup(G, T)", "G, T, O"),
        ("romas_jcm_subgroup", "createSubgroup(G, T, P)", "G, T, P, O"),
        ("romas_jcm_scheme", "createScheme(S, T, G)", "S, T, G, O"),
        ("romas_jcm_role", "adoptRole(R, G)", "R, G, O"),
    ):
        if any(f"!{goal}(" in step for step in steps):
            lines += [
                f"+!{goal}({args}, N) <- {action}[organisation(O)].",
                f"-!{goal}({args}, N) : N > 0 <- .wait(100); !{goal}({args}, N - 1).",
                f'-!{goal}({args}, 0) <- .print("romas import: gave up {action.split("(")[0]} in ", O).',
            ]
    if not lines:
        return ""
    head = f"// ---- added by romas import: what {project} gives this agent in JaCaMo ({REPORT_FILE}) ----"
    separator = "" if agent.code.endswith("\n") or not agent.code else "\n"
    return f"{separator}\n{head}\n" + "\n".join(lines) + "\n"
