"""Tests of the graph stage: records -> RDF (model of arxiv-formats-and-model.md part B5),
the taxonomy as SKOS, merging, person identity, the Turtle shards under graph/, and ingest
through the command line.

Expected graphs are written by hand from the model, not read off the code's output.
"""

from __future__ import annotations

import difflib
import gc
import pickle
import re
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from functools import cache, lru_cache
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner
from pyoxigraph import DefaultGraph, NamedNode, RdfFormat, Store
from rdflib.compare import graph_diff, to_isomorphic

from paperkg import taxonomy
from paperkg.cli import main
from paperkg.errors import GraphError
from paperkg.graph.merge import MergeReport, merge_papers
from paperkg.graph.namespaces import SCHEMA, SKOS, Iris
from paperkg.graph.store import TurtleWriter, load_graph, write_graph
from paperkg.graph.topics import taxonomy_triples
from paperkg.ids import name_key, slugify
from paperkg.records import Author, Feed, Paper, Version
from paperkg.sources import read_path

FIXTURES = Path(__file__).parent / "fixtures"
API = FIXTURES / "arxiv-api"
SEED = FIXTURES / "seed" / "seed-feed.xml"
ERROR_FEED = API / "2026" / "id_abc_s0_m100.xml"
EMPTY_FEEDS = [  # answers with no entries
    API / "2026" / "id_0000.0000_s0_m100.xml",
    API / "2026" / "id_0808.05394_s0_m100.xml",
    API / "2025-08" / "query_empty.xml",  # says totalResults 1, holds none
]
PAPER_FEEDS = [p for p in sorted(API.glob("*/*.xml")) + [SEED] if p not in [ERROR_FEED, *EMPTY_FEEDS]]

BASE = "https://kg.example.org/"
IRIS = Iris(BASE)
OTHER_IRIS = Iris("https://other.example.net/some/site/")


# --- helpers -------------------------------------------------------------------------------


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@cache
def feed(path: Path) -> Feed:
    return read_path(path)


@lru_cache(maxsize=1)
def fixture_papers() -> tuple[Paper, ...]:
    """Every paper of every real fixture feed, in file order (repeats included)."""
    return tuple(p for path in PAPER_FEEDS for p in feed(path).papers)


def merged(*papers: Paper, store: Store | None = None) -> Store:
    store = Store() if store is None else store
    merge_papers(store, IRIS, papers)
    return store


def copy_store(store: Store) -> Store:
    clone = Store()
    clone.extend(store)
    return clone


def nt(store: Store) -> str:
    return store.dump(format=RdfFormat.N_TRIPLES, from_graph=DefaultGraph()).decode("utf-8")


def to_rdflib(store: Store) -> rdflib.Graph:
    return rdflib.Graph().parse(data=nt(store), format="nt")


def sorted_nt(graph: rdflib.Graph) -> str:
    return "\n".join(sorted(graph.serialize(format="nt").splitlines()))


def assert_isomorphic(actual: rdflib.Graph, expected: rdflib.Graph) -> None:
    iso_actual, iso_expected = to_isomorphic(actual), to_isomorphic(expected)
    if iso_actual != iso_expected:
        _, only_actual, only_expected = graph_diff(iso_actual, iso_expected)
        pytest.fail(
            "graphs differ\n--- only in the actual graph:\n"
            + sorted_nt(only_actual)
            + "\n--- only in the expected graph:\n"
            + sorted_nt(only_expected)
        )


def rebased(graph: rdflib.Graph, old: str, new: str) -> rdflib.Graph:
    def move(term):
        if isinstance(term, rdflib.URIRef) and str(term).startswith(old):
            return rdflib.URIRef(new + str(term)[len(old) :])
        return term

    result = rdflib.Graph()
    for triple in graph:
        result.add(tuple(move(t) for t in triple))
    return result


def select(store: Store, query: str) -> list[tuple[str, ...]]:
    """Run a SELECT with the site's prefixes; rows of plain values (None when unbound)."""
    prologue = "".join(f"PREFIX {k}: <{v}>\n" for k, v in IRIS.prefixes().items())
    result = store.query(prologue + query)
    names = [v.value for v in result.variables]
    return [tuple(row[n].value if row[n] is not None else None for n in names) for row in result]


def values(store: Store, query: str) -> set[str]:
    return {row[0] for row in select(store, query)}


def ask(store: Store, query: str) -> bool:
    prologue = "".join(f"PREFIX {k}: <{v}>\n" for k, v in IRIS.prefixes().items())
    return bool(store.query(prologue + query))


def authors_in_order(store: Store, arxiv_id: str) -> list[tuple[int, str, str]]:
    """(ordinal, statedAs, person IRI) of a paper, by ordinal."""
    rows = select(
        store,
        f"""SELECT ?n ?name ?who WHERE {{
              <{IRIS.paper(arxiv_id).value}> prov:qualifiedAttribution ?a .
              ?a ax:ordinal ?n ; ax:statedAs ?name ; prov:agent ?who }} ORDER BY ?n""",
    )
    return [(int(n), name, who) for n, name, who in rows]


def version_dates(store: Store, arxiv_id: str) -> list[tuple[int, str | None, int | None]]:
    """(number, datePublished, number it revises) of each version node of a paper."""
    rows = select(
        store,
        f"""SELECT ?n ?date ?prev WHERE {{
              <{IRIS.paper(arxiv_id).value}> schema:workExample ?v .
              ?v schema:exampleOfWork <{IRIS.paper(arxiv_id).value}> ; schema:version ?n
              OPTIONAL {{ ?v schema:datePublished ?date }}
              OPTIONAL {{ ?v prov:wasRevisionOf ?p . ?p schema:version ?prev }} }} ORDER BY ?n""",
    )
    return [(int(n), date, int(prev) if prev else None) for n, date, prev in rows]


