"""The search stage: the site's search page and its index, made from one record per searchable
page (papers: title, authors and abstract, filters by topic and year; topics: their names; the
A-Z author lists: names, about a hundred to a page, so authors are found without one record each).
The records come from the graph's views and are kept in .paperkg/ for the next build, which
makes again only those of the pages it makes again. search_files.py makes them into the index's
static files, in a child process while the pages are built; the search page's engine
(assets/search-engine.js) fetches only the few files a search needs.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Collection, Iterable
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File

from paperkg import search_files, tempfiles
from paperkg.errors import BuildError
from paperkg.render.pages import Job
from paperkg.render.sparql import ASSETS
from paperkg.render.write import link_or_copy
from paperkg.resources import bundled

OUTPUT = search_files.OUTPUT  # under site_dir/: the search page's engine looks for the index there
RECORDS = "search-records.jsonl"  # under .paperkg/: what the next index is made from
KEPT = "search-index"  # under .paperkg/: the index, and the digest of the records it was made from
PAGE_FILES = ("search.js", "search-engine.js", "search.css")  # the search page's own UI, from assets/
MAKER = (sys.executable, "-m", "paperkg.search_files")  # the command that makes the index, then its arguments


def asset_files() -> dict[str, bytes]:
    return {f"{ASSETS}{name}": (bundled("assets") / name).read_bytes() for name in PAGE_FILES}


def record(job: Job, config: MkDocsConfig) -> dict[str, object] | None:
    """The search record of a generated page, if it is a searchable one: its URL from the
    site's root, its text, its title (and a paper's authors), its filters."""
    page, template, context = job
    if template == "paper.md.j2":
        paper = context["paper"]
        authors = " ".join(", ".join(line.stated_as for line in paper.authors).split())
        filters = {"topic": [f"{t.code} — {t.label}" for t in paper.topics]}
        if paper.published:
            filters["year"] = [paper.published[:4]]
        title, content, meta = paper.title, f"{paper.title}\n{authors}\n{paper.abstract}", {"authors": authors}
    elif template == "topic.md.j2" and context["pager"].number == 1:
        topic = context["ref"]
        title, filters, meta = f"{topic.label} ({topic.code})", {}, {}
        content = title
    elif template == "authors-letter.md.j2":
        letter = context["letter"]
        title, filters, meta = f"Authors: {letter.upper() if letter != 'other' else 'other'}", {}, {}
        content = "\n".join(person.ref.name for person in context["persons"])
    else:
        return None
    return {"url": "/" + _url(page, config), "content": " ".join(content.split()),
            "language": config.theme.get("language") or "en", "meta": {"title": " ".join(title.split()), **meta},
            "filters": filters}


def _url(page: str, config: MkDocsConfig) -> str:
    """The page's URL as MkDocs makes it (without a File for each of the generated pages,
    which all end in index.md)."""
    if page.endswith("/index.md"):
        return page.removesuffix("index.md") if config.use_directory_urls else page.removesuffix(".md") + ".html"
    return File(page, config.docs_dir, config.site_dir, config.use_directory_urls).url


def _line(found: dict[str, object]) -> bytes:
    return (json.dumps(found, ensure_ascii=False, sort_keys=True) + "\n").encode()


def write_records(path: Path, found: Iterable[dict[str, object]]) -> str:
    """Write the records as JSON lines, sorted by URL (the same site, the same bytes); returns
    their `records_digest`."""
    return _write(path, {record["url"]: _line(record) for record in found})


def update_records(path: Path, jobs: Iterable[Job], config: MkDocsConfig,
                   changed: Collection[str] | None = None) -> str:
    """Write the records of the searchable pages among the jobs (`write_records`) and return
    their `records_digest`. With `changed`, the pages this build makes again, the other pages'
    records are those of the last build's file, not made again."""
    kept: dict[str, bytes] = {}
    if changed is not None:
        with contextlib.suppress(FileNotFoundError):
            for line in path.read_bytes().splitlines(keepends=True):
                # the URL is the last key: a string value can hold no unescaped '"url": '
                kept[json.loads(line[line.rindex(b', "url": ') + 9 : -2])] = line
    lines: dict[str, bytes] = {}
    for job in jobs:
        if job[1] not in _SEARCHABLE:
            continue
        url = "/" + _url(job[0], config)
        if changed is not None and job[0] not in changed and url in kept:
            lines[url] = kept[url]
        elif (found := record(job, config)) is not None:
            lines[url] = _line(found)
    return _write(path, lines)


