"""`paperkg push` and `paperkg query --endpoint` against a real Oxigraph server on loopback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from paperkg.cli import main
from tests.conftest import free_port

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


@pytest.fixture(scope="module")
def project(query_project: Path) -> Path:
    return query_project


def cli(project: Path, *args: str):
    result = CliRunner().invoke(main, [*args[:1], "--project", str(project), *args[1:]])
    return result


def test_push_count_query_and_idempotent_repush(project: Path, oxigraph: str) -> None:
    graph = "https://example.org/graphs/papers"
    local = cli(project, "query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--format", "csv").output
    triples = int(local.splitlines()[1])
    result = cli(project, "push", "--endpoint", f"{oxigraph}/store", "--graph", graph)
    assert result.exit_code == 0, result.output
    assert f"with {triples} triples" in result.output
    remote = cli(project, "query", COUNT, "--endpoint", f"{oxigraph}/query", "--format", "csv")
    assert remote.exit_code == 0, remote.output
    assert int(remote.output.splitlines()[1]) == triples
    # pushing again replaces the graph: the same count
    assert cli(project, "push", "--endpoint", f"{oxigraph}/store", "--graph", graph).exit_code == 0
    again = cli(project, "query", COUNT, "--endpoint", f"{oxigraph}/query", "--format", "csv")
    assert int(again.output.splitlines()[1]) == triples


def test_named_query_gives_the_same_answer_remotely(project: Path, oxigraph: str) -> None:
    assert cli(project, "push", "--endpoint", f"{oxigraph}/store").exit_code == 0  # the default graph
    args = ["coauthors", "--param", "author=Shengkai Lin", "--format", "table"]
    local = cli(project, "query", *args)
    remote = cli(project, "query", *args, "--endpoint", f"{oxigraph}/query")
    assert remote.exit_code == 0, remote.output
    assert remote.output == local.output and "(15 rows)" in local.output
    ask = cli(project, "query", 'ASK { ?p schema:name "Nobody Here" }', "--endpoint", f"{oxigraph}/query")
    assert (ask.exit_code, ask.output) == (1, "false\n")
    turtle = cli(project, "query", "CONSTRUCT { ?p schema:name ?t } WHERE { ?p a schema:ScholarlyArticle ; "
                 "schema:name ?t }", "--endpoint", f"{oxigraph}/query", "--format", "ntriples")
    assert turtle.exit_code == 0 and len(turtle.output.strip().splitlines()) == 45


def test_unreachable_or_refusing_server_is_one_line(project: Path) -> None:
    result = cli(project, "push", "--endpoint", f"http://127.0.0.1:{free_port()}/store")
    assert result.exit_code == 1
    assert result.output.startswith("paperkg: error: http://127.0.0.1:") and "cannot upload" in result.output
