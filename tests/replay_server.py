"""A real HTTP server on 127.0.0.1 that plays arXiv's query API and OAI-PMH for the harvester's tests.

It answers from a list of `Entry` objects, in the byte shape of the recorded answers in
tests/fixtures (current-era Atom, arXiv's OAI-PMH in `arXivRaw` and `arXiv`), can be told to
misbehave the way arXiv does (`inject`), and keeps a log of every request with its timing, so
tests can check retries, back-off and concurrency.

    with ReplayServer(entries, oai_page_size=3) as server:
        server.inject(Fault.STATUS_503, times=2, retry_after=1)
        ...harvest from server.api_url / server.oai_url...
        assert [r.status for r in server.log] == [503, 503, 200]

Standard library only (plus paperkg's taxonomy for OAI set names). GET only, HTTP/1.0: every
answer closes its connection, so there are no idle keep-alive threads to clean up.

Choices where arXiv leaves room (so tests can rely on them):
- `sortBy=relevance` (the default) is id order, or the asked order for an `id_list`, whatever
  `sortOrder`; the date sorts default to `descending` (as arxiv.py does) and break ties by id.
- An empty `search_query` without `id_list` finds nothing (200, totalResults 0).
- OAI-PMH plays `ListRecords` only; other verbs get `badVerb`. Tokens are built as arXiv's
  2025 server builds them (the URL-encoded arguments plus `skip`, URL-encoded once more).
"""

from __future__ import annotations

import base64
import enum
import hashlib
import re
import select
import socket
import socketserver
import struct
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple
from urllib.parse import parse_qs, parse_qsl, quote, unquote, urlencode, urlsplit
from xml.sax.saxutils import escape

from paperkg import taxonomy

API_PATH = "/api/query"
OAI_PATH = "/oai"
API_MAX_RESULTS = 2000  # arXiv: "slices of at most 2000"
API_RESULT_CAP = 30000  # arXiv: nothing is returned past the 30,000th result


