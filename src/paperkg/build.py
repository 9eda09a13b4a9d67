"""The pipeline, one stage after the other: graph -> views -> render -> MkDocs.

`generate_pages` is what the MkDocs plugin runs before every build (so `mkdocs build`,
`mkdocs serve` and `paperkg build` make the same site); `build_site` runs MkDocs itself.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import os
import tempfile
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from importlib.metadata import version
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort, MkDocsException
from mkdocs.structure.files import File, Files, file_sort_key
from pyoxigraph import Store

from paperkg import parallel, search
from paperkg.config import Project, errors_logged_by, iris_for
from paperkg.errors import BuildError
from paperkg.graph.store import dump_ntriples, load_graph, sorted_lines
from paperkg.query import list_queries
from paperkg.render import bodies, dataset, head, sparql, twins, vocab
from paperkg.render.pages import Renderer
from paperkg.render.write import MadeFrom, PageWriter, WriteReport, link_or_copy, manifest_paths, write_made
from paperkg.resources import bundled
from paperkg.views import Queries, build_views

log = logging.getLogger("paperkg")
SEARCH_PAGE = "search/index.md"
SEARCH_PART = search.PER_INDEX  # by this name: inside PageSettings, `search` is a field
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


@contextmanager
def collection_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while the views and the grouped triples are made:
    millions of objects that live on and hold no cycles, which each full collection would walk
    (at 30k papers the views took 15.7 s with it paused against 23.2 s: scripts/bench_views.py)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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
    search_part: int = SEARCH_PART  # records in one part of the search index at most
    jobs: int = 1  # processes that render the pages, and Pagefind runs at once at most


@dataclass(frozen=True)
class Generated:
    report: WriteReport
    pages: frozenset[str]  # every file generated into the docs_dir
    heads: dict[str, str]  # page path under docs_dir -> what its HTML head gets
    twins: WriteReport  # the entity twins, in the twins directory
    twins_dir: Path
    search: search.Indexer | None = None  # Pagefind, indexing the search records alongside the build
    bodies_dir: Path | None = None  # the entity pages' HTML, when paperkg's HTML templates make it

    @cached_property
    def _written(self) -> frozenset[str]:
        return frozenset(self.report.written)

    def changed(self, file: File) -> bool:
        """Whether a docs_dir file changed since the last build: paperkg's own when this build
        wrote it (no look-up), the others by MkDocs' comparison of modification times."""
        if file.src_uri in self.pages:
            return file.src_uri in self._written
        return file.is_modified()


def twins_dir(project_root: Path) -> Path:
    """Where the entity twins are kept: outside the docs_dir, so MkDocs never lists, checks or
    copies their hundreds of thousands of files; the plugin links them into the built site."""
    return project_root / ".paperkg" / "twins"


