"""Site search in a real headless Chromium: the site's own chunked index (search_files.py),
made with the site, finds a paper by a word of its title (result with title, authors and
snippet), narrows by topic and year exactly as the graph says, downloads only a few small files
from the site itself, and shows hostile feed text as text. The engine's words are the index's:
the same text makes the same words in Python and in the browser."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from paperkg import search, search_files
from paperkg.cli import main
from paperkg.errors import BuildError
from tests.conftest import serve_directory

RESULT = ".paperkg-search__result"
MESSAGE = ".paperkg-search__message"
ENGINE = "assets/paperkg/search-engine.js"


def count(project: Path, sparql: str) -> int:
    result = CliRunner().invoke(main, ["query", "--project", str(project), sparql, "--format", "json"])
    assert result.exit_code == 0, result.output
    return int(json.loads(result.output)["results"]["bindings"][0]["n"]["value"])


@pytest.fixture(scope="module")
def site(built_site: Path) -> Path:
    return built_site


@pytest.fixture(scope="module")
def origin(site: Path) -> Iterator[str]:
    with serve_directory(site / "public") as url:
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


def numbered_rows(index: Path) -> dict[int, list]:
    """An index's records by number, [url, title, authors, text], from its fragments: record
    s F + b is the one at place s of fragment b (search_files.py)."""
    count = json.loads((index / "index.json").read_text())["fragments"]
    return {place * count + int(path.stem): row for path in (index / "f").iterdir()
            for place, row in enumerate(json.loads(path.read_text()))}


def indexed(state: Path) -> dict[str, list]:
    """The kept index's records by URL: [title, authors, text, {filter: [values]}]."""
    kept = state / search.KEPT
    rows = numbered_rows(kept)
    filters: dict[int, dict[str, list[str]]] = {}
    for name, values in json.loads((kept / "filters.json").read_text()).items():
        for value, gaps in values.items():
            number = 0
            for gap in gaps:
                number += gap
                filters.setdefault(number, {}).setdefault(name, []).append(value)
    return {url: [title, authors, text, filters.get(n, {})] for n, (url, title, authors, text) in rows.items()}


@pytest.mark.parametrize("directory_urls", [True, False])
def test_the_index_holds_each_record_as_it_was_given(tmp_path: Path, directory_urls: bool) -> None:
    """Every record's URL, title, authors, text and filters come back out of the index exactly,
    markup and entities in them as text; a result's text leaves out the title and authors it
    shows apart."""
    def url(path: str) -> str:
        return f"/{path}/" if directory_urls else f"/{path}/index.html"
    given = [
        {"url": url("paper/2401.00001"), "content": f"Title {HOSTILE} A. {HOSTILE}, B. Two {HOSTILE} abstract.",
         "language": "en", "meta": {"title": f"Title {HOSTILE}", "authors": f"A. {HOSTILE}, B. Two"},
         "filters": {"topic": [f"cs.DC — {HOSTILE}", "math.PR — Probability"], "year": ["2024"]}},
        {"url": url("topic/cs.DC"), "content": "Distributed Computing (cs.DC)", "language": "en",
         "meta": {"title": "Distributed Computing (cs.DC)"}, "filters": {}},
        {"url": url("authors/a"), "content": "Ann Ó Two Ánn Three", "language": "en",
         "meta": {"title": "Authors: A"}, "filters": {}},
    ]
    digest = search.write_records(tmp_path / search.RECORDS, given)
    assert digest == search.records_digest((tmp_path / search.RECORDS).read_bytes())
    indexer = search.Indexer(tmp_path, tmp_path / "public")
    indexer.start(digest)
    assert indexer.finish() is not None
    assert indexer.count == len(given)
    assert indexed(tmp_path) == {
        given[0]["url"]: [f"Title {HOSTILE}", f"A. {HOSTILE}, B. Two", f"{HOSTILE} abstract.", given[0]["filters"]],
        given[1]["url"]: ["Distributed Computing (cs.DC)", "", "Distributed Computing (cs.DC)", {}],
        given[2]["url"]: ["Authors: A", "", "Ann Ó Two Ánn Three", {}],
    }
    assert indexer.install()
    assert (tmp_path / "public" / search.OUTPUT / "index.json").read_bytes() == \
        (tmp_path / search.KEPT / "index.json").read_bytes()
    assert not (tmp_path / "public" / search.OUTPUT / search_files.DIGEST).exists()
    assert not (tmp_path / "public" / search.OUTPUT / search_files.WORDS).exists()
    assert (tmp_path / search.KEPT / search_files.WORDS).is_file()


def record_line(url: str, content: str) -> bytes:
    record = {"url": url, "content": content, "language": "en", "meta": {"title": content}, "filters": {}}
    return (json.dumps(record, sort_keys=True) + "\n").encode()