# --- public data types ------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One paper as the server knows it: its latest version and the v1 / latest submission times.

    `updated` is the submission time of `version` (the latest); None for a paper never revised.
    Times must be timezone-aware; they are kept in UTC.
    """

    arxiv_id: str
    version: int
    submitted: datetime
    updated: datetime | None
    title: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]  # primary first
    abstract: str
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None

    def __post_init__(self) -> None:
        # Tests build these by hand: fail loudly on inputs the server could only answer wrongly.
        if self.version < 1:
            raise ValueError(f"{self.arxiv_id}: version must be >= 1")
        object.__setattr__(self, "authors", tuple(self.authors))
        object.__setattr__(self, "categories", tuple(self.categories))
        if not self.categories:
            raise ValueError(f"{self.arxiv_id}: needs at least one category (the primary)")
        for name in ("submitted", "updated"):
            value = getattr(self, name)
            if value is not None:
                if value.tzinfo is None:
                    raise ValueError(f"{self.arxiv_id}: {name} must be timezone-aware")
                object.__setattr__(self, name, value.astimezone(UTC))
        if self.updated is not None and self.updated < self.submitted:
            raise ValueError(f"{self.arxiv_id}: updated is before submitted")
        if self.version == 1 and self.updated not in (None, self.submitted):
            raise ValueError(f"{self.arxiv_id}: a v1 paper's updated must be None or equal submitted")

    @property
    def version_dates(self) -> tuple[datetime, ...]:
        """Submission time of v1..vN: v1 = submitted, vN = updated, the ones between evenly spaced.

        arXiv's API only dates v1 and the version it returns, but arXivRaw lists every version;
        spacing them evenly (whole seconds) keeps the answers deterministic. A revised paper
        given without `updated` gets one version a day.
        """
        if self.version == 1:
            return (self.submitted,)
        last = self.updated or self.submitted + timedelta(days=self.version - 1)
        step = (last - self.submitted) / (self.version - 1)
        between = tuple((self.submitted + step * k).replace(microsecond=0) for k in range(1, self.version - 1))
        return (self.submitted, *between, last)

    @property
    def latest(self) -> datetime:
        return self.version_dates[-1]

    @property
    def datestamp(self) -> date:
        """OAI datestamp: the day of the latest version (arXiv's are modification days)."""
        return self.latest.date()


class Fault(enum.Enum):
    STATUS_503 = "503"  # option retry_after: seconds for a Retry-After header
    STATUS_429 = "429"  # option retry_after, as above (none by default)
    RESET = "reset"  # drop the connection without an answer (TCP RST)
    STALL = "stall"  # option seconds (default 1.0): wait, then answer normally
    TRUNCATE = "truncate"  # the normal answer's status and headers, first half of its body
    EMPTY_PAGE = "empty_page"  # a valid page with the same totals but no entries / records
    ERROR_400 = "error_400"  # option message: HTTP 400 with arXiv's error feed (OAI: an <error>)


_FAULT_OPTIONS: dict[Fault, set[str]] = {
    Fault.STATUS_503: {"retry_after"},
    Fault.STATUS_429: {"retry_after"},
    Fault.STALL: {"seconds"},
    Fault.ERROR_400: {"message"},
}


@dataclass(frozen=True)
class ParsedRequest:
    """What an `inject(..., when=...)` predicate sees."""

    path: str
    params: dict[str, str]
    endpoint: str | None  # "api", "oai", or None for any other path
    start: int  # API: the `start` param (0 if absent or bad); OAI: the resumption token's offset
    max_results: int  # API: the `max_results` param (10 if absent or bad); OAI: the page size


@dataclass(frozen=True)
class LoggedRequest:
    path: str
    params: dict[str, str]
    start: float  # time.monotonic() when the request arrived
    end: float  # time.monotonic() as the answer's last byte went out, or the connection dropped
    status: int  # HTTP status sent; 0 if none was: a reset, or the client hung up during a stall
    fault: Fault | None


# --- internal types ---------------------------------------------------------------------


@dataclass
class _PendingFault:
    fault: Fault
    remaining: int
    when: Callable[[ParsedRequest], bool] | None
    endpoint: str
    options: dict[str, Any]


@dataclass(frozen=True)
class _Answer:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


class _Catalog(NamedTuple):
    """The entries in id order plus an index, swapped in as one object so readers never see half."""

    entries: tuple[Entry, ...]
    by_id: dict[str, Entry]


class _Hit(NamedTuple):
    entry: Entry
    version: int  # the version to show: the latest, or the one an id_list asked for

    @property
    def date(self) -> datetime:
        return self.entry.version_dates[self.version - 1]


class _BadRequest(Exception):
    """An API request arXiv would answer with HTTP 400 and its error feed."""


class _OaiError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# --- the server -------------------------------------------------------------------------


class ReplayServer:
    """arXiv's API (`api_url`) and OAI-PMH (`oai_url`) on a free loopback port, serving `entries`.

    Starts serving on construction; `close()` (or leaving the `with` block) stops it.
    """

    def __init__(self, entries: Iterable[Entry] = (), *, oai_page_size: int = 100) -> None:
        if oai_page_size < 1:
            raise ValueError("oai_page_size must be >= 1")
        self.oai_page_size = oai_page_size
        self.entries = entries
        self._lock = threading.Lock()  # guards the faults, the log and the counters
        self._faults: list[_PendingFault] = []
        self._log: list[LoggedRequest] = []
        self._in_flight = 0
        self._max_in_flight = 0
        self._stopping = threading.Event()  # ends stalls when the server closes
        self._closed = False
        self._httpd = _HTTPServer(self)
        # close() waits up to one poll interval; a short one keeps per-test fixtures fast.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, name="replay-server", daemon=True
        )
        self._thread.start()

    # --- lifecycle and addresses ---

    def __enter__(self) -> ReplayServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PATH}"

    @property
    def oai_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{OAI_PATH}"

    # --- what it serves ---

    @property
    def entries(self) -> tuple[Entry, ...]:
        return self._catalog.entries

    @entries.setter
    def entries(self, entries: Iterable[Entry]) -> None:
        ordered = tuple(sorted(entries, key=lambda e: e.arxiv_id))
        by_id = {e.arxiv_id: e for e in ordered}
        if len(by_id) != len(ordered):
            raise ValueError("entries must have distinct arxiv_id values")
        self._catalog = _Catalog(ordered, by_id)

    # --- faults ---

    def inject(
        self,
        fault: Fault,
        times: int = 1,
        when: Callable[[ParsedRequest], bool] | None = None,
        *,
        endpoint: str = "api",
        **options: Any,
    ) -> None:
        """Make the next `times` requests to `endpoint` for which `when` holds answer with `fault`.

        Faults are used in injection order: a request gets the first pending fault that matches.
        `when` runs in a handler thread; if it raises, that request's connection just drops
        (traceback on stderr), so keep predicates trivial.
        """
        if times < 1:
            raise ValueError("times must be >= 1")
        if endpoint not in ("api", "oai"):
            raise ValueError(f"endpoint must be 'api' or 'oai', not {endpoint!r}")
        unknown = set(options) - _FAULT_OPTIONS.get(fault, set())
        if unknown:  # a misspelt option would otherwise be silently ignored
            raise TypeError(f"{fault.name} takes no option(s) {sorted(unknown)}")
        with self._lock:
            self._faults.append(_PendingFault(fault, times, when, endpoint, options))

    @property
    def pending_faults(self) -> list[tuple[Fault, int]]:
        """Faults not yet used up, with how many requests each still applies to."""
        with self._lock:
            return [(p.fault, p.remaining) for p in self._faults]

    def _take_fault(self, request: ParsedRequest) -> _PendingFault | None:
        with self._lock:
            for pending in self._faults:
                if pending.endpoint == request.endpoint and (pending.when is None or pending.when(request)):
                    pending.remaining -= 1
                    if pending.remaining == 0:
                        self._faults.remove(pending)
                    return pending
        return None

    # --- log ---

    @property
    def log(self) -> list[LoggedRequest]:
        """Finished requests, in arrival order (a copy). Requests still stalled are not in it yet."""
        with self._lock:
            return sorted(self._log, key=lambda r: r.start)

    @property
    def max_in_flight(self) -> int:
        """The most requests ever being handled at the same time."""
        with self._lock:
            return self._max_in_flight

    def clear_log(self) -> None:
        """Forget the log and max_in_flight (e.g. between a full and an incremental run)."""
        with self._lock:
            self._log.clear()
            self._max_in_flight = self._in_flight

    # --- request handling (runs in the handler threads) ---

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        arrival = time.monotonic()
        request = self._parse_request(handler.path)
        with self._lock:
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)
        pending: _PendingFault | None = None
        status = 0
        finished = False

        def finish() -> None:
            """Log the request and count it out of flight (once)."""
            nonlocal finished
            if not finished:
                finished = True
                fault = pending.fault if pending else None
                logged = LoggedRequest(request.path, dict(request.params), arrival, time.monotonic(), status, fault)
                with self._lock:
                    self._log.append(logged)
                    self._in_flight -= 1

        try:
            pending = self._take_fault(request)
            if pending and pending.fault is Fault.RESET:
                _reset_connection(handler)  # the client sees the reset only after `finish` below
                return
            if pending and pending.fault is Fault.STALL:
                if not self._stall(handler, pending.options.get("seconds", 1.0)):
                    return  # the client hung up: nobody to answer, logged with status 0
            answer = self._answer(request, pending)
            status = answer.status
            _send(handler, answer, finish)
        finally:
            finish()

    def _stall(self, handler: BaseHTTPRequestHandler, seconds: float) -> bool:
        """Hold the request for `seconds`; False as soon as the client hangs up (e.g. its timeout).

        Noticing the hang-up at once logs the request when the client gave up, not when the
        stall would have ended, perhaps long after the test has looked at the log.
        """
        deadline = time.monotonic() + seconds
        watched = [handler.connection]
        while (remaining := deadline - time.monotonic()) > 0 and not self._stopping.is_set():
            # Short slices so that close() (which sets _stopping) is not kept waiting.
            readable, _, _ = select.select(watched, [], [], min(remaining, 0.05))
            if readable:
                try:
                    if not handler.connection.recv(1, socket.MSG_PEEK):
                        return False  # end of stream: the client closed its socket
                except OSError:
                    return False  # reset by the client
                watched = []  # the client sent more bytes; stop watching rather than spin
        return True

    def _parse_request(self, target: str) -> ParsedRequest:
        url = urlsplit(target)
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        endpoint = {API_PATH: "api", OAI_PATH: "oai"}.get(url.path)
        if endpoint == "oai":
            start = _token_offset(params.get("resumptionToken"))
            return ParsedRequest(url.path, params, endpoint, start, self.oai_page_size)
        start = _lenient_int(params.get("start"), 0)
        return ParsedRequest(url.path, params, endpoint, start, _lenient_int(params.get("max_results"), 10))

    def _answer(self, request: ParsedRequest, pending: _PendingFault | None) -> _Answer:
        fault = pending.fault if pending else None
        if fault in (Fault.STATUS_503, Fault.STATUS_429):
            status = 503 if fault is Fault.STATUS_503 else 429
            headers = {"Retry-After": str(pending.options["retry_after"])} if "retry_after" in pending.options else {}
            return _Answer(status, f"{status} (injected by the replay server)\n".encode(), "text/plain", headers)
        if fault is Fault.ERROR_400:
            message = pending.options.get("message", "injected error")
            if request.endpoint == "oai":
                return replace(self._oai_error(request.params, "badArgument", message), status=400)
            return _error_feed(message)
        if request.endpoint == "api":
            answer = self._api(request.params, empty_page=fault is Fault.EMPTY_PAGE)
        elif request.endpoint == "oai":
            answer = self._oai(request.params, empty_page=fault is Fault.EMPTY_PAGE)
        else:
            answer = _Answer(404, b"not found\n", "text/plain")
        if fault is Fault.TRUNCATE:  # Content-Length matches the cut body: the client reads it "fine"
            answer = replace(answer, body=answer.body[: len(answer.body) // 2])
        return answer

    # --- API: /api/query ---

    def _api(self, params: dict[str, str], *, empty_page: bool) -> _Answer:
        try:
            start = _strict_int(params, "start", 0)
            max_results = _strict_int(params, "max_results", 10)
            if max_results > API_MAX_RESULTS:
                raise _BadRequest(f"max_results must be <= {API_MAX_RESULTS}")
            sort_by = params.get("sortBy") or "relevance"
            sort_order = params.get("sortOrder") or "descending"  # arxiv.py's default
            if sort_by not in ("relevance", "lastUpdatedDate", "submittedDate"):
                raise _BadRequest(f"unknown sortBy {sort_by}")
            if sort_order not in ("ascending", "descending"):
                raise _BadRequest(f"unknown sortOrder {sort_order}")
            query = _normalise_query(params.get("search_query", ""))
            id_list = params.get("id_list", "")
            hits = self._api_hits(query, id_list)
        except _BadRequest as exc:
            return _error_feed(str(exc))
        _sort_hits(hits, sort_by, descending=sort_order == "descending")
        page = [] if empty_page else hits[start : min(start + max_results, API_RESULT_CAP)]
        body = _atom_feed(query, id_list, start, max_results, total=len(hits), hits=page)
        return _Answer(200, body, "application/atom+xml; charset=utf-8")

    def _api_hits(self, query: str, id_list: str) -> list[_Hit]:
        """Matches in relevance order: id order for a search, the asked order for an id_list."""
        catalog = self._catalog
        predicates = _parse_query(query) if query else []
        if id_list.strip():
            hits = _id_list_hits(catalog, id_list)
            return [h for h in hits if all(p(h.entry) for p in predicates)]
        if not query:  # nothing asked, nothing found
            return []
        return [_Hit(e, e.version) for e in catalog.entries if all(p(e) for p in predicates)]

    # --- OAI-PMH: /oai ---

    def _oai(self, params: dict[str, str], *, empty_page: bool) -> _Answer:
        try:
            args, skip = _oai_arguments(params)
            selected = _oai_select(self._catalog.entries, args)
        except _OaiError as exc:
            return self._oai_error(params, exc.code, str(exc))
        size = self.oai_page_size
        page = selected[skip : skip + size]
        if not page:  # a token past the end (the list shrank since): arXiv says noRecordsMatch
            return self._oai_error(params, "noRecordsMatch", "No records match the request")
        token = _encode_token(args, skip + size) if skip + size < len(selected) else None
        if empty_page:  # keep the client's place, so a client that follows tokens loses nothing
            page, token = [], _encode_token(args, skip)
        render = _arxiv_raw_record if args["metadataPrefix"] == "arXivRaw" else _arxiv_record
        parts = ["<ListRecords>\n", *(render(e) for e in page)]
        if token is not None:
            parts.append(f'<resumptionToken expires="{_next_midnight()}">{escape(token)}</resumptionToken>\n')
        parts.append("</ListRecords>\n")
        return _Answer(200, _oai_document(self.oai_url, params, "".join(parts)), "text/xml; charset=utf-8")

    def _oai_error(self, params: dict[str, str], code: str, message: str) -> _Answer:
        # OAI-PMH: badVerb / badArgument echo no arguments in <request>; other errors do.
        echoed = {} if code in ("badVerb", "badArgument") else params
        body = f'<error code="{code}">{escape(message)}</error>\n'
        return _Answer(200, _oai_document(self.oai_url, echoed, body), "text/xml; charset=utf-8")


# --- HTTP plumbing ----------------------------------------------------------------------


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True  # a handler stalled past close() must not keep the test run alive
    request_queue_size = 64

    def __init__(self, replay: ReplayServer) -> None:
        self.replay = replay
        super().__init__(("127.0.0.1", 0), _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind would look up the host's FQDN: a DNS query we neither need nor want.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    server_version = "ReplayServer/1"

    def do_GET(self) -> None:
        self.server.replay._serve(self)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # server.log is the record; stderr noise would only clutter test output


def _send(handler: BaseHTTPRequestHandler, answer: _Answer, finish: Callable[[], None]) -> None:
    """Write the answer, calling `finish` just before its last byte.

    A client holding the whole answer may send its next request at once. Finishing first means
    that request always finds this one logged and out of flight: a strictly sequential client
    sees max_in_flight == 1 and a complete log, never a race. (Every answer has a body.)
    """
    try:
        handler.send_response(answer.status)
        handler.send_header("Content-Type", answer.content_type)
        handler.send_header("Content-Length", str(len(answer.body)))
        for name, value in answer.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(answer.body[:-1])
        finish()
        handler.wfile.write(answer.body[-1:])
    except OSError:
        handler.close_connection = True  # the client gave up (e.g. timed out during a stall)


def _reset_connection(handler: BaseHTTPRequestHandler) -> None:
    """Drop the connection with a TCP RST and no answer, as a crashed proxy would."""
    # Linger 0 turns close() into a RST. close() only takes effect once the handler's rfile is
    # closed too (socketserver does that right after), and the later shutdown() fails harmlessly.
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.connection.close()
    handler.close_connection = True


def _lenient_int(text: str | None, default: int) -> int:
    try:
        return int(text) if text else default
    except ValueError:
        return default


def _strict_int(params: dict[str, str], name: str, default: int) -> int:
    """An API integer parameter; arXiv's messages for the documented 400 cases."""
    text = params.get(name, "")
    if text == "":
        return default
    if not re.fullmatch(r"-?[0-9]+", text):  # int() would also take " 5", "+5", "1_0"
        raise _BadRequest(f"{name} must be an integer")
    value = int(text)
    if value < 0:
        raise _BadRequest(f"{name} must be >= 0")
    return value


# --- API: query language ----------------------------------------------------------------

Predicate = Callable[[Entry], bool]

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<open>\() | (?P<close>\)) |
        (?P<field>submittedDate|lastUpdatedDate):\[\s*(?P<low>\d{12})\s+TO\s+(?P<high>\d{12})\s*\] |
        cat:(?P<cat>[A-Za-z][\w.-]*) |
        (?P<all>all:)?(?P<word>[\w.-]+)
    )""",
    re.VERBOSE,
)
_UNSUPPORTED_OPERATORS = {"OR", "ANDNOT", "NOT"}


def _normalise_query(text: str) -> str:
    """Spaces may arrive as '+' or '%20' (both decoded already) or as a '%2B'-encoded '+'."""
    return " ".join(text.replace("+", " ").split())


def _parse_query(text: str) -> list[Predicate]:
    """The subset the harvester uses: terms joined by AND, optionally parenthesised.

    With AND as the only operator, parentheses only group, so the query is the conjunction
    of its terms; the parser still checks that they balance and that AND sits between terms.
    """
    predicates: list[Predicate] = []
    depth, expect_term = 0, True
    for kind, predicate in _tokens(text):
        if expect_term and kind == "open":
            depth += 1
        elif expect_term and kind == "term":
            predicates.append(predicate)
            expect_term = False
        elif not expect_term and kind == "close" and depth > 0:
            depth -= 1
        elif not expect_term and kind == "and":
            expect_term = True
        else:
            raise _BadRequest("malformed query")
    if expect_term or depth:
        raise _BadRequest("malformed query")
    return predicates


def _tokens(text: str) -> Iterable[tuple[str, Predicate | None]]:
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match:
            raise _BadRequest("malformed query")
        position = match.end()
        if match["open"]:
            yield "open", None
        elif match["close"]:
            yield "close", None
        elif match["field"]:
            yield "term", _date_predicate(match["field"], match["low"], match["high"])
        elif match["cat"]:
            yield "term", _category_predicate(match["cat"])
        elif match["word"] == "AND" and not match["all"]:
            yield "and", None
        elif match["word"] in _UNSUPPORTED_OPERATORS and not match["all"]:
            raise _BadRequest("malformed query")
        else:
            yield "term", _word_predicate(match["word"])


def _category_predicate(code: str) -> Predicate:
    return lambda entry: code in entry.categories


def _word_predicate(word: str) -> Predicate:
    folded = word.casefold()
    return lambda entry: folded in entry.title.casefold() or folded in entry.abstract.casefold()


def _date_predicate(field_name: str, low: str, high: str) -> Predicate:
    """Inclusive at minute granularity, GMT: [202401010000 TO 202401312359] is all of January."""
    try:
        first = datetime.strptime(low, "%Y%m%d%H%M").replace(tzinfo=UTC)
        last = datetime.strptime(high, "%Y%m%d%H%M").replace(tzinfo=UTC) + timedelta(minutes=1)
    except ValueError:
        raise _BadRequest("malformed query") from None
    if field_name == "submittedDate":
        return lambda entry: first <= entry.submitted < last
    return lambda entry: first <= entry.latest < last


# --- API: id_list, sorting --------------------------------------------------------------

_ID = re.compile(r"(?P<id>\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7})(?:v(?P<version>[1-9]\d*))?")


def _id_list_hits(catalog: _Catalog, id_list: str) -> list[_Hit]:
    """Asked ids in the asked order; unknown ids and versions are dropped silently, as arXiv does."""
    hits: list[_Hit] = []
    for item in (part.strip() for part in id_list.split(",")):
        if not item:
            continue
        match = _ID.fullmatch(item)
        if not match:
            raise _BadRequest(f"incorrect id format for {item}")
        entry = catalog.by_id.get(match["id"])
        if entry is None:
            continue
        version = int(match["version"] or entry.version)  # no vN: the latest
        if version <= entry.version and _Hit(entry, version) not in hits:
            hits.append(_Hit(entry, version))
    return hits


def _sort_hits(hits: list[_Hit], sort_by: str, *, descending: bool) -> None:
    """Relevance keeps the hits' own order (id order for a search); dates sort with ties by id."""
    if sort_by == "relevance":
        return
    hits.sort(key=lambda h: h.entry.arxiv_id)
    if sort_by == "submittedDate":
        hits.sort(key=lambda h: h.entry.submitted, reverse=descending)  # stable: ties stay in id order
    else:
        hits.sort(key=lambda h: h.date, reverse=descending)


# --- API: Atom, in the recorded current-era shape -----------------------------------------

_FEED_OPEN = (
    "<?xml version='1.0' encoding='UTF-8'?>\n"
    '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
    'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">\n'
)
_SCHEME = "http://arxiv.org/schemas/atom"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _now() -> str:
    return _iso(datetime.now(UTC))


def _attr(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def _atom_feed(query: str, id_list: str, start: int, max_results: int, *, total: int, hits: list[_Hit]) -> bytes:
    title = f"arXiv Query: search_query={query}&id_list={id_list}&start={start}&max_results={max_results}"
    link = (  # a URL: spaces as '+', as the client would have sent them
        f"https://arxiv.org/api/query?search_query={query.replace(' ', '+')}&start={start}"
        f"&max_results={max_results}&id_list={id_list}"
    )
    # arXiv's feed id is a 27-character hash of the query; any stable hash has the same shape.
    digest = base64.b64encode(hashlib.sha1(title.encode("utf-8")).digest()).decode("ascii").rstrip("=")
    parts = [
        _FEED_OPEN,
        f"  <id>https://arxiv.org/api/{digest}</id>\n",
        f"  <title>{escape(title)}</title>\n",
        f"  <updated>{_now()}</updated>\n",
        f'  <link href="{_attr(link)}" type="application/atom+xml"/>\n',
        f"  <opensearch:itemsPerPage>{max_results}</opensearch:itemsPerPage>\n",
        f"  <opensearch:totalResults>{total}</opensearch:totalResults>\n",
        f"  <opensearch:startIndex>{start}</opensearch:startIndex>\n",
        *(_atom_entry(hit) for hit in hits),
        "</feed>\n",
    ]
    return "".join(parts).encode("utf-8")


def _atom_entry(hit: _Hit) -> str:
    entry, versioned = hit.entry, f"{hit.entry.arxiv_id}v{hit.version}"
    lines = [
        "  <entry>",
        f"    <id>http://arxiv.org/abs/{versioned}</id>",
        f"    <title>{escape(entry.title)}</title>",
        f"    <updated>{_iso(hit.date)}</updated>",
        f'    <link href="https://arxiv.org/abs/{versioned}" rel="alternate" type="text/html"/>',
        f'    <link href="https://arxiv.org/pdf/{versioned}" rel="related" type="application/pdf" title="pdf"/>',
        f"    <summary>{escape(entry.abstract)}</summary>",
        *(f'    <category term="{_attr(code)}" scheme="{_SCHEME}"/>' for code in entry.categories),
        f"    <published>{_iso(entry.submitted)}</published>",
    ]
    if entry.comment:
        lines.append(f"    <arxiv:comment>{escape(entry.comment)}</arxiv:comment>")
    lines.append(f'    <arxiv:primary_category term="{_attr(entry.categories[0])}"/>')
    if entry.journal_ref:
        lines.append(f"    <arxiv:journal_ref>{escape(entry.journal_ref)}</arxiv:journal_ref>")
    for name in entry.authors:
        lines += ["    <author>", f"      <name>{escape(name)}</name>", "    </author>"]
    if entry.doi:
        lines.append(f"    <arxiv:doi>{escape(entry.doi)}</arxiv:doi>")
        lines.append(f'    <link rel="related" href="https://doi.org/{_attr(entry.doi)}" title="doi"/>')
    lines.append("  </entry>\n")
    return "\n".join(lines)


def _error_feed(message: str) -> _Answer:
    """HTTP 400 with arXiv's one-entry "Error" feed (recorded: arxiv-api/2026/id_abc_s0_m100.xml)."""
    anchor = "https://arxiv.org/api/errors#" + re.sub(r"[^A-Za-z0-9.]+", "_", message).strip("_")
    now = _now()
    body = (
        f"{_FEED_OPEN}"
        "  <id>https://arxiv.org/</id>\n"
        "  <title>arXiv Search Results</title>\n"
        f"  <updated>{now}</updated>\n"
        "  <opensearch:itemsPerPage>1</opensearch:itemsPerPage>\n"
        "  <opensearch:totalResults>1</opensearch:totalResults>\n"
        "  <opensearch:startIndex>0</opensearch:startIndex>\n"
        "  <entry>\n"
        f"    <id>{escape(anchor)}</id>\n"
        "    <title>Error</title>\n"
        f"    <updated>{now}</updated>\n"
        f'    <link href="{_attr(anchor)}" rel="alternate" type="text/html"/>\n'
        f"    <summary>{escape(message)}</summary>\n"
        "    <author>\n"
        "      <name>arXiv api core</name>\n"
        "    </author>\n"
        "  </entry>\n"
        "</feed>\n"
    )
    return _Answer(400, body.encode("utf-8"), "application/atom+xml; charset=utf-8")


# --- OAI-PMH: arguments, selection, tokens ------------------------------------------------

_OAI_ARGUMENTS = {"verb", "metadataPrefix", "set", "from", "until", "resumptionToken"}
_OAI_FORMATS = ("arXivRaw", "arXiv")


def _oai_arguments(params: dict[str, str]) -> tuple[dict[str, str], int]:
    """The effective ListRecords arguments (from the request or its token) and the record offset."""
    verb = params.get("verb", "")
    if verb != "ListRecords":  # the only verb the harvester needs
        raise _OaiError("badVerb", f"Bad verb. Verb '{verb}' not implemented." if verb else "Illegal verb")
    illegal = sorted(set(params) - _OAI_ARGUMENTS)
    if illegal:
        raise _OaiError("badArgument", f"Verb 'ListRecords', illegal argument '{illegal[0]}'.")
    if "resumptionToken" in params:
        if set(params) != {"verb", "resumptionToken"}:
            raise _OaiError("badArgument", "resumptionToken is an exclusive argument")
        args, skip = _decode_token(params["resumptionToken"])
    else:
        args, skip = {k: v for k, v in params.items() if k != "verb"}, 0
        if "metadataPrefix" not in args:
            raise _OaiError("badArgument", "Verb 'ListRecords', missing required argument 'metadataPrefix'.")
    if args["metadataPrefix"] not in _OAI_FORMATS:
        raise _OaiError("cannotDisseminateFormat", f"Format '{args['metadataPrefix']}' is not supported")
    return args, skip


def _oai_select(entries: tuple[Entry, ...], args: dict[str, str]) -> list[Entry]:
    """Matching records in datestamp, then id, order."""
    first, last = _oai_date(args.get("from")), _oai_date(args.get("until"))
    if first and last and first > last:
        raise _OaiError("badArgument", "'from' is after 'until'")
    spec = args.get("set")
    selected = [
        e
        for e in entries
        if (first is None or e.datestamp >= first)
        and (last is None or e.datestamp <= last)
        and (spec is None or any(s == spec or s.startswith(spec + ":") for s in _set_specs(e)))
    ]
    if not selected:
        raise _OaiError("noRecordsMatch", "No records match the request")
    return sorted(selected, key=lambda e: (e.datestamp, e.arxiv_id))


def _oai_date(text: str | None) -> date | None:
    if text is None:
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):  # arXiv's granularity is the day; finer is an error
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise _OaiError("badArgument", f"Invalid date '{text}': the granularity is YYYY-MM-DD")


def _encode_token(args: dict[str, str], skip: int) -> str:
    """arXiv's new server (2025): the URL-encoded arguments plus skip, URL-encoded once more.

    The token text is full of '%' escapes. Sent back URL-encoded (the right way) or as is, it
    decodes to the same arguments, as with arXiv.
    """
    return quote(urlencode({**args, "skip": skip}))


def _decode_token(token: str) -> tuple[dict[str, str], int]:
    try:
        decoded = parse_qs(unquote(token), strict_parsing=True)
    except ValueError:
        decoded = {}
    args = {key: values[0] for key, values in decoded.items()}
    skip = args.pop("skip", "")
    if not skip.isdigit() or "metadataPrefix" not in args or not set(args) <= _OAI_ARGUMENTS - {"verb"}:
        raise _OaiError("badResumptionToken", "The resumptionToken supplied is illegal for this repository")
    return args, int(skip)


def _token_offset(token: str | None) -> int:
    try:
        return _decode_token(token)[1] if token else 0
    except _OaiError:
        return 0


def _next_midnight() -> str:
    """arXiv's tokens expire at the next UTC midnight."""
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    return f"{tomorrow.isoformat()}T00:00:00Z"


def _set_specs(entry: Entry) -> tuple[str, ...]:
    """OAI set of each category: group:archive:SUBJECT ("cs:cs:DC"), or group:archive ("physics:hep-ph")."""
    categories = taxonomy.load().categories
    specs: list[str] = []
    for code in entry.categories:
        known = categories.get(code)
        archive, _, subject = code.partition(".")
        group = known.group if known else archive
        spec = f"{group}:{archive}:{subject}" if subject else f"{group}:{archive}"
        if spec not in specs:
            specs.append(spec)
    return tuple(specs)


# --- OAI-PMH: XML -------------------------------------------------------------------------

_OAI_OPEN = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">\n'
)
_LICENSE = "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _oai_document(base_url: str, echoed: dict[str, str], body: str) -> bytes:
    attributes = "".join(f' {name}="{_attr(value)}"' for name, value in echoed.items())
    text = (
        f"{_OAI_OPEN}<responseDate>{_now()}</responseDate>\n"
        f"<request{attributes}>{escape(base_url)}</request>\n{body}</OAI-PMH>\n"
    )
    return text.encode("utf-8")