def generate_pages(config: MkDocsConfig, settings: PageSettings, listed: Collection[str],
                   reuse: bool = False) -> Generated:
    """Every generated file, written as it is made (only when its bytes changed): the Markdown
    pages into the docs_dir and the entity twins into `twins_dir`, by `settings.jobs` processes.

    With `reuse` (an incremental build), nothing is generated when nothing they are made
    from changed since the last time: the graph, the templates, the settings, paperkg.
    `listed` is every file in the docs_dir, as MkDocs found them, so that none is looked up;
    the twins directory is paperkg's own, and what the last build made there is there still."""
    iris = iris_for(config)
    docs_dir, jobs = Path(config.docs_dir), settings.jobs
    stamp = Path(config.config_file_path).parent / ".paperkg" / "pages-stamp"
    twins_root = twins_dir(stamp.parent.parent)
    fingerprint = pages_fingerprint(config, settings)
    records = stamp.parent / search.RECORDS
    html_dir = bodies.bodies_dir(stamp.parent.parent)
    with_bodies = bodies.usable(config, settings.templates_dir)
    there = listed.__contains__
    kept = None
    if reuse and (records.is_file() or not settings.search):
        kept = _kept_pages(stamp, fingerprint, docs_dir, twins_root, there)
    if kept is not None:
        epoch, pages_kept, twins_kept = kept
        if _USERS_EPOCH is None:
            os.environ["SOURCE_DATE_EPOCH"] = epoch
        log.info("pages    graph, templates and settings unchanged: the %d generated files stand",
                 len(pages_kept) + twins_kept)
        indexer = _start_search(stamp.parent, Path(config.site_dir), settings) if settings.search else None
        return Generated(WriteReport([], len(pages_kept), []), frozenset(pages_kept), {},
                         WriteReport([], twins_kept, []), twins_root, indexer, html_dir if with_bodies else None)
    stamp.unlink(missing_ok=True)
    with tempfile.TemporaryFile() as dump, collection_paused():
        with stage("graph"):
            store = load_graph(settings.graph_dir, iris)
            epoch = pin_build_date(store)
            triples = len(store)
            dump_ntriples(store, dump)  # kept on disk until the store is gone
        with stage("views"):
            site = build_views(store, iris, Queries(settings.graph_dir))
        # The rest is made from the views and the triples: the store's memory goes back first.
        del store
        parallel.release_freed_memory()
        with stage("triples"):
            maker = twins.Twins(sorted_lines(dump), iris)  # grouped per document; the N-Triples dump too
    renderer = Renderer(settings.templates_dir, settings.page_size, config.site_name)
    pages = renderer.jobs(site, home=settings.home)
    entities = head.entity_pages(site)
    terms, vocabulary = vocab.vocabulary(iris)
    one_off: dict[str, str | bytes] = {
        vocab.TURTLE: vocabulary, vocab.PAGE: renderer.render_vocabulary(terms, str(iris.ax)),
    }
    if settings.sparql:
        with stage("sparql"):
            one_off.update(sparql_page(renderer, site, iris, settings.graph_dir))
    indexer = None
    if settings.search:  # the page, and its index made from the records while the pages are built
        search.write_records(records, search.records(pages, config))
        indexer = search.Indexer(stamp.parent, Path(config.site_dir), settings.search_part, jobs)
        one_off[SEARCH_PAGE] = renderer.render_page("search.md.j2", SEARCH_PAGE, assets=sparql.ASSETS,
                                                    parts=[search.part_path(n) for n in range(1, indexer.part_count)])
        one_off.update(search.asset_files())
        indexer.start()

    try:
        made = MadeFrom(stamp.parent / "made-from", pages_fingerprint(config, settings, graph=False), trusted=reuse)
        writer, twin_writer, body_writer = PageWriter(docs_dir, there), PageWriter(twins_root), PageWriter(html_dir)
        twin_paths = twins.paths(entities)
        writer.claim([page for page, _, _ in pages] + list(one_off) + list(DATASET_FILES))
        twin_writer.claim(twin_paths)
        html = None
        if with_bodies:
            body_writer.claim(bodies.body_path(page) for page, name, _ in pages if name in bodies.BODY_TEMPLATES)
            links = bodies.Links({page for page, _, _ in pages}, config.use_directory_urls)
            html = bodies.BodyWriter(html_dir, links, reuse=made.same_recipe)
        with stage("render"):
            writer.add(*renderer.write(pages, docs_dir, made, workers=jobs, bodies=html, there=there))
        with stage("dataset"):
            segments = stamp.parent / DUMP_SEGMENTS
            writer.write_file(dataset.DUMP_NT, lambda out: dataset.write_ntriples_gz(maker.lines, out, segments))
            writer.write_file(dataset.DUMP_TTL, lambda out: dataset.write_turtle(settings.graph_dir, iris, out))
            writer.write(dataset.VOID, dataset.void(triples, iris, site, config.site_name))
            for path, data in sorted(one_off.items()):
                writer.write(path, data)
        with stage("twins"):
            # .paperkg/twins/ is paperkg's own: what the last build made there is there still
            make_twins = lambda share: write_made(twins_root, maker.made(share), made.before, there=_anything)  # noqa: E731
            shares = parallel.map_shares(make_twins, entities, jobs)
            twin_writer.add(*made.add(shares))
        made.save()
        report, twins_report = writer.finish(), twin_writer.finish()
        # what the entity pages' HTML heads get: those MkDocs builds (in an incremental build,
        # the ones written)
        entity_heads = head.heads(site, iris, only=set(report.written) if reuse else None)
        body_writer.finish()  # the bodies of pages gone (or all, when they are not made) go
    except BaseException:
        if indexer is not None:  # Pagefind must not outlive a failed build
            indexer.cancel()
        raise
    stamp.parent.mkdir(exist_ok=True)
    stamp.write_text(f"{fingerprint} {epoch}\n")
    log.info(
        "pages    %d papers, %d authors, %d topics: %d pages written, %d unchanged, %d removed; "
        "twins %d written, %d unchanged, %d removed",
        len(site.papers), len(site.persons), len(site.topics), len(report.written), report.unchanged,
        len(report.removed), len(twins_report.written), twins_report.unchanged, len(twins_report.removed),
    )
    return Generated(report, frozenset(writer.paths), entity_heads, twins_report, twins_root, indexer,
                     html_dir if with_bodies else None)


def _anything(path: str) -> bool:
    return True


def _start_search(state_dir: Path, site_dir: Path, settings: PageSettings) -> search.Indexer:
    indexer = search.Indexer(state_dir, site_dir, settings.search_part, settings.jobs)
    indexer.start()
    return indexer


_USERS_EPOCH = os.environ.get("SOURCE_DATE_EPOCH")  # as the user started paperkg; it wins
_NEWEST = "SELECT (MAX(?date) AS ?newest) WHERE { ?paper <https://schema.org/dateModified> ?date }"


def pin_build_date(store: Store) -> str:
    """MkDocs dates the site (the sitemap's lastmod, its gzip header) with SOURCE_DATE_EPOCH, or
    else the clock. Unless the user set it, it is the graph's newest date, so the same graph
    always builds the same bytes and a rebuild never makes a spurious commit."""
    if _USERS_EPOCH is not None:
        return _USERS_EPOCH
    newest = next(iter(store.query(_NEWEST)))["newest"]
    epoch = 0
    if newest is not None:
        moment = datetime.fromisoformat(newest.value.replace("Z", "+00:00"))
        epoch = int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp())
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    return str(epoch)


