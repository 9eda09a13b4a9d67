"""End to end: `paperkg new` + `ingest` + `build` in a temporary directory, then the built
site itself: links, entity pages, escaping of hostile feed text, determinism, golden pages."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pyoxigraph
import pytest
import rdflib
import yaml
from click.testing import CliRunner
from lxml import html
from rdflib.compare import isomorphic

from paperkg import search
from paperkg.cli import main
from paperkg.config import load_project
from paperkg.endpoint import SparqlEndpoint
from paperkg.graph.namespaces import Iris
from paperkg.graph.store import data_files
from paperkg.serve import sources
from tests.conftest import free_port

FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN = Path(__file__).parent / "golden"
HOSTILE = FIXTURES / "atom" / "hostile.xml"
# The example site's input: the seed plus every real API answer except the HTTP 400 error feed.
FEEDS = [FIXTURES / "seed" / "seed-feed.xml"] + sorted(
    p for p in (FIXTURES / "arxiv-api").glob("*/*.xml") if p.name != "id_abc_s0_m100.xml"
)


def run(*args: str | Path) -> str:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def make_site(directory: Path, feeds: list[Path]) -> Path:
    run("new", directory)
    run("ingest", "--project", directory, *feeds)
    run("build", "--project", directory)
    return directory


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_site(tmp_path_factory.mktemp("sites") / "example", FEEDS + [HOSTILE])


def page(site: Path, path: str) -> html.HtmlElement:
    return html.fromstring((site / "public" / path / "index.html").read_bytes())


def article(tree: html.HtmlElement) -> html.HtmlElement:
    return tree.cssselect("article")[0]


def test_every_internal_link_resolves(site: Path) -> None:
    public = site / "public"
    # 404.html links from the site root (site_url's path), every other page relatively.
    root_path = urlsplit(yaml.safe_load((site / "mkdocs.yml").read_text())["site_url"]).path
    checked, broken = 0, []
    for file in public.rglob("*.html"):
        tree = html.fromstring(file.read_bytes())
        for _element, _attribute, link, _ in tree.iterlinks():
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or not parts.path:
                continue  # external, or a fragment on the same page
            path = unquote(parts.path)
            if path.startswith("/"):
                path = str(public / path.removeprefix(root_path)) if path.startswith(root_path) else "/nonexistent"
            target = (file.parent / path).resolve()
            if target.is_dir():
                target = target / "index.html"
            checked += 1
            if not target.is_file():
                broken.append(f"{file.relative_to(public)}: {link}")
    assert not broken, broken[:20]
    assert checked > 5000  # every paper, author and topic page links out


def test_shengkai_lin_has_one_page_listing_both_papers(site: Path) -> None:
    assert [p.name for p in (site / "site" / "author").iterdir() if p.name.startswith("shengkai-lin")] == [
        "shengkai-lin"
    ]
    tree = article(page(site, "author/shengkai-lin"))
    links = {a.text_content(): a.get("href") for a in tree.cssselect("li a")}
    liver = "LiveR: Fine-Grained Elasticity via Live Reconfiguration for Model Training"
    assert links[liver] == "../../paper/2605.22014/"
    assert links[
        "DynaFlow: Transparent and Flexible Intra-Device Parallelism via Programmable Operator Scheduling"
    ] == "../../paper/2605.21603/"
    assert "2 papers" in tree.text_content()
    # Both papers link back to the same person.
    for paper_id in ("2605.22014", "2605.21603"):
        hrefs = [a.get("href") for a in article(page(site, f"paper/{paper_id}")).cssselect("a")]
        assert "../../author/shengkai-lin/" in hrefs


def test_paper_page(site: Path) -> None:
    tree = article(page(site, "paper/2202.12139"))
    text = tree.text_content()
    assert tree.cssselect("h1")[0].text_content() == (
        "Testing Deep Learning Models: A First Comparative Study of Multiple Testing Techniques"
    )
    authors = [a.text_content() for a in tree.cssselect("ol li a")]
    assert authors == ["Mohit Kumar Ahuja", "Arnaud Gotlieb", "Helge Spieker"]
    topics = [a.text_content() for a in tree.cssselect("a[href*='topic/']")]
    assert topics == ["Software Engineering", "Machine Learning"]  # primary first
    hrefs = {a.get("href") for a in tree.cssselect("a")}
    assert {"https://arxiv.org/abs/2202.12139", "https://arxiv.org/pdf/2202.12139v1",
            "https://doi.org/10.1109/ICSTW55395.2022.00035"} <= hrefs
    assert "Published: 2022-02-24 (v1)" in text
    assert "Artificial Intelligence in Software Testing 2022 workshop @ ICST 2022" in text
    assert "IEEE International Conference on Software Testing" in text  # journal ref


def test_old_style_id_keeps_its_slash(site: Path) -> None:
    tree = article(page(site, "paper/astro-ph/0601001"))
    assert "Frequency of Hot Jupiters" in tree.cssselect("h1")[0].text_content()
    affiliations = [li.text_content() for li in tree.cssselect("ol li")]
    assert affiliations[0] == "Andrew Gould — Ohio State"
    assert tree.cssselect("a[href='../../../author/andrew-gould/']")


def test_topic_page(site: Path) -> None:
    tree = article(page(site, "topic/cs.SE"))
    text = tree.text_content()
    assert "Software Engineering (cs.SE)" in tree.cssselect("h1")[0].text_content()
    assert tree.cssselect("a[href='../cs/']")  # broader: the cs archive
    items = [li for li in tree.cssselect("ul li") if "paper/" in li.cssselect("a")[0].get("href")]
    dates = [li.text_content().rsplit("·", 2)[-2].strip() for li in items]
    assert dates == sorted(dates, reverse=True) and len(dates) >= 20  # newest first
    assert "Most frequent authors:" in text
    group = article(page(site, "topic/group/cs"))
    assert group.cssselect("a[href='../../cs/']")  # narrower: the cs archive


def test_indexes_and_home(site: Path) -> None:
    months = [a.text_content() for a in article(page(site, "papers")).cssselect("td a")]
    assert months == sorted(months, reverse=True) and "2026-05" in months and "1994-11" in months
    letters = [a.text_content() for a in article(page(site, "authors")).cssselect("td a")]
    assert letters[0] == "A" and letters == sorted(letters, key=lambda x: (x == "Other", x))
    tree = article(page(site, "authors/l"))
    assert "Shengkai Lin" in [a.text_content() for a in tree.cssselect("li a")]
    tree = article(page(site, "topic"))
    assert [a.text_content() for a in tree.cssselect("article > ul > li > a")][:1] == ["Computer Science"]
    home = article(html.fromstring((site / "public" / "index.html").read_bytes()))
    assert "Thank you to arXiv for use of its open access interoperability." in home.text_content()
    assert len(home.cssselect("ul li")) == 10


HOSTILE_TITLE = (
    '<script>alert("title")</script> [x](javascript:alert(1)) {: onclick=alert(2)} {{ 7*7 }} </title>'
)


def test_hostile_text_renders_as_text(site: Path) -> None:
    files = [site / "public" / "paper" / "2601.00001" / "index.html", site / "public" / "index.html",
             site / "public" / "topic" / "cs.CR" / "index.html"]
    files += list((site / "public" / "author").glob("b-evil*/index.html"))
    assert len(files) == 4
    for file in files:
        tree = html.fromstring(file.read_bytes())
        body = article(tree)
        assert not body.cssselect("script, img, iframe, b, code"), file
        # The only emphasis is the template's own "primary" marker, never the feed's *bold*.
        assert {em.text_content() for em in body.cssselect("em")} <= {"primary"}, file
        for element in tree.iter():
            for name, value in element.attrib.items():
                assert not name.startswith("on"), (file, name)
                assert not value.strip().lower().startswith("javascript:"), (file, value)
        assert tree.findtext(".//title").startswith(HOSTILE_TITLE if "2601" in str(file) else "")
    tree = page(site, "paper/2601.00001")
    body = article(tree)
    assert body.cssselect("h1")[0].text_content() == HOSTILE_TITLE
    text = body.text_content()
    assert "# Heading? <img src=x onerror=alert(3)> *bold* _it_ `code` $x_1^2$ [y](javascript:alert(4))" in text
    assert "{{ config.site_name }} {% raw %} &amp;" in text
    assert "- 12 pages {: .evil onclick=alert(7)} <iframe src=javascript:alert(8)>" in text
    assert "{{ page }} | table | cell" in text
    assert body.cssselect("a[href='https://doi.org/10.1234/x%29%28javascript:alert%289%29']")


def test_broken_internal_link_fails_the_build(tmp_path: Path) -> None:
    directory = make_site(tmp_path / "s", [FIXTURES / "arxiv-api" / "2026" / "id_1605.08386_s0_m100.xml"])
    # A site template overrides the default by file name; this one links nowhere.
    (directory / "templates" / "home.md.j2").write_text("# Home\n\n[broken](nowhere/index.md)\n")
    result = CliRunner().invoke(main, ["build", "--project", str(directory)])
    assert result.exit_code == 1
    assert "nowhere/index.md" in result.output and "strict mode" in result.output


def test_a_failed_mkdocs_build_of_the_project_makes_the_next_build_a_full_one(tmp_path: Path) -> None:
    """`mkdocs build` into public/ cleans it first: failed half way, public/ no longer holds the
    last build, so the next `paperkg build` must not be an incremental one."""
    directory = make_site(tmp_path / "s", [FIXTURES / "arxiv-api" / "2026" / "id_1605.08386_s0_m100.xml"])
    stamp = directory / ".paperkg" / "build-stamp"
    assert stamp.is_file()
    (directory / "site" / "broken.md").write_text("# Broken\n\n[broken](nowhere/index.md)\n")
    mkdocs = shutil.which("mkdocs", path=str(Path(sys.executable).parent))
    failed = subprocess.run([mkdocs, "build", "--strict"], cwd=directory, capture_output=True, text=True)
    assert failed.returncode != 0 and "nowhere/index.md" in failed.stderr
    assert not stamp.exists()
    (directory / "site" / "broken.md").unlink()
    assert "html     full build" in run("-v", "build", "--project", directory)
    assert (directory / "public" / "paper" / "1605.08386" / "index.html").is_file()


def test_a_file_of_the_sites_own_where_a_twin_goes_stops_the_build(tmp_path: Path) -> None:
    directory = make_site(tmp_path / "s", [FIXTURES / "arxiv-api" / "2026" / "id_1605.08386_s0_m100.xml"])
    twin = directory / "public" / "paper" / "1605.08386" / "index.ttl"
    assert twin.is_file()
    mine = directory / "site" / "paper" / "1605.08386" / "index.ttl"
    mine.write_text("# my own notes\n")
    for build in (["build"], ["build", "--full"]):  # incremental, and full
        result = CliRunner().invoke(main, [*build, "--project", str(directory)])
        assert result.exit_code == 1, result.output
        assert f"{mine} exists and was not generated by paperkg" in result.output
        assert mine.read_text() == "# my own notes\n"
    mine.unlink()
    result = CliRunner().invoke(main, ["build", "--project", str(directory)])
    assert result.exit_code == 0, result.output
    assert "@prefix" in twin.read_text()


def test_an_incremental_build_takes_the_last_builds_word_for_its_twins_and_a_full_one_makes_them(
    tmp_path: Path,
) -> None:
    directory = make_site(tmp_path / "s", [FIXTURES / "seed" / "seed-feed.xml"])
    kept = directory / ".paperkg" / "twins" / "paper" / "2605.00515" / "index.ttl"
    built = directory / "public" / "paper" / "2605.00515" / "index.ttl"
    text = built.read_text()
    kept.unlink()  # by hand: paperkg never does that
    run("ingest", "--project", directory, FIXTURES / "arxiv-api" / "2026" / "id_1605.08386_s0_m100.xml")
    assert "incremental build" in run("-v", "build", "--project", directory)
    assert not kept.exists() and built.read_text() == text  # no look-up per twin; the site keeps its copy
    run("build", "--full", "--project", directory)
    assert kept.read_text() == text and built.read_text() == text


def test_rebuild_rewrites_nothing_and_two_sites_are_identical(tmp_path: Path) -> None:
    first = make_site(tmp_path / "one" / "example", FEEDS)  # same name: the same site
    second = make_site(tmp_path / "two" / "example", FEEDS)
    for part in ("graph", "site", "public"):  # the HTML, sitemap and search index too
        assert snapshot(first / part) == snapshot(second / part), part
    # dated by the graph's newest paper (SOURCE_DATE_EPOCH), never by the clock
    newest = max(re.findall(r'schema:dateModified "(\d{4}-\d\d-\d\d)', "".join(
        p.read_text() for p in (first / "graph" / "papers").glob("*.ttl"))))
    assert set(re.findall(r"<lastmod>(.*?)</lastmod>", (first / "public" / "sitemap.xml").read_text())) == {newest}
    markdown = {p: p.stat().st_mtime_ns for p in (first / "site").rglob("*.md")}
    result = CliRunner().invoke(main, ["-v", "build", "--full", "--project", str(first)])  # made again
    assert result.exit_code == 0, result.output
    assert "0 pages written" in result.output
    assert markdown == {p: p.stat().st_mtime_ns for p in (first / "site").rglob("*.md")}


# Golden pages: one of each kind. Regenerate with PAPERKG_UPDATE_GOLDEN=1 and review the diff.
GOLDEN_PAGES = {
    "paper.md": "paper/2202.12139/index.md",
    "paper-old-id.md": "paper/astro-ph/0601001/index.md",
    "author.md": "author/shengkai-lin/index.md",
    "topic.md": "topic/cs.SE/index.md",
    "papers-month.md": "papers/2022-02/index.md",
    "topics-index.md": "topic/index.md",
}


@pytest.mark.parametrize("golden, generated", sorted(GOLDEN_PAGES.items()))
def test_golden_pages(site: Path, golden: str, generated: str) -> None:
    actual = (site / "site" / generated).read_text("utf-8")
    if os.environ.get("PAPERKG_UPDATE_GOLDEN"):
        GOLDEN.mkdir(exist_ok=True)
        (GOLDEN / golden).write_text(actual, "utf-8")
    assert actual == (GOLDEN / golden).read_text("utf-8")


def wait_for(url: str, server: subprocess.Popen, seconds: float = 90) -> str:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                return answer.read().decode("utf-8")
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise
            time.sleep(0.5)


def sparql_answer(request: urllib.request.Request, seconds: float = 60) -> bytes:
    """The endpoint's answer, once it has loaded its graph (it answers 503 until then)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:
                return answer.read()
        except urllib.error.HTTPError as error:
            assert error.code == 503 and error.headers["Retry-After"] and time.monotonic() < deadline, error
            time.sleep(0.2)


