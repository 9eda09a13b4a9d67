"""Work spread over forked processes, one per core: rendering the Markdown pages
(`map_shares`), and MkDocs' build with the pages turned into HTML by several processes.

MkDocs builds one page after the other, and on a paperkg site nearly all of its time goes
into the pages (Markdown to HTML, then the theme): tens of thousands of them. This is MkDocs
1.6's own `mkdocs.commands.build.build`, step for step, except that the documentation pages are
dealt out to forked workers. Each worker reads and builds its share (and the few nav pages,
whose titles every page's navigation shows) and sends back what it logged, so warnings still
fail a strict build. Everything else (plugin events, static files, theme templates) runs once,
here. The output is the serial build's, file for file; with one worker, or where there is
no fork, it is MkDocs' own function, unless the build is a dirty one told which pages changed:
then MkDocs' file list is a lazy one (paperkg.sitefiles) and the pages are built here.

Not checked across workers: links to an anchor in a page another worker built (MkDocs' own
dirty builds skip those too); links to pages and anchors within a page are checked as ever.
"""

from __future__ import annotations

import ctypes
import json
import logging
import os
import pickle
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from mkdocs.commands import build as mkdocs
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort, BuildError
from mkdocs.structure.files import File, InclusionLevel, set_exclusions
from mkdocs.structure.nav import get_navigation
from mkdocs.structure.pages import Page
from mkdocs.utils import CountHandler

from paperkg import sitefiles
from paperkg.collector import long_lived

log = logging.getLogger("mkdocs.commands.build")
T = TypeVar("T")
R = TypeVar("R")


def map_shares(work: Callable[[Sequence[T]], R], items: Sequence[T], workers: int) -> list[R]:
    """`work` on round-robin shares of `items`, the first here and the others in forked
    children, which send their result back pickled. An exception in a child is raised here."""
    if workers <= 1 or not hasattr(os, "fork") or len(items) < 2 * workers:
        return [work(items)]
    shares = [items[i::workers] for i in range(workers)]
    with long_lived():  # what the work is made from (the views, the triples) outlives it
        children = [Background(lambda share=share: work(share)) for share in shares[1:]]
        results = [work(shares[0])]
        failure: BaseException | None = None
        for child in children:  # wait for every child, even after one failed
            try:
                results.append(child.result())
            except BaseException as error:
                failure = failure or error
    if failure is not None:
        raise failure
    return results


class Background:
    """`work()` in a forked child while this process goes on (here, where there is no fork);
    `result()` waits for it and returns what it returned, or raises what it raised."""

    def __init__(self, work: Callable[[], R]) -> None:
        self.pid: int | None = None
        self.outcome: tuple[bool, object] | None = None
        if not hasattr(os, "fork"):
            try:
                self.outcome = (True, work())
            except Exception as error:
                self.outcome = (False, error)
            return
        reader, writer = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(reader)
            try:
                outcome = (True, work())
            except BaseException as error:  # the parent raises it; a child must never return
                outcome = (False, error if _picklable(error) else RuntimeError(f"{type(error).__name__}: {error}"))
            with os.fdopen(writer, "wb") as out:
                pickle.dump(outcome, out, protocol=pickle.HIGHEST_PROTOCOL)
            os._exit(0)
        os.close(writer)
        self.pid, self.reader = pid, reader

    def result(self):
        if self.outcome is None:
            with os.fdopen(self.reader, "rb") as source:  # read first: a child blocks until it is read
                data = source.read()
            os.waitpid(self.pid, 0)
            self.outcome = pickle.loads(data) if data else (False, RuntimeError("a worker process died"))
        ok, value = self.outcome
        if not ok:
            raise value
        return value


class Gated:
    """`work(proceed)` in a forked child (`Background`) that does what it can at once and then
    calls `proceed()`, which waits for this process's word: True once `go()` is called, False
    once `stop()` is (or this process ends). Where there is no fork, the work runs at `go()`."""

    def __init__(self, work: Callable[[Callable[[], bool]], R]) -> None:
        self.work: Callable[[Callable[[], bool]], R] | None = None
        self.child: Background | None = None
        self.writer: int | None = None  # the pipe the child reads its word from
        if not hasattr(os, "fork"):
            self.work = work
            return
        reader, self.writer = os.pipe()

        def gated() -> R:
            os.close(self.writer)
            with os.fdopen(reader, "rb") as word:
                return work(lambda: word.read(1) == b"1")

        self.child = Background(gated)
        os.close(reader)

    def go(self) -> None:
        if self.child is None:
            self.child = Background(lambda: self.work(lambda: True))
            return
        if self.writer is not None:
            try:
                os.write(self.writer, b"1")
            finally:
                self._close()

    def stop(self) -> None:
        """The child's word is False, unless `go()` came first (stop after go does nothing)."""
        if self.child is not None:
            self._close()

    def _close(self) -> None:
        # once only: the descriptor's number may be another file's once it is closed
        if self.writer is not None:
            os.close(self.writer)
            self.writer = None

    def result(self):
        return None if self.child is None else self.child.result()


