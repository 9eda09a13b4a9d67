"""Shared test helpers."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from paperkg.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
# The seed plus three pages of a real search: 45 papers, the seed's Shengkai Lin included.
QUERY_FEEDS = [FIXTURES / "seed" / "seed-feed.xml", *sorted((FIXTURES / "arxiv-api" / "2026").glob("q_testing_*.xml"))]


def new_project(directory: Path, feeds: list[Path]) -> Path:
    """`paperkg new DIRECTORY` and `paperkg ingest` the feeds into it."""
    for args in (["new", str(directory)], ["ingest", "--project", str(directory), *map(str, feeds)]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
    return directory


@pytest.fixture(scope="module")
def query_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site of QUERY_FEEDS, shared by a module's tests (which must not change it)."""
    return new_project(tmp_path_factory.mktemp("site") / "site", QUERY_FEEDS)
