"""The local vocabulary's own page and Turtle, at the namespace's address (`/ns/`), so that
every `ax:` term dereferences to its definition."""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import NamedNode, RdfFormat, Store

from paperkg.graph.namespaces import OWL, RDF, RDFS, Iris
from paperkg.resources import bundled

PAGE = "ns/index.md"
TURTLE = "ns/index.ttl"
KINDS = {str(OWL.Class.value): "class", str(OWL.ObjectProperty.value): "object property",
         str(OWL.DatatypeProperty.value): "datatype property"}
RELATIONS = (("subclass of", RDFS.subClassOf), ("subproperty of", RDFS.subPropertyOf), ("domain", RDFS.domain),
             ("range", RDFS.range), ("see also", RDFS.seeAlso))


@dataclass(frozen=True)
class Term:
    name: str
    kind: str
    comment: str
    relations: tuple[tuple[str, tuple[str, ...]], ...]


def vocabulary(iris: Iris) -> tuple[list[Term], bytes]:
    """The terms for the page, and the vocabulary as Turtle with absolute IRIs."""
    source = bundled("vocab.ttl").read_bytes()
    store = Store()
    store.load(source, format=RdfFormat.TURTLE, base_iri=iris.base)
    namespace = str(iris.ax)
    terms = []
    for quad in store.quads_for_pattern(None, RDF.type, None):
        subject = quad.subject.value
        if not subject.startswith(namespace) or quad.object.value not in KINDS:
            continue
        comment = next(iter(store.quads_for_pattern(quad.subject, RDFS.comment, None)), None)
        relations = []
        for label, predicate in RELATIONS:
            values = sorted(_show(q.object, iris) for q in store.quads_for_pattern(quad.subject, predicate, None))
            if values:
                relations.append((label, tuple(values)))
        kind = KINDS[quad.object.value]
        terms.append(Term(subject[len(namespace) :], kind, comment.object.value if comment else "", tuple(relations)))
    return sorted(terms, key=lambda t: (t.kind != "class", t.name)), f"@base <{iris.base}> .\n".encode() + source


def _show(term: NamedNode, iris: Iris) -> str:
    value = term.value
    for name, ns in sorted(iris.prefixes().items(), key=lambda kv: -len(kv[1])):
        if value.startswith(ns):
            return f"{name}:{value[len(ns):]}"
    return value