def _picklable(error: BaseException) -> bool:
    try:
        pickle.loads(pickle.dumps(error))
        return True
    except Exception:
        return False


def build(
    config: MkDocsConfig, dirty: bool = False, workers: int = 1, changed: Callable[[File], bool] | None = None
) -> None:
    """MkDocs' build by `workers` processes. In a `dirty` build, `changed` says which pages
    changed since the last build; without it, MkDocs asks each page's `File.is_modified` (two
    look-ups a page, twice: at 90,000 pages, most of an incremental build on a cold cache).
    Told which changed, on a site where nothing else can tell the difference, MkDocs' file list
    is a lazy one (`sitefiles.LazyFiles`): File and Page objects only for the files the build
    works on."""
    listable = changed is not None and sitefiles.applies(config)  # an incremental build may list lazily
    lazy = dirty and listable
    if not hasattr(os, "fork"):
        workers = 1
    if workers <= 1 and not lazy:
        mkdocs.build(config, dirty=dirty)
    else:
        _build(config, dirty, workers, changed, lazy)
    if listable and not dirty:  # what the next build lists the docs_dir from
        sitefiles.keep_listing(config)


def _build(config: MkDocsConfig, dirty: bool, workers: int, changed: Callable[[File], bool] | None,
           lazy: bool) -> None:
    counter = CountHandler()
    counter.setLevel(logging.WARNING)
    if config.strict:
        logging.getLogger("mkdocs").addHandler(counter)
    inclusion = InclusionLevel.is_included
    clearing = None
    try:
        start = time.monotonic()
        config = config.plugins.on_config(config)
        if not dirty:  # what MkDocs' clean_directory does, while the pages are built
            clearing = clear_directory(config.site_dir)
        config.plugins.on_pre_build(config=config)
        files = sitefiles.lazy_files(config) if lazy else None
        if files is None:
            files = mkdocs.get_files(config)
        env = config.theme.get_env()
        files.add_files_from_theme(env, config)
        files = config.plugins.on_files(files, config=config)
        if isinstance(files, sitefiles.LazyFiles):
            if not files.settled:
                raise BuildError("the paperkg plugin did not take in its generated files")  # a paperkg bug
            logging.getLogger("paperkg").info("files    MkDocs' File objects for %d of the docs_dir's %d files",
                                              files.made_count(), len(files.paths))
        set_exclusions(files, config)
        nav = get_navigation(files, config)
        nav = config.plugins.on_nav(nav, config=config, files=files)
        pages = list(files.documentation_pages(inclusion=inclusion))
        for file in pages:
            if file.page is None and file.inclusion.is_not_in_nav():
                Page(None, file, config)
        if dirty:  # only the changed pages are built: the others' HTML stands
            to_build = [file for file in pages if (changed or File.is_modified)(file)]
        else:
            to_build = pages
        building = set(to_build)
        in_nav = [page.file for page in nav.pages if page.file in building]
        for file in in_nav:  # their titles are in every page's navigation
            mkdocs._populate_page(file.page, config, files)
        env = config.plugins.on_env(env, config=config, files=files)
        files.copy_static_files(dirty=dirty, inclusion=inclusion)
        template_files = files.for_templates() if isinstance(files, sitefiles.LazyFiles) else files
        for template in config.theme.static_templates:
            mkdocs._build_theme_template(template, env, template_files, config, nav)
        for template in config.extra_templates:
            mkdocs._build_extra_template(template, files, config, nav)

        nav_files = set(in_nav)
        rest = [file for file in to_build if file not in nav_files]
        if workers <= 1 or not rest:  # no worker to fork for nothing
            _build_share(in_nav + rest, config, files, pages, nav, env)
        else:
            release_freed_memory()
            shares = [in_nav + rest[i::workers] if i == 0 else rest[i::workers] for i in range(workers)]
            with long_lived():
                children = [_fork(lambda share=share: _build_share(share, config, files, pages, nav, env))
                            for share in shares[1:]]
                _build_share(shares[0], config, files, pages, nav, env)
                for pid, reader in children:
                    _collect(pid, reader)

        if clearing is not None:  # post_build plugins see the built site only, as after clean_directory
            clearing.wait()
        config.plugins.on_post_build(config=config)
        if counts := counter.get_counts():
            raise Abort(f"Aborted with {', '.join(f'{v} {k.lower()}s' for k, v in counts)} in strict mode!")
        log.info(f"Documentation built in {time.monotonic() - start:.2f} seconds ({workers} processes)")
    except Exception as error:
        config.plugins.on_build_error(error=error)
        if isinstance(error, BuildError):
            log.error(str(error))
            raise Abort("Aborted with a BuildError!") from None
        raise
    finally:
        if clearing is not None:  # after a failure too (a no-op once waited for)
            clearing.wait()
        logging.getLogger("mkdocs").removeHandler(counter)


