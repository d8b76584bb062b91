"""Git provenance: the commit a checkout is at, trees of any ref, and no credentials leaking out."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from romas.deploy.provenance import ProvenanceError, checkout_tree, public_address, source_of


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("GITHUB_HEAD_REF", "GITHUB_REF_NAME", "CI_COMMIT_REF_NAME", "BRANCH_NAME"):
        monkeypatch.delenv(name, raising=False)
    root = tmp_path / "repo"
    (root / "agent_specs" / "agents").mkdir(parents=True)
    (root / "agent_specs" / "agents" / "bob.asl").write_text("+!go <- .print(hi).\n")
    (root / "README.md").write_text("a MAS\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Ann Baker")
    git(root, "config", "user.email", "ann@example.org")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "First bakery\n\nWith a longer body.")
    return root


def test_a_clean_checkout_names_its_commit_branch_author_and_message(repo: Path) -> None:
    source = source_of(repo / "agent_specs")
    assert source is not None
    assert source.commit == git(repo, "rev-parse", "HEAD") and source.branch == "main"
    assert source.author == "Ann Baker <ann@example.org>" and source.message == "First bakery\n\nWith a longer body."
    assert source.dirty is False and source.path == "agent_specs"
    assert source.repository == str(repo.resolve())


def test_dirty_means_the_spec_folder_differs_from_the_commit(repo: Path) -> None:
    (repo / "README.md").write_text("changed elsewhere\n")
    source = source_of(repo / "agent_specs")
    assert source is not None and source.dirty is False
    (repo / "agent_specs" / "agents" / "new.asl").write_text("+!go.\n")
    source = source_of(repo / "agent_specs")
    assert source is not None and source.dirty is True


def test_a_detached_head_takes_its_branch_from_the_ci_service(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    git(repo, "checkout", "-q", "--detach")
    source = source_of(repo / "agent_specs")
    assert source is not None and source.branch is None
    monkeypatch.setenv("CI_COMMIT_REF_NAME", "release")
    source = source_of(repo / "agent_specs")
    assert source is not None and source.branch == "release"


def test_outside_git_there_is_no_provenance(tmp_path: Path) -> None:
    assert source_of(tmp_path) is None


def test_the_remote_address_is_recorded_without_credentials(repo: Path) -> None:
    git(repo, "remote", "add", "origin", "https://ci-token:s3cret@git.example.org/team/bakery.git")
    source = source_of(repo / "agent_specs")
    assert source is not None and source.repository == "https://git.example.org/team/bakery.git"
    assert public_address("git@github.com:team/bakery.git") == "git@github.com:team/bakery.git"


def test_the_tree_of_any_ref_is_extracted(repo: Path, tmp_path: Path) -> None:
    first = git(repo, "rev-parse", "HEAD")
    (repo / "agent_specs" / "agents" / "bob.asl").write_text("+!go <- .print(bye).\n")
    git(repo, "commit", "-qam", "Bob says bye")
    git(repo, "tag", "v2")
    folder, source = checkout_tree(str(repo), first, "agent_specs", tmp_path / "old")
    assert (folder / "agents" / "bob.asl").read_text() == "+!go <- .print(hi).\n"
    assert source.commit == first and source.branch is None and source.message == "First bakery\n\nWith a longer body."
    folder, source = checkout_tree(str(repo), "main", "agent_specs", tmp_path / "new")
    assert (folder / "agents" / "bob.asl").read_text() == "+!go <- .print(bye).\n"
    assert source.branch == "main" and source.dirty is False and source.path == "agent_specs"
    folder, source = checkout_tree(f"file://{repo}", "v2", "/agent_specs/", tmp_path / "cloned")
    assert (folder / "agents" / "bob.asl").exists() and source.repository == f"file://{repo}"


def test_unknown_refs_and_folders_are_refused(repo: Path, tmp_path: Path) -> None:
    with pytest.raises(ProvenanceError, match="no commit, branch or tag 'nope'"):
        checkout_tree(str(repo), "nope", "agent_specs", tmp_path / "a")
    with pytest.raises(ProvenanceError, match="has no folder specs"):
        checkout_tree(str(repo), "main", "specs", tmp_path / "b")
    with pytest.raises(ProvenanceError, match="not a folder"):
        checkout_tree(str(repo), "main", "README.md", tmp_path / "c")
    with pytest.raises(ProvenanceError, match="not a git repository"):
        checkout_tree(str(tmp_path), "main", "agent_specs", tmp_path / "d")
    with pytest.raises(ProvenanceError, match="cannot clone"):
        checkout_tree(f"file://{tmp_path}/missing", "main", "agent_specs", tmp_path / "e")
