"""The graph's triples file by file, as the build uses them: each data file's N-Triples lines,
sorted, and what the build keeps of them for the next build (`FileTriples`), so that an update
reads only the files that changed.

A document is a page's IRI without its fragment (`…/paper/2409.05654/` holds `#it`, `#author-1`,
`#v1` and itself): the unit the twins describe and the views are made again for. Each file's
summary says which documents it holds and a digest of each one's lines, so comparing two
summaries of a file tells which documents changed.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import DefaultGraph, NamedNode, RdfFormat, Store, parse, serialize

from paperkg.errors import GraphError
from paperkg.graph.namespaces import Iris
from paperkg.graph.store import bundled_taxonomy, data_files

# The lines a twin shows of its neighbours: their types and names.
LABELS = frozenset({
    "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>",
    "<https://schema.org/name>",
    "<http://www.w3.org/2004/02/skos/core#prefLabel>",
    "<http://www.w3.org/2004/02/skos/core#notation>",
})
AUTHOR = "<https://schema.org/author>"
TAXONOMY = "taxonomy.ttl"


def document_of(subject: str) -> str:
    """'<https://site/paper/2409.05654/#it>' -> 'https://site/paper/2409.05654/'."""
    return subject[1:-1].partition("#")[0]


@dataclass(frozen=True)
class Source:
    """One data file of the graph as this build found it: its name under graph/, and its bytes'
    digest. `path` is None for the bundled taxonomy, which stands in when graph/ has none."""

    name: str
    digest: str
    path: Path | None
    stat: tuple[int, int] | None  # (size, modification time in ns), when it is a file

    def data(self, iris: Iris) -> bytes:
        return self.path.read_bytes() if self.path is not None else bundled_taxonomy(iris)


def sources(graph_dir: Path, iris: Iris, known: Mapping[str, tuple[str, tuple[int, int] | None]]) -> list[Source]:
    """The graph's data files in name order, each with the digest of its bytes. A file whose
    size and modification time are those `known` gives for it keeps the digest given there
    (a stat, not a read: as git and make tell a changed file)."""
    found: list[Source] = []
    for path in data_files(graph_dir):
        name = path.relative_to(graph_dir).as_posix()
        status = path.stat()
        stat = (status.st_size, status.st_mtime_ns)
        digest, stat_then = known.get(name, (None, None))
        if digest is None or stat_then is None or tuple(stat_then) != stat:
            digest = _digest(path.read_bytes())
        found.append(Source(name, digest, path, stat))
    if not any(source.name == TAXONOMY for source in found):  # load_graph adds it too
        found.append(Source(TAXONOMY, _digest(bundled_taxonomy(iris)), None, None))
    return sorted(found, key=lambda source: source.name)


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def graph_name(source: str) -> str:
    """The named graph a data file is loaded into, so each file's triples can be told apart."""
    return f"urn:paperkg:file:{source}"


def load_sources(store: Store, iris: Iris, chosen: Iterable[Source], named: bool = True) -> None:
    """Each file into `store`: into a named graph of its own (query with
    use_default_graph_as_union), or with `named` False, all into the default graph."""
    for source in chosen:
        where = source.path or "the bundled taxonomy"
        into = NamedNode(graph_name(source.name)) if named else DefaultGraph()
        try:
            if source.path is not None:  # read by Oxigraph itself
                store.load(path=str(source.path), format=RdfFormat.TURTLE, base_iri=iris.base, to_graph=into)
            else:
                store.load(source.data(iris), format=RdfFormat.TURTLE, base_iri=iris.base, to_graph=into)
        except SyntaxError as error:
            raise GraphError(f"{where}: cannot parse the graph file: {error}") from None


def file_lines(store: Store, source: str) -> list[str]:
    """A file's N-Triples lines, sorted, from the named graph `load_sources` put it in."""
    text = store.dump(format=RdfFormat.N_TRIPLES, from_graph=NamedNode(graph_name(source))).decode()
    lines = text.split("\n")
    lines.pop()  # after the last line's newline
    lines.sort()
    return lines


def parse_lines(data: bytes, iris: Iris, where: str) -> list[str]:
    """A Turtle file's triples as N-Triples lines, sorted."""
    try:  # parsed as it is serialised, never held as a list of quads: a third faster
        text = serialize(parse(data, format=RdfFormat.TURTLE, base_iri=iris.base), format=RdfFormat.N_TRIPLES)
    except SyntaxError as error:
        raise GraphError(f"{where}: cannot parse the graph file: {error}") from None
    lines = text.decode().split("\n")
    lines.pop()  # after the last line's end
    lines.sort()
    return lines


def by_document(lines: Iterable[str]) -> dict[str, list[str]]:
    """The lines (sorted) grouped by their subject's document, each group still sorted."""
    grouped: dict[str, list[str]] = defaultdict(list)
    for line in lines:
        grouped[document_of(line[: line.index(" ")])].append(line)
    return grouped


@dataclass
class FileTriples:
    """What the build keeps of one data file's triples: a digest of each document's lines, and
    the lines the twins take from it for other documents (the names and types of the things
    it describes; the papers naming each person as author)."""

    documents: dict[str, str] = field(default_factory=dict)  # document IRI -> digest of its lines
    labels: dict[str, tuple[str, ...]] = field(default_factory=dict)  # "<…#it>" -> its type and name lines
    # "<person#it>" -> the lines "<paper#it> schema:author <person#it> ." of this file
    authored: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, grouped: Mapping[str, list[str]]) -> FileTriples:
        summary = cls()
        labels: dict[str, list[str]] = defaultdict(list)
        authored: dict[str, list[str]] = defaultdict(list)
        for document, lines in grouped.items():
            summary.documents[document] = _digest("\n".join(lines).encode())
            for line in lines:
                subject, predicate, rest = line.split(" ", 2)
                if predicate in LABELS and subject.endswith("#it>"):
                    labels[subject].append(line)
                elif predicate == AUTHOR:
                    authored[rest[:-2]].append(line)
        summary.labels = {subject: tuple(found) for subject, found in labels.items()}
        summary.authored = {person: tuple(found) for person, found in authored.items()}
        return summary


def changed_documents(before: FileTriples | None, after: FileTriples | None) -> set[str]:
    """The documents whose lines in this file differ between two summaries of it."""
    old = before.documents if before is not None else {}
    new = after.documents if after is not None else {}
    return {document for document in old.keys() | new.keys() if old.get(document) != new.get(document)}
