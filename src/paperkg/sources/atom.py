"""Reader for arXiv API answers (Atom 1.0), both the pre-2025-11 and the current era.

Everything is looked up by namespace, never by position or prefix: the two eras order the
entry children differently, and the old one declares `xmlns:arxiv` on each element.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

from lxml import etree

from paperkg import taxonomy
from paperkg.errors import FeedErrorEntry, SourceError
from paperkg.ids import InvalidArxivId, normalise_space, split_id
from paperkg.records import Author, Feed, FeedInfo, Paper, Version
from paperkg.sources.fields import split_dois

ATOM_NS = "http://www.w3.org/2005/Atom"
OPENSEARCH_NS = "http://a9.com/-/spec/opensearch/1.1/"
ARXIV_NS = "http://arxiv.org/schemas/atom"

_A = f"{{{ATOM_NS}}}"
_OS = f"{{{OPENSEARCH_NS}}}"
_AX = f"{{{ARXIV_NS}}}"

_QUERY_PREFIXES = ("arXiv Query: ", "ArXiv Query: ")  # new era, old era
# MSC 2010/2020 codes: "28A80", "05Cxx", "35XX" (often several, with "(Primary)" etc.).
_MSC = re.compile(r"\d\d[A-Z]\d\d|\d\d[A-Z]xx|\d\dXX")
# ACM CCS 1998 codes: "I.2.6", "D.2.5", "I.2.m", "F.2.2; G.2.2".
_ACM = re.compile(r"\b[A-K]\.(?:\d+|m)(?:\.(?:\d+|m))?\b")


def xml_parser() -> etree.XMLParser:
    """A parser for untrusted input: no entity expansion, no network access."""
    return etree.XMLParser(resolve_entities=False, no_network=True)


def malformed_xml(source: str, exc: etree.XMLSyntaxError) -> SourceError:
    message = normalise_space(exc.msg or str(exc))
    return SourceError(source, f"malformed XML: {message}", line=exc.lineno or None)


def parse_xml(data: bytes, source: str) -> etree._Element:
    """Parse bytes (libxml2 decodes them per the XML declaration, UTF-8 by default)."""
    try:
        return etree.fromstring(data, xml_parser())
    except etree.XMLSyntaxError as exc:
        raise malformed_xml(source, exc) from exc


def read_atom(data: bytes, source: str) -> Feed:
    """One arXiv API answer -> its feed info and papers, in feed order."""
    root = parse_xml(data, source)
    if root.tag != _A + "feed":
        message = f"not an Atom feed: root element is {root.tag}"
        raise SourceError(source, message, line=root.sourceline)
    info = _feed_info(root, source)
    entries = root.findall(_A + "entry")
    for entry in entries:
        _raise_if_error_entry(entry, root, info)
    # The feed's own time stamps when arXiv answered: the papers' provenance time.
    retrieved = _datetime(root.find(_A + "updated"), source)
    return Feed(info, tuple(_paper(entry, source, retrieved) for entry in entries))


# --- feed level -----------------------------------------------------------------------


def _feed_info(root: etree._Element, source: str) -> FeedInfo:
    return FeedInfo(
        source=source,
        total_results=_int(root.find(_OS + "totalResults"), source),
        start_index=_int(root.find(_OS + "startIndex"), source),
        items_per_page=_int(root.find(_OS + "itemsPerPage"), source),
        query=_query(root.findtext(_A + "title")),
    )


def _int(element: etree._Element | None, source: str) -> int | None:
    if element is None:
        return None
    try:
        return int((element.text or "").strip())
    except ValueError:
        name = etree.QName(element).localname
        message = f"{name} is not an integer: {element.text!r}"
        raise SourceError(source, message, line=element.sourceline) from None


def _query(title: str | None) -> str | None:
    """The canonical query from a feed title; None for any other title (error feed, none)."""
    title = normalise_space(title or "")
    for prefix in _QUERY_PREFIXES:
        if title.startswith(prefix):
            return title[len(prefix) :]
    return None


def _raise_if_error_entry(entry: etree._Element, root: etree._Element, info: FeedInfo) -> None:
    """arXiv reports a bad request (HTTP 400) as a feed with one "Error" entry."""
    title = normalise_space(entry.findtext(_A + "title") or "")
    if title == "Error" and "/api/errors" in (entry.findtext(_A + "id") or ""):
        summary = normalise_space(entry.findtext(_A + "summary") or "")
        query = info.query or normalise_space(root.findtext(_A + "id") or "")
        raise FeedErrorEntry(info.source, f"arXiv API error: {summary} (query: {query})")


# --- entry level ----------------------------------------------------------------------


def _paper(entry: etree._Element, source: str, retrieved: datetime | None) -> Paper:
    arxiv_id, version = _entry_id(entry, source)
    published = _datetime(entry.find(_A + "published"), source)
    updated = _datetime(entry.find(_A + "updated"), source)
    primary = entry.find(_AX + "primary_category")
    primary_term = _clean(primary.get("term")) if primary is not None else None
    terms = [_clean(c.get("term")) for c in entry.findall(_A + "category")]
    categories, msc, acm, other = _classify(primary_term, [t for t in terms if t])
    links = entry.findall(_A + "link")
    return Paper(
        arxiv_id=arxiv_id,
        version=version,
        title=_text(entry.find(_A + "title")),
        abstract=_text(entry.find(_A + "summary")),
        authors=tuple(_author(a) for a in entry.findall(_A + "author")),
        published=published,
        updated=updated,
        primary_category=primary_term,
        categories=categories,
        msc_classes=msc,
        acm_classes=acm,
        other_classes=other,
        comment=_clean(entry.findtext(_AX + "comment")),
        journal_ref=_clean(entry.findtext(_AX + "journal_ref")),
        dois=_dois(entry),
        abs_url=_abs_url(links),
        pdf_url=_pdf_url(links),
        versions=_versions(version, published, updated),
        source=source,
        retrieved=retrieved,
    )


def _entry_id(entry: etree._Element, source: str) -> tuple[str, int]:
    entry_id = normalise_space(entry.findtext(_A + "id") or "")
    try:
        arxiv_id, version = split_id(entry_id)
    except InvalidArxivId:
        message = f"entry id {entry_id!r} is not an arXiv id"
        raise SourceError(source, message, line=entry.sourceline) from None
    if version is None:  # the API always sends "vN"; without it we cannot say which version this is
        raise SourceError(source, f"entry id {entry_id!r} has no version", line=entry.sourceline)
    return arxiv_id, version


def _text(element: etree._Element | None) -> str:
    """Whitespace-normalised text (old-era titles and abstracts are hard-wrapped); "" if absent."""
    return normalise_space("".join(element.itertext())) if element is not None else ""


def _clean(text: str | None) -> str | None:
    """Normalised text, or None when absent or blank."""
    return normalise_space(text or "") or None


def _datetime(element: etree._Element | None, source: str) -> datetime | None:
    """RFC 3339 ("2022-02-24T15:05:19Z", "2007-10-08T00:00:00-04:00") -> aware UTC datetime."""
    if element is None or not (element.text or "").strip():
        return None
    text = element.text.strip()
    try:
        value = datetime.fromisoformat(text)  # Python 3.11+ accepts "Z"
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:  # a naive time would be read as local time
        name = etree.QName(element).localname
        message = f"{name} is not an RFC 3339 timestamp: {text!r}"
        raise SourceError(source, message, line=element.sourceline)
    return value.astimezone(UTC)


def _author(element: etree._Element) -> Author:
    affiliations = (_clean(a.text) for a in element.findall(_AX + "affiliation"))
    return Author(
        name=normalise_space(element.findtext(_A + "name") or ""),
        affiliations=tuple(a for a in affiliations if a),
    )


def _classify(
    primary: str | None, terms: list[str]
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Split category terms into taxonomy codes (primary first), MSC, ACM and other terms."""
    is_code = taxonomy.load().is_code
    codes: list[str] = [primary] if primary and is_code(primary) else []
    msc: list[str] = []
    acm: list[str] = []
    other: list[str] = []
    for term in terms:
        if is_code(term):
            bucket = codes
        elif _MSC.search(term):  # before ACM: an MSC string never holds an ACM-looking code
            bucket = msc
        elif _ACM.search(term):
            bucket = acm
        else:
            bucket = other
        if term not in bucket:
            bucket.append(term)
    return tuple(codes), tuple(msc), tuple(acm), tuple(other)