def one(store: Store, subject: NamedNode, predicate: NamedNode) -> str:
    (quad,) = list(store.quads_for_pattern(subject, predicate, None))
    return quad.object.value


def persons(store: Store) -> dict[str, str]:
    """person IRI -> schema:name"""
    return dict(select(store, "SELECT ?p ?name WHERE { ?p a schema:Person ; schema:name ?name }"))


def snapshot(directory: Path) -> dict[str, bytes]:
    files = sorted(p for p in directory.rglob("*") if p.is_file())
    return {str(p.relative_to(directory)): p.read_bytes() for p in files}


def stats(directory: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(directory)): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in directory.rglob("*.ttl")
    }


def paper(arxiv_id: str = "2401.00001", *author_names: str, version: int = 1, **fields) -> Paper:
    """A small valid record; authors by name."""
    names = author_names or ("Alice Example",)
    return Paper(
        arxiv_id=arxiv_id,
        version=version,
        title=fields.pop("title", f"Paper {arxiv_id}"),
        abstract=fields.pop("abstract", "An abstract."),
        authors=tuple(Author(n) for n in names),
        published=fields.pop("published", utc(2024, 1, 5, 10, 0, 0)),
        updated=fields.pop("updated", utc(2024, 1, 5, 10, 0, 0)),
        primary_category="cs.DC",
        categories=("cs.DC",),
        **fields,
    )


def turtle_blocks(text: str) -> dict[str, list[str]]:
    """A shard's subject blocks: {subject line: its predicate-object lines}."""
    blocks: dict[str, list[str]] = {}
    for block in text.split("\n\n")[1:]:  # the first part is the @prefix header
        subject, *lines = block.splitlines()
        blocks[subject] = lines
    return blocks


def fixture_graph_dir(tmp_path: Path, papers) -> tuple[Store, Path]:
    graph_dir = tmp_path / "graph"
    store = load_graph(graph_dir, IRIS)  # empty dir: the taxonomy only
    merge_papers(store, IRIS, papers)
    write_graph(store, graph_dir, IRIS)
    return store, graph_dir


# --- 1. the model: one hand-built paper against hand-written Turtle ------------------------

SMALL = Paper(
    arxiv_id="2401.01234",
    version=2,
    title="Parallel Sorting of Small Things",
    abstract="We sort small things in parallel.",
    authors=(
        Author("Ada Lovelace", affiliations=("Analytical Society", "University of London")),
        Author("Charles Babbage"),
    ),
    published=utc(2024, 1, 5, 10, 0, 0),
    # not UTC in the record: the graph holds UTC
    updated=datetime(2024, 2, 6, 13, 30, 15, tzinfo=timezone(timedelta(hours=2))),
    primary_category="cs.DC",
    categories=("cs.DC", "math.NA"),
    msc_classes=("65Y05",),
    acm_classes=("C.2.4",),
    comment="12 pages, 3 figures",
    journal_ref="J. Small Things 1 (2024) 1-12",
    dois=("10.1000/small.1", "10.1000/small.2"),
)

SMALL_TTL = """
@base <https://kg.example.org/> .
@prefix ax: <https://kg.example.org/ns#> .
@prefix schema: <https://schema.org/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix fabio: <http://purl.org/spar/fabio/> .
@prefix bibo: <http://purl.org/ontology/bibo/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<paper/2401.01234/> a foaf:Document ;
    foaf:primaryTopic <paper/2401.01234/#it> .

<paper/2401.01234/#it> a schema:ScholarlyArticle , fabio:Preprint ;
    dcterms:identifier "arXiv:2401.01234" ;
    schema:sameAs <https://arxiv.org/abs/2401.01234> , <https://doi.org/10.48550/arXiv.2401.01234> ;
    schema:name "Parallel Sorting of Small Things" ;
    schema:abstract "We sort small things in parallel." ;
    schema:version 2 ;
    schema:datePublished "2024-01-05T10:00:00Z"^^xsd:dateTime ;
    schema:dateModified "2024-02-06T11:30:15Z"^^xsd:dateTime ;
    schema:author <author/ada-lovelace/#it> , <author/charles-babbage/#it> ;
    prov:qualifiedAttribution <paper/2401.01234/#author-1> , <paper/2401.01234/#author-2> ;
    ax:primaryCategory <topic/cs.DC/#it> ;
    schema:about <topic/cs.DC/#it> , <topic/math.NA/#it> ;
    dcterms:subject <topic/cs.DC/#it> , <topic/math.NA/#it> ;
    ax:mscClass "65Y05" ;
    ax:acmClass "C.2.4" ;
    ax:comments "12 pages, 3 figures" ;
    dcterms:bibliographicCitation "J. Small Things 1 (2024) 1-12" ;
    bibo:doi "10.1000/small.1" , "10.1000/small.2" ;
    schema:workExample <paper/2401.01234/#v1> , <paper/2401.01234/#v2> .

<paper/2401.01234/#author-1> a ax:Authorship ;
    prov:agent <author/ada-lovelace/#it> ;
    ax:ordinal 1 ;
    ax:statedAs "Ada Lovelace" ;
    ax:affiliationStatedAs "Analytical Society" , "University of London" .

<paper/2401.01234/#author-2> a ax:Authorship ;
    prov:agent <author/charles-babbage/#it> ;
    ax:ordinal 2 ;
    ax:statedAs "Charles Babbage" .

<paper/2401.01234/#v1> a schema:CreativeWork ;
    schema:exampleOfWork <paper/2401.01234/#it> ;
    schema:version 1 ;
    schema:datePublished "2024-01-05T10:00:00Z"^^xsd:dateTime ;
    schema:url <https://arxiv.org/abs/2401.01234v1> ;
    ax:pdf <https://arxiv.org/pdf/2401.01234v1> .

<paper/2401.01234/#v2> a schema:CreativeWork ;
    schema:exampleOfWork <paper/2401.01234/#it> ;
    schema:version 2 ;
    schema:datePublished "2024-02-06T11:30:15Z"^^xsd:dateTime ;
    schema:url <https://arxiv.org/abs/2401.01234v2> ;
    ax:pdf <https://arxiv.org/pdf/2401.01234v2> ;
    prov:wasRevisionOf <paper/2401.01234/#v1> .

<author/ada-lovelace/#it> a schema:Person , foaf:Person ;
    schema:name "Ada Lovelace" ;
    schema:url <author/ada-lovelace/> ;
    ax:nameKey "ada lovelace" .

<author/charles-babbage/#it> a schema:Person , foaf:Person ;
    schema:name "Charles Babbage" ;
    schema:url <author/charles-babbage/> ;
    ax:nameKey "charles babbage" .
"""


