"""``romas apply``, ``romas export`` and ``romas rollback``: a MAS kept in git, pushed to a server from CI;
``romas import``: a JaCaMo project turned into such a folder.

Exit codes a pipeline can rely on: 0 when the server did what was asked (also when nothing had to change), 1
when a deployment failed or was refused (409, 422, 5xx, an unreachable server), 2 for a usage error or a spec
folder with problems, which is refused before any request is made. ``romas import`` exits 0 when everything
came over as it is, 3 when the folder is written but something was converted approximately or left out, 1
when the written folder has problems to fix before ``romas apply``, 2 when the project cannot be read.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:  # the commands import what they use, so other romas commands start fast
    from romas.deploy.client import Server
    from romas.deploy.record import Source
    from romas.domain.artefact_types import Registry

OK: Final = 0
FAILED: Final = 1
USAGE: Final = 2
DEFAULT_SERVER: Final = "http://127.0.0.1:8000"
"""Where ``romas serve`` listens by default, so that a newcomer's first ``romas apply`` finds it."""


class UsageError(Exception):
    """Wrong arguments or unusable input: exit 2 before anything is sent."""


def _say(*lines: str) -> None:
    for line in lines:
        print(line, file=sys.stderr)


def registry_from_environment() -> Registry:
    """The artefact types a spec folder may use: the built-ins, entry points and ``ROMAS_ARTEFACT_MODULES``."""
    from romas.domain.artefact_types import ArtefactTypeLoadError, load_artefact_types

    modules = os.environ.get("ROMAS_ARTEFACT_MODULES", "").replace(",", " ").split()
    try:
        return load_artefact_types(modules)
    except ArtefactTypeLoadError as exc:
        raise UsageError("\n".join(["cannot load the artefact types:", *(f"  {p}" for p in exc.problems)])) from None


def server_url(args: argparse.Namespace) -> str:
    """``--server``, else ``ROMAS_URL`` (or ``ROMAS_SERVER``), else the address ``romas serve`` listens on."""
    return args.server or os.environ.get("ROMAS_URL") or os.environ.get("ROMAS_SERVER") or DEFAULT_SERVER


def _server(args: argparse.Namespace) -> Server:
    from romas.deploy.client import Server

    url = server_url(args)
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"--server {url!r}: expected an http:// or https:// URL")
    return Server(url, args.token or os.environ.get("ROMAS_TOKEN"), timeout=args.timeout)


def _print_answer(answer: dict[str, Any], args: argparse.Namespace) -> None:
    from romas.deploy.report import report

    if args.json:
        print(json.dumps(answer, indent=2, ensure_ascii=False))
    else:
        print("\n".join(report(answer, verbose=args.verbose)))


def _run(command: Any, args: argparse.Namespace) -> int:
    from romas.deploy.client import ServerError

    try:
        return int(command(args))
    except UsageError as exc:
        _say(f"romas {args.command}: {exc}")
        return USAGE
    except ServerError as exc:
        _say(*(f"romas {args.command}: {line}" if i == 0 else line for i, line in enumerate(exc.lines())))
        return FAILED


# -- apply -----------------------------------------------------------------------------------------------------


def _expectations(path: str) -> dict[str, int]:
    """The revisions a reviewed plan (``romas apply --dry-run --json``) started from, by resource."""
    try:
        plan = json.loads(Path(path).read_text(encoding="utf-8"))["plan"]
        return {entry["path"]: entry["from_revision"] or 0 for entry in plan}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"--expect {path}: not a plan written by romas apply --dry-run --json ({exc})") from None


