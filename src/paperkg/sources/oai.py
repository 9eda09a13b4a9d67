"""Reader for arXiv OAI-PMH answers (`GetRecord`, `ListRecords`) in the `arXivRaw` and `arXiv`
metadata formats, from the old (`export.arxiv.org/oai2`) and the current (`oaipmh.arxiv.org`)
server.

One answer is one page: its papers, the ids of deleted records and the resumption token. As in
the Atom reader, every element is looked up by namespace, never by position or prefix.

The two formats differ in what they say about versions:

- `arXivRaw` lists every version with its RFC-822 date, and gives the authors as ONE raw string
  ("A. Smith (MIT), B. Jones and C. Brown"), which `split_authors` splits.
- `arXiv` gives parsed author names (keyname, forenames, suffix, affiliations) but only two
  dates (`created` = v1, `updated` = latest, day precision) and NOT the latest version number.
  Such a record is read as `version=1` with `versions=(Version(1, created),)`; `updated` is the
  latest version's date. The graph merge replaces a paper on an equal or newer version, so a
  record that knows the real number (`arXivRaw`, Atom) wins whenever that number is above 1,
  and this record never overwrites such a one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime

from lxml import etree

from paperkg.errors import AnswerError, SourceError
from paperkg.ids import InvalidArxivId, normalise_space, split_id
from paperkg.records import Author, Feed, FeedInfo, Paper, Version
from paperkg.sources.atom import parse_xml
from paperkg.sources.fields import split_categories, split_dois

__all__ = ["OAI_NS", "ARXIV_RAW_NS", "ARXIV_OAI_NS", "OaiError", "OaiPage", "read_oai", "split_authors"]

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
ARXIV_RAW_NS = "http://arxiv.org/OAI/arXivRaw/"
ARXIV_OAI_NS = "http://arxiv.org/OAI/arXiv/"

_O = f"{{{OAI_NS}}}"
_RAW = f"{{{ARXIV_RAW_NS}}}"
_AX = f"{{{ARXIV_OAI_NS}}}"

_ID_PREFIX = "oai:arXiv.org:"
_NO_RECORDS = "noRecordsMatch"  # an empty result, not a failure
_VERBS = ("GetRecord", "ListRecords")


class OaiError(AnswerError):
    """The repository answered with an OAI-PMH <error> (other than noRecordsMatch)."""

    def __init__(self, source: str, message: str, line: int | None = None, *, code: str):
        self.code = code  # "badArgument", "badResumptionToken", "idDoesNotExist", ...
        super().__init__(source, message, line)


@dataclass(frozen=True)
class OaiPage:
    """One OAI-PMH answer: the records with metadata, the deleted ids and how to go on."""

    source: str
    response_date: str | None  # <responseDate> as given (ISO 8601)
    papers: tuple[Paper, ...]  # records with metadata, in document order
    deleted_ids: tuple[str, ...]  # arXiv ids of <header status="deleted"> records
    resumption_token: str | None  # None or "" on the last page (the new server emits no element)
    complete_list_size: int | None  # old server only
    cursor: int | None  # old server only

    def feed(self) -> Feed:
        total = self.complete_list_size if self.complete_list_size is not None else len(self.papers)
        info = FeedInfo(
            source=self.source,
            total_results=total,
            start_index=self.cursor,
            items_per_page=len(self.papers),
            query=None,
        )
        return Feed(info, self.papers)


def read_oai(data: bytes, source: str) -> OaiPage:
    """One OAI-PMH answer (GetRecord or ListRecords, arXivRaw or arXiv format) -> its page."""
    root = parse_xml(data, source)
    if root.tag != _O + "OAI-PMH":
        raise SourceError(source, f"not an OAI-PMH answer: root element is {root.tag}", line=root.sourceline)
    response_date = _clean(root.findtext(_O + "responseDate"))
    retrieved = _response_time(root.find(_O + "responseDate"), source)
    errors = root.findall(_O + "error")
    for error in errors:
        _raise_unless_no_records(error, source)
    if errors:  # every error is noRecordsMatch
        return OaiPage(source, response_date, (), (), None, None, None)
    container = _verb_element(root, source)
    papers: list[Paper] = []
    deleted: list[str] = []
    for record in container.findall(_O + "record"):
        arxiv_id, paper = _record(record, source)
        if paper is None:
            deleted.append(arxiv_id)
        else:
            papers.append(replace(paper, retrieved=retrieved))
    token = container.find(_O + "resumptionToken")
    return OaiPage(
        source=source,
        response_date=response_date,
        papers=tuple(papers),
        deleted_ids=tuple(deleted),
        resumption_token=None if token is None else (token.text or "").strip(),
        complete_list_size=_int_attribute(token, "completeListSize", source),
        cursor=_int_attribute(token, "cursor", source),
    )


# --- answer level ---------------------------------------------------------------------


def _raise_unless_no_records(error: etree._Element, source: str) -> None:
    code = error.get("code") or "unknown"
    if code != _NO_RECORDS:
        message = f"OAI-PMH error {code}: {normalise_space(error.text or '')}"
        raise OaiError(source, message, line=error.sourceline, code=code)


def _response_time(element: etree._Element | None, source: str) -> datetime | None:
    """<responseDate> ("2015-01-06T20:48:16Z") -> aware UTC datetime: the papers' provenance time."""
    text = _clean(element.text if element is not None else None)
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        message = f"responseDate is not a UTC timestamp: {text!r}"
        raise SourceError(source, message, line=element.sourceline)
    return value.astimezone(UTC)


