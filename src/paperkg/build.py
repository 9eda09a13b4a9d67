"""The pipeline, one stage after the other: graph -> views -> render -> MkDocs.

`generate_pages` is what the MkDocs plugin runs before every build (so `mkdocs build`,
`mkdocs serve` and `paperkg build` make the same site); `build_site` runs MkDocs itself.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort, MkDocsException

from paperkg.config import Project, errors_logged_by, iris_for
from paperkg.errors import BuildError
from paperkg.graph.store import load_graph
from paperkg.query import list_queries
from paperkg.render import dataset, head, sparql, twins, vocab
from paperkg.render.pages import Renderer, WriteReport, write_pages
from paperkg.views import Queries, build_views

log = logging.getLogger("paperkg")


@contextmanager
def stage(name: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    log.info("%-8s %.2f s", name, time.perf_counter() - started)


@dataclass(frozen=True)
class PageSettings:
    graph_dir: Path
    templates_dir: Path
    page_size: int
    home: bool
    sparql: bool = True


@dataclass(frozen=True)
class Generated:
    report: WriteReport
    heads: dict[str, str]  # page path under docs_dir -> what its HTML head gets


def generate_pages(config: MkDocsConfig, settings: PageSettings) -> Generated:
    iris = iris_for(config)
    with stage("graph"):
        store = load_graph(settings.graph_dir, iris)
    with stage("views"):
        site = build_views(store, iris, Queries(settings.graph_dir))
    with stage("render"):
        renderer = Renderer(settings.templates_dir, settings.page_size, config.site_name)
        pages: dict[str, str | bytes] = dict(renderer.render(site, home=settings.home))
    with stage("dataset"):
        pages[dataset.DUMP_NT] = dataset.ntriples_gz(store)
        pages[dataset.DUMP_TTL] = dataset.turtle(store, iris)
        pages[dataset.VOID] = dataset.void(store, iris, site, config.site_name)
        terms, pages[vocab.TURTLE] = vocab.vocabulary(iris)
        pages[vocab.PAGE] = renderer.render_vocabulary(terms, str(iris.ax))
    if settings.sparql:
        with stage("sparql"):
            pages.update(sparql_page(renderer, site, iris, settings.graph_dir))
    with stage("twins"):
        entity_heads = head.heads(site, iris)
        pages.update(twins.twins(store, iris, sorted(entity_heads)))
    with stage("write"):
        report = write_pages(Path(config.docs_dir), pages)
    log.info(
        "pages    %d papers, %d authors, %d topics: %d pages written, %d unchanged, %d removed",
        len(site.papers), len(site.persons), len(site.topics),
        len(report.written), report.unchanged, len(report.removed),
    )
    return Generated(report, entity_heads)


def sparql_page(renderer: Renderer, site, iris, graph_dir: Path) -> dict[str, str | bytes]:
    """The in-browser SPARQL page, its examples bound to this site's data, and its scripts."""
    found = sparql.examples(list_queries(graph_dir), sparql.example_values(site))
    page = renderer.render_sparql(
        sparql.PAGE, examples=found, settings_json=sparql.page_settings(iris, found), dump=dataset.DUMP_NT,
        assets=sparql.ASSETS, prefixes=sorted(iris.prefixes()), engine_version=sparql.engine_version(),
    )
    return {sparql.PAGE: page, **sparql.asset_files()}


def build_site(project: Project) -> None:
    """Generate the pages (through the plugin) and build the HTML into the site_dir.

    The project's config must have been loaded with strict=True: MkDocs' link validation
    then turns a broken internal link into a failed build."""
    problems: list[str] = []
    try:
        with stage("mkdocs"), errors_logged_by("mkdocs.commands.build") as problems:
            mkdocs_build(project.config)
    except (Abort, MkDocsException) as error:
        # A plugin's error (ours: a PaperkgError) is logged by MkDocs, then it aborts.
        raise BuildError("; ".join(problems) or f"MkDocs build failed: {error}") from None
