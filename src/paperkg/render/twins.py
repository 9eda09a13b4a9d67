"""Machine-readable twins of every entity page: `index.ttl` and `index.jsonld` beside the
page's `index.md`, each describing the entity with enough of its neighbours (their types and
names, and for a person the papers naming them as author) to stand alone.

Built from one sorted N-Triples dump of the graph, grouped by document: no query per page."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator

from pyoxigraph import RdfFormat, parse, serialize

from paperkg.graph.namespaces import Iris
from paperkg.render.write import Made

_LABELS = {
    "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>",
    "<https://schema.org/name>",
    "<http://www.w3.org/2004/02/skos/core#prefLabel>",
    "<http://www.w3.org/2004/02/skos/core#notation>",
}
_AUTHOR = "<https://schema.org/author>"


def paths(pages: Iterable[str]) -> list[str]:
    """The twins' paths of these entity pages (paths of their index.md)."""
    return [page.removesuffix("index.md") + name for page in pages for name in ("index.ttl", "index.jsonld")]


class Twins:
    """The graph grouped for the twins: each document's own triples, every entity's type and
    name, and each person's authored papers. Built once; `files` can then run in forked workers."""

    def __init__(self, lines: list[str], iris: Iris) -> None:
        """`lines`: the graph's N-Triples lines, sorted (`graph.store.sorted_ntriples`)."""
        self.iris = iris
        self.own: dict[str, list[str]] = defaultdict(list)  # document IRI -> its triples
        self.labels: dict[str, list[str]] = defaultdict(list)  # "<…#it>" -> its type and name triples
        self.authored: dict[str, list[str]] = defaultdict(list)  # "<person#it>" -> "<paper> schema:author <person>"
        self.lines = lines  # the whole graph, which the N-Triples dump is too
        for line in self.lines:
            subject, predicate, rest = line.split(" ", 2)
            self.own[subject[1:-1].partition("#")[0]].append(line)
            if predicate in _LABELS and subject.endswith('#it>'):
                self.labels[subject].append(line)
            if predicate == _AUTHOR:
                self.authored[rest[:-2]].append(line)

    def made(self, pages: Iterable[str]) -> Iterator[Made]:
        """Each entity page's twins ('paper/ID/index.ttl', 'paper/ID/index.jsonld') with a
        digest of their triples: they are serialised again only if those changed."""
        for page in pages:
            triples = self._triples(page)
            digest = hashlib.blake2b("\n".join(triples).encode(), digest_size=16).hexdigest()
            yield tuple(paths([page])), digest, lambda page=page, triples=triples: self._serialize(page, triples)

    def _triples(self, page: str) -> list[str]:
        document = self.iris.base + page.removesuffix("index.md")
        lines = self.own.get(document, [])
        it = f"<{document}#it>"
        neighbours = {rest[:-2] for line in lines for rest in [line.split(" ", 2)[2]] if rest.startswith("<")}
        extra = [label for n in sorted(neighbours) if not n.startswith(f"<{document}")
                 for label in self.labels.get(n, ())]
        for line in self.authored.get(it, ()):  # a person's papers, with their names
            extra.append(line)
            extra.extend(self.labels.get(line.split(" ", 1)[0], ()))
        return sorted(set(lines) | set(extra))

    def _serialize(self, page: str, triples: list[str]) -> Iterator[tuple[str, bytes]]:
        directory = page.removesuffix("index.md")
        quads = list(parse("\n".join(triples).encode() + b"\n", format=RdfFormat.N_TRIPLES))
        yield directory + "index.ttl", serialize(quads, format=RdfFormat.TURTLE, prefixes=self.iris.prefixes())
        yield directory + "index.jsonld", serialize(quads, format=RdfFormat.JSON_LD)