def test_the_index_is_made_again_only_when_its_records_change(tmp_path: Path) -> None:
    state, site = tmp_path / ".paperkg", tmp_path / "public"
    state.mkdir()

    def build(lines: list[bytes]) -> tuple[float | None, bool]:
        (state / search.RECORDS).write_bytes(b"".join(lines))
        indexer = search.Indexer(state, site)
        indexer.start()
        return indexer.finish(), indexer.install()

    lines = [record_line(f"/paper/{n:04}/", f"Paper {n} on topic{n % 7}") for n in range(50)]
    (state / "search-old-x1y2" / "0").mkdir(parents=True)  # what a build with Pagefind set aside
    assert build(lines)[0] is not None
    assert not (state / "search-old-x1y2").exists()
    made = {path: path.stat().st_mtime_ns for path in (state / search.KEPT).rglob("*") if path.is_file()}
    assert build(lines) == (None, False)  # the same records: the index stands, in the site too
    (state / search.RECORDS).write_bytes(b"".join(lines))
    stands = search.Indexer(state, site)
    stands.start(search.records_digest(b"".join(lines)))  # their digest given: the same answer
    assert stands.finish() is None
    lines[3] = record_line("/paper/0003/", "A new title")
    seconds, installed = build(lines)
    assert seconds is not None and installed
    now = {path: path.stat().st_mtime_ns for path in (state / search.KEPT).rglob("*") if path.is_file()}
    assert sorted(now) == sorted(made) and 0 < sum(now[p] != made[p] for p in now) < len(now) / 2
    expected = search_files.index_files(b"".join(lines).splitlines())
    for where in (state / search.KEPT, site / search.OUTPUT):
        assert {p.relative_to(where).as_posix(): p.read_bytes() for p in where.rglob("*") if p.is_file()
                and p.name not in (search_files.DIGEST, search_files.WORDS)} == expected


def test_a_failed_index_is_a_build_error_and_keeps_the_last_index(tmp_path: Path) -> None:
    (tmp_path / search.RECORDS).write_bytes(record_line("/paper/01/", "Paper one"))
    indexer = search.Indexer(tmp_path, tmp_path / "public")
    indexer.start()
    indexer.finish()
    kept = {p: p.read_bytes() for p in (tmp_path / search.KEPT).rglob("*") if p.is_file()}
    (tmp_path / search.RECORDS).write_bytes(record_line("/paper/01/", "Paper one") + b"{not json\n")
    indexer = search.Indexer(tmp_path, tmp_path / "public")
    indexer.start()
    with pytest.raises(BuildError) as raised:
        indexer.finish()
    message = str(raised.value)
    assert "\n" not in message and message.startswith(f"the search index could not be made from {indexer.records}: ")
    assert "JSONDecodeError" in message
    assert {p: p.read_bytes() for p in (tmp_path / search.KEPT).rglob("*") if p.is_file()} == kept
    assert not indexer.made.exists()


def test_cancel_stops_the_index_and_leaves_nothing_behind(tmp_path: Path) -> None:
    lines = [record_line(f"/paper/{n:05}/", f"Paper {n} word{n}") for n in range(20_000)]
    (tmp_path / search.RECORDS).write_bytes(b"".join(lines))
    indexer = search.Indexer(tmp_path, tmp_path / "public")
    indexer.start()
    process = indexer._process
    indexer.cancel()
    assert process.poll() is not None and not indexer.made.exists() and not (tmp_path / search.KEPT).exists()


def engine_search(page, origin: str, term: str | None, filters: dict | None = None) -> list[dict]:
    """The search page's engine, as its UI uses it: every result's record, best first."""
    page.goto(origin + "search-index/index.json")
    return page.evaluate(
        """async ([engine, index, term, filters]) => {
            const { openIndex } = await import(engine);
            const found = await openIndex(index);
            const results = await found.search(term, filters);
            return Promise.all(results.map((result) => found.record(result.number)));
        }""",
        [origin + ENGINE, origin + "search-index/", term, filters or {}],
    )


TRICKY = ["Éric Łukasz naïve ﬁbre ½ x²", "\U0001d400bc x\U00011001y Straße İstanbul ΟΔΟΣ Σίσυφος",
          "snake_case don't e-mail $O(n^2)$ \\alpha{}β", "Ḱṓ̃ ﬀ ㈱ ① Ⅻ 〇 ٣ 三", "ऋषि कुमार", "a\u0301b  c\u20dd"]