def test_model_of_one_paper_matches_the_hand_written_graph():
    store = merged(SMALL)
    expected = rdflib.Graph().parse(data=SMALL_TTL, format="turtle")
    assert_isomorphic(to_rdflib(store), expected)
    # rdflib normalises literals when parsing; check the stored lexical forms as well
    it = IRIS.paper(SMALL.arxiv_id)
    assert one(store, it, SCHEMA.dateModified) == "2024-02-06T11:30:15Z"
    assert one(store, it, SCHEMA.version) == "2"


# --- 2. the taxonomy as SKOS ---------------------------------------------------------------

GROUPS = {"physics", "math", "q-bio", "cs", "q-fin", "stat", "eess", "econ"}
ALIASES = {  # alias -> canonical (B5.3)
    "math.MP": "math-ph",
    "stat.TH": "math.ST",
    "math.IT": "cs.IT",
    "q-fin.EC": "econ.GN",
    "cs.SY": "eess.SY",
    "cs.NA": "math.NA",
}


@pytest.fixture(scope="module")
def topics() -> Store:
    store = Store()
    store.extend(taxonomy_triples(taxonomy.load(), IRIS))
    return store


def test_taxonomy_groups_are_the_top_concepts(topics):
    tops = values(topics, "SELECT ?g WHERE { ?g skos:topConceptOf ?s . ?s a skos:ConceptScheme }")
    assert tops == {IRIS.group(g).value for g in GROUPS}
    assert values(topics, "SELECT ?g WHERE { ?s skos:hasTopConcept ?g }") == tops
    assert values(topics, "SELECT ?n WHERE { ?g skos:topConceptOf ?s ; skos:notation ?n }") == {
        f"grp_{g}" for g in GROUPS
    }
    assert values(topics, "SELECT ?s WHERE { ?s a skos:ConceptScheme }") == {IRIS.scheme.value}


def broader(store: Store, node: NamedNode) -> set[str]:
    return values(store, f"SELECT ?b WHERE {{ <{node.value}> skos:broader ?b }}")


def test_taxonomy_category_archive_group_chain(topics):
    # the group has its own IRI, distinct from the archive of the same code
    assert IRIS.topic("cs").value == BASE + "topic/cs/#it"
    assert IRIS.group("cs").value == BASE + "topic/group/cs/#it"
    assert broader(topics, IRIS.topic("cs.DC")) == {IRIS.topic("cs").value}
    assert broader(topics, IRIS.topic("cs")) == {IRIS.group("cs").value}
    assert one(topics, IRIS.topic("cs"), SKOS.notation) == "cs"
    assert one(topics, IRIS.group("cs"), SKOS.notation) == "grp_cs"


def test_taxonomy_archive_that_is_a_category_is_one_concept(topics):
    (row,) = select(topics, 'SELECT ?c WHERE { ?c skos:notation "hep-th" }')
    assert row == (IRIS.topic("hep-th").value,)
    assert broader(topics, IRIS.topic("hep-th")) == {IRIS.group("physics").value}


def test_taxonomy_every_non_group_concept_has_one_broader_reaching_a_group(topics):
    rows = select(
        topics,
        """SELECT ?c (COUNT(?b) AS ?n) WHERE { ?c a skos:Concept OPTIONAL { ?c skos:broader ?b } }
           GROUP BY ?c""",
    )
    groups = {IRIS.group(g).value for g in GROUPS}
    assert {c for c, n in rows if int(n) == 0} == groups
    assert {int(n) for c, n in rows if c not in groups} == {1}
    assert not ask(
        topics,
        "ASK { ?c a skos:Concept FILTER NOT EXISTS { ?c skos:broader* ?g . ?g skos:topConceptOf ?s } }",
    )


def test_taxonomy_aliases_match_both_ways(topics):
    assert taxonomy.load().aliases == ALIASES
    pairs = set(select(topics, "SELECT ?a ?b WHERE { ?a skos:exactMatch ?b }"))
    expected = set()
    for alias, canonical in ALIASES.items():
        expected |= {(IRIS.topic(alias).value, IRIS.topic(canonical).value)}
        expected |= {(IRIS.topic(canonical).value, IRIS.topic(alias).value)}
    assert pairs == expected


def test_taxonomy_subsumed_archives_are_deprecated_and_replaced(topics):
    subsumed = taxonomy.load().subsumed
    assert len(subsumed) == 18 and subsumed["solv-int"] == "nlin.SI" and subsumed["cmp-lg"] == "cs.CL"
    rows = set(
        select(
            topics,
            "SELECT ?old ?new WHERE { ?old owl:deprecated true ; dcterms:isReplacedBy ?new }",
        )
    )
    assert rows == {(IRIS.topic(old).value, IRIS.topic(new).value) for old, new in subsumed.items()}
    # the replacement is a concept of the scheme, and nothing else is deprecated
    assert not ask(topics, "ASK { ?o dcterms:isReplacedBy ?n FILTER NOT EXISTS { ?n skos:inScheme ?s } }")
    assert len(values(topics, "SELECT ?c WHERE { ?c owl:deprecated ?any }")) == 18


