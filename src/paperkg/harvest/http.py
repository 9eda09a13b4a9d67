"""One polite HTTP client for arXiv's services.

arXiv's terms: no more than one request every three seconds, one connection at a time.
The client enforces that across everything it fetches (API and OAI-PMH alike), sets
connect and read timeouts on every request, and retries what arXiv documents as
transient: 429/503 (honouring Retry-After), other 5xx, dropped connections, timeouts,
and answers that do not parse (truncated bodies, empty pages in the middle of paging).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TypeVar

import requests

from paperkg import __version__
from paperkg.errors import AnswerError, PaperkgError, SourceError

T = TypeVar("T")
RETRY_STATUSES = {429, 500, 502, 503, 504}
USER_AGENT = f"paperkg/{__version__} (static knowledge-graph site generator)"


class HarvestError(PaperkgError):
    """A request failed for good (after its retries, or at once for a client error)."""


class RetryableAnswer(SourceError):
    """An answer that parsed but cannot be right (an empty page in the middle of paging):
    ask again."""


@dataclass(frozen=True)
class Politeness:
    delay: float = 3.0  # seconds between the end of one request and the start of the next
    timeout: float = 30.0  # connect and read timeout, seconds
    retries: int = 5  # attempts after the first
    max_backoff: float = 300.0

    @property
    def backoff(self) -> float:
        """The first retry waits twice the delay (then doubles), unless Retry-After says."""
        return 2 * max(self.delay, 0.1)


@dataclass
class Stats:
    requests: int = 0
    retries: int = 0
    bytes: int = 0


class PoliteClient:
    def __init__(
        self,
        politeness: Politeness,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.politeness = politeness
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.sleep, self.clock = sleep, clock
        self.stats = Stats()
        self._lock = threading.Lock()  # one request at a time, whoever asks
        self._next_allowed = 0.0

    def get(self, url: str, params: Mapping[str, str], parse: Callable[[bytes, str], T]) -> T:
        """Fetch and parse one answer, retrying transient failures. `parse(body, request)`
        raises SourceError for an answer that does not parse (retried), and AnswerError for
        the service's own error answer (never retried: asking again gets the same answer)."""
        request = requests.Request("GET", url, params=params).prepare().url or url
        failure = ""
        for attempt in range(self.politeness.retries + 1):
            try:
                return self._attempt(request, parse)
            except _Retry as retry:
                failure = retry.reason
                backoff = min(self.politeness.backoff * 2**attempt, self.politeness.max_backoff)
                backoff *= random.uniform(1.0, 1.25)  # jitter: clients that failed together retry apart
                wait = retry.wait if retry.wait is not None else backoff
                self._next_allowed = max(self._next_allowed, self.clock() + wait)
                self.stats.retries += 1
        raise HarvestError(f"{request}: gave up after {self.politeness.retries + 1} attempts; last: {failure}")

    def _attempt(self, request: str, parse: Callable[[bytes, str], T]) -> T:
        with self._lock:
            self._wait_turn()
            self.stats.requests += 1
            try:
                timeout = (self.politeness.timeout, self.politeness.timeout)
                response = self.session.get(request, timeout=timeout)
                body = response.content
            except requests.RequestException as error:  # refused, reset, timed out
                raise _Retry(f"{type(error).__name__}: {error}") from None
            finally:
                self._next_allowed = self.clock() + self.politeness.delay
        self.stats.bytes += len(body)
        if response.status_code in RETRY_STATUSES:
            raise _Retry(f"HTTP {response.status_code}", _retry_after(response))
        if response.status_code != 200:
            try:
                parse(body, request)  # arXiv's 400 answer is an Error feed that says why
            except AnswerError:
                raise
            except SourceError:
                pass
            raise HarvestError(f"{request}: HTTP {response.status_code}")
        try:
            return parse(body, request)
        except AnswerError:
            raise
        except SourceError as error:  # truncated, malformed, or an impossible empty page
            raise _Retry(str(error)) from None

    def _wait_turn(self) -> None:
        pause = self._next_allowed - self.clock()
        if pause > 0:
            self.sleep(pause)


class _Retry(Exception):
    def __init__(self, reason: str, wait: float | None = None):
        self.reason, self.wait = reason, wait


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None
