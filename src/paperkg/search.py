"""The search stage: Pagefind writes a chunked static index (and its UI) under
site_dir/pagefind/, so a search downloads only the few chunks it needs.

paperkg hands Pagefind one record per searchable page, made from the graph's views: papers
(title, authors and abstract; filters by topic and year), topics (their names) and the A-Z
author lists (names, a hundred to a page, so authors are found without one record each:
every record costs every first search a few bytes). Pagefind then indexes that text through
its Node API (search_index.mjs) instead of reading and parsing every built HTML page, which
took minutes and gigabytes on a large site.

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
from collections.abc import Iterable, Iterator
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File

from paperkg.errors import BuildError
from paperkg.render.pages import Job
from paperkg.render.sparql import ASSETS
from paperkg.resources import bundled, checkout_path

OUTPUT = "pagefind"  # the search page looks for the index and UI here
RECORDS = "search-records.jsonl"  # under .paperkg/: what the next index is made from
STAMP = "search-stamp"  # under .paperkg/: the digest of the records the index in site_dir was made from
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


def write_records(path: Path, found: Iterable[dict[str, object]]) -> bool:
    """Write the records as JSON lines, sorted by URL (the same site, the same bytes); False
    when the file holds them already."""
    lines = sorted(json.dumps(record, ensure_ascii=False, sort_keys=True) for record in found)
    data = ("\n".join(lines) + "\n").encode("utf-8")
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def index_site(state_dir: Path, site_dir: Path) -> int | None:
    """Write site_dir/pagefind/ from the records in state_dir; returns how many pages it
    indexes, or None when the index there was made from the same records."""
    records_file, stamp = state_dir / RECORDS, state_dir / STAMP
    digest = hashlib.sha256(records_file.read_bytes()).hexdigest()
    if (site_dir / OUTPUT).is_dir() and stamp.is_file() and stamp.read_text() == digest:
        return None
    stamp.unlink(missing_ok=True)
    count = index_records(records_file, site_dir)
    stamp.write_text(digest)
    return count


def index_records(records_file: Path, site_dir: Path) -> int:
    """Write site_dir/pagefind/ from a records file; returns how many pages it indexes."""
    node = shutil.which("node")
    if node is None:
        raise BuildError("Node.js is needed to run Pagefind for the search index (`node` on PATH); "
                         "or turn search off (plugins: paperkg: search: false)")
    # Pagefind names its files by content and never deletes: clear what an earlier build left.
    shutil.rmtree(site_dir / OUTPUT, ignore_errors=True)
    with records_file.open("rb") as lines:
        done = subprocess.run(
            [node, str(_SCRIPT), str(pagefind_package()), str(site_dir / OUTPUT)],
            stdin=lines, capture_output=True, text=True,
        )
    if done.returncode != 0:
        message = " ".join(done.stderr.split()) or f"exit code {done.returncode}"
        raise BuildError(f"Pagefind could not index {site_dir}: {message}")
    return int(done.stdout.split()[-1])