def test_taxonomy_every_concept_has_notation_label_and_scheme(topics):
    missing = select(
        topics,
        """SELECT ?c WHERE { ?c a skos:Concept
             FILTER (NOT EXISTS { ?c skos:notation ?n }
                  || NOT EXISTS { ?c skos:prefLabel ?l FILTER (lang(?l) = "en") }
                  || NOT EXISTS { ?c skos:inScheme <%s> }) }"""
        % IRIS.scheme.value,
    )
    assert missing == []
    # one notation each, and notations are unique across the scheme
    rows = select(topics, "SELECT ?c ?n WHERE { ?c a skos:Concept ; skos:notation ?n }")
    assert len(rows) == len({c for c, _ in rows}) == len({n for _, n in rows})


def test_taxonomy_concept_count_matches_the_data(topics):
    tax = taxonomy.load()
    codes = set(tax.archives) | set(tax.categories)
    concepts = values(topics, "SELECT ?c WHERE { ?c a skos:Concept }")
    assert concepts == {IRIS.topic(c).value for c in codes} | {IRIS.group(g).value for g in tax.groups}
    assert len(concepts) == len(codes) + 8 == 192


# --- 3. merging ----------------------------------------------------------------------------


def test_merge_same_records_twice_is_idempotent():
    store = merged(SMALL, paper("2402.00002", "Bob Other"))
    before = set(store)
    report = merge_papers(store, IRIS, [SMALL, paper("2402.00002", "Bob Other")])
    assert report == MergeReport(unchanged=["2401.01234", "2402.00002"])
    assert set(store) == before


@pytest.mark.parametrize("path", PAPER_FEEDS, ids=lambda p: p.name)
def test_merge_real_feed_twice_is_idempotent(path):
    papers = feed(path).papers
    store = Store()
    first = merge_papers(store, IRIS, papers)
    assert sorted(first.new) == sorted({p.arxiv_id for p in papers})
    before = nt(store)
    second = merge_papers(store, IRIS, papers)
    assert second == MergeReport(unchanged=[p.arxiv_id for p in papers])
    assert nt(store) == before


def test_merge_overlapping_pages_reports_the_overlap_unchanged():
    page1 = feed(API / "2026" / "q_testing_s0_m10.xml")
    page2 = feed(API / "2026" / "q_testing_s5_m10.xml")  # overlaps page1 by five papers
    store = merged(*page1.papers)
    report = merge_papers(store, IRIS, page2.papers)
    ids1 = {p.arxiv_id for p in page1.papers}
    assert report.unchanged == [p.arxiv_id for p in page2.papers if p.arxiv_id in ids1]
    assert report.new == [p.arxiv_id for p in page2.papers if p.arxiv_id not in ids1]
    assert len(report.unchanged) == 5 and len(report.new) == 5


V1 = paper(
    "2403.00003",
    "Ann First",
    "Ben Second",
    title="Old title",
    abstract="Old abstract.",
    published=utc(2024, 3, 1, 9, 0, 0),
    updated=utc(2024, 3, 1, 9, 0, 0),
)
V2 = replace(
    V1,
    version=2,
    title="New title",
    abstract="New abstract.",
    authors=(Author("Ben Second"), Author("Cid Third")),
    updated=utc(2024, 5, 2, 12, 0, 0),
)


def test_merge_newer_version_replaces_the_paper():
    store = merged(V1)
    report = merge_papers(store, IRIS, [V2])
    assert report == MergeReport(updated=[V1.arxiv_id])
    it = IRIS.paper(V1.arxiv_id)
    assert one(store, it, SCHEMA.name) == "New title"
    assert one(store, it, SCHEMA.abstract) == "New abstract."
    assert one(store, it, SCHEMA.version) == "2"
    assert one(store, it, SCHEMA.datePublished) == "2024-03-01T09:00:00Z"
    assert one(store, it, SCHEMA.dateModified) == "2024-05-02T12:00:00Z"
    assert [(n, name) for n, name, _ in authors_in_order(store, V1.arxiv_id)] == [
        (1, "Ben Second"),
        (2, "Cid Third"),
    ]
    assert len(list(store.quads_for_pattern(it, SCHEMA.author, None))) == 2
    assert version_dates(store, V1.arxiv_id) == [
        (1, "2024-03-01T09:00:00Z", None),
        (2, "2024-05-02T12:00:00Z", 1),
    ]
    # the graph equals merging v2 alone, apart from what v1 alone knew (none here)
    assert set(store) == set(merged(V2))


def test_merge_newer_version_keeps_version_dates_the_record_lacks():
    v3 = replace(V2, version=3, updated=utc(2024, 7, 3, 8, 0, 0))  # knows v1 and v3, not v2
    store = merged(V1, V2, v3)
    assert version_dates(store, V1.arxiv_id) == [
        (1, "2024-03-01T09:00:00Z", None),
        (2, "2024-05-02T12:00:00Z", 1),
        (3, "2024-07-03T08:00:00Z", 2),
    ]


def test_merge_newer_version_without_published_keeps_the_papers_date_published():
    store = merged(V1, replace(V2, published=None))
    assert one(store, IRIS.version(V1.arxiv_id, 1), SCHEMA.datePublished) == "2024-03-01T09:00:00Z"
    assert one(store, IRIS.paper(V1.arxiv_id), SCHEMA.datePublished) == "2024-03-01T09:00:00Z"


