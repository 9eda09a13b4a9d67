"""The graph on disk: deterministic, diff-friendly Turtle shards under graph/.

Layout (all IRIs written relative to the site's base, so the files do not depend on where
the site is deployed):

    graph/taxonomy.ttl          topics (the arXiv taxonomy as SKOS)
    graph/papers/YYYY-MM.ttl    papers, their authorships and versions, by the id's month
    graph/authors/X.ttl         persons, by the first character of their slug

One triple per line, subjects and objects sorted: the same graph gives the same bytes, and
one new paper adds a block of lines to one paper file and a few lines to author files.
"""

from __future__ import annotations

import os
import re
import tempfile
from bisect import insort
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator
from itertools import groupby
from pathlib import Path
from typing import BinaryIO

from pyoxigraph import DefaultGraph, NamedNode, RdfFormat, Store, parse

from paperkg import taxonomy, tempfiles
from paperkg.errors import GraphError
from paperkg.graph.merge import name_keys_in
from paperkg.graph.namespaces import PROV, Iris
from paperkg.graph.topics import taxonomy_triples
from paperkg.ids import id_month

DATA_GLOBS = ("taxonomy.ttl", "papers/*.ttl", "authors/*.ttl", "other.ttl")
_XSD_INTEGER = "^^<http://www.w3.org/2001/XMLSchema#integer>"
_INTEGER = re.compile(r"^[+-]?\d+$")
_PN_LOCAL = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_DIGITS = re.compile(r"(\d+)")
_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")  # an IRI with a scheme, not one relative to the base
_PERSON_IN_TURTLE = re.compile(rb"<author/[^<>\s]*>")  # a person's IRI as the shards write it
# The blocks of a shard after its header, as TurtleWriter writes them (TurtleWriter.regular)
_BLOCKS = re.compile(rb"(?:[^\s][^\n]*\n(?:    [^\n]+\n)+\n)*[^\s][^\n]*\n(?:    [^\n]+\n)+")
# A person's block as TurtleWriter writes it, to its name key: (subject, the key's N-Triples string)
_NAME_KEY_IN_TURTLE = re.compile(
    rb'^(\S+)\n(?:    (?!ax:nameKey )[^\n]*\n)*?    ax:nameKey "((?:[^"\\\n]|\\.)*)"', re.M)


def sorted_ntriples(store: Store) -> list[str]:
    """The default graph's N-Triples lines, sorted."""
    with tempfile.TemporaryFile() as dump:
        dump_ntriples(store, dump)
        return sorted_lines(dump)


def dump_ntriples(store: Store, out: BinaryIO) -> None:
    store.dump(out, format=RdfFormat.N_TRIPLES, from_graph=DefaultGraph())


def sorted_lines(dump: BinaryIO) -> list[str]:
    """The lines of an N-Triples file, sorted: read line by line, so the whole dump is never
    in memory as one string beside its lines."""
    dump.seek(0)
    lines = [line.decode().rstrip("\n") for line in dump]
    lines.sort()
    return lines


def data_files(graph_dir: Path) -> list[Path]:
    return sorted(p for pattern in DATA_GLOBS for p in graph_dir.glob(pattern))


def load_graph(graph_dir: Path, iris: Iris) -> Store:
    """Read every data shard into a fresh in-memory store (the taxonomy is added if absent)."""
    store = Store()
    has_taxonomy = False
    for path in data_files(graph_dir):
        load_shard(store, path, iris)
        has_taxonomy |= path.name == "taxonomy.ttl"
    if not has_taxonomy:
        store.extend(taxonomy_triples(taxonomy.load(), iris))
    return store


