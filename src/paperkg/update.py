"""`paperkg update`: the day's harvest as one readable commit.

Harvests the queries listed in mkdocs.yml (each continues from its last run), rebuilds the site
incrementally, and commits graph/ (and any tracked pages) with a message that says what
changed: "Add 15 papers, update 3 (2605.00515 SpaceMoE: ..., ...)", then every paper on its own
line. Nothing new, no build and no commit. The maintainer reviews a day as a diff and undoes
it with `git revert`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from pyoxigraph import RdfFormat, Store

from paperkg.build import build_site
from paperkg.config import Project
from paperkg.gitrepo import Repository
from paperkg.graph.namespaces import SCHEMA
from paperkg.graph.store import TurtleWriter
from paperkg.harvest.api import ApiQuery
from paperkg.harvest.run import HarvestResult, HarvestSettings, harvest_api

SUBJECT_PAPERS = 3  # papers named on the subject line; the body lists them all
SUBJECT_TITLE = 50  # characters of each title there


@dataclass
class UpdateResult:
    harvest: HarvestResult
    commit: str | None = None  # None: nothing new
    message: str | None = None


def update(project: Project, settings: HarvestSettings, jobs: int | None = None) -> UpdateResult:
    repo = Repository.of(project.root).ready_to_commit(
        project.graph_dir, "so that the update's commit holds the update only")

    harvested = harvest_api(project, settings, [ApiQuery(query) for query in settings.queries])
    report = harvested.report
    if not report.changed:
        if repo.changes(project.graph_dir):  # e.g. a harvest that stopped half-way: keep it
            repo.git("add", "--all", "--", str(project.graph_dir))
            repo.git("commit", "--quiet", "-m", "Harvest checkpoint (no new papers)", "--", str(project.graph_dir))
            return UpdateResult(harvested, repo.head()[0], "Harvest checkpoint (no new papers)")
        return UpdateResult(harvested)

    build_site(project, jobs=jobs)
    message = commit_message(report.new, report.updated, paper_labels(project, report.new + report.updated))
    paths = [str(project.graph_dir), str(project.docs_dir)]
    repo.git("add", "--all", "--", str(project.graph_dir))
    repo.git("add", "--update", "--", str(project.docs_dir))  # pages the site tracks; generated ones are ignored
    repo.git("commit", "--quiet", "-m", message, "--", *paths)
    return UpdateResult(harvested, repo.head()[0], message)


def paper_labels(project: Project, ids: list[str]) -> dict[str, str]:
    """arXiv id -> "ID vN Title" from the graph files, reading only the month files that
    hold these papers."""
    writer = TurtleWriter(project.iris)
    by_file: dict[str, list[str]] = defaultdict(list)
    for arxiv_id in ids:
        by_file[writer.shard(project.iris.paper(arxiv_id).value)].append(arxiv_id)
    labels: dict[str, str] = {}
    for name, in_file in sorted(by_file.items()):
        store = Store()
        store.load(path=project.graph_dir / name, format=RdfFormat.TURTLE, base_iri=project.iris.base)
        for arxiv_id in in_file:
            paper = project.iris.paper(arxiv_id)
            title = next(store.quads_for_pattern(paper, SCHEMA.name, None), None)
            version = next(store.quads_for_pattern(paper, SCHEMA.version, None), None)
            text = " ".join(title.object.value.split()) if title else "(untitled)"
            labels[arxiv_id] = f"{arxiv_id}{f' v{version.object.value}' if version else ''} {text}"
    return labels


def commit_message(new: list[str], updated: list[str], labels: dict[str, str]) -> str:
    """Counts and the first papers on the subject line; every paper in the body."""
    if new and updated:
        head = f"Add {_papers(new)}, update {len(updated)}"
    else:
        head = f"Add {_papers(new)}" if new else f"Update {_papers(updated)}"
    papers = sorted(new) + sorted(updated)
    named = [_short(labels.get(p, p)) for p in papers[:SUBJECT_PAPERS]]
    subject = f"{head} ({', '.join(named)}{', ...' if len(papers) > SUBJECT_PAPERS else ''})"
    body = []
    for heading, ids in (("New", new), ("Updated", updated)):
        if ids:
            body += ["", f"{heading}:"] + [f"- {labels.get(p, p)}" for p in sorted(ids)]
    return "\n".join([subject, *body]) + "\n"


def _papers(ids: list[str]) -> str:
    return f"{len(ids)} paper{'s' if len(ids) != 1 else ''}"


def _short(label: str) -> str:
    arxiv_id, _, title = label.partition(" ")
    if title.startswith("v") and title.split(" ", 1)[0][1:].isdigit():
        title = title.split(" ", 1)[1] if " " in title else ""
    return f"{arxiv_id} {title[:SUBJECT_TITLE].rstrip()}{'...' if len(title) > SUBJECT_TITLE else ''}"
