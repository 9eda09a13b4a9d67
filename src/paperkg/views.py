"""The views stage: a few bulk SPARQL queries (graph/queries/*.rq) -> page view models.

One pass per query over the whole graph, joined in dictionaries: no query per page, and
templates only ever see these dataclasses.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

from pyoxigraph import RdfFormat, Store

from paperkg.errors import BuildError
from paperkg.graph.namespaces import Iris
from paperkg.ids import ascii_fold, id_month
from paperkg.query import query_dirs


# The small records the views repeat most (a person's name on each of their papers' author
# lines and in each co-author list) are named tuples: compared, hashed and pickled in C.
class PersonRef(NamedTuple):
    name: str
    page: str  # "author/shengkai-lin/index.md"
    sort_key: str


class TopicRef(NamedTuple):
    code: str  # "cs.DC"; groups use arXiv's id "grp_cs"
    label: str
    page: str


class Counted(Sequence):
    """Things with their counts, most first: to whoever reads it, a sequence of (thing, count)
    pairs (`for ref, count in person.coauthors`); kept as two tuples. A person's co-authors are
    the views' heaviest part (1.6 million pairs at 30k papers, 57% of the views' objects), and
    an update reads the kept views whole: two tuples a person rather than a tuple a pair are
    far fewer objects to unpickle, compare and free."""

    __slots__ = ("things", "counts")

    def __init__(self, pairs: Iterable[tuple[object, int]] = ()) -> None:
        # the pairs transposed: (things, counts), or two empty tuples when there are none
        self.things, self.counts = tuple(zip(*pairs, strict=True)) or ((), ())

    def __len__(self) -> int:
        return len(self.things)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return _counted(self.things[index], self.counts[index])
        return self.things[index], self.counts[index]

    def __iter__(self) -> Iterator[tuple[object, int]]:
        return zip(self.things, self.counts, strict=True)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Counted):
            return NotImplemented
        return self.counts == other.counts and self.things == other.things

    __hash__ = None  # type: ignore[assignment]  # as a list's: compared by content

    def __reduce__(self):
        return _counted, (self.things, self.counts)

    def __repr__(self) -> str:
        return f"Counted({list(self)!r})"


def _counted(things: tuple, counts: tuple) -> Counted:
    made = Counted.__new__(Counted)
    made.things, made.counts = things, counts
    return made


class AuthorLine(NamedTuple):
    ordinal: int
    stated_as: str
    person: PersonRef
    affiliations: tuple[str, ...]


class VersionLine(NamedTuple):
    number: int
    date: str | None
    url: str
    pdf: str


@dataclass
class PaperView:
    arxiv_id: str
    page: str
    title: str
    abstract: str
    version: int
    published: str | None
    modified: str | None
    comment: str | None
    journal_ref: str | None
    primary: TopicRef | None = None
    topics: list[TopicRef] = field(default_factory=list)  # primary first
    authors: list[AuthorLine] = field(default_factory=list)
    versions: list[VersionLine] = field(default_factory=list)
    dois: list[str] = field(default_factory=list)
    msc_classes: list[str] = field(default_factory=list)
    acm_classes: list[str] = field(default_factory=list)
    other_classes: list[str] = field(default_factory=list)

    @property
    def month(self) -> str:
        return self.published[:7] if self.published else id_month(self.arxiv_id)

    @property
    def abs_url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}"

    @property
    def pdf_url(self) -> str:
        return self.versions[-1].pdf if self.versions else f"https://arxiv.org/pdf/{self.arxiv_id}"

    @property
    def newest_key(self) -> tuple[str, str]:
        return (self.published or self.modified or "", self.arxiv_id)


@dataclass
class PersonView:
    ref: PersonRef
    papers: list[PaperView] = field(default_factory=list)  # newest first
    coauthors: Counted = field(default_factory=Counted)  # (PersonRef, papers together), most first
    topics: Counted = field(default_factory=Counted)  # (TopicRef, papers), most first


@dataclass
class TopicView:
    ref: TopicRef
    kind: str  # "group", "archive" or "category"
    broader: list[TopicRef] = field(default_factory=list)
    narrower: list[TopicRef] = field(default_factory=list)
    exact_matches: list[TopicRef] = field(default_factory=list)
    replaced_by: TopicRef | None = None
    deprecated: bool = False
    papers: list[PaperView] = field(default_factory=list)  # newest first
    top_authors: Counted = field(default_factory=Counted)  # (PersonRef, papers), most first


@dataclass
class SiteView:
    papers: list[PaperView]  # newest first
    persons: list[PersonView]  # A-Z by sort key
    topics: list[TopicView]  # by code
    top_topics: list[TopicView]  # the taxonomy's groups


def page_of(iris: Iris, iri: str) -> str:
    """'https://site/paper/2605.00515/#it' -> 'paper/2605.00515/index.md'."""
    return iris.relative(iri).split("#", 1)[0] + "index.md"


def person_sort_key(name: str, family: str | None) -> str:
    """Family name first (the last word when no source split the name), ASCII-folded."""
    parts = name.split()
    family = family or (parts[-1] if parts else name)
    return ascii_fold(f"{family} {name}").casefold()


class Queries:
    """The named queries: a site's graph/queries/NAME.rq overrides the bundled one."""

    def __init__(self, graph_dir: Path):
        self.dirs = query_dirs(graph_dir)

    def text(self, name: str) -> str:
        for directory in self.dirs:
            path = directory / f"{name}.rq"
            if path.is_file():
                return path.read_text("utf-8")
        raise BuildError(f"no query named {name!r} in {', '.join(map(str, self.dirs))}")

    def overridden(self, names: Iterable[str]) -> bool:
        """Whether the site has a query of its own, not paperkg's, by one of these names."""
        return any(self.text(name) != (self.dirs[-1] / f"{name}.rq").read_text("utf-8") for name in names)

    def rows(self, store: Store, iris: Iris, name: str, union: bool = False) -> list[dict[str, str]]:
        """The query's solutions, each a dict of its bound variables' values. With `union`, the
        default graph is the union of the store's named graphs."""
        try:
            solutions = store.query(self.text(name), prefixes=iris.prefixes(), use_default_graph_as_union=union)
        except SyntaxError as error:
            raise BuildError(f"query {name}.rq: {error}") from None
        variables = [v.value for v in solutions.variables]
        return [
            {var: term.value for var, term in zip(variables, solution, strict=True) if term is not None}
            for solution in solutions
        ]


