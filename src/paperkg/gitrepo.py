"""The git repository a site lives in: the few questions paperkg asks it, through the `git`
command, each failure a GitError in one line."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from paperkg.errors import PaperkgError

# Registered in every site repository so that graph/ files merge by subject block
# (paperkg.graph.gitmerge); .gitattributes names it for graph/papers, graph/authors and the
# harvest checkpoint. Without it git merges those files as plain text. By hand, with paperkg
# on PATH, it is MERGE_DRIVER; paperkg registers its own Python, which needs no PATH.
MERGE_DRIVER = "paperkg merge-driver %O %A %B %P"
GITATTRIBUTES = """\
# paperkg merges the graph's files subject by subject: papers harvested on two branches merge
# without conflicts (`paperkg new`, `paperkg update` and `paperkg publish` register the driver).
graph/papers/*.ttl merge=paperkg
graph/authors/*.ttl merge=paperkg
graph/harvest-state.json merge=paperkg
"""


class GitError(PaperkgError):
    """A git command failed, or the project is not where git can work with it."""


class Repository:
    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def of(cls, path: Path) -> Repository:
        """The repository that holds `path`."""
        if shutil.which("git") is None:
            raise GitError("git is not installed (https://git-scm.com/)")
        done = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=path, capture_output=True, text=True)
        if done.returncode != 0:
            raise GitError(f"{path} is not in a git repository: `git init` it first (see the README)")
        return cls(Path(done.stdout.strip()))

    def git(self, *args: str, check: bool = True, timeout: float | None = None) -> str:
        try:
            # Unattended: a remote that wants a password fails at once instead of waiting for one.
            done = subprocess.run(["git", *args], cwd=self.root, capture_output=True, text=True, timeout=timeout,
                                  env={**os.environ, "GIT_TERMINAL_PROMPT": "0"})
        except subprocess.TimeoutExpired:
            raise GitError(f"git {args[0]} did not answer within {timeout:.0f} s") from None
        if check and done.returncode != 0:
            message = " ".join((done.stderr or done.stdout).split()) or f"exit code {done.returncode}"
            raise GitError(f"git {' '.join(args[:2])}: {message}")
        return done.stdout

    def succeeds(self, *args: str) -> bool:
        return subprocess.run(["git", *args], cwd=self.root, capture_output=True).returncode == 0

    def head(self) -> tuple[str, str]:
        """(full hash, subject) of the checked-out commit."""
        if not self.succeeds("rev-parse", "--verify", "HEAD"):
            raise GitError(f"{self.root} has no commit yet: commit the site first")
        sha, _, subject = self.git("log", "-1", "--format=%H %s").strip().partition(" ")
        return sha, subject

    def changes(self, path: Path) -> list[str]:
        """Uncommitted changes (and untracked files) under `path`, as `git status` lines."""
        return self.git("status", "--porcelain", "--untracked-files=all", "--", str(path)).splitlines()

    def require_committed(self, path: Path, why: str) -> None:
        if changed := self.changes(path):
            raise GitError(
                f"{path} has {len(changed)} uncommitted change{'s' if len(changed) != 1 else ''} "
                f"({changed[0].strip()}{', ...' if len(changed) > 1 else ''}): commit them first, {why}"
            )

    def identity(self) -> None:
        """Commits need a name and an email."""
        for key in ("user.name", "user.email"):
            if not self.git("config", key, check=False).strip():
                raise GitError(f"git has no {key}: `git config {key} ...` (CI: set it in the workflow)")

    def ready_to_commit(self, graph_dir: Path, why: str) -> Repository:
        """The checks before paperkg commits the site: a first commit, a committed graph/ (why:
        the user's words for it), an identity; and the merge driver registered."""
        self.head()
        self.require_committed(graph_dir, why)
        self.identity()
        self.configure_merge_driver()
        return self

    def configure_merge_driver(self) -> None:
        """Register paperkg's merge driver in this clone (git keeps drivers out of the history)."""
        if self.git("config", "merge.paperkg.driver", check=False).strip() != merge_driver_command():
            # The command first: a name without one makes git refuse to merge at all.
            self.git("config", "merge.paperkg.driver", merge_driver_command())
            self.git("config", "merge.paperkg.name", "paperkg graph files, merged subject by subject")


def merge_driver_command() -> str:
    """The driver as this paperkg registers it: its own Python, so it runs without PATH."""
    return f"{shlex.quote(sys.executable)} -m paperkg merge-driver %O %A %B %P"