def _verb_element(root: etree._Element, source: str) -> etree._Element:
    for verb in _VERBS:
        element = root.find(_O + verb)
        if element is not None:
            return element
    found = [etree.QName(child).localname for child in root if isinstance(child.tag, str)]
    message = f"not a GetRecord or ListRecords answer (elements: {', '.join(found)})"
    raise SourceError(source, message, line=root.sourceline)


def _int_attribute(element: etree._Element | None, name: str, source: str) -> int | None:
    if element is None or element.get(name) is None:
        return None
    value = element.get(name, "").strip()
    try:
        return int(value)
    except ValueError:
        message = f"resumptionToken {name} is not an integer: {value!r}"
        raise SourceError(source, message, line=element.sourceline) from None


# --- record level ---------------------------------------------------------------------


def _record(record: etree._Element, source: str) -> tuple[str, Paper | None]:
    """(arXiv id, paper); the paper is None for a deleted record."""
    header = record.find(_O + "header")
    if header is None:
        raise SourceError(source, "OAI record has no <header>", line=record.sourceline)
    identifier = normalise_space(header.findtext(_O + "identifier") or "")
    arxiv_id = _header_id(identifier, header, source)
    if header.get("status") == "deleted":
        return arxiv_id, None
    metadata = _metadata(record, identifier, source)
    if metadata.tag == _RAW + "arXivRaw":
        paper = _raw_paper(metadata, identifier, source)
    elif metadata.tag == _AX + "arXiv":
        paper = _arxiv_paper(metadata, identifier, source)
    else:
        message = f"record {identifier}: unsupported metadata format {metadata.tag} (read arXivRaw or arXiv)"
        raise SourceError(source, message, line=metadata.sourceline)
    if paper.arxiv_id != arxiv_id:
        message = f"record {identifier}: metadata id {paper.arxiv_id!r} differs from the header"
        raise SourceError(source, message, line=metadata.sourceline)
    return arxiv_id, paper


def _header_id(identifier: str, header: etree._Element, source: str) -> str:
    """'oai:arXiv.org:hep-th/9901001' -> 'hep-th/9901001'."""
    arxiv_id = _bare_id(identifier[len(_ID_PREFIX) :]) if identifier.startswith(_ID_PREFIX) else None
    if arxiv_id is None:
        message = f"record identifier {identifier!r} is not 'oai:arXiv.org:<arXiv id>'"
        raise SourceError(source, message, line=header.sourceline)
    return arxiv_id


def _bare_id(text: str) -> str | None:
    """The id when `text` is a version-less arXiv id, else None."""
    try:
        arxiv_id, version = split_id(text)
    except InvalidArxivId:
        return None
    return arxiv_id if version is None else None


def _metadata(record: etree._Element, identifier: str, source: str) -> etree._Element:
    """The format element inside <metadata> (comments skipped)."""
    metadata = record.find(_O + "metadata")
    children = [] if metadata is None else [c for c in metadata if isinstance(c.tag, str)]
    if not children:
        message = f"record {identifier} is not deleted but has no metadata"
        raise SourceError(source, message, line=record.sourceline)
    return children[0]


