"""The pipeline, one stage after the other: graph -> views -> render -> MkDocs.

`generate_pages` is what the MkDocs plugin runs before every build (so `mkdocs build`,
`mkdocs serve` and `paperkg build` make the same site); `build_site` runs MkDocs itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from importlib.metadata import version
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort, MkDocsException
from mkdocs.structure.files import File
from pyoxigraph import Store

from paperkg import collector, parallel, pending, search, state
from paperkg.config import Project, errors_logged_by, iris_for
from paperkg.errors import BuildError
from paperkg.graph import triples
from paperkg.graph.namespaces import Iris
from paperkg.graph.reading import GraphRead, read_all, read_changes
from paperkg.graph.triples import load_sources
from paperkg.pending import NOTHING_PENDING, Pending
from paperkg.query import list_queries
from paperkg.render import bodies, dataset, head, sparql, twins, vocab
from paperkg.render.dataset import Segments
from paperkg.render.pages import Renderer, changed_jobs
from paperkg.render.write import PageWriter, WriteReport, link_into, manifest_paths, merge_counts, remove, write_all
from paperkg.resources import bundled
from paperkg.state import Kept
from paperkg.views import Queries, SiteView, build_views, patched_views, reuse

log = logging.getLogger("paperkg")
SEARCH_PAGE = "search/index.md"
DATASET_FILES = (dataset.DUMP_NT, dataset.DUMP_TTL, dataset.VOID)
DUMP_SEGMENTS = "dump-segments"  # under .paperkg/: the N-Triples dump's deflated segments, kept


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Log the stage's wall time and, on Linux, its own peak memory (`paperkg -v build`)."""
    measured = _reset_peak_rss()
    started = time.perf_counter()
    yield
    seconds = time.perf_counter() - started
    peak = parallel.peak_rss_mib() if measured else None
    log.info("%-8s %.2f s%s", name, seconds, f", peak RSS {peak:.0f} MiB" if peak is not None else "")


def _reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark to the current RSS, so each stage gets its own peak."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


@dataclass(frozen=True)
class PageSettings:
    graph_dir: Path
    templates_dir: Path
    page_size: int
    home: bool
    sparql: bool = True
    search: bool = True
    jobs: int = 1  # processes that render the pages


@dataclass(frozen=True)
class Generated:
    report: WriteReport
    pages: frozenset[str]  # every file generated into the docs_dir
    heads: dict[str, str]  # page path under docs_dir -> what its HTML head gets
    twins: WriteReport  # the entity twins, in the twins directory
    twins_dir: Path
    search: search.Indexer | None = None  # the search index, made from the records alongside the build
    bodies_dir: Path | None = None  # the entity pages' HTML, when paperkg's HTML templates make it
    saving: parallel.Gated | None = None  # the child keeping paperkg.state for the next build
    pending: Pending = NOTHING_PENDING  # what builds for another site changed since the last build of this one

    @cached_property
    def to_build(self) -> frozenset[str]:
        """The generated pages whose HTML the built site must get: those this build wrote, and
        those written for another site since (paperkg.pending)."""
        return frozenset(self.report.written) | (self.pending.pages & self.pages)

    @property
    def removed(self) -> list[str]:
        """The generated pages gone since the built site was last built."""
        return sorted(set(self.report.removed) | (self.pending.pages - self.pages))

    def changed(self, file: File) -> bool:
        """Whether a docs_dir file changed since the last build: paperkg's own when this build
        wrote it, or one for another site did (no look-up), the others by MkDocs' comparison
        of modification times."""
        if file.src_uri in self.pages:
            return file.src_uri in self.to_build
        return file.is_modified()


def twins_dir(project_root: Path) -> Path:
    """Where the entity twins are kept: outside the docs_dir, so MkDocs never lists, checks or
    copies their hundreds of thousands of files; the plugin links them into the built site."""
    return project_root / ".paperkg" / "twins"


