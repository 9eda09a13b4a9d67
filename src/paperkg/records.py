"""Plain records that readers yield and the graph stage consumes. Nothing RDF-specific."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Author:
    """One author as written on one paper, in order."""

    name: str  # display form as written, whitespace-normalised
    affiliations: tuple[str, ...] = ()
    keyname: str | None = None  # family name, when a source splits names (OAI arXiv, Kaggle)
    forenames: str | None = None
    suffix: str | None = None


@dataclass(frozen=True)
class Version:
    """One arXiv version of a paper; the date is known only for some versions."""

    number: int
    date: datetime | None = None


@dataclass(frozen=True)
class Paper:
    """One arXiv paper as one source saw it (at its latest version there)."""

    arxiv_id: str  # version-less: "2605.00515" or "hep-th/9901001"
    version: int  # the version this record describes (latest the source knows)
    title: str
    abstract: str
    authors: tuple[Author, ...]
    published: datetime | None = None  # v1 submission
    updated: datetime | None = None  # submission of `version`
    primary_category: str | None = None
    categories: tuple[str, ...] = ()  # arXiv taxonomy codes, primary first, no duplicates
    msc_classes: tuple[str, ...] = ()  # MSC class strings as given
    acm_classes: tuple[str, ...] = ()  # ACM class strings as given
    other_classes: tuple[str, ...] = ()  # category terms that are neither of the above
    comment: str | None = None
    journal_ref: str | None = None
    dois: tuple[str, ...] = ()  # external (journal) DOIs
    abs_url: str | None = None
    pdf_url: str | None = None
    versions: tuple[Version, ...] = field(default=())  # dates known per version, ascending
    source: str | None = None  # provenance: file path or request URL
    retrieved: datetime | None = None  # provenance: when the source answered (its own timestamp)


@dataclass(frozen=True)
class FeedInfo:
    """What a feed says about itself, for paging checks and messages."""

    source: str
    total_results: int | None
    start_index: int | None
    items_per_page: int | None
    query: str | None  # the feed title's canonical query, when given


@dataclass(frozen=True)
class Feed:
    info: FeedInfo
    papers: tuple[Paper, ...]
