"""Tests of the loopback arXiv API / OAI-PMH server the harvester's tests run against.

Plain urllib clients (not the harvester) check that it answers like arXiv, in the recorded byte
shape, and that every fault, the request log and the concurrency counter behave as documented.
"""

from __future__ import annotations

import re
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from itertools import pairwise
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from lxml import etree

from paperkg.errors import FeedErrorEntry, SourceError
from paperkg.sources.atom import read_atom
from tests.replay_server import Entry, Fault, LoggedRequest, ParsedRequest, ReplayServer

FIXTURES = Path(__file__).parent / "fixtures"
ATOM = "{http://www.w3.org/2005/Atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
OAI = "{http://www.openarchives.org/OAI/2.0/}"
RAW = "{http://arxiv.org/OAI/arXivRaw/}"
ARXIV = "{http://arxiv.org/OAI/arXiv/}"


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


E1 = Entry("2401.00001", 1, at(2024, 1, 2, 3, 4, 5), None, "Scheduling on Grids", ("A. One", "B. Two"),
           ("cs.DC",), "We schedule jobs on grids.", comment="12 pages")  # fmt: skip
E2 = Entry("2401.00002", 2, at(2024, 1, 15, 10), at(2024, 2, 20, 8), "Learning to Cache", ("Carla Three",),
           ("cs.DC", "cs.LG"), "Caches that learn.")  # fmt: skip
E3 = Entry("2401.00003", 3, at(2024, 1, 31, 23, 59, 30), at(2024, 3, 5, 12), "Gradient Descent",
           ("D. Four", "E. Five", "F. Six"), ("cs.LG", "stat.ML"), "Steps downhill.", comment="v3: typos")  # fmt: skip
E4 = Entry("2402.00001", 1, at(2024, 2, 1), None, 'Consensus & "Paxos" <at> Scale', ("Zoë O'Brien",),
           ("cs.DC",), "Agreement when a < b & c > d.")  # fmt: skip
E5 = Entry("2402.00002", 1, at(2024, 2, 10, 9), None, "Counting Graphs", ("Gauss",), ("math.CO", "cs.DM"),
           "We count.")  # fmt: skip
E6 = Entry("2402.00003", 2, at(2024, 2, 10, 9), at(2024, 2, 12, 7), "Dark Matter Signals", ("H. Seven", "I. Eight"),
           ("hep-ph", "hep-ex"), "Signals.", comment="18 pages", journal_ref="Phys. Rev. D 1 (2024) 2",
           doi="10.1000/xyz.1")  # fmt: skip
E7 = Entry("hep-th/9901001", 1, at(1999, 1, 5, 12), None, "Old Strings", ("J. Nine",), ("hep-th",), "Strings.")
ENTRIES = [E1, E2, E3, E4, E5, E6, E7]
ID_ORDER = ["2401.00001", "2401.00002", "2401.00003", "2402.00001", "2402.00002", "2402.00003", "hep-th/9901001"]
EVERYTHING = "submittedDate:[199001010000 TO 203012312359]"


@pytest.fixture
def server():
    with ReplayServer(ENTRIES, oai_page_size=3) as replay:
        yield replay


# --- client helpers -----------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes


def fetch(url: str, timeout: float = 5) -> Reply:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return Reply(answer.status, dict(answer.headers), answer.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, dict(error.headers), error.read())


def api(server: ReplayServer, **params: object) -> Reply:
    return fetch(server.api_url + "?" + urlencode(params))


def oai(server: ReplayServer, **params: str) -> Reply:
    return fetch(server.oai_url + "?" + urlencode(params))


def feed_ids(body: bytes) -> list[str]:
    """Entry ids without version, in feed order."""
    root = etree.fromstring(body)
    return [re.sub(r"^http://arxiv\.org/abs/|v\d+$", "", e.findtext(ATOM + "id")) for e in root.iter(ATOM + "entry")]


def opensearch(body: bytes, name: str) -> int:
    return int(etree.fromstring(body).findtext(OPENSEARCH + name))


def assert_error_feed(reply: Reply, message: str) -> None:
    assert reply.status == 400
    entries = etree.fromstring(reply.body).findall(ATOM + "entry")
    assert len(entries) == 1
    assert entries[0].findtext(ATOM + "title") == "Error"
    assert "/api/errors#" in entries[0].findtext(ATOM + "id")
    assert entries[0].findtext(ATOM + "summary") == message
    with pytest.raises(FeedErrorEntry, match=re.escape(message)):
        read_atom(reply.body, "x")


def collapsed_tags(element: etree._Element) -> list[str]:
    """Child local names with repeats collapsed: element order, whatever the counts."""
    names = [etree.QName(child).localname for child in element]
    return [name for i, name in enumerate(names) if i == 0 or names[i - 1] != name]


# --- API: answers in arXiv's shape ----------------------------------------------------------