def shard_files(graph_dir: Path, iris: Iris) -> Iterator[tuple[str, bytes]]:
    """(name, Turtle) of every data shard in name order, one at a time: the files as they are,
    and the taxonomy rendered from the bundled one when graph/ has none (as `load_graph` adds it)."""
    shards: dict[str, Path | bytes] = {path.relative_to(graph_dir).as_posix(): path for path in data_files(graph_dir)}
    if "taxonomy.ttl" not in shards:
        shards["taxonomy.ttl"] = bundled_taxonomy(iris)
    for name in sorted(shards):
        shard = shards[name]
        yield name, shard if isinstance(shard, bytes) else shard.read_bytes()


def bundled_taxonomy(iris: Iris) -> bytes:
    """graph/taxonomy.ttl as paperkg writes it from its bundled copy of arXiv's taxonomy."""
    bundled = Store()
    bundled.extend(taxonomy_triples(taxonomy.load(), iris))
    return TurtleWriter(iris).render(bundled)["taxonomy.ttl"]


class TurtleWriter:
    """Turns the store's N-Triples into sorted, prefixed, base-relative Turtle shards."""

    def __init__(self, iris: Iris):
        self.iris = iris
        self._iri_cache: dict[str, str] = {"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>": "a"}
        self.prefixes = sorted(iris.prefixes().items(), key=lambda kv: -len(kv[1]))
        self.namespaces = dict(iris.prefixes())
        # Relative prefix IRIs (ax: is <ns#>) resolve against the base given when loading.
        self.header = "".join(
            f"@prefix {name}: <{iris.relative(ns)}> .\n" for name, ns in sorted(iris.prefixes().items())
        ).encode() + b"\n"  # what every shard starts with

    def term(self, term: str) -> str:
        """Compact one N-Triples term: prefixed name, base-relative IRI, or literal shorthand."""
        if term[0] == '"':
            if term[-1] != ">":
                return term  # a plain or language-tagged literal
            # A typed literal: only these end in ">", and the datatype IRI after the last
            # '"^^' cannot hold a '"'.
            lexical, _, datatype = term.rpartition('"^^')
            if datatype == _XSD_INTEGER[2:] and _INTEGER.match(lexical[1:]):
                return lexical[1:]
            return f'{lexical}"^^{self.term(datatype)}'
        # IRIs repeat (predicates, persons, topics): compact each one once.
        compact = self._iri_cache.get(term)
        if compact is None:
            compact = self._iri_cache[term] = self._compact_iri(term)
        return compact

    def _compact_iri(self, term: str) -> str:
        iri = term[1:-1]
        for name, ns in self.prefixes:
            if iri.startswith(ns) and _PN_LOCAL.match(iri[len(ns):]):
                return f"{name}:{iri[len(ns):]}"
        if iri.startswith(self.iris.base):
            return f"<{iri[len(self.iris.base):]}>"
        return term

    def shard(self, subject_iri: str) -> str:
        relative = self.iris.relative(subject_iri)
        if relative.startswith("paper/"):
            arxiv_id = relative[len("paper/") :].partition("#")[0].rstrip("/")
            return f"papers/{id_month(arxiv_id)}.ttl"
        if relative.startswith("author/"):
            first = relative[len("author/")]
            return f"authors/{first if first.isalnum() else '_'}.ttl"
        if relative.startswith("topic/"):
            return "taxonomy.ttl"
        return "other.ttl"

    def render(self, store: Store, only: Collection[str] | None = None) -> dict[str, bytes]:
        """{relative file name: Turtle bytes} for the whole default graph, or for the shards
        `only` names. The sorted triples come subject by subject: each subject's block is made
        as it comes, so the graph is never held a second time as per-subject lists."""
        shards: dict[str, list[tuple[tuple, str]]] = defaultdict(list)
        for subject, block in self._blocks(sorted_ntriples(store), only):
            shards[self.shard(subject[1:-1])].append(((subject_key(subject), subject), block))
        return {name: self._text(block for _, block in sorted(blocks)) for name, blocks in shards.items()}

    def patch(self, store: Store, subjects: Collection[str], shards: dict[str, bytes]) -> dict[str, bytes]:
        """The shards holding `subjects` (IRIs) made again from what they were (`shards`: each
        one's text as this writer wrote it, when it exists): the blocks of those subjects
        rendered from the store (gone when it has none of their triples), the other blocks as
        they were. The same bytes as `render(store, only=those shards)`, from the few subjects
        an update touches rather than every triple the store holds: an author shard has
        thousands of persons. Each text must be `regular`."""
        changed: dict[str, dict[str, str | None]] = defaultdict(dict)
        touched = Store()  # the subjects' triples alone
        for iri in subjects:
            changed[self.shard(iri)][f"<{iri}>"] = None  # no block, unless the store has triples of it
            touched.extend(store.quads_for_pattern(NamedNode(iri), None, None, DefaultGraph()))
        for subject, block in self._blocks(sorted_ntriples(touched)):
            changed[self.shard(subject[1:-1])][subject] = block
        rendered = {}
        for name, blocks in changed.items():
            if (text := self._splice(shards.get(name), blocks)) is not None:
                rendered[name] = text
        return rendered

    def regular(self, text: bytes) -> bool:
        """Whether a shard's text is as this writer writes shards, so that `patch` can take
        it apart: the header, then blocks of a subject line and indented lines, a blank line
        between them. A file edited by hand need not be."""
        return text.startswith(self.header) and _BLOCKS.fullmatch(text, len(self.header)) is not None

    def _blocks(self, lines: list[str], only: Collection[str] | None = None) -> Iterator[tuple[str, str]]:
        """(subject, its Turtle block) for each subject of the sorted N-Triples lines."""
        term = self.term
        for subject, group in groupby(lines, key=lambda line: line.split(" ", 1)[0]):
            if only is not None and self.shard(subject[1:-1]) not in only:
                continue
            # "<s> <p> object ." -- the model has no blank nodes, and IRIs hold no spaces
            pairs = (line.split(" ", 2)[1:] for line in group)
            body = " ;\n    ".join(sorted(f"{term(predicate)} {term(rest[:-2])}" for predicate, rest in pairs))
            # "a ..." sorts before "ax:", "bibo:"...
            yield subject, f"{term(subject)}\n    {body} .\n"

    def _text(self, blocks: Iterable[str]) -> bytes:
        return self.header + "\n".join(blocks).encode("utf-8")

    def _splice(self, old: bytes | None, changed: dict[str, str | None]) -> bytes | None:
        """A shard's text with the blocks of `changed` (subject -> block, None: no block)
        replaced, removed or put in their place; None when no block is left."""
        blocks: list[str] = []
        if old is not None:
            body = old[len(self.header):].decode("utf-8")
            blocks = [block + "\n" for block in body.removesuffix("\n").split("\n\n")] if body else []
        gone = {self.term(subject) for subject in changed}  # as the blocks' first lines have them
        kept = [block for block in blocks if block[: block.index("\n")] not in gone]
        for block in changed.values():
            if block is not None:
                insort(kept, block, key=self._block_key)  # the blocks are in render's order
        return self._text(kept) if kept else None

    def _block_key(self, block: str) -> tuple:
        subject = self._expand(block[: block.index("\n")])
        return subject_key(subject), subject

    def _expand(self, compact: str) -> str:
        """A subject as `term` wrote it, in N-Triples again."""
        if compact.startswith("<"):
            iri = compact[1:-1]
            return compact if _ABSOLUTE.match(iri) else f"<{self.iris.base}{iri}>"
        name, _, local = compact.partition(":")
        return f"<{self.namespaces[name]}{local}>"

