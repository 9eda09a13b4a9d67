"""Site search in a real headless Chromium: Pagefind's chunked index, built with the site,
finds a paper by a word of its title (result with title, authors and snippet), narrows by
topic and year exactly as the graph says, downloads only a few small chunks from the site
itself, and shows hostile feed text as text. Each browser test runs on the site with one
index and on the same site with its index in parts (`search_part`), which the search page
merges: what a large site gets."""

from __future__ import annotations

import gzip
import json
import os
import re
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from paperkg import search
from paperkg.cli import main
from paperkg.errors import BuildError
from paperkg.pagefind_names import SIGNATURE
from tests.conftest import HOSTILE as HOSTILE_FEED
from tests.conftest import QUERY_FEEDS, new_project, serve_directory

RESULT = ".paperkg-search__result"
MESSAGE = ".paperkg-search__message"


def count(project: Path, sparql: str) -> int:
    result = CliRunner().invoke(main, ["query", "--project", str(project), sparql, "--format", "json"])
    assert result.exit_code == 0, result.output
    return int(json.loads(result.output)["results"]["bindings"][0]["n"]["value"])


PART = 30  # records in one part of the parted site's index: its 90-odd records make 3 or 4 parts


def parts(site: Path) -> list[str]:
    """The parts the built search page merges into its first one (none for a single index)."""
    page = (site / "public" / "search" / "index.html").read_text("utf-8")
    return re.search(r'data-parts="([^"]*)"', page).group(1).split()


@pytest.fixture(scope="module")
def parted_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built_site's feeds, built with the search index in parts of PART records."""
    directory = new_project(tmp_path_factory.mktemp("parted") / "site", [*QUERY_FEEDS, HOSTILE_FEED])
    config = directory / "mkdocs.yml"
    config.write_text(config.read_text().replace("page_size: 100", f"page_size: 100\n      search_part: {PART}"))
    result = CliRunner().invoke(main, ["build", "--project", str(directory)])
    assert result.exit_code == 0, result.output
    assert len(parts(directory)) >= 2
    return directory


@pytest.fixture(scope="module", params=["one index", "in parts"])
def site(request, built_site: Path) -> Path:
    return built_site if request.param == "one index" else request.getfixturevalue("parted_site")


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
    indexer = search.Indexer(tmp_path, tmp_path / "public")
    indexer.start()
    indexer.finish()

    assert indexer.count == len(given)
    fragments = [json.loads(gzip.decompress(path.read_bytes()).removeprefix(SIGNATURE))
                 for path in (tmp_path / search.KEPT / "0" / "fragment").rglob("*.pf_fragment")]
    by_url = {fragment["url"]: fragment for fragment in fragments}
    assert sorted(by_url) == sorted(record["url"] for record in given)
    for record in given:
        fragment = by_url[record["url"]]
        assert (fragment["meta"], fragment["filters"], fragment["content"]) == \
            (record["meta"], record["filters"], record["content"])


def record_line(url: str, content: str) -> bytes:
    record = {"url": url, "content": content, "language": "en", "meta": {"title": content}, "filters": {}}
    return (json.dumps(record, sort_keys=True) + "\n").encode()


def test_records_split_into_parts_by_url_each_with_the_words_it_lacks() -> None:
    lines = [record_line(f"/paper/{n:04}/", f"Paper {n} on topic{n % 7} by Author{n}.") for n in range(1000)]
    parts = search.split(lines, 300)
    assert len(parts) == 4
    own = [[line for line in part if b'"/~words/"' not in line] for part in parts]
    url = lambda line: json.loads(line)["url"]  # noqa: E731
    assert sorted((line for part in own for line in part), key=url) == lines  # each record in one part, all
    assert all(part == sorted(part, key=url) for part in own) and all(150 < len(part) < 350 for part in own)
    for part, records in zip(parts, own, strict=True):  # the words record last: every word the part lacks
        words = json.loads(part[-1])
        assert part[-1] not in records and words["url"] == search.WORDS_URL and words["filters"] == {}
        have = {w.lower().strip(".") for line in records for w in json.loads(line)["content"].split()}
        assert have.isdisjoint(words["content"].split())
        assert have | set(words["content"].split()) == {f"author{n}" for n in range(1000)} | {
            f"topic{n}" for n in range(7)} | {"paper", "on", "by"} | {str(n) for n in range(1000)}
    # a record whose text changes stays in its part; one index needs no words record
    changed = [lines[0], record_line("/paper/0001/", "A new title"), *lines[2:]]
    part_of = lambda url, parts: next(n for n, part in enumerate(parts) if any(url.encode() in r for r in part))  # noqa: E731
    assert part_of("/paper/0001/", search.split(changed, 300)) == part_of("/paper/0001/", parts)
    assert search.split(lines, 1000) == [lines]