def pages_fingerprint(config: MkDocsConfig, settings: PageSettings, graph: bool = True) -> str:
    """Everything the generated files are made from: every file of the graph directory (unless
    not asked) and of the site's and paperkg's templates and assets, the settings, and paperkg's code."""
    # Paths go in relative to the project or to their root, so that the same project elsewhere
    # (moved, another checkout, a CI workspace) keeps its generated files.
    docs_dir = os.path.relpath(config.docs_dir, Path(config.config_file_path).parent)
    digest = hashlib.sha256()
    digest.update(repr((config.site_url, config.site_name, docs_dir, config.use_directory_urls,
                        bodies.usable(config, settings.templates_dir), settings.page_size, settings.home,
                        settings.sparql, settings.search, settings.search_part, version("pyoxigraph"),
                        version("jinja2"), version("markdown"), version("mkdocs"))).encode())
    roots = [settings.graph_dir] if graph else []
    roots += [settings.templates_dir, Path(__file__).parent,
             *map(bundled, ("templates", "queries", "vocab.ttl", "assets", "oxigraph"))]
    for number, root in enumerate(roots):
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            if "__pycache__" not in path.parts:
                data = path.read_bytes()
                digest.update(f"{number}/{path.relative_to(root).as_posix()}\0{len(data)}\0".encode() + data)
    return digest.hexdigest()


def _kept_pages(
    stamp: Path, fingerprint: str, docs_dir: Path, twins_root: Path, there: Callable[[str], bool]
) -> tuple[str, list[str], int] | None:
    """(build epoch, the pages, how many twins) when the last generated files were made from
    the same sources and the pages are all still `there`."""
    try:
        made_from, epoch = stamp.read_text().split()
        pages, twins_made = manifest_paths(docs_dir), manifest_paths(twins_root)
    except (OSError, ValueError):
        return None
    if made_from != fingerprint:
        return None
    if not all(map(there, pages)):
        return None
    return epoch, pages, len(twins_made)


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
    them after a full build, else those written or removed by this one. Returns how many."""
    report, source = generated.twins, generated.twins_dir
    if everything:
        paths = manifest_paths(source)
    else:
        paths = report.written
        for path in report.removed:
            (site_dir / path).unlink(missing_ok=True)
    for path in paths:
        target = site_dir / path
        target.unlink(missing_ok=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        link_or_copy(source / path, target)
    return len(paths)


def docs_files(files: Files, config: MkDocsConfig) -> set[str]:
    """The paths of the docs_dir's files in MkDocs' file list (the theme's are in it too)."""
    return {uri for uri, file in files.src_uris.items() if file.src_dir == config.docs_dir}


def list_generated(files: Files, generated: Generated, config: MkDocsConfig) -> Files:
    """MkDocs' file list, walked before the pages were generated, made to match the docs_dir:
    with the files this build added, without those it removed, in the order of MkDocs' walk."""
    listed = files.src_uris
    added = [path for path in generated.report.written if path not in listed]
    gone = [listed[path] for path in generated.report.removed if path in listed]
    if not added and not gone:
        return files
    for file in gone:
        files.remove(file)
    new = [File(path, config.docs_dir, config.site_dir, config.use_directory_urls) for path in added]
    docs = sorted([file for file in files if file.src_dir == config.docs_dir] + new, key=file_sort_key)
    return Files(docs + [file for file in files if file.src_dir != config.docs_dir])  # the theme's last, as ever


def refuse_twin_clashes(generated: Generated, files: Files) -> None:
    """Stop the build if a file of the site's own (docs_dir or theme) is where a twin goes: the
    twin would replace it in the built site. Checked against the files MkDocs lists anyway, not
    with a look-up per twin (one per entity, twice)."""
    clashes = sorted(set(manifest_paths(generated.twins_dir)).intersection(files.src_uris))
    if clashes:
        raise BuildError(
            f"{files.src_uris[clashes[0]].abs_src_path} exists and was not generated by paperkg; move it away "
            f"(or override the template that makes it)"
        )


def build_site(project: Project, full: bool = False, jobs: int | None = None) -> None:
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
    stamp = project.root / ".paperkg" / "build-stamp"
    fingerprint = build_fingerprint(project)
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
        remove_outputs(config, generated.report.removed)
    log.info("html     %s build: %d pages changed", "incremental" if dirty else "full", len(generated.report.written))
    stamp.parent.mkdir(exist_ok=True)
    stamp.write_text(fingerprint)


def build_fingerprint(project: Project) -> str:
    """What the HTML depends on besides the Markdown: the MkDocs config, the theme's own
    overrides, and the versions of MkDocs, the theme and paperkg (its code included)."""
    digest = hashlib.sha256()
    config = project.config
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
        output = Path(File(src, config.docs_dir, config.site_dir, config.use_directory_urls).abs_dest_path)
        output.unlink(missing_ok=True)
        for parent in output.parents:
            if parent == site_dir or not parent.is_relative_to(site_dir) or any(parent.iterdir()):
                break
            parent.rmdir()
