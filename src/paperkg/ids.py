"""arXiv identifiers, author-name keys and URL slugs: small pure functions."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import NewType

ArxivId = NewType("ArxivId", str)  # version-less, e.g. "2605.00515" or "hep-th/9901001"
Slug = NewType("Slug", str)  # ASCII path segment, e.g. "shengkai-lin"

_NEW_ID = r"\d{4}\.\d{4,5}"
_OLD_ID = r"[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7}"
_ID_RE = re.compile(rf"^(?P<id>{_NEW_ID}|{_OLD_ID})(?:v(?P<version>\d+))?$")
_ABS_PREFIX = re.compile(r"^https?://(?:export\.)?arxiv\.org/abs/")


class InvalidArxivId(ValueError):
    pass


def split_id(text: str) -> tuple[ArxivId, int | None]:
    """'http://arxiv.org/abs/2202.12139v1' or 'hep-th/9901001' -> (id, version or None)."""
    bare = _ABS_PREFIX.sub("", text.strip())
    if bare.lower().startswith("arxiv:"):
        bare = bare[6:]
    match = _ID_RE.match(bare)
    if not match:
        raise InvalidArxivId(f"not an arXiv identifier: {text!r}")
    version = match.group("version")
    return ArxivId(match.group("id")), int(version) if version else None


def id_month(arxiv_id: str) -> str:
    """The YYYY-MM an id was assigned in (from its YYMM digits); used to shard graph files."""
    digits = arxiv_id.split("/")[-1][:4]
    yy, mm = int(digits[:2]), digits[2:4]
    year = 1900 + yy if yy >= 91 else 2000 + yy  # arXiv started in 1991
    return f"{year}-{mm}"


def name_key(name: str) -> str:
    """Identity key of an author name: Unicode NFC, whitespace collapsed, case-folded."""
    return " ".join(unicodedata.normalize("NFC", name).split()).casefold()


def ascii_fold(text: str) -> str:
    """Drop accents and every non-ASCII character: 'Balázs' -> 'Balazs'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return decomposed.encode("ascii", "ignore").decode("ascii")


def slugify(name: str) -> Slug:
    """ASCII-folded, lower-case, '-'-separated; a name with no ASCII letters gets a hash."""
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_fold(name).lower()).strip("-")
    if not slug:
        slug = "a-" + hashlib.sha1(name_key(name).encode("utf-8")).hexdigest()[:10]
    return Slug(slug)


def normalise_space(text: str) -> str:
    """Collapse every run of whitespace (wrapped titles and abstracts) to one space."""
    return " ".join(text.split())