def test_feed_has_the_recorded_shape(server):
    """Same feed children, entry child order and namespace declarations as a real 2026 answer."""
    recorded = etree.parse(str(FIXTURES / "arxiv-api/2026/q_testing_s0_m10.xml")).getroot()
    reply = api(server, id_list="2402.00003")
    ours = etree.fromstring(reply.body)
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("application/atom+xml")
    assert collapsed_tags(ours)[:7] == collapsed_tags(recorded)[:7]  # up to startIndex
    assert collapsed_tags(ours.find(ATOM + "entry")) == collapsed_tags(recorded.find(ATOM + "entry"))
    assert ours.nsmap == recorded.nsmap
    assert reply.body.count(b"xmlns") == 3  # declared once, on <feed>
    assert ours.findtext(ATOM + "title") == (
        "arXiv Query: search_query=&id_list=2402.00003&start=0&max_results=10"
    )
    assert ours.find(ATOM + "link").attrib == {
        "href": "https://arxiv.org/api/query?search_query=&start=0&max_results=10&id_list=2402.00003",
        "type": "application/atom+xml",
    }
    assert re.fullmatch(r"https://arxiv\.org/api/[A-Za-z0-9+/]{27}", ours.findtext(ATOM + "id"))


def test_paperkg_reads_the_feed(server):
    """The project's own Atom reader gets back ids, versions, people, categories, dates and text."""
    feed = read_atom(api(server, search_query=EVERYTHING, max_results=100).body, "x")
    assert feed.info.total_results == len(ENTRIES)
    assert feed.info.query == f"search_query={EVERYTHING}&id_list=&start=0&max_results=100"
    for paper, entry in zip(feed.papers, sorted(ENTRIES, key=lambda e: e.arxiv_id), strict=True):
        assert (paper.arxiv_id, paper.version) == (entry.arxiv_id, entry.version)
        assert [a.name for a in paper.authors] == list(entry.authors)
        assert paper.categories == entry.categories
        assert paper.primary_category == entry.categories[0]
        assert paper.published == entry.submitted
        assert paper.updated == (entry.updated or entry.submitted)
        assert (paper.title, paper.abstract, paper.comment) == (entry.title, entry.abstract, entry.comment)
        assert paper.journal_ref == entry.journal_ref
        assert paper.dois == ((entry.doi,) if entry.doi else ())
        assert paper.pdf_url == f"https://arxiv.org/pdf/{entry.arxiv_id}v{entry.version}"


def test_paging_and_totals(server):
    seen = []
    for start in (0, 3, 6):
        body = api(server, search_query=EVERYTHING, start=start, max_results=3).body
        assert opensearch(body, "totalResults") == 7
        assert opensearch(body, "startIndex") == start
        assert opensearch(body, "itemsPerPage") == 3
        seen += feed_ids(body)
    assert seen == ID_ORDER
    past_the_end = api(server, search_query=EVERYTHING, start=9, max_results=3).body
    assert feed_ids(past_the_end) == [] and opensearch(past_the_end, "totalResults") == 7


def test_defaults_are_start_0_and_10_results(server):
    body = api(server, search_query=EVERYTHING).body
    assert (opensearch(body, "startIndex"), opensearch(body, "itemsPerPage")) == (0, 10)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("cat:cs.DC", ["2401.00001", "2401.00002", "2402.00001"]),
        ("cat:hep-th", ["hep-th/9901001"]),
        ("cat:cs", []),  # a category, not a prefix
        ("all:graphs", ["2402.00002"]),
        ("all:GRAPHS", ["2402.00002"]),  # case-insensitive
        ("cache", ["2401.00002"]),  # bare word = all:
        ("jobs", ["2401.00001"]),  # in the abstract
        ("submittedDate:[202401010000 TO 202401312359]", ["2401.00001", "2401.00002", "2401.00003"]),
        ("submittedDate:[202401312359 TO 202401312359]", ["2401.00003"]),  # 23:59:30 is in that minute
        ("submittedDate:[202402010000 TO 202402010000]", ["2402.00001"]),  # inclusive at the start
        ("submittedDate:[202401020303 TO 202401020303]", []),  # 03:04:05 is a minute later
        ("(cat:cs.DC) AND submittedDate:[202401010000 TO 202401312359]", ["2401.00001", "2401.00002"]),
        ("lastUpdatedDate:[202402200000 TO 202402202359]", ["2401.00002"]),  # the latest version's time
        ("lastUpdatedDate:[202401150000 TO 202401152359]", []),  # v1 time of 2401.00002: not its latest
        ("cat:cs.DC AND lastUpdatedDate:[202402010000 TO 202402292359]", ["2401.00002", "2402.00001"]),
        ("(cat:cs.LG AND (all:descent))", ["2401.00003"]),
        ("cat:cs.DC AND cat:cs.LG AND all:cache", ["2401.00002"]),
    ],
)
def test_query_forms(server, query, expected):
    reply = api(server, search_query=query)
    assert reply.status == 200
    assert feed_ids(reply.body) == expected
    assert opensearch(reply.body, "totalResults") == len(expected)


