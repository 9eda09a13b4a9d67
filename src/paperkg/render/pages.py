"""Jinja2 templates -> Markdown pages (paths relative to the docs_dir).

Templates come from the site's templates/ first, then paperkg's defaults, by file name.
Links between pages are relative `.md` paths, so MkDocs validates every one of them.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, TemplateError

from paperkg.errors import BuildError
from paperkg.parallel import map_shares
from paperkg.render.bodies import BODY_TEMPLATES, BodyWriter, attribute
from paperkg.render.escape import html_text, md, url_part, yaml_string
from paperkg.render.relurl import relative_from
from paperkg.render.write import merge_counts, write_all
from paperkg.resources import bundled
from paperkg.views import SiteView

T = TypeVar("T")
Job = tuple[str, str, dict[str, object]]  # (path under docs_dir, template, context)
ACKNOWLEDGEMENT = "Thank you to arXiv for use of its open access interoperability."


@dataclass(frozen=True)
class Pager:
    """One page of a paginated list; `pages[i]` is the path of page i + 1."""

    number: int
    pages: tuple[str, ...]

    @property
    def previous(self) -> str | None:
        return self.pages[self.number - 2] if self.number > 1 else None

    @property
    def next(self) -> str | None:
        return self.pages[self.number] if self.number < len(self.pages) else None


def paginate(first_page: str, chunks: Sequence[Sequence[T]]) -> list[tuple[str, Sequence[T], Pager]]:
    """'x/index.md' + chunks -> [('x/index.md', chunk, pager), ('x/page/2/index.md', ...), ...]."""
    directory = posixpath.dirname(first_page)
    paths = tuple([first_page] + [f"{directory}/page/{n}/index.md" for n in range(2, len(chunks) + 1)])
    return [(paths[n], chunk, Pager(n + 1, paths)) for n, chunk in enumerate(chunks)]


# How a list is cut into pages decides how many pages an update rewrites: a site lives in git,
# and a day's harvest should change the pages it is about, not every page after a new entry.


def newest_first_chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    """A newest-first list cut into pages of `size` counted from its oldest end, the first page
    holding the rest (`size` to 2 * `size` - 1 items, or all when fewer): a new item changes
    the first page only, where pages counted from the newest end would all shift."""
    pages = max(1, len(items) // size)
    first = len(items) - (pages - 1) * size
    return [items[:first]] + [items[start : start + size] for start in range(first, len(items), size)]


def named_chunks(items: Sequence[T], size: int, name: Callable[[T], str]) -> list[Sequence[T]]:
    """An A-Z list cut where its items' names say: a page ends before an item whose name hashes
    to a break once the page holds `size` // 2 items (and at 3 * `size` in any case), so pages
    hold `size` items on average, and an item added or removed changes its own page (at times
    the next too), not every page after it."""
    least = max(1, size // 2)
    spread = size - least + 1  # a break one item in `spread` past the least: `size` on average
    most = 3 * size
    chunks: list[Sequence[T]] = []
    start = 0
    for at, item in enumerate(items):
        length = at - start
        if length >= most or (length >= least and _name_hash(name(item)) % spread == 0):
            chunks.append(items[start:at])
            start = at
    chunks.append(items[start:])
    return chunks


def _name_hash(name: str) -> int:
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big")


def short_date(value: str | None) -> str:
    return value[:10] if value else ""


def initial(sort_key: str) -> str:
    first = sort_key[:1]
    return first if "a" <= first <= "z" else "other"


def changed_jobs(jobs: Iterable[Job], before: Iterable[Job], there: Callable[[str], bool]) -> list[Job]:
    """The jobs whose page is not what the last build made: its template or its context
    differs from the job the last build had for the page (compared through the view models,
    which are the last build's own objects wherever they did not change, so the comparison
    mostly stops at `is`), or the page is not `there`."""
    then = {page: (template, context) for page, template, context in before}
    return [job for job in jobs if then.get(job[0]) != (job[1], job[2]) or not there(job[0])]


class Renderer:
    def __init__(self, site_templates: Path | None, page_size: int, site_name: str):
        dirs = [d for d in (site_templates, bundled("templates")) if d is not None and d.is_dir()]
        self.env = Environment(
            loader=ChoiceLoader([FileSystemLoader(str(d)) for d in dirs]),
            undefined=StrictUndefined,
            autoescape=False,  # output is Markdown; untrusted text goes through the `md` filter
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters.update(md=md, html=html_text, yaml=yaml_string, url_part=url_part, date=short_date,
                                attr=attribute)
        self.page_size = page_size
        self.site_name = site_name

    def _render(self, template: str, here: str, url: Callable[[str], str] | None = None, **context: object) -> str:
        try:
            return self.env.get_template(template).render(
                here=here,
                url=url or relative_from(here),  # links from `here` to other pages' .md paths
                site_name=self.site_name,
                acknowledgement=ACKNOWLEDGEMENT,
                **context,
            )
        except TemplateError as error:
            raise BuildError(f"template {template} (page {here}): {error}") from None

    def render_vocabulary(self, terms: Sequence[object], namespace: str) -> str:
        return self._render("vocab.md.j2", "ns/index.md", terms=terms, namespace=namespace)

    def render_page(self, template: str, page: str, **context: object) -> str:
        """A one-off page (search, SPARQL) from its template."""
        return self._render(template, page, **context)

    def write(self, jobs: Sequence[Job], docs_dir: Path, workers: int = 1,
              bodies: BodyWriter | None = None) -> tuple[list[str], int]:
        """Render `jobs` and write each page whose bytes changed, in `workers` processes:
        (pages written, pages unchanged). No process holds more than one page at a time. With
        `bodies`, the entity pages' HTML is made beside their Markdown."""
        return merge_counts(map_shares(lambda share: write_all(docs_dir, self.rendered(share, bodies)), jobs, workers))

    def rendered(self, jobs: Iterable[Job], bodies: BodyWriter | None = None) -> Iterator[tuple[str, str]]:
        for page, template, context in jobs:
            yield page, self._render_with_body(template, page, context, bodies)

    def _render_with_body(self, template: str, page: str, context: dict[str, object],
                          bodies: BodyWriter | None) -> str:
        source = self._render(template, page, **context)
        if bodies is not None and template in BODY_TEMPLATES:
            bodies.write(page, source, lambda url, heading: self._render(
                BODY_TEMPLATES[template], page, url=url, heading=heading, **context))
        return source

    def jobs(self, site: SiteView, home: bool = True) -> list[Job]:
        """Every generated page as (path under docs_dir, template, context)."""
        jobs: list[Job] = []
        size = self.page_size

        for paper in site.papers:
            jobs.append((paper.page, "paper.md.j2", {"paper": paper}))
        for person in site.persons:
            jobs.append((person.ref.page, "author.md.j2", {"person": person}))
        for topic in site.topics:  # the topic's own parts on its first page only: later pages stay as they are
            for path, chunk, pager in paginate(topic.ref.page, newest_first_chunks(topic.papers, size)):
                first = pager.number == 1
                jobs.append((path, "topic.md.j2", {"topic": topic if first else None, "ref": topic.ref,
                                                   "papers": chunk, "pager": pager}))

        by_month: dict[str, list] = defaultdict(list)
        for paper in site.papers:
            by_month[paper.month].append(paper)
        months = sorted(by_month, reverse=True)
        month_rows = [(m, f"papers/{m}/index.md", len(by_month[m])) for m in months]
        jobs.append(("papers/index.md", "papers-index.md.j2", {"months": month_rows}))
        for month in months:  # the totals on first pages only, likewise
            chunks = newest_first_chunks(by_month[month], size)
            for path, chunk, pager in paginate(f"papers/{month}/index.md", chunks):
                total = len(by_month[month]) if pager.number == 1 else None
                jobs.append((path, "papers-month.md.j2", {"month": month, "papers": chunk, "pager": pager,
                                                          "total": total}))

        by_letter: dict[str, list] = defaultdict(list)
        for person in site.persons:
            by_letter[initial(person.ref.sort_key)].append(person)
        letters = sorted(by_letter, key=lambda letter: (letter == "other", letter))
        letter_rows = [(letter, f"authors/{letter}/index.md", len(by_letter[letter])) for letter in letters]
        jobs.append(("authors/index.md", "authors-index.md.j2", {"letters": letter_rows}))
        for letter in letters:
            chunks = named_chunks(by_letter[letter], size, lambda person: person.ref.page)
            for path, chunk, pager in paginate(f"authors/{letter}/index.md", chunks):
                total = len(by_letter[letter]) if pager.number == 1 else None
                jobs.append((path, "authors-letter.md.j2", {"letter": letter, "persons": chunk, "pager": pager,
                                                            "total": total}))

        topics_by_page = {t.ref.page: t for t in site.topics}
        jobs.append(("topic/index.md", "topics-index.md.j2", {"groups": site.top_topics, "topics": topics_by_page}))
        jobs.append(("dataset/index.md", "dataset.md.j2", {"site": site}))
        if home:
            jobs.append(("index.md", "home.md.j2", {"site": site, "newest": site.papers[:10],
                                                    "topics_with_papers": sum(1 for t in site.topics if t.papers)}))
        return jobs

