"""Where a spec folder comes from, read with GitPython: the commit of the checkout it is in, or the tree of
any commit of any repository, extracted to a folder so it can be checked and deployed like a checkout.

Credentials in a remote's URL (CI runners put tokens there) never leave the machine: they are cut out of the
repository address a deployment records.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

import git

from romas.deploy.record import Source

BRANCH_VARIABLES: Final = ("GITHUB_HEAD_REF", "GITHUB_REF_NAME", "CI_COMMIT_REF_NAME", "BRANCH_NAME")
"""Where CI services name the branch of a checkout they left on a detached HEAD."""
MAX_MESSAGE: Final = 10_000
URL_SCHEMES: Final = frozenset({"http", "https", "ssh", "git", "git+ssh", "ssh+git", "file"})
"""Transports that only fetch; git's ``ext::`` and ``fd::`` (and remote helpers) can run commands."""
_HELPER = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*::")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")


class ProvenanceError(Exception):
    """The repository, the ref or the folder asked for cannot be read."""


def public_address(address: str) -> str:
    """A repository address without the user name and password a URL may carry."""
    parts = urlsplit(address)
    if not parts.scheme or "@" not in parts.netloc:
        return address
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def _repository(repo: git.Repo) -> str:
    remotes = {remote.name: remote for remote in repo.remotes}
    remote = remotes.get("origin") or next(iter(remotes.values()), None)
    if remote is not None:
        urls = list(remote.urls)
        if urls:
            return public_address(urls[0])
    return str(Path(repo.working_tree_dir or repo.git_dir).resolve())


def _branch(repo: git.Repo) -> str | None:
    try:
        return repo.active_branch.name
    except TypeError:  # a detached HEAD, as CI services often leave it
        return next((os.environ[name] for name in BRANCH_VARIABLES if os.environ.get(name)), None)


def _described(commit: git.Commit, **fields: Any) -> Source:
    """A source naming ``commit``: its sha, author and message."""
    message = commit.message if isinstance(commit.message, str) else commit.message.decode(errors="replace")
    author = f"{commit.author.name} <{commit.author.email}>"
    return Source(commit=commit.hexsha, author=author, message=message.strip()[:MAX_MESSAGE], **fields)


def source_of(folder: Path) -> Source | None:
    """The commit of the checkout ``folder`` is in, and whether the folder differs from it; None outside git."""
    try:
        repo = git.Repo(folder, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None
    with repo:
        top = Path(repo.working_tree_dir or folder).resolve()
        inside = folder.resolve().relative_to(top).as_posix() if folder.resolve().is_relative_to(top) else "."
        dirty = repo.is_dirty(untracked_files=True, path=None if inside == "." else inside)
        fields: dict[str, Any] = {"repository": _repository(repo), "branch": _branch(repo), "path": inside}
        try:
            head = repo.head.commit
        except ValueError:  # a repository without any commit yet
            return Source(dirty=True, **fields)
        return _described(head, dirty=dirty, **fields)


def _reason(exc: git.GitCommandError) -> str:
    """git's own explanation (its ``fatal:`` line) rather than GitPython's account of the command."""
    lines = [line.strip().strip("'").strip() for line in str(exc.stderr).splitlines()]
    lines = [line.removeprefix("stderr: ").strip("'") for line in lines if line]
    return next((line for line in reversed(lines) if line.startswith(("fatal:", "error:"))), lines[-1] if lines else "")


def _resolve(repo: git.Repo, ref: str) -> git.Commit:
    for candidate in (ref, f"origin/{ref}"):
        try:
            return repo.commit(candidate)
        except (git.BadName, git.BadObject, ValueError):
            continue
    raise ProvenanceError(f"there is no commit, branch or tag {ref!r}")


def _is_branch(repo: git.Repo, ref: str) -> bool:
    names = {head.name for head in repo.heads}
    names.update(r.remote_head for remote in repo.remotes for r in remote.refs)
    return ref in names


def _extract(tree: git.Tree, into: Path) -> None:
    into.mkdir(parents=True, exist_ok=True)
    for item in tree.traverse():
        if not isinstance(item, git.Blob | git.Tree):
            continue  # a submodule
        target = into / Path(item.path).relative_to(tree.path) if tree.path else into / item.path
        if isinstance(item, git.Tree):
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(item.data_stream.read())


def check_repository_address(repository: str) -> None:
    """Refuse any address but a local path, an http(s)/ssh/git URL or ssh's ``user@host:path``: git reads
    ``ext::cmd`` as a command to run and ``-...`` as an option, and a repository address may come from CI input.
    GitPython's ``allow_unsafe_protocols`` stays off behind this check."""
    if not repository.strip():
        raise ProvenanceError("the repository address is empty")
    if repository.startswith("-"):
        raise ProvenanceError("a repository address cannot start with '-' (git would read it as an option)")
    if any(ord(char) < 32 for char in repository):
        raise ProvenanceError("a repository address cannot hold control characters")
    if Path(repository).exists():
        return
    helper = _HELPER.match(repository)
    if helper is not None:
        raise ProvenanceError(
            f"git's {helper.group(0)} transport is refused: give a local path or an http(s)://, ssh:// or git:// URL"
        )
    scheme = _SCHEME.match(repository)
    if scheme is not None and scheme.group(1).lower() not in URL_SCHEMES:
        raise ProvenanceError(
            f"{scheme.group(1)}:// is not a transport romas fetches with: give a local path or an http(s)://, "
            "ssh:// or git:// URL"
        )


def checkout_tree(repository: str, ref: str, path: str, into: Path) -> tuple[Path, Source]:
    """The folder ``path`` of ``ref`` in ``repository`` (a local repository, or a URL cloned under ``into``),
    written under ``into``; returns that folder and where it came from."""
    check_repository_address(repository)
    local = Path(repository)
    try:
        if local.exists():
            repo = git.Repo(local)
            address = str(local.resolve())
        else:
            repo = git.Repo.clone_from(repository, into / "clone", bare=True)
            address = public_address(repository)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise ProvenanceError(f"{repository} is not a git repository") from None
    except git.GitCommandError as exc:
        raise ProvenanceError(f"cannot clone {public_address(repository)}: {_reason(exc)}") from None
    except (git.UnsafeProtocolError, git.UnsafeOptionError) as exc:
        raise ProvenanceError(f"refused by GitPython: {exc}") from None
    with repo:
        commit = _resolve(repo, ref)
        folder = path.strip("/") or "."
        try:
            tree = commit.tree if folder == "." else commit.tree / folder
        except KeyError:
            raise ProvenanceError(f"{ref} ({commit.hexsha[:12]}) has no folder {folder}") from None
        if not isinstance(tree, git.Tree):
            raise ProvenanceError(f"{folder} is not a folder in {ref} ({commit.hexsha[:12]})")
        target = into / "specs"
        _extract(tree, target)
        branch = ref if _is_branch(repo, ref) else None
        return target, _described(commit, repository=address, branch=branch, dirty=False, path=folder)