def test_only_the_parts_whose_records_changed_are_indexed_again(tmp_path: Path) -> None:
    state, site = tmp_path / ".paperkg", tmp_path / "public"
    def index(lines: list[bytes], install: bool = True) -> search.Indexer:
        state.mkdir(exist_ok=True)
        (state / search.RECORDS).write_bytes(b"".join(lines))
        indexer = search.Indexer(state, site, per_index=3)
        indexer.start()
        indexer.finish()
        if install:
            indexer.install()
        return indexer
    lines = [record_line(f"/paper/{n:02}/", f"Paper {n} word{n}") for n in range(9)]
    first = index(lines)
    assert (len(first.parts), first.todo, first.count) == (3, [0, 1, 2], 9)
    assert (site / "pagefind" / "pagefind.js").is_file() and (site / "pagefind" / "wasm.en.pagefind").is_file()
    for part in ("part-1", "part-2"):  # only the index: the first part's engine searches it
        assert sorted(p.name for p in (site / "pagefind" / part).iterdir() if p.is_file())[0] == "pagefind-entry.json"
        assert not list((site / "pagefind" / part).glob("*.js")) and not list((site / "pagefind" / part).glob("wasm*"))
    assert len(list(site.glob("pagefind/**/fragment/*/~words.pf_fragment"))) == 3
    files = {p: p.stat().st_ino for p in (state / search.KEPT).rglob("*") if p.is_file()}

    again = index(lines, install=False)  # the very records the parts were made from: not even split
    assert (again.parts, again.todo, again.count) == ([], [], None) and not again.install()

    lines[4] = record_line("/paper/04/", "word4 4 Paper")  # the same words: the other parts stand
    (state / "search-old-left").mkdir()  # what a killed build left aside goes too
    second = index(lines, install=False)
    changed = [n for n, part in enumerate(second.parts) if b"/paper/04/" in part]
    assert second.todo == changed and second.count == len(second.parts[changed[0]].splitlines()) - 1
    kept = [p for p in files if p.relative_to(state / search.KEPT).parts[0].split(".")[0] not in (str(changed[0]),
                                                                                                 "records")]
    assert kept and all(p.stat().st_ino == files[p] for p in kept)  # not written again
    # the site's old copy was deleted while Pagefind ran, and what the last build set aside;
    # the part replaced is set aside for the next build to delete
    assert not (site / "pagefind").exists() and not (state / "search-old-left").exists()
    (aside,) = state.glob("search-old-*")
    assert sorted(p.name for p in aside.iterdir()) == [str(changed[0])]
    assert second.install() and not second.install()  # then it is in the site already
    assert len(list(site.glob("pagefind/**/fragment/*/~words.pf_fragment"))) == 3

    third = index(lines[:2])  # one part: the others go, and what the second set aside
    assert not aside.exists()
    assert (len(third.parts), third.count) == (1, 2)
    assert sorted(p.name for p in (state / search.KEPT).iterdir()) == ["0", "0.digest", "records.digest"]
    assert not (site / "pagefind" / "part-1").exists()


def test_parts_indexed_at_once_are_the_parts_indexed_one_after_another(tmp_path: Path) -> None:
    lines = [record_line(f"/paper/{n:02}/", f"Paper {n} word{n}") for n in range(12)]
    made = {}
    for jobs in (1, 4):
        state = tmp_path / str(jobs)
        state.mkdir()
        (state / search.RECORDS).write_bytes(b"".join(lines))
        indexer = search.Indexer(state, tmp_path / f"public-{jobs}", per_index=3, jobs=jobs)
        indexer.start()
        indexer.finish()
        assert (len(indexer.todo), indexer.count) == (4, 12)
        made[jobs] = {str(p.relative_to(state / search.KEPT)): p.read_bytes()
                      for p in (state / search.KEPT).rglob("*") if p.is_file()}
    assert made[4] == made[1]