def test_the_sparql_endpoint_answers_once_its_graph_is_loaded() -> None:
    """`paperkg serve` serves the site at once and loads the endpoint's graph meanwhile."""
    endpoint = SparqlEndpoint(None, Iris("https://example.org/s/"), "127.0.0.1", free_port()).start()
    try:
        query = urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
        with pytest.raises(urllib.error.HTTPError) as waiting:
            urllib.request.urlopen(f"{endpoint.url}?{query}", timeout=5)
        assert waiting.value.code == 503 and waiting.value.headers["Retry-After"] == "2"
        assert b"still being loaded" in waiting.value.read()
        store = pyoxigraph.Store()
        store.add(pyoxigraph.Quad(pyoxigraph.NamedNode("https://example.org/s/a"),
                                  pyoxigraph.NamedNode("https://schema.org/name"), pyoxigraph.Literal("A")))
        endpoint.store = store
        assert json.loads(sparql_answer(urllib.request.Request(f"{endpoint.url}?{query}")))["boolean"] is True
    finally:
        endpoint.close()


def test_serve_answers_over_http(tmp_path: Path) -> None:
    directory = make_site(tmp_path / "s", [FIXTURES / "arxiv-api" / "2026" / "id_1605.08386_s0_m100.xml"])
    port = free_port()
    paperkg = shutil.which("paperkg", path=str(Path(sys.executable).parent))
    sparql = free_port()
    command = [paperkg, "serve", "--dev-addr", f"127.0.0.1:{port}", "--sparql-addr", f"127.0.0.1:{sparql}"]
    server = subprocess.Popen(command, cwd=directory, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # served under site_url's path (https://example.org/s/ -> /s/), from the built public/
        body = wait_for(f"http://127.0.0.1:{port}/s/paper/1605.08386/", server)
        assert (directory / "public" / "paper" / "1605.08386" / "index.html").is_file()
        # the twins keep the configured site_url's IRIs, not the local address
        twin = wait_for(f"http://127.0.0.1:{port}/s/paper/1605.08386/index.ttl", server)
        assert "<https://example.org/s/paper/1605.08386/#it>" in twin and "127.0.0.1" not in twin
        assert "<h1" in body and "1605.08386" in body
        # the read-only SPARQL endpoint beside it (SPARQL 1.1 Protocol)
        endpoint = f"http://127.0.0.1:{sparql}/sparql"
        query = urllib.parse.urlencode({"query": "SELECT (COUNT(?p) AS ?n) WHERE { ?p a schema:ScholarlyArticle }"})
        request = urllib.request.Request(f"{endpoint}?{query}", headers={"Accept": "application/sparql-results+json"})
        assert json.loads(sparql_answer(request))["results"]["bindings"][0]["n"]["value"] == "1"
        form = urllib.parse.urlencode({"query": "ASK { ?p schema:name ?n }"}).encode()
        with urllib.request.urlopen(urllib.request.Request(endpoint, data=form), timeout=5) as answer:
            assert json.loads(answer.read())["boolean"] is True
        headers = {"Content-Type": "application/sparql-update"}
        update = urllib.request.Request(endpoint, data=b"DROP ALL", headers=headers)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(update, timeout=5)
        assert refused.value.code == 403
        construct = urllib.parse.urlencode({"query": "CONSTRUCT WHERE { ?p schema:name ?n }"})
        with urllib.request.urlopen(f"{endpoint}?{construct}", timeout=5) as answer:
            assert answer.headers["Content-Type"] == "text/turtle" and b"schema.org/name" in answer.read()
        # a change to the graph is rebuilt and served
        run("ingest", "--project", directory, FIXTURES / "arxiv-api" / "2026" / "id_1707.08567_s0_m100.xml")
        assert "1707.08567" in wait_for(f"http://127.0.0.1:{port}/s/paper/1707.08567/", server)
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_mkdocs_serve_keeps_the_configured_iris(tmp_path: Path) -> None:
    directory = make_site(tmp_path / "s", [FIXTURES / "arxiv-api" / "2026" / "id_1605.08386_s0_m100.xml"])
    twin_file = directory / ".paperkg" / "twins" / "paper" / "1605.08386" / "index.ttl"
    before = twin_file.read_bytes()
    port = free_port()
    mkdocs = shutil.which("mkdocs", path=str(Path(sys.executable).parent))
    server = subprocess.Popen([mkdocs, "serve", "--dev-addr", f"127.0.0.1:{port}", "--no-livereload"], cwd=directory,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        twin = wait_for(f"http://127.0.0.1:{port}/s/paper/1605.08386/index.ttl", server)
        assert "<https://example.org/s/paper/1605.08386/#it>" in twin
        assert twin_file.read_bytes() == before  # not rewritten for the local address
    finally:
        server.send_signal(signal.SIGINT)  # as Ctrl-C: MkDocs removes its temporary site
        server.wait(timeout=30)


def test_mkdocs_serve_takes_the_pages_that_stand_from_the_built_site(tmp_path: Path) -> None:
    """`mkdocs serve` builds only the pages that changed since `paperkg build` built public/,
    linking the others' HTML from there; the next `paperkg build` still gets the changed ones."""
    directory = make_site(tmp_path / "s", [FIXTURES / "arxiv-api" / "2026" / "id_1605.08386_s0_m100.xml"])
    run("ingest", "--project", directory, FIXTURES / "arxiv-api" / "2026" / "id_1707.08567_s0_m100.xml")
    public = directory / "public"
    temporary = tmp_path / "tmp"  # where MkDocs makes its temporary site
    temporary.mkdir()
    port = free_port()
    mkdocs = shutil.which("mkdocs", path=str(Path(sys.executable).parent))
    server = subprocess.Popen([mkdocs, "serve", "--dev-addr", f"127.0.0.1:{port}", "--no-livereload"], cwd=directory,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env={**os.environ, "TMPDIR": str(temporary)})
    try:
        served = {}
        for path in ("paper/1707.08567/index.html", "paper/1605.08386/index.html", "index.html"):
            wait_for(f"http://127.0.0.1:{port}/s/{path}", server)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/s/{path}", timeout=5) as answer:
                served[path] = answer.read()
        [site_dir] = temporary.glob("mkdocs_*")
        # the old paper's page stands: its HTML is public/'s; the new paper's and the home page are built
        assert os.path.samefile(site_dir / "paper/1605.08386/index.html", public / "paper/1605.08386/index.html")
        assert served["paper/1605.08386/index.html"] == (public / "paper/1605.08386/index.html").read_bytes()
        assert not (public / "paper/1707.08567").exists()
        assert not os.path.samefile(site_dir / "index.html", public / "index.html")
        assert b"1707.08567" in served["index.html"] and b"1707.08567" not in (public / "index.html").read_bytes()
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
    run("build", "--project", directory)  # incremental, and told what `mkdocs serve` wrote
    assert {path: (public / path).read_bytes() for path in served} == served


def test_a_users_source_date_epoch_wins(tmp_path: Path) -> None:
    directory = make_site(tmp_path / "s", [FIXTURES / "arxiv-api" / "2026" / "id_1605.08386_s0_m100.xml"])
    paperkg = shutil.which("paperkg", path=str(Path(sys.executable).parent))
    environment = {**os.environ, "SOURCE_DATE_EPOCH": str(365 * 86400)}
    subprocess.run([paperkg, "build", "--full", "--project", directory], check=True, env=environment,
                   capture_output=True)
    assert set(re.findall(r"<lastmod>(.*?)</lastmod>", (directory / "public" / "sitemap.xml").read_text())) == {
        "1971-01-01"}


def test_a_build_with_nothing_changed_keeps_pages_and_search_index(tmp_path: Path) -> None:
    directory = make_site(tmp_path / "s", [FIXTURES / "arxiv-api" / "2026" / "id_1605.08386_s0_m100.xml"])
    index, docs = directory / "public" / "search-index", directory / "site"
    sitemap = (directory / "public" / "sitemap.xml").read_bytes()
    times = lambda root: {p: p.stat().st_mtime_ns for p in root.rglob("*")}  # noqa: E731
    before, markdown = times(index), times(docs)
    output = run("-v", "build", "--project", directory)
    assert "generated files stand" in output and "the index stands" in output
    assert times(index) == before and times(docs) == markdown
    assert (directory / "public" / "sitemap.xml").read_bytes() == sitemap  # dated as before

    # the project moved elsewhere (another checkout, a CI workspace): what it is made from did not change
    directory = directory.rename(tmp_path / "moved")
    index, docs = directory / "public" / "search-index", directory / "site"
    before, markdown = times(index), times(docs)
    output = run("-v", "build", "--project", directory)
    assert "generated files stand" in output and "the index stands" in output
    assert times(index) == before and times(docs) == markdown

    # a site template changed: the pages are made again (and only the changed ones written)
    (directory / "templates" / "paper.md.j2").write_text(
        (Path(__file__).parent.parent / "templates" / "paper.md.j2").read_text() + "\nA site's own footer.\n")
    output = run("-v", "build", "--project", directory)
    assert "generated files stand" not in output
    assert "A site's own footer." in (directory / "public" / "paper" / "1605.08386" / "index.html").read_text()
    assert "the index stands" in output and times(index) == before  # what search indexes did not change

    run("ingest", "--project", directory, FIXTURES / "arxiv-api" / "2026" / "id_1707.08567_s0_m100.xml")
    output = run("-v", "build", "--project", directory)
    assert "generated files stand" not in output and (directory / "public" / "paper" / "1707.08567").is_dir()
    assert times(index) != before


def test_errors_are_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", "--project", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"paperkg: error: no mkdocs.yml in {tmp_path.resolve()} or any parent directory "
        "(use --project DIR, or `paperkg new DIR`)"
    ]


def test_a_failed_search_index_is_one_line_and_keeps_the_last_index(tmp_path: Path, monkeypatch) -> None:
    directory = make_site(tmp_path / "s", [FIXTURES / "arxiv-api" / "2026" / "id_1605.08386_s0_m100.xml"])
    kept = {p: p.read_bytes() for p in (directory / ".paperkg" / "search-index").rglob("*") if p.is_file()}
    assert kept
    failing = "import sys; sys.stderr.write('MemoryError: out of memory\\n'); sys.exit(3)"
    monkeypatch.setattr(search, "MAKER", (sys.executable, "-c", failing))
    run("ingest", "--project", directory, FIXTURES / "arxiv-api" / "2026" / "id_1707.08567_s0_m100.xml")
    result = CliRunner().invoke(main, ["build", "--project", str(directory)])
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert line == ("paperkg: error: the search index could not be made from "
                    f"{directory.resolve() / '.paperkg' / search.RECORDS}: MemoryError: out of memory")
    assert {p: p.read_bytes() for p in (directory / ".paperkg" / "search-index").rglob("*") if p.is_file()} == kept


def test_committed_example_graph_is_what_make_site_produces(tmp_path: Path) -> None:
    """graph/ in the repository is exactly what ingesting the example feeds gives: `make site`
    on a fresh clone changes no tracked file."""
    root = Path(__file__).parent.parent
    shutil.copy(root / "mkdocs.yml", tmp_path / "mkdocs.yml")
    shutil.copytree(root / "site", tmp_path / "site", ignore=shutil.ignore_patterns("*"))
    copies = []  # the feeds at the same place in the project: provenance names them relatively
    for feed in FEEDS:
        copies.append(tmp_path / feed.relative_to(root))
        copies[-1].parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(feed, copies[-1])
    run("ingest", "--project", tmp_path, *copies)
    data = {str(p.relative_to(root / "graph")) for p in data_files(root / "graph")}  # not vocab, shapes, queries
    committed = {k: v for k, v in snapshot(root / "graph").items() if k in data}
    assert snapshot(tmp_path / "graph") == committed


def test_config_errors_are_one_line(tmp_path: Path) -> None:
    run("new", tmp_path / "s")
    config = tmp_path / "s" / "mkdocs.yml"
    config.write_text(config.read_text().replace("page_size: 100", "page_size: 0"))
    result = CliRunner().invoke(main, ["build", "--project", str(tmp_path / "s")])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"paperkg: error: {config.resolve()}: Config value 'plugins': Plugin 'paperkg' option 'page_size': "
        "must be at least 1"
    ]


