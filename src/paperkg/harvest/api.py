"""Harvesting the arXiv query API: paging, arXiv's 30,000-result cap, checkpoints, updates.

- A first (full) run pages through the query oldest first (sortBy=submittedDate ascending),
  so pages stay put while new papers arrive at the end, and a stopped run resumes at the
  next page.
- A query with more results than arXiv serves (30,000) is split into submission-date
  windows that each stay under the cap, found by bisection with one-result probes.
- Later runs ("update") page newest first by lastUpdatedDate and stop at the newest
  `updated` time the previous run saw: only new and updated papers are fetched.
- `totalResults` is checked against what arrives: a page that comes back empty (or short)
  in the middle of paging, a known arXiv bug, is asked for again, then reported.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from paperkg.harvest.http import HarvestError, PoliteClient, RetryableAnswer
from paperkg.harvest.sink import GraphSink
from paperkg.harvest.state import HarvestState, QueryState, Run, Window
from paperkg.records import Feed
from paperkg.sources.atom import read_atom

log = logging.getLogger("paperkg.harvest")

ARXIV_CAP = 30_000  # results arXiv serves for one query
MAX_PAGE = 2_000  # results arXiv serves in one request
EARLIEST = datetime(1991, 8, 1, tzinfo=UTC)  # arXiv's first submissions
MINUTE = timedelta(minutes=1)  # the granularity of submittedDate:[...]


@dataclass(frozen=True)
class ApiQuery:
    search_query: str = ""
    id_list: str = ""
    date_from: date | None = None  # on submission date (v1)
    date_until: date | None = None
    limit: int | None = None  # stop after this many results (--max)
    sort: str = "submittedDate"  # a first run's order, oldest first (stable while paging)

    @property
    def key(self) -> str:
        """Names the query in the harvest state."""
        parts = [f"search_query={self.search_query}"] if self.search_query else []
        parts += [f"id_list={self.id_list}"] if self.id_list else []
        parts += [f"from={self.date_from}"] if self.date_from else []
        parts += [f"until={self.date_until}"] if self.date_until else []
        parts += [f"sort={self.sort}"] if self.sort != "submittedDate" else []
        return "api:" + "&".join(parts)

    def bounds(self) -> tuple[datetime, datetime]:
        lo = datetime.combine(self.date_from, datetime.min.time(), UTC) if self.date_from else EARLIEST
        hi = (
            datetime.combine(self.date_until, datetime.max.time(), UTC).replace(second=0, microsecond=0)
            if self.date_until
            else datetime.now(UTC).replace(second=0, microsecond=0)
        )
        return lo, hi


def dated(search_query: str, lo: datetime, hi: datetime) -> str:
    return f"({search_query}) AND submittedDate:[{lo:%Y%m%d%H%M} TO {hi:%Y%m%d%H%M}]"


@dataclass(frozen=True)
class ApiSettings:
    url: str = "https://export.arxiv.org/api/query"
    page_size: int = MAX_PAGE
    cap: int = ARXIV_CAP


class ApiHarvester:
    def __init__(self, client: PoliteClient, settings: ApiSettings, sink: GraphSink, state: HarvestState):
        self.client, self.settings, self.sink, self.state = client, settings, sink, state
        self.warnings: list[str] = []

    def run(self, query: ApiQuery) -> None:
        if not (query.search_query or query.id_list):
            raise HarvestError("an API harvest needs a search query or an id list")
        progress = self.state.query(query.key)
        if progress.run is None:
            mode = "update" if progress.watermark and not query.id_list else "full"
            progress.run = Run(mode)
        else:
            log.info("resuming %s after %d results", query.key, progress.run.received)
        run = progress.run
        if not run.windows:
            run.windows = self._plan(query, run.mode)
            self.state.save()
        started, received_before = time.monotonic(), run.received
        for window in run.windows:
            while not window.done:
                self._page(query, progress, run, window)
                self._report(run, started, received_before)
        if run.newest and (progress.watermark is None or run.newest > progress.watermark):
            progress.watermark = run.newest
        progress.run = None
        self.state.save()

    # --- planning ---------------------------------------------------------------------

    def _plan(self, query: ApiQuery, mode: str) -> list[Window]:
        if query.id_list:
            return [Window("")]
        if mode == "update":
            return [Window(self._query_text(query))]
        lo, hi = query.bounds()
        text = self._query_text(query)
        total = self._count(text)
        if total <= self.settings.cap:
            return [Window(text, total)]
        windows = self._split(query.search_query, lo, hi)
        log.info(
            "%s has %d results, more than arXiv serves for one query (%d): split into %d submission-date windows",
            query.search_query, total, self.settings.cap, len(windows),
        )
        return windows

    def _query_text(self, query: ApiQuery) -> str:
        if query.date_from or query.date_until:
            return dated(query.search_query, *query.bounds())
        return query.search_query

    def _split(self, search_query: str, lo: datetime, hi: datetime) -> list[Window]:
        text = dated(search_query, lo, hi)
        total = self._count(text)
        if total <= self.settings.cap:
            return [Window(text, total)] if total else []
        if hi - lo < 2 * MINUTE:
            raise HarvestError(f"{text}: {total} results within one minute; arXiv serves at most {self.settings.cap}")
        middle = lo + (hi - lo) / 2
        middle = middle.replace(second=0, microsecond=0)
        return self._split(search_query, lo, middle) + self._split(search_query, middle + MINUTE, hi)

    def _count(self, text: str) -> int:
        feed = self.client.get(self.settings.url, {"search_query": text, "start": "0", "max_results": "1"}, read_atom)
        return feed.info.total_results or 0

    # --- paging -----------------------------------------------------------------------

    def _page(self, query: ApiQuery, progress: QueryState, run: Run, window: Window) -> None:
        start = window.next_start
        size = min(self.settings.page_size, self.settings.cap - start)
        if query.limit is not None:
            size = min(size, query.limit - run.received)
        if size <= 0:
            window.done = True
            self.state.save()
            return
        params = {"start": str(start), "max_results": str(size)}
        if query.id_list:
            params["id_list"] = query.id_list
        else:
            params["search_query"] = window.search_query
            descending = run.mode == "update"
            params["sortBy"] = "lastUpdatedDate" if descending else query.sort
            params["sortOrder"] = "descending" if descending else "ascending"
        feed = self.client.get(self.settings.url, params, self._checked(start, size))

        papers = list(feed.papers)
        if run.mode == "update" and progress.watermark:
            fresh = [p for p in papers if p.updated is None or _iso(p.updated) >= progress.watermark]
            reached_known = len(fresh) < len(papers)
            papers = fresh
        else:
            reached_known = False
        window.total = feed.info.total_results
        window.next_start = start + len(feed.papers)
        run.received += len(papers)
        newest = max((_iso(p.updated) for p in papers if p.updated), default=None)
        if newest and (run.newest is None or newest > run.newest):
            run.newest = newest
        available = min(window.total or 0, self.settings.cap)
        window.done = (
            reached_known
            or not feed.papers
            or window.next_start >= available
            or (query.limit is not None and run.received >= query.limit)
        )
        self.sink.commit(papers)

    def _checked(self, start: int, size: int):
        """A parser for one page that refuses an empty or short page in the middle of paging
        (asked for again by the client); on the last attempt a short page is accepted and
        reported, an empty one stops the harvest."""
        attempts = 0

        def parse(body: bytes, request: str) -> Feed:
            nonlocal attempts
            attempts += 1
            feed = read_atom(body, request)
            total = feed.info.total_results or 0
            expected = min(size, max(0, min(total, self.settings.cap) - start))
            if len(feed.papers) >= expected:
                return feed
            last = attempts > self.client.politeness.retries
            if not feed.papers and start == 0:
                self.warnings.append(f"{request}: the feed reports {total} result(s) but holds none")
                return feed
            if feed.papers and last:
                self.warnings.append(f"{request}: {len(feed.papers)} results where {expected} were expected")
                return feed
            raise RetryableAnswer(request, f"{len(feed.papers)} results where {expected} were expected")

        return parse

    def _report(self, run: Run, started: float, received_before: int) -> None:
        elapsed = max(time.monotonic() - started, 1e-9)
        rate = (run.received - received_before) / elapsed
        total = sum(w.total or 0 for w in run.windows)
        remaining = max(0, total - run.received)
        eta = ""
        if rate > 0 and remaining and run.mode == "full":
            seconds = remaining / rate
            eta = f", ETA {seconds / 60:.0f} min" if seconds >= 90 else f", ETA {seconds:.0f} s"
        pages = sum(-(-w.next_start // self.settings.page_size) for w in run.windows)
        log.info(
            "page %d: %d of %d results (%.1f/s this session)%s; %d requests, %d retried",
            pages, run.received, total, rate, eta, self.client.stats.requests, self.client.stats.retries,
        )


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
