"""The dataset's own files, built with the site: full dumps of the graph and its VoID + DCAT
description (also served at /.well-known/void). Deterministic: sorted dumps, gzip without a
time stamp."""

from __future__ import annotations

import hashlib
import struct
import tempfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from paperkg import tempfiles
from paperkg.graph.namespaces import Iris
from paperkg.graph.store import shard_files
from paperkg.views import SiteView

DUMP_NT = "dump/graph.nt.gz"
DUMP_TTL = "dump/graph.ttl"
VOID = "dataset/index.ttl"
ACKNOWLEDGEMENT = "Thank you to arXiv for use of its open access interoperability."

# Level 6, not 9: half the time at 30k papers, for a file 3% bigger.
LEVEL = 6
# A segment ends before an rdf:type line whose subject's CRC-32 is 0 modulo this: a cut where
# the lines say, so a new line moves no cut but its own segment's (about 400 kB of N-Triples
# at 30k papers, whose graph has a type line in every six).
SEGMENT_TYPES = 512
_TYPE = b"> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
_BATCH = 50_000  # lines encoded at a time
# gzip's header with no name and no time stamp (RFC 1952): deflate, no flags, mtime 0, no
# extra flags, OS unknown, as Python's gzip module writes it.
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
_LAST_BLOCK = b"\x03\x00"  # an empty final block of fixed codes: the end of the deflate stream


Segment = tuple[str, int, int]  # a kept segment: (its file's name, CRC-32 of its text, the text's length)


class Segments:
    """The N-Triples dump's deflated segments, kept between builds in `directory`, each in a
    file named by the digest of its text (and of zlib's version and level, which the bytes
    depend on): a graph that gained a few papers deflates a few segments.

    The dump (`write`) is one gzip member whose deflate stream is the segments one after the
    other, each ending in a full flush (byte-aligned, nothing referred to across it), as pigz
    makes its parallel gzip: any gzip reader reads it as one stream. Its CRC-32 is combined
    from the segments' own, so a dump is written without its text."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.recipe = f"zlib {zlib.ZLIB_RUNTIME_VERSION} level {LEVEL}\n".encode()
        directory.mkdir(parents=True, exist_ok=True)

    def cut(self, lines: Sequence[str]) -> list[Segment]:
        """The lines (of one graph file, sorted) as kept segments, deflating those not kept yet."""
        made = []
        for data in _segments(lines):
            digest = hashlib.sha256(self.recipe)
            digest.update(data)
            name = digest.hexdigest() + ".deflate"
            path = self.directory / name
            if not path.is_file():
                tempfiles.replace_bytes(path, _deflate(data))
            made.append((name, zlib.crc32(data), len(data)))
        return made

    def text(self, segments: Sequence[Segment]) -> str:
        """The N-Triples text the segments were cut from."""
        return "".join(zlib.decompressobj(-zlib.MAX_WBITS).decompress((self.directory / name).read_bytes()).decode()
                       for name, _, _ in segments)

    def write(self, segments: Sequence[Segment], out: BinaryIO) -> None:
        """The gzipped dump of these segments' text, in their order."""
        out.write(_GZIP_HEADER)
        crc = size = 0
        for name, segment_crc, length in segments:
            out.write((self.directory / name).read_bytes())
            crc, size = crc32_combine(crc, segment_crc, length), size + length
        out.write(_LAST_BLOCK)
        out.write(struct.pack("<II", crc, size & 0xFFFFFFFF))

    def prune(self, used: Iterable[Segment]) -> None:
        """Delete the kept segments none of `used` is."""
        keep = {name for name, _, _ in used}
        for path in self.directory.iterdir():
            if path.name not in keep:
                path.unlink()


def write_ntriples_gz(sorted_lines: Sequence[str], out: BinaryIO, kept: Path | None = None) -> None:
    """The N-Triples lines gzipped as the build writes its dump, through segments kept in
    `kept` (of these lines only), or made afresh."""
    with tempfile.TemporaryDirectory() as fresh:
        segments = Segments(kept or Path(fresh))
        made = segments.cut(sorted_lines)
        segments.write(made, out)
        segments.prune(made)


def _segments(lines: Sequence[str]) -> Iterator[bytes]:
    """The lines as N-Triples text, cut into segments. The cuts are found in the encoded text
    (bytes.find, not a look at every line): the type lines are a sample of the lines that any
    graph has; a graph without one is one segment."""
    pending: list[bytes] = []  # the segment so far, from earlier batches
    for first in range(0, len(lines), _BATCH):
        text = ("\n".join(lines[first : first + _BATCH]) + "\n").encode()
        start, found = 0, text.find(_TYPE)
        while found != -1:
            line = text.rfind(b"\n", 0, found) + 1
            if zlib.crc32(text[line:found]) % SEGMENT_TYPES == 0 and (line > start or pending):
                yield b"".join([*pending, text[start:line]])
                pending, start = [], line
            found = text.find(_TYPE, found + len(_TYPE))
        pending.append(text[start:])
    if pending:
        yield b"".join(pending)


