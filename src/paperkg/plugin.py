"""The MkDocs plugin: paperkg's settings live in mkdocs.yml under `plugins: - paperkg:`.

Before each build it renders the graph into Markdown under docs_dir (only changed pages are
rewritten), so `mkdocs build` and `mkdocs serve` work on a paperkg site as they do anywhere.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from mkdocs.config import base, load_config
from mkdocs.config import config_options as c
from mkdocs.config.base import ValidationError
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin

from paperkg.build import SEARCH_PAGE, PageSettings, generate_pages, put_dumps, put_twins, stage
from paperkg.errors import PaperkgError
from paperkg.parallel import Background
from paperkg.partials import share_navigation
from paperkg.render.bodies import body_path, use_body
from paperkg.render.dataset import VOID
from paperkg.render.sparql import PAGE as SPARQL_PAGE
from paperkg.sitefiles import docs_files, list_generated, refuse_twin_clashes

log = logging.getLogger("paperkg")


class PositiveInt(c.Type):
    def __init__(self, default: int, maximum: int | None = None):
        super().__init__(int, default=default)
        self.maximum = maximum

    def run_validation(self, value: object) -> int:
        number = super().run_validation(value)
        if number < 1:
            raise ValidationError("must be at least 1")
        if self.maximum is not None and number > self.maximum:
            raise ValidationError(f"must be at most {self.maximum}")
        return number


class HarvestConfig(base.Config):
    api_url = c.Type(str, default="https://export.arxiv.org/api/query")
    """arXiv's query API, or a mirror or replay server with the same interface."""
    oai_url = c.Type(str, default="https://oaipmh.arxiv.org/oai")
    """arXiv's OAI-PMH endpoint."""
    delay = c.Type((int, float), default=3.0)
    """Seconds between one request's end and the next one's start (arXiv asks for 3)."""
    page_size = PositiveInt(default=2000, maximum=2000)
    """Results per API request (arXiv serves at most 2,000)."""
    timeout = c.Type((int, float), default=30.0)
    """Connect and read timeout of every request, seconds."""
    retries = c.Type(int, default=5)
    """Attempts after the first for a request that fails transiently."""
    queries = c.ListOfItems(c.Type(str), default=[])
    """arXiv search queries that `paperkg harvest` (with no query) keeps up to date."""


class PaperkgConfig(base.Config):
    graph_dir = c.Type(str, default="graph")
    """Directory of the graph's Turtle files and named queries, relative to mkdocs.yml."""
    templates_dir = c.Type(str, default="templates")
    """Site templates overriding paperkg's defaults by file name, relative to mkdocs.yml."""
    page_size = PositiveInt(default=100)
    """Entries per page of the paginated indexes: a topic's or a month's papers (the first page up to
    twice as many), authors A-Z (as many on average; render.pages.named_chunks)."""
    home = c.Type(bool, default=True)
    """Generate the home page (docs_dir/index.md) from the home.md.j2 template."""
    sparql = c.Type(bool, default=True)
    """Generate the SPARQL page (sparql/index.md), which queries the graph in the browser."""
    search = c.Type(bool, default=True)
    """Generate the search page (search/index.md) and the site's search index."""
    search_part = c.Deprecated(message="The search index no longer comes in parts: leave it out.", removed=True)
    harvest = c.SubConfig(HarvestConfig)
    """Where and how politely to harvest, and the queries to keep up to date."""


def without_pages(nav: list, pages: set[str]) -> list:
    """The nav (mkdocs.yml's list of titled or untitled entries and sections) without the
    entries that point at `pages`; a section left empty goes too."""
    kept = []
    for entry in nav:
        title, target = next(iter(entry.items())) if isinstance(entry, dict) else (None, entry)
        if isinstance(target, list):
            target = without_pages(target, pages)
            if not target:
                continue
        elif isinstance(target, str) and target.lstrip("/") in pages:
            log.info("nav      %s left out: its page is turned off in the paperkg plugin's settings", target)
            continue
        kept.append(target if title is None else {title: target})
    return kept


