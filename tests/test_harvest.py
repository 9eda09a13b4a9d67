"""Harvesting for real over loopback: paperkg's harvester against a replay server that plays
arXiv's API and OAI-PMH and injects the faults arXiv is known for."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from paperkg.cli import main
from paperkg.config import load_project
from paperkg.graph.store import data_files, load_graph
from paperkg.harvest.api import ApiHarvester, ApiQuery, ApiSettings
from paperkg.harvest.http import PoliteClient, Politeness
from paperkg.harvest.sink import GraphSink
from paperkg.harvest.state import STATE_FILE, HarvestState
from tests.replay_server import Entry, Fault, ReplayServer

DELAY = 0.2
BASE = datetime(2024, 1, 1, tzinfo=UTC)


def entry(n: int, version: int = 1, category: str = "cs.DC") -> Entry:
    submitted = BASE + timedelta(days=3 * n, hours=n)
    updated = submitted + timedelta(days=10) if version > 1 else None
    return Entry(
        arxiv_id=f"24{1 + n // 40:02d}.{n:05d}", version=version, submitted=submitted, updated=updated,
        title=f"Paper {n} on distributed things", authors=(f"Author {n}", "Shared Author"),
        categories=(category, "cs.LG"), abstract=f"Abstract {n}.",
    )


CORPUS = [entry(n, version=1 + n % 3) for n in range(23)] + [entry(99, category="math.CO")]
DC_IDS = {e.arxiv_id for e in CORPUS if e.categories[0] == "cs.DC"}


@pytest.fixture
def server():
    with ReplayServer(CORPUS, oai_page_size=5) as replay:
        yield replay


@pytest.fixture
def project(tmp_path: Path) -> Path:
    result = CliRunner().invoke(main, ["new", str(tmp_path / "site")])
    assert result.exit_code == 0, result.output
    return tmp_path / "site"


def harvest(project: Path, server: ReplayServer, *args: str, timeout: float = 1.0):
    flags = ["--api-url", server.api_url, "--oai-url", server.oai_url, "--delay", str(DELAY),
             "--page-size", "5", "--timeout", str(timeout), "--retries", "3"]
    return CliRunner().invoke(main, ["harvest", "--project", str(project), *flags, *args])


def graph_ids(project: Path) -> set[str]:
    store = load_graph(project / "graph", load_project(project).iris)
    rows = store.query("SELECT ?id WHERE { ?p a <https://schema.org/ScholarlyArticle> ; "
                       "<http://purl.org/dc/terms/identifier> ?id }")
    return {row[0].value.removeprefix("arXiv:") for row in rows}


def graph_versions(project: Path) -> dict[str, int]:
    store = load_graph(project / "graph", load_project(project).iris)
    rows = store.query("SELECT ?id ?v WHERE { ?p <http://purl.org/dc/terms/identifier> ?id ; "
                       "<https://schema.org/version> ?v }")
    return {row[0].value.removeprefix("arXiv:"): int(row[1].value) for row in rows}


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def api_pages(server: ReplayServer) -> list[int]:
    """The `start` of every page request (probes for counts ask for one result)."""
    return [int(r.params["start"]) for r in server.log if r.path.endswith("/query") and r.params.get(
        "max_results") != "1"]


def assert_polite(server: ReplayServer, delay: float = DELAY) -> None:
    log = server.log
    assert server.max_in_flight == 1
    for before, after in zip(log, log[1:], strict=False):
        assert after.start - before.end >= delay - 0.02, (before, after)


def test_full_harvest_fetches_exactly_the_query_politely(project: Path, server: ReplayServer) -> None:
    result = harvest(project, server, "--query", "cat:cs.DC")
    assert result.exit_code == 0, result.output
    assert graph_ids(project) == DC_IDS
    assert graph_versions(project) == {e.arxiv_id: e.version for e in CORPUS if e.arxiv_id in DC_IDS}
    assert "23 new" in result.output
    assert api_pages(server) == [0, 5, 10, 15, 20]
    assert_polite(server)
    state = json.loads((project / "graph" / STATE_FILE).read_text())
    (query,) = state["queries"].values()
    assert query["run"] is None and query["watermark"] == max(e.latest for e in CORPUS if e.arxiv_id in DC_IDS
                                                               ).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_rerunning_a_finished_harvest_changes_nothing(project: Path, server: ReplayServer) -> None:
    assert harvest(project, server, "--query", "cat:cs.DC").exit_code == 0
    before = snapshot(project / "graph")
    server.clear_log()
    result = harvest(project, server, "--query", "cat:cs.DC")
    assert result.exit_code == 0, result.output
    assert snapshot(project / "graph") == before
    assert len(api_pages(server)) == 1  # newest first: the first page already reaches known papers


@pytest.mark.parametrize(
    "fault, options",
    [
        (Fault.STATUS_429, {}),
        (Fault.STATUS_503, {"retry_after": 1}),
        (Fault.RESET, {}),
        (Fault.STALL, {"seconds": 3}),
        (Fault.TRUNCATE, {}),
        (Fault.EMPTY_PAGE, {}),
    ],
    ids=lambda value: getattr(value, "name", ""),
)
def test_transient_faults_are_retried_and_nothing_is_lost(project: Path, server: ReplayServer, fault, options) -> None:
    server.inject(fault, times=2, when=lambda request: request.start == 10, **options)
    result = harvest(project, server, "--query", "cat:cs.DC")
    assert result.exit_code == 0, result.output
    assert graph_ids(project) == DC_IDS
    assert "2 retried" in result.output
    if fault is Fault.STALL:
        # The server logs a stalled request when its handler wakes, after the client gave
        # up on it (read timeout, 1 s) and went on: check arrival times instead.
        deadline = time.monotonic() + 10
        while api_pages(server).count(10) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        arrivals = [r.start for r in server.log if r.params.get("start") == "10"]
        assert all(b - a >= 1.0 for a, b in zip(arrivals, arrivals[1:], strict=False))
    else:
        assert_polite(server)
    assert api_pages(server).count(10) == 3  # two faults, then the page
    if fault is Fault.STATUS_503:  # Retry-After: 1 is honoured
        page_10 = [r for r in server.log if r.params.get("start") == "10"]
        assert page_10[1].start - page_10[0].end >= 1.0 - 0.02


def test_error_feed_fails_clearly_and_keeps_what_was_fetched(project: Path, server: ReplayServer) -> None:
    server.inject(Fault.ERROR_400, times=1, when=lambda request: request.start == 10, message="incorrect request")
    result = harvest(project, server, "--query", "cat:cs.DC")
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("paperkg: error:")]
    assert len(errors) == 1 and "arXiv API error: incorrect request" in errors[0]
    assert api_pages(server).count(10) == 1  # not retried
    assert len(graph_ids(project)) == 10  # the two pages before it are in the graph


def test_giving_up_is_clear_and_a_rerun_resumes(project: Path, server: ReplayServer) -> None:
    server.inject(Fault.STATUS_503, times=4, when=lambda request: request.start == 15)
    result = harvest(project, server, "--query", "cat:cs.DC")
    assert result.exit_code == 1
    assert "gave up after 4 attempts" in result.output and "HTTP 503" in result.output
    assert len(graph_ids(project)) == 15
    server.clear_log()
    result = harvest(project, server, "--query", "cat:cs.DC")
    assert result.exit_code == 0, result.output
    assert graph_ids(project) == DC_IDS
    assert api_pages(server) == [15, 20]  # resumed after the last stored page


def test_update_fetches_only_new_and_updated_papers(project: Path, server: ReplayServer) -> None:
    config = project / "mkdocs.yml"
    config.write_text(config.read_text().replace("page_size: 100", "page_size: 100\n      harvest:\n"
                                                 "        queries:\n          - cat:cs.DC"))
    assert harvest(project, server).exit_code == 0
    assert graph_ids(project) == DC_IDS
    revised = entry(3, version=4)
    revised = Entry(**{**revised.__dict__, "updated": datetime(2026, 1, 5, tzinfo=UTC)})
    new = [entry(n) for n in (40, 41)]
    new = [Entry(**{**e.__dict__, "submitted": datetime(2026, 1, 2 + i, tzinfo=UTC)}) for i, e in enumerate(new)]
    server.entries = [e for e in CORPUS if e.arxiv_id != revised.arxiv_id] + [revised, *new]
    server.clear_log()
    result = harvest(project, server)
    assert result.exit_code == 0, result.output
    assert "2 new, 1 updated" in result.output
    assert graph_ids(project) == DC_IDS | {e.arxiv_id for e in new}
    assert graph_versions(project)[revised.arxiv_id] == 4
    assert len(api_pages(server)) == 1
    assert server.log[0].params["sortBy"] == "lastUpdatedDate"


def test_a_query_over_the_cap_is_split_into_date_windows(tmp_path: Path, server: ReplayServer, project: Path) -> None:
    loaded = load_project(project)
    state = HarvestState.load(loaded.graph_dir)
    sink = GraphSink(loaded.graph_dir, loaded.iris, state)
    client = PoliteClient(Politeness(delay=0.05, timeout=2, retries=1))
    harvester = ApiHarvester(client, ApiSettings(url=server.api_url, page_size=3, cap=7), sink, state)
    harvester.run(ApiQuery("cat:cs.DC", date_from=BASE.date(), date_until=datetime(2024, 12, 31).date()))
    assert graph_ids(project) == DC_IDS
    windows = [r.params["search_query"] for r in server.log if r.params.get("max_results") != "1"]
    assert all("submittedDate:[" in w for w in windows)
    # every window stayed under the cap: no page asked past it
    assert all(int(r.params["start"]) < 7 for r in server.log)


def test_oai_harvest_follows_tokens_to_the_end(project: Path, server: ReplayServer) -> None:
    result = harvest(project, server, "--oai", "--set", "cs:cs:DC")
    assert result.exit_code == 0, result.output
    assert graph_ids(project) == DC_IDS
    pages = [r for r in server.log if r.path.endswith("/oai")]
    assert len(pages) == 5 and "resumptionToken" in pages[-1].params
    assert_polite(server)
    versions = graph_versions(project)
    assert versions == {e.arxiv_id: e.version for e in CORPUS if e.arxiv_id in DC_IDS}


def test_oai_no_records_is_an_empty_result_and_errors_are_clear(project: Path, server: ReplayServer) -> None:
    result = harvest(project, server, "--oai", "--set", "q-fin")
    assert result.exit_code == 0, result.output
    assert "0 new" in result.output
    result = harvest(project, server, "--oai", "--metadata-format", "arXiv", "--set", "cs", "--until", "2023-01-01")
    assert result.exit_code == 0, result.output
    server.inject(Fault.ERROR_400, endpoint="oai", message="bad argument")
    result = harvest(project, server, "--oai", "--set", "cs")
    assert result.exit_code == 1 and "OAI-PMH error" in result.output


def test_kill_and_resume_loses_nothing_and_refetches_no_stored_page(project: Path, server: ReplayServer) -> None:
    command = [str(Path(sys.executable).parent / "paperkg"), "harvest", "--project", str(project),
               "--query", "cat:cs.DC", "--api-url", server.api_url, "--delay", "0.3", "--page-size", "2"]
    stored_before: set[int] = set()
    for kill_after in (1, 2, 3):  # pages this run gets answered before its SIGKILL
        seen = len(api_pages(server))
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while len(api_pages(server)) < seen + kill_after and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        assert all(path.suffix == ".ttl" for path in data_files(project / "graph"))
        load_graph(project / "graph", load_project(project).iris)  # every graph file parses
        state = json.loads((project / "graph" / STATE_FILE).read_text())
        (query,) = state["queries"].values()
        next_start = query["run"]["windows"][0]["next_start"] if query["run"] else 0
        stored = set(range(0, next_start, 2))
        assert not (set(api_pages(server)[seen:]) & stored_before)  # no page stored before asked again
        assert stored >= stored_before  # nothing stored was forgotten
        stored_before = stored
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert graph_ids(project) == DC_IDS
    starts = api_pages(server)
    # every page was fetched, and a page was fetched again only if it was in flight at a kill
    assert set(starts) == set(range(0, 24, 2))
    assert len(starts) - len(set(starts)) <= 3


def test_sort_and_max_shape_a_first_run(project: Path, server: ReplayServer) -> None:
    result = harvest(project, server, "--query", "cat:cs.DC", "--sort", "lastUpdatedDate", "--max", "7")
    assert result.exit_code == 0, result.output
    pages = [r for r in server.log if r.params.get("max_results") != "1"]
    assert [r.params["sortBy"] for r in pages] == ["lastUpdatedDate", "lastUpdatedDate"]
    assert [r.params["max_results"] for r in pages] == ["5", "2"]
    by_update = sorted((e for e in CORPUS if e.arxiv_id in DC_IDS), key=lambda e: (e.latest, e.arxiv_id))
    assert graph_ids(project) == {e.arxiv_id for e in by_update[:7]}