# --- fields both formats share ----------------------------------------------------------


@dataclass
class _Common:
    """The fields `arXivRaw` and `arXiv` write the same way (only the namespace differs)."""

    arxiv_id: str
    title: str
    abstract: str
    primary: str | None
    categories: tuple[str, ...]
    other: tuple[str, ...]
    comment: str | None
    journal_ref: str | None
    dois: tuple[str, ...]
    msc: tuple[str, ...]
    acm: tuple[str, ...]


def _common(metadata: etree._Element, ns: str, identifier: str, source: str) -> _Common:
    arxiv_id = _clean(metadata.findtext(ns + "id"))
    title = _text(metadata.find(ns + "title"))
    for name, value in (("id", arxiv_id), ("title", title)):
        if not value:
            message = f"record {identifier}: metadata has no <{name}>"
            raise SourceError(source, message, line=metadata.sourceline)
    primary, categories, other = split_categories(metadata.findtext(ns + "categories"))
    return _Common(
        arxiv_id=_metadata_id(arxiv_id, metadata, identifier, source),
        title=title,
        abstract=_text(metadata.find(ns + "abstract")),
        primary=primary,
        categories=categories,
        other=other,
        comment=_clean(metadata.findtext(ns + "comments")),
        journal_ref=_clean(metadata.findtext(ns + "journal-ref")),
        dois=split_dois(metadata.findtext(ns + "doi")),
        msc=_one(metadata.findtext(ns + "msc-class")),
        acm=_one(metadata.findtext(ns + "acm-class")),
    )


def _metadata_id(text: str, metadata: etree._Element, identifier: str, source: str) -> str:
    arxiv_id = _bare_id(text)
    if arxiv_id is None:
        message = f"record {identifier}: metadata id {text!r} is not a version-less arXiv id"
        raise SourceError(source, message, line=metadata.sourceline)
    return arxiv_id


def _text(element: etree._Element | None) -> str:
    """Whitespace-normalised text (titles and abstracts are hard-wrapped); "" if absent."""
    return normalise_space("".join(element.itertext())) if element is not None else ""


def _clean(text: str | None) -> str | None:
    """Normalised text, or None when absent or blank."""
    return normalise_space(text or "") or None


def _one(text: str | None) -> tuple[str, ...]:
    """An MSC or ACM field as one string ("05A15, 05A16"), or nothing."""
    value = _clean(text)
    return (value,) if value else ()


# --- arXivRaw -------------------------------------------------------------------------


def _raw_paper(metadata: etree._Element, identifier: str, source: str) -> Paper:
    common = _common(metadata, _RAW, identifier, source)
    versions = _raw_versions(metadata, identifier, source)
    latest = versions[-1]
    published = next((v.date for v in versions if v.number == 1), None)
    return _paper(
        common,
        version=latest.number,
        authors=split_authors(metadata.findtext(_RAW + "authors") or ""),
        published=published,
        updated=latest.date,
        versions=versions,
        url_suffix=f"v{latest.number}",
        source=source,
    )


def _raw_versions(metadata: etree._Element, identifier: str, source: str) -> tuple[Version, ...]:
    """Every <version version="vN"><date>RFC 822</date>, ascending by N."""
    versions: dict[int, Version] = {}
    for element in metadata.findall(_RAW + "version"):
        match = re.fullmatch(r"v([1-9]\d*)", (element.get("version") or "").strip())
        if not match:
            message = f"record {identifier}: version attribute {element.get('version')!r} is not 'vN'"
            raise SourceError(source, message, line=element.sourceline)
        number = int(match.group(1))
        versions.setdefault(number, Version(number, _rfc822(element.find(_RAW + "date"), identifier, source)))
    if not versions:
        raise SourceError(source, f"record {identifier}: arXivRaw has no <version>", line=metadata.sourceline)
    return tuple(versions[n] for n in sorted(versions))


def _rfc822(element: etree._Element | None, identifier: str, source: str) -> datetime | None:
    """'Fri, 8 Feb 2013 21:00:01 GMT' -> aware UTC datetime; None if there is no date."""
    text = _clean(element.text if element is not None else None)
    if text is None:
        return None
    try:
        value = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        message = f"record {identifier}: version date is not an RFC 822 date: {text!r}"
        raise SourceError(source, message, line=element.sourceline) from None
    if value.tzinfo is None:  # "-0000": UTC, with no statement about local time (RFC 2822)
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