def test_dataset_description_and_dumps(site: Path) -> None:
    public = site / "public"
    triples = int(run("query", "--project", site, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                      "--format", "csv").splitlines()[1])
    void = rdflib.Graph().parse(public / "dataset" / "index.ttl", format="turtle")
    assert (public / ".well-known" / "void").read_bytes() == (public / "dataset" / "index.ttl").read_bytes()
    counts = dict(void.query("""PREFIX void: <http://rdfs.org/ns/void#>
        SELECT ?class ?n WHERE { ?d void:classPartition [ void:class ?class ; void:entities ?n ] }"""))
    assert {str(k).rsplit("/", 1)[-1]: int(v) for k, v in counts.items()} == {
        "ScholarlyArticle": len(list((site / "site" / "paper").rglob("index.md"))),
        "Person": len(list((site / "site" / "author").glob("*/index.md"))),
        "core#Concept": 192,
    }
    (n,) = next(iter(void.query("SELECT ?n WHERE { ?d <http://rdfs.org/ns/void#triples> ?n }")))
    assert int(n) == triples
    with gzip.open(public / "dump" / "graph.nt.gz") as dump:
        assert len(rdflib.Graph().parse(dump, format="nt")) == triples
    assert len(rdflib.Graph().parse(public / "dump" / "graph.ttl", format="turtle")) == triples
    described = article(page(site, "dataset"))
    assert "Thank you to arXiv for use of its open access interoperability." in described.text_content()
    hrefs = {a.get("href") for a in described.cssselect("a")}
    assert hrefs >= {"../dump/graph.nt.gz", "../dump/graph.ttl", "index.ttl"}


