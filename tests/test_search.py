"""Site search in a real headless Chromium: Pagefind's chunked index, built with the site,
finds a paper by a word of its title (result with title, authors and snippet), narrows by
topic and year exactly as the graph says, downloads only a few small chunks from the site
itself, and shows hostile feed text as text."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from paperkg import search
from paperkg.cli import main
from paperkg.pagefind_names import SIGNATURE
from tests.conftest import serve_directory

RESULT = ".paperkg-search__result"
MESSAGE = ".paperkg-search__message"


def count(project: Path, sparql: str) -> int:
    result = CliRunner().invoke(main, ["query", "--project", str(project), sparql, "--format", "json"])
    assert result.exit_code == 0, result.output
    return int(json.loads(result.output)["results"]["bindings"][0]["n"]["value"])


@pytest.fixture(scope="module")
def origin(built_site: Path) -> Iterator[str]:
    with serve_directory(built_site / "public") as url:
        yield url


@pytest.fixture
def page(chromium):
    context = chromium.new_context()
    page = context.new_page()
    page.fetched = []
    page.on("response", lambda response: page.fetched.append(
        (response.url, len(response.body()) if response.status < 300 or response.status >= 400 else response.status)))
    yield page
    context.close()


HOSTILE = '<script>alert("x")</script> & <b>bold</b> \'quoted\' $a<b$ &amp; &#60; <!-- x --> a:b, c\\d ünïcödé'


@pytest.mark.parametrize("directory_urls", [True, False])
def test_the_index_holds_each_record_as_it_was_given(tmp_path: Path, directory_urls: bool) -> None:
    """Every record's URL, text, meta and filters come back out of its Pagefind fragment exactly,
    markup and entities in them as text."""
    def url(path: str) -> str:
        return f"/{path}/" if directory_urls else f"/{path}/index.html"
    given = [
        {"url": url("paper/2401.00001"), "content": f"{HOSTILE} Title {HOSTILE} abstract.", "language": "en",
         "meta": {"title": f"Title {HOSTILE}", "authors": f"A. {HOSTILE}, B. Two"},
         "filters": {"topic": [f"cs.DC — {HOSTILE}", "math.PR — Probability"], "year": ["2024"]}},
        {"url": url("topic/cs.DC"), "content": "Distributed Computing (cs.DC)", "language": "en",
         "meta": {"title": "Distributed Computing (cs.DC)"}, "filters": {}},
        {"url": url("authors/a"), "content": "Ann Ó Two Ánn Three", "language": "en",
         "meta": {"title": "Authors: A"}, "filters": {}},
    ]
    search.write_records(tmp_path / search.RECORDS, given)
    indexer = search.Indexer(tmp_path)
    indexer.start()
    indexer.finish()

    assert indexer.count == len(given)
    fragments = [json.loads(gzip.decompress(path.read_bytes()).removeprefix(SIGNATURE))
                 for path in (tmp_path / search.OUTPUT / "fragment").rglob("*.pf_fragment")]
    by_url = {fragment["url"]: fragment for fragment in fragments}
    assert sorted(by_url) == sorted(record["url"] for record in given)
    for record in given:
        fragment = by_url[record["url"]]
        assert (fragment["meta"], fragment["filters"], fragment["content"]) == \
            (record["meta"], record["filters"], record["content"])


def pagefind_search(page, origin: str, term: str | None, filters: dict | None = None) -> list[dict]:
    """Pagefind's own JS API, as the search page's UI uses it: every result's data."""
    return page.evaluate(
        """async ([url, term, filters]) => {
            const pagefind = await import(url);
            const found = await pagefind.search(term, { filters });
            return Promise.all(found.results.map((r) => r.data()));
        }""",
        [origin + "pagefind/pagefind.js", term, filters or {}],
    )


def test_a_title_word_finds_its_paper_with_authors_and_snippet(page, origin: str) -> None:
    page.goto(origin + "search/?q=Morphy")
    page.wait_for_selector(RESULT)
    first = page.query_selector(RESULT)
    assert first.query_selector(".paperkg-search__title").inner_text() == (
        "Morphy: A Datamorphic Software Test Automation Tool")
    link = first.query_selector(".paperkg-search__title a").get_attribute("href")
    assert link.endswith("/paper/1912.09881/")
    assert first.query_selector(".paperkg-search__authors").inner_text() == (
        "Hong Zhu, Ian Bayley, Dongmei Liu, Xiaoyu Zheng")
    excerpt = first.query_selector(".paperkg-search__excerpt")  # the snippet, the words marked
    assert "Morphy" in excerpt.inner_text() and excerpt.query_selector("mark") is not None
    page.goto(link if link.startswith("http") else origin.rstrip("/") + link)
    assert page.title().startswith("Morphy: A Datamorphic")


def test_an_authors_name_finds_the_author_list_that_links_their_page(page, origin: str, built_site: Path) -> None:
    # Authors are indexed through the A-Z lists (a hundred names to a page), not one page each:
    # every indexed page adds to what the first search downloads.
    page.goto(origin + "search/")
    found = pagefind_search(page, origin, "Shengkai")
    urls = [r["url"] for r in found]
    assert any("/authors/l/" in url for url in urls), urls
    assert not any("/author/" in url for url in urls), urls
    letter = next(r for r in found if "/authors/l/" in r["url"])
    assert "Shengkai" in letter["excerpt"]
    page.goto(origin.rstrip("/") + letter["url"])
    page.click("a >> text=Shengkai Lin")
    assert page.url.endswith("/author/shengkai-lin/")