def _dois(entry: etree._Element) -> tuple[str, ...]:
    """External DOIs; one arxiv:doi field may hold several, separated by spaces."""
    return split_dois(" ".join(element.text or "" for element in entry.findall(_AX + "doi")))


def _href_path(link: etree._Element) -> str:
    return urlsplit(link.get("href") or "").path


def _abs_url(links: list[etree._Element]) -> str | None:
    # No rel at all is not taken as Atom's implied "alternate": on 2025-11-11 arXiv sent
    # both the abs and the pdf link bare, so only the path tells them apart then.
    for link in links:
        if link.get("rel") == "alternate" and link.get("href"):
            return link.get("href")
    for link in links:
        if "/abs/" in _href_path(link):
            return link.get("href")
    return None


def _pdf_url(links: list[etree._Element]) -> str | None:
    for link in links:
        is_pdf = (
            link.get("title") == "pdf"
            or link.get("type") == "application/pdf"
            or "/pdf/" in _href_path(link)
        )
        if is_pdf and link.get("href"):
            return link.get("href")
    return None


def _versions(
    version: int, published: datetime | None, updated: datetime | None
) -> tuple[Version, ...]:
    """The API dates only v1 (published) and the version returned (updated)."""
    if version == 1:
        return (Version(1, published),)
    return (Version(1, published), Version(version, updated))