@pytest.mark.parametrize("space", ["+", "%20", "%2B"])
def test_spaces_may_arrive_as_plus_percent20_or_an_encoded_plus(server, space):
    query = "(cat:cs.DC) AND submittedDate:[202401010000 TO 202401312359]"
    encoded = quote(query, safe=":[]() ").replace(" ", space)
    reply = fetch(f"{server.api_url}?search_query={encoded}&max_results=5")
    assert feed_ids(reply.body) == ["2401.00001", "2401.00002"]


@pytest.mark.parametrize(
    "query",
    [
        "ti:grids",  # field prefix outside the subset
        "cat:cs.DC OR cat:math.CO",
        "cat:cs.DC ANDNOT cat:cs.LG",
        "cat:cs.DC cat:cs.LG",  # terms must be joined by AND
        "cat:cs.DC AND",
        "AND cat:cs.DC",
        "(cat:cs.DC",
        "cat:cs.DC)",
        "()",
        'all:"two words"',
        "submittedDate:[20240101 TO 20240131]",  # minutes are required
        "submittedDate:[202413010000 TO 202401312359]",  # month 13
        "submittedDate:[202401010000+TO]",
    ],
)
def test_malformed_query_gets_the_error_feed(server, query):
    assert_error_feed(api(server, search_query=query), "malformed query")


def test_no_query_and_no_id_list_finds_nothing(server):
    body = api(server).body
    assert feed_ids(body) == [] and opensearch(body, "totalResults") == 0


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"sortBy": "relevance"}, ID_ORDER),
        ({"sortBy": "relevance", "sortOrder": "descending"}, ID_ORDER),  # relevance is the id order
        ({"sortBy": "submittedDate", "sortOrder": "ascending"},
         ["hep-th/9901001", "2401.00001", "2401.00002", "2401.00003", "2402.00001", "2402.00002", "2402.00003"]),
        # descending; the tie at 2024-02-10 09:00 stays in id order
        ({"sortBy": "submittedDate", "sortOrder": "descending"},
         ["2402.00002", "2402.00003", "2402.00001", "2401.00003", "2401.00002", "2401.00001", "hep-th/9901001"]),
        ({"sortBy": "submittedDate"},  # sortOrder defaults to descending
         ["2402.00002", "2402.00003", "2402.00001", "2401.00003", "2401.00002", "2401.00001", "hep-th/9901001"]),
        ({"sortBy": "lastUpdatedDate", "sortOrder": "ascending"},
         ["hep-th/9901001", "2401.00001", "2402.00001", "2402.00002", "2402.00003", "2401.00002", "2401.00003"]),
        ({"sortBy": "lastUpdatedDate", "sortOrder": "descending"},
         ["2401.00003", "2401.00002", "2402.00003", "2402.00002", "2402.00001", "2401.00001", "hep-th/9901001"]),
    ],
)  # fmt: skip
def test_sort_orders(server, params, expected):
    assert feed_ids(api(server, search_query=EVERYTHING, **params).body) == expected


def test_sorting_happens_before_paging(server):
    pages = [
        feed_ids(api(server, search_query=EVERYTHING, sortBy="lastUpdatedDate", sortOrder="ascending",
                     start=start, max_results=4).body)
        for start in (0, 4)
    ]  # fmt: skip
    assert pages[0] + pages[1] == [
        "hep-th/9901001", "2401.00001", "2402.00001", "2402.00002", "2402.00003", "2401.00002", "2401.00003",
    ]  # fmt: skip


def test_max_results_above_2000_is_an_error(server):
    assert_error_feed(api(server, search_query="cat:cs.DC", max_results=2001), "max_results must be <= 2000")
    assert api(server, search_query="cat:cs.DC", max_results=2000).status == 200


def test_nothing_is_returned_past_the_30000th_result():
    many = [
        Entry(f"2401.{n:05d}", 1, at(2024, 1, 1), None, f"Paper {n}", ("A. B",), ("cs.DC",), "x")
        for n in range(30005)
    ]
    with ReplayServer(many) as server:
        near_the_cap = api(server, search_query="cat:cs.DC", start=29995, max_results=10).body
        assert feed_ids(near_the_cap) == [f"2401.{n:05d}" for n in range(29995, 30000)]
        assert opensearch(near_the_cap, "totalResults") == 30005  # the true count, uncapped
        past_the_cap = api(server, search_query="cat:cs.DC", start=30000, max_results=10).body
        assert feed_ids(past_the_cap) == []
        assert opensearch(past_the_cap, "totalResults") == 30005


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "-1"}, "start must be >= 0"),
        ({"start": "x"}, "start must be an integer"),
        ({"start": "1.5"}, "start must be an integer"),
        ({"max_results": "-5"}, "max_results must be >= 0"),
        ({"max_results": "ten"}, "max_results must be an integer"),
        ({"sortBy": "citations"}, "unknown sortBy citations"),
        ({"sortOrder": "up"}, "unknown sortOrder up"),
    ],
)
def test_bad_parameters_get_the_error_feed(server, params, message):
    assert_error_feed(api(server, search_query="cat:cs.DC", **params), message)


