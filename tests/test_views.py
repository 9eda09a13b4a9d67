"""The views stage: co-authors, an author's topics and a topic's top authors, counted once per
paper, most first, then by name; made with the garbage collector paused."""

from __future__ import annotations

import copy
import gc
import pickle
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pyoxigraph import Store

from paperkg import taxonomy
from paperkg.collector import paused as collection_paused
from paperkg.graph.merge import merge_papers
from paperkg.graph.namespaces import Iris
from paperkg.graph.topics import taxonomy_triples
from paperkg.records import Author, Paper
from paperkg.views import Counted, PersonRef, Queries, build_views

IRIS = Iris("https://kg.example.org/")


def paper(arxiv_id: str, *names: str, categories: tuple[str, ...] = ("cs.DC",)) -> Paper:
    day = datetime(2024, 1, int(arxiv_id[-1]), tzinfo=UTC)
    return Paper(arxiv_id=arxiv_id, version=1, title=f"Paper {arxiv_id}", abstract="An abstract.",
                 authors=tuple(Author(name) for name in names), published=day, updated=day,
                 primary_category=categories[0], categories=categories)


def test_coauthors_topics_and_top_authors_are_counted_once_per_paper(tmp_path: Path) -> None:
    store = Store()
    store.extend(taxonomy_triples(taxonomy.load(), IRIS))
    merge_papers(store, IRIS, [
        paper("2401.00001", "Alice Able", "Bob Baker", "Carol Cole"),
        paper("2401.00002", "Alice Able", "Bob Baker", categories=("cs.DC", "cs.LG")),
        paper("2401.00003", "Bob Baker", "Dan Dorn", categories=("cs.LG",)),
    ])
    site = build_views(store, IRIS, Queries(tmp_path))
    person = {view.ref.name: view for view in site.persons}
    coauthors = {name: [(ref.name, n) for ref, n in view.coauthors] for name, view in person.items()}
    assert coauthors == {
        "Alice Able": [("Bob Baker", 2), ("Carol Cole", 1)],
        "Bob Baker": [("Alice Able", 2), ("Carol Cole", 1), ("Dan Dorn", 1)],
        "Carol Cole": [("Alice Able", 1), ("Bob Baker", 1)],
        "Dan Dorn": [("Bob Baker", 1)],
    }
    assert [(ref.code, n) for ref, n in person["Alice Able"].topics] == [("cs.DC", 2), ("cs.LG", 1)]
    assert [(ref.code, n) for ref, n in person["Bob Baker"].topics] == [("cs.DC", 2), ("cs.LG", 2)]
    topic = {view.ref.code: view for view in site.topics}
    assert [(ref.name, n) for ref, n in topic["cs.DC"].top_authors] == [
        ("Alice Able", 2), ("Bob Baker", 2), ("Carol Cole", 1)]
    assert [(ref.name, n) for ref, n in topic["cs.LG"].top_authors] == [
        ("Bob Baker", 2), ("Alice Able", 1), ("Dan Dorn", 1)]
    fewer = build_views(store, IRIS, Queries(tmp_path), top_authors=1)
    assert [ref.name for ref, _ in next(t for t in fewer.topics if t.ref.code == "cs.LG").top_authors] == ["Bob Baker"]


def test_the_collector_is_paused_while_the_views_are_made_and_on_again_after() -> None:
    assert gc.isenabled()
    with collection_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), collection_paused():
        raise ValueError("a failed stage")
    assert gc.isenabled()


def test_counted_pairs_read_as_a_sequence_of_pairs_and_are_kept_as_two_tuples() -> None:
    ada, bob = (PersonRef(name, f"author/{name.lower()}/index.md", name.lower()) for name in ("Ada", "Bob"))
    counted = Counted([(ada, 3), (bob, 1)])
    assert list(counted) == [(ada, 3), (bob, 1)] and len(counted) == 2 and counted
    assert counted[0] == (ada, 3) and counted[-1] == (bob, 1)
    assert counted[1:] == Counted([(bob, 1)]) and isinstance(counted[1:], Counted)
    assert (counted.things, counted.counts) == ((ada, bob), (3, 1))  # two tuples, not a tuple a pair
    assert counted != Counted([(ada, 3), (bob, 2)]) and counted != Counted([(bob, 3), (ada, 1)])
    assert not Counted() and list(Counted()) == []
    for again in (pickle.loads(pickle.dumps(counted, protocol=pickle.HIGHEST_PROTOCOL)), copy.deepcopy(counted)):
        assert again == counted and type(again.things) is tuple and type(again.counts) is tuple
