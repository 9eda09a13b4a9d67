"""Every named query, bound as the SPARQL page binds it, gives the same answer in four
engines: rdflib's default store, paperkg's own (pyoxigraph, `paperkg query`), a real Oxigraph
SPARQL server (`paperkg push` + `paperkg query --endpoint`) and the browser engine on the
site's SPARQL page in headless Chromium. Order counts where the query has an ORDER BY."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner

from paperkg.cli import main
from paperkg.config import load_project
from paperkg.graph.store import load_graph
from paperkg.query import list_queries
from paperkg.render import sparql
from paperkg.views import Queries, build_views
from tests.conftest import serve_directory

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
Row = tuple[tuple[str, str, str | None, str | None] | None, ...]


def normalised(results: dict) -> tuple[list[str], list[Row]]:
    """SPARQL JSON results as comparable rows: (kind, value, datatype, language) per variable.
    A plain literal and an xsd:string are the same term in RDF 1.1; typed values compare by
    value, because rdflib rewrites lexical forms in its output ("Z" becomes "+00:00")."""
    names = results["head"]["vars"]

    def term(value: dict | None):
        if value is None:
            return None
        kind = {"typed-literal": "literal"}.get(value["type"], value["type"])
        datatype = value.get("datatype")
        lexical = value["value"]
        if datatype and datatype != XSD_STRING:
            native = rdflib.Literal(lexical, datatype=datatype).toPython()
            lexical = lexical if isinstance(native, rdflib.Literal) else repr(native)
        return kind, lexical, None if datatype == XSD_STRING else datatype, value.get("xml:lang")

    return names, [tuple(term(row.get(name)) for name in names) for row in results["results"]["bindings"]]


def cli(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def project(built_site: Path):
    return load_project(built_site)


@pytest.fixture(scope="module")
def examples(project) -> list[sparql.Example]:
    site = build_views(load_graph(project.graph_dir, project.iris), project.iris, Queries(project.graph_dir))
    return sparql.examples(list_queries(project.graph_dir), sparql.example_values(site))


@pytest.fixture(scope="module")
def rdflib_graph(project) -> rdflib.Graph:
    graph = rdflib.Graph()  # the default (Memory) store
    graph.parse(data=gzip.decompress((project.site_dir / "dump" / "graph.nt.gz").read_bytes()), format="nt")
    return graph


@pytest.fixture(scope="module")
def browser_page(chromium, project) -> Iterator[object]:
    with serve_directory(project.site_dir) as origin:
        page = chromium.new_page()
        page.goto(origin + "sparql/")
        page.evaluate("paperkgSparql.ready")
        yield page
        page.close()


@pytest.fixture(scope="module")
def server(oxigraph: str, project) -> str:
    cli("push", "--project", str(project.root), "--endpoint", f"{oxigraph}/store")
    return f"{oxigraph}/query"


def test_every_named_query_is_an_example_bound_to_this_sites_data(examples, project) -> None:
    named = list_queries(project.graph_dir)
    assert [e.name for e in examples] == [q.name for q in named] and len(named) >= 10
    for example, query in zip(examples, named, strict=True):
        assert example.params.keys() == query.params.keys(), example.name  # every parameter bound
        assert all(f'"{value}"' in example.text for value in example.params.values())
    assert {"author", "topic", "other", "id", "since"} <= {p for e in examples for p in e.params}


def test_named_queries_agree_in_four_engines(examples, project, rdflib_graph, browser_page, server) -> None:
    iris = project.iris
    checked = []
    for example in examples:
        params = [arg for key, value in example.params.items() for arg in ("--param", f"{key}={value}")]
        local = json.loads(cli("query", "--project", str(project.root), example.name, *params, "--format", "json"))
        remote = json.loads(cli("query", "--project", str(project.root), example.name, *params,
                                "--format", "json", "--endpoint", server))
        in_browser = browser_page.evaluate("text => paperkgSparql.run(text)", example.text)
        by_rdflib = json.loads(rdflib_graph.query(example.text, initNs=iris.prefixes(), base=iris.base)
                               .serialize(format="json"))
        names, rows = normalised(local)
        assert rows, f"{example.name}: the example gives no rows on this site"
        ordered = re.search(r"\bORDER\s+BY\b", example.text, re.IGNORECASE) is not None
        for engine, answer in (("server", remote), ("browser", in_browser), ("rdflib", by_rdflib)):
            other_names, other_rows = normalised(answer)
            assert other_names == names, f"{example.name} in {engine}: variables differ"
            if not ordered:
                other_rows, rows = sorted(other_rows, key=repr), sorted(rows, key=repr)
            assert other_rows == rows, f"{example.name} in {engine}: rows differ"
        checked.append(example.name)
    assert len(checked) >= 10
