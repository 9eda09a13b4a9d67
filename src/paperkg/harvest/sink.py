"""Where harvested pages go: merged into the graph and written to graph/ page by page, then
the checkpoint. A harvest stopped at any moment leaves graph files that parse and hold every
page whose checkpoint was written (a page is at worst fetched again, never lost: merging is
idempotent)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from paperkg.graph.merge import MergeReport, merge_papers
from paperkg.graph.namespaces import Iris
from paperkg.graph.store import PartialGraph
from paperkg.harvest.state import HarvestState
from paperkg.records import Paper


class GraphSink:
    def __init__(self, graph_dir: Path, iris: Iris, state: HarvestState):
        self.graph_dir, self.iris, self.state = graph_dir, iris, state
        self.graph = PartialGraph(graph_dir, iris)  # read shard by shard, as the pages need
        self.report = MergeReport()

    def commit(self, papers: Sequence[Paper]) -> None:
        page = merge_papers(self.graph.store, self.iris, papers, self.graph)
        self.report.extend(page)
        if page.changed:
            self.graph.write(page.touched)
        self.state.save()  # after the graph: a page is never marked done before it is stored