# --- API: id_list -------------------------------------------------------------------------


def test_id_list_returns_latest_versions_in_the_asked_order(server):
    feed = read_atom(api(server, id_list="2401.00003,hep-th/9901001,2401.00001").body, "x")
    assert [(p.arxiv_id, p.version) for p in feed.papers] == [
        ("2401.00003", 3), ("hep-th/9901001", 1), ("2401.00001", 1),
    ]  # fmt: skip
    assert feed.info.total_results == 3


def test_id_list_with_a_version_returns_that_version(server):
    (paper,) = read_atom(api(server, id_list="2401.00003v2").body, "x").papers
    assert paper.version == 2
    assert paper.published == E3.submitted
    assert paper.updated == E3.version_dates[1]
    assert E3.submitted < paper.updated < E3.updated


def test_id_list_drops_unknown_ids_and_versions(server):
    body = api(server, id_list="9999.99999,2401.00001,2401.00003v4").body
    assert feed_ids(body) == ["2401.00001"]
    assert opensearch(body, "totalResults") == 1


@pytest.mark.parametrize("bad", ["abc", "2401.1", "2401.00001v0", "hep-th/99"])
def test_malformed_id_gets_the_error_feed(server, bad):
    assert_error_feed(api(server, id_list=f"2401.00001,{bad}"), f"incorrect id format for {bad}")


def test_id_list_with_a_query_filters(server):
    assert feed_ids(api(server, id_list="2401.00001,2402.00002", search_query="cat:cs.DC").body) == ["2401.00001"]


def test_id_list_can_be_sorted(server):
    body = api(server, id_list="2402.00001,2401.00001,2401.00003", sortBy="submittedDate", sortOrder="ascending").body
    assert feed_ids(body) == ["2401.00001", "2401.00003", "2402.00001"]


def test_unknown_path_is_404(server):
    assert fetch(f"http://127.0.0.1:{server.port}/nope").status == 404
    assert [(r.path, r.status) for r in server.log] == [("/nope", 404)]


# --- faults -------------------------------------------------------------------------------


def test_503_carries_retry_after_for_the_given_number_of_requests(server):
    server.inject(Fault.STATUS_503, times=2, retry_after=1)
    replies = [api(server, search_query="cat:cs.DC") for _ in range(3)]
    assert [r.status for r in replies] == [503, 503, 200]
    assert [r.headers.get("Retry-After") for r in replies] == ["1", "1", None]
    assert [(r.status, r.fault) for r in server.log] == [
        (503, Fault.STATUS_503), (503, Fault.STATUS_503), (200, None),
    ]  # fmt: skip
    assert server.pending_faults == []


def test_429_has_no_retry_after_unless_asked(server):
    server.inject(Fault.STATUS_429)
    server.inject(Fault.STATUS_429, retry_after=7)
    first, second = api(server, search_query="cat:cs.DC"), api(server, search_query="cat:cs.DC")
    assert (first.status, "Retry-After" in first.headers) == (429, False)
    assert (second.status, second.headers["Retry-After"]) == (429, "7")


def test_reset_drops_the_connection(server):
    server.inject(Fault.RESET)
    with pytest.raises(ConnectionResetError):  # http.client.RemoteDisconnected is one too
        api(server, search_query="cat:cs.DC")
    assert api(server, search_query="cat:cs.DC").status == 200
    assert [(r.status, r.fault) for r in server.log] == [(0, Fault.RESET), (200, None)]


def test_stall_delays_then_answers_normally(server):
    server.inject(Fault.STALL, seconds=0.5)
    began = time.monotonic()
    reply = api(server, search_query="cat:cs.DC")
    assert time.monotonic() - began >= 0.5
    assert reply.status == 200 and len(feed_ids(reply.body)) == 3
    (logged,) = server.log
    assert logged.end - logged.start >= 0.5 and logged.fault is Fault.STALL


def test_stall_longer_than_the_client_waits_is_logged_when_the_client_hangs_up(server):
    server.inject(Fault.STALL, seconds=30)
    with pytest.raises(TimeoutError):
        fetch(server.api_url + "?search_query=cat:cs.DC", timeout=0.3)
    deadline = time.monotonic() + 5
    while not server.log and time.monotonic() < deadline:  # the server notices the hang-up at once
        time.sleep(0.01)
    (logged,) = server.log
    assert (logged.status, logged.fault) == (0, Fault.STALL)
    assert 0.2 <= logged.end - logged.start < 5  # the client started its clock before the server did
    assert api(server, search_query="cat:cs.DC").status == 200
    assert server.max_in_flight == 1  # the abandoned request was over before the next one came