def _most_then_by_name(item: tuple[PersonRef, int]) -> tuple[int, str, str]:
    return -item[1], item[0].sort_key, item[0].page


def _newest_first(papers: Iterable[PaperView]) -> list[PaperView]:
    return sorted(papers, key=lambda p: p.newest_key, reverse=True)


VIEW_QUERIES = ("topics", "persons", "papers", "paper-authors", "paper-topics", "paper-identifiers", "paper-versions")


def build_views(store: Store, iris: Iris, queries: Queries, top_authors: int = 20, union: bool = False) -> SiteView:
    """The whole site's views from the graph in `store` (with `union`: in its named graphs)."""
    topics, persons, papers = _views_of(store, iris, queries, union)
    return assemble(papers, persons, topics, top_authors)


def _views_of(store: Store, iris: Iris, queries: Queries,
              union: bool = False) -> tuple[dict[str, TopicView], dict[str, PersonRef], dict[str, PaperView]]:
    """The topics, persons and papers of the graph in `store`, from the named queries."""
    rows = lambda name: queries.rows(store, iris, name, union)  # noqa: E731
    topics = topic_views(rows("topics"), iris)
    persons = person_refs(rows("persons"), iris)
    return topics, persons, paper_views(rows, iris, persons, topics)


def topic_views(rows: list[dict[str, str]], iris: Iris) -> dict[str, TopicView]:
    """{topic IRI: its view}, without its papers: the taxonomy's part of the views."""
    topics: dict[str, TopicView] = {}
    for row in rows:
        iri = row["topic"]
        if iri not in topics:
            kind = "group" if "/topic/group/" in iri else ("category" if "." in row["notation"] else "archive")
            topics[iri] = TopicView(TopicRef(row["notation"], row["label"], page_of(iris, iri)), kind)
            topics[iri].deprecated = row.get("deprecated") == "true"
    for row in rows:
        view = topics[row["topic"]]
        for key, target in (("broader", view.broader), ("exactMatch", view.exact_matches)):
            other = topics.get(row.get(key, ""))
            if other and other.ref not in target:
                target.append(other.ref)
                if key == "broader":
                    other.narrower.append(view.ref)
        if row.get("replacedBy") in topics:
            view.replaced_by = topics[row["replacedBy"]].ref
    for view in topics.values():  # by code, not in the order the store gave the rows
        for refs in (view.broader, view.narrower, view.exact_matches):
            refs.sort(key=lambda t: t.code)
    return topics