def subject_key(term: str) -> tuple[str, bool, list[object]]:
    # Per document: the thing (#it) first, then '#author-2' before '#author-10'.
    document, _, fragment = term[1:-1].partition("#")
    return document, fragment != "it", [int(p) if p.isdigit() else p for p in _DIGITS.split(fragment)]


def write_graph(store: Store, graph_dir: Path, iris: Iris, holds: Callable[[str], bool] | None = None,
                only: Collection[str] | None = None) -> list[Path]:
    """Write the shards that changed, each atomically (temp file, then rename); remove shards
    that no longer hold anything. Returns the files written or removed.

    With `holds`, the store holds only the shards (names relative to graph_dir) for which it
    is true: the others stay as they are on disk. With `only`, only those shards can have
    changed: the others are neither made nor compared."""
    return write_shards(graph_dir, TurtleWriter(iris).render(store, only), holds, only)


def write_shards(graph_dir: Path, rendered: dict[str, bytes], holds: Callable[[str], bool] | None = None,
                 only: Collection[str] | None = None) -> list[Path]:
    """Write the shards `rendered` holds, as `write_graph` does, and remove those (all or only
    those in `only`) it no longer holds."""
    if holds is not None:
        stray = sorted(name for name in rendered if not holds(name) and (graph_dir / name).exists())
        if stray:  # a paperkg bug: triples added to a shard that was never read
            raise GraphError(f"{graph_dir / stray[0]}: changed without being read; nothing was written")
    changed: list[Path] = []
    staged: list[tuple[Path, Path]] = []
    try:
        for name in sorted(rendered):
            path = graph_dir / name
            if path.exists() and path.read_bytes() == rendered[name]:
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfiles.beside(path)
            with os.fdopen(fd, "wb") as out:
                out.write(rendered[name])
            staged.append((tmp, path))
    except OSError as error:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise GraphError(f"cannot write the graph to {graph_dir}: {error}") from None
    # Every shard is complete on disk before the first rename: a failure above leaves the
    # old graph as it was.
    for tmp, path in staged:
        os.replace(tmp, path)
        changed.append(path)
    for path in data_files(graph_dir):
        name = path.relative_to(graph_dir).as_posix()
        if name not in rendered and (holds is None or holds(name)) and (only is None or name in only):
            path.unlink()
            changed.append(path)
    return sorted(changed)