def _apply(args: argparse.Namespace) -> int:
    from romas.deploy.provenance import (
        ProvenanceError,
        check_repository_address,
        checkout_tree,
        public_address,
        source_of,
    )
    from romas.deploy.specs import load_specs

    if bool(args.folder) == bool(args.git):
        raise UsageError("give a folder (romas apply DIR) or a repository (romas apply --git REPO --ref REF)")
    if args.ref and not args.git:
        raise UsageError("--ref goes with --git")
    registry = registry_from_environment()
    expected = _expectations(args.expect) if args.expect else None
    if args.git:
        try:
            check_repository_address(args.git)
        except ProvenanceError as exc:
            raise UsageError(f"--git {public_address(args.git)}: {exc}") from None
    with _server(args) as server, tempfile.TemporaryDirectory(prefix="romas-apply-") as scratch:
        source: Source | None
        if args.git:
            ref = args.ref or "HEAD"
            try:
                folder, source = checkout_tree(args.git, ref, args.path, Path(scratch))
            except ProvenanceError as exc:
                raise UsageError(f"--git {public_address(args.git)}: {exc}") from None
            label = f"{public_address(args.git)}@{ref}:{args.path.strip('/')}"
        else:
            folder, label = Path(args.folder), args.folder.rstrip("/")
            source = source_of(folder) if folder.is_dir() else None
            if source is None and folder.is_dir():
                _say(f"romas apply: {folder} is not in a git checkout: deploying without provenance")
        manifest, problems = load_specs(folder, registry)
        if manifest is None:
            _say(*(f"{label}/{p}" if p.file else f"{label}: {p.message}" for p in problems))
            raise UsageError(f"{len(problems)} problem(s) in {label}: nothing was sent")
        body: dict[str, Any] = {"manifest": manifest.to_builtins(), "dry_run": args.dry_run, "prune": args.prune}
        if source is not None:
            body["source"] = source.to_builtins()
        if expected is not None:
            body["expected_revisions"] = expected
        _print_answer(server.deploy(body), args)
    return OK


def cmd_apply(args: argparse.Namespace) -> int:
    return _run(_apply, args)


# -- export ----------------------------------------------------------------------------------------------------


def _checked_instant(text: str) -> str:
    try:
        instant = datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--at {text!r} is not an RFC 3339 instant such as 2026-11-21T10:00:00Z") from None
    if instant.tzinfo is None and "T" in text.upper():
        raise UsageError(f"--at {text!r} has no time zone; add Z or an offset such as +01:00")
    return text


def _count(number: int, what: str) -> str:
    return f"{number} {what}{'' if number == 1 else 's'}"


def _export(args: argparse.Namespace) -> int:
    from romas.deploy.specs import write_specs

    at = _checked_instant(args.at) if args.at else None
    registry = registry_from_environment()
    with _server(args) as server:
        manifest = server.manifest(at)
    folder = Path(args.folder)
    try:
        write_specs(manifest, folder, registry)
    except OSError as exc:
        _say(f"romas export: cannot write {folder}: {exc}")
        return FAILED
    artefacts = sum(len(ws.artefacts) for ws in manifest.workspaces.values())
    counted = [
        _count(len(manifest.agents), "agent"),
        f"{_count(len(manifest.workspaces), 'workspace')} ({_count(artefacts, 'artefact')})",
        _count(len(manifest.organisations), "organisation"),
    ]
    when = f", as they were at {at}" if at else ""
    print(f"wrote {counted[0]}, {counted[1]} and {counted[2]} to {folder}{when}")
    return OK


def cmd_export(args: argparse.Namespace) -> int:
    return _run(_export, args)


# -- rollback --------------------------------------------------------------------------------------------------


def _rollback(args: argparse.Namespace) -> int:
    if args.number < 1:
        raise UsageError("a deployment number is 1 or more")
    with _server(args) as server:
        _print_answer(server.rollback(args.number, force=args.force, dry_run=args.dry_run), args)
    return OK


def cmd_rollback(args: argparse.Namespace) -> int:
    return _run(_rollback, args)


# -- import -----------------------------------------------------------------------------------------------------


def _import(args: argparse.Namespace) -> int:
    from romas.deploy.jacamo import REPORT_FILE, Entry, ImportFailed, import_project
    from romas.deploy.specs import load_specs, write_specs

    jcm = Path(args.project)
    if not jcm.is_file():
        raise UsageError(f"{jcm}: no such file (name the project's .jcm file)")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: not a folder")
    if out.is_dir() and any(out.iterdir()) and not args.force:
        raise UsageError(f"--out {out} is not empty; name another folder or add --force to replace its spec files")
    registry = registry_from_environment()
    try:
        manifest, report = import_project(jcm)
    except ImportFailed as exc:
        raise UsageError(str(exc)) from None
    try:
        write_specs(manifest, out, registry)
        _, problems = load_specs(out, registry)
        for p in problems:
            where = ":".join(str(part) for part in (p.file, p.line, p.column) if part)
            report.problems.append(Entry(p.file or str(out), p.message, where))
        (out / REPORT_FILE).write_text(report.markdown(), encoding="utf-8")
    except OSError as exc:
        _say(f"romas import: cannot write {out}: {exc}")
        return FAILED
    print("\n".join(report.summary()))
    artefacts = sum(len(ws.artefacts) for ws in manifest.workspaces.values())
    print(
        f"wrote {_count(len(manifest.agents), 'agent')}, {_count(len(manifest.workspaces), 'workspace')} "
        f"({_count(artefacts, 'artefact')}) and {_count(len(manifest.organisations), 'organisation')} to {out}; "
        f"the whole report is {out / REPORT_FILE}"
    )
    return report.exit_code


