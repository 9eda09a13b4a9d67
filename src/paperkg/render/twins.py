"""Machine-readable twins of every entity page: `index.ttl` and `index.jsonld` beside the
page's `index.md`, each describing the entity with enough of its neighbours (their types and
names, and for a person the papers naming them as author) to stand alone.

Made from the graph's lines document by document (graph.reading.GraphRead): no query per page."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pyoxigraph import RdfFormat, parse, serialize

from paperkg.graph.namespaces import Iris
from paperkg.graph.reading import GraphRead


def paths(pages: Iterable[str]) -> list[str]:
    """The twins' paths of these entity pages (paths of their index.md)."""
    return [page.removesuffix("index.md") + name for page in pages for name in ("index.ttl", "index.jsonld")]


class Twins:
    """Each entity page's twins from its document's lines, its neighbours' type and name
    lines, and for a person the lines naming them author, with those papers' types and names."""

    def __init__(self, graph: GraphRead, iris: Iris) -> None:
        self.graph, self.iris = graph, iris

    def files(self, pages: Iterable[str]) -> Iterator[tuple[str, bytes]]:
        """('paper/ID/index.ttl', Turtle), ('paper/ID/index.jsonld', JSON-LD) of each page."""
        for page in pages:
            yield from self._serialize(page, self.triples(page))

    def triples(self, page: str) -> list[str]:
        document = self.iris.base + page.removesuffix("index.md")
        lines = self.graph.document(document)
        it = f"<{document}#it>"
        neighbours = {rest[:-2] for line in lines for rest in [line.split(" ", 2)[2]] if rest.startswith("<")}
        extra = [label for n in sorted(neighbours) if not n.startswith(f"<{document}")
                 for label in self.graph.labels(n)]
        for line in self.graph.authored(it):  # a person's papers, with their names
            extra.append(line)
            extra.extend(self.graph.labels(line.split(" ", 1)[0]))
        return sorted(set(lines) | set(extra))

    def _serialize(self, page: str, triples: list[str]) -> Iterator[tuple[str, bytes]]:
        directory = page.removesuffix("index.md")
        quads = list(parse("\n".join(triples).encode() + b"\n", format=RdfFormat.N_TRIPLES))
        yield directory + "index.ttl", serialize(quads, format=RdfFormat.TURTLE, prefixes=self.iris.prefixes())
        yield directory + "index.jsonld", serialize(quads, format=RdfFormat.JSON_LD)