# --- arXiv ----------------------------------------------------------------------------


def _arxiv_paper(metadata: etree._Element, identifier: str, source: str) -> Paper:
    common = _common(metadata, _AX, identifier, source)
    created = _day(metadata.find(_AX + "created"), identifier, source)
    updated = _day(metadata.find(_AX + "updated"), identifier, source)
    authors = (_arxiv_author(a) for a in metadata.findall(f"{_AX}authors/{_AX}author"))
    # The `arXiv` format does not say which version is the latest. version=1 is the only
    # number it proves; `updated` (when present) is the latest version's date all the same.
    # The version-less abs/pdf URLs always point at the latest version.
    return _paper(
        common,
        version=1,
        authors=tuple(a for a in authors if a is not None),
        published=created,
        updated=updated or created,
        versions=(Version(1, created),),
        url_suffix="",
        source=source,
    )


def _day(element: etree._Element | None, identifier: str, source: str) -> datetime | None:
    """'2007-04-02' -> 2007-04-02T00:00:00+00:00 (the format gives the day only)."""
    text = _clean(element.text if element is not None else None)
    if text is None:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        name = etree.QName(element).localname
        message = f"record {identifier}: <{name}> is not a YYYY-MM-DD date: {text!r}"
        raise SourceError(source, message, line=element.sourceline) from None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _arxiv_author(element: etree._Element) -> Author | None:
    keyname = _clean(element.findtext(_AX + "keyname"))
    forenames = _clean(element.findtext(_AX + "forenames"))
    suffix = _clean(element.findtext(_AX + "suffix"))
    name = " ".join(part for part in (forenames, keyname, suffix) if part)
    if not name:
        return None
    affiliations = (_clean(a.text) for a in element.findall(_AX + "affiliation"))
    return Author(
        name=name,
        affiliations=tuple(a for a in affiliations if a),
        keyname=keyname,
        forenames=forenames,
        suffix=suffix,
    )


def _paper(
    common: _Common,
    *,
    version: int,
    authors: tuple[Author, ...],
    published: datetime | None,
    updated: datetime | None,
    versions: tuple[Version, ...],
    url_suffix: str,
    source: str,
) -> Paper:
    return Paper(
        arxiv_id=common.arxiv_id,
        version=version,
        title=common.title,
        abstract=common.abstract,
        authors=authors,
        published=published,
        updated=updated,
        primary_category=common.primary,
        categories=common.categories,
        msc_classes=common.msc,
        acm_classes=common.acm,
        other_classes=common.other,
        comment=common.comment,
        journal_ref=common.journal_ref,
        dois=common.dois,
        abs_url=f"https://arxiv.org/abs/{common.arxiv_id}{url_suffix}",
        pdf_url=f"https://arxiv.org/pdf/{common.arxiv_id}{url_suffix}",
        versions=versions,
        source=source,
    )


# --- the raw author string ------------------------------------------------------------

# Between two authors: a comma (also ", and"), a semicolon, a colon (after a collaboration
# name: "BELLE Collaboration: A. Person"), or " and " / " & ". A TeX "\," is no separator.
_SEPARATOR = re.compile(r"\s*(?<!\\)[,;:]\s*(?:(?:and|&)\s+)?|\s+(?:and|&)\s+")
_LEGEND = re.compile(r"\s*\(\s*\d+\s*\)")  # "(1) MIT, (2) Harvard"
_LEGEND_LABEL = re.compile(r"\(\s*(\d+)\s*\)")
_NUMBERS = re.compile(r"\s*\d+(?:\s*(?:,|and|&)\s*\d+)*\s*")  # "1", "1, 2", "1 and 2"
_SUFFIX = re.compile(r"(?:Jr|Sr)\.?|I{2,3}|IV")
_ET_AL = re.compile(r"(?:^|\s+)et\.?\s*al\.?$", re.IGNORECASE)


@dataclass
class _Draft:
    """One author while the string is read: name text, then affiliations (text or number)."""

    name: str = ""
    affiliations: list[str | int] = field(default_factory=list)