def _write(path: Path, lines: dict[str, bytes]) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = b"".join(lines[url] for url in sorted(lines))
    tempfiles.replace_bytes(path, data)
    return records_digest(data)


def records_digest(records: bytes) -> str:
    """What the index is made from: the records, and the code that makes the index of them (a
    new format is made anew)."""
    digest = hashlib.sha256(search_files.code_digest())
    digest.update(records)  # not joined to it: the records of a 30k site are tens of MB
    return digest.hexdigest()


_SEARCHABLE = frozenset({"paper.md.j2", "topic.md.j2", "authors-letter.md.j2"})


class Indexer:
    """The index made from the search records in a process of its own while the pages are built
    (a few seconds of Python at 30,000 papers: search_files.py), and put into the built site at
    the end. It is kept in the project's .paperkg/search-index/ with the digest of the records
    it was made from, and not made again when they did not change; when they did, only the files
    whose bytes change are written, into a copy that replaces the kept index once it is whole:
    a failed build leaves the last index as it was."""

    def __init__(self, state_dir: Path, site_dir: Path) -> None:
        self.records, self.kept, self.site_dir = state_dir / RECORDS, state_dir / KEPT, site_dir
        self.made = state_dir / f"{KEPT}.next"
        self.started = 0.0
        self.count: int | None = None  # records indexed by this build, if it made the index
        self.written = 0  # the index's files this build wrote
        self._process: subprocess.Popen | None = None

    def start(self, digest: str | None = None) -> None:
        """Make the index, unless the kept one is of these records; `digest` is their
        `records_digest`, when the caller has it (else the records file is read for it)."""
        self.started = time.perf_counter()
        for old in self.kept.parent.glob("search-old-*"):  # Pagefind's replaced copies, when paperkg used it
            shutil.rmtree(old, ignore_errors=True)
        digest = digest or records_digest(self.records.read_bytes())
        if _read(self.kept / search_files.DIGEST) == digest and (self.kept / "index.json").is_file():
            return  # the very records the kept index was made from
        # A fresh interpreter rather than a fork: a forked child's collections would copy the
        # build's gigabyte of views page by page.
        self._process = subprocess.Popen([*MAKER, str(self.records), str(self.kept), str(self.made), digest],
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def finish(self) -> float | None:
        """Wait for the index and keep it; returns its seconds, None when it was not made."""
        if self._process is None:
            return None
        process, self._process = self._process, None
        out, err = process.communicate()
        if process.returncode:
            shutil.rmtree(self.made, ignore_errors=True)
            reason = " ".join(err.decode(errors="replace").split()[-40:]) or f"exit code {process.returncode}"
            raise BuildError(f"the search index could not be made from {self.records}: {reason}")
        self.count, self.written = map(int, out.split())
        aside = self.kept.with_name(f"{KEPT}.old")
        shutil.rmtree(aside, ignore_errors=True)
        if self.kept.exists():
            self.kept.rename(aside)
        self.made.rename(self.kept)
        shutil.rmtree(aside, ignore_errors=True)
        return time.perf_counter() - self.started

    def install(self) -> bool:
        """Put the kept index into site_dir/search-index/; False when it is there already."""
        target = self.site_dir / OUTPUT
        shutil.rmtree(self.site_dir / "pagefind", ignore_errors=True)  # where Pagefind's index was
        if _read(target / "index.json") == _read(self.kept / "index.json"):
            return False  # index.json holds the digest of all the other files: the same index
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(self.kept, target, copy_function=link_or_copy,
                        ignore=shutil.ignore_patterns(search_files.DIGEST, search_files.WORDS))
        return True

    def cancel(self) -> None:
        """Stop the index of a failed build: it must not outlive the build."""
        if self._process is not None:
            self._process.kill()
            self._process.communicate()
            self._process = None
        shutil.rmtree(self.made, ignore_errors=True)


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except OSError:
        return None