def _oai_header(entry: Entry) -> str:
    specs = "".join(f" <setSpec>{escape(s)}</setSpec>\n" for s in _set_specs(entry))
    return (
        f"<header>\n <identifier>oai:arXiv.org:{escape(entry.arxiv_id)}</identifier>\n"
        f" <datestamp>{entry.datestamp.isoformat()}</datestamp>\n{specs}</header>\n"
    )


def _rfc822(moment: datetime) -> str:
    """'Fri, 8 Feb 2013 21:00:01 GMT', as in the recorded arXivRaw (English names, whatever the locale)."""
    return f"{_DAYS[moment.weekday()]}, {moment.day} {_MONTHS[moment.month - 1]} {moment:%Y %H:%M:%S} GMT"


def _joined_authors(names: tuple[str, ...]) -> str:
    """arXivRaw keeps authors as one string: "A", "A and B", "A, B and C"."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _optional(tag: str, text: str | None) -> str:
    return f"<{tag}>{escape(text)}</{tag}>" if text else ""


def _arxiv_raw_record(entry: Entry) -> str:
    versions = "".join(
        f'<version version="v{number}"><date>{_rfc822(moment)}</date>'
        f"<size>{10 * number}kb</size><source_type>D</source_type></version>"
        for number, moment in enumerate(entry.version_dates, start=1)
    )
    submitter = entry.authors[0] if entry.authors else "Anonymous"
    metadata = (
        ' <arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
        ' xsi:schemaLocation="http://arxiv.org/OAI/arXivRaw/ http://arxiv.org/OAI/arXivRaw.xsd">\n'
        f" <id>{escape(entry.arxiv_id)}</id><submitter>{escape(submitter)}</submitter>{versions}"
        f"<title>{escape(entry.title)}</title><authors>{escape(_joined_authors(entry.authors))}</authors>"
        f"<categories>{escape(' '.join(entry.categories))}</categories>"
        f"{_optional('comments', entry.comment)}{_optional('journal-ref', entry.journal_ref)}"
        f"{_optional('doi', entry.doi)}<license>{_LICENSE}</license>"
        f"<abstract>{escape(entry.abstract)}</abstract></arXivRaw>\n"
    )
    return f"<record>\n{_oai_header(entry)}<metadata>\n{metadata}</metadata>\n</record>\n"


def _arxiv_author(name: str) -> str:
    """arXiv format splits names; the last word stands in for the keyname here."""
    forenames, _, keyname = name.rpartition(" ")
    return f"<author><keyname>{escape(keyname)}</keyname>{_optional('forenames', forenames)}</author>"


def _arxiv_record(entry: Entry) -> str:
    updated = f"<updated>{entry.latest.date().isoformat()}</updated>" if entry.version > 1 else ""
    metadata = (
        ' <arXiv xmlns="http://arxiv.org/OAI/arXiv/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
        ' xsi:schemaLocation="http://arxiv.org/OAI/arXiv/ http://arxiv.org/OAI/arXiv.xsd">\n'
        f" <id>{escape(entry.arxiv_id)}</id><created>{entry.submitted.date().isoformat()}</created>{updated}"
        f"<authors>{''.join(_arxiv_author(name) for name in entry.authors)}</authors>"
        f"<title>{escape(entry.title)}</title><categories>{escape(' '.join(entry.categories))}</categories>"
        f"{_optional('comments', entry.comment)}{_optional('journal-ref', entry.journal_ref)}"
        f"{_optional('doi', entry.doi)}<license>{_LICENSE}</license>"
        f"<abstract>{escape(entry.abstract)}</abstract></arXiv>\n"
    )
    return f"<record>\n{_oai_header(entry)}<metadata>\n{metadata}</metadata>\n</record>\n"
