"""Records -> triples, following the model of arxiv-formats-and-model.md part B5.

A paper's document holds the paper (`#it`), one ordered authorship node per author
(`#author-n`) and one node per version (`#vN`). Persons and topics are separate documents.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime

from pyoxigraph import Literal, NamedNode, Quad

from paperkg.graph.namespaces import BIBO, DCTERMS, FABIO, FOAF, PROV, RDF, SCHEMA, XSD, Iris
from paperkg.records import Author, Paper


def datetime_literal(value: datetime) -> Literal:
    utc = value.astimezone(UTC).replace(tzinfo=None)
    return Literal(utc.isoformat(timespec="seconds") + "Z", datatype=XSD.dateTime)


def integer_literal(value: int) -> Literal:
    return Literal(str(value), datatype=XSD.integer)


def abs_url(arxiv_id: str, version: int | None = None) -> str:
    return f"https://arxiv.org/abs/{arxiv_id}" + (f"v{version}" if version else "")


def pdf_url(arxiv_id: str, version: int | None = None) -> str:
    return f"https://arxiv.org/pdf/{arxiv_id}" + (f"v{version}" if version else "")


def person_triples(node: NamedNode, author: Author, key: str, iris: Iris) -> Iterator[Quad]:
    """A new person: display name as first seen, the identity key, split names when known."""
    yield Quad(node, RDF.type, SCHEMA.Person)
    yield Quad(node, RDF.type, FOAF.Person)
    yield Quad(node, SCHEMA.name, Literal(author.name))
    yield Quad(node, SCHEMA.url, NamedNode(node.value.removesuffix("#it")))
    yield Quad(node, iris.ax.nameKey, Literal(key))
    if author.keyname:
        yield Quad(node, SCHEMA.familyName, Literal(author.keyname))
    if author.forenames:
        yield Quad(node, SCHEMA.givenName, Literal(author.forenames))


def provenance_triples(paper: Paper, iris: Iris) -> Iterator[Quad]:
    """The paper's document (`<paper/ID/>`): what it is about, and where and when its
    current content came from."""
    document = NamedNode(iris.paper_doc(paper.arxiv_id))
    yield Quad(document, RDF.type, FOAF.Document)
    yield Quad(document, FOAF.primaryTopic, iris.paper(paper.arxiv_id))
    if paper.source and paper.source.startswith(("http://", "https://")):
        yield Quad(document, PROV.wasDerivedFrom, NamedNode(paper.source))
    elif paper.source:
        yield Quad(document, DCTERMS.source, Literal(paper.source))  # a local file, as named
    if paper.retrieved:
        yield Quad(document, PROV.generatedAtTime, datetime_literal(paper.retrieved))


def paper_triples(
    paper: Paper,
    iris: Iris,
    persons: Sequence[NamedNode],
    version_dates: Mapping[int, datetime],
) -> Iterator[Quad]:
    """Every triple of the paper's document. `persons[i]` is the person of `paper.authors[i]`;
    `version_dates` merges what earlier sources knew of each version's date."""
    ax = iris.ax
    it = iris.paper(paper.arxiv_id)
    pid = paper.arxiv_id

    yield from provenance_triples(paper, iris)
    yield Quad(it, RDF.type, SCHEMA.ScholarlyArticle)
    yield Quad(it, RDF.type, FABIO.Preprint)
    yield Quad(it, DCTERMS.identifier, Literal(f"arXiv:{pid}"))
    yield Quad(it, SCHEMA.sameAs, NamedNode(abs_url(pid)))
    yield Quad(it, SCHEMA.sameAs, NamedNode(f"https://doi.org/10.48550/arXiv.{pid}"))
    yield Quad(it, SCHEMA.name, Literal(paper.title))
    yield Quad(it, SCHEMA.abstract, Literal(paper.abstract))
    yield Quad(it, SCHEMA.version, integer_literal(paper.version))
    if paper.published:
        yield Quad(it, SCHEMA.datePublished, datetime_literal(paper.published))
    if paper.updated:
        yield Quad(it, SCHEMA.dateModified, datetime_literal(paper.updated))

    for ordinal, (author, person) in enumerate(zip(paper.authors, persons, strict=True), start=1):
        node = iris.authorship(pid, ordinal)
        yield Quad(it, SCHEMA.author, person)
        yield Quad(it, PROV.qualifiedAttribution, node)
        yield Quad(node, RDF.type, ax.Authorship)
        yield Quad(node, PROV.agent, person)
        yield Quad(node, ax.ordinal, integer_literal(ordinal))
        yield Quad(node, ax.statedAs, Literal(author.name))
        for affiliation in author.affiliations:
            yield Quad(node, ax.affiliationStatedAs, Literal(affiliation))

    if paper.primary_category:
        yield Quad(it, ax.primaryCategory, iris.topic(paper.primary_category))
    for code in paper.categories:
        yield Quad(it, SCHEMA.about, iris.topic(code))
        yield Quad(it, DCTERMS.subject, iris.topic(code))
    for value in paper.msc_classes:
        yield Quad(it, ax.mscClass, Literal(value))
    for value in paper.acm_classes:
        yield Quad(it, ax.acmClass, Literal(value))
    for value in paper.other_classes:
        yield Quad(it, ax.otherClass, Literal(value))
    if paper.comment:
        yield Quad(it, ax.comments, Literal(paper.comment))
    if paper.journal_ref:
        yield Quad(it, DCTERMS.bibliographicCitation, Literal(paper.journal_ref))
    for doi in paper.dois:
        yield Quad(it, BIBO.doi, Literal(doi))

    for number in range(1, paper.version + 1):
        node = iris.version(pid, number)
        yield Quad(it, SCHEMA.workExample, node)
        yield Quad(node, RDF.type, SCHEMA.CreativeWork)
        yield Quad(node, SCHEMA.exampleOfWork, it)
        yield Quad(node, SCHEMA.version, integer_literal(number))
        if number in version_dates:
            yield Quad(node, SCHEMA.datePublished, datetime_literal(version_dates[number]))
        # arXiv's canonical https URLs, whatever era or mirror the record came from, so that
        # the same paper read from two sources gives the same triples.
        yield Quad(node, SCHEMA.url, NamedNode(abs_url(pid, number)))
        yield Quad(node, ax.pdf, NamedNode(pdf_url(pid, number)))
        if number > 1:
            yield Quad(node, PROV.wasRevisionOf, iris.version(pid, number - 1))
