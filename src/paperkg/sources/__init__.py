"""Input readers. `read_path` sniffs a file's format and hands its bytes to the right reader.

To add a format, add its reader to one of the two tables below: XML formats by the
namespaced tag of their root element, other formats by their first non-blank byte.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from paperkg.errors import SourceError
from paperkg.records import Feed, FeedInfo, Paper
from paperkg.sources.atom import ATOM_NS, malformed_xml, read_atom
from paperkg.sources.kaggle import GZIP_MAGIC, read_kaggle
from paperkg.sources.oai import OAI_NS, read_oai

__all__ = ["Source", "open_source", "read_atom", "read_kaggle", "read_oai", "read_path"]

Reader = Callable[[bytes, str], Feed]


def _read_oai_feed(data: bytes, source: str) -> Feed:
    return read_oai(data, source).feed()


_XML_READERS: dict[str, Reader] = {
    f"{{{ATOM_NS}}}feed": read_atom,
    f"{{{OAI_NS}}}OAI-PMH": _read_oai_feed,
}
# Formats told by their first byte (after a BOM and blanks); JSON Lines snapshots are
# streamed by open_source instead.
_BYTE_READERS: dict[bytes, Reader] = {}
_SNIFF_BYTES = 4096


@dataclass(frozen=True)
class Source:
    info: FeedInfo
    papers: Iterable[Paper]  # a stream for snapshots: read it once


def open_source(path: str | Path, name: str | None = None) -> Source:
    """One input file of any supported format. A Kaggle snapshot (JSON Lines, plain or
    gzip) is streamed; an XML answer is read whole. `name` is how the records' provenance
    and error messages call the file (default: the path as given)."""
    source = name or str(path)
    try:
        with open(path, "rb") as file:
            head = file.read(_SNIFF_BYTES)
    except OSError as exc:
        raise SourceError(source, f"cannot read file: {exc.strerror or exc}") from exc
    if head.startswith(GZIP_MAGIC) or head.removeprefix(codecs.BOM_UTF8).lstrip()[:1] == b"{":
        return Source(FeedInfo(source, None, None, None, None), read_kaggle(path, source))
    data = Path(path).read_bytes()
    feed = _reader_for(data, source)(data, source)
    return Source(feed.info, feed.papers)


def read_path(path: str | Path, name: str | None = None) -> Feed:
    """Read one input file of any supported format, every record in memory."""
    source = open_source(path, name)
    return Feed(source.info, tuple(source.papers))


def _reader_for(data: bytes, source: str) -> Reader:
    first = data.removeprefix(codecs.BOM_UTF8).lstrip()[:1]
    if first == b"<":
        root = _root_tag(data, source)
        if root in _XML_READERS:
            return _XML_READERS[root]
        raise SourceError(source, f"unrecognised format: XML with root element {root}")
    if first in _BYTE_READERS:
        return _BYTE_READERS[first]
    if not first:
        raise SourceError(source, "unrecognised format: empty file")
    raise SourceError(source, f"unrecognised format: file starts with {first!r}")


def _root_tag(data: bytes, source: str) -> str:
    """The root element's tag ("{namespace}local"), reading only as far as the root's start."""
    events = etree.iterparse(
        io.BytesIO(data), events=("start",), resolve_entities=False, no_network=True
    )
    try:
        for _event, element in events:
            return element.tag
    except etree.XMLSyntaxError as exc:
        raise malformed_xml(source, exc) from exc
    raise SourceError(source, "malformed XML: no root element")
