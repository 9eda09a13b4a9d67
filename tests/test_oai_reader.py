"""Tests of the OAI-PMH reader (arXivRaw and arXiv formats): the recorded answers in
tests/fixtures/oai-pmh/ (one GetRecord, five errors) and the hand-made pages in
tests/fixtures/oai/ (a trimmed real old-server page, an invented last page, an invented
new-server page in the `arXiv` format).

Expected values are read off the XML files, not off the reader's output.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest

from paperkg import taxonomy
from paperkg.errors import SourceError
from paperkg.records import Author, Paper, Version
from paperkg.sources.oai import OaiError, OaiPage, read_oai, split_authors

FIXTURES = Path(__file__).parent / "fixtures"
REAL = FIXTURES / "oai-pmh"
HAND = FIXTURES / "oai"

GET_RECORD = REAL / "GetRecordResponse.xml"  # real, old server, arXivRaw
OLD_PAGE = HAND / "old_server_listrecords_arxivraw.xml"  # trimmed real page, old server
LAST_PAGE = HAND / "old_server_last_page_arxivraw.xml"  # invented, old server, last page
NEW_PAGE = HAND / "new_server_listrecords_arxiv.xml"  # invented, new server, `arXiv` format
PAGES = [GET_RECORD, OLD_PAGE, LAST_PAGE, NEW_PAGE]


@cache
def page(path: Path) -> OaiPage:
    return read_oai(path.read_bytes(), str(path))


def paper(path: Path, arxiv_id: str) -> Paper:
    (found,) = [p for p in page(path).papers if p.arxiv_id == arxiv_id]
    return found


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def name_of(path: Path) -> str:
    return str(path.relative_to(FIXTURES))


# --- every page: envelope, ids in order, deleted ids, token ------------------------------

NEW_TOKEN = "verb=ListRecords&metadataPrefix=arXiv&set=cs&from=2024-01-01&skip=2000"

PAGE_CASES = [
    # path, responseDate, paper ids in order, deleted ids, token, cursor, completeListSize
    (GET_RECORD, "2015-01-06T20:48:16Z", ["1302.2146"], [], None, None, None),
    (OLD_PAGE, "2015-01-06T20:49:59Z", ["0704.0471", "0704.0716", "0704.1586"], [],
     "726959|1001", 0, 58011),
    (LAST_PAGE, "2015-01-06T21:02:44Z", ["1412.99991", "math/0102999"], [], "", 2000, 2002),
    (NEW_PAGE, "2026-06-01T09:15:02Z", ["2401.09999", "hep-th/9901001"], ["2312.99998"],
     NEW_TOKEN, None, None),
]  # fmt: skip


def test_page_cases_cover_every_paper_fixture():
    hand_made = sorted(HAND.glob("*.xml"))
    assert sorted(case[0] for case in PAGE_CASES) == sorted([GET_RECORD, *hand_made])


@pytest.mark.parametrize(
    "path, response_date, ids, deleted, token, cursor, size", PAGE_CASES, ids=[name_of(c[0]) for c in PAGE_CASES]
)
def test_page(path, response_date, ids, deleted, token, cursor, size):
    result = page(path)
    assert result.source == str(path)
    assert result.response_date == response_date
    assert [p.arxiv_id for p in result.papers] == ids
    assert list(result.deleted_ids) == deleted
    assert result.resumption_token == token
    assert result.cursor == cursor
    assert result.complete_list_size == size


FEED_CASES = [
    # path, total_results, start_index, items_per_page
    (GET_RECORD, 1, None, 1),
    (OLD_PAGE, 58011, 0, 3),  # completeListSize and cursor of the old server
    (LAST_PAGE, 2002, 2000, 2),
    (NEW_PAGE, 2, None, 2),  # the new server gives neither: the page's own count
]


@pytest.mark.parametrize("path, total, start, per_page", FEED_CASES, ids=[name_of(c[0]) for c in FEED_CASES])
def test_feed_view(path, total, start, per_page):
    feed = page(path).feed()
    assert (feed.info.source, feed.info.query) == (str(path), None)
    assert (feed.info.total_results, feed.info.start_index, feed.info.items_per_page) == (total, start, per_page)
    assert feed.papers == page(path).papers


def test_deleted_record_is_not_a_paper():
    assert "2312.99998" in NEW_PAGE.read_text("utf-8")
    assert page(NEW_PAGE).deleted_ids == ("2312.99998",)
    assert all(p.arxiv_id != "2312.99998" for p in page(NEW_PAGE).papers)


def test_new_server_token_is_kept_as_given():
    raw = NEW_PAGE.read_text("utf-8")
    assert 'expires="2026-06-02T00:00:00Z">verb=ListRecords&amp;metadataPrefix=arXiv' in raw
    assert page(NEW_PAGE).resumption_token.endswith("&skip=2000")  # XML entities decoded


# --- every paper: the same kind of record ------------------------------------------------


@pytest.mark.parametrize("path", PAGES, ids=name_of)
def test_records_have_one_shape(path):
    codes = taxonomy.load()
    retrieved = datetime.fromisoformat(page(path).response_date)
    for p in page(path).papers:
        for text in (p.title, p.abstract, p.comment or "", p.journal_ref or "", *(a.name for a in p.authors)):
            assert text == " ".join(text.split()), (p.arxiv_id, text)
        assert p.title and p.abstract and p.authors
        assert p.published.tzinfo is UTC and p.updated.tzinfo is UTC
        assert p.versions[0] == Version(1, p.published)
        numbers = [v.number for v in p.versions]
        assert numbers == sorted(set(numbers)) and numbers[-1] == p.version
        assert p.primary_category == p.categories[0]
        assert all(codes.is_code(c) for c in p.categories)
        assert p.source == str(path)
        assert p.retrieved == retrieved


# --- spot checks: one field of one paper -------------------------------------------------

FIELD_CASES = [
    # real GetRecord (arXivRaw, old server)
    (GET_RECORD, "1302.2146", "version", 2),
    (GET_RECORD, "1302.2146", "versions", (
        Version(1, utc(2013, 2, 8, 21, 0, 1)), Version(2, utc(2013, 4, 2, 1, 50, 8)),
    )),
    (GET_RECORD, "1302.2146", "published", utc(2013, 2, 8, 21, 0, 1)),
    (GET_RECORD, "1302.2146", "updated", utc(2013, 4, 2, 1, 50, 8)),
    (GET_RECORD, "1302.2146", "title", "The Same-Sign Dilepton Signature of RPV/MFV SUSY"),
    (GET_RECORD, "1302.2146", "authors", (
        Author("Joshua Berger"), Author("Maxim Perelstein"), Author("Michael Saelim"),
        Author("Philip Tanedo"),
    )),
    (GET_RECORD, "1302.2146", "primary_category", "hep-ph"),
    (GET_RECORD, "1302.2146", "categories", ("hep-ph", "hep-ex")),
    (GET_RECORD, "1302.2146", "comment", "18 pages, 6 figures; v2: References added"),
    (GET_RECORD, "1302.2146", "journal_ref", None),
    (GET_RECORD, "1302.2146", "dois", ()),
    (GET_RECORD, "1302.2146", "abs_url", "https://arxiv.org/abs/1302.2146v2"),
    (GET_RECORD, "1302.2146", "pdf_url", "https://arxiv.org/pdf/1302.2146v2"),
    (GET_RECORD, "1302.2146", "retrieved", utc(2015, 1, 6, 20, 48, 16)),
    # trimmed real page (old server): ", and", two DOIs in one field, msc-class, four versions
    (OLD_PAGE, "0704.0471", "authors", (
        Author("D.V. Shetty"), Author("S.J. Yennello"), Author("G.A. Souliotis"),
    )),
    (OLD_PAGE, "0704.0471", "title",
     "Density dependence of the symmetry energy and the nuclear equation of state: "
     "A Dynamical and Statistical model perspective"),
    (OLD_PAGE, "0704.0471", "dois", ("10.1103/PhysRevC.76.024606", "10.1103/PhysRevC.76.039902")),
    (OLD_PAGE, "0704.0471", "journal_ref", "Phys.Rev.C76:024606,2007; Erratum-ibid.C76:039902,2007"),
    (OLD_PAGE, "0704.0471", "versions", (Version(1, utc(2007, 4, 3, 22, 4, 11)),)),
    (OLD_PAGE, "0704.0471", "updated", utc(2007, 4, 3, 22, 4, 11)),
    (OLD_PAGE, "0704.0471", "categories", ("nucl-ex", "nucl-th")),
    (OLD_PAGE, "0704.1586", "dois", ("10.1103/PhysRevC.76.014611", "10.1103/PhysRev.C77.049901")),
    (OLD_PAGE, "0704.1586", "journal_ref", "Phys.Rev.C76:014611,2007; Erratum-ibid..C77:049901,2008"),
    (OLD_PAGE, "0704.1586", "authors", (Author("N.C. Summers"), Author("F.M. Nunes"))),
    (OLD_PAGE, "0704.1586", "title",
     "Core excitation in the elastic scattering and breakup of $^{11}$Be on protons"),
    (OLD_PAGE, "0704.0716", "version", 4),
    (OLD_PAGE, "0704.0716", "versions", (
        Version(1, utc(2007, 4, 5, 12, 45, 3)), Version(2, utc(2007, 9, 28, 15, 13, 43)),
        Version(3, utc(2008, 2, 29, 16, 5, 39)), Version(4, utc(2008, 11, 14, 9, 7, 25)),
    )),
    (OLD_PAGE, "0704.0716", "categories", ("math-ph", "math.MP")),
    (OLD_PAGE, "0704.0716", "msc_classes", ("05A15, 05A16",)),
    (OLD_PAGE, "0704.0716", "acm_classes", ()),
    (OLD_PAGE, "0704.0716", "comment",
     "54 pages, 2 figures; v2 updated and slightly expanded; v3 changes in some proofs; "
     "v4 slightly expanded"),
    (OLD_PAGE, "0704.0716", "journal_ref",
     "Polygons, polyominoes and polycubes, 247-299, Lecture Notes in Phys., 775, Springer, "
     "Dordrecht, 2009"),
    (OLD_PAGE, "0704.0716", "abs_url", "https://arxiv.org/abs/0704.0716v4"),
    # invented last page: raw author strings with affiliations; versions out of order
    (LAST_PAGE, "1412.99991", "authors", (
        Author("A. Smith", ("MIT",)),
        Author("B. Jones", ("Dept. of Physics, Univ. of Nowhere",)),
        Author("C. Bal\\'azs"),  # TeX accent kept as written
    )),
    (LAST_PAGE, "1412.99991", "version", 3),
    (LAST_PAGE, "1412.99991", "versions", (
        Version(1, utc(2014, 12, 1, 10)), Version(2, utc(2014, 12, 16, 17, 45, 10)),
        Version(3, utc(2015, 1, 4, 8, 30)),
    )),
    (LAST_PAGE, "1412.99991", "updated", utc(2015, 1, 4, 8, 30)),
    (LAST_PAGE, "1412.99991", "categories", ("astro-ph.CO", "astro-ph.GA")),
    (LAST_PAGE, "1412.99991", "title", "An Invented Survey of Imaginary Galaxies"),
    (LAST_PAGE, "math/0102999", "authors", (
        Author("D. One", ("Univ. A",)),
        Author("E. Two", ("Univ. A", "Lab B, Somewhere")),
        Author("F. Three", ("Lab B, Somewhere",)),
    )),
    # "Wed, 28 Feb 2001 23:30:00 -0500" is the next day in UTC
    (LAST_PAGE, "math/0102999", "published", utc(2001, 3, 1, 4, 30)),
    (LAST_PAGE, "math/0102999", "primary_category", "math.CO"),
    (LAST_PAGE, "math/0102999", "categories", ("math.CO", "cs.DM")),
    (LAST_PAGE, "math/0102999", "msc_classes", ("05C10 (Primary); 05C85",)),
    (LAST_PAGE, "math/0102999", "acm_classes", ("G.2.2",)),
    (LAST_PAGE, "math/0102999", "abs_url", "https://arxiv.org/abs/math/0102999v1"),
    (LAST_PAGE, "math/0102999", "pdf_url", "https://arxiv.org/pdf/math/0102999v1"),
    # invented new-server page, `arXiv` format: parsed names, day dates, no version number
    (NEW_PAGE, "2401.09999", "authors", (
        Author("Grace M. Example", ("Dept. of Computing, Example University", "Example Institute"),
               keyname="Example", forenames="Grace M."),
        Author("Lei", keyname="Lei"),
    )),
    (NEW_PAGE, "2401.09999", "version", 1),
    (NEW_PAGE, "2401.09999", "versions", (Version(1, utc(2024, 1, 17)),)),
    (NEW_PAGE, "2401.09999", "published", utc(2024, 1, 17)),
    (NEW_PAGE, "2401.09999", "updated", utc(2024, 3, 2)),
    (NEW_PAGE, "2401.09999", "title", "Scheduling Invented Workloads on Imaginary Clusters"),
    (NEW_PAGE, "2401.09999", "abstract",
     "We schedule workloads that do not exist on clusters that were never built."),
    (NEW_PAGE, "2401.09999", "comment", "12 pages, 3 figures; v2: typos fixed"),
    (NEW_PAGE, "2401.09999", "dois", ("10.1234/invented.2024.1", "10.5678/invented-2024")),
    (NEW_PAGE, "2401.09999", "msc_classes", ("68M14",)),
    (NEW_PAGE, "2401.09999", "acm_classes", ("C.2.4; D.1.3",)),
    (NEW_PAGE, "2401.09999", "categories", ("cs.DC", "cs.LG")),
    (NEW_PAGE, "2401.09999", "abs_url", "https://arxiv.org/abs/2401.09999"),  # latest, unnumbered
    (NEW_PAGE, "2401.09999", "pdf_url", "https://arxiv.org/pdf/2401.09999"),
    (NEW_PAGE, "2401.09999", "retrieved", utc(2026, 6, 1, 9, 15, 2)),
    (NEW_PAGE, "hep-th/9901001", "authors", (
        Author("Robert C. Jones Jr.", ("Invented Laboratory",),
               keyname="Jones", forenames="Robert C.", suffix="Jr."),
        Author("Anna van der Berg", keyname="van der Berg", forenames="Anna"),
    )),
    (NEW_PAGE, "hep-th/9901001", "published", utc(1999, 1, 4)),
    (NEW_PAGE, "hep-th/9901001", "updated", utc(1999, 1, 4)),  # never revised: v1 is the latest
    (NEW_PAGE, "hep-th/9901001", "categories", ("hep-th", "gr-qc")),
    (NEW_PAGE, "hep-th/9901001", "primary_category", "hep-th"),
    (NEW_PAGE, "hep-th/9901001", "journal_ref", "Invented J. Phys. 1 (1999) 1-10"),
    (NEW_PAGE, "hep-th/9901001", "comment", None),
    (NEW_PAGE, "hep-th/9901001", "dois", ()),
    (NEW_PAGE, "hep-th/9901001", "abs_url", "https://arxiv.org/abs/hep-th/9901001"),
]  # fmt: skip


@pytest.mark.parametrize(
    "path, arxiv_id, field, expected", FIELD_CASES, ids=[f"{c[0].name}:{c[1]}:{c[2]}" for c in FIELD_CASES]
)
def test_paper_field(path, arxiv_id, field, expected):
    assert getattr(paper(path, arxiv_id), field) == expected


def test_two_doi_field_is_one_element_in_the_file():
    raw = OLD_PAGE.read_text("utf-8")
    assert "<doi>10.1103/PhysRevC.76.014611 10.1103/PhysRev.C77.049901</doi>" in raw
    assert len(paper(OLD_PAGE, "0704.1586").dois) == 2


def test_real_author_string_is_one_element_in_the_file():
    raw = GET_RECORD.read_text("utf-8")
    assert "<authors>Joshua Berger, Maxim Perelstein, Michael Saelim and Philip Tanedo</authors>" in raw
    assert [a.name for a in paper(GET_RECORD, "1302.2146").authors] == [
        "Joshua Berger", "Maxim Perelstein", "Michael Saelim", "Philip Tanedo",
    ]  # fmt: skip


def test_arxiv_format_does_not_claim_a_later_version():
    """`arXiv` gives created/updated but no N: the record says v1 and dates only v1."""
    revised = paper(NEW_PAGE, "2401.09999")
    assert "<updated>2024-03-02</updated>" in NEW_PAGE.read_text("utf-8")
    assert (revised.version, revised.versions) == (1, (Version(1, utc(2024, 1, 17)),))
    assert revised.updated == utc(2024, 3, 2)


# --- the raw author string ---------------------------------------------------------------

SPLIT_CASES = [
    # (raw, [(name, affiliations), ...])
    ("Joshua Berger, Maxim Perelstein, Michael Saelim and Philip Tanedo",
     [("Joshua Berger", ()), ("Maxim Perelstein", ()), ("Michael Saelim", ()), ("Philip Tanedo", ())]),
    ("D.V. Shetty, S.J. Yennello, and G.A. Souliotis",
     [("D.V. Shetty", ()), ("S.J. Yennello", ()), ("G.A. Souliotis", ())]),
    ("Valeria M. Rosa and Patricio S. letelier", [("Valeria M. Rosa", ()), ("Patricio S. letelier", ())]),
    ("Christoph Richard", [("Christoph Richard", ())]),
    ("C. Bal\\'azs, E. L. Berger, P. M. Nadolsky, C.-P. Yuan",
     [("C. Bal\\'azs", ()), ("E. L. Berger", ()), ("P. M. Nadolsky", ()), ("C.-P. Yuan", ())]),
    ("A. Smith (MIT), B. Jones", [("A. Smith", ("MIT",)), ("B. Jones", ())]),
    # a comma inside parentheses does not split
    ("A. Smith (Dept. of Physics, MIT) and B. Jones (Harvard)",
     [("A. Smith", ("Dept. of Physics, MIT",)), ("B. Jones", ("Harvard",))]),
    ("A. Smith (MIT) (Harvard), B. Jones", [("A. Smith", ("MIT", "Harvard")), ("B. Jones", ())]),
    ("A. Smith (Dept. of Physics (DESY), Hamburg), B. Jones",
     [("A. Smith", ("Dept. of Physics (DESY), Hamburg",)), ("B. Jones", ())]),
    ("A. Smith (MIT), and B. Jones (MIT)", [("A. Smith", ("MIT",)), ("B. Jones", ("MIT",))]),
    # affiliations are not copied to the authors before (arXiv's display would imply that)
    ("A. Smith, B. Jones (MIT)", [("A. Smith", ()), ("B. Jones", ("MIT",))]),
    ("A. Smith, (MIT)", [("A. Smith", ("MIT",))]),
    # numbered affiliations and their legend
    ("A. Smith (1), B. Jones (1 and 2) ((1) MIT, (2) Harvard)",
     [("A. Smith", ("MIT",)), ("B. Jones", ("MIT", "Harvard"))]),
    ("A. Smith (1, 2), B. Jones (2) ((1) MIT, Cambridge, (2) Harvard)",
     [("A. Smith", ("MIT, Cambridge", "Harvard")), ("B. Jones", ("Harvard",))]),
    ("A. Smith (1), B. Jones (3) ((1) MIT and (2) Harvard)", [("A. Smith", ("MIT",)), ("B. Jones", ())]),
    # other separators
    ("A. Smith & B. Jones", [("A. Smith", ()), ("B. Jones", ())]),
    ("A. Smith; B. Jones", [("A. Smith", ()), ("B. Jones", ())]),
    ("BELLE Collaboration: A. Person, N. Other",
     [("BELLE Collaboration", ()), ("A. Person", ()), ("N. Other", ())]),
    ("The DELPHI Collaboration, J. Abdallah, et al",
     [("The DELPHI Collaboration", ()), ("J. Abdallah", ())]),
    ("J. Abdallah et al.", [("J. Abdallah", ())]),
    # suffix joins the name before it
    ("John Smith, Jr., Mary Jones", [("John Smith Jr.", ()), ("Mary Jones", ())]),
    ("John Smith, III (MIT) and Mary Jones", [("John Smith III", ("MIT",)), ("Mary Jones", ())]),
    # "and" inside a word, TeX, wrapping, empty parts
    ("Anders Andersen and Andrea Anderson", [("Anders Andersen", ()), ("Andrea Anderson", ())]),
    ("J.\\,Smith, A. Jones", [("J.\\,Smith", ()), ("A. Jones", ())]),
    ("A. Smith,\n  B. Jones,, C. Brown,", [("A. Smith", ()), ("B. Jones", ()), ("C. Brown", ())]),
    ("A. Smith (Dept. of Physics,\n  Univ. of\n  Nowhere)", [("A. Smith", ("Dept. of Physics, Univ. of Nowhere",))]),
    # unbalanced parentheses: no author is lost
    ("A. Smith (MIT, B. Jones", [("A. Smith (MIT", ()), ("B. Jones", ())]),
    ("A. Smith, B. Jones)", [("A. Smith", ()), ("B. Jones)", ())]),
    ("", []),
    (" , ", []),
]  # fmt: skip


@pytest.mark.parametrize("raw, expected", SPLIT_CASES, ids=[c[0][:40] or "empty" for c in SPLIT_CASES])
def test_split_authors(raw, expected):
    assert split_authors(raw) == tuple(Author(name, affiliations) for name, affiliations in expected)


# --- OAI-PMH errors ----------------------------------------------------------------------

ERROR_CASES = [
    # file, code, text of the <error> element, its line
    ("ErrorResponseBadArgument.xml", "badArgument", "Verb 'ListRecords', illegal argument 'identifier'.", 5),
    ("ErrorResponseBadResumptionToken.xml", "badResumptionToken",
     "The resumptionToken supplied is illegal for this repository", 5),
    ("ErrorResponseBadVerb.xml", "badVerb", "Bad verb. Verb 'wah' not implemented.", 4),
    ("ErrorResponseIdDoesNotExist.xml", "idDoesNotExist",
     "Identifier 'oai:arXiv.org:0813.2274' has correct form but does not correspond to an item in this repository",
     5),
]  # fmt: skip


def test_error_cases_cover_every_error_file():
    listed = {case[0] for case in ERROR_CASES} | {"ErrorResponseNoRecordsMatch.xml"}
    assert listed == {path.name for path in REAL.glob("ErrorResponse*.xml")}


@pytest.mark.parametrize("name, code, text, line", ERROR_CASES, ids=[c[1] for c in ERROR_CASES])
def test_error_answer_raises_oai_error(name, code, text, line):
    path = REAL / name
    with pytest.raises(OaiError) as caught:
        read_oai(path.read_bytes(), str(path))
    assert isinstance(caught.value, SourceError)
    assert caught.value.code == code
    assert (caught.value.source, caught.value.line) == (str(path), line)
    assert str(caught.value) == f"{path}:{line}: OAI-PMH error {code}: {text}"


def test_no_records_match_is_an_empty_page():
    path = REAL / "ErrorResponseNoRecordsMatch.xml"
    result = read_oai(path.read_bytes(), str(path))
    assert result == OaiPage(str(path), "2015-06-23T13:28:30Z", (), (), None, None, None)
    assert (result.feed().info.total_results, result.feed().papers) == (0, ())


def test_any_other_error_beside_no_records_match_is_raised():
    data = (REAL / "ErrorResponseNoRecordsMatch.xml").read_bytes()
    extra = b'<error code="badArgument">Illegal date.</error>\n</OAI-PMH>'
    with pytest.raises(OaiError) as caught:
        read_oai(data.replace(b"</OAI-PMH>", extra), "two.xml")
    assert (caught.value.code, caught.value.line) == ("badArgument", 6)
    assert str(caught.value) == "two.xml:6: OAI-PMH error badArgument: Illegal date."


# --- malformed input ---------------------------------------------------------------------


def truncated(path: Path, before: bytes) -> tuple[bytes, int]:
    """The file cut just before `before`, and the (1-based) line the cut falls on."""
    data = path.read_bytes()
    cut = data.index(before)
    return data[:cut], data[:cut].count(b"\n") + 1


@pytest.mark.parametrize("before", [b"MFV couplings", b"</GetRecord>", b"<metadata>"])
def test_truncated_copy_raises_source_error_with_line(before):
    data, line = truncated(GET_RECORD, before)
    with pytest.raises(SourceError) as caught:
        read_oai(data, "cut.xml")
    assert caught.value.line == line
    assert str(caught.value).startswith(f"cut.xml:{line}: malformed XML: ")


# One record per answer; the <header> is on line 6 and the metadata on line 7.
ENVELOPE = """<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">
<responseDate>2026-06-01T00:00:00Z</responseDate>
<{verb}>
<record>
{header}
{metadata}
</record>
</{verb}>
</OAI-PMH>
"""
HEADER = "<header><identifier>oai:arXiv.org:{}</identifier><datestamp>2026-06-01</datestamp></header>"
RAW = (
    '<metadata><arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/">{id}'
    '<version version="{version}"><date>{date}</date></version>{title}<authors>A. Smith</authors>'
    "<categories>cs.DL</categories></arXivRaw></metadata>"
)
ARXIV = (
    '<metadata><arXiv xmlns="http://arxiv.org/OAI/arXiv/"><id>2601.00001</id><created>{created}</created>'
    "<authors><author><keyname>Smith</keyname></author></authors><title>T</title></arXiv></metadata>"
)


def answer(
    header_id="2601.00001",
    id_element="<id>2601.00001</id>",
    version="v1",
    date="Thu, 1 Jan 2026 10:00:00 GMT",
    title="<title>T</title>",
    metadata=None,
    verb="ListRecords",
) -> bytes:
    if metadata is None:
        metadata = RAW.format(id=id_element, version=version, date=date, title=title)
    text = ENVELOPE.format(verb=verb, header=HEADER.format(header_id), metadata=metadata)
    return text.encode("utf-8")


def test_the_test_envelope_reads_when_nothing_is_wrong():
    (p,) = read_oai(answer(), "ok.xml").papers
    assert (p.arxiv_id, p.version, p.title, p.published) == ("2601.00001", 1, "T", utc(2026, 1, 1, 10))
    assert read_oai(answer(metadata=ARXIV.format(created="2026-01-01")), "ok.xml").papers[0].version == 1


RECORD_ERROR_CASES = [
    # what is wrong, answer, line, message after "bad.xml:LINE: "
    ("no id", answer(id_element=""), 7, "record oai:arXiv.org:2601.00001: metadata has no <id>"),
    ("no title", answer(title=""), 7, "record oai:arXiv.org:2601.00001: metadata has no <title>"),
    ("blank title", answer(title="<title>  \n </title>"), 7,
     "record oai:arXiv.org:2601.00001: metadata has no <title>"),
    ("versioned id", answer(id_element="<id>2601.00001v2</id>"), 7,
     "record oai:arXiv.org:2601.00001: metadata id '2601.00001v2' is not a version-less arXiv id"),
    ("id differs from header", answer(header_id="2601.00002"), 7,
     "record oai:arXiv.org:2601.00002: metadata id '2601.00001' differs from the header"),
    ("bad header identifier", answer(header_id="2601.1"), 6,
     "record identifier 'oai:arXiv.org:2601.1' is not 'oai:arXiv.org:<arXiv id>'"),
    ("bad version attribute", answer(version="2"), 7,
     "record oai:arXiv.org:2601.00001: version attribute '2' is not 'vN'"),
    ("bad version date", answer(date="yesterday"), 7,
     "record oai:arXiv.org:2601.00001: version date is not an RFC 822 date: 'yesterday'"),
    ("bad created date", answer(metadata=ARXIV.format(created="2026-13-01")), 7,
     "record oai:arXiv.org:2601.00001: <created> is not a YYYY-MM-DD date: '2026-13-01'"),
    ("no metadata", answer(metadata=""), 5, "record oai:arXiv.org:2601.00001 is not deleted but has no metadata"),
    ("oai_dc format", answer(metadata='<metadata><dc xmlns="http://www.openarchives.org/OAI/2.0/oai_dc/"/></metadata>'),
     7, "record oai:arXiv.org:2601.00001: unsupported metadata format "
        "{http://www.openarchives.org/OAI/2.0/oai_dc/}dc (read arXivRaw or arXiv)"),
    ("ListIdentifiers answer", answer(verb="ListIdentifiers"), 2,
     "not a GetRecord or ListRecords answer (elements: responseDate, ListIdentifiers)"),
    ("Atom feed", b'<feed xmlns="http://www.w3.org/2005/Atom"/>', 1,
     "not an OAI-PMH answer: root element is {http://www.w3.org/2005/Atom}feed"),
    ("bad cursor", answer().replace(b"</ListRecords>", b'<resumptionToken cursor="x"/></ListRecords>'), 9,
     "resumptionToken cursor is not an integer: 'x'"),
    ("bad responseDate", answer().replace(b"2026-06-01T00:00:00Z", b"June"), 3,
     "responseDate is not a UTC timestamp: 'June'"),
]  # fmt: skip


@pytest.mark.parametrize(
    "data, line, message", [c[1:] for c in RECORD_ERROR_CASES], ids=[c[0] for c in RECORD_ERROR_CASES]
)
def test_bad_record_raises_source_error_naming_it(data, line, message):
    with pytest.raises(SourceError) as caught:
        read_oai(data, "bad.xml")
    assert not isinstance(caught.value, OaiError)
    assert caught.value.line == line
    assert str(caught.value) == f"bad.xml:{line}: {message}"