def test_closing_the_server_ends_a_stall(server):
    server.inject(Fault.STALL, seconds=30)
    client = threading.Thread(target=lambda: fetch(server.api_url + "?search_query=cat:cs.DC", timeout=10))
    client.start()
    time.sleep(0.2)
    began = time.monotonic()
    server.close()
    client.join()
    assert time.monotonic() - began < 2


def test_truncate_cuts_the_body_in_half(server):
    whole = api(server, search_query=EVERYTHING).body
    server.inject(Fault.TRUNCATE)
    cut = api(server, search_query=EVERYTHING)
    assert cut.status == 200 and len(cut.body) == len(whole) // 2
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(cut.body)
    with pytest.raises(SourceError, match="malformed XML"):
        read_atom(cut.body, "x")


def test_empty_page_keeps_the_totals(server):
    server.inject(Fault.EMPTY_PAGE, when=lambda request: request.start > 0)
    first = api(server, search_query=EVERYTHING, start=0, max_results=3).body
    empty = api(server, search_query=EVERYTHING, start=3, max_results=3).body
    again = api(server, search_query=EVERYTHING, start=3, max_results=3).body
    assert len(feed_ids(first)) == 3 and feed_ids(empty) == [] and len(feed_ids(again)) == 3
    assert [opensearch(b, "totalResults") for b in (first, empty, again)] == [7, 7, 7]
    assert opensearch(empty, "startIndex") == 3
    assert read_atom(empty, "x").papers == ()  # a valid feed
    assert [r.fault for r in server.log] == [None, Fault.EMPTY_PAGE, None]


def test_error_400_sends_the_error_feed(server):
    server.inject(Fault.ERROR_400)
    server.inject(Fault.ERROR_400, message="search timed out")
    assert_error_feed(api(server, search_query="cat:cs.DC"), "injected error")
    assert_error_feed(api(server, search_query="cat:cs.DC"), "search timed out")


def test_faults_apply_in_injection_order(server):
    server.inject(Fault.STATUS_503)
    server.inject(Fault.STATUS_429)
    assert [api(server, search_query="cat:cs.DC").status for _ in range(3)] == [503, 429, 200]


def test_times_counts_only_the_requests_when_matches(server):
    server.inject(Fault.STATUS_503, times=2, when=lambda request: request.max_results == 5)
    statuses = [api(server, search_query="cat:cs.DC", max_results=m).status for m in (10, 5, 10, 5, 5)]
    assert statuses == [200, 503, 200, 503, 200]
    assert server.pending_faults == []


def test_a_later_fault_serves_requests_an_earlier_one_skips(server):
    server.inject(Fault.STATUS_503, when=lambda request: request.start > 0)
    server.inject(Fault.STATUS_429)
    assert api(server, search_query="cat:cs.DC", start=0).status == 429
    assert server.pending_faults == [(Fault.STATUS_503, 1)]
    assert api(server, search_query="cat:cs.DC", start=1).status == 503


def test_when_sees_the_parsed_request(server):
    seen: list[ParsedRequest] = []
    server.inject(Fault.STATUS_503, when=lambda request: seen.append(request) or False)
    api(server, search_query="cat:cs.DC", start=4, max_results=2)
    api(server, start="x")  # unparseable numbers read as the defaults
    first, second = seen
    assert (first.path, first.endpoint, first.start, first.max_results) == ("/api/query", "api", 4, 2)
    assert first.params == {"search_query": "cat:cs.DC", "start": "4", "max_results": "2"}
    assert (second.start, second.max_results) == (0, 10)


def test_faults_stay_on_their_endpoint(server):
    server.inject(Fault.STATUS_503, endpoint="oai")
    assert api(server, search_query="cat:cs.DC").status == 200
    assert oai(server, verb="ListRecords", metadataPrefix="arXivRaw").status == 503
    server.inject(Fault.STATUS_503)
    assert oai(server, verb="ListRecords", metadataPrefix="arXivRaw").status == 200
    assert api(server, search_query="cat:cs.DC").status == 503


def test_inject_rejects_what_it_would_ignore(server):
    with pytest.raises(TypeError):
        server.inject(Fault.STATUS_503, retry_afer=1)
    with pytest.raises(TypeError):
        server.inject(Fault.RESET, seconds=1)
    with pytest.raises(ValueError):
        server.inject(Fault.STATUS_503, times=0)
    with pytest.raises(ValueError):
        server.inject(Fault.STATUS_503, endpoint="rss")


# --- log and concurrency --------------------------------------------------------------------


