"""Ingest: read source files, merge their papers into the graph, write graph/ back.

Every file is read and checked before the graph is touched, and the graph files are
replaced atomically: a bad file leaves the existing graph exactly as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from paperkg.config import Project
from paperkg.errors import PaperkgError, SourceError
from paperkg.graph.merge import MergeReport, merge_papers
from paperkg.graph.store import load_graph, write_graph
from paperkg.records import Feed
from paperkg.sources import read_path


class IngestError(PaperkgError):
    """One or more inputs could not be read; nothing was ingested."""

    def __init__(self, errors: Sequence[SourceError]):
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in errors))


@dataclass
class IngestResult:
    feeds: list[Feed]
    report: MergeReport
    written: list[Path]


def source_name(path: Path, root: Path) -> str:
    """A file inside the project is named relative to it, so the graph's provenance does not
    depend on where the project is checked out."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def read_all(paths: Sequence[Path], root: Path) -> list[Feed]:
    feeds, errors = [], []
    for path in paths:
        try:
            feeds.append(read_path(path, source_name(path, root)))
        except SourceError as error:
            errors.append(error)
        except OSError as error:
            errors.append(SourceError(str(path), f"cannot read: {error.strerror}"))
    if errors:
        raise IngestError(errors)
    return feeds


def ingest(project: Project, paths: Sequence[Path]) -> IngestResult:
    feeds = read_all(paths, project.root)
    iris = project.iris
    store = load_graph(project.graph_dir, iris)
    report = merge_papers(store, iris, (paper for feed in feeds for paper in feed.papers))
    written = write_graph(store, project.graph_dir, iris)  # rewrites only shards that changed
    return IngestResult(feeds, report, written)
