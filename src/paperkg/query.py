"""SPARQL over the site's graph: named queries with parameters, read-only by default, and
results as a readable table, CSV, TSV, SPARQL JSON, Turtle or N-Triples."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import (
    DefaultGraph,
    Literal,
    NamedNode,
    Quad,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Store,
)

from paperkg.errors import PaperkgError
from paperkg.graph.namespaces import Iris
from paperkg.resources import bundled

FORMATS = ("table", "csv", "tsv", "json", "turtle", "ntriples")
_UPDATE = re.compile(r"^\s*(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b", re.IGNORECASE)
_PROLOGUE = re.compile(r"^\s*(#[^\n]*\n|PREFIX\s+\S*:\s*<[^>]*>|BASE\s+<[^>]*>)", re.IGNORECASE)
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_WHERE = re.compile(r"\bWHERE\s*\{|^\s*(?:SELECT|ASK)[^{]*\{", re.IGNORECASE | re.MULTILINE)


class QueryError(PaperkgError):
    """A query that cannot run: syntax (with line and column), an update, a missing name."""


@dataclass(frozen=True)
class NamedQuery:
    name: str
    text: str
    title: str = ""
    description: str = ""
    params: dict[str, str] = field(default_factory=dict)  # name -> what it means


def query_dirs(graph_dir: Path) -> list[Path]:
    """A site's graph/queries/ first, then paperkg's own."""
    return [d for d in (graph_dir / "queries", bundled("queries")) if d.is_dir()]


def parse_header(name: str, text: str) -> NamedQuery:
    """The comment header: `# title: ...`, `# description: ...` (continued by indented
    comment lines) and one `# param NAME: meaning` line per parameter."""
    fields: dict[str, str] = {}
    params: dict[str, str] = {}
    last = None
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        body = line[1:]
        if match := re.match(r"\s*param\s+(\w+)\s*:\s*(.*)", body):
            params[match[1]] = match[2].strip()
            last = None
        elif match := re.match(r"\s*(title|description)\s*:\s*(.*)", body):
            last = match[1]
            fields[last] = match[2].strip()
        elif last and body.startswith("   "):
            fields[last] += " " + body.strip()
    return NamedQuery(name, text, fields.get("title", ""), fields.get("description", ""), params)


def list_queries(graph_dir: Path) -> list[NamedQuery]:
    found: dict[str, NamedQuery] = {}
    for directory in reversed(query_dirs(graph_dir)):  # the site's override paperkg's
        for path in sorted(directory.glob("*.rq")):
            found[path.stem] = parse_header(path.stem, path.read_text("utf-8"))
    return [found[name] for name in sorted(found)]


def resolve(graph_dir: Path, query: str) -> NamedQuery:
    """A query given as SPARQL text, as a .rq file, or by name."""
    path = Path(query)
    if query.endswith(".rq") and path.is_file():
        return parse_header(path.stem, path.read_text("utf-8"))
    if _NAME.match(query):
        for directory in query_dirs(graph_dir):
            candidate = directory / f"{query}.rq"
            if candidate.is_file():
                return parse_header(query, candidate.read_text("utf-8"))
        known = ", ".join(q.name for q in list_queries(graph_dir))
        raise QueryError(f"no query named {query!r} (known: {known})")
    if query.endswith(".rq"):
        raise QueryError(f"{query}: no such file")
    return NamedQuery("query", query)


def is_update(text: str) -> bool:
    body = text
    while match := _PROLOGUE.match(body):
        body = body[match.end():]
    return bool(_UPDATE.match(body))


def bind(named: NamedQuery, values: dict[str, str]) -> str:
    """The query with its parameters bound: `--param name=value` (`<iri>` is an IRI, anything
    else a plain string) becomes an inline `VALUES` at the top of the WHERE clause, so the
    parameter stays a variable that every part of the query (aggregates included) sees."""
    unknown = sorted(set(values) - set(named.params)) if named.params or values else []
    if unknown:
        expected = ", ".join(named.params) or "none"
        raise QueryError(f"query {named.name}: unknown parameter(s) {', '.join(unknown)} (parameters: {expected})")
    missing = sorted(set(named.params) - set(values))
    if missing:
        raise QueryError(f"query {named.name}: give --param {missing[0]}=... ({named.params[missing[0]]})")
    if not values:
        return named.text
    terms = [NamedNode(v[1:-1]) if v.startswith("<") and v.endswith(">") else Literal(v) for v in values.values()]
    inline = f"VALUES ({' '.join('?' + name for name in values)}) {{ ({' '.join(map(str, terms))}) }}"
    body = "\n".join(line for line in named.text.splitlines() if not line.lstrip().startswith("#"))
    where = _WHERE.search(body)
    if where is None:
        raise QueryError(f"query {named.name}: no WHERE clause to bind parameters in")
    return body[: where.end()] + " " + inline + " " + body[where.end() :]


def run(store: Store, iris: Iris, named: NamedQuery, params: dict[str, str], allow_update: bool = False):
    """The query's result (solutions, boolean or triples); an update returns None."""
    if is_update(named.text):
        if not allow_update:
            raise QueryError(f"{named.name}: SPARQL Update is refused: the graph is read-only here (--allow-update)")
        try:
            store.update(named.text, base_iri=iris.base, prefixes=iris.prefixes())
        except SyntaxError as error:
            raise QueryError(f"{named.name}: syntax {error}") from None
        return None
    try:
        return store.query(bind(named, params), base_iri=iris.base, prefixes=iris.prefixes())
    except SyntaxError as error:
        raise QueryError(f"{named.name}: syntax {error}") from None