def generate_pages(config: MkDocsConfig, settings: PageSettings, listed: Collection[str],
                   reuse: bool = False, waiting: Pending = NOTHING_PENDING) -> Generated:
    """Every generated file, written as it is made (only when its bytes changed): the Markdown
    pages into the docs_dir and the entity twins into `twins_dir`, by `settings.jobs` processes.

    With `reuse` (an incremental build), the build starts from what the last one kept
    (paperkg.state) when it was made with the same templates, settings and paperkg: only the
    graph files that changed are read, the views are the last build's patched for the
    documents that changed in them, and a page is rendered only when what it is made from
    differs from the last build's (or it is not there), a twin only when its triples may have
    changed; when no graph file changed, nothing is generated at all. `listed` is every file
    in the docs_dir, as MkDocs found them, so that none is looked up; the twins directory is
    paperkg's own, and what the last build made there is there still. `waiting` is what builds
    for another site changed since the last build of this one: its pages get their heads too."""
    iris = iris_for(config)
    root = Path(config.config_file_path).parent
    state_dir, docs_dir, jobs = root / ".paperkg", Path(config.docs_dir), settings.jobs
    twins_root, html_dir = twins_dir(root), bodies.bodies_dir(root)
    records = state_dir / search.RECORDS
    with_bodies = bodies.usable(config, settings.templates_dir)
    there = listed.__contains__
    recipe = pages_fingerprint(config, settings)
    kept = state.load(state_dir, recipe) if reuse and (records.is_file() or not settings.search) else None
    found = triples.sources(settings.graph_dir, iris, {} if kept is None else {
        name: (record.digest, record.stat) for name, record in kept.files.items()})
    if kept is not None and _same_files(kept, found) and not waiting.pages:
        standing = _standing_pages(docs_dir, twins_root, there)
        if standing is not None:
            pages_kept, twins_kept = standing
            pin_build_date(kept.epoch)
            log.info("pages    graph, templates and settings unchanged: the %d generated files stand",
                     len(pages_kept) + twins_kept)
            indexer = _start_search(state_dir, Path(config.site_dir), settings) if settings.search else None
            return Generated(WriteReport([], len(pages_kept), []), frozenset(pages_kept), {},
                             WriteReport([], twins_kept, []), twins_root, indexer, html_dir if with_bodies else None,
                             pending=waiting)
    state.forget(state_dir)  # the pages are about to change: until this build is done, nothing is to be trusted
    for stale in ("pages-stamp", "made-from"):  # what builds before paperkg.state kept
        (state_dir / stale).unlink(missing_ok=True)
    segments = Segments(state_dir / DUMP_SEGMENTS)
    with collector.long_lived():  # the views and the graph's summaries, made once, live to the end
        with collector.paused():
            graph, site, before = _read_graph(kept, found, settings, iris, state_dir, segments)
            collector.keep()
        pin_build_date(graph.epoch)

        renderer = Renderer(settings.templates_dir, settings.page_size, config.site_name)
        # The jobs (a tuple and a dict a page) and the entities' list live to the end too: left to
        # the collector, each full collection of the rest of the build walked them all again (in
        # an update at 30k papers, the collections took 0.5-0.6 s of it, against 0.15 s now).
        with collector.paused():
            pages = renderer.jobs(site, home=settings.home)
            if before is None:
                to_render = pages
            else:
                to_render = changed_jobs(pages, renderer.jobs(before, home=settings.home), there)
            entities = head.entity_pages(site)
            collector.keep()
        del before
        changed_twins = graph.changed_twins(iris)
        twin_pages = entities if changed_twins is None else [
            page for page in entities if iris.base + page.removesuffix("index.md") in changed_twins]
        terms, vocabulary = vocab.vocabulary(iris)
        one_off: dict[str, str | bytes] = {
            vocab.TURTLE: vocabulary, vocab.PAGE: renderer.render_vocabulary(terms, str(iris.ax)),
        }
        if settings.sparql:
            with stage("sparql"):
                one_off.update(sparql_page(renderer, site, iris, settings.graph_dir))
        indexer = None
        if settings.search:  # the page, and its index made from the records while the pages are built
            digest = search.update_records(records, pages, config,
                                           None if kept is None else {page for page, _, _ in to_render})
            indexer = search.Indexer(state_dir, Path(config.site_dir))
            one_off[SEARCH_PAGE] = renderer.render_page("search.md.j2", SEARCH_PAGE, assets=sparql.ASSETS,
                                                        index=search.OUTPUT + "/")
            one_off.update(search.asset_files())
            indexer.start(digest)  # the records just written: not read back for their digest

        # what the next build starts from, pickled by a child while the pages are made (seconds
        # at 30k papers), its index written once they are; the plugin waits for it at the end
        keeping = Kept(recipe, graph.epoch, graph.files, graph.located, graph.authoring)
        saving = parallel.Gated(lambda proceed: state.save(state_dir, keeping, site, graph.summaries, proceed))
        try:
            writer, twin_writer, body_writer = PageWriter(docs_dir, there), PageWriter(twins_root), PageWriter(html_dir)
            writer.claim([page for page, _, _ in pages] + list(one_off) + list(DATASET_FILES))
            twin_writer.claim(twins.paths(entities))
            html = None
            if with_bodies:
                body_writer.claim(bodies.body_path(page) for page, name, _ in pages if name in bodies.BODY_TEMPLATES)
                links = bodies.Links({page for page, _, _ in pages}, config.use_directory_urls)
                html = bodies.BodyWriter(html_dir, links, reuse=kept is not None)
            with stage("render"):
                writer.add(*renderer.write(to_render, docs_dir, workers=jobs, bodies=html))
                writer.unchanged += len(pages) - len(to_render)
            if kept is not None:
                rendered = Counter(template.removesuffix(".md.j2") for _, template, _ in to_render)
                log.info("render   %d of %d pages made again: %s", len(to_render), len(pages),
                         ", ".join(f"{count} {name}" for name, count in rendered.most_common()))
            with stage("dataset"):
                used = [segment for record in graph.files.values() for segment in record.segments]
                writer.write_file(dataset.DUMP_NT, lambda out: segments.write(used, out))
                segments.prune(used)
                writer.write_file(dataset.DUMP_TTL, lambda out: dataset.write_turtle(settings.graph_dir, iris, out))
                writer.write(dataset.VOID, dataset.void(graph.triples, iris, site, config.site_name))
                for path, data in sorted(one_off.items()):
                    writer.write(path, data)
            with stage("twins"):
                maker = twins.Twins(graph, iris)
                # made in forked workers when there are many (a full build: the graph's lines read
                # once, here), an update's few here, from the few files they need
                workers = jobs if changed_twins is None else 1
                if workers > 1:
                    graph.preload()
                shares = parallel.map_shares(lambda share: write_all(twins_root, maker.files(share)), twin_pages,
                                             workers)
                twin_writer.add(*merge_counts(shares))
                twin_writer.unchanged += 2 * (len(entities) - len(twin_pages))
                graph.release()
            report, twins_report = writer.finish(), twin_writer.finish()
            # what the entity pages' HTML heads get: those MkDocs builds (in an incremental build,
            # the ones written, and those written for another site since the last build)
            entity_heads = head.heads(site, iris, only=set(report.written) | waiting.pages if reuse else None)
            body_writer.finish()  # the bodies of pages gone (or all, when they are not made) go
            saving.go()
        except BaseException:
            saving.stop()  # its index unwritten: the next build makes everything
            with contextlib.suppress(Exception):  # the build's own error is the one raised
                saving.result()
            if indexer is not None:  # the index's process must not outlive a failed build
                indexer.cancel()
            raise
        log.info(
            "pages    %d papers, %d authors, %d topics: %d pages written, %d unchanged, %d removed; "
            "twins %d written, %d unchanged, %d removed",
            len(site.papers), len(site.persons), len(site.topics), len(report.written), report.unchanged,
            len(report.removed), len(twins_report.written), twins_report.unchanged, len(twins_report.removed),
        )
        return Generated(report, frozenset(writer.paths), entity_heads, twins_report, twins_root, indexer,
                         html_dir if with_bodies else None, saving, waiting)


