"""The search stage: Pagefind writes a chunked static index under site_dir/pagefind/, which the
search page's own UI (assets/search.js) queries: a search downloads only the few chunks it needs.

paperkg hands Pagefind one record per searchable page, made from the graph's views: papers
(title, authors and abstract; filters by topic and year), topics (their names) and the A-Z
author lists (names, a hundred to a page, so authors are found without one record each:
every record costs every first search a few bytes). Pagefind then indexes that text through
its Node API (search_index.mjs) instead of reading and parsing every built HTML page, which
took minutes and gigabytes on a large site.
Pagefind's page list, which every first search downloads whole, then gets short page names
(pagefind_names.py): half its bytes on a large site.

Pagefind comes from npm (package.json pins it, package-lock.json locks it; `make` runs
`npm ci`): a paperkg checkout has it in node_modules/, an installed paperkg uses the
`pagefind` that `npm install -g` put on PATH. Pagefind 1.6 writes the same bytes for the same
records, which keeps published sites free of spurious changes.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File

from paperkg.errors import BuildError
from paperkg.pagefind_names import shorten_page_names
from paperkg.render.pages import Job
from paperkg.render.sparql import ASSETS
from paperkg.render.write import link_or_copy
from paperkg.resources import bundled, checkout_path

OUTPUT = "pagefind"  # the search page looks for the index and UI here
RECORDS = "search-records.jsonl"  # under .paperkg/: what the next index is made from
STAMP = "search-stamp"  # under .paperkg/: the digest of the records .paperkg/pagefind/ was made from
_SCRIPT = Path(__file__).with_name("search_index.mjs")
PAGE_FILES = ("search.js", "search.css")  # the search page's own UI, from assets/


def asset_files() -> dict[str, bytes]:
    return {f"{ASSETS}{name}": (bundled("assets") / name).read_bytes() for name in PAGE_FILES}


def pagefind_package() -> Path:
    """The directory of the npm package `pagefind` (its Node API and its binary)."""
    local = checkout_path("node_modules/pagefind")
    if local is not None and (local / "lib" / "index.js").is_file():
        return local
    found = shutil.which("pagefind")  # npm's link to <package>/lib/runner/bin.cjs
    if found is not None and (package := Path(found).resolve().parents[2]).joinpath("lib", "index.js").is_file():
        return package
    raise BuildError(
        "Pagefind is needed to index the site for search: `npm ci` in a paperkg checkout, "
        "or `npm install -g pagefind@1.6.0`; or turn search off (plugins: paperkg: search: false)"
    )


def records(jobs: Iterable[Job], config: MkDocsConfig) -> Iterator[dict[str, object]]:
    """One Pagefind record per searchable page among the generated pages' jobs: its URL from
    the site's root, its text, its title (and a paper's authors), its filters."""
    language = config.theme.get("language") or "en"
    for page, template, context in jobs:
        if template == "paper.md.j2":
            paper = context["paper"]
            authors = ", ".join(line.stated_as for line in paper.authors)
            filters = {"topic": [f"{t.code} — {t.label}" for t in paper.topics]}
            if paper.published:
                filters["year"] = [paper.published[:4]]
            title, content, meta = paper.title, f"{paper.title}\n{authors}\n{paper.abstract}", {"authors": authors}
        elif template == "topic.md.j2" and context["pager"].number == 1:
            topic = context["topic"].ref
            title, filters, meta = f"{topic.label} ({topic.code})", {}, {}
            content = title
        elif template == "authors-letter.md.j2":
            letter = context["letter"]
            title, filters, meta = f"Authors: {letter.upper() if letter != 'other' else 'other'}", {}, {}
            content = "\n".join(person.ref.name for person in context["persons"])
        else:
            continue
        url = File(page, config.docs_dir, config.site_dir, config.use_directory_urls).url
        yield {"url": "/" + url, "content": " ".join(content.split()), "language": language,
               "meta": {"title": " ".join(title.split()), **meta}, "filters": filters}


def write_records(path: Path, found: Iterable[dict[str, object]]) -> None:
    """Write the records as JSON lines, sorted by URL: the same site, the same bytes."""
    ordered = sorted(found, key=lambda record: record["url"])
    lines = [json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n" for record in ordered]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(lines), "utf-8")


class Indexer:
    """Pagefind indexing the search records in the background, while the pages are built: the
    index is made from the records alone, not from the built HTML.

    The index is kept in the project's .paperkg/pagefind/ with the digest of the records it was
    made from (.paperkg/search-stamp), made again only when they change, and put into each built
    site as site_dir/pagefind/ (hard links where the file system allows)."""

    def __init__(self, state_dir: Path) -> None:
        self.records, self.stamp = state_dir / RECORDS, state_dir / STAMP
        self.kept, self.next = state_dir / OUTPUT, state_dir / f"{OUTPUT}.next"
        self.digest = hashlib.sha256(self.records.read_bytes()).hexdigest()
        self.process: subprocess.Popen | None = None
        self.started = 0.0
        self.count: int | None = None  # pages indexed by this build's run, if it ran

    def start(self) -> None:
        """Start Pagefind unless the kept index was made from these records."""
        if self.kept.is_dir() and self.stamp.is_file() and self.stamp.read_text() == self.digest:
            return
        node = shutil.which("node")
        if node is None:
            raise BuildError("Node.js is needed to run Pagefind for the search index (`node` on PATH); "
                             "or turn search off (plugins: paperkg: search: false)")
        command = [node, str(_SCRIPT), str(pagefind_package()), str(self.next)]
        # Pagefind names its files by content and never deletes: start from an empty directory.
        shutil.rmtree(self.next, ignore_errors=True)
        self.started = time.perf_counter()
        with self.records.open("rb") as lines:
            self.process = subprocess.Popen(command, stdin=lines, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                            text=True)

    def finish(self) -> float | None:
        """Wait for the run, if one was started, and keep its index; returns its seconds."""
        if self.process is None:
            return None
        out, err = self.process.communicate()
        seconds = time.perf_counter() - self.started
        failed = self.process.returncode
        self.process = None
        if failed:
            message = " ".join(err.split()) or f"exit code {failed}"
            raise BuildError(f"Pagefind could not index {self.records}: {message}")
        shorten_page_names(self.next)
        self.stamp.unlink(missing_ok=True)
        shutil.rmtree(self.kept, ignore_errors=True)
        self.next.rename(self.kept)
        self.stamp.write_text(self.digest)
        self.count = int(out.split()[-1])
        return seconds

    def install(self, site_dir: Path) -> bool:
        """Put the kept index into site_dir/pagefind/; False when it is there already."""
        target = site_dir / OUTPUT
        if sorted(p.name for p in target.glob("*.pf_meta")) == sorted(p.name for p in self.kept.glob("*.pf_meta")):
            return False  # the page list's name is a hash of the index Pagefind made: the same index
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(self.kept, target, copy_function=link_or_copy)
        return True

    def cancel(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.communicate()
            self.process = None