def test_the_browser_makes_the_words_the_index_holds(page, origin: str) -> None:
    page.goto(origin + "search-index/index.json")
    found = page.evaluate(
        "async ([engine, texts]) => { const { words } = await import(engine); return texts.map(words); }",
        [origin + ENGINE, TRICKY])
    assert found == [search_files.words(text) for text in TRICKY]
    given = ["distributed", "graphs", "studies", "computations", "papers", "only", "efficiently", "quantum", "ss"]
    stems = page.evaluate(
        "async ([engine, given]) => { const { stem } = await import(engine); return given.map(stem); }",
        [origin + ENGINE, given])
    assert stems == [stem(word) for word in given] == [
        "distribut", "graph", "stud", "comput", "paper", "only", "efficient", "quantum", "ss"]


@pytest.mark.parametrize(("term", "expected"), [("Datamorph", "/paper/1912.09881/"), ("morphy", "/paper/1912.09881/"),
                                                ("datamorphic testing", "/paper/1912.09881/")])
def test_a_prefix_or_several_words_find_the_paper(page, origin: str, term: str, expected: str) -> None:
    found = [record["url"] for record in engine_search(page, origin, term)]
    assert expected in found[:3], found


ENDINGS = ["ations", "ation", "ings", "ing", "ies", "ied", "ed", "es", "s", "ly"]


def stem(word: str) -> str:
    """The engine's stem, as its comment says: the first of ENDINGS the word ends with, cut
    off when four letters or more are left."""
    ending = next((end for end in ENDINGS if word.endswith(end) and len(word) - len(end) >= 4), "")
    return word[: len(word) - len(ending)]


def test_the_engine_finds_the_records_whose_words_start_with_each_word_searched(
        chromium, site: Path, tmp_path: Path, monkeypatch) -> None:
    """Against a reference made here from the records, on the site's index cut into many small
    chunks: short prefixes spanning chunks, whole words, English endings, two words, non-Latin
    letters."""
    lines = (site / ".paperkg" / search.RECORDS).read_bytes().splitlines()
    monkeypatch.setattr(search_files, "CHUNK_POSTINGS", 300)
    files = search_files.index_files(lines)
    assert len(json.loads(files["index.json"])["chunks"]) > 20
    root = tmp_path / "public"
    for path, data in files.items():
        (root / search.OUTPUT / path).parent.mkdir(parents=True, exist_ok=True)
        (root / search.OUTPUT / path).write_bytes(data)
    (root / ENGINE).parent.mkdir(parents=True)
    (root / ENGINE).write_bytes(search.asset_files()[f"{search.ASSETS}search-engine.js"])
    records = [json.loads(line) for line in lines]
    held = [set(search_files.words(r["content"])) | set(search_files.words(r["meta"]["title"])) for r in records]
    vocabulary = sorted(set().union(*held))
    terms = ["d", "di", "dist", "distributed", "test", "zhu", "graph neural", "a b", "e", "x", "zzqxv", "graphs",
             "studies", "networks", "computations",
             *vocabulary[::97], *(word[:3] for word in vocabulary[13::101])]
    terms += [word for word in vocabulary if not word.isascii()][:5]

    def expected(term: str) -> list[str]:
        wanted = [stem(word) for word in search_files.words(term)]
        return sorted(r["url"] for r, words in zip(records, held, strict=True)
                      if all(any(word.startswith(w) for word in words) for w in wanted))

    page = chromium.new_page()
    with serve_directory(root) as origin:
        page.goto(origin + "search-index/index.json")
        for term in terms:
            found = page.evaluate(
                """async ([engine, index, term]) => {
                    const { openIndex } = await import(engine);
                    const found = await openIndex(index);
                    return Promise.all((await found.search(term)).map((result) => found.record(result.number)));
                }""", [origin + ENGINE, origin + "search-index/", term])
            assert sorted(record["url"] for record in found) == expected(term), term
    page.close()


def test_every_word_must_be_found(page, origin: str) -> None:
    assert engine_search(page, origin, "zzqxv") == []
    assert engine_search(page, origin, "Morphy zzqxv") == []


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


def test_an_authors_name_finds_the_author_list_that_links_their_page(page, origin: str) -> None:
    # Authors are indexed through the A-Z lists (a hundred names to a page), not one page each:
    # every indexed page adds to what the first search downloads.
    found = engine_search(page, origin, "Shengkai")
    urls = [r["url"] for r in found]
    assert any("/authors/l/" in url for url in urls), urls
    assert not any("/author/" in url for url in urls), urls
    letter = next(r for r in found if "/authors/l/" in r["url"])
    assert "Shengkai" in letter["text"]
    page.goto(origin.rstrip("/") + letter["url"])
    page.click("a >> text=Shengkai Lin")
    assert page.url.endswith("/author/shengkai-lin/")


