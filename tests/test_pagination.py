"""How the lists are cut into pages: an update rewrites the pages it is about, not every page
after a new entry. Newest-first lists (a topic's papers, a month's) count their pages from the
oldest end; the authors A-Z break their pages where the names say."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from paperkg.render.pages import Renderer, changed_jobs, named_chunks, newest_first_chunks
from paperkg.views import PaperView, PersonRef, PersonView, SiteView, TopicRef, TopicView

SIZE = 100


def names(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return sorted({f"author/{rng.getrandbits(40):010x}/index.md" for _ in range(count)})


def changed_chunks(before: list, after: list) -> int:
    """How many chunks of `after` are not chunks of `before`."""
    kept = {tuple(chunk) for chunk in before}
    return sum(tuple(chunk) not in kept for chunk in after)


@pytest.mark.parametrize("count", [0, 1, 99, 100, 199, 200, 201, 1234, 5000])
def test_newest_first_chunks_are_counted_from_the_oldest_end(count: int) -> None:
    items = list(range(count, 0, -1))  # newest first
    chunks = newest_first_chunks(items, SIZE)
    assert [item for chunk in chunks for item in chunk] == items
    assert all(len(chunk) == SIZE for chunk in chunks[1:])
    assert len(chunks[0]) == count if count < 2 * SIZE else SIZE <= len(chunks[0]) < 2 * SIZE


def test_a_newer_item_changes_the_first_page_only_unless_a_page_is_added() -> None:
    items = list(range(5000, 0, -1))
    before = newest_first_chunks(items, SIZE)
    for new in range(1, 100):  # up to a whole page more: the first page grows, the others stand
        after = newest_first_chunks(list(range(5000 + new, 5000, -1)) + items, SIZE)
        assert after[1:] == before[1:] and changed_chunks(before, after) == 1
    # a page more, now and then: the pages keep their papers, each one page further on (and
    # every page's pager changes, which counts the pages)
    after = newest_first_chunks(list(range(5100, 0, -1)), SIZE)
    assert after[1:] == before


@pytest.mark.parametrize("size", [1, 2, 3, 10, 100])
def test_named_chunks_keep_every_item_in_order_within_their_bounds(size: int) -> None:
    items = names(20 * size + 7, seed=size)
    chunks = named_chunks(items, size, str)
    assert [item for chunk in chunks for item in chunk] == items
    assert all(max(1, size // 2) <= len(chunk) <= 3 * size for chunk in chunks[:-1])
    assert 0 < len(chunks[-1]) <= 3 * size
    assert named_chunks(items, size, str) == chunks  # a pure function of the names: a full build makes the same


def test_named_chunks_hold_page_size_on_average() -> None:
    items = names(60_000, seed=1)
    chunks = named_chunks(items, SIZE, str)
    assert 0.9 * SIZE < len(items) / len(chunks) < 1.1 * SIZE


def test_a_new_name_changes_its_own_page_not_those_after_it() -> None:
    items = names(6000, seed=2)  # one letter of a 30k site: about 60 pages
    before = named_chunks(items, SIZE, str)
    counts = []
    for new in names(300, seed=3):
        after = named_chunks(sorted([*items, new]), SIZE, str)
        counts.append(changed_chunks(before, after))
        gone = named_chunks([item for item in items if item != items[len(counts) * 7]], SIZE, str)
        counts.append(changed_chunks(before, gone))
    # pages cut by count would change half of the pages (30) on average
    assert max(counts) <= 4 and sum(counts) / len(counts) < 1.2


def paper(number: int, topic: TopicRef) -> PaperView:
    return PaperView(arxiv_id=f"2601.{number:05d}", page=f"paper/2601.{number:05d}/index.md", title=f"Paper {number}",
                     abstract="", version=1, published=f"2026-01-01T00:00:{number % 60:02d}Z", modified=None,
                     comment=None, journal_ref=None, primary=topic, topics=[topic])


def site_view(papers: list[PaperView], persons: list[PersonView], topic: TopicView) -> SiteView:
    papers = sorted(papers, key=lambda p: p.newest_key, reverse=True)
    topic = replace(topic, papers=papers)
    return SiteView(papers=papers, persons=sorted(persons, key=lambda p: (p.ref.sort_key, p.ref.page)),
                    topics=[topic], top_topics=[])


def test_an_update_remakes_the_list_pages_it_is_about() -> None:
    """A new paper in a topic of 2,000 and a new author among 3,000 (one letter): the topic's
    first page and the author's page of the list are made again, with the indexes that count
    them; the other 19 pages of the topic and 29 of the letter are not."""
    ref = TopicRef("cs.DC", "Distributed Computing", "topic/cs.DC/index.md")
    topic = TopicView(ref=ref, kind="category")
    papers = [paper(n, ref) for n in range(2000)]
    people = [PersonView(PersonRef(f"Smith {page[7:17]}", page, f"smith {page[7:17]}")) for page in names(3000, 4)]
    before = site_view(papers, people, topic)
    newcomer = PersonView(PersonRef("Smith Newcomer", "author/newcomer/index.md", "smith newcomer"))
    newest = replace(paper(2000, ref), published="2026-02-01T00:00:00Z")
    after = site_view([*before.papers, newest], [*before.persons, newcomer], before.topics[0])

    renderer = Renderer(None, SIZE, "site")
    jobs = renderer.jobs(after, home=False)
    changed = sorted(page for page, _, _ in changed_jobs(jobs, renderer.jobs(before, home=False), lambda _: True))
    assert sum(page.startswith("topic/cs.DC/") for page, _, _ in jobs) == 20
    assert sum(page.startswith("authors/s/") for page, _, _ in jobs) > 20
    lists = [page for page in changed if page.startswith(("topic/", "authors/s/", "papers/2026-"))]
    assert "topic/cs.DC/index.md" in lists and "authors/s/index.md" in lists
    assert len([page for page in lists if page.startswith("authors/s/")]) <= 3, lists
    assert not [page for page in lists if page.startswith("topic/cs.DC/page/")], lists
