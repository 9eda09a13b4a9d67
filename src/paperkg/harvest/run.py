"""A harvest from start to end: settings from mkdocs.yml (overridden by flags), one polite
client for every request, the graph and checkpoint written page by page, a summary."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from paperkg.config import Project
from paperkg.errors import ConfigError
from paperkg.graph.merge import MergeReport
from paperkg.harvest.api import ApiHarvester, ApiQuery, ApiSettings
from paperkg.harvest.http import PoliteClient, Politeness, Stats
from paperkg.harvest.oai import OaiHarvester, OaiQuery
from paperkg.harvest.sink import GraphSink
from paperkg.harvest.state import HarvestState

ARXIV_MIN_DELAY = 3.0  # arXiv's terms of use


@dataclass(frozen=True)
class HarvestSettings:
    api: ApiSettings
    oai_url: str
    politeness: Politeness
    queries: tuple[str, ...] = ()

    @classmethod
    def from_project(cls, project: Project, **flags: object) -> HarvestSettings:
        """mkdocs.yml's `harvest:` settings; flags given on the command line win."""
        config = project.plugin_config.harvest
        value = lambda name: flags[name] if flags.get(name) is not None else config[name]  # noqa: E731
        settings = cls(
            api=ApiSettings(url=str(value("api_url")), page_size=int(value("page_size"))),
            oai_url=str(value("oai_url")),
            politeness=Politeness(
                delay=float(value("delay")), timeout=float(value("timeout")), retries=int(value("retries"))
            ),
            queries=tuple(config["queries"]),
        )
        if not 1 <= settings.api.page_size <= 2000:
            raise ConfigError(f"page size {settings.api.page_size}: arXiv serves 1 to 2,000 results per request")
        return settings

    def require_polite(self, url: str) -> None:
        """Shorter delays are for mirrors and local replay servers, never for arXiv."""
        host = urlsplit(url).hostname or ""
        if (host == "arxiv.org" or host.endswith(".arxiv.org")) and self.politeness.delay < ARXIV_MIN_DELAY:
            raise ConfigError(f"a delay of {self.politeness.delay} s is below the 3 s arXiv asks for ({url})")


@dataclass
class HarvestResult:
    report: MergeReport
    stats: Stats
    warnings: list[str] = field(default_factory=list)


def _session(project: Project, settings: HarvestSettings) -> tuple[PoliteClient, GraphSink, HarvestState]:
    """One polite client, and the graph with its checkpoint, for one harvest."""
    state = HarvestState.load(project.graph_dir)
    return PoliteClient(settings.politeness), GraphSink(project.graph_dir, project.iris, state), state


def harvest_api(project: Project, settings: HarvestSettings, queries: Sequence[ApiQuery]) -> HarvestResult:
    if not queries:
        raise ConfigError(
            "nothing to harvest: give --query or --id-list, or list queries under the paperkg plugin's "
            "`harvest: queries:` in mkdocs.yml"
        )
    settings.require_polite(settings.api.url)
    client, sink, state = _session(project, settings)
    harvester = ApiHarvester(client, settings.api, sink, state)
    for query in queries:
        harvester.run(query)
    return HarvestResult(sink.report, client.stats, harvester.warnings)


def harvest_oai(project: Project, settings: HarvestSettings, query: OaiQuery) -> HarvestResult:
    settings.require_polite(settings.oai_url)
    client, sink, state = _session(project, settings)
    harvester = OaiHarvester(client, settings.oai_url, sink, state)
    harvester.run(query)
    warnings = [f"{len(harvester.deleted)} records are marked deleted by arXiv (kept in the graph)"]
    return HarvestResult(sink.report, client.stats, warnings if harvester.deleted else [])
