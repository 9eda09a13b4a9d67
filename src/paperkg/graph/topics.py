"""The arXiv taxonomy as a SKOS concept scheme: category -> archive -> group via skos:broader."""

from __future__ import annotations

from collections.abc import Iterator

from pyoxigraph import Literal, NamedNode, Quad

from paperkg.graph.namespaces import DCTERMS, OWL, RDF, SCHEMA, SKOS, Iris
from paperkg.taxonomy import Taxonomy


def _concept(iris: Iris, node: NamedNode, notation: str, label: str) -> Iterator[Quad]:
    yield Quad(node, RDF.type, SKOS.Concept)
    yield Quad(node, RDF.type, SCHEMA.DefinedTerm)
    yield Quad(node, SKOS.notation, Literal(notation))
    yield Quad(node, SCHEMA.termCode, Literal(notation))
    yield Quad(node, SKOS.prefLabel, Literal(label, language="en"))
    yield Quad(node, SCHEMA.name, Literal(label, language="en"))
    yield Quad(node, SKOS.inScheme, iris.scheme)
    yield Quad(node, SCHEMA.inDefinedTermSet, iris.scheme)


def _broader(narrow: NamedNode, broad: NamedNode) -> Iterator[Quad]:
    yield Quad(narrow, SKOS.broader, broad)
    yield Quad(broad, SKOS.narrower, narrow)


def taxonomy_triples(taxonomy: Taxonomy, iris: Iris) -> Iterator[Quad]:
    scheme = iris.scheme
    yield Quad(scheme, RDF.type, SKOS.ConceptScheme)
    yield Quad(scheme, RDF.type, SCHEMA.DefinedTermSet)
    yield Quad(scheme, DCTERMS.title, Literal("arXiv category taxonomy", language="en"))
    yield Quad(scheme, DCTERMS.source, NamedNode("https://arxiv.org/category_taxonomy"))

    for group in taxonomy.groups.values():
        node = iris.group(group.code)
        # Group ids collide with archive ids (cs, math, ...): groups get their own IRI and
        # arXiv's internal, unique notation "grp_cs".
        yield from _concept(iris, node, f"grp_{group.code}", group.name)
        yield Quad(node, SKOS.topConceptOf, scheme)
        yield Quad(scheme, SKOS.hasTopConcept, node)

    for code in taxonomy.topic_codes():
        node = iris.topic(code)
        archive = taxonomy.archives.get(code)
        category = taxonomy.categories.get(code)
        # A code that is both archive and category (hep-th, astro-ph) is one concept.
        yield from _concept(iris, node, code, taxonomy.name(code))
        if category is not None and category.archive != code:
            yield from _broader(node, iris.topic(category.archive))
        else:
            group = archive.group if archive is not None else category.group  # type: ignore[union-attr]
            yield from _broader(node, iris.group(group))
        if archive is not None and archive.replaced_by:
            yield Quad(node, OWL.deprecated, Literal(True))
            yield Quad(node, DCTERMS.isReplacedBy, iris.topic(archive.replaced_by))

    for alias, canonical in taxonomy.aliases.items():
        yield Quad(iris.topic(alias), SKOS.exactMatch, iris.topic(canonical))
        yield Quad(iris.topic(canonical), SKOS.exactMatch, iris.topic(alias))