def person_refs(rows: list[dict[str, str]], iris: Iris) -> dict[str, PersonRef]:
    """{person IRI: its reference}."""
    return {row["person"]: PersonRef(row["name"], page_of(iris, row["person"]),
                                     person_sort_key(row["name"], row.get("familyName"))) for row in rows}


def paper_views(rows: Callable[[str], list[dict[str, str]]], iris: Iris, persons: Mapping[str, PersonRef],
                topics: Mapping[str, TopicView]) -> dict[str, PaperView]:
    """{paper IRI: its view} from the rows of the papers' queries; `persons` and `topics` hold
    every person and topic the papers name."""
    papers: dict[str, PaperView] = {}
    for row in rows("papers"):
        papers[row["paper"]] = PaperView(
            arxiv_id=row["id"].removeprefix("arXiv:"),
            page=page_of(iris, row["paper"]),
            title=row["title"],
            abstract=row.get("abstract", ""),
            version=int(row["version"]),
            published=row.get("published"),
            modified=row.get("modified"),
            comment=row.get("comment"),
            journal_ref=row.get("journalRef"),
            primary=topics[row["primary"]].ref if row.get("primary") in topics else None,
        )

    authorships: dict[tuple[str, int], AuthorLine] = {}
    for row in rows("paper-authors"):
        key = (row["paper"], int(row["ordinal"]))
        line = authorships.get(key)
        affiliations = (row["affiliation"],) if "affiliation" in row else ()
        if line is None:
            authorships[key] = AuthorLine(key[1], row["statedAs"], persons[row["person"]], affiliations)
        else:
            authorships[key] = AuthorLine(line.ordinal, line.stated_as, line.person, line.affiliations + affiliations)
    for (paper_iri, _), line in sorted(authorships.items(), key=lambda item: item[0]):
        papers[paper_iri].authors.append(
            AuthorLine(line.ordinal, line.stated_as, line.person, tuple(sorted(line.affiliations)))
        )

    for row in rows("paper-topics"):
        papers[row["paper"]].topics.append(topics[row["topic"]].ref)

    kinds = {"doi": "dois", "msc": "msc_classes", "acm": "acm_classes", "other": "other_classes"}
    for row in rows("paper-identifiers"):
        getattr(papers[row["paper"]], kinds[row["kind"]]).append(row["value"])

    for row in rows("paper-versions"):
        papers[row["paper"]].versions.append(
            VersionLine(int(row["number"]), row.get("date"), row["url"], row["pdf"])
        )

    for paper in papers.values():
        paper.versions.sort(key=lambda v: v.number)
        paper.dois.sort()
        paper.msc_classes.sort()
        paper.acm_classes.sort()
        paper.other_classes.sort()
        paper.topics.sort(key=lambda t: (t != paper.primary, t.code))
    return papers


def assemble(papers: Mapping[str, PaperView], persons: Mapping[str, PersonRef], topics: Mapping[str, TopicView],
             top_authors: int = 20) -> SiteView:
    """The site's views from its papers, persons and topics: each person's papers, co-authors
    and topics, each topic's papers and most frequent authors."""
    by_person: dict[str, list[PaperView]] = {ref.page: [] for ref in persons.values()}
    by_topic: dict[str, list[PaperView]] = {topic.ref.page: [] for topic in topics.values()}
    for paper in papers.values():
        for page in dict.fromkeys(line.person.page for line in paper.authors):
            by_person[page].append(paper)
        for ref in paper.topics:
            by_topic[ref.page].append(paper)
    person_views = [person_view(ref, by_person[ref.page]) for ref in persons.values()]
    topic_views = {iri: topic_view(topic, by_topic[topic.ref.page], top_authors) for iri, topic in topics.items()}
    return site_view(papers.values(), person_views, topic_views.values())