def test_vocabulary_terms_dereference_to_their_definitions(site: Path) -> None:
    base = yaml.safe_load((site / "mkdocs.yml").read_text())["site_url"]
    vocabulary = rdflib.Graph().parse(site / "public" / "ns" / "index.ttl", format="turtle")
    terms = {str(s) for s in vocabulary.subjects(rdflib.RDF.type, None) if str(s).startswith(base + "ns#")}
    assert len(terms) >= 10
    anchors = set(page(site, "ns").xpath("//a/@id"))
    assert {term.split("#", 1)[1] for term in terms} <= anchors  # /ns#ordinal -> /ns/ -> #ordinal
    graph_terms = {p for p in rdflib.Graph().parse(site / "public" / "dump" / "graph.ttl").predicates()
                   if str(p).startswith(base + "ns#")}
    assert {str(p) for p in graph_terms} <= terms  # every local term the graph uses is defined


def test_entity_pages_have_twins_and_scholarly_head_tags(site: Path) -> None:
    public = site / "public"
    paper = public / "paper" / "2202.12139"
    twin = rdflib.Graph().parse(paper / "index.ttl", format="turtle")
    assert isomorphic(twin, rdflib.Graph().parse(paper / "index.jsonld", format="json-ld"))  # the same twin
    names = {str(o) for o in twin.objects(None, rdflib.URIRef("https://schema.org/name"))}
    assert {"Mohit Kumar Ahuja", "Arnaud Gotlieb", "Helge Spieker", "Software Engineering"} <= names
    base = yaml.safe_load((site / "mkdocs.yml").read_text())["site_url"]
    ordinals = sorted(int(o) for o in twin.objects(None, rdflib.URIRef(base + "ns#ordinal")))
    assert ordinals == [1, 2, 3]
    person = rdflib.Graph().parse(public / "author" / "helge-spieker" / "index.ttl", format="turtle")
    assert len(set(person.subjects(rdflib.URIRef("https://schema.org/author"), None))) == 2  # both papers
    assert (public / "topic" / "cs.SE" / "index.jsonld").is_file()

    tree = page(site, "paper/2202.12139")
    alternates = {(link.get("type"), link.get("href")) for link in tree.xpath("//head/link[@rel='alternate']")}
    assert alternates >= {("text/turtle", "index.ttl"), ("application/ld+json", "index.jsonld")}
    meta = lambda name: [m.get("content") for m in tree.xpath(f"//head/meta[@name='{name}']")]  # noqa: E731
    assert meta("citation_author") == ["Mohit Kumar Ahuja", "Arnaud Gotlieb", "Helge Spieker"]
    assert meta("citation_arxiv_id") == ["2202.12139"] and meta("citation_doi") == ["10.1109/ICSTW55395.2022.00035"]
    assert meta("citation_pdf_url") == ["https://arxiv.org/pdf/2202.12139"]
    assert meta("citation_publication_date") == ["2022/02/24"]
    assert tree.xpath("//head/link[@rel='cite-as']/@href") == ["https://doi.org/10.48550/arXiv.2202.12139"]
    (embedded,) = tree.xpath("//head/script[@type='application/ld+json']/text()")
    data = json.loads(embedded)
    assert data["@type"] == "ScholarlyArticle" and [a["name"] for a in data["author"]] == meta("citation_author")
    # hostile feed text stays text in the head too
    hostile = page(site, "paper/2601.00001")
    assert hostile.xpath("//head/meta[@name='citation_title']/@content") == [HOSTILE_TITLE]
    assert json.loads(hostile.xpath("//head/script[@type='application/ld+json']/text()")[0])["name"] == HOSTILE_TITLE