def test_merge_versions_from_the_record_date_every_version_node():
    dates = [utc(2024, 3, 1, 9, 0, 0), utc(2024, 4, 4, 4, 4, 4), utc(2024, 9, 9, 9, 9, 9)]
    record = replace(
        V1, version=3, updated=dates[2], versions=tuple(Version(n, d) for n, d in enumerate(dates, start=1))
    )
    assert version_dates(merged(record), V1.arxiv_id) == [
        (1, "2024-03-01T09:00:00Z", None),
        (2, "2024-04-04T04:04:04Z", 1),
        (3, "2024-09-09T09:09:09Z", 2),
    ]


def test_merge_older_version_changes_nothing():
    store = merged(V2)
    before = set(store)
    report = merge_papers(store, IRIS, [V1])
    assert report == MergeReport(older=[V1.arxiv_id])
    assert set(store) == before
    assert "older" in report.summary()


def test_merge_same_version_with_changed_title_replaces_it():
    store = merged(V1)
    report = merge_papers(store, IRIS, [replace(V1, title="Corrected title")])
    assert report == MergeReport(updated=[V1.arxiv_id])
    assert one(store, IRIS.paper(V1.arxiv_id), SCHEMA.name) == "Corrected title"
    assert set(store) == set(merged(replace(V1, title="Corrected title")))


def test_merge_dropped_author_without_other_papers_disappears():
    store = merged(V1)
    ann = IRIS.person("ann-first")
    assert list(store.quads_for_pattern(ann, None, None))
    merge_papers(store, IRIS, [V2])  # v2 drops Ann First
    assert list(store.quads_for_pattern(ann, None, None)) == []
    assert list(store.quads_for_pattern(None, None, ann)) == []
    assert "Ann First" not in persons(store).values()


def test_merge_dropped_author_with_another_paper_stays():
    store = merged(V1, paper("2404.00004", "Ann First"))
    merge_papers(store, IRIS, [V2])
    ann = IRIS.person("ann-first")
    assert persons(store)[ann.value] == "Ann First"
    assert [who for _, _, who in authors_in_order(store, "2404.00004")] == [ann.value]


def test_merge_dropped_person_can_come_back():
    store = merged(V1)
    merge_papers(store, IRIS, [V2])  # Ann First gone
    merge_papers(store, IRIS, [paper("2405.00005", "Ann First")])
    (row,) = authors_in_order(store, "2405.00005")
    assert row[2] == IRIS.person("ann-first").value
    assert persons(store)[row[2]] == "Ann First"


def test_merge_author_order_follows_the_record_beyond_nine():
    names = [f"Author Number{chr(ord('a') + i)}" for i in range(12)]
    store = merged(paper("2406.00006", *names))
    rows = authors_in_order(store, "2406.00006")
    assert [(n, name) for n, name, _ in rows] == list(enumerate(names, start=1))
    tenth = IRIS.authorship("2406.00006", 10)
    assert tenth.value.endswith("/paper/2406.00006/#author-10")
    assert one(store, tenth, IRIS.ax.ordinal) == "10"
    assert one(store, tenth, IRIS.ax.statedAs) == names[9]


def test_merge_real_paper_with_34_authors_keeps_their_order():
    (record,) = feed(API / "2026" / "id_1707.08567_s0_m100.xml").papers
    rows = authors_in_order(merged(record), record.arxiv_id)
    assert [(n, name) for n, name, _ in rows] == [(i, a.name) for i, a in enumerate(record.authors, start=1)]
    assert len(rows) == 34


# --- 4. person identity --------------------------------------------------------------------


@pytest.mark.parametrize(
    "first, second",
    [
        ("Jane Doe", "jane DOE"),
        ("Jane Doe", "Jane  Doe "),
        ("Jos\u00e9 Ruiz", "Jose\u0301 Ruiz"),  # NFC vs NFD
    ],
    ids=["case", "spaces", "nfc-nfd"],
)
def test_person_identity_ignores_case_space_and_normal_form(first, second):
    store = merged(paper("2407.00001", first), paper("2407.00002", second))
    assert len(persons(store)) == 1
    (a,), (b,) = authors_in_order(store, "2407.00001"), authors_in_order(store, "2407.00002")
    assert a[2] == b[2]
    assert (a[1], b[1]) == (first, second)  # each paper keeps the name as written
    assert persons(store)[a[2]] == first  # display name as first seen


@pytest.mark.parametrize(
    "first, second",
    [("Jos\u00e9 Ruiz", "Jose Ruiz"), ("Jose Ruiz", "Jos\u00e9 Ruiz")],
    ids=["accented-first", "plain-first"],
)
def test_person_slug_collision_numbers_the_later_name(first, second):
    assert name_key(first) != name_key(second) and slugify(first) == slugify(second) == "jose-ruiz"
    store = merged(paper("2408.00001", first), paper("2408.00002", second))
    assert persons(store) == {IRIS.person("jose-ruiz").value: first, IRIS.person("jose-ruiz-2").value: second}


def test_person_slug_never_changes_when_later_papers_arrive(tmp_path):
    first = [paper("2408.00001", "Jos\u00e9 Ruiz"), paper("2408.00002", "Jose Ruiz")]
    store, graph_dir = fixture_graph_dir(tmp_path, first)
    # a later ingest, through the files: the index is rebuilt from the stored graph
    store = load_graph(graph_dir, IRIS)
    merge_papers(
        store,
        IRIS,
        [
            paper("2409.00001", "Jose Ruiz", "JOSE\u0301 RUIZ", "Other Person"),
            paper("2409.00002", "jose ruiz"),
        ],
    )
    who = [w for _, _, w in authors_in_order(store, "2409.00001")]
    assert who[:2] == [IRIS.person("jose-ruiz-2").value, IRIS.person("jose-ruiz").value]
    assert authors_in_order(store, "2409.00002")[0][2] == IRIS.person("jose-ruiz-2").value
    assert len(persons(store)) == 3


