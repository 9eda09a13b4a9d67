"""The SPARQL page in a real headless Chromium: the graph loads with a progress report, the
named queries run in the browser and agree with `paperkg query`, IRIs link to the entity
pages, results download as CSV and JSON, updates are refused, hostile text stays text, and
nothing is fetched from anywhere but the site itself."""

from __future__ import annotations

import csv
import io
import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from paperkg.cli import main
from tests.conftest import serve_directory

READY = "#paperkg-sparql[data-state=ready]"


def cli_json(project: Path, *args: str) -> dict:
    result = CliRunner().invoke(main, ["query", "--project", str(project), *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.fixture(scope="module")
def origin(built_site: Path) -> Iterator[str]:
    with serve_directory(built_site / "public") as url:
        yield url


@pytest.fixture
def page(chromium, origin: str):
    """The SPARQL page with its graph loaded; every URL it requested is in page.requested."""
    context = chromium.new_context(accept_downloads=True)
    page = context.new_page()
    page.requested = []
    page.on("request", lambda request: page.requested.append(request.url))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(origin + "sparql/")
    page.wait_for_selector(READY, timeout=60_000)
    yield page
    context.close()
    assert errors == []


def run_in_editor(page, text: str | None = None, example: str | None = None) -> str:
    if example:
        page.select_option("[data-part=example]", example)
    if text is not None:
        page.fill("[data-part=query]", text)
    page.click("[data-part=run]")
    page.wait_for_selector("#paperkg-sparql[data-state=answered], #paperkg-sparql[data-state=error]")
    return page.get_attribute("#paperkg-sparql", "data-state")


def test_an_example_runs_and_agrees_with_the_cli(page, built_site: Path) -> None:
    examples = {e["name"]: e for e in page.evaluate("paperkgSparql.examples")}
    coauthors = examples["coauthors"]
    assert set(coauthors["params"]) == {"author"}
    assert run_in_editor(page, example="coauthors") == "answered"
    rows = page.query_selector_all("[data-part=results] tbody tr")
    params = [arg for key, value in coauthors["params"].items() for arg in ("--param", f"{key}={value}")]
    expected = cli_json(built_site, "coauthors", *params)["results"]["bindings"]
    assert len(rows) == len(expected) > 0
    assert page.inner_text("[data-part=summary]").startswith(f"{len(expected)} row")
    shown = [row.query_selector("td").inner_text() for row in rows]
    assert shown == [b["coauthor"]["value"].removeprefix(page.evaluate("paperkgSparql.base")).removesuffix("/#it")
                     for b in expected]
    assert page.inner_text("[data-part=cli]").startswith("paperkg query coauthors --param author=")
    assert "Oxigraph 0.5.11 compiled to WebAssembly" in page.inner_text("article")


def test_the_graph_loads_with_progress_and_only_from_the_site(page, built_site: Path, origin: str) -> None:
    count = cli_json(built_site, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    triples = int(count["results"]["bindings"][0]["n"]["value"])
    assert f"Graph loaded: {triples:,} triples" in page.inner_text("[data-part=status]")
    progress = page.evaluate("paperkgSparql.progress")
    dump = built_site / "public" / "dump" / "graph.nt.gz"
    # ... every triple of a dump deflated in segments (test_dataset.py), which the page's
    # DecompressionStream reads as one gzip stream
    assert len(list((built_site / ".paperkg" / "dump-segments").iterdir())) > 1
    assert progress == {"type": "progress", "bytes": dump.stat().st_size, "total": dump.stat().st_size,
                        "triples": triples}
    assert page.is_hidden("[data-part=progress]")
    # Works offline: the engine, its WebAssembly and the graph all come from the site itself.
    assert any(url.endswith("/assets/paperkg/oxigraph/web_bg.wasm") for url in page.requested)
    assert [url for url in page.requested if not url.startswith((origin, "data:", "blob:"))] == []


def test_iris_link_to_the_entity_pages_on_this_copy_of_the_site(page, origin: str) -> None:
    assert run_in_editor(page, example="top-authors") == "answered"
    links = page.eval_on_selector_all("[data-part=results] tbody a", "links => links.map(a => a.href)")
    assert links and all(link.startswith(origin + "author/") for link in links)
    for link in links[:5]:
        with urllib.request.urlopen(link) as response:
            assert response.status == 200 and b"<h1" in response.read()


def test_results_download_as_csv_and_json(page) -> None:
    assert run_in_editor(page, example="topic-cooccurrence") == "answered"
    rows = len(page.query_selector_all("[data-part=results] tbody tr"))
    with page.expect_download() as csv_download:
        page.click("[data-part=csv]")
    assert csv_download.value.suggested_filename == "topic-cooccurrence.csv"
    table = list(csv.reader(io.StringIO(Path(csv_download.value.path()).read_text("utf-8"))))
    assert table[0] == page.eval_on_selector_all("[data-part=results] th", "ths => ths.map(th => th.textContent)")
    assert len(table) == rows + 1
    with page.expect_download() as json_download:
        page.click("[data-part=json]")
    results = json.loads(Path(json_download.value.path()).read_text("utf-8"))
    assert len(results["results"]["bindings"]) == rows


def test_updates_are_refused_and_syntax_errors_point_at_the_line(page) -> None:
    assert run_in_editor(page, 'INSERT DATA { <a> <b> "c" }') == "error"
    assert "SPARQL Update is refused" in page.inner_text("[data-part=summary]")
    assert run_in_editor(page, "SELECT *\nWHERE {\n  ?s ?p\n}") == "error"
    assert "line 4, column" in page.inner_text("[data-part=summary]")
    assert page.query_selector_all("[data-part=results] *") == []
    # the graph is still whole and queryable
    assert run_in_editor(page, "ASK { ?s ?p ?o }") == "answered"
    assert page.inner_text("[data-part=summary]").startswith("true")


def test_hostile_text_from_the_feed_stays_text(page) -> None:
    text = "SELECT ?name WHERE { ?thing schema:name ?name FILTER(CONTAINS(?name, 'alert')) } ORDER BY ?name"
    assert run_in_editor(page, text) == "answered"
    cells = page.eval_on_selector_all("[data-part=results] td", "tds => tds.map(td => td.textContent)")
    assert cells == ["<b>Evil</b> *Name* [z](javascript:alert(5))",
                     '<script>alert("title")</script> [x](javascript:alert(1)) {: onclick=alert(2)} {{ 7*7 }} </title>']
    assert page.query_selector_all("[data-part=results] script, [data-part=results] b") == []
