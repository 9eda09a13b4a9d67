"""The render stage's fast paths give exactly what the slow ones they stand for give: relative
links as MkDocs' own `get_relative_url` makes them, escaping with and without its cache, and
a page made again whenever anything it is rendered from changed since the last build."""

from __future__ import annotations

import copy
import itertools
import random

from mkdocs.utils import get_relative_url
from mkdocs.utils.meta import get_data

from paperkg.render import escape
from paperkg.render.pages import changed_jobs
from paperkg.render.relurl import relative_from
from paperkg.views import AuthorLine, Counted, PaperView, PersonRef, PersonView, TopicRef

PAGES = [
    "", ".", "/", "index.md", "index.html", "paper/2101.00001/index.md", "paper/2101.00001/",
    "paper/astro-ph/0601001/index.md", "paper/astro-ph/0601001/", "author/jose-ruiz/index.md",
    "author/jose-ruiz/", "author/jose-ruiz-2/", "author/a/index.md", "topic/cs.DC/", "topic/cs.DC/index.md",
    "topic/group/cs/", "papers/2024-01/page/2/index.md", "papers/2024-01/page/2/", "search/", "dataset/index.md",
    "a/b/../c/", "/a/b/", "a//b/", "a/./b/x.md", "../../x/", "authors/other/page/10/", "foo", "foo/bar",
    "foo.bar/baz/", "x/y.z", "x/y.z/",
]


def test_relative_links_are_mkdocs_own() -> None:
    for here, target in itertools.product(PAGES, repeat=2):
        assert relative_from(here)(target) == get_relative_url(target, here), (here, target)


def test_relative_links_on_random_paths_are_mkdocs_own() -> None:
    rng = random.Random(7)
    parts = ["a", "b", "c.d", "..", ".", "", "index.md", "x.html"]

    def path() -> str:
        text = "/".join(rng.choice(parts) for _ in range(rng.randint(0, 5)))
        return text + rng.choice(["", "/"])

    for _ in range(5000):
        here, target = path(), path()
        assert relative_from(here)(target) == get_relative_url(target, here), (here, target)


def test_escaping_is_the_same_kept_or_not() -> None:
    rng = random.Random(3)
    pieces = ["<script>", "&amp;", "*", "_", "[x](javascript:y)", "{: onclick=z}", "{{ }}", "#", "|", "`",
              "1.", "- ", "+ ", "\\", "\n\t  ", "é", "Ruiz", '"', "'"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) for _ in range(500)]
    texts += ["x" * 299 + "*", "y" * 301 + "<", "1. " * 200]  # either side of what is kept
    for _ in range(2):  # the second time from the cache
        for text in texts:
            assert escape.md(text) == escape._md(text)
            assert escape.html_text(text) == escape._html(text)
    assert escape.md(None) == escape.html_text(None) == ""
    assert escape.md(0) == "0" and escape.html_text(0) == ""
    assert escape.md("- <b>x</b> *y*") == r"\- &lt;b&gt;x&lt;/b&gt; \*y\*"


def person_with_papers() -> PersonView:
    topic = TopicRef("cs.DC", "Distributed Computing", "topic/cs.DC/index.md")
    ada = PersonRef("Ada Lovelace", "author/ada-lovelace/index.md", "lovelace ada lovelace")
    bob = PersonRef("Bob Smith", "author/bob-smith/index.md", "smith bob smith")
    papers = [
        PaperView(f"2101.0000{n}", f"paper/2101.0000{n}/index.md", f"Title {n}", "An abstract " * 100, 1,
                  "2021-01-0{n}", None, None, None, topic, [topic],
                  [AuthorLine(1, "Ada Lovelace", ada, ("Somewhere",)), AuthorLine(2, "Bob Smith", bob, ())])
        for n in (1, 2)
    ]
    return PersonView(ada, papers, Counted([(bob, 2)]), Counted([(topic, 2)]))


def made_again(person: PersonView, before: PersonView, there: bool = True) -> bool:
    job = (person.ref.page, "author.md.j2", {"person": person})
    return changed_jobs([job], [(before.ref.page, "author.md.j2", {"person": before})], lambda page: there) == [job]


def test_a_front_matter_title_reads_back_as_it_was_whatever_characters_it_holds() -> None:
    titles = ["DEL \x7f in it", "C1 \x80\x84\x9f controls", "not characters \ufffe\uffff", 'quotes " \\ \'',
              "a BOM \ufeff and a tab\tand \x01", "“Ünïcode” — $\\sqrt{s}$ 😀", "</title><script>x</script>"]
    nasty = ['"', "\\", "\x00", "\x01", "\t", "\n", "\r", "\x1f", "\x7f", "\x80", "\x85", "\x9f", "\xa0", "\u2028",
             "\u2029", "\ufeff", "\ufffe", "\uffff", "\U0001f600", "#", ":", "'", "{", "[", "&", "*",
             "!", "|", "---", " ", "é"]
    chosen = random.Random(5)
    titles += ["".join(chosen.choices(nasty, k=chosen.randint(1, 12))) for _ in range(2000)]
    for title in titles:
        shown = escape.html_text(title)
        markdown, meta = get_data(f"---\ntitle: {escape.yaml_string(shown)}\n---\n# heading\n")
        assert meta == {"title": shown} and markdown == "# heading\n", title  # as MkDocs reads it


def test_an_author_page_is_made_again_when_anything_it_is_made_from_changed() -> None:
    before = person_with_papers()
    assert not made_again(before, before)
    assert not made_again(copy.deepcopy(before), before)  # the same content, other objects
    assert made_again(before, before, there=False)  # not in the docs_dir any more
    changes = [
        lambda p: setattr(p.papers[1], "abstract", p.papers[1].abstract + "."),
        lambda p: setattr(p.papers[0], "title", "Title 0"),
        lambda p: p.papers[0].authors.__setitem__(0, p.papers[0].authors[0]._replace(affiliations=())),
        lambda p: p.papers.reverse(),
        lambda p: p.papers.pop(),
        lambda p: setattr(p, "coauthors", Counted([(p.coauthors[0][0], 1), *p.coauthors[1:]])),
        lambda p: setattr(p, "ref", p.ref._replace(name="Ada King")),
    ]
    for change in changes:
        changed = copy.deepcopy(before)
        change(changed)
        assert made_again(changed, before)


def test_a_page_of_another_template_or_a_new_page_is_made() -> None:
    person = person_with_papers()
    job = (person.ref.page, "author.md.j2", {"person": person})
    assert changed_jobs([job], [(person.ref.page, "other.md.j2", {"person": person})], lambda page: True) == [job]
    assert changed_jobs([job], [], lambda page: True) == [job]