@pytest.mark.parametrize(
    "name",
    ["\u5f20\u4f1f", "\u0418\u0432\u0430\u043d \u041f\u0435\u0442\u0440\u043e\u0432"],
    ids=["zhang-wei", "ivan-petrov-cyrillic"],
)
def test_person_without_ascii_letters_gets_a_usable_slug(tmp_path, name):
    store, graph_dir = fixture_graph_dir(tmp_path, [paper("2410.00001", name, "\u674e\u5a1c")])
    (first, second) = [w for _, _, w in authors_in_order(store, "2410.00001")]
    assert first != second
    slug = IRIS.relative(first).split("/")[1]
    assert slug and slug.isascii() and re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug)
    # and it survives the files: the same person when the name comes again (in capitals)
    store = load_graph(graph_dir, IRIS)
    merge_papers(store, IRIS, [paper("2410.00002", name.upper())])
    assert authors_in_order(store, "2410.00002")[0][2] == first


def test_person_seed_shengkai_lin_is_one_person_with_two_authorships():
    store = merged(*feed(SEED).papers)
    expected_papers = {p.arxiv_id for p in feed(SEED).papers if "Shengkai Lin" in [a.name for a in p.authors]}
    assert expected_papers == {"2605.22014", "2605.21603"}
    rows = select(
        store,
        """SELECT ?who ?paper WHERE { ?who a schema:Person ; schema:name "Shengkai Lin" .
             ?a prov:agent ?who . ?paper prov:qualifiedAttribution ?a }""",
    )
    assert {who for who, _ in rows} == {IRIS.person("shengkai-lin").value}
    assert {p for _, p in rows} == {IRIS.paper(i).value for i in expected_papers}


# --- 5. the graph files --------------------------------------------------------------------


@pytest.fixture(scope="module")
def fixture_store() -> Store:
    store = Store()
    store.extend(taxonomy_triples(taxonomy.load(), IRIS))
    merge_papers(store, IRIS, fixture_papers())
    return store


def test_files_render_deterministically(fixture_store):
    writer = TurtleWriter(IRIS)
    first = writer.render(fixture_store)
    assert first == writer.render(fixture_store)
    # the same graph built in another order gives the same bytes (provenance aside: a paper
    # in two overlapping feeds keeps the source it was first read from)
    reverse = Store()
    reverse.extend(taxonomy_triples(taxonomy.load(), IRIS))
    merge_papers(reverse, IRIS, [replace(p, source=None, retrieved=None) for p in fixture_papers()[::-1]])
    forward = Store()
    forward.extend(taxonomy_triples(taxonomy.load(), IRIS))
    merge_papers(forward, IRIS, [replace(p, source=None, retrieved=None) for p in fixture_papers()])
    assert TurtleWriter(IRIS).render(reverse) == TurtleWriter(IRIS).render(forward)


def test_files_write_load_write_is_byte_identical(tmp_path, fixture_store):
    written = write_graph(fixture_store, tmp_path / "one", IRIS)
    assert written == sorted(written)
    names = {str(p.relative_to(tmp_path / "one")) for p in written}
    assert {"taxonomy.ttl", "papers/2026-05.ttl", "papers/1994-11.ttl", "authors/s.ttl"} <= names
    write_graph(load_graph(tmp_path / "one", IRIS), tmp_path / "two", IRIS)
    assert snapshot(tmp_path / "one") == snapshot(tmp_path / "two")


def test_files_round_trip_is_isomorphic(tmp_path, fixture_store):
    write_graph(fixture_store, tmp_path, IRIS)
    assert_isomorphic(to_rdflib(load_graph(tmp_path, IRIS)), to_rdflib(fixture_store))


def test_files_do_not_depend_on_the_base(tmp_path, fixture_store):
    write_graph(fixture_store, tmp_path / "here", IRIS)
    files = snapshot(tmp_path / "here")
    for path, data in files.items():
        assert b"kg.example.org" not in data, path
    elsewhere = load_graph(tmp_path / "here", OTHER_IRIS)
    assert_isomorphic(to_rdflib(elsewhere), rebased(to_rdflib(fixture_store), BASE, OTHER_IRIS.base))
    # and the site loaded under another base writes the very same files
    write_graph(elsewhere, tmp_path / "elsewhere", OTHER_IRIS)
    assert snapshot(tmp_path / "elsewhere") == files


@pytest.mark.parametrize(
    "text",
    [
        'Quotes "x", a backslash \\ and a\nnewline\tand tab',
        'Typed: "5"^^<http://www.w3.org/2001/XMLSchema#integer> and @en',
        "Unicode \u00e9 \u5f20\u4f1f \U0001d538 and a trailing backslash \\",
    ],
)
def test_files_round_trip_awkward_literals(tmp_path, text):
    store = merged(paper("2411.00001", "Awkward Author", title=text, abstract=text, comment=text))
    write_graph(store, tmp_path, IRIS)
    loaded = load_graph(tmp_path, IRIS)
    assert one(loaded, IRIS.paper("2411.00001"), SCHEMA.name) == text
    assert set(nt(store).splitlines()) <= set(nt(loaded).splitlines())


@pytest.mark.parametrize(
    "text",
    [
        'The value "x"^^<https://kg.example.org/ns#T> is typed',  # the site's base inside a literal
        "ends with ^^<https://schema.org/Text",  # a prefixable IRI up to the literal's end
    ],
)
def test_files_round_trip_literals_that_look_like_typed_literals(tmp_path, text):
    store = merged(paper("2411.00002", "Awkward Author", abstract=text))
    write_graph(store, tmp_path, IRIS)
    loaded = load_graph(tmp_path, IRIS)
    assert one(loaded, IRIS.paper("2411.00002"), SCHEMA.abstract) == text


