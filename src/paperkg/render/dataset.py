"""The dataset's own files, built with the site: full dumps of the graph and its VoID + DCAT
description (also served at /.well-known/void). Deterministic: sorted dumps, gzip without a
time stamp."""

from __future__ import annotations

import hashlib
import struct
import zlib
from collections.abc import Iterator, Sequence
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


def write_ntriples_gz(sorted_lines: Sequence[str], out: BinaryIO, kept: Path | None = None) -> None:
    """The N-Triples lines, gzipped: one gzip member, whose deflate stream is made of segments
    deflated one by one, each ending in a full flush (byte-aligned, nothing referred to across
    it), as pigz makes its parallel gzip. Any gzip reader reads it as one stream.

    With `kept`, a directory, each segment's deflated bytes are kept there under the digest of
    its lines, and a segment deflated by an earlier build is read back rather than deflated
    again: a graph that gained a few papers deflates a few segments. Segments this dump does not
    use are deleted. The bytes are those of a dump made without `kept`."""
    cache = _Segments(kept)
    out.write(_GZIP_HEADER)
    crc = size = 0
    for data in _segments(sorted_lines):
        crc, size = zlib.crc32(data, crc), size + len(data)
        out.write(cache.deflated(data))
    out.write(_LAST_BLOCK)
    out.write(struct.pack("<II", crc, size & 0xFFFFFFFF))
    cache.prune()


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


class _Segments:
    """Deflated segments kept between builds, each in a file named by the digest of its data
    (and of zlib's version and level, which the bytes depend on)."""

    def __init__(self, directory: Path | None) -> None:
        self.directory, self.used = directory, set()
        self.recipe = f"zlib {zlib.ZLIB_RUNTIME_VERSION} level {LEVEL}\n".encode()
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)

    def deflated(self, data: bytes) -> bytes:
        if self.directory is None:
            return _deflate(data)
        digest = hashlib.sha256(self.recipe)
        digest.update(data)
        name = digest.hexdigest() + ".deflate"
        self.used.add(name)
        path = self.directory / name
        try:
            return path.read_bytes()
        except FileNotFoundError:
            packed = _deflate(data)
            tempfiles.replace_bytes(path, packed)
            return packed

    def prune(self) -> None:
        if self.directory is not None:
            for path in self.directory.iterdir():
                if path.name not in self.used:
                    path.unlink()


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