def stand_in_pagefind(tmp_path: Path, monkeypatch, failing: str | None = None) -> None:
    """`node` on PATH as a script that takes Pagefind's place: it notes its process id beside the
    part it is to make, reads the records, then fails if it makes part `failing`, else waits
    two minutes (exec: killing it leaves no child holding its pipes)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fail = f'case "$3" in */{failing}.next) echo "part {failing} broke" >&2; exit 2;; esac\n' if failing else ""
    (bin_dir / "node").write_text(f'#!/bin/sh\necho $$ > "$3.pid"\ncat > /dev/null\n{fail}exec sleep 120\n')
    (bin_dir / "node").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")


def started(state: Path, want: int) -> dict[str, int]:
    """The stand-in runs' process ids by part, once `want` of them have started."""
    for _ in range(400):
        pids = {p.name.split(".")[0]: p for p in (state / search.KEPT).glob("*.pid")}
        if len(pids) >= want and all(p.read_text().strip() for p in pids.values()):
            return {part: int(p.read_text()) for part, p in pids.items()}
        time.sleep(0.05)
    raise AssertionError(f"{want} Pagefind runs did not start")


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_up_to_jobs_parts_run_at_once_and_cancel_kills_them_all(tmp_path: Path, monkeypatch) -> None:
    stand_in_pagefind(tmp_path, monkeypatch)
    (tmp_path / search.RECORDS).write_bytes(b"".join(record_line(f"/paper/{n:02}/", f"Paper {n}") for n in range(9)))
    indexer = search.Indexer(tmp_path, tmp_path / "public", per_index=3, jobs=2)
    indexer.start()
    running = started(tmp_path, 2)
    assert sorted(running) == ["0", "1"]  # the third waits for one of them
    began = time.monotonic()
    indexer.cancel()
    assert time.monotonic() - began < 100 and all(gone(pid) for pid in running.values())  # killed, not waited for
    assert sorted(p.name for p in (tmp_path / search.KEPT).glob("*.pid")) == ["0.next.pid", "1.next.pid"]


def test_a_failed_part_stops_the_others_and_names_itself(tmp_path: Path, monkeypatch) -> None:
    stand_in_pagefind(tmp_path, monkeypatch, failing="1")
    (tmp_path / search.RECORDS).write_bytes(b"".join(record_line(f"/paper/{n:02}/", f"Paper {n}") for n in range(9)))
    indexer = search.Indexer(tmp_path, tmp_path / "public", per_index=3, jobs=3)
    began = time.monotonic()
    indexer.start()
    with pytest.raises(BuildError, match=r"^Pagefind could not index .*search-records\.jsonl \(part 2 of 3\): "
                                         r"part 1 broke$"):
        indexer.finish()
    assert time.monotonic() - began < 100  # not waiting out the others' two minutes: they were killed
    pids = [int(p.read_text()) for p in (tmp_path / search.KEPT).glob("*.pid") if p.read_text().strip()]
    assert pids and all(gone(pid) for pid in pids)
    assert not (tmp_path / search.KEPT / "1").exists()  # nothing kept of this run


def test_pagefind_missing_is_a_build_error_from_finish(tmp_path: Path, monkeypatch) -> None:
    def missing() -> Path:
        raise BuildError("Pagefind is needed to index the site for search")
    monkeypatch.setattr(search, "pagefind_package", missing)
    (tmp_path / search.RECORDS).write_bytes(record_line("/paper/01/", "Paper one"))
    indexer = search.Indexer(tmp_path, tmp_path / "public")
    indexer.start()  # in the background: the error comes when the build waits for it
    with pytest.raises(BuildError, match="^Pagefind is needed to index the site for search$"):
        indexer.finish()


def pagefind_search(page, origin: str, term: str | None, filters: dict | None = None) -> list[dict]:
    """Pagefind's own JS API, as the search page's UI uses it (its parts merged): every
    result's data. From a page of the site without the search UI, which merges the parts too."""
    page.goto(origin + "pagefind/pagefind-entry.json")
    with urllib.request.urlopen(origin + "search/") as answer:
        merged = re.search(r'data-parts="([^"]*)"', answer.read().decode()).group(1).split()
    return page.evaluate(
        """async ([url, parts, term, filters]) => {
            const pagefind = await import(url);
            for (const part of parts) await pagefind.mergeIndex(new URL(part, url).pathname);
            const found = await pagefind.search(term, { filters });
            return Promise.all(found.results.filter((r) => !r.id.endsWith("/~words")).map((r) => r.data()));
        }""",
        [origin + "pagefind/pagefind.js", merged, term, filters or {}],
    )


@pytest.mark.parametrize("term", ["Shengkai", "Datamorphic", "Morphy", "shengk", "testing", "distributed systems",
                                  "Lin Zhao", "zzqxv"])
def test_an_index_in_parts_finds_what_one_index_finds(chromium, built_site: Path, parted_site: Path, term: str) -> None:
    """Rare words, prefixes, common words, two words, and a word no page has (Pagefind then
    matches the longest indexed word it starts with): the same pages."""
    page = chromium.new_page()
    found = {}
    for site in (built_site, parted_site):
        with serve_directory(site / "public") as url:
            found[site] = sorted(result["url"] for result in pagefind_search(page, url, term))
    page.close()
    assert found[parted_site] == found[built_site]
    assert term == "zzqxv" or found[built_site]


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
    found = pagefind_search(page, origin, "Shengkai")
    urls = [r["url"] for r in found]
    assert any("/authors/l/" in url for url in urls), urls
    assert not any("/author/" in url for url in urls), urls
    letter = next(r for r in found if "/authors/l/" in r["url"])
    assert "Shengkai" in letter["excerpt"]
    page.goto(origin.rstrip("/") + letter["url"])
    page.click("a >> text=Shengkai Lin")
    assert page.url.endswith("/author/shengkai-lin/")


