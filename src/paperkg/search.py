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

import contextlib
import hashlib
import json
import shutil
import string
import subprocess
import tempfile
import threading
import time
import zlib
from collections.abc import Collection, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File

from paperkg import tempfiles
from paperkg.errors import BuildError
from paperkg.pagefind_names import shorten_page_names
from paperkg.render.pages import Job
from paperkg.render.sparql import ASSETS
from paperkg.render.write import link_or_copy
from paperkg.resources import bundled, checkout_path

OUTPUT = "pagefind"  # the search page looks for the index and UI here
RECORDS = "search-records.jsonl"  # under .paperkg/: what the next index is made from
KEPT = "search-index"  # under .paperkg/: the index's parts, each with the digest of its records
# Records in one part at most, by default: Pagefind's memory grows with them (the two parts of
# a 30,000-paper site, 15,247 and 15,566 records: 1.74 GiB at most), and each part adds its
# page list's overhead and the chunks a word needs to the first search (two parts: 276 kB
# against one index's 271 kB).
PER_INDEX = 16_000
WORDS_URL, WORDS = "/~words/", "~words"  # a part's record of the words it lacks (split), its page name
_MADE_FROM = "records.digest"  # in the kept index: the digest of the records all its parts were made from
_ASIDE = "search-old-"  # under .paperkg/: index files replaced, to be deleted while Pagefind runs
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


def record(job: Job, config: MkDocsConfig) -> dict[str, object] | None:
    """The Pagefind record of a generated page, if it is a searchable one: its URL from the
    site's root, its text, its title (and a paper's authors), its filters."""
    page, template, context = job
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


def write_records(path: Path, found: Iterable[dict[str, object]]) -> None:
    """Write the records as JSON lines, sorted by URL: the same site, the same bytes."""
    _write(path, {record["url"]: _line(record) for record in found})


def update_records(path: Path, jobs: Iterable[Job], config: MkDocsConfig,
                   changed: Collection[str] | None = None) -> None:
    """Write the records of the searchable pages among the jobs (`write_records`). With
    `changed`, the pages this build makes again, the other pages' records are those of the
    last build's file, not made again."""
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
    _write(path, lines)


