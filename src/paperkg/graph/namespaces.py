"""Vocabularies of the model (arxiv-formats-and-model.md, part B5) and the site's IRI patterns."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from pyoxigraph import NamedNode


class Namespace:
    """A namespace IRI; `NS.term` or `NS["term"]` gives a NamedNode. (Not a str subclass:
    str's own methods would shadow terms such as dcterms:title.)"""

    __slots__ = ("_iri", "_terms")

    def __init__(self, iri: str):
        self._iri = iri
        self._terms: dict[str, NamedNode] = {}  # made once each: a NamedNode checks its IRI (1-2 µs)

    def __str__(self) -> str:
        return self._iri

    def __getattr__(self, local: str) -> NamedNode:
        if local.startswith("__"):
            raise AttributeError(local)
        return self[local]

    def __getitem__(self, local: str) -> NamedNode:
        term = self._terms.get(local)
        if term is None:
            term = self._terms[local] = NamedNode(self._iri + local)
        return term


RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
SCHEMA = Namespace("https://schema.org/")
DCTERMS = Namespace("http://purl.org/dc/terms/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
PROV = Namespace("http://www.w3.org/ns/prov#")
FABIO = Namespace("http://purl.org/spar/fabio/")
BIBO = Namespace("http://purl.org/ontology/bibo/")

# Prefixes used when writing Turtle and when running the named queries; `ax` (the local
# vocabulary) is added per site because it lives under the site's own base IRI.
STANDARD_PREFIXES: dict[str, str] = {
    "bibo": str(BIBO),
    "dcterms": str(DCTERMS),
    "fabio": str(FABIO),
    "foaf": str(FOAF),
    "owl": str(OWL),
    "prov": str(PROV),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "schema": str(SCHEMA),
    "skos": str(SKOS),
    "xsd": str(XSD),
}


@dataclass(frozen=True)
class Iris:
    """Hash IRIs under the site's base: the thing is `<page>#it` (static hosts need no conneg)."""

    base: str  # the site_url, ending in "/"

    @functools.cached_property
    def ax(self) -> Namespace:
        return Namespace(self.base + "ns#")

    def prefixes(self) -> dict[str, str]:
        return {**STANDARD_PREFIXES, "ax": str(self.ax)}

    def paper_doc(self, arxiv_id: str) -> str:
        return f"{self.base}paper/{arxiv_id}/"

    def paper(self, arxiv_id: str) -> NamedNode:
        return NamedNode(self.paper_doc(arxiv_id) + "#it")

    def authorship(self, arxiv_id: str, ordinal: int) -> NamedNode:
        return NamedNode(f"{self.paper_doc(arxiv_id)}#author-{ordinal}")

    def version(self, arxiv_id: str, number: int) -> NamedNode:
        return NamedNode(f"{self.paper_doc(arxiv_id)}#v{number}")

    def person(self, slug: str) -> NamedNode:
        return NamedNode(f"{self.base}author/{slug}/#it")

    def topic(self, code: str) -> NamedNode:
        return NamedNode(f"{self.base}topic/{code}/#it")

    def group(self, code: str) -> NamedNode:
        return NamedNode(f"{self.base}topic/group/{code}/#it")

    @property
    def scheme(self) -> NamedNode:
        return NamedNode(f"{self.base}topic/#scheme")

    def relative(self, iri: str) -> str:
        """The part of an IRI under the base ('paper/2605.00515/#it'); IRIs elsewhere unchanged."""
        return iri[len(self.base):] if iri.startswith(self.base) else iri