def _read_graph(kept: Kept | None, found: list[triples.Source], settings: PageSettings, iris: Iris,
                state_dir: Path, segments: Segments) -> tuple[GraphRead, SiteView, SiteView | None]:
    """The graph as this build reads it, the site's views, and the last build's views (None
    when there are none to compare with: every page is made)."""
    queries = Queries(settings.graph_dir)
    if kept is not None:
        with stage("graph"):
            before = state.views(state_dir, kept)
            graph = read_changes(kept, found, iris, state_dir, segments)
        with stage("views"):
            site = patched_views(before, graph.changed or set(), graph.document, graph.located, iris, queries)
        if site is not None:
            return graph, site, before
        log.info("views    the changes are not only papers' and persons': the views are made anew")
    else:
        before = None
    store = Store()
    with stage("graph"):
        if kept is None:  # each file into a named graph of its own, to tell its lines apart
            graph = read_all(store, found, iris, state_dir, segments)
        union = kept is None and not graph.spans_files()  # else a triple in two files would be two there
        if not union:
            store = Store()
            load_sources(store, iris, found, named=False)
    with stage("views"):
        site = build_views(store, iris, queries, union=union)
        if before is not None:
            site = reuse(site, before)
    del store
    parallel.release_freed_memory()
    return graph, site, before


