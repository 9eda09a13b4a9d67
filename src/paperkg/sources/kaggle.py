"""Reader for the Kaggle arXiv metadata snapshot (`arxiv-metadata-oai-snapshot.json`).

The snapshot is JSON Lines, one paper per line, several GB, often gzipped. It is read as a
stream: one line and one record in memory at a time, whatever the size of the file.
Field mapping: reference A3 and B5.9 (arXivRaw field names; every version dated).
"""

from __future__ import annotations

import gzip
import io
import json
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import BinaryIO

from paperkg.errors import SourceError
from paperkg.ids import InvalidArxivId, normalise_space, split_id
from paperkg.records import Author, Paper, Version
from paperkg.sources.fields import split_categories, split_dois

GZIP_MAGIC = b"\x1f\x8b"
GZIP_BUFFER = 1 << 18
REQUIRED = ("id", "title", "versions")
_AUTHOR_SEPARATORS = (", ", " and ")

_MONTHS = {m: f"{i:02d}" for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}


def read_kaggle(path: str | Path, name: str | None = None) -> Iterator[Paper]:
    """The papers of one snapshot file (plain or gzip, told apart by its first bytes), in file order.

    Lazy: nothing is read before the first record is asked for, and a bad line raises
    SourceError (naming the file and line) only when the reader gets to it. Blank lines are skipped.
    """
    with open_snapshot(path) as stream:
        yield from _papers(stream, name or str(path))


@contextmanager
def open_snapshot(path: str | Path) -> Iterator[BinaryIO]:
    """The file's bytes, decompressed when they start with gzip's magic bytes (whatever the name)."""
    try:
        raw = open(path, "rb")  # closed by the `with` below
    except OSError as exc:
        raise SourceError(str(path), f"cannot read file: {exc.strerror or exc}") from exc
    with raw:
        if raw.peek(2)[:2] != GZIP_MAGIC:  # peek: works on pipes too, nothing consumed
            yield raw
            return
        # GzipFile's own readline is slower than a BufferedReader over it (~15% per line).
        with io.BufferedReader(gzip.GzipFile(fileobj=raw, mode="rb"), GZIP_BUFFER) as stream:
            yield stream


def _papers(stream: Iterable[bytes], source: str) -> Iterator[Paper]:
    number = 0
    lines = iter(stream)
    while True:
        try:
            line = next(lines, None)
        except (OSError, EOFError, zlib.error) as exc:  # I/O error, corrupt or truncated gzip
            raise SourceError(source, f"cannot read: {exc}", line=number + 1) from exc
        if line is None:
            return
        number += 1
        if line.isspace():  # bytes.isspace() is False for b"" (never yielded) and True for b"\n"
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:  # JSONDecodeError, or UnicodeDecodeError for bytes that are not UTF-8
            message = f"invalid JSON: {_json_error(exc)}{_id_note(_raw_id(line))}"
            raise SourceError(source, message, line=number) from None
        yield paper_from_line(obj, source, number)


def paper_from_line(obj: dict, source: str, line: int) -> Paper:
    """One decoded snapshot line -> its paper; SourceError (naming the line) if it cannot be one."""
    if not isinstance(obj, dict):
        raise SourceError(source, f"not a JSON object but {type(obj).__name__}", line=line)
    for key in REQUIRED:
        if obj.get(key) is None:
            raise SourceError(source, f"missing field {key!r}{_id_note(obj.get('id'))}", line=line)
    raw_id = obj["id"]
    try:
        arxiv_id = split_id(raw_id)[0]  # the snapshot's ids carry no version
    except (InvalidArxivId, AttributeError):
        raise SourceError(source, f"id {raw_id!r} is not an arXiv id", line=line) from None
    try:
        return _paper(obj, arxiv_id, source)
    except _BadField as exc:
        raise SourceError(source, f"{exc} (id {arxiv_id})", line=line) from None
    except (TypeError, AttributeError, IndexError, KeyError, ValueError) as exc:
        # A field of an unexpected JSON type (a number for a string, a dict for a list...).
        message = f"malformed record: {type(exc).__name__}: {exc} (id {arxiv_id})"
        raise SourceError(source, message, line=line) from None


class _BadField(ValueError):
    """A field whose value cannot be used; paper_from_line adds the id and line."""


def _paper(obj: dict, arxiv_id: str, source: str) -> Paper:
    versions = _versions(obj["versions"])
    latest = versions[-1]
    primary, categories, other = split_categories(obj.get("categories") or "")
    parsed = obj.get("authors_parsed")
    authors = _parsed_authors(parsed) if parsed is not None else _raw_authors(obj.get("authors") or "")
    return Paper(
        arxiv_id=arxiv_id,
        version=latest.number,
        title=normalise_space(obj["title"]),
        abstract=_wrapped_text(obj.get("abstract") or ""),
        authors=authors,
        published=versions[0].date,
        updated=latest.date,
        primary_category=primary,
        categories=categories,
        other_classes=other,
        comment=_clean(obj.get("comments")),
        journal_ref=_clean(obj.get("journal-ref")),
        dois=split_dois(obj.get("doi")),
        abs_url=f"https://arxiv.org/abs/{arxiv_id}v{latest.number}",
        pdf_url=f"https://arxiv.org/pdf/{arxiv_id}v{latest.number}",
        versions=versions,
        source=source,
    )


def _clean(text: str | None) -> str | None:
    """Normalised text, or None when absent or blank."""
    if not text:
        return None
    return normalise_space(text) or None