def person_view(ref: PersonRef, papers: Iterable[PaperView]) -> PersonView:
    """A person's view from the papers naming them: newest first, their co-authors and topics
    counted once per paper, most first. Papers of up to 150 authors make the co-authors the
    heaviest part of the views: counted by page (a string, whose hash is kept) with
    Counter.update, which counts in C."""
    papers = _newest_first(papers)
    coauthors: Counter[str] = Counter()
    topics: Counter[str] = Counter()
    refs: dict[str, PersonRef] = {}
    topic_refs: dict[str, TopicRef] = {}
    for paper in papers:
        authors = {line.person.page: line.person for line in paper.authors}
        refs.update(authors)
        coauthors.update(authors.keys())  # a mapping would be taken for counts
        named = {topic.page: topic for topic in paper.topics}
        topic_refs.update(named)
        topics.update(named.keys())
    coauthors.pop(ref.page, None)
    return PersonView(
        ref=ref,
        papers=papers,
        coauthors=Counted(sorted(((refs[page], n) for page, n in coauthors.items()), key=_most_then_by_name)),
        topics=Counted(sorted(((topic_refs[page], n) for page, n in topics.items()),
                              key=lambda item: (-item[1], item[0].code))),
    )


def topic_view(topic: TopicView, papers: Iterable[PaperView], top_authors: int = 20) -> TopicView:
    """A copy of `topic` with these papers, newest first, and their most frequent authors."""
    papers = _newest_first(papers)
    counts: Counter[str] = Counter()
    refs: dict[str, PersonRef] = {}
    for paper in papers:
        authors = {line.person.page: line.person for line in paper.authors}
        refs.update(authors)
        counts.update(authors.keys())
    return replace(topic, papers=papers,
                   top_authors=Counted(heapq.nsmallest(top_authors, ((refs[page], n) for page, n in counts.items()),
                                                       key=_most_then_by_name)))


def site_view(papers: Iterable[PaperView], persons: Iterable[PersonView], topics: Iterable[TopicView]) -> SiteView:
    topics = sorted(topics, key=lambda t: t.ref.code)
    return SiteView(
        papers=_newest_first(papers),
        persons=sorted(persons, key=lambda p: (p.ref.sort_key, p.ref.page)),
        topics=topics,
        top_topics=[t for t in topics if t.kind == "group"],
    )


def patch(old: SiteView, papers: Mapping[str, PaperView | None], persons: Mapping[str, PersonRef | None],
          top_authors: int = 20) -> SiteView:
    """The views of the site after some papers and persons changed, made from the views before
    (`old`, which stays as it was): `papers` maps each changed paper's page to its new view
    (None: gone), `persons` each changed person's page to their new reference (None: gone).
    The topics are the old ones. What `build_views` would make of the new graph, given that
    every person the changed papers name is either in `persons` or unchanged in `old`; the
    views of what did not change are the old objects themselves."""
    old_papers = {paper.page: paper for paper in old.papers}
    old_persons = {person.ref.page: person for person in old.persons}
    refs = {page: view.ref for page, view in old_persons.items()}
    for page, ref in persons.items():
        if ref is None:
            refs.pop(page, None)
        else:
            refs[page] = ref
    changed: dict[str, PaperView | None] = dict(papers)
    for page, ref in persons.items():  # a renamed person's papers name them anew
        if page in old_persons and ref is not None and ref != old_persons[page].ref:
            for paper in old_persons[page].papers:
                changed.setdefault(paper.page, paper)
    for page, paper in changed.items():
        if paper is not None:
            changed[page] = _with_refs(paper, refs)

    new_papers = {page: paper for page, paper in old_papers.items() if page not in changed}
    new_papers.update((page, paper) for page, paper in changed.items() if paper is not None)

    touched_persons, touched_topics = set(persons), set()
    for page in changed:
        for version in (old_papers.get(page), changed[page]):
            if version is not None:
                touched_persons.update(line.person.page for line in version.authors)
                touched_topics.update(ref.page for ref in version.topics)
    added_by: dict[str, list[PaperView]] = {}
    for paper in changed.values():
        if paper is not None:
            for page in dict.fromkeys(line.person.page for line in paper.authors):
                added_by.setdefault(page, []).append(paper)
            for ref in paper.topics:
                added_by.setdefault(ref.page, []).append(paper)

    def kept(view_papers: list[PaperView], page: str) -> list[PaperView]:
        return [p for p in view_papers if p.page not in changed] + added_by.get(page, [])

    person_views = {page: view for page, view in old_persons.items() if page in refs and page not in touched_persons}
    for page in touched_persons:
        if page in refs:
            before = old_persons[page].papers if page in old_persons else []
            person_views[page] = person_view(refs[page], kept(before, page))
    topic_views = [topic_view(topic, kept(topic.papers, topic.ref.page), top_authors)
                   if topic.ref.page in touched_topics else topic for topic in old.topics]
    return site_view(new_papers.values(), person_views.values(), topic_views)