def test_log_records_each_request(server):
    api(server, search_query="cat:cs.DC", start=0)
    api(server, search_query="cat:cs.DC", start="-1")
    oai(server, verb="ListRecords", metadataPrefix="arXivRaw")
    log = server.log
    assert all(isinstance(r, LoggedRequest) for r in log)
    assert [(r.path, r.status, r.fault) for r in log] == [
        ("/api/query", 200, None), ("/api/query", 400, None), ("/oai", 200, None),
    ]  # fmt: skip
    assert log[1].params == {"search_query": "cat:cs.DC", "start": "-1"}
    for earlier, later in pairwise(log):
        assert earlier.start <= earlier.end <= later.start  # sequential clients
    assert log[-1].end <= time.monotonic()


def test_log_is_a_snapshot(server):
    api(server, search_query="cat:cs.DC")
    snapshot = server.log
    snapshot.clear()
    assert len(server.log) == 1
    server.clear_log()
    assert server.log == []


def test_a_sequential_client_never_overlaps_and_always_finds_its_request_logged(server):
    # The handler counts a request out just before its last byte: no race with the next request.
    for n in range(1, 41):
        api(server, search_query="cat:cs.DC")
        assert len(server.log) == n
    assert server.max_in_flight == 1


def test_max_in_flight_counts_concurrent_requests(server):
    api(server, search_query="cat:cs.DC")
    api(server, search_query="cat:cs.DC")
    assert server.max_in_flight == 1  # one after the other
    server.inject(Fault.STALL, times=2, seconds=0.4)  # hold both so they overlap
    statuses: list[int] = []
    clients = [
        threading.Thread(target=lambda: statuses.append(api(server, search_query="cat:cs.DC").status))
        for _ in range(2)
    ]
    for client in clients:
        client.start()
    for client in clients:
        client.join()
    assert statuses == [200, 200]
    assert server.max_in_flight == 2
    stalled = [r for r in server.log if r.fault is Fault.STALL]
    assert len(stalled) == 2 and stalled[1].start < stalled[0].end  # they overlapped


def test_entries_can_be_replaced_between_runs(server):
    revised = Entry("2401.00001", 2, E1.submitted, at(2024, 4, 1), E1.title, E1.authors, E1.categories, "New.")
    new = Entry("2404.00001", 1, at(2024, 4, 2), None, "Fresh", ("K. Ten",), ("cs.DC",), "New paper.")
    server.entries = [revised, new, *ENTRIES[1:]]
    april = "cat:cs.DC AND lastUpdatedDate:[202404010000 TO 202404302359]"
    feed = read_atom(api(server, search_query=april).body, "x")
    assert [(p.arxiv_id, p.version) for p in feed.papers] == [("2401.00001", 2), ("2404.00001", 1)]
    identifiers, _ = harvest(server, metadataPrefix="arXivRaw", **{"from": "2024-04-01"})
    assert identifiers == ["2401.00001", "2404.00001"]


def test_entries_are_checked():
    with pytest.raises(ValueError, match="timezone-aware"):
        Entry("2401.00001", 1, datetime(2024, 1, 1), None, "t", (), ("cs.DC",), "a")
    with pytest.raises(ValueError, match="v1"):
        Entry("2401.00001", 1, at(2024, 1, 1), at(2024, 2, 1), "t", (), ("cs.DC",), "a")
    with pytest.raises(ValueError, match="category"):
        Entry("2401.00001", 1, at(2024, 1, 1), None, "t", (), (), "a")
    with pytest.raises(ValueError, match="distinct"):
        ReplayServer([E1, E1]).close()


def test_version_dates_are_spaced_evenly():
    assert E3.version_dates == (at(2024, 1, 31, 23, 59, 30), at(2024, 2, 17, 17, 59, 45), at(2024, 3, 5, 12))
    undated = Entry("2401.00009", 3, at(2024, 1, 1), None, "t", (), ("cs.DC",), "a")
    assert undated.version_dates == (at(2024, 1, 1), at(2024, 1, 2), at(2024, 1, 3))


# --- OAI-PMH ----------------------------------------------------------------------------------


def oai_root(reply: Reply) -> etree._Element:
    assert reply.status == 200
    root = etree.fromstring(reply.body)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", root.findtext(OAI + "responseDate"))
    return root


def harvest(server: ReplayServer, **params: str) -> tuple[list[str], list[etree._Element]]:
    """Follow resumption tokens to the end: (identifiers in order, the pages)."""
    pages = [oai_root(oai(server, verb="ListRecords", **params))]
    while (token := pages[-1].find(f"{OAI}ListRecords/{OAI}resumptionToken")) is not None:
        pages.append(oai_root(oai(server, verb="ListRecords", resumptionToken=token.text)))
    identifiers = [i.text.removeprefix("oai:arXiv.org:") for page in pages for i in page.iter(OAI + "identifier")]
    return identifiers, pages