def test_the_index_covers_papers_topics_and_author_lists_only(page, origin: str, built_site: Path) -> None:
    papers = count(built_site, "SELECT (COUNT(?p) AS ?n) WHERE { ?p a schema:ScholarlyArticle }")
    page.goto(origin + "search/")
    indexed = page.evaluate(
        """async (url) => {
            const pagefind = await import(url);
            const found = await pagefind.search(null);
            return Promise.all(found.results.map((r) => r.data().then((d) => d.url)));
        }""",
        origin + "pagefind/pagefind.js",
    )
    kinds = {url.split("/")[1] for url in indexed}
    assert kinds == {"paper", "topic", "authors"}, kinds
    assert sum(url.startswith("/paper/") for url in indexed) == papers


def test_filters_by_topic_and_year_match_the_graph(page, origin: str, built_site: Path) -> None:
    page.goto(origin + "search/")
    topic = count(built_site, 'SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p schema:about/skos:notation "cs.SE" }')
    year = count(built_site, "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a schema:ScholarlyArticle ; "
                             "schema:datePublished ?d FILTER(YEAR(?d) = 2024) }")
    by_topic = pagefind_search(page, origin, None, {"topic": "cs.SE — Software Engineering"})
    by_year = pagefind_search(page, origin, None, {"year": "2024"})
    assert len(by_topic) == topic > 0 and all("/paper/" in r["url"] for r in by_topic)
    assert len(by_year) == year > 0
    both = pagefind_search(page, origin, None, {"topic": "cs.SE — Software Engineering", "year": "2024"})
    assert 0 < len(both) <= min(topic, year)

    # and in the page's UI: the filters load when opened; ticking a topic narrows the results to it
    page.fetched.clear()
    page.goto(origin + "search/?q=testing")
    page.wait_for_selector(RESULT)
    everything = page.inner_text(MESSAGE)
    assert not any("/pagefind/filter/" in url for url, _ in page.fetched)
    page.click("summary >> text=Topic")
    page.check("input[type=checkbox][value='cs.SE — Software Engineering']")
    page.wait_for_function(f"document.querySelector({MESSAGE!r}).innerText != {everything!r}")
    assert int(page.inner_text(MESSAGE).split()[0]) < int(everything.split()[0])
    assert page.inner_text(MESSAGE).endswith("for “testing”")
    page.click("summary >> text=Year")  # years newest first, counted over the whole site
    years = [int(label.split()[0]) for label in page.locator("details[data-filter=year] label").all_inner_texts()]
    assert years == sorted(years, reverse=True) and len(years) > 1
    assert f"2024 ({year})" in page.inner_text("details[data-filter=year]")


def test_first_search_downloads_a_few_chunks_from_the_site_only(page, origin: str, built_site: Path) -> None:
    page.goto(origin + "search/?q=testing")
    page.wait_for_selector(RESULT)
    page.wait_for_load_state("networkidle")
    assert [url for url, _ in page.fetched if not url.startswith(origin)] == []
    searched = [(url, size) for url, size in page.fetched if "/pagefind/" in url]
    assert not [url for url, _ in searched if "/pagefind/filter/" in url]  # filters load when opened
    assert not [url for url, _ in searched if "worker" in url]  # Pagefind searches in the page
    total = sum(size for _, size in searched)
    index = built_site / "public" / "pagefind"
    chunks = list((index / "index").iterdir())
    fragments = list((index / "fragment").rglob("*.pf_fragment"))
    fetched_chunks = [url for url, _ in searched if "/pagefind/index/" in url]
    fetched_fragments = [url for url, _ in searched if "/pagefind/fragment/" in url]
    message = f"first search fetched {len(searched)} files, {total} bytes"
    assert 0 < len(fetched_chunks) < len(chunks), message  # not the whole index
    assert 0 < len(fetched_fragments) <= 5 < len(fragments), message  # only the results shown
    assert total < sum(p.stat().st_size for p in index.rglob("*") if p.is_file()) / 2, message


def test_hostile_text_shows_as_text_in_results(page, origin: str) -> None:
    page.goto(origin + "search/?q=onclick")
    page.wait_for_selector(RESULT)
    # Pagefind's UI fills each result in as its fragment arrives: wait for the hostile one.
    page.wait_for_function("""() => [...document.querySelectorAll('.paperkg-search__title')]
        .some((t) => t.textContent.trim().startsWith('<script>alert("title")</script>'))""")
    assert page.query_selector_all(".paperkg-search__results script, .paperkg-search__results b") == []


def test_more_results_adds_five_and_is_hidden_once_all_are_shown(page, origin: str) -> None:
    more = ".paperkg-search__more"
    page.goto(origin + "search/?q=Shengkai")
    page.wait_for_selector(RESULT)
    page.wait_for_function(f"document.querySelectorAll({RESULT!r}).length == "
                           f"parseInt(document.querySelector({MESSAGE!r}).innerText)")
    assert not page.is_visible(more)  # all of them (fewer than five) are shown

    page.goto(origin + "search/?q=testing")
    page.wait_for_selector(RESULT)
    assert int(page.inner_text(MESSAGE).split()[0]) > 10
    assert len(page.query_selector_all(RESULT)) == 5 and page.is_visible(more)
    page.click(more)
    page.wait_for_function(f"document.querySelectorAll({RESULT!r}).length == 10")
