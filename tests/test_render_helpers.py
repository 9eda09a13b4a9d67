"""The render stage's fast paths give exactly what the slow ones they stand for give: relative
links as MkDocs' own `get_relative_url` makes them, escaping with and without its cache."""

from __future__ import annotations

import itertools
import random

from mkdocs.utils import get_relative_url

from paperkg.render import escape
from paperkg.render.relurl import relative_from

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