def test_oai_pages_with_tokens_to_the_end(server):
    identifiers, pages = harvest(server, metadataPrefix="arXivRaw")
    # datestamp (latest version's day) order, then id
    assert identifiers == [
        "hep-th/9901001", "2401.00001", "2402.00001", "2402.00002", "2402.00003", "2401.00002", "2401.00003",
    ]  # fmt: skip
    assert [len(page.findall(f"{OAI}ListRecords/{OAI}record")) for page in pages] == [3, 3, 1]
    for page in pages[:-1]:
        token = page.find(f"{OAI}ListRecords/{OAI}resumptionToken")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT00:00:00Z", token.get("expires"))
        assert token.text
    assert pages[-1].find(f".//{OAI}resumptionToken") is None  # new-server style: no element at the end
    assert pages[1].find(OAI + "request").attrib["resumptionToken"] == pages[0].findtext(f".//{OAI}resumptionToken")


def test_oai_token_sent_back_unencoded_works_too(server):
    token = oai_root(oai(server, verb="ListRecords", metadataPrefix="arXiv")).findtext(f".//{OAI}resumptionToken")
    assert "%" in token  # arXiv's tokens are URL-encoded query strings
    page = oai_root(fetch(f"{server.oai_url}?verb=ListRecords&resumptionToken={token}"))
    assert len(page.findall(f".//{OAI}record")) == 3


def test_oai_arxivraw_record(server):
    (record,) = [
        r for r in oai_root(oai(server, verb="ListRecords", metadataPrefix="arXivRaw", set="stat")).iter(OAI + "record")
    ]
    header = record.find(OAI + "header")
    assert header.findtext(OAI + "identifier") == "oai:arXiv.org:2401.00003"
    assert header.findtext(OAI + "datestamp") == "2024-03-05"
    assert [s.text for s in header.findall(OAI + "setSpec")] == ["cs:cs:LG", "stat:stat:ML"]
    raw = record.find(f"{OAI}metadata/{RAW}arXivRaw")
    recorded = etree.parse(str(FIXTURES / "oai-pmh/GetRecordResponse.xml")).find(f".//{RAW}arXivRaw")
    assert collapsed_tags(raw) == collapsed_tags(recorded)
    versions = raw.findall(RAW + "version")
    assert [v.get("version") for v in versions] == ["v1", "v2", "v3"]
    assert versions[0].findtext(RAW + "date") == "Wed, 31 Jan 2024 23:59:30 GMT"
    assert [parsedate_to_datetime(v.findtext(RAW + "date")) for v in versions] == list(E3.version_dates)
    assert raw.findtext(RAW + "authors") == "D. Four, E. Five and F. Six"
    assert raw.findtext(RAW + "categories") == "cs.LG stat.ML"
    assert raw.findtext(RAW + "comments") == "v3: typos"


def test_oai_arxivraw_authors_and_extras(server):
    root = oai_root(oai(server, verb="ListRecords", metadataPrefix="arXivRaw", set="physics:hep-ph"))
    raw = root.find(f".//{RAW}arXivRaw")
    assert raw.findtext(RAW + "authors") == "H. Seven and I. Eight"
    assert raw.findtext(RAW + "journal-ref") == "Phys. Rev. D 1 (2024) 2"
    assert raw.findtext(RAW + "doi") == "10.1000/xyz.1"


def test_oai_arxiv_format_splits_names(server):
    root = oai_root(oai(server, verb="ListRecords", metadataPrefix="arXiv", set="cs:cs:DC"))
    records = {r.findtext(f"{OAI}metadata/{ARXIV}arXiv/{ARXIV}id"): r.find(f"{OAI}metadata/{ARXIV}arXiv")
               for r in root.iter(OAI + "record")}  # fmt: skip
    assert list(records) == ["2401.00001", "2402.00001", "2401.00002"]
    assert names(records["2401.00001"]) == [("One", "A."), ("Two", "B.")]  # split on the last space
    assert names(records["2402.00001"]) == [("O'Brien", "Zoë")]
    assert records["2402.00001"].findtext(ARXIV + "title") == E4.title
    assert dates(records["2401.00001"]) == ("2024-01-02", None)  # <updated> only once revised
    assert dates(records["2401.00002"]) == ("2024-01-15", "2024-02-20")
    assert records["2401.00002"].findtext(ARXIV + "categories") == "cs.DC cs.LG"


def names(record: etree._Element) -> list[tuple[str, str | None]]:
    return [(a.findtext(ARXIV + "keyname"), a.findtext(ARXIV + "forenames")) for a in record.iter(ARXIV + "author")]


def dates(record: etree._Element) -> tuple[str, str | None]:
    return record.findtext(ARXIV + "created"), record.findtext(ARXIV + "updated")