def cmd_import(args: argparse.Namespace) -> int:
    return _run(_import, args)


# -- the parser ------------------------------------------------------------------------------------------------


def _server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--server", metavar="URL", help=f"the romas server (default: ROMAS_URL or ROMAS_SERVER, else {DEFAULT_SERVER})"
    )
    parser.add_argument("--token", help="bearer token (default: ROMAS_TOKEN); needs the deploy scope to change things")
    parser.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS", help="per request (default 60)")


def _output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dry-run", action="store_true", help="only show the plan; change nothing")
    parser.add_argument("--json", action="store_true", help="print the server's answer as JSON instead of a table")
    parser.add_argument("-v", "--verbose", action="store_true", help="list unchanged resources too")


def add_commands(subparsers: Any) -> None:
    """Register ``apply``, ``export`` and ``rollback`` on the ``romas`` sub-command parsers."""
    apply = subparsers.add_parser(
        "apply",
        help="deploy an agent_specs/ folder (or a git tree) to a server",
        description="Check the folder, then deploy it in one transaction and print the plan. Exit 0 on success "
        "(also when nothing changed), 1 when the deployment failed or was refused, 2 on a usage or spec error.",
    )
    apply.add_argument("folder", nargs="?", metavar="DIR", help="the agent_specs/ folder of a git checkout")
    apply.add_argument(
        "--git",
        metavar="REPO",
        help="a repository to deploy from instead of DIR: a local path or an http(s)://, ssh://, git:// or "
        "user@host:path address (git's ext:: and fd:: transports are refused)",
    )
    apply.add_argument("--ref", help="with --git: the commit, branch or tag (default HEAD)")
    apply.add_argument("--path", default="agent_specs", help="with --git: the spec folder (default agent_specs)")
    apply.add_argument("--prune", action="store_true", help="delete what the folder does not name")
    apply.add_argument(
        "--expect", metavar="PLAN", help="refuse unless nothing moved since this plan (from --dry-run --json)"
    )
    _output_options(apply)
    _server_options(apply)
    apply.set_defaults(func=cmd_apply)

    export = subparsers.add_parser(
        "export",
        help="write a server's MAS as an agent_specs/ folder",
        description="Write the MAS (or the MAS as it was at an instant) as a spec folder; applying it changes nothing.",
    )
    export.add_argument("folder", metavar="DIR")
    export.add_argument("--at", metavar="INSTANT", help="RFC 3339 instant, e.g. 2026-11-21T10:00:00Z")
    _server_options(export)
    export.set_defaults(func=cmd_export)

    rollback = subparsers.add_parser(
        "rollback",
        help="undo a deployment",
        description="Make a new deployment that brings what deployment ID changed back to where it was.",
    )
    rollback.add_argument("number", type=int, metavar="ID", help="the deployment to undo")
    rollback.add_argument(
        "--force", action="store_true", help="even when resources changed since (their changes are lost)"
    )
    _output_options(rollback)
    _server_options(rollback)
    rollback.set_defaults(func=cmd_rollback)

    jacamo = subparsers.add_parser(
        "import",
        help="turn a JaCaMo project (.jcm) into an agent_specs/ folder",
        description="Read a JaCaMo project (its agents' .asl, workspaces and artifacts, Moise os.xml and group "
        "and scheme instances) and write an agent_specs/ folder that romas apply deploys, with README-IMPORT.md "
        "listing what was converted, converted approximately or left out. Exit 0 when everything came over as "
        "it is, 3 when something was approximated or left out, 1 when the folder has problems to fix before "
        "romas apply, 2 when the project cannot be read.",
    )
    jacamo.add_argument("project", metavar="PROJECT.jcm")
    jacamo.add_argument("--out", default="agent_specs", metavar="DIR", help="the folder to write (default agent_specs)")
    jacamo.add_argument("--force", action="store_true", help="write into a folder that is not empty")
    jacamo.set_defaults(func=cmd_import)