def test_the_index_covers_papers_topics_and_author_lists_only(page, origin: str, site: Path) -> None:
    papers = count(site, "SELECT (COUNT(?p) AS ?n) WHERE { ?p a schema:ScholarlyArticle }")
    indexed = [result["url"] for result in pagefind_search(page, origin, None)]
    assert len(indexed) == len(set(indexed)) == len((site / ".paperkg" / search.RECORDS).read_text().splitlines())
    kinds = {url.split("/")[1] for url in indexed}
    assert kinds == {"paper", "topic", "authors"}, kinds
    assert sum(url.startswith("/paper/") for url in indexed) == papers


def test_filters_by_topic_and_year_match_the_graph(page, origin: str, site: Path) -> None:
    topic = count(site, 'SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p schema:about/skos:notation "cs.SE" }')
    year = count(site, "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a schema:ScholarlyArticle ; "
                             "schema:datePublished ?d FILTER(YEAR(?d) = 2024) }")
    by_topic = pagefind_search(page, origin, None, {"topic": "cs.SE — Software Engineering"})
    by_year = pagefind_search(page, origin, None, {"year": "2024"})
    assert len(by_topic) == topic > 0 and all("/paper/" in r["url"] for r in by_topic)
    assert len(by_year) == year > 0
    both = pagefind_search(page, origin, None, {"topic": "cs.SE — Software Engineering", "year": "2024"})
    assert 0 < len(both) <= min(topic, year)

    # and in the page's UI: the filters load when opened; ticking a topic narrows the results to it
    # (in a page of its own: the responses to the searches above may still be reported on this one)
    page = page.context.new_page()
    fetched: list[str] = []
    page.on("response", lambda response: fetched.append(response.url))
    page.goto(origin + "search/?q=testing")
    page.wait_for_selector(RESULT)
    everything = page.inner_text(MESSAGE)
    assert not any("/pagefind/filter/" in url for url in fetched)
    page.click("summary >> text=Topic")
    page.check("input[type=checkbox][value='cs.SE — Software Engineering']")
    page.wait_for_function(f"document.querySelector({MESSAGE!r}).innerText != {everything!r}")
    assert int(page.inner_text(MESSAGE).split()[0]) < int(everything.split()[0])
    assert page.inner_text(MESSAGE).endswith("for “testing”")
    page.click("summary >> text=Year")  # years newest first, counted over the whole site
    years = [int(label.split()[0]) for label in page.locator("details[data-filter=year] label").all_inner_texts()]
    assert years == sorted(years, reverse=True) and len(years) > 1
    assert f"2024 ({year})" in page.inner_text("details[data-filter=year]")


def test_first_search_downloads_a_few_chunks_from_the_site_only(page, origin: str, site: Path) -> None:
    page.goto(origin + "search/?q=testing")
    page.wait_for_selector(RESULT)
    page.wait_for_load_state("networkidle")
    assert [url for url, _ in page.fetched if not url.startswith(origin)] == []
    searched = [(url, size) for url, size in page.fetched if "/pagefind/" in url]
    assert not [url for url, _ in searched if "/filter/" in url]  # filters load when opened
    assert not [url for url, _ in searched if "worker" in url]  # Pagefind searches in the page
    total = sum(size for _, size in searched)
    index = site / "public" / "pagefind"
    message = f"first search fetched {len(searched)} files, {total} bytes"
    message += "".join(f"\n{url} {size}" for url, size in searched)
    for part in ["", *parts(site)]:  # each part's page list and the chunks the word needs
        at = f"{origin}pagefind/{part}"
        lists = [url for url, _ in searched if url.endswith(".pf_meta") and url.rpartition("/")[0] + "/" == at]
        assert len(lists) == 1, message
        chunks = list((index / part / "index").iterdir())
        fetched = [url for url, _ in searched if url.startswith(f"{at}index/")]
        assert 0 < len(fetched) < len(chunks) or len(fetched) == len(chunks) == 1, message  # not the whole index
    fetched_fragments = [url for url, _ in searched if "/fragment/" in url]
    assert 0 < len(fetched_fragments) <= 5 < len(list(index.rglob("*.pf_fragment"))), message  # only those shown
    assert sum(1 for url, _ in searched if url.endswith(".pagefind")) == 1, message  # one engine for all parts
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