def test_oai_single_word_name_has_no_forenames(server):
    root = oai_root(oai(server, verb="ListRecords", metadataPrefix="arXiv", set="math"))
    assert names(root.find(f".//{ARXIV}arXiv")) == [("Gauss", None)]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"set": "cs"}, ["2401.00001", "2402.00001", "2402.00002", "2401.00002", "2401.00003"]),
        ({"set": "cs:cs:DC"}, ["2401.00001", "2402.00001", "2401.00002"]),
        ({"set": "physics"}, ["hep-th/9901001", "2402.00003"]),
        ({"set": "physics:hep-ph"}, ["2402.00003"]),
        ({"set": "math:math:CO"}, ["2402.00002"]),
        ({"from": "2024-02-10"}, ["2402.00002", "2402.00003", "2401.00002", "2401.00003"]),
        ({"until": "2024-02-01"}, ["hep-th/9901001", "2401.00001", "2402.00001"]),
        ({"from": "2024-02-12", "until": "2024-02-20", "set": "cs"}, ["2401.00002"]),
    ],
)
def test_oai_selects_by_set_and_datestamp(server, params, expected):
    identifiers, _ = harvest(server, metadataPrefix="arXivRaw", **params)
    assert identifiers == expected


LIST = {"verb": "ListRecords"}
RAW_LIST = {**LIST, "metadataPrefix": "arXivRaw"}


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"verb": "wah"}, "badVerb"),
        ({}, "badVerb"),
        ({"verb": "Identify"}, "badVerb"),  # only ListRecords is played
        (LIST, "badArgument"),  # no metadataPrefix
        ({**RAW_LIST, "identifier": "oai:arXiv.org:2401.00001"}, "badArgument"),
        ({**RAW_LIST, "resumptionToken": "x"}, "badArgument"),  # the token is an exclusive argument
        ({**RAW_LIST, "from": "2024-13-01"}, "badArgument"),
        ({**RAW_LIST, "from": "2024-01-01T00:00:00Z"}, "badArgument"),  # granularity is the day
        ({**RAW_LIST, "from": "2024-03-01", "until": "2024-02-01"}, "badArgument"),
        ({**LIST, "resumptionToken": "garbage"}, "badResumptionToken"),
        ({**LIST, "resumptionToken": "metadataPrefix%3DarXivRaw"}, "badResumptionToken"),  # no skip
        ({**LIST, "metadataPrefix": "oai_dc"}, "cannotDisseminateFormat"),
        ({**RAW_LIST, "set": "moo"}, "noRecordsMatch"),
        ({**RAW_LIST, "from": "2030-01-01"}, "noRecordsMatch"),
    ],
)
def test_oai_errors(server, params, code):
    root = oai_root(oai(server, **params))
    (error,) = root.findall(OAI + "error")
    assert error.get("code") == code and error.text
    assert root.find(OAI + "ListRecords") is None


def test_oai_token_past_the_end_after_the_list_shrank(server):
    token = oai_root(oai(server, verb="ListRecords", metadataPrefix="arXivRaw")).findtext(f".//{OAI}resumptionToken")
    server.entries = ENTRIES[:2]
    (error,) = oai_root(oai(server, verb="ListRecords", resumptionToken=token)).findall(OAI + "error")
    assert error.get("code") == "noRecordsMatch"


def test_oai_faults(server):
    server.inject(Fault.STATUS_503, retry_after=2, endpoint="oai")
    server.inject(Fault.EMPTY_PAGE, endpoint="oai", when=lambda request: request.start == 3)
    server.inject(Fault.ERROR_400, endpoint="oai", when=lambda request: request.start == 3)
    refused = oai(server, verb="ListRecords", metadataPrefix="arXivRaw")
    assert (refused.status, refused.headers["Retry-After"]) == (503, "2")
    first = oai_root(oai(server, verb="ListRecords", metadataPrefix="arXivRaw"))
    token = first.findtext(f".//{OAI}resumptionToken")
    empty = oai_root(oai(server, verb="ListRecords", resumptionToken=token))
    assert empty.findall(f".//{OAI}record") == []
    assert empty.findtext(f".//{OAI}resumptionToken") == token  # resumes at the same place
    bad = oai(server, verb="ListRecords", resumptionToken=token)
    assert bad.status == 400 and etree.fromstring(bad.body).find(OAI + "error").get("code") == "badArgument"
    assert len(oai_root(oai(server, verb="ListRecords", resumptionToken=token)).findall(f".//{OAI}record")) == 3
    assert [r.fault for r in server.log] == [Fault.STATUS_503, None, Fault.EMPTY_PAGE, Fault.ERROR_400, None]


def test_oai_datestamp_is_the_latest_version_day(server):
    root = oai_root(oai(server, verb="ListRecords", metadataPrefix="arXivRaw", set="cs:cs:LG"))
    stamps = {h.findtext(OAI + "identifier"): date.fromisoformat(h.findtext(OAI + "datestamp"))
              for h in root.iter(OAI + "header")}  # fmt: skip
    assert stamps == {"oai:arXiv.org:2401.00002": date(2024, 2, 20), "oai:arXiv.org:2401.00003": date(2024, 3, 5)}
