"""The views stage: a few bulk SPARQL queries (graph/queries/*.rq) -> page view models.

One pass per query over the whole graph, joined in dictionaries: no query per page, and
templates only ever see these dataclasses.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import Store

from paperkg.errors import BuildError
from paperkg.graph.namespaces import Iris
from paperkg.ids import ascii_fold, id_month
from paperkg.query import query_dirs


@dataclass(frozen=True)
class PersonRef:
    name: str
    page: str  # "author/shengkai-lin/index.md"
    sort_key: str


@dataclass(frozen=True)
class TopicRef:
    code: str  # "cs.DC"; groups use arXiv's id "grp_cs"
    label: str
    page: str


@dataclass(frozen=True)
class AuthorLine:
    ordinal: int
    stated_as: str
    person: PersonRef
    affiliations: tuple[str, ...]


@dataclass(frozen=True)
class VersionLine:
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
    coauthors: list[tuple[PersonRef, int]] = field(default_factory=list)
    topics: list[tuple[TopicRef, int]] = field(default_factory=list)


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
    top_authors: list[tuple[PersonRef, int]] = field(default_factory=list)


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

    def rows(self, store: Store, iris: Iris, name: str) -> list[dict[str, str]]:
        try:
            solutions = store.query(self.text(name), prefixes=iris.prefixes())
        except SyntaxError as error:
            raise BuildError(f"query {name}.rq: {error}") from None
        variables = [v.value for v in solutions.variables]
        return [
            {var: term.value for var, term in zip(variables, solution, strict=True) if term is not None}
            for solution in solutions
        ]


def _most_then_by_name(item: tuple[PersonRef, int]) -> tuple[int, str, str]:
    return -item[1], item[0].sort_key, item[0].page


def build_views(store: Store, iris: Iris, queries: Queries, top_authors: int = 20) -> SiteView:
    rows = lambda name: queries.rows(store, iris, name)  # noqa: E731

    topics: dict[str, TopicView] = {}
    topic_rows = rows("topics")
    for row in topic_rows:
        iri = row["topic"]
        if iri not in topics:
            kind = "group" if "/topic/group/" in iri else ("category" if "." in row["notation"] else "archive")
            topics[iri] = TopicView(TopicRef(row["notation"], row["label"], page_of(iris, iri)), kind)
            topics[iri].deprecated = row.get("deprecated") == "true"
    for row in topic_rows:
        view = topics[row["topic"]]
        for key, target in (("broader", view.broader), ("exactMatch", view.exact_matches)):
            other = topics.get(row.get(key, ""))
            if other and other.ref not in target:
                target.append(other.ref)
                if key == "broader":
                    other.narrower.append(view.ref)
        if row.get("replacedBy") in topics:
            view.replaced_by = topics[row["replacedBy"]].ref

    persons: dict[str, PersonView] = {}
    for row in rows("persons"):
        persons[row["person"]] = PersonView(
            PersonRef(row["name"], page_of(iris, row["person"]), person_sort_key(row["name"], row.get("familyName")))
        )

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
            authorships[key] = AuthorLine(key[1], row["statedAs"], persons[row["person"]].ref, affiliations)
        else:
            authorships[key] = AuthorLine(line.ordinal, line.stated_as, line.person, line.affiliations + affiliations)
    for (paper_iri, _), line in sorted(authorships.items(), key=lambda item: item[0]):
        papers[paper_iri].authors.append(
            AuthorLine(line.ordinal, line.stated_as, line.person, tuple(sorted(line.affiliations)))
        )

    for row in rows("paper-topics"):
        paper, topic = papers[row["paper"]], topics[row["topic"]]
        paper.topics.append(topic.ref)
        topic.papers.append(paper)

    kinds = {"doi": "dois", "msc": "msc_classes", "acm": "acm_classes", "other": "other_classes"}
    for row in rows("paper-identifiers"):
        getattr(papers[row["paper"]], kinds[row["kind"]]).append(row["value"])

    for row in rows("paper-versions"):
        papers[row["paper"]].versions.append(
            VersionLine(int(row["number"]), row.get("date"), row["url"], row["pdf"])
        )

    person_by_page = {p.ref.page: p for p in persons.values()}
    for paper in papers.values():
        paper.versions.sort(key=lambda v: v.number)
        paper.dois.sort()
        paper.msc_classes.sort()
        paper.acm_classes.sort()
        paper.other_classes.sort()
        paper.topics.sort(key=lambda t: (t != paper.primary, t.code))
        for line in paper.authors:
            person = person_by_page[line.person.page]
            if not person.papers or person.papers[-1] is not paper:
                person.papers.append(paper)

    # Co-authors and per-person topics, counted once per paper: by page (a string, whose hash
    # is kept) with Counter.update, which counts in C. Papers of up to 150 authors make this
    # the heaviest loop of the views.
    ref_of = {person.ref.page: person.ref for person in persons.values()}
    topic_of = {topic.ref.page: topic.ref for topic in topics.values()}
    coauthor_counts: dict[str, Counter[str]] = defaultdict(Counter)
    topic_counts: dict[str, Counter[str]] = defaultdict(Counter)
    for paper in papers.values():
        authors = {line.person.page for line in paper.authors}
        topic_pages = [topic.page for topic in paper.topics]
        for page in authors:
            coauthor_counts[page].update(authors)  # themselves too: taken out below
            topic_counts[page].update(topic_pages)

    for person in persons.values():
        page = person.ref.page
        person.papers.sort(key=lambda p: p.newest_key, reverse=True)
        person.coauthors = sorted(((ref_of[other], n) for other, n in coauthor_counts[page].items() if other != page),
                                  key=_most_then_by_name)
        person.topics = sorted(((topic_of[topic], n) for topic, n in topic_counts[page].items()),
                               key=lambda item: (-item[1], item[0].code))

    for topic in topics.values():
        topic.papers.sort(key=lambda p: p.newest_key, reverse=True)
        topic.narrower.sort(key=lambda t: t.code)
        counts = Counter(page for paper in topic.papers for page in {line.person.page for line in paper.authors})
        topic.top_authors = heapq.nsmallest(top_authors, ((ref_of[page], n) for page, n in counts.items()),
                                            key=_most_then_by_name)

    return SiteView(
        papers=sorted(papers.values(), key=lambda p: p.newest_key, reverse=True),
        persons=sorted(persons.values(), key=lambda p: (p.ref.sort_key, p.ref.page)),
        topics=sorted(topics.values(), key=lambda t: t.ref.code),
        top_topics=sorted((t for t in topics.values() if t.kind == "group"), key=lambda t: t.ref.code),
    )
