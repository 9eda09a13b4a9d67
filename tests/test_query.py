"""`paperkg query`: SPARQL over the site's graph, named queries with parameters, formats."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner

from paperkg.cli import main
from paperkg.query import list_queries
from paperkg.resources import bundled

# Example parameters for every named query that takes some.
PARAMS = {
    "coauthors": ["author=Shengkai Lin"],
    "bridging-authors": ["topic=cs.SE", "other=cs.LG"],
    "new-and-updated": ["since=2026-05-21"],
    "author-topic-papers": ["author=Helge Spieker", "topic=cs.SE"],
    "paper-history": ["id=2605.00515"],
}


@pytest.fixture(scope="module")
def project(query_project: Path) -> Path:
    return query_project


def query(project: Path, *args: str):
    return CliRunner().invoke(main, ["query", "--project", str(project), *args])


def test_the_library_has_documented_named_queries() -> None:
    named = list_queries(bundled("queries").parent)
    assert len(named) >= 10
    for q in named:
        assert q.title and q.description, q.name
    assert {"top-authors", "coauthors", "topic-months", "topic-cooccurrence", "bridging-authors",
            "new-and-updated", "author-topic-papers", "paper-history"} <= {q.name for q in named}
    assert set(PARAMS) == {q.name for q in named if q.params}


@pytest.mark.parametrize("name", sorted(q.name for q in list_queries(bundled("queries").parent)))
def test_every_named_query_runs(project: Path, name: str) -> None:
    result = query(project, name, *[f"--param={p}" for p in PARAMS.get(name, [])], "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["results"]["bindings"], name  # each finds something here


def test_named_query_answers(project: Path) -> None:
    result = query(project, "coauthors", "--param", "author=Shengkai Lin", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert len(rows) == 15 and all(r["shared"] == "1" for r in rows)
    result = query(project, "paper-history", "--param", "id=2605.00515", "--format", "tsv")
    assert [line.split("\t")[0] for line in result.output.splitlines()[1:]] == ["1", "2"]
    table = query(project, "top-authors").output.splitlines()
    assert table[0].split() == ["person", "name", "papers"] and table[-1].endswith("rows)")
    assert "author/" in table[2]  # the site's own IRIs are shortened


def test_sparql_text_and_file(project: Path, tmp_path: Path) -> None:
    text = "SELECT (COUNT(?p) AS ?n) WHERE { ?p a schema:ScholarlyArticle }"
    assert query(project, text, "--format", "csv").output.splitlines() == ["n", "45"]
    path = tmp_path / "count.rq"
    path.write_text(text)
    assert query(project, str(path), "--format", "csv").output.splitlines() == ["n", "45"]


def test_construct_gives_rdf(project: Path) -> None:
    text = "CONSTRUCT { ?p schema:name ?t } WHERE { ?p a schema:ScholarlyArticle ; schema:name ?t }"
    for fmt, parser in (("turtle", "turtle"), ("ntriples", "nt")):
        result = query(project, text, "--format", fmt)
        assert result.exit_code == 0, result.output
        assert len(rdflib.Graph().parse(data=result.output, format=parser)) == 45
    assert query(project, text, "--format", "csv").exit_code == 1


def test_ask_sets_the_exit_code(project: Path) -> None:
    yes = query(project, 'ASK { ?p schema:name "Shengkai Lin" }')
    no = query(project, 'ASK { ?p schema:name "Nobody Here" }')
    assert (yes.exit_code, yes.output) == (0, "true\n")
    assert (no.exit_code, no.output) == (1, "false\n")


def test_errors_are_clear(project: Path) -> None:
    result = query(project, "SELECT ?x WHERE {\n  ?x ?y }")
    assert result.exit_code == 1 and "error at 2:" in result.output
    result = query(project, "coauthors")
    assert result.exit_code == 1 and "--param author=" in result.output
    result = query(project, "coauthors", "--param", "author=A", "--param", "nope=1")
    assert result.exit_code == 1 and "unknown parameter(s) nope" in result.output
    result = query(project, "no-such-query")
    assert result.exit_code == 1 and "no query named 'no-such-query'" in result.output


def test_a_parameter_cannot_inject_sparql(project: Path) -> None:
    before = query(project, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--format", "csv").output
    result = query(project, "coauthors", "--param", 'author=x" } } ; DROP ALL ; SELECT * { {', "--format", "csv")
    assert result.exit_code == 0 and result.output.splitlines() == ["coauthor,name,shared"]
    assert query(project, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--format", "csv").output == before


def test_updates_are_refused_unless_allowed(tmp_path: Path, project: Path) -> None:
    update = 'INSERT DATA { <https://example.org/x> <https://schema.org/name> "X" }'
    before = {p: p.read_bytes() for p in (project / "graph").rglob("*.ttl")}
    result = query(project, update)
    assert result.exit_code == 1 and "SPARQL Update is refused" in result.output
    assert {p: p.read_bytes() for p in (project / "graph").rglob("*.ttl")} == before
    copy = tmp_path / "copy"
    CliRunner().invoke(main, ["new", str(copy)])
    assert query(copy, update, "--allow-update").exit_code == 0
    assert query(copy, 'ASK { <https://example.org/x> schema:name "X" }').output == "true\n"
