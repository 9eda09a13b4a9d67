"""The site project: found from mkdocs.yml, configured by its `paperkg` plugin section."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort, ConfigurationError

from paperkg.errors import ConfigError
from paperkg.graph.namespaces import Iris

CONFIG_NAME = "mkdocs.yml"


def find_config(start: Path) -> Path:
    """mkdocs.yml in `start` or the nearest parent directory."""
    start = start.resolve()
    for directory in (start, *start.parents):
        candidate = directory / CONFIG_NAME
        if candidate.is_file():
            return candidate
    raise ConfigError(
        f"no {CONFIG_NAME} in {start} or any parent directory (use --project DIR, or `paperkg new DIR`)"
    )


@dataclass(frozen=True)
class Project:
    config_file: Path
    config: MkDocsConfig

    @property
    def root(self) -> Path:
        return self.config_file.parent

    @property
    def plugin_config(self):
        plugin = self.config.plugins.get("paperkg")
        if plugin is None:
            raise ConfigError(
                f"{self.config_file}: the paperkg plugin is not enabled (add `- paperkg` under `plugins:`)"
            )
        return plugin.config

    @property
    def graph_dir(self) -> Path:
        return self.root / self.plugin_config.graph_dir

    @property
    def templates_dir(self) -> Path:
        return self.root / self.plugin_config.templates_dir

    @property
    def docs_dir(self) -> Path:
        return Path(self.config.docs_dir)

    @property
    def site_dir(self) -> Path:
        return Path(self.config.site_dir)

    @property
    def iris(self) -> Iris:
        return iris_for(self.config)


def iris_for(config: MkDocsConfig) -> Iris:
    site_url = config.site_url
    if not site_url:
        raise ConfigError("Config value 'site_url': paperkg needs it as the base of every entity IRI")
    return Iris(site_url if site_url.endswith("/") else site_url + "/")


@contextmanager
def errors_logged_by(name: str) -> Iterator[list[str]]:
    """Collect the ERROR records MkDocs logs under `name` (it logs, then aborts with a
    generic message) so that they become paperkg's own one-line error; lesser records
    still reach the user."""
    logger = logging.getLogger(name)
    errors: list[str] = []
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append  # type: ignore[method-assign]
    propagate, logger.propagate = logger.propagate, False
    logger.addHandler(handler)
    try:
        yield errors
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
        for record in records:
            if record.levelno >= logging.ERROR:
                errors.append(record.getMessage())
            else:
                logger.handle(record)


def load_project(project_dir: Path | None = None, **overrides) -> Project:
    config_file = find_config(project_dir or Path.cwd())
    problems: list[str] = []
    try:
        with errors_logged_by("mkdocs.config") as problems:
            config = load_config(config_file=str(config_file), **overrides)
    except (ConfigurationError, Abort) as error:
        raise ConfigError(f"{config_file}: {'; '.join(problems) or error}") from None
    project = Project(config_file, config)
    # Fail early, with the config's own words, when the plugin or site_url is missing.
    _ = project.plugin_config, project.iris
    return project