def _wrapped_text(text: str) -> str:
    """normalise_space for long hard-wrapped text, twice as fast when the wraps are plain "\n".

    Splitting a 1,300-character abstract into words costs ~11 us, over half of the 20 us a
    line may take at 50,000 lines/s; these scans take ~6 us.
    """
    joined = text.strip().replace("\n", " ")
    # isprintable() is False for every whitespace character except " " (categories Cc, Zs, Zl, Zp).
    if "  " in joined or not joined.isprintable():
        return normalise_space(joined)
    return joined


# --- versions and dates ---------------------------------------------------------------


def _versions(items: list) -> tuple[Version, ...]:
    """[{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}, ...] -> ascending Versions."""
    versions = []
    for item in items:
        label = item.get("version")
        if not isinstance(label, str) or label[:1] != "v" or not label[1:].isdigit():
            raise _BadField(f"version {label!r} is not 'vN'")
        created = item.get("created")
        versions.append(Version(int(label[1:]), _date(created) if created else None))
    if not versions:
        raise _BadField("empty 'versions'")
    versions.sort(key=_number)  # the snapshot lists them ascending; sorting costs nothing then
    return tuple(versions)


def _number(version: Version) -> int:
    return version.number


def _date(text: str) -> datetime:
    """RFC 822 date -> aware UTC datetime; the snapshot's one form without the email parser."""
    # parsedate_to_datetime (+ astimezone) takes ~4.5 us a date, this ~0.9 us: fromisoformat is C.
    parts = text.split(" ")  # "Mon," "2" "Apr" "2007" "19:18:42" "GMT"
    if len(parts) == 6 and parts[5] == "GMT" and len(parts[4]) == 8 and parts[2] in _MONTHS:
        try:
            return datetime.fromisoformat(f"{parts[3]}-{_MONTHS[parts[2]]}-{parts[1]:0>2}T{parts[4]}+00:00")
        except ValueError:
            pass  # not the usual form after all (a 2-digit year, a bad day): the general parser decides
    return _rfc822_date(text)


def _rfc822_date(text: str) -> datetime:
    try:
        value = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        raise _BadField(f"version date {text!r} is not an RFC 822 date") from None
    if value.tzinfo is None:  # "-0000" means UTC with the zone unknown (RFC 5322 3.3)
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


# --- authors --------------------------------------------------------------------------


def _parsed_authors(entries: list) -> tuple[Author, ...]:
    """`authors_parsed`: [keyname, forenames, suffix, affiliation...] per author, Unicode already."""
    return tuple([_parsed_author(*entry) for entry in entries])


def _parsed_author(keyname: str, forenames: str | None = "", suffix: str | None = "", *affiliations: str) -> Author:
    # The parts come tokenised from arXiv's author parser, so the name is joined directly and
    # normalised only when a quick look finds stray whitespace: normalise_space on every part
    # of every author cost more than building the Author itself.
    name = f"{forenames} {keyname}" if forenames else keyname
    if suffix:
        name = f"{name} {suffix}"
    if "  " in name or not name.isprintable() or name[:1] == " " or name[-1:] == " ":
        name = normalise_space(name)
        keyname, forenames, suffix = (normalise_space(part or "") for part in (keyname, forenames, suffix))
    # arXiv's parser puts affiliations after the suffix; whether the snapshot's build kept
    # them is unverified (reference B5.9), so they are taken when present.
    kept = tuple(filter(None, map(normalise_space, affiliations))) if affiliations else ()
    return Author(name, kept, keyname=keyname or None, forenames=forenames or None, suffix=suffix or None)


def _raw_authors(text: str) -> tuple[Author, ...]:
    """Fallback without `authors_parsed`: the raw string split on ", " and " and ".

    Separators inside parentheses do not split; a trailing "(...)" is the author's affiliation
    (arXiv's convention). Names keep their TeX escapes: only authors_parsed has them decoded.
    """
    text = normalise_space(text)
    names: list[str] = []
    depth = start = i = 0
    while i < len(text):
        char = text[i]
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        elif depth == 0:
            separator = next((sep for sep in _AUTHOR_SEPARATORS if text.startswith(sep, i)), None)
            if separator:
                names.append(text[start:i])
                i = start = i + len(separator)
                continue
        i += 1
    names.append(text[start:])
    cleaned = (name.removeprefix("and ").strip() for name in names)  # "A, B, and C"
    return tuple(_raw_author(name) for name in cleaned if name)


def _raw_author(text: str) -> Author:
    name, bracket, affiliation = text.partition(" (")
    if bracket and affiliation.endswith(")") and name:
        affiliation = normalise_space(affiliation[:-1])
        return Author(name, (affiliation,) if affiliation else ())
    return Author(text)


# --- error messages -------------------------------------------------------------------


def _json_error(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at character {exc.pos + 1}"  # colno restarts after the trailing "\n"
    return normalise_space(str(exc))


def _raw_id(line: bytes) -> str | None:
    """The id of a line that is not valid JSON, when its `"id":"..."` is still readable."""
    start = line.find(b'"id":"')
    if start == -1:
        return None
    start += len(b'"id":"')
    end = line.find(b'"', start)
    return line[start:end].decode("utf-8", "replace") if 0 < end - start <= 40 else None


def _id_note(arxiv_id: object) -> str:
    return f" (id {arxiv_id})" if arxiv_id else ""