def _deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)  # raw deflate, no header
    return packer.compress(data) + packer.flush(zlib.Z_FULL_FLUSH)


# CRC-32 of two texts one after the other from their own CRCs and the second's length: zlib's
# crc32_combine (which Python's zlib module does not offer), after zlib 1.2.12's crc32.c.
_POLYNOMIAL = 0xEDB88320  # reflected


def _multiply(a: int, b: int) -> int:
    """a times b modulo the CRC polynomial, both reflected."""
    bit, product = 1 << 31, 0
    while True:
        if a & bit:
            product ^= b
            if a & (bit - 1) == 0:
                return product
        bit >>= 1
        b = (b >> 1) ^ _POLYNOMIAL if b & 1 else b >> 1


def _powers() -> list[int]:
    """x to the 2^k, k = 0..31, modulo the polynomial."""
    power, found = 1 << 30, []  # x
    for _ in range(32):
        found.append(power)
        power = _multiply(power, power)
    return found


_X_TO_2_TO = _powers()


def crc32_combine(first: int, second: int, length: int) -> int:
    """The CRC-32 of A + B, given CRC-32(A), CRC-32(B) and len(B)."""
    shift, k = 1 << 31, 3  # x^0; a byte is x^8 = x^(2^3)
    while length:
        if length & 1:
            shift = _multiply(_X_TO_2_TO[k & 31], shift)
        length >>= 1
        k += 1
    return _multiply(shift, first) ^ second


def write_turtle(graph_dir: Path, iris: Iris, out: BinaryIO) -> None:
    """The graph's own sorted Turtle files in one file, made absolute by an @base: copied one
    after the other, never the whole graph in memory."""
    out.write(f"@base <{iris.base}> .\n".encode())
    for n, (_, text) in enumerate(shard_files(graph_dir, iris)):
        out.write(b"\n" if n else b"")
        out.write(text)


def void(triples: int, iris: Iris, site: SiteView, title: str) -> str:
    base = iris.base
    example = f"<{base}{site.papers[0].page.removesuffix('index.md')}#it> , " if site.papers else ""
    classes = (("schema:ScholarlyArticle", len(site.papers)), ("schema:Person", len(site.persons)),
               ("skos:Concept", len(site.topics)))
    partitions = " ,\n        ".join(f"[ void:class {c} ; void:entities {n} ]" for c, n in classes)
    return f"""@prefix void: <http://rdfs.org/ns/void#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix schema: <https://schema.org/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<{base}dataset/#it> a void:Dataset , dcat:Dataset ;
    dcterms:title {_literal(title)}@en ;
    dcterms:description "arXiv papers, their authors and topics as a linked knowledge graph."@en ;
    dcterms:license <http://creativecommons.org/publicdomain/zero/1.0/> ;
    dcterms:source <https://arxiv.org/> ;
    dcterms:rights {_literal(ACKNOWLEDGEMENT)} ;
    prov:wasDerivedFrom <https://export.arxiv.org/api/query> , <https://oaipmh.arxiv.org/oai> ;
    void:uriSpace "{base}" ;
    void:vocabulary <https://schema.org/> , <http://www.w3.org/2004/02/skos/core#> , <http://www.w3.org/ns/prov#> ,
        <http://purl.org/dc/terms/> , <{base}ns#> ;
    void:exampleResource {example}<{base}topic/cs.DC/#it> ;
    void:dataDump <{base}{DUMP_NT}> , <{base}{DUMP_TTL}> ;
    void:triples {triples} ;
    void:entities {sum(n for _, n in classes)} ;
    void:classPartition
        {partitions} ;
    dcat:distribution <{base}dataset/#dump-nt> , <{base}dataset/#dump-ttl> .

<{base}dataset/#dump-nt> a dcat:Distribution ;
    dcat:downloadURL <{base}{DUMP_NT}> ;
    dcat:mediaType <https://www.iana.org/assignments/media-types/application/n-triples> ;
    dcat:compressFormat <https://www.iana.org/assignments/media-types/application/gzip> .

<{base}dataset/#dump-ttl> a dcat:Distribution ;
    dcat:downloadURL <{base}{DUMP_TTL}> ;
    dcat:mediaType <https://www.iana.org/assignments/media-types/text/turtle> .
"""


def _literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