def _same_files(kept: Kept, found: list[triples.Source]) -> bool:
    return {name: record.digest for name, record in kept.files.items()} == {s.name: s.digest for s in found}


def _start_search(state_dir: Path, site_dir: Path, settings: PageSettings) -> search.Indexer:
    indexer = search.Indexer(state_dir, site_dir)
    indexer.start()
    return indexer


_USERS_EPOCH = os.environ.get("SOURCE_DATE_EPOCH")  # as the user started paperkg; it wins


def pin_build_date(newest: int) -> str:
    """MkDocs dates the site (the sitemap's lastmod, its gzip header) with SOURCE_DATE_EPOCH, or
    else the clock. Unless the user set it, it is the graph's newest date (`newest`, seconds
    since the epoch), so the same graph always builds the same bytes and a rebuild never makes
    a spurious commit."""
    if _USERS_EPOCH is not None:
        return _USERS_EPOCH
    os.environ["SOURCE_DATE_EPOCH"] = str(newest)
    return str(newest)


def pages_fingerprint(config: MkDocsConfig, settings: PageSettings) -> str:
    """What the generated files are made from besides the graph: the site's and paperkg's
    templates and assets, the settings, and paperkg's code."""
    # Paths go in relative to the project or to their root, so that the same project elsewhere
    # (moved, another checkout, a CI workspace) keeps its generated files.
    docs_dir = os.path.relpath(config.docs_dir, Path(config.config_file_path).parent)
    digest = hashlib.sha256()
    digest.update(repr((config.site_url, config.site_name, docs_dir, config.use_directory_urls,
                        bodies.usable(config, settings.templates_dir), settings.page_size, settings.home,
                        settings.sparql, settings.search, version("pyoxigraph"),
                        version("jinja2"), version("markdown"), version("mkdocs"))).encode())
    roots = [settings.templates_dir, settings.graph_dir / "queries", Path(__file__).parent,
             *map(bundled, ("templates", "queries", "vocab.ttl", "assets", "oxigraph"))]
    for number, root in enumerate(roots):
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            if "__pycache__" not in path.parts:
                data = path.read_bytes()
                digest.update(f"{number}/{path.relative_to(root).as_posix()}\0{len(data)}\0".encode() + data)
    return digest.hexdigest()


def _standing_pages(docs_dir: Path, twins_root: Path, there: Callable[[str], bool]) -> tuple[list[str], int] | None:
    """(the pages, how many twins) the last build generated, when its pages are all still `there`."""
    try:
        pages, twins_made = manifest_paths(docs_dir), manifest_paths(twins_root)
    except OSError:
        return None
    if not all(map(there, pages)):
        return None
    return pages, len(twins_made)


def sparql_page(renderer: Renderer, site, iris, graph_dir: Path) -> dict[str, str | bytes]:
    """The in-browser SPARQL page, its examples bound to this site's data, and its scripts."""
    found = sparql.examples(list_queries(graph_dir), sparql.example_values(site))
    page = renderer.render_page(
        "sparql.md.j2", sparql.PAGE, examples=found, settings_json=sparql.page_settings(iris, found),
        dump=dataset.DUMP_NT, assets=sparql.ASSETS, prefixes=sorted(iris.prefixes()),
        engine_version=sparql.engine_version(),
    )
    return {sparql.PAGE: page, **sparql.asset_files()}


def put_twins(generated: Generated, site_dir: Path, everything: bool) -> int:
    """Link the entity twins into the built site (copy them where links cannot be made): all of
    them after a full build, else those written or removed by this one, or by builds for
    another site since the last one of this site. Returns how many."""
    report, source = generated.twins, generated.twins_dir
    if everything:
        paths = manifest_paths(source)
    else:
        written, removed = set(report.written), set(report.removed)
        for path in generated.pending.twins - written - removed:  # only these are looked up
            (written if (source / path).is_file() else removed).add(path)
        paths = sorted(written)
        for path in removed:
            (site_dir / path).unlink(missing_ok=True)
    for path in paths:
        link_into(source / path, site_dir / path)
    return len(paths)


