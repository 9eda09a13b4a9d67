"""Pages' HTML made straight from their view models, so MkDocs need not run Python-Markdown on
tens of thousands of paper and author pages (about 3 ms a page, more than half of MkDocs' own
work on a paperkg site), nor on the long lists of a topic's or a month's papers and a letter's
authors (about 45 ms a page, and an update reshuffles most pages of the lists it touches).

Next to each such page's Markdown, its `.html.j2` template (`BODY_TEMPLATES`) renders the
HTML that Python-Markdown makes of that Markdown under MkDocs' default extensions: the same
bytes, the same table of contents, heading ids and title (the tests hold the two to that on
every page of the example site, hostile text included). The body is kept outside the docs_dir
with a digest of the Markdown it stands for; the plugin hands it to MkDocs in place of
converting the page, and only when the page's Markdown is still that Markdown. Otherwise, and
on a site that overrides those templates or configures Markdown extensions, MkDocs converts
the page as ever.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import posixpath
from collections.abc import Callable, Collection
from functools import lru_cache
from pathlib import Path

from markdown.extensions.toc import nest_toc_tokens, slugify, strip_tags, unique
from markdown.serializers import _escape_attrib_html
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc
from mkdocs.utils.meta import YAML_RE

from paperkg.errors import BuildError
from paperkg.render.relurl import relative_from
from paperkg.render.write import write_if_changed

# The Markdown template of each page made with a body, and the HTML template that stands for it.
BODY_TEMPLATES = {
    "paper.md.j2": "paper.html.j2", "author.md.j2": "author.html.j2", "topic.md.j2": "topic.html.j2",
    "papers-month.md.j2": "papers-month.html.j2", "authors-letter.md.j2": "authors-letter.html.j2",
}
# Every template any of them is made from: a site overriding one keeps Markdown.
SOURCES = frozenset({*BODY_TEMPLATES, *BODY_TEMPLATES.values(), "_macros.md.j2", "_macros.html.j2"})
MKDOCS_DEFAULT_EXTENSIONS = ["toc", "tables", "fenced_code"]


def bodies_dir(project_root: Path) -> Path:
    return project_root / ".paperkg" / "html"


def body_path(page: str) -> str:
    """'paper/2101.00001/index.md' -> 'paper/2101.00001/index.html' (under the bodies dir)."""
    return posixpath.splitext(page)[0] + ".html"


def usable(config: MkDocsConfig, site_templates: Path) -> bool:
    """Whether paperkg's HTML templates make what Python-Markdown would: MkDocs' default
    Markdown extensions with their default settings, and none of those templates overridden."""
    if config.markdown_extensions != MKDOCS_DEFAULT_EXTENSIONS or any(config.mdx_configs.values()):
        return False
    return not any((site_templates / name).is_file() for name in SOURCES)


def markdown_digest(markdown: str) -> str:
    return hashlib.blake2b(markdown.encode("utf-8"), digest_size=16).hexdigest()


def page_markdown(source: str) -> str:
    """The Markdown MkDocs converts: the source without its front matter (as MkDocs' own
    `get_data` splits it; paperkg's front matter is always a mapping)."""
    found = YAML_RE.match(source)
    return source[found.end():].lstrip("\n") if found else source


class Headings:
    """Heading ids and table of contents as Python-Markdown's toc extension makes them, for
    one page: `heading(level, inner_html)` returns the id of the next heading."""

    def __init__(self) -> None:
        self.used: set[str] = set()
        self.counters: dict[str, int] = {}
        self.tokens: list[dict[str, object]] = []

    def __call__(self, level: int, inner_html: str) -> str:
        name = strip_tags(inner_html)
        anchor = unique(slugify(html.unescape(name), "-"), self.used, self.counters)
        self.tokens.append({"level": level, "id": anchor, "name": name, "html": inner_html, "data-toc-label": ""})
        return anchor

    def header(self, markdown_made_from: str) -> str:
        """The body file's first line: what the page's `render` would have set besides HTML,
        and the digest of the Markdown the body stands for."""
        first = self.tokens[0] if self.tokens else None  # MkDocs titles a page by a leading h1
        return json.dumps({
            "markdown": markdown_made_from,
            "title": first["name"] if first is not None and first["level"] == 1 else None,
            "ids": [t["id"] for t in self.tokens],
            "toc": nest_toc_tokens([dict(t) for t in self.tokens]),
        }, ensure_ascii=False, sort_keys=True)


class Links:
    """A page's links as MkDocs writes them in the HTML: relative URLs of the built pages. A
    link to a page that is not generated is an error, as MkDocs' strict link check would be."""

    def __init__(self, pages: Collection[str], use_directory_urls: bool) -> None:
        self.pages = pages
        self.url = lru_cache(maxsize=None)(self._url)
        self.use_directory_urls = use_directory_urls

    def _url(self, page: str) -> str:
        return File(page, None, "", self.use_directory_urls).url

    def for_page(self, here: str) -> Callable[[str], str]:
        relative = relative_from(self.url(here))

        def url(target: str) -> str:
            if target not in self.pages:
                raise BuildError(f"page {here} links to {target}, which is not generated")
            return relative(self.url(target))

        return url


def attribute(value: str) -> str:
    """An attribute value escaped as Python-Markdown's serializer escapes it."""
    return _escape_attrib_html(value)


def use_body(page: Page, path: Path) -> None:
    """Let MkDocs take `page`'s HTML from its body file instead of converting its Markdown,
    when the body was made from the Markdown the page has now."""
    convert = page.render

    def render(config: MkDocsConfig, files) -> None:
        try:
            header, _, content = path.read_text("utf-8").partition("\n")
            made = json.loads(header)
        except (OSError, ValueError):
            made = None
        if made is None or page.markdown is None or made["markdown"] != markdown_digest(page.markdown):
            convert(config, files)
            return
        page.content = content
        page.toc = get_toc(made["toc"])
        page._title_from_render = made["title"]
        page.present_anchor_ids = set(made["ids"])
        if logging.getLogger("mkdocs.structure.pages").getEffectiveLevel() > logging.DEBUG:
            page.links_to_anchors = {}  # as `Page.render` sets it; entity pages link to no anchors

    page.render = render


class BodyWriter:
    """Writes each page's body file beside its Markdown (only when its bytes changed).

    With `reuse` (the HTML templates, settings and paperkg's code are those the bodies there
    were made with), a body made from the same Markdown is not made again: the tests hold each
    body to what Python-Markdown makes of its Markdown, so that Markdown is all it depends on.
    The lists (topics, months, letters) are rendered at every build; most stay as they were."""

    def __init__(self, directory: Path, links: Links, reuse: bool = False) -> None:
        self.directory, self.links, self.reuse = directory, links, reuse

    def write(self, page: str, source: str, render: Callable[[Callable[[str], str], Headings], str]) -> None:
        """`render(url, heading)` makes the HTML of `page`, whose Markdown file is `source`."""
        made_from = markdown_digest(page_markdown(source))
        if self.reuse and self._made_from(page) == made_from:
            return
        headings = Headings()
        content = render(self.links.for_page(page), headings).strip()  # as Python-Markdown strips it
        write_if_changed(self.directory, body_path(page), f"{headings.header(made_from)}\n{content}")

    def _made_from(self, page: str) -> str | None:
        """The digest of the Markdown the page's body there was made from, if there is one."""
        try:
            with (self.directory / body_path(page)).open(encoding="utf-8") as body:
                return json.loads(body.readline())["markdown"]
        except (OSError, ValueError, LookupError, TypeError):  # none there, or not a body
            return None
