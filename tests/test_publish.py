"""Git-based publishing against real git: a bare repository on disk is the remote (GitHub or
GitLab), a site made by `paperkg new` is the clone, and a replay server on loopback is arXiv.

`test_the_readme_walkthrough` follows the README's "Publish your own arXiv site" step by step."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from paperkg.cli import main
from tests.replay_server import Entry, ReplayServer

BASE = datetime(2026, 3, 2, tzinfo=UTC)


def paper(n: int, version: int = 1, title: str | None = None) -> Entry:
    submitted = BASE + timedelta(days=n, hours=n)
    return Entry(
        arxiv_id=f"2603.{n:05d}", version=version, submitted=submitted,
        updated=submitted + timedelta(days=20 + n) if version > 1 else None,
        title=title or f"Consensus paper {n}", authors=(f"Ada Writer {n}", "Shared Author"),
        categories=("cs.DC",), abstract=f"On consensus, part {n}.",
    )


@pytest.fixture(autouse=True)
def git_identity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test has its own git configuration: a committer, nothing from this machine."""
    config = tmp_path / "gitconfig"
    config.write_text("[user]\n\tname = Site Maintainer\n\temail = maintainer@example.org\n"
                      "[init]\n\tdefaultBranch = main\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


def paperkg(*args: str | Path, ok: bool = True) -> str:
    result = CliRunner().invoke(main, [str(a) for a in args])
    if ok:
        assert result.exit_code == 0, result.output
    else:
        assert result.exit_code == 1, result.output
    return result.output


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def configure(site: Path, server: ReplayServer) -> None:
    """The walkthrough's edit of mkdocs.yml: a query to keep up to date (here arXiv is the
    replay server, which may be asked faster than arXiv's 3 s)."""
    config = site / "mkdocs.yml"
    config.write_text(config.read_text().replace(
        "      page_size: 100\n",
        f"      page_size: 100\n      harvest:\n        api_url: {server.api_url}\n        delay: 0.05\n"
        "        queries:\n          - cat:cs.DC\n",
    ))


def remote_log(remote: Path, branch: str) -> list[str]:
    return git(remote, "log", "--format=%H %s", branch).splitlines()


@pytest.fixture
def server():
    with ReplayServer([paper(n) for n in range(1, 6)]) as replay:
        yield replay


@pytest.fixture
def published(tmp_path: Path, server: ReplayServer) -> tuple[Path, Path]:
    """A site through the walkthrough's first steps: made, committed, updated, published."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "--bare", "--quiet", str(remote))
    site = tmp_path / "my-papers"
    paperkg("new", site)
    configure(site, server)
    git(site, "add", "--all")
    git(site, "commit", "--quiet", "-m", "New paperkg site")
    git(site, "remote", "add", "origin", str(remote))
    paperkg("update", "--project", site)
    git(site, "push", "--quiet", "origin", "main")
    paperkg("publish", "--project", site)
    return site, remote


def test_the_readme_walkthrough(published: tuple[Path, Path], server: ReplayServer) -> None:
    site, remote = published
    # `paperkg update`: one commit, its message listing the papers
    subject, *body = git(site, "log", "-1", "--format=%B", "main").strip().splitlines()
    assert subject.startswith("Add 5 papers (2603.00001 Consensus paper 1, 2603.00002 Consensus paper 2, ")
    assert "- 2603.00005 v1 Consensus paper 5" in body
    assert git(site, "status", "--porcelain") == ""  # graph/ committed, generated pages ignored

    # `paperkg publish`: the site on gh-pages, its commit naming the source commit
    source = git(site, "rev-parse", "main").strip()
    (pages_commit,) = remote_log(remote, "gh-pages")
    assert source[:12] in pages_commit
    assert f"Source: {source}" in git(remote, "log", "-1", "--format=%B", "gh-pages")
    files = git(remote, "ls-tree", "-r", "--name-only", "gh-pages").splitlines()
    assert {"index.html", "paper/2603.00003/index.html", "dump/graph.nt.gz", ".nojekyll"} <= set(files)
    assert git(site, "symbolic-ref", "--short", "HEAD").strip() == "main"  # working tree untouched
    assert git(site, "status", "--porcelain") == ""

    # publishing again changes nothing: no commit
    output = paperkg("publish", "--project", site)
    assert "up to date" in output and "Site: https://example.org/my-papers/" in output
    assert len(remote_log(remote, "gh-pages")) == 1

    # a day with nothing new: no commit
    head = git(site, "rev-parse", "HEAD")
    assert "nothing new" in paperkg("update", "--project", site)
    assert git(site, "rev-parse", "HEAD") == head and git(site, "status", "--porcelain") == ""

    # arXiv has two new papers and a new version of one: one commit that lists them
    server.entries = [p for p in server.entries if p.arxiv_id != "2603.00002"] + [
        paper(2, version=2, title="Consensus paper 2, revised"), paper(7), paper(8)]
    paperkg("update", "--publish", "--project", site)
    message = git(site, "log", "-1", "--format=%B", "main")
    assert message.startswith("Add 2 papers, update 1 (2603.00007 Consensus paper 7, 2603.00008 Consensus "
                              "paper 8, 2603.00002 Consensus paper 2, revised)")
    assert "Updated:\n- 2603.00002 v2 Consensus paper 2, revised" in message
    changed = git(site, "show", "--name-only", "--format=", "HEAD").split()
    assert changed and all(name.startswith("graph/") for name in changed)
    # ... and `--publish` published it: one more commit on gh-pages, main untouched
    log = remote_log(remote, "gh-pages")
    assert len(log) == 2 and git(site, "rev-parse", "HEAD").strip()[:12] in log[0]
    assert "paper/2603.00008/index.html" in git(remote, "ls-tree", "-r", "--name-only", "gh-pages")
    assert git(site, "status", "--porcelain") == ""


def test_dry_run_shows_the_changes_and_pushes_nothing(published: tuple[Path, Path], server: ReplayServer) -> None:
    site, remote = published
    server.entries = [*server.entries, paper(9)]
    paperkg("update", "--project", site)
    local_pages = git(site, "rev-parse", "gh-pages")
    output = paperkg("publish", "--dry-run", "--project", site)
    assert "would push 1 commit" in output and "A\tpaper/2603.00009/index.html" in output
    assert len(remote_log(remote, "gh-pages")) == 1
    assert git(site, "rev-parse", "gh-pages") == local_pages  # the branch is as it was
    assert "pushed" in paperkg("publish", "--project", site)
    assert len(remote_log(remote, "gh-pages")) == 2


def test_publishing_to_a_remote_given_by_url(published: tuple[Path, Path], tmp_path: Path) -> None:
    site, _ = published
    other = tmp_path / "mirror.git"
    git(tmp_path, "init", "--bare", "--quiet", str(other))
    output = paperkg("publish", "--remote", str(other), "--branch", "pages", "--project", site)
    assert "pushed" in output
    assert "index.html" in git(other, "ls-tree", "-r", "--name-only", "pages").split()


def test_preflight_failures_are_one_line_and_push_nothing(published: tuple[Path, Path], tmp_path: Path) -> None:
    site, remote = published
    before = remote_log(remote, "gh-pages")

    lone = tmp_path / "lone"
    paperkg("new", lone)
    subprocess.run(["rm", "-rf", str(lone / ".git")], check=True)
    assert "is not in a git repository" in paperkg("publish", "--project", lone, ok=False)

    output = paperkg("publish", "--remote", str(tmp_path / "nowhere.git"), "--project", site, ok=False)
    assert "remote " in output and "is unreachable" in output

    month = next((site / "graph" / "papers").glob("*.ttl"))
    month.write_text(month.read_text() + "\n")
    output = paperkg("publish", "--project", site, ok=False)
    assert "uncommitted change" in output and "commit them first" in output
    assert "uncommitted change" in paperkg("update", "--project", site, ok=False)
    git(site, "checkout", "--", "graph")

    (site / "templates" / "paper.md.j2").write_text("{{ no_such_variable }}")  # a site template that breaks
    output = paperkg("publish", "--project", site, ok=False)
    assert "paper.md.j2" in output
    assert remote_log(remote, "gh-pages") == before
    assert len([line for line in output.splitlines() if line.startswith("paperkg: error:")]) == 1
