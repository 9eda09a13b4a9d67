"""Ingest and harvest read only the graph shards that merging needs (PartialGraph): every
author shard and the month shards of the papers merged. What they write is what merging into
the whole graph writes, byte for byte, and the shards they did not need stay untouched."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from pyoxigraph import Literal, Quad
from test_graph import IRIS, fixture_graph_dir, fixture_papers, paper, persons, snapshot, stats

from paperkg.errors import GraphError
from paperkg.graph.merge import merge_papers
from paperkg.graph.namespaces import SCHEMA
from paperkg.graph.store import PartialGraph, load_graph, write_graph

ANN_ELSEWHERE = paper("2311.00009", "Ann First")  # Ann's paper in another month's shard
V1 = paper("2403.00003", "Ann First", "Bob Second")
V2 = paper("2403.00003", "Bob Second", version=2, title="Paper 2403.00003, revised")
LONE_V1 = paper("2402.00002", "Cy Alone", "Bob Second")
LONE_V2 = paper("2402.00002", "Bob Second", version=2)  # Cy Alone authors nothing else


def merged_whole(graph_dir: Path, papers) -> list[Path]:
    store = load_graph(graph_dir, IRIS)
    merge_papers(store, IRIS, papers)
    return write_graph(store, graph_dir, IRIS)


def merged_partly(graph_dir: Path, papers) -> tuple[PartialGraph, list[Path]]:
    graph = PartialGraph(graph_dir, IRIS)
    report = merge_papers(graph.store, IRIS, papers, graph)
    return graph, graph.write(report.touched)  # as ingest and harvest write


def two_copies(tmp_path: Path, papers) -> tuple[Path, Path]:
    _, base = fixture_graph_dir(tmp_path / "base", papers)
    whole, partly = tmp_path / "whole", tmp_path / "partly"
    shutil.copytree(base, whole)
    shutil.copytree(base, partly)
    return whole, partly


@pytest.mark.parametrize("later", [
    pytest.param([V2, LONE_V2], id="new-versions-dropping-authors"),
    # Ann is dropped from 2403.00003 while 2311.00009's shard is not read, then from that one too
    pytest.param([V2, paper("2311.00009", "Bob Second", version=2)], id="dropped-from-a-shard-read-later"),
    pytest.param([paper("2405.00005", "Ann First", "Dee New"), paper("2311.00010", "Émile Nouveau")], id="new-papers"),
    pytest.param(list(fixture_papers()), id="every-fixture-paper-again"),
    pytest.param([V1, paper("2403.00003", version=1, title="an older version")], id="unchanged-and-older"),
])
def test_a_partial_merge_writes_what_a_whole_merge_writes(tmp_path: Path, later) -> None:
    whole, partly = two_copies(tmp_path, [*fixture_papers()[:40], ANN_ELSEWHERE, V1, LONE_V1])
    written_whole = merged_whole(whole, later)
    _, written_partly = merged_partly(partly, later)
    assert snapshot(partly) == snapshot(whole)
    assert [p.relative_to(partly) for p in written_partly] == [p.relative_to(whole) for p in written_whole]


QUOTED = 'Quin "Q" Back\\slash'  # a name key whose Turtle string has escapes


def test_persons_are_found_by_name_in_the_author_shards_text(tmp_path: Path) -> None:
    whole, partly = two_copies(tmp_path, [*fixture_papers()[:10], paper("2402.00001", QUOTED, "Ann First")])
    later = [paper("2405.00005", QUOTED, "Ann First", "Quin Q Back-slash")]  # the last: a new person, same slug
    merged_whole(whole, later)
    graph, _ = merged_partly(partly, later)
    assert not {name for name in graph.read if name.startswith("authors/")} - graph.as_text  # none parsed
    assert snapshot(partly) == snapshot(whole)
    names = persons(load_graph(partly, IRIS))
    assert sorted(names.values()).count(QUOTED) == 1  # found again, not made a second time
    assert IRIS.person("quin-q-back-slash-2").value in names


def test_an_author_shard_not_written_as_paperkg_writes_it_is_read_and_written_whole(tmp_path: Path) -> None:
    whole, partly = two_copies(tmp_path, [*fixture_papers()[:10], V1])
    for graph_dir in (whole, partly):  # the same triples, as N-Triples (also Turtle)
        shard = graph_dir / "authors" / "a.ttl"
        store = load_graph(graph_dir, IRIS)
        ann = [q for q in store if q.subject == IRIS.person("ann-first")]
        shard.write_text("".join(f"{q.subject} {q.predicate} {q.object} .\n" for q in ann))
    later = [paper("2405.00005", "Al New", "Ann First")]
    merged_whole(whole, later)
    graph, written = merged_partly(partly, later)
    assert "authors/a.ttl" not in graph.as_text  # read into the store
    assert partly / "authors" / "a.ttl" in written
    assert snapshot(partly) == snapshot(whole)
    assert (partly / "authors" / "a.ttl").read_text().startswith("@prefix ax:")


def test_a_paper_shard_edited_by_hand_is_written_whole(tmp_path: Path) -> None:
    whole, partly = two_copies(tmp_path, [*fixture_papers()[:10], V1, paper("2403.00004", "Bob Second")])
    for graph_dir in (whole, partly):  # valid Turtle, but its blocks not apart as paperkg writes them
        shard = graph_dir / "papers" / "2024-03.ttl"
        shard.write_text(shard.read_text().replace(" .\n\n", " .\n"))
    merged_whole(whole, [V2])
    merged_partly(partly, [V2])
    assert snapshot(partly) == snapshot(whole)
    assert " .\n\n<paper/2403.00004/#it>" in (partly / "papers" / "2024-03.ttl").read_text()


def test_only_the_author_shards_and_the_papers_month_are_read(tmp_path: Path) -> None:
    _, graph_dir = fixture_graph_dir(tmp_path, [*fixture_papers(), ANN_ELSEWHERE, V1])
    before = stats(graph_dir)
    graph, written = merged_partly(graph_dir, [paper("2403.00077", "Ann First", "Zed Newcomer")])
    months = {name for name in graph.read if name.startswith("papers/")}
    assert months == {"papers/2024-03.ttl"}
    assert {name for name in graph.files if name.startswith("authors/")} <= graph.read
    assert "taxonomy.ttl" not in graph.read
    assert {p.relative_to(graph_dir).as_posix() for p in written} == {"papers/2024-03.ttl", "authors/z.ttl"}
    after = stats(graph_dir)
    untouched = set(before) - {"papers/2024-03.ttl", "authors/z.ttl"}
    assert {name: after[name] for name in untouched} == {name: before[name] for name in untouched}


def test_a_dropped_author_is_kept_when_a_shard_not_read_yet_holds_another_paper_of_theirs(tmp_path: Path) -> None:
    _, graph_dir = fixture_graph_dir(tmp_path, [ANN_ELSEWHERE, V1, LONE_V1])
    graph, _ = merged_partly(graph_dir, [V2, LONE_V2])
    assert "papers/2023-11.ttl" not in graph.read  # Ann's other paper found in its text, not read
    names = set(persons(load_graph(graph_dir, IRIS)).values())
    assert "Ann First" in names  # she still authors 2311.00009
    assert "Cy Alone" not in names  # he authors nothing any more


def test_triples_for_a_shard_that_was_not_read_write_nothing(tmp_path: Path) -> None:
    _, graph_dir = fixture_graph_dir(tmp_path, [ANN_ELSEWHERE, V1])
    before = snapshot(graph_dir)
    graph = PartialGraph(graph_dir, IRIS)
    graph.store.add(Quad(IRIS.paper("2311.00009"), SCHEMA.name, Literal("behind its shard's back")))
    with pytest.raises(GraphError, match=r"papers/2023-11\.ttl: changed without being read"):
        graph.write({IRIS.paper("2311.00009").value})
    assert snapshot(graph_dir) == before


def test_an_unreadable_shard_is_named_when_it_is_needed(tmp_path: Path) -> None:
    _, graph_dir = fixture_graph_dir(tmp_path, [ANN_ELSEWHERE, V1])
    (graph_dir / "papers" / "2024-03.ttl").write_text("<a> <b> .\n")
    graph = PartialGraph(graph_dir, IRIS)
    with pytest.raises(GraphError, match=r"2024-03\.ttl: cannot parse the graph file"):
        merge_papers(graph.store, IRIS, [V2], graph)


def test_graph_files_are_made_with_the_usual_permissions(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        _, graph_dir = fixture_graph_dir(tmp_path, [V1])
        merged_partly(graph_dir, [V2])
    finally:
        os.umask(old)
    modes = {path.stat().st_mode & 0o777 for path in graph_dir.rglob("*.ttl")}
    assert modes == {0o644}


def test_an_empty_graph_directory_gets_the_taxonomy(tmp_path: Path) -> None:
    graph_dir = tmp_path / "graph"
    merged_partly(graph_dir, [V1])
    whole = tmp_path / "whole"
    merged_whole(whole, [V1])
    assert snapshot(graph_dir) == snapshot(whole)
    assert "taxonomy.ttl" in snapshot(graph_dir)