def _write(path: Path, lines: dict[str, bytes]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tempfiles.replace_bytes(path, b"".join(lines[url] for url in sorted(lines)))


_SEARCHABLE = frozenset({"paper.md.j2", "topic.md.j2", "authors-letter.md.j2"})


def split(lines: list[bytes], per_index: int) -> list[list[bytes]]:
    """The records (JSON lines, sorted by URL) in as few parts of at most about `per_index` as
    hold them all, each record in the part its URL hashes to: a record stays in its part when
    its text changes, and each part is a fair sample of the site, which keeps the ranking of
    the parts' merged results close to that of one index.

    When there are several parts, each gets one more record last, at WORDS_URL: the site's
    words its own records lack. Pagefind matches a word by the indexed words that start with
    it, and where there are none, by the longest indexed word it starts with (`sheng` for
    `shengkai`); each part decides that alone, so a part without the word would add results
    one index never gives. With every word in every part, each decides as one index would.
    The search page leaves the words records out of its results (their page name is WORDS)."""
    count = part_count(len(lines), per_index)
    parts: list[list[bytes]] = [[] for _ in range(count)]
    words: list[set[str]] = [set() for _ in range(count)]
    language = "en"
    for line in lines:
        record = json.loads(line)
        number = zlib.crc32(record["url"].encode()) % count
        parts[number].append(line)
        words[number].update(record["content"].lower().split())
        language = record["language"]
    if count > 1:
        # Pagefind leaves out the punctuation around a word: so do these sets (of unique words: fast)
        words = [{word.strip(string.punctuation) for word in own} for own in words]
        every = set().union(*words)
        for part, own in zip(parts, words, strict=True):
            missing = " ".join(sorted(every - own - {""}))
            record = {"url": WORDS_URL, "content": missing, "language": language, "meta": {"title": ""}, "filters": {}}
            part.append((json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode())
    return parts


def part_count(records: int, per_index: int) -> int:
    return max(1, -(-records // per_index))


def part_path(number: int) -> str:
    """Where part `number` of the index goes under site_dir/pagefind/: the first is Pagefind's
    bundle itself (its engine, UI and WebAssembly), the others only their index files, which
    the search page merges into the first (Pagefind's mergeIndex)."""
    return "" if number == 0 else f"part-{number}/"


class Indexer:
    """Pagefind indexing the search records in the background, while the pages are built: the
    index is made from the records alone, not from the built HTML.

    Pagefind's indexer holds a whole index in memory (about 100 kB a record: 3.2 GiB for the
    30,811 records of a 30,000-paper site), so the records are indexed in parts of at most
    `per_index` (`split`), up to `jobs` Pagefind runs at once (each holds only its part's
    index: 1.74 GiB at most for the two parts at 30k; a run keeps about 1.3 cores busy, so one
    alone leaves the second core of a two-core machine idle once the pages are built). Each
    part is kept in the project's .paperkg/search-index/ with the digest of its records, made
    again only when they change, and the parts are put into each built site under
    site_dir/pagefind/ (hard links where the file system allows). The split and the runs are
    all in background threads, which wait on Pagefind most of the time."""

    def __init__(self, state_dir: Path, site_dir: Path, per_index: int = PER_INDEX, jobs: int = 1) -> None:
        self.records, self.kept, self.per_index = state_dir / RECORDS, state_dir / KEPT, per_index
        self.jobs = max(1, jobs)  # Pagefind runs at once at most
        self.state_dir, self.site_dir = state_dir, site_dir  # the parts go into site_dir/pagefind/
        shutil.rmtree(state_dir / "pagefind", ignore_errors=True)  # the single index kept before the parts
        (state_dir / "search-stamp").unlink(missing_ok=True)
        self.data = self.records.read_bytes()
        self.part_count = part_count(self.data.count(b"\n"), per_index)  # what the search page merges
        self.parts: list[bytes] = []  # the parts' records, their digests, and
        self.digests: list[str] = []
        self.todo: list[int] = []  # those of the parts whose records changed, once split
        self._lock = threading.Lock()
        self._processes: set[subprocess.Popen] = set()  # the Pagefind runs going on, for cancel
        self._cancelled = False  # by cancel(), or after a run failed: no more runs
        self._thread: threading.Thread | None = None
        self._failure: str | None = None
        self._counts: list[int] = []
        self.started = 0.0
        self.count: int | None = None  # pages indexed by this build's run, if it ran
        self.records_digest: str | None = None  # of the records, once the thread has read them

    def _part(self, number: int) -> Path:
        return self.kept / str(number)

    def _kept_dir(self, number: int) -> bool:
        return self._part(number).is_dir() and self._stamp(number).is_file()

    def _stamp(self, number: int) -> Path:
        return self.kept / f"{number}.digest"

    def _made(self, number: int) -> Path:
        return self.kept / f"{number}.next"

    def _kept(self, number: int) -> bool:
        return self._kept_dir(number) and self._stamp(number).read_text() == self.digests[number]

    def _made_from(self) -> Path:
        """The digest of the records the kept parts were all made from."""
        return self.kept / _MADE_FROM

    def start(self) -> None:
        """Split the records and start Pagefind on the parts whose records changed."""
        self.started = time.perf_counter()
        self._thread = threading.Thread(target=self._run, args=(shutil.which("node"),), name="pagefind", daemon=True)
        self._thread.start()

    def _run(self, node: str | None) -> None:
        try:
            self._index(node)
        except Exception as error:  # told by finish(), in the build's own thread
            self._failure = str(error) if isinstance(error, BuildError) else f"search index: {error!r}"

    def _index(self, node: str | None) -> None:
        self.records_digest = hashlib.sha256(self.data).hexdigest()
        if _read(self._made_from()) == self.records_digest and all(map(self._kept_dir, range(self.part_count))):
            self.data = b""  # the very records the kept parts were made from: not split again
            return
        self.parts = [b"".join(part) for part in split(self.data.splitlines(keepends=True), self.per_index)]
        self.data = b""
        self.digests = [hashlib.sha256(part).hexdigest() for part in self.parts]
        self.todo = [n for n in range(len(self.parts)) if not self._kept(n)]
        if self.todo and node is None:
            self._failure = ("Node.js is needed to run Pagefind for the search index (`node` on PATH); "
                             "or turn search off (plugins: paperkg: search: false)")
            return
        command = [node, str(_SCRIPT), str(pagefind_package())] if self.todo else []
        self.kept.mkdir(parents=True, exist_ok=True)
        removing = self._remove_old() if self.todo else None
        try:
            self._index_parts(command)
        finally:
            if removing is not None:
                removing.join()

    def _remove_old(self) -> threading.Thread:
        """Deleted while Pagefind runs: the site's copy of the index, which `install` puts in
        again, and the kept parts the last build replaced (`finish` sets them aside). At 30k
        papers, deleting their 62,000 files took 6-8 s once Pagefind was done. The site's copy
        is moved aside first (one rename)."""
        aside = [path for path in self.state_dir.glob(f"{_ASIDE}*") if path.is_dir()]
        if (self.site_dir / OUTPUT).is_dir():
            moved = Path(tempfile.mkdtemp(prefix=_ASIDE, dir=self.state_dir))
            try:
                (self.site_dir / OUTPUT).rename(moved / OUTPUT)
                aside.append(moved)
            except OSError:  # on another file system: deleted where it is
                aside += [moved, self.site_dir / OUTPUT]
        thread = threading.Thread(target=lambda: [shutil.rmtree(path, ignore_errors=True) for path in aside],
                                  name="search-old", daemon=True)
        thread.start()
        return thread

    def _index_parts(self, command: list[str]) -> None:
        if not self.todo:
            return
        with ThreadPoolExecutor(min(self.jobs, len(self.todo)), thread_name_prefix="pagefind") as pool:
            list(pool.map(lambda number: self._index_part(command, number), self.todo))  # re-raises a run's error

    def _index_part(self, command: list[str], number: int) -> None:
        try:
            self._run_pagefind(command, number)
        except BaseException:
            with self._lock:  # the build fails: the other runs are of no use
                self._stop()
            raise

    def _run_pagefind(self, command: list[str], number: int) -> None:
        # Pagefind names its files by content and never deletes: start from an empty directory.
        shutil.rmtree(self._made(number), ignore_errors=True)
        with self._lock:
            if self._cancelled:
                return
            process = subprocess.Popen([*command, str(self._made(number))], stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            self._processes.add(process)
        out, err = process.communicate(self.parts[number])
        with self._lock:
            self._processes.discard(process)
            if self._cancelled:
                return
            if process.returncode:
                message = " ".join(err.decode(errors="replace").split()) or f"exit code {process.returncode}"
                which = f" (part {number + 1} of {self.part_count})" if self.part_count > 1 else ""
                self._failure = f"Pagefind could not index {self.records}{which}: {message}"
                self._stop()
                return
            self._counts.append(int(out.split()[-1]))
        self._shape(number)

    def _stop(self) -> None:
        """No more runs, and those going on killed; with the lock held."""
        self._cancelled = True
        for process in self._processes:
            process.kill()

    def _shape(self, number: int) -> None:
        """A part as the site serves it: short page names, and for the parts the search page
        merges into the first, only their index files (the first's engine searches them)."""
        made = self._made(number)
        shorten_page_names(made, last=(WORDS_URL, WORDS))
        if number > 0:
            for path in made.iterdir():
                if path.is_file() and path.name != "pagefind-entry.json" and path.suffix != ".pf_meta":
                    path.unlink()

    def finish(self) -> float | None:
        """Wait for the runs and keep their parts; returns their seconds, None when none ran."""
        if self._thread is None:
            return None
        self._thread.join()
        self._thread = None
        seconds = time.perf_counter() - self.started
        if self._failure is not None:
            raise BuildError(self._failure)
        # The parts replaced are set aside (a rename each), not deleted: the next build that
        # indexes deletes them while Pagefind runs (_remove_old). Until this point a failed
        # run has left the last index as it was.
        aside = Path(tempfile.mkdtemp(prefix=_ASIDE, dir=self.state_dir)) if self.todo else None
        for number in self.todo:
            self._stamp(number).unlink(missing_ok=True)
            if self._part(number).is_dir():
                self._part(number).rename(aside / str(number))
            self._made(number).rename(self._part(number))
            self._stamp(number).write_text(self.digests[number])
        for path in self.kept.iterdir():  # parts of an index with more parts than this one
            number = path.name.split(".")[0]
            if path.name == _MADE_FROM or number.isdigit() and int(number) < self.part_count:
                continue
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
        if self.records_digest is not None:
            tempfiles.replace_bytes(self._made_from(), self.records_digest.encode())
        if not self.todo:
            return None
        self.count = sum(self._counts) - (len(self.todo) if self.part_count > 1 else 0)  # not the words records
        return seconds

    def install(self) -> bool:
        """Put the kept parts into site_dir/pagefind/; False when they are there already."""
        target = self.site_dir / OUTPUT
        placed = sorted(part_path(n) + path.name for n in range(self.part_count)
                        for path in self._part(n).glob("*.pf_meta"))
        if sorted(str(path.relative_to(target)) for path in target.glob("**/*.pf_meta")) == placed:
            return False  # a page list's name is a hash of the index Pagefind made: the same index
        shutil.rmtree(target, ignore_errors=True)
        for number in range(self.part_count):
            shutil.copytree(self._part(number), target / part_path(number), copy_function=link_or_copy)
        return True

    def cancel(self) -> None:
        with self._lock:
            self._stop()
        if self._thread is not None:
            self._thread.join()
            self._thread = None


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except OSError:
        return None