@pytest.mark.parametrize(
    "arxiv_id, month_shard",
    [
        pytest.param("2605.21603", "papers/2026-05.ttl", id="existing-month-shared-author"),  # Shengkai Lin
        pytest.param("2606.00071", "papers/2026-06.ttl", id="new-month"),
        pytest.param("hep-ph/9411242", "papers/1994-11.ttl", id="old-style-id"),
    ],
)
def test_files_one_new_paper_only_adds_its_lines(tmp_path, arxiv_id, month_shard):
    (new_paper,) = {p.arxiv_id: p for p in fixture_papers() if p.arxiv_id == arxiv_id}.values()
    others = [p for p in fixture_papers() if p.arxiv_id != arxiv_id]
    store, graph_dir = fixture_graph_dir(tmp_path, others)
    before = snapshot(graph_dir)

    known_keys = {name_key(a.name) for p in others for a in p.authors}
    new_names = [a.name for a in new_paper.authors if name_key(a.name) not in known_keys]
    new_persons = {IRIS.person(slugify(n)) for n in new_names}
    expected_files = {month_shard} | {f"authors/{slugify(n)[0]}.ttl" for n in new_names}

    assert merge_papers(store, IRIS, [new_paper]) == MergeReport(new=[arxiv_id])
    written = write_graph(store, graph_dir, IRIS)
    after = snapshot(graph_dir)
    assert {str(p.relative_to(graph_dir)) for p in written} == expected_files
    assert {k for k in after if after[k] != before.get(k)} == expected_files

    doc = {IRIS.paper(arxiv_id), NamedNode(IRIS.paper_doc(arxiv_id))}
    doc |= {IRIS.authorship(arxiv_id, n) for n in range(1, len(new_paper.authors) + 1)}
    doc |= {IRIS.version(arxiv_id, n) for n in range(1, new_paper.version + 1)}
    subjects = doc | new_persons
    # each new subject's block: its line in the file -> its number of triples in the store
    expected_blocks = {
        f"<{IRIS.relative(s.value)}>": len(list(store.quads_for_pattern(s, None, None))) for s in subjects
    }

    found_blocks: dict[str, int] = {}
    for name in sorted(expected_files):
        old = before.get(name, b"").decode().splitlines()
        new = after[name].decode().splitlines()
        opcodes = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
        assert {op for op, *_ in opcodes} <= {"equal", "insert"}, f"{name}: lines changed or removed"
        added = [line for op, _, _, j1, j2 in opcodes if op == "insert" for line in new[j1:j2]]
        # the added lines are exactly the new subjects' blocks, each with its blank separator
        # (and the prefix header when the shard is new); a diff may shift a hunk across lines
        # that repeat, so compare them as a multiset
        new_blocks = {k: v for k, v in turtle_blocks(after[name].decode()).items() if k in expected_blocks}
        expected_lines = [line for subject, body in new_blocks.items() for line in ["", subject, *body]]
        if name not in before:
            expected_lines += after[name].decode().split("\n\n")[0].splitlines()
        assert Counter(added) == Counter(expected_lines), name
        found_blocks |= {subject: len(body) for subject, body in new_blocks.items()}
    assert found_blocks == expected_blocks


def test_files_unchanged_shards_are_not_rewritten(tmp_path):
    papers = feed(SEED).papers
    store, graph_dir = fixture_graph_dir(tmp_path, papers[1:])
    first = stats(graph_dir)
    assert write_graph(store, graph_dir, IRIS) == []
    assert stats(graph_dir) == first

    merge_papers(store, IRIS, [papers[0]])  # 2605.00515: all five authors are new
    written = {str(p.relative_to(graph_dir)) for p in write_graph(store, graph_dir, IRIS)}
    assert "papers/2026-05.ttl" in written and "taxonomy.ttl" not in written
    second = stats(graph_dir)
    for name, stat in first.items():
        if name in written:
            assert second[name] != stat, name
        else:
            assert second[name] == stat, name


def test_files_shard_left_empty_is_removed(tmp_path):
    store, graph_dir = fixture_graph_dir(tmp_path, [V1])  # Ann First is alone in authors/a.ttl
    merge_papers(store, IRIS, [V2])  # drops Ann First, adds Cid Third
    written = write_graph(store, graph_dir, IRIS)
    assert {str(p.relative_to(graph_dir)) for p in written} == {
        "authors/a.ttl",  # removed
        "authors/c.ttl",
        "papers/2024-03.ttl",
    }
    assert not (graph_dir / "authors" / "a.ttl").exists()
    assert_isomorphic(to_rdflib(load_graph(graph_dir, IRIS)), to_rdflib(store))


def test_files_write_graph_returns_sorted_paths_when_a_shard_is_removed(tmp_path):
    store, graph_dir = fixture_graph_dir(tmp_path, [V1])
    merge_papers(store, IRIS, [V2])
    written = write_graph(store, graph_dir, IRIS)
    assert written == sorted(written)


