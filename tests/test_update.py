"""An update is built from what changed: the graph files that changed are read, the documents
that changed in them found, the last build's views patched, and the twins that may have changed
named. Each of these gives what a build from nothing gives, whatever changed in the graph:
papers added, revised, dropping authors or removed, persons renamed, files edited by hand."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from pyoxigraph import Store

from paperkg import state, taxonomy
from paperkg.graph.merge import merge_papers
from paperkg.graph.namespaces import Iris
from paperkg.graph.reading import GraphRead, read_all, read_changes
from paperkg.graph.store import PartialGraph, write_graph
from paperkg.graph.topics import taxonomy_triples
from paperkg.graph.triples import sources
from paperkg.render import head
from paperkg.render.dataset import Segments
from paperkg.render.twins import Twins
from paperkg.state import Kept
from paperkg.views import Queries, SiteView, build_views, patched_views

sys.path.insert(0, str(Path(__file__).parent.parent / "scripts"))
from synthetic import synthetic_papers  # noqa: E402
from update_page import update_papers  # noqa: E402

IRIS = Iris("https://kg.example.org/")
PAPERS, SEED = 300, 3


def full(graph_dir: Path, work: Path) -> tuple[GraphRead, SiteView]:
    store = Store()
    graph = read_all(store, sources(graph_dir, IRIS, {}), IRIS, work, Segments(work / "segments"))
    return graph, build_views(store, IRIS, Queries(graph_dir), union=True)


def update(graph_dir: Path, kept_dir: Path) -> tuple[GraphRead, SiteView | None]:
    kept = state.load(kept_dir, "test")
    known = {name: (record.digest, record.stat) for name, record in kept.files.items()}
    graph = read_changes(kept, sources(graph_dir, IRIS, known), IRIS, kept_dir, Segments(kept_dir / "segments"))
    return graph, patched_views(state.views(kept_dir, kept), graph.changed, graph.document, graph.located, IRIS,
                                Queries(graph_dir))


def twins(graph: GraphRead, site: SiteView) -> dict[str, list[str]]:
    maker = Twins(graph, IRIS)
    return {page: maker.triples(page) for page in head.entity_pages(site)}


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, Path, list]:
    """A graph of PAPERS papers, built once: (graph/, the state that build kept, the papers)."""
    corpus = list(synthetic_papers(PAPERS, SEED))
    store = Store()
    store.extend(taxonomy_triples(taxonomy.load(), IRIS))
    merge_papers(store, IRIS, corpus)
    graph_dir, kept_dir = tmp_path / "graph", tmp_path / "kept"
    write_graph(store, graph_dir, IRIS)
    graph, site = full(graph_dir, kept_dir)
    state.save(kept_dir, Kept("test", 0, graph.files, graph.located, graph.authoring), site, graph.summaries)
    return graph_dir, kept_dir, corpus


def merge(graph_dir: Path, papers: list) -> None:
    partial = PartialGraph(graph_dir, IRIS)  # as `paperkg ingest` merges them
    partial.write(merge_papers(partial.store, IRIS, papers, partial).touched)


def rename_someone(graph_dir: Path) -> str:
    """A person's name edited by hand in their author file; returns the new name."""
    path = sorted((graph_dir / "authors").glob("*.ttl"))[3]
    text = path.read_text("utf-8")
    old = re.search(r'schema:name "([^"]+)"', text).group(1)
    path.write_text(text.replace(f'schema:name "{old}"', 'schema:name "Renamed Person"', 1), "utf-8")
    return "Renamed Person"


def remove_a_paper(graph_dir: Path) -> None:
    """A paper's blocks deleted by hand from its month file."""
    path = max((graph_dir / "papers").glob("*.ttl"), key=lambda p: p.stat().st_size)
    text = path.read_text("utf-8")
    paper = re.search(r"^<(paper/[^#>]+/)#it>", text, re.MULTILINE).group(1)
    blocks = text.split("\n\n")
    path.write_text("\n\n".join(b for b in blocks if not b.startswith(f"<{paper}")), "utf-8")


def edit_the_taxonomy(graph_dir: Path) -> None:
    path = graph_dir / "taxonomy.ttl"
    path.write_text(path.read_text("utf-8").replace('"Distributed, Parallel, and Cluster Computing"@en',
                                                    '"Distributed Computing"@en'), "utf-8")


CHANGES = {
    "an API page": lambda graph_dir, corpus: merge(graph_dir, update_papers(corpus, SEED)),
    "a person renamed": lambda graph_dir, corpus: rename_someone(graph_dir),
    "a paper removed": lambda graph_dir, corpus: remove_a_paper(graph_dir),
    "all of them": lambda graph_dir, corpus: [merge(graph_dir, update_papers(corpus, SEED)),
                                               rename_someone(graph_dir), remove_a_paper(graph_dir)],
    "the taxonomy edited": lambda graph_dir, corpus: edit_the_taxonomy(graph_dir),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_an_update_makes_what_a_build_from_nothing_makes(built, change: str, tmp_path: Path) -> None:
    graph_dir, kept_dir, corpus = built
    before_graph, before_site = full(graph_dir, tmp_path / "before")
    before_twins = twins(before_graph, before_site)
    CHANGES[change](graph_dir, corpus)

    graph, patched = update(graph_dir, kept_dir)
    whole, site = full(graph_dir, tmp_path / "after")
    assert graph.changed and site != before_site
    if "renamed" in change or change == "all of them":
        renamed = next(p for p in site.persons if p.ref.name == "Renamed Person")
        assert renamed.papers
        assert all(renamed.ref in {line.person for line in paper.authors} for paper in renamed.papers)
    if change == "the taxonomy edited":  # a topic changed: the views are made anew, every twin too
        assert patched is None and graph.changed_twins(IRIS) is None
    else:
        assert patched == site
    assert graph.files == whole.files and graph.located == whole.located and graph.authoring == whole.authoring
    assert graph.triples == whole.triples and graph.epoch == whole.epoch

    after_twins = twins(whole, site)
    assert twins(graph, site) == after_twins  # the update's lines, read from what changed and what was kept
    dirty = graph.changed_twins(IRIS)
    if dirty is not None:
        made_again = {page for page in after_twins if IRIS.base + page.removesuffix("index.md") in dirty}
        assert {page for page in after_twins if after_twins[page] != before_twins.get(page)} <= made_again
        assert len(made_again) < len(after_twins) // 4


def test_nothing_changed_reads_nothing(built) -> None:
    graph_dir, kept_dir, _ = built
    graph, site = update(graph_dir, kept_dir)
    assert graph.changed == set() and graph.summaries == {}
    assert site == state.views(kept_dir, state.load(kept_dir, "test"))


def test_the_state_of_another_recipe_is_not_taken(built) -> None:
    _, kept_dir, _ = built
    assert state.load(kept_dir, "test") is not None
    assert state.load(kept_dir, "another") is None
    state.forget(kept_dir)
    assert state.load(kept_dir, "test") is None