class Formatter:
    """Results as text. Tables shorten IRIs: the site's own relative to its base, vocabulary
    terms as prefixed names."""

    def __init__(self, iris: Iris):
        self.iris = iris
        self.prefixes = sorted(iris.prefixes().items(), key=lambda kv: -len(kv[1]))

    def format(self, result, fmt: str) -> str:
        if isinstance(result, QueryBoolean):
            return "true\n" if bool(result) else "false\n"
        if isinstance(result, QuerySolutions):
            if fmt == "table":
                return self.table(result)
            formats = {"csv": QueryResultsFormat.CSV, "tsv": QueryResultsFormat.TSV, "json": QueryResultsFormat.JSON}
            if fmt not in formats:
                raise QueryError(f"--format {fmt} is for CONSTRUCT and DESCRIBE; a SELECT gives table/csv/tsv/json")
            return result.serialize(format=formats[fmt]).decode("utf-8")
        formats = {"turtle": RdfFormat.TURTLE, "ntriples": RdfFormat.N_TRIPLES, "table": RdfFormat.TURTLE}
        if fmt not in formats:
            raise QueryError(f"--format {fmt} is for SELECT; a CONSTRUCT or DESCRIBE gives turtle or ntriples")
        graph = Store()
        graph.extend(Quad(t.subject, t.predicate, t.object) for t in result)
        return graph.dump(format=formats[fmt], from_graph=DefaultGraph(), prefixes=self.iris.prefixes()).decode()

    def short(self, term) -> str:
        if term is None:
            return ""
        if isinstance(term, NamedNode):
            iri = term.value
            if iri.startswith(self.iris.base) and not iri.startswith(str(self.iris.ax)):
                return iri[len(self.iris.base) :].removesuffix("#it").rstrip("/")  # "author/shengkai-lin"
            for name, ns in self.prefixes:
                if iri.startswith(ns):
                    return f"{name}:{iri[len(ns) :]}"
            return iri
        return term.value

    def table(self, solutions: QuerySolutions) -> str:
        names = [v.value for v in solutions.variables]
        return render_table(names, [[self.short(s[name]) for name in names] for s in solutions])

    def json_table(self, results: dict) -> str:
        """SPARQL 1.1 Query Results JSON (from a server) as the same table."""
        if "boolean" in results:
            return "true\n" if results["boolean"] else "false\n"
        names = results["head"]["vars"]
        rows = [[self._short_json(b.get(n)) for n in names] for b in results["results"]["bindings"]]
        return render_table(names, rows)

    def _short_json(self, term: dict | None) -> str:
        if term is None:
            return ""
        return self.short(NamedNode(term["value"])) if term["type"] == "uri" else term["value"]


def render_table(names: list[str], rows: list[list[str]]) -> str:
    widths = [max([len(n), *(len(r[i]) for r in rows)]) for i, n in enumerate(names)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    out = io.StringIO()
    out.write(line(names) + "\n" + line(["-" * w for w in widths]) + "\n")
    for row in rows:
        out.write(line(row) + "\n")
    out.write(f"({len(rows)} row{'s' if len(rows) != 1 else ''})\n")
    return out.getvalue()