def test_the_index_covers_papers_topics_and_author_lists_only(page, origin: str, site: Path) -> None:
    papers = count(site, "SELECT (COUNT(?p) AS ?n) WHERE { ?p a schema:ScholarlyArticle }")
    numbers = sorted(numbered_rows(site / ".paperkg" / search.KEPT).items())
    page.goto(origin + "search-index/index.json")
    indexed = page.evaluate(  # every record where the engine looks for it
        """async ([engine, index, numbers]) => {
            const { openIndex } = await import(engine);
            const found = await openIndex(index);
            return Promise.all(numbers.map(async (number) => (await found.record(number)).url));
        }""", [origin + ENGINE, origin + "search-index/", [number for number, _ in numbers]])
    assert indexed == [row[0] for _, row in numbers]
    assert engine_search(page, origin, None) == []  # nothing searched, nothing found
    assert len(indexed) == len(set(indexed)) == len((site / ".paperkg" / search.RECORDS).read_text().splitlines())
    kinds = {url.split("/")[1] for url in indexed}
    assert kinds == {"paper", "topic", "authors"}, kinds
    assert sum(url.startswith("/paper/") for url in indexed) == papers


def test_filters_by_topic_and_year_match_the_graph(page, origin: str, site: Path) -> None:
    topic = count(site, 'SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p schema:about/skos:notation "cs.SE" }')
    year = count(site, "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a schema:ScholarlyArticle ; "
                             "schema:datePublished ?d FILTER(YEAR(?d) = 2024) }")
    by_topic = engine_search(page, origin, None, {"topic": ["cs.SE — Software Engineering"]})
    by_year = engine_search(page, origin, None, {"year": ["2024"]})
    assert len(by_topic) == topic > 0 and all("/paper/" in r["url"] for r in by_topic)
    assert len(by_year) == year > 0
    both = engine_search(page, origin, None, {"topic": ["cs.SE — Software Engineering"], "year": ["2024"]})
    assert 0 < len(both) <= min(topic, year)

    # and in the page's UI: the filters load when opened; ticking a topic narrows the results to it
    # (in a page of its own: the responses to the searches above may still be reported on this one)
    page = page.context.new_page()
    fetched: list[str] = []
    page.on("response", lambda response: fetched.append(response.url))
    page.goto(origin + "search/?q=testing")
    page.wait_for_selector(RESULT)
    everything = page.inner_text(MESSAGE)
    assert not any("/filters.json" in url for url in fetched)
    page.click("summary >> text=Topic")
    page.check("input[type=checkbox][value='cs.SE — Software Engineering']")
    page.wait_for_function(f"document.querySelector({MESSAGE!r}).innerText != {everything!r}")
    assert int(page.inner_text(MESSAGE).split()[0]) < int(everything.split()[0])
    assert page.inner_text(MESSAGE).endswith("for “testing”")
    page.click("summary >> text=Year")  # years newest first, counted over the whole site
    years = [int(label.split()[0]) for label in page.locator("details[data-filter=year] label").all_inner_texts()]
    assert years == sorted(years, reverse=True) and len(years) > 1
    assert f"2024 ({year})" in page.inner_text("details[data-filter=year]")


def test_first_search_downloads_a_few_files_from_the_site_only(page, origin: str, site: Path) -> None:
    page.goto(origin + "search/?q=testing")
    page.wait_for_selector(RESULT)
    page.wait_for_load_state("networkidle")
    assert [url for url, _ in page.fetched if not url.startswith(origin)] == []
    searched = [(url.removeprefix(origin), size) for url, size in page.fetched if "/search-index/" in url]
    index = site / "public" / search.OUTPUT
    message = f"first search fetched {len(searched)} files"
    message += "".join(f"\n{url} {size}" for url, size in searched)
    assert [url for url, _ in searched if url.endswith("index.json")] == ["search-index/index.json"], message
    assert not [url for url, _ in searched if "filters.json" in url], message  # filters load when opened
    chunks = [url for url, _ in searched if url.startswith("search-index/w/")]
    assert 0 < len(chunks) < len(list((index / "w").iterdir())) or len(chunks) == 1, message  # not the whole index
    fragments = [url for url, _ in searched if url.startswith("search-index/f/")]
    assert 0 < len(fragments) <= 5 < len(list((index / "f").iterdir())), message  # only those of the results shown
    version = json.loads((index / "index.json").read_text())["version"]
    assert all(url.endswith(f"?v={version}") for url in chunks + fragments), message  # a new index, new addresses
    assert sum(size for _, size in searched) < sum(p.stat().st_size for p in index.rglob("*") if p.is_file()) / 2


def test_hostile_text_shows_as_text_in_results(page, origin: str) -> None:
    page.goto(origin + "search/?q=onclick")
    page.wait_for_selector(RESULT)
    # each result is filled in as its fragment arrives: wait for the hostile one.
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
