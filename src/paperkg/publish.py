"""`paperkg publish`: the built site, committed to a Pages branch and pushed.

ghp-import commits the site_dir's files to the branch (git fast-import: neither the working
tree nor the checked-out branch is touched). Around it paperkg adds what a daily, unattended
publish needs: preflight checks that fail with one line before anything is built or pushed;
a commit message naming the source commit; no commit when the site did not change (the new
commit is dropped again when its tree equals its parent's); and a dry run that shows what
would be pushed and leaves every branch as it was.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import ghp_import

from paperkg.build import build_site
from paperkg.config import Project
from paperkg.gitrepo import GitError, Repository

REMOTE_TIMEOUT = 60.0  # seconds for git to reach the remote


@dataclass
class PublishResult:
    remote: str
    branch: str
    site_url: str
    commit: str | None = None  # the new commit on the branch; None when nothing changed
    pushed: bool = False
    changes: list[str] = field(default_factory=list)  # `git diff --name-status` lines (dry run: would be)


def publish(project: Project, remote: str = "origin", branch: str = "gh-pages",
            message: str | None = None, dry_run: bool = False, jobs: int | None = None) -> PublishResult:
    # Every check that can fail comes before the build.
    repo = Repository.of(project.root).ready_to_commit(
        project.graph_dir, "so that the published site names the graph it was built from")
    ref = f"refs/heads/{branch}"
    try:
        heads = repo.git("ls-remote", "--heads", remote, timeout=REMOTE_TIMEOUT).splitlines()
    except GitError as error:
        raise GitError(f"remote {remote} is unreachable: {error}") from None
    if repo.git("symbolic-ref", "--quiet", "--short", "HEAD", check=False).strip() == branch:
        raise GitError(f"{branch} is checked out: publish from the site's own branch")
    build_site(project, jobs=jobs)  # a failed build raises here: nothing is committed or pushed

    # Start from the remote's branch, so that the push is a fast-forward.
    if any(line.endswith(f"\t{ref}") for line in heads):
        repo.git("fetch", "--quiet", remote, f"+{ref}:{ref}", timeout=REMOTE_TIMEOUT)
    before = repo.git("rev-parse", "--verify", "--quiet", ref, check=False).strip() or None

    sha, subject = repo.head()
    result = PublishResult(remote, branch, project.config.site_url)
    text = message or f"Publish {project.config.site_name} from {sha[:12]}: {subject}"
    with contextlib.chdir(repo.root):  # ghp-import works on the current directory's repository
        try:
            ghp_import.ghp_import(str(project.site_dir), mesg=f"{text}\n\nSource: {sha}\n", remote=remote,
                                  branch=branch, push=False, nojekyll=True)
        except ghp_import.GhpError as error:
            raise GitError(f"ghp-import: {error.message}") from None
    after = repo.git("rev-parse", ref).strip()

    if before is not None and repo.git("rev-parse", f"{after}^{{tree}}") == repo.git("rev-parse", f"{before}^{{tree}}"):
        repo.git("update-ref", ref, before, after)  # the site is as published: no commit
        return result
    if before:
        result.changes = repo.git("diff", "--name-status", "--no-renames", before, after).splitlines()
    else:
        result.changes = [f"A\t{name}" for name in repo.git("ls-tree", "-r", "--name-only", after).splitlines()]
    if dry_run:  # leave the branch as it was
        if before:
            repo.git("update-ref", ref, before, after)
        else:
            repo.git("update-ref", "-d", ref, after)
        return result
    result.commit = after
    repo.git("push", "--quiet", remote, f"{ref}:{ref}", timeout=None)
    result.pushed = True
    return result
