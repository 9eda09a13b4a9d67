"""`paperkg check`: the graph against its SHACL shapes (graph/shapes.ttl), with pySHACL."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyshacl
import rdflib
from pyoxigraph import DefaultGraph, RdfFormat, Store
from pyoxigraph import parse as pyoxigraph_parse
from rdflib.namespace import SH, XSD

from paperkg.graph.namespaces import Iris
from paperkg.resources import bundled


@dataclass(frozen=True)
class Violation:
    focus: str
    path: str
    message: str

    def __str__(self) -> str:
        where = f" {self.path}" if self.path else ""
        return f"{self.focus}{where}: {self.message}"


def shapes_path(graph_dir: Path) -> Path:
    own = graph_dir / "shapes.ttl"
    return own if own.is_file() else bundled("shapes.ttl")


def to_rdflib(store: Store) -> rdflib.Graph:
    return rdflib.Graph().parse(data=store.dump(format=RdfFormat.N_TRIPLES, from_graph=DefaultGraph()), format="nt")


def load_shapes(path: Path, iris: Iris) -> rdflib.Graph:
    store = Store()
    store.load(path=str(path), format=RdfFormat.TURTLE, base_iri=iris.base)
    shapes = to_rdflib(store)
    # The local vocabulary lives under the site's base: declare ax: for the SPARQL constraints.
    declaration = rdflib.BNode()
    shapes.add((rdflib.URIRef(iris.base + "shapes#prefixes"), SH.declare, declaration))
    shapes.add((declaration, SH.prefix, rdflib.Literal("ax")))
    shapes.add((declaration, SH.namespace, rdflib.Literal(str(iris.ax), datatype=XSD.anyURI)))
    return shapes


def check(store: Store, iris: Iris, shapes: Path) -> list[Violation]:
    conforms, report, _ = pyshacl.validate(
        to_rdflib(store), shacl_graph=load_shapes(shapes, iris), inference="none", advanced=True
    )
    if conforms:
        return []
    violations = []
    for result in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        focus, path = report.value(result, SH.focusNode), report.value(result, SH.resultPath)
        message = report.value(result, SH.resultMessage)
        violations.append(Violation(_short(focus, iris), _short(path, iris), str(message or "violation")))
    return sorted(violations, key=str)


def check_twins(directories: Iterable[Path], iris: Iris) -> tuple[int, list[str]]:
    """Parse every generated twin (index.ttl, index.jsonld) under these directories (the twins'
    and the docs_dir, which has the dataset's and the vocabulary's): (how many, the ones that
    do not parse, each with its error)."""
    formats = {"index.ttl": RdfFormat.TURTLE, "index.jsonld": RdfFormat.JSON_LD}
    count, broken = 0, []
    for name, rdf_format in formats.items():
        for path in sorted(p for directory in directories for p in directory.rglob(name)):
            count += 1
            try:
                for _ in pyoxigraph_parse(path=str(path), format=rdf_format, base_iri=iris.base):
                    pass
            except SyntaxError as error:
                broken.append(f"{path}: {error}")
    return count, broken


def _short(term: object, iris: Iris) -> str:
    if term is None:
        return ""
    text = str(term)
    return iris.relative(text) if isinstance(term, rdflib.URIRef) else text
