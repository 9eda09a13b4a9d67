"""Merging records into the store: idempotent and version-aware.

- A paper not yet in the graph is added.
- A record of the same or a newer version replaces the paper's document (title, abstract,
  authors, dates, topics, ...); version dates known from earlier sources are kept.
- A record of an older version never overwrites a newer one.
- Authors are identified by their normalised name (NFC, whitespace, case); each new person
  gets a collision-safe slug, which never changes once assigned.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol

from pyoxigraph import NamedNode, Quad, Store

from paperkg.graph.model import paper_triples, person_triples
from paperkg.graph.namespaces import PROV, SCHEMA, Iris
from paperkg.ids import name_key, slugify
from paperkg.records import Author, Paper


@dataclass
class MergeReport:
    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    older: list[str] = field(default_factory=list)  # skipped: the graph has a newer version
    touched: set[str] = field(default_factory=set, compare=False, repr=False)  # subjects given or losing triples

    def extend(self, other: MergeReport) -> None:
        for name in ("new", "updated", "unchanged", "older"):
            getattr(self, name).extend(getattr(other, name))
        self.touched |= other.touched

    @property
    def changed(self) -> bool:
        return bool(self.new or self.updated)

    def summary(self) -> str:
        parts = [f"{len(self.new)} new", f"{len(self.updated)} updated", f"{len(self.unchanged)} unchanged"]
        if self.older:
            parts.append(f"{len(self.older)} older than the graph's version (kept the newer)")
        return ", ".join(parts)


class Shards(Protocol):
    """A store that holds only part of the graph reads more of it on demand (PartialGraph)."""

    def paper(self, arxiv_id: str) -> None: ...  # the paper's triples, before it is merged

    def named_elsewhere(self, node: NamedNode) -> bool: ...  # whether a part not read names it

    def name_keys(self) -> Iterable[tuple[str, str]]: ...  # (name key, person IRI) of every person


def name_keys_in(store: Store, iris: Iris) -> Iterator[tuple[str, str]]:
    """(name key, person IRI) of every person in `store`."""
    for quad in store.quads_for_pattern(None, iris.ax.nameKey, None):
        yield quad.object.value, quad.subject.value


class PersonIndex:
    """Name key -> person node, and the slugs in use, read from the store once per merge."""

    def __init__(self, store: Store, iris: Iris, shards: Shards | None = None, touched: set[str] | None = None):
        self.store = store
        self.iris = iris
        self.shards = shards
        self.touched = set() if touched is None else touched  # the persons added or removed
        self.by_key: dict[str, NamedNode] = {}
        self.slugs: set[str] = set()
        for key, iri in name_keys_in(store, iris) if shards is None else shards.name_keys():
            self.by_key[key] = NamedNode(iri)
            self.slugs.add(iris.relative(iri).split("/")[1])

    def person_for(self, author: Author) -> NamedNode:
        key = name_key(author.name)
        node = self.by_key.get(key)
        if node is None:
            base = slugify(author.name)
            slug, n = base, 1
            while slug in self.slugs:  # another name folds to the same slug
                n += 1
                slug = f"{base}-{n}"
            node = self.iris.person(slug)
            self.slugs.add(slug)
            self.by_key[key] = node
            self.store.extend(person_triples(node, author, key, self.iris))
            self.touched.add(node.value)
        return node

    def forget_if_orphan(self, node: NamedNode) -> None:
        if next(iter(self.store.quads_for_pattern(None, PROV.agent, node)), None) is None:
            if self.shards is not None and self.shards.named_elsewhere(node):
                return  # another paper of theirs, in a part of the graph not read
            self.touched.add(node.value)
            for quad in list(self.store.quads_for_pattern(node, None, None)):
                if quad.predicate == self.iris.ax.nameKey:
                    self.by_key.pop(quad.object.value, None)
                self.store.remove(quad)
            self.slugs.discard(self.iris.relative(node.value).split("/")[1])


def _document_quads(store: Store, iris: Iris, arxiv_id: str) -> list[Quad]:
    """The document node (provenance), the paper, its authorship and version nodes."""
    it = iris.paper(arxiv_id)
    subjects = [NamedNode(iris.paper_doc(arxiv_id)), it]
    subjects += [q.object for q in store.quads_for_pattern(it, PROV.qualifiedAttribution, None)]
    subjects += [q.object for q in store.quads_for_pattern(it, SCHEMA.workExample, None)]
    return [q for s in subjects for q in store.quads_for_pattern(s, None, None)]


def _content(quads: list[Quad], iris: Iris, paper: Paper) -> set[Quad]:
    document = NamedNode(iris.paper_doc(paper.arxiv_id))
    return {q for q in quads if q.subject != document}


def _stored_version(store: Store, iris: Iris, arxiv_id: str) -> int | None:
    quad = next(iter(store.quads_for_pattern(iris.paper(arxiv_id), SCHEMA.version, None)), None)
    return int(quad.object.value) if quad else None


def _stored_version_dates(store: Store, iris: Iris, arxiv_id: str) -> dict[int, datetime]:
    dates: dict[int, datetime] = {}
    for example in store.quads_for_pattern(iris.paper(arxiv_id), SCHEMA.workExample, None):
        number = next(iter(store.quads_for_pattern(example.object, SCHEMA.version, None)), None)
        date = next(iter(store.quads_for_pattern(example.object, SCHEMA.datePublished, None)), None)
        if number and date:
            dates[int(number.object.value)] = datetime.fromisoformat(date.object.value)
    return dates


def _record_version_dates(paper: Paper) -> dict[int, datetime]:
    dates = {v.number: v.date for v in paper.versions if v.date is not None}
    if paper.published and 1 not in dates:
        dates[1] = paper.published
    if paper.updated and paper.version not in dates:
        dates[paper.version] = paper.updated
    return dates


def merge_papers(store: Store, iris: Iris, papers: Iterable[Paper], shards: Shards | None = None) -> MergeReport:
    """Merge each paper into `store`; with `shards`, the store holds part of the graph, and
    reads what each paper needs before it is merged."""
    report = MergeReport()
    persons = PersonIndex(store, iris, shards, report.touched)
    for paper in papers:
        if shards is not None:
            shards.paper(paper.arxiv_id)
        stored = _stored_version(store, iris, paper.arxiv_id)
        if stored is not None and stored > paper.version:
            report.older.append(paper.arxiv_id)
            continue
        old_quads = _document_quads(store, iris, paper.arxiv_id) if stored is not None else []
        dates = {**_stored_version_dates(store, iris, paper.arxiv_id), **_record_version_dates(paper)}
        # A source that does not date v1 or this version keeps what earlier sources said.
        paper = replace(paper, published=paper.published or dates.get(1),
                        updated=paper.updated or dates.get(paper.version))
        # Persons are resolved before the old document goes, so an author who stays keeps
        # their node; persons left without any authorship are removed afterwards.
        authors = [persons.person_for(a) for a in paper.authors]
        new_quads = list(paper_triples(paper, iris, authors, dates))
        # The same content from another fetch or file is unchanged: the provenance stays that
        # of the source the content first came from, so re-ingesting changes nothing.
        if stored is not None and _content(old_quads, iris, paper) == _content(new_quads, iris, paper):
            report.unchanged.append(paper.arxiv_id)
            continue
        old_persons = {q.object for q in old_quads if q.predicate == PROV.agent}
        for quad in old_quads:
            store.remove(quad)
        store.extend(new_quads)
        report.touched.update(quad.subject.value for quads in (old_quads, new_quads) for quad in quads)
        for node in old_persons - set(authors):
            persons.forget_if_orphan(node)
        (report.updated if stored is not None else report.new).append(paper.arxiv_id)
    return report