class Clearing:
    """A directory's old entries, moved aside into a hidden directory inside it (a rename
    each), and deleted by a forked child while the build goes on: at 300,000 files in the
    built site, deleting them first (MkDocs' clean_directory) takes most of a minute."""

    def __init__(self, aside: Path, pid: int | None) -> None:
        self.aside, self.pid = aside, pid

    def wait(self) -> None:
        if self.pid is not None:
            os.waitpid(self.pid, 0)
            self.pid = None
        shutil.rmtree(self.aside, ignore_errors=True)  # what the child left, if it died


ASIDE_PREFIX = ".paperkg-old-"


def clear_directory(directory: str) -> Clearing | None:
    """Empty `directory` as MkDocs' clean_directory does (its hidden entries stay), deleting
    in the background; `wait()` for the deletion before the build ends."""
    if not os.path.isdir(directory):
        return None
    aside = Path(tempfile.mkdtemp(prefix=ASIDE_PREFIX, dir=directory))
    for entry in os.listdir(directory):
        if not entry.startswith(".") or (entry.startswith(ASIDE_PREFIX) and entry != aside.name):
            os.rename(os.path.join(directory, entry), aside / entry)  # ones a killed build left too
    if not hasattr(os, "fork"):
        shutil.rmtree(aside, ignore_errors=True)
        return Clearing(aside, None)
    pid = os.fork()
    if pid == 0:
        try:
            shutil.rmtree(aside, ignore_errors=True)
        finally:
            os._exit(0)
    return Clearing(aside, pid)


def _build_share(share: list[File], config, files, pages: list[File], nav, env) -> None:
    """Read, convert and write each page in turn, then let go of its Markdown and HTML: a page
    needs only the nav pages' titles, read already, and the anchor check only anchor ids."""
    for file in share:
        page = file.page
        if page.content is None:  # the nav pages are read already
            mkdocs._populate_page(page, config, files)
        mkdocs._build_page(page, config, pages, nav, env, excluded=file.inclusion.is_excluded())
        if page not in nav.pages:
            page.markdown = page.content = None
    level = config.validation.links.anchors
    for file in share:
        file.page.validate_anchor_links(files=files, log_level=level)


class _Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.name, record.levelno, record.getMessage()))


def _fork(work) -> tuple[int, int]:
    """Run `work` in a forked child; the child reports what it logged, or its error."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid:
        os.close(writer)
        return pid, reader
    os.close(reader)
    recorder = _Recorder()
    for name in ("mkdocs", "paperkg"):
        logger = logging.getLogger(name)
        logger.handlers = [recorder]  # the parent's handlers would print out of order
        logger.propagate = False
    outcome: dict[str, object] = {}
    try:
        work()
    except BaseException as error:  # the parent raises it; a child must never return
        outcome["error"] = f"{type(error).__name__}: {error}"
    outcome["records"] = recorder.records
    outcome["peak_rss_mib"] = peak_rss_mib()
    with os.fdopen(writer, "w", encoding="utf-8") as out:
        json.dump(outcome, out)
    os._exit(0)


def release_freed_memory() -> None:
    """Give back to the system what the page generation freed (glibc keeps it otherwise), so
    the workers forked next do not each start with it in their resident memory."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def peak_rss_mib() -> float | None:
    """This process's peak resident memory (Linux), in MiB."""
    try:
        found = re.search(r"^VmHWM:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.MULTILINE)
    except OSError:
        return None
    return int(found.group(1)) / 1024 if found else None


def _collect(pid: int, reader: int) -> None:
    with os.fdopen(reader, encoding="utf-8") as source:
        text = source.read()
    _, status = os.waitpid(pid, 0)
    if not text:
        raise Abort(f"a build worker died (status {status})")
    outcome = json.loads(text)
    for name, level, message in outcome["records"]:  # logged here, so strict mode counts them
        logging.getLogger(name).log(level, message)
    if "error" in outcome:
        raise Abort(f"a build worker failed: {outcome['error']}")
    if outcome["peak_rss_mib"] is not None:
        logging.getLogger("paperkg").info("worker   peak RSS %.0f MiB", outcome["peak_rss_mib"])
