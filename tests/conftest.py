"""Shared test helpers: projects built from real feeds, and the real servers and browser the
tests talk to over loopback (an Oxigraph SPARQL server, a static web server, Chromium)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from paperkg.cli import main

# One loopback static server and one Chromium set-up for tests and benchmarks (`make test`
# installs Debian's chromium; browsers cannot be downloaded here).
sys.path.insert(0, str(Path(__file__).parent.parent / "scripts"))
from benchlib import CHROMIUM, CHROMIUM_ARGS, serve_directory  # noqa: E402,F401

FIXTURES = Path(__file__).parent / "fixtures"
# The seed plus three pages of a real search: 45 papers, the seed's Shengkai Lin included.
QUERY_FEEDS = [FIXTURES / "seed" / "seed-feed.xml", *sorted((FIXTURES / "arxiv-api" / "2026").glob("q_testing_*.xml"))]
HOSTILE = FIXTURES / "atom" / "hostile.xml"  # markup, Markdown and template syntax in every field


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


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site of QUERY_FEEDS and the hostile feed, built into its public/ (read-only for the tests)."""
    directory = new_project(tmp_path_factory.mktemp("built") / "site", [*QUERY_FEEDS, HOSTILE])
    result = CliRunner().invoke(main, ["build", "--project", str(directory)])
    assert result.exit_code == 0, result.output
    return directory


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def chromium():
    """A real headless Chromium, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.is_file(), f"{CHROMIUM} is missing: `make test` installs Debian's chromium package"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Oxigraph SPARQL server (the `oxigraph` package's binary) on loopback."""
    binary = shutil.which("oxigraph", path=str(Path(sys.executable).parent))
    assert binary, "the oxigraph server is a test dependency (pyproject: test extra)"
    port = free_port()
    server = subprocess.Popen([binary, "serve", "--location", str(tmp_path_factory.mktemp("oxigraph")),
                               "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{base}/query?query=ASK%7B%7D", timeout=2).read()
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise
            time.sleep(0.2)
    yield base
    server.terminate()
    server.wait(timeout=30)