class PartialGraph:
    """The graph as far as merging papers needs it, shard by shard: the paper shards of the
    papers merged, read into the store (all of a paper's triples are in its month's shard),
    and the author shards as text. One more API page into a graph of 30,000 papers reads a few
    of its 259 files instead of all of them.

    `paper(id)` reads the paper's shard before the paper is merged. The author shards are not
    read into the store: merging needs only who is in them, by name (`name_keys`, from their
    text), and only adds or removes persons, whose blocks `write()` puts into the shard's text
    or takes out of it (TurtleWriter.patch). Reading them took an update's ingest 0.85 s
    at 30k papers. Whether a person dropped from a paper still authors another is looked up in
    the text of the shards not read (`named_elsewhere`): reading them all took most of an
    update's ingest (14 s, and 34 s more to write them back). `write()` writes back what
    changed; the others stay as they are."""

    def __init__(self, graph_dir: Path, iris: Iris) -> None:
        self.graph_dir, self.iris = graph_dir, iris
        self.store = Store()
        self.writer = TurtleWriter(iris)
        self.files = {path.relative_to(graph_dir).as_posix(): path for path in data_files(graph_dir)}
        self.read: set[str] = set()  # shards this graph holds: read into the store, or as text
        self.as_text = {name for name in self.files if name.startswith("authors/")}  # held, not in the store
        self.read |= self.as_text
        self._named: dict[bytes, set[str]] | None = None  # a person's IRI in Turtle -> shards naming it
        self._added: set[str] = set()  # shards this graph made itself, not merging
        if "taxonomy.ttl" not in self.files:  # added as load_graph adds it, so written as ever
            self.store.extend(taxonomy_triples(taxonomy.load(), iris))
            self.read.add("taxonomy.ttl")
            self._added.add("taxonomy.ttl")

    def paper(self, arxiv_id: str) -> None:
        self._read(f"papers/{id_month(arxiv_id)}.ttl")

    def name_keys(self) -> Iterator[tuple[str, str]]:
        """(name key, person IRI) of every person in the graph: from the text of the author
        shards held as text, and from the store. A shard whose text is not as paperkg writes
        it is read into the store instead."""
        for name in sorted(self.as_text):
            text = self.files[name].read_bytes()
            found = _NAME_KEY_IN_TURTLE.findall(text) if self.writer.regular(text) else None
            if found is None or len(found) != text.count(b"\n    ax:nameKey "):
                self._read(name)
                continue
            # just the name keys, parsed as Turtle (the shard's prefixes and base, the escapes)
            keys = self.writer.header + b"".join(b'%s ax:nameKey "%s" .\n' % pair for pair in found)
            for quad in parse(keys, format=RdfFormat.TURTLE, base_iri=self.iris.base):
                yield quad.object.value, quad.subject.value
        yield from name_keys_in(self.store, self.iris)

    def named_elsewhere(self, node: NamedNode) -> bool:
        """Whether a shard not read names the person `node`: its IRI, as the shards write it
        (base-relative, between angle brackets), in the shard's text."""
        name = self.writer.term(f"<{node.value}>").encode()
        if _PERSON_IN_TURTLE.fullmatch(name) is None:  # not in the form looked for: read them all
            for shard in self.files:
                if shard not in self.read:
                    self._read(shard)
            return next(iter(self.store.quads_for_pattern(None, PROV.agent, node)), None) is not None
        if self._named is None:  # each shard's text scanned once, for every person it names
            self._named = defaultdict(set)
            for shard, path in self.files.items():
                if shard not in self.read:
                    for found in set(_PERSON_IN_TURTLE.findall(path.read_bytes())):
                        self._named[found].add(shard)
        return any(shard not in self.read for shard in self._named.get(name, ()))

    def write(self, touched: Collection[str]) -> list[Path]:
        """Write the shards of `touched` (the IRIs of the subjects merging gave or took
        triples: MergeReport.touched) that changed; the others are neither made nor compared."""
        writer = self.writer
        only = {writer.shard(iri) for iri in touched} | self._added
        # the text of the shards read (as read, or as an earlier write() left it)
        texts = {name: (self.graph_dir / name).read_bytes() for name in only
                 if name in self.read and name not in self._added and (self.graph_dir / name).is_file()}
        # Made whole from the store, which holds all of each: the shards new (a first ingest's
        # are all new), and those edited by hand
        whole = {name for name in only if name not in texts or not writer.regular(texts[name])}
        if whole & self.as_text:  # name_keys read such a shard into the store: it changed since
            raise GraphError(f"{self.graph_dir}: an author shard changed while merging; nothing was written")
        rendered = writer.patch(self.store, [iri for iri in touched if writer.shard(iri) not in whole],
                                {name: text for name, text in texts.items() if name not in whole})
        if whole:
            rendered.update(writer.render(self.store, whole))
        written = write_shards(self.graph_dir, rendered, self.holds, only)
        self._added.clear()
        return written

    def holds(self, shard: str) -> bool:
        """The shards read, and every one that did not exist when the reading began."""
        return shard in self.read or shard not in self.files

    def _read(self, name: str) -> None:
        """Read a shard into the store (once)."""
        if name not in self.read or name in self.as_text:
            self.read.add(name)
            self.as_text.discard(name)
            if name in self.files:
                load_shard(self.store, self.files[name], self.iris)


def load_shard(store: Store, path: Path, iris: Iris) -> None:
    """One Turtle shard into the in-memory store. `Store.load`, not `bulk_load`: into memory,
    one transaction a shard reads the 30k graph in 12.7 s against 16.0 s, at the same peak
    memory (837 and 844 MiB: scripts/bench_load.py)."""
    try:
        store.load(path=str(path), format=RdfFormat.TURTLE, base_iri=iris.base)
    except SyntaxError as error:
        raise GraphError(f"{path}: cannot parse the graph file: {error}") from None
