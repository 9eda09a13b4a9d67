"""Input readers. `read_path` sniffs a file's format and hands its bytes to the right reader.

To add a format, add its reader to one of the two tables below: XML formats by the
namespaced tag of their root element, other formats by their first non-blank byte.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Callable
from pathlib import Path

from lxml import etree

from paperkg.errors import SourceError
from paperkg.records import Feed
from paperkg.sources.atom import ATOM_NS, malformed_xml, read_atom
from paperkg.sources.oai import OAI_NS, read_oai

__all__ = ["read_atom", "read_path"]

Reader = Callable[[bytes, str], Feed]


def _read_oai_feed(data: bytes, source: str) -> Feed:
    return read_oai(data, source).feed()


_XML_READERS: dict[str, Reader] = {
    f"{{{ATOM_NS}}}feed": read_atom,
    f"{{{OAI_NS}}}OAI-PMH": _read_oai_feed,
}
# Next: Kaggle arXiv metadata JSONL, first byte b"{".
_BYTE_READERS: dict[bytes, Reader] = {}


def read_path(path: str | Path, name: str | None = None) -> Feed:
    """Read one input file of any supported format; `name` is how the records' provenance
    and error messages call it (default: the path as given)."""
    source = name or str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise SourceError(source, f"cannot read file: {exc.strerror or exc}") from exc
    return _reader_for(data, source)(data, source)


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