def test_the_dumps_hold_the_graph_with_the_taxonomy_when_graph_has_none(tmp_path: Path) -> None:
    # The dumps are streamed shard by shard; the taxonomy is added from the bundled one, as the
    # graph loader adds it, when graph/ has no taxonomy.ttl.
    directory = make_site(tmp_path / "s", [FIXTURES / "arxiv-api" / "2026" / "id_1605.08386_s0_m100.xml"])
    public = directory / "public"
    with_file = rdflib.Graph().parse(public / "dump" / "graph.ttl", format="turtle")
    (directory / "graph" / "taxonomy.ttl").unlink()
    run("build", "--project", directory)
    without = rdflib.Graph().parse(public / "dump" / "graph.ttl", format="turtle")
    assert isomorphic(without, with_file)
    with gzip.open(public / "dump" / "graph.nt.gz") as dump:
        lines = dump.read().decode().splitlines()
    assert lines == sorted(lines) and len(lines) == len(with_file)


def test_serve_rebuilds_for_what_a_build_reads_and_not_for_its_own_pages(tmp_path: Path) -> None:
    """`paperkg serve` builds again when what it watches changed (`serve.sources`): mkdocs.yml,
    the graph, the templates and the docs_dir's own files, not the pages paperkg wrote there."""
    directory = make_site(tmp_path / "s", [FIXTURES / "arxiv-api" / "2026" / "id_1605.08386_s0_m100.xml"])
    project = load_project(directory, strict=True)
    before = sources(project)
    watched = {Path(path).relative_to(directory).as_posix() for path, _, _ in before}
    docs = project.docs_dir.relative_to(directory).as_posix()
    assert "mkdocs.yml" in watched and any(path.startswith("graph/") for path in watched)
    assert any(path.startswith(f"{project.templates_dir.name}/") for path in watched)
    assert not any(path.startswith(f"{docs}/paper/") for path in watched)  # paperkg's own pages
    page = project.docs_dir / "paper" / "1605.08386" / "index.md"
    page.write_text(page.read_text("utf-8") + "\n", "utf-8")
    assert sources(project) == before
    own = project.docs_dir / "paper" / "1605.08386" / "notes.md"  # the reader's own, among paperkg's
    own.write_text("Notes\n", "utf-8")
    added = sources(project)
    assert {Path(path).relative_to(directory).as_posix() for path, _, _ in added - before} == {
        f"{docs}/paper/1605.08386/notes.md"}
    own.write_text("Notes, longer\n", "utf-8")
    assert sources(project) != added