def split_authors(raw: str) -> tuple[Author, ...]:
    """Split an arXivRaw (or Kaggle) author string into ordered authors.

    - Authors are separated by commas, semicolons, colons, " and ", ", and" and " & ", outside
      parentheses only.
    - A parenthesised part is an affiliation of the author before it ("A. Smith (MIT, Boston)"
      -> one affiliation "MIT, Boston"); several parts give several affiliations. Nested
      parentheses stay inside the affiliation. A part after a separator ("A, (MIT)") belongs to
      the author before the separator. Affiliations are never copied to other authors.
    - Numbered form: "A (1), B (1 and 2) ((1) MIT, (2) Harvard)". The last part, whose text
      starts with "(1)", is a legend and no one's affiliation; each author's numbers are
      replaced by the legend's texts. Numbers the legend lacks are dropped.
    - A parenthesis without its partner is kept as a character of the name.
    - A part that is only a suffix (Jr., Sr., II, III, IV) joins the author before it,
      "John Smith, Jr." -> "John Smith Jr.". "et al." is dropped.
    - Names stay as written (TeX accents such as Bal\\'azs included), whitespace-normalised; the
      name is not split into keyname and forenames.
    """
    drafts = [_Draft()]
    legend: dict[int, str] = {}
    for is_group, text in _segments(normalise_space(raw)):
        if not is_group:
            first, *rest = _SEPARATOR.split(text)
            drafts[-1].name += first
            drafts.extend(_Draft(piece) for piece in rest)
        elif _LEGEND.match(text):
            legend.update(_legend(text))
        else:
            named = [d for d in drafts if d.name.strip()]
            if named:  # text before any author has no one to belong to
                named[-1].affiliations.extend(_group_affiliations(text))
    return tuple(_authors(drafts, legend))


def _segments(text: str) -> list[tuple[bool, str]]:
    """Cut at top-level matched parentheses: (False, text outside) and (True, text inside)."""
    pairs: dict[int, int] = {}  # open position -> close position
    stack: list[int] = []
    for i, char in enumerate(text):
        if char == "(":
            stack.append(i)
        elif char == ")" and stack:
            pairs[stack.pop()] = i
    segments: list[tuple[bool, str]] = []
    start = i = 0
    while i < len(text):
        if i in pairs:
            segments.append((False, text[start:i]))
            segments.append((True, text[i + 1 : pairs[i]]))
            start = i = pairs[i] + 1
        else:
            i += 1
    segments.append((False, text[start:]))
    return segments


def _group_affiliations(text: str) -> list[str | int]:
    if _NUMBERS.fullmatch(text):
        return [int(n) for n in re.findall(r"\d+", text)]
    affiliation = normalise_space(text)
    return [affiliation] if affiliation else []


def _legend(text: str) -> dict[int, str]:
    """'(1) MIT, (2) Lab B, Somewhere' -> {1: 'MIT', 2: 'Lab B, Somewhere'}."""
    parts = _LEGEND_LABEL.split(text)  # ["", "1", " MIT, ", "2", " Lab B, Somewhere"]
    legend: dict[int, str] = {}
    for number, affiliation in zip(parts[1::2], parts[2::2], strict=True):
        affiliation = re.sub(r"[\s,;]*(?:\band)?[\s,;]*$", "", normalise_space(affiliation))
        if affiliation:
            legend[int(number)] = affiliation
    return legend


def _authors(drafts: list[_Draft], legend: dict[int, str]) -> list[Author]:
    kept: list[_Draft] = []
    for draft in drafts:
        name = _ET_AL.sub("", normalise_space(draft.name))
        if not name:  # an empty part (",,") or "et al."; it never holds affiliations
            continue
        if _SUFFIX.fullmatch(name) and kept and not kept[-1].affiliations:
            kept[-1].name += " " + name
            kept[-1].affiliations.extend(draft.affiliations)
            continue
        kept.append(_Draft(name, list(draft.affiliations)))
    return [Author(name=d.name, affiliations=_resolve(d.affiliations, legend)) for d in kept]


def _resolve(affiliations: list[str | int], legend: dict[int, str]) -> tuple[str, ...]:
    resolved: list[str] = []
    for item in affiliations:
        text = legend.get(item) if isinstance(item, int) else item
        if text and text not in resolved:
            resolved.append(text)
    return tuple(resolved)
