"""The MkDocs plugin: paperkg's settings live in mkdocs.yml under `plugins: - paperkg:`.

Before each build it renders the graph into Markdown under docs_dir (only changed pages are
rewritten), so `mkdocs build` and `mkdocs serve` work on a paperkg site as they do anywhere.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable
from pathlib import Path

from mkdocs.config import base, load_config
from mkdocs.config import config_options as c
from mkdocs.config.base import ValidationError
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.files import InclusionLevel

from paperkg import pending
from paperkg.build import (
    SEARCH_PAGE,
    PageSettings,
    build_fingerprint,
    build_stamp,
    generate_pages,
    put_dumps,
    put_twins,
    stage,
)
from paperkg.errors import BuildError, PaperkgError
from paperkg.parallel import Background
from paperkg.partials import share_navigation
from paperkg.pending import NOTHING_PENDING
from paperkg.render.bodies import body_path, use_body
from paperkg.render.dataset import VOID
from paperkg.render.sparql import PAGE as SPARQL_PAGE
from paperkg.render.write import link_into
from paperkg.sitefiles import docs_files, list_generated, refuse_twin_clashes

log = logging.getLogger("paperkg")
serve_log = get_plugin_logger("paperkg")  # shown by `mkdocs serve`, which shows only MkDocs' loggers


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


def nav_pages(nav: list) -> Iterable[str]:
    """The docs_dir paths mkdocs.yml's nav names."""
    for entry in nav:
        target = next(iter(entry.values())) if isinstance(entry, dict) else entry
        if isinstance(target, list):
            yield from nav_pages(target)
        elif isinstance(target, str):
            yield target.lstrip("/")


class LinksToTakenPages(logging.Filter):
    """Drops MkDocs' note that a page links to one left out of the build, for the pages whose
    HTML `mkdocs serve` takes from the project's built site: they are in the served site."""

    NOTE = re.compile(r"Doc file '.+' contains a link to '(.+)' which is excluded from the built site\.")

    def __init__(self, taken: set[str]) -> None:
        super().__init__()
        self.taken = taken

    def filter(self, record: logging.LogRecord) -> bool:
        note = self.NOTE.fullmatch(record.getMessage())
        return note is None or note[1] not in self.taken  # MkDocs names the target by its docs_dir path


class PaperkgPlugin(BasePlugin[PaperkgConfig]):
    jobs: int | None = None  # processes that render and build the pages (`paperkg build --jobs`); default: cores
    serving = False  # under `mkdocs serve`
    incremental = False  # set by paperkg build: MkDocs builds only the pages whose Markdown changed

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.serving = command == "serve"
        if self.serving:
            self.taken: set[str] = set()  # the pages taken from the project's built site
            logging.getLogger("mkdocs.structure.pages").addFilter(LinksToTakenPages(self.taken))

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        self.root = Path(config.config_file_path).parent
        if self.serving:
            configured = load_config(config.config_file_path)
            self.project_site = Path(configured.site_dir)  # `mkdocs serve` builds into a temporary one
            # `mkdocs serve` swaps site_url for the local address; the entity IRIs, twins and
            # dumps must stay those of the configured site_url.
            config.site_url = configured.site_url
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
        state_dir, stamp = self.root / ".paperkg", build_stamp(self.root)
        # paperkg build removed the stamp already; any other build is for another site, or
        # (`mkdocs build`) builds the project's without telling paperkg build which pages changed
        standing = stamp.read_text() if stamp.is_file() else None
        # Under `mkdocs serve`, the pages that did not change since the project's site_dir was
        # built whole, by the same config and code, are taken from it instead of built again.
        from_site = (self.serving and standing == build_fingerprint(config) and config.nav is not None
                     and self.project_site.is_dir())
        reuse = self.incremental or from_site
        stamp.unlink(missing_ok=True)  # put back once what this build writes is listed as pending
        try:
            self.generated = generate_pages(config, self.settings(), docs_files(files, config), reuse=reuse,
                                            waiting=pending.read(state_dir) if reuse else NOTHING_PENDING)
            self.heads = self.generated.heads
            files = list_generated(files, self.generated, config)
            refuse_twin_clashes(self.generated, files)
        except PaperkgError as error:
            raise PluginError(str(error)) from None
        generated, site_dir, everything = self.generated, Path(config.site_dir), not self.incremental
        if standing is not None:
            report, twins = generated.report, generated.twins
            pending.add(state_dir, report.written + report.removed, twins.written + twins.removed)
            stamp.write_text(standing)
        taken = self.take_from_site(files, config) if from_site else []
        # The site_dir is cleaned by now: the twins go into it while MkDocs reads the pages, in
        # a child process (this part of MkDocs' build uses one core), not after the build.
        put_dumps(Path(config.docs_dir), site_dir)

        def link() -> int:
            for path in taken:
                try:
                    link_into(self.project_site / path, site_dir / path)
                except FileNotFoundError:  # paperkg build would keep it gone too: it trusts the site_dir
                    raise BuildError(f"{self.project_site / path} is gone from the built site; "
                                     f"`paperkg build --full` makes it again") from None
            return put_twins(generated, site_dir, everything)

        self.linking = Background(link)
        return files

    def take_from_site(self, files, config: MkDocsConfig) -> list[str]:
        """Leave out of this build the generated pages that stand as the project's built site
        has them (not changed since, nor named in the nav, whose pages MkDocs reads for every
        page's navigation), and return their HTML's paths there. Only `mkdocs serve` does this:
        it would otherwise build every page into a new temporary site."""
        generated, in_nav = self.generated, set(nav_pages(config.nav))
        self.taken.clear()
        taken = []
        for file in files.documentation_pages():
            path = file.src_uri
            if path not in generated.pages or path in in_nav or path in generated.to_build:
                # built by MkDocs: not over a link to the project's site (`mkdocs serve --dirty` keeps the site_dir)
                Path(file.abs_dest_path).unlink(missing_ok=True)
            else:
                file.inclusion = InclusionLevel.EXCLUDED
                self.taken.add(path)
                taken.append(file.dest_uri)
        serve_log.info("%d pages that did not change taken from %s, built by paperkg build",
                       len(taken), self.project_site)
        return taken

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
            try:
                count = self.linking.result()
            except PaperkgError as error:
                raise PluginError(str(error)) from None
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
        if not self.serving and hasattr(self, "root"):
            # `mkdocs build` may have half made the project's site_dir: the next paperkg build is a full one
            build_stamp(self.root).unlink(missing_ok=True)
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