@pytest.mark.parametrize(
    "corrupt",
    [
        pytest.param(lambda data: data[: len(data) // 2], id="truncated"),
        pytest.param(lambda data: data.replace(b" ;\n", b" \n", 1), id="missing-semicolon"),
        pytest.param(lambda data: b"\xff\xfe" + data, id="not-utf8"),
    ],
)
def test_files_corrupt_shard_raises_graph_error_naming_the_file(tmp_path, corrupt):
    _, graph_dir = fixture_graph_dir(tmp_path, feed(SEED).papers)
    shard = graph_dir / "papers" / "2026-05.ttl"
    shard.write_bytes(corrupt(shard.read_bytes()))
    with pytest.raises(GraphError) as error:
        load_graph(graph_dir, IRIS)
    assert str(shard) in str(error.value)


# --- 6. ingest through the command line ----------------------------------------------------


@pytest.fixture
def project(tmp_path) -> Path:
    directory = tmp_path / "site"
    result = CliRunner().invoke(main, ["new", str(directory)])
    assert result.exit_code == 0, result.output
    return directory


def ingest(project: Path, *files: Path):
    return CliRunner().invoke(main, ["ingest", "--project", str(project), *map(str, files)])


def error_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


def test_cli_ingest_same_file_twice(project):
    first = ingest(project, SEED)
    assert first.exit_code == 0, first.output
    assert "15 new" in first.stdout
    graph = snapshot(project / "graph")
    assert "papers/2026-05.ttl" in graph and "taxonomy.ttl" in graph
    second = ingest(project, SEED)
    assert second.exit_code == 0, second.output
    assert "0 new, 0 updated, 15 unchanged" in second.stdout
    assert "0 graph files written" in second.stdout
    assert snapshot(project / "graph") == graph


@pytest.mark.parametrize("bad_first", [True, False], ids=["bad-first", "bad-last"])
def test_cli_malformed_file_ingests_nothing(project, tmp_path, bad_first):
    assert ingest(project, API / "2026" / "q_testing_s0_m10.xml").exit_code == 0
    graph = snapshot(project / "graph")
    bad = tmp_path / "truncated.xml"
    data = SEED.read_bytes()
    bad.write_bytes(data[: len(data) // 2])
    files = [bad, API / "2025-08" / "query_electron_proton_s0_m10.xml"]
    result = ingest(project, *(files if bad_first else files[::-1]))
    assert result.exit_code != 0
    (line,) = error_lines(result)
    assert re.search(re.escape(str(bad)) + r":\d+: malformed XML", line), line
    assert snapshot(project / "graph") == graph
    assert gc.isenabled()  # ingest pauses the collector while it merges, and not beyond


def test_namespaces_make_each_term_once_and_pickle():
    iris = Iris("https://kg.example.org/")
    assert SCHEMA.name is SCHEMA.name is SCHEMA["name"]
    assert SCHEMA.name == NamedNode("https://schema.org/name")
    assert iris.ax is iris.ax and iris.ax.nameKey == NamedNode("https://kg.example.org/ns#nameKey")
    again = pickle.loads(pickle.dumps(iris))
    assert again == iris and again.ax.ordinal == NamedNode("https://kg.example.org/ns#ordinal")
    with pytest.raises(AttributeError):
        getattr(SCHEMA, "__wrapped__")  # noqa: B009 -- dunders are not terms


def test_cli_error_feed_fails_and_ingests_nothing(project):
    graph = snapshot(project / "graph")
    result = ingest(project, ERROR_FEED)
    assert result.exit_code != 0
    (line,) = error_lines(result)
    assert "incorrect id format for abc" in line and ERROR_FEED.name in line
    assert snapshot(project / "graph") == graph


@pytest.mark.parametrize("path", EMPTY_FEEDS, ids=lambda p: p.name)
def test_cli_empty_feed_says_so(project, path):
    assert ingest(project, SEED).exit_code == 0
    graph = snapshot(project / "graph")
    result = ingest(project, path)
    assert result.exit_code == 0, result.output
    assert f"{path}:" in result.stdout and "no entries" in result.stdout
    assert "0 new, 0 updated, 0 unchanged" in result.stdout
    assert snapshot(project / "graph") == graph



# --- provenance ----------------------------------------------------------------------------

API_URL = "https://export.arxiv.org/api/query?id_list=2403.00003"
WHEN = datetime(2026, 4, 12, 22, 9, 27, tzinfo=UTC)


def provenance(store: Store) -> list[tuple[str, ...]]:
    return select(
        store,
        """SELECT ?from ?file ?when WHERE { ?doc foaf:primaryTopic ?paper .
             OPTIONAL { ?doc prov:wasDerivedFrom ?from } OPTIONAL { ?doc dcterms:source ?file }
             OPTIONAL { ?doc prov:generatedAtTime ?when } }""",
    )


def test_provenance_names_the_source_and_its_time():
    store = merged(replace(V1, source=API_URL, retrieved=WHEN))
    assert provenance(store) == [(API_URL, None, "2026-04-12T22:09:27Z")]
    store = merged(replace(V1, source="feeds/page1.xml", retrieved=None))
    assert provenance(store) == [(None, "feeds/page1.xml", None)]


def test_provenance_stays_with_the_first_source_of_unchanged_content():
    store = merged(replace(V1, source=API_URL, retrieved=WHEN))
    report = merge_papers(store, IRIS, [replace(V1, source="elsewhere.xml", retrieved=None)])
    assert report.unchanged == [V1.arxiv_id]
    assert provenance(store) == [(API_URL, None, "2026-04-12T22:09:27Z")]
    later = datetime(2026, 5, 1, tzinfo=UTC)
    report = merge_papers(store, IRIS, [replace(V2, source=API_URL + "v2", retrieved=later)])
    assert report.updated == [V1.arxiv_id]
    assert provenance(store) == [(API_URL + "v2", None, "2026-05-01T00:00:00Z")]


def test_a_graph_file_is_read_as_sorted_n_triples_lines_or_named_when_it_does_not_parse() -> None:
    from paperkg.graph.triples import parse_lines

    turtle = b"@prefix s: <https://schema.org/> .\n<paper/2/#it> s:name \"B\" .\n<paper/1/#it> s:name \"A\" .\n"
    assert parse_lines(turtle, IRIS, "graph/papers/x.ttl") == [
        f'<{IRIS.base}paper/1/#it> <https://schema.org/name> "A" .',
        f'<{IRIS.base}paper/2/#it> <https://schema.org/name> "B" .',
    ]
    assert parse_lines(b"", IRIS, "graph/papers/x.ttl") == []
    with pytest.raises(GraphError, match=r"^graph/papers/x\.ttl: cannot parse the graph file: .*line 4"):
        parse_lines(turtle + b"<paper/3/#it> s:name .\n", IRIS, "graph/papers/x.ttl")