def put_dumps(docs_dir: Path, site_dir: Path) -> None:
    """Link the graph's dumps into the built site before MkDocs copies its static files: the
    copy then finds the file already there (MkDocs skips a file whose output is itself) instead
    of writing 180 MB again at 30,000 papers. The docs_dir's dump is only ever replaced
    (PageWriter.write_file), never written over, so the site's link keeps its bytes until the
    next build links the new one."""
    for path in (dataset.DUMP_NT, dataset.DUMP_TTL):
        source, target = docs_dir / path, site_dir / path
        if source.is_file() and not (target.is_file() and os.path.samefile(source, target)):
            link_into(source, target)


@dataclass(frozen=True)
class Built:
    """What `build_site` made, for the one line the command ends with."""

    full: bool
    pages: int  # the Markdown pages paperkg generated
    changed: int  # of them, those whose HTML this build made (every one, in a full build)


def build_site(project: Project, full: bool = False, jobs: int | None = None) -> Built:
    """Generate the pages (through the plugin) and build the HTML into the site_dir.

    Incremental when it can be: the plugin rewrites only the Markdown whose content changed,
    so MkDocs' dirty build turns only those pages into HTML, and the outputs of pages that are
    gone are removed. Anything else that shapes the HTML (mkdocs.yml, the theme, paperkg
    itself) is in the build stamp; when it differs, or `full` is asked, the build is full.

    The pages are built by `jobs` processes (default: one per core).

    The project's config must have been loaded with strict=True: MkDocs' link validation
    then turns a broken internal link into a failed build."""
    config = project.config
    jobs = jobs or os.cpu_count() or 1
    plugin = config.plugins["paperkg"]
    plugin.jobs = jobs
    stamp = build_stamp(project.root)
    fingerprint = build_fingerprint(config)
    dirty = not full and Path(config.site_dir).is_dir() and stamp.is_file() and stamp.read_text() == fingerprint
    plugin.incremental = dirty
    stamp.unlink(missing_ok=True)  # a build that fails half-way must be followed by a full one
    problems: list[str] = []
    try:
        with stage("mkdocs"), errors_logged_by("mkdocs.commands.build") as problems:
            # which pages changed, paperkg knows: it wrote them (in on_files, before this is asked)
            parallel.build(config, dirty=dirty, workers=jobs, changed=lambda file: plugin.generated.changed(file))
    except (Abort, MkDocsException) as error:
        # A plugin's error (ours: a PaperkgError) is logged by MkDocs, then it aborts.
        raise BuildError("; ".join(problems) or f"MkDocs build failed: {error}") from None
    generated = plugin.generated
    if dirty:
        remove_outputs(config, generated.removed)
    log.info("html     %s build: %d pages changed", "incremental" if dirty else "full", len(generated.to_build))
    stamp.parent.mkdir(exist_ok=True)
    stamp.write_text(fingerprint)
    pending.clear(stamp.parent)
    pages = sum(1 for path in generated.pages if path.endswith(".md"))
    return Built(not dirty, pages, sum(1 for path in generated.to_build if path.endswith(".md")) if dirty else pages)


def build_stamp(project_root: Path) -> Path:
    """The file saying the project's site_dir holds a whole build, and what shaped its HTML
    besides the Markdown (build_fingerprint): an incremental build needs it to match."""
    return project_root / ".paperkg" / "build-stamp"


def build_fingerprint(config: MkDocsConfig) -> str:
    """What the HTML depends on besides the Markdown: the MkDocs config, the theme's own
    overrides, and the versions of MkDocs, the theme and paperkg (its code included)."""
    digest = hashlib.sha256()
    digest.update(Path(config.config_file_path).read_bytes())
    for name in ("mkdocs", "mkdocs-material"):
        digest.update(f"{name}={version(name)}\n".encode())
    # Paths relative to their root: the same project elsewhere (moved, another checkout) keeps its HTML.
    roots = [(Path(__file__).parent, "*.py")]
    if config.theme.custom_dir:
        roots.append((Path(config.theme.custom_dir), "*"))
    for number, (root, pattern) in enumerate(roots):
        for path in sorted(p for p in root.rglob(pattern) if p.is_file()):
            digest.update(f"{number}/{path.relative_to(root).as_posix()}\0".encode() + path.read_bytes())
    return digest.hexdigest()


def remove_outputs(config: MkDocsConfig, removed: list[str]) -> None:
    """Delete what earlier builds made from docs_dir files that are gone (a dirty build
    leaves them), and the directories that leaves empty."""
    site_dir = Path(config.site_dir)
    for src in removed:
        remove(Path(File(src, config.docs_dir, config.site_dir, config.use_directory_urls).abs_dest_path), site_dir)