def reuse(site: SiteView, before: SiteView) -> SiteView:
    """`site` with each paper's, person's and topic's view that equals the one `before` had for
    the same page replaced by that one: the views of what did not change are then the last
    build's own objects, as `patch` leaves them, and comparing pages' contexts
    (render.pages.changed_jobs) mostly stops at `is` instead of comparing every paper again for
    each page that lists it."""
    old_papers = {paper.page: paper for paper in before.papers}
    kept: dict[int, PaperView] = {}
    for paper in site.papers:
        old = old_papers.get(paper.page)
        kept[id(paper)] = old if old is not None and old == paper else paper

    def same(view, old):  # the old view when equal, once the new one lists the kept papers
        view = replace(view, papers=[kept[id(paper)] for paper in view.papers])
        return old if old is not None and old == view else view

    old_persons = {person.ref.page: person for person in before.persons}
    old_topics = {topic.ref.page: topic for topic in before.topics}
    return site_view([kept[id(paper)] for paper in site.papers],
                     [same(person, old_persons.get(person.ref.page)) for person in site.persons],
                     [same(topic, old_topics.get(topic.ref.page)) for topic in site.topics])


def _with_refs(paper: PaperView, refs: Mapping[str, PersonRef]) -> PaperView:
    """The paper's view with each author line naming its person by the person's current reference."""
    if all(refs[line.person.page] == line.person for line in paper.authors):
        return paper
    return replace(paper, authors=[line._replace(person=refs[line.person.page]) for line in paper.authors])


def patched_views(before: SiteView, changed: Collection[str], lines: Callable[[str], list[str]],
                  documents: Iterable[str], iris: Iris, queries: Queries) -> SiteView | None:
    """The views after the documents `changed` changed (`lines(document)` gives a document's
    lines now; `documents` are all the graph's), made from the views `before` them: the named
    queries run on these documents alone, with the topics and the persons their papers name,
    and `patch` puts the papers and persons found into the views. None when that is not what
    `build_views` would make of the whole graph: a document other than a paper's or a person's
    changed, or the site has queries of its own for the views."""
    kinds = {document: iris.relative(document).split("/", 1)[0] for document in changed}
    if any(kind not in ("paper", "author") for kind in kinds.values()) or queries.overridden(VIEW_QUERIES):
        return None
    needed = set(changed) | {document for document in documents if iris.relative(document).startswith("topic/")}
    for document, kind in kinds.items():
        if kind == "paper":  # the persons its authorships name: their names are in the papers' rows
            for line in lines(document):
                value = line.split(" ", 2)[2][:-2]
                if value.startswith("<") and iris.relative(value[1:-1]).startswith("author/"):
                    needed.add(value[1:-1].partition("#")[0])
    store = Store()
    store.load("\n".join(line for document in sorted(needed) for line in lines(document)).encode(),
               format=RdfFormat.N_TRIPLES)
    _, persons, papers = _views_of(store, iris, queries)
    return patch(
        before,
        {page_of(iris, document): papers.get(document + "#it") for document, kind in kinds.items() if kind == "paper"},
        {page_of(iris, document): persons.get(document + "#it")
         for document, kind in kinds.items() if kind == "author"},
    )