class PaperkgPlugin(BasePlugin[PaperkgConfig]):
    jobs: int | None = None  # processes that render and build the pages (`paperkg build --jobs`); default: cores
    serving = False  # under `mkdocs serve`
    incremental = False  # set by paperkg build: MkDocs builds only the pages whose Markdown changed

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.serving = command == "serve"

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        self.root = Path(config.config_file_path).parent
        if self.serving:
            # `mkdocs serve` swaps site_url for the local address; the entity IRIs, twins and
            # dumps must stay those of the configured site_url.
            config.site_url = load_config(config.config_file_path).site_url
        # A page turned off is not made: its nav entry (the scaffold has one) would fail the
        # strict build, so it goes with the page.
        off = {path for path, on in ((SEARCH_PAGE, self.config.search), (SPARQL_PAGE, self.config.sparql)) if not on}
        if off and config.nav is not None:
            config.nav = without_pages(config.nav, off)
        return None

    def settings(self) -> PageSettings:
        return PageSettings(
            graph_dir=self.root / self.config.graph_dir,
            templates_dir=self.root / self.config.templates_dir,
            page_size=self.config.page_size,
            home=self.config.home,
            sparql=self.config.sparql,
            search=self.config.search,
            jobs=self.jobs or os.cpu_count() or 1,
        )

    def on_pre_build(self, config: MkDocsConfig) -> None:
        self.linking = None

    def on_files(self, files, config: MkDocsConfig):
        # The pages are generated once MkDocs has walked the docs_dir: its list says which of
        # them are there, without a look-up per page, and gets the ones added.
        try:
            self.generated = generate_pages(config, self.settings(), docs_files(files, config),
                                            reuse=self.incremental)
            self.heads = self.generated.heads
            files = list_generated(files, self.generated, config)
            refuse_twin_clashes(self.generated, files)
        except PaperkgError as error:
            raise PluginError(str(error)) from None
        # The site_dir is cleaned by now: the twins go into it while MkDocs reads the pages, in
        # a child process (this part of MkDocs' build uses one core), not after the build.
        generated, site_dir, everything = self.generated, Path(config.site_dir), not self.incremental
        put_dumps(Path(config.docs_dir), site_dir)
        self.linking = Background(lambda: put_twins(generated, site_dir, everything))
        return files

    def on_nav(self, nav, config: MkDocsConfig, files):
        self.nav = nav
        return nav

    def on_env(self, env, config: MkDocsConfig, files):
        share_navigation(env, self.nav, config)
        return env

    def on_pre_page(self, page, config: MkDocsConfig, files):
        html_dir = self.generated.bodies_dir
        if html_dir is not None:  # entity pages have a body; other pages convert as ever
            use_body(page, html_dir / body_path(page.file.src_uri))
        return page

    def on_post_page(self, output: str, page, config: MkDocsConfig) -> str | None:
        snippet = getattr(self, "heads", {}).get(page.file.src_uri)
        if snippet is None:
            return None
        return output.replace("</head>", snippet + "\n</head>", 1)

    def on_post_build(self, config: MkDocsConfig) -> None:
        # The VoID convention's well-known address; MkDocs leaves dot-directories of the
        # docs_dir out, so the copy is made in the built site.
        well_known = Path(config.site_dir) / ".well-known"
        well_known.mkdir(parents=True, exist_ok=True)
        (well_known / "void").write_bytes((Path(config.docs_dir) / VOID).read_bytes())
        with stage("link"):  # waiting for the twins, put into the site alongside the build
            count = self.linking.result()
        log.info("link     %d twins put into the site", count)
        if self.generated.saving is not None:
            with stage("state"):  # waiting for what the next build starts from, kept alongside the build
                self.generated.saving.result()
        indexer = self.generated.search
        if indexer is None:
            return
        try:
            with stage("search"):  # waiting for the index, made alongside the build
                seconds = indexer.finish()
                installed = indexer.install()
        except PaperkgError as error:
            raise PluginError(str(error)) from None
        if seconds is not None:
            log.info("search   %d pages indexed in %.1f s alongside the build, %d of the index's files written",
                     indexer.count, seconds, indexer.written)
        elif not installed:
            log.info("search   the searchable pages did not change: the index stands")

    def on_build_error(self, error: Exception) -> None:
        generated = getattr(self, "generated", None)
        children = [getattr(self, "linking", None), None if generated is None else generated.saving]
        for child in filter(None, children):  # no child outlives a failed build
            try:
                child.result()
            except Exception:  # the build's own error is the one reported
                pass
        if generated is not None and generated.search is not None:
            generated.search.cancel()

    def on_serve(self, server, config: MkDocsConfig, builder):
        settings = self.settings()
        for directory in (settings.graph_dir, settings.templates_dir):
            if directory.is_dir():
                server.watch(str(directory))
        return server
