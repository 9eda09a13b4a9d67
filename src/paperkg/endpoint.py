"""A local, read-only SPARQL 1.1 Protocol endpoint over the site's graph, for tools such as
Yasgui or SPARQLWrapper: GET or POST `/sparql` with a query; updates are refused. It may start
before its store is there (loading the graph of 30,000 papers takes 10 s or more, which the site
beside it need not wait for): until then a query is answered 503, to be tried again."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from pyoxigraph import QueryBoolean, QueryResultsFormat, QuerySolutions, RdfFormat, Store

from paperkg.graph.namespaces import Iris

PATH = "/sparql"
RESULT_TYPES = {
    "application/sparql-results+json": QueryResultsFormat.JSON,
    "application/json": QueryResultsFormat.JSON,
    "application/sparql-results+xml": QueryResultsFormat.XML,
    "text/csv": QueryResultsFormat.CSV,
    "text/tab-separated-values": QueryResultsFormat.TSV,
}
GRAPH_TYPES = {
    "text/turtle": RdfFormat.TURTLE,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "application/rdf+xml": RdfFormat.RDF_XML,
}


def negotiate(accept: str, offered: dict, default: str) -> str:
    """The first type of the Accept header that we offer (quality values ignored)."""
    for part in accept.split(","):
        media = part.split(";")[0].strip()
        if media in offered:
            return media
    return default


class SparqlEndpoint:
    def __init__(self, store: Store | None, iris: Iris, host: str = "127.0.0.1", port: int = 8001):
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                url = urlsplit(self.path)
                endpoint.answer(self, url.path, parse_qs(url.query))

            def do_POST(self) -> None:  # noqa: N802
                url = urlsplit(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")
                kind = (self.headers.get("Content-Type") or "").split(";")[0].strip()
                form = {"query": [body]} if kind == "application/sparql-query" else parse_qs(body)
                form = {**parse_qs(url.query), **form}
                if kind == "application/sparql-update":
                    form = {"update": [body]}
                endpoint.answer(self, url.path, form)

            def do_OPTIONS(self) -> None:  # noqa: N802 - CORS preflight from browser tools
                self.send_response(204)
                endpoint.cors(self)
                self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
                self.send_header("Access-Control-Allow-Headers", "Content-Type, Accept")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.store, self.iris = store, iris
        self.server = ThreadingHTTPServer((host, port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{PATH}"

    def start(self) -> SparqlEndpoint:
        self.thread.start()
        return self

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @staticmethod
    def cors(handler: BaseHTTPRequestHandler) -> None:
        handler.send_header("Access-Control-Allow-Origin", "*")

    def answer(self, handler: BaseHTTPRequestHandler, path: str, form: dict[str, list[str]]) -> None:
        if path != PATH:
            return self.send(handler, 404, "text/plain", f"the SPARQL endpoint is {PATH}\n".encode())
        if "update" in form:
            return self.send(handler, 403, "text/plain", b"read-only endpoint: SPARQL Update is refused\n")
        if not form.get("query"):
            return self.send(handler, 400, "text/plain", b"missing the query parameter\n")
        if self.store is None:
            return self.send(handler, 503, "text/plain", b"the graph is still being loaded: try again shortly\n",
                             [("Retry-After", "2")])
        try:
            result = self.store.query(form["query"][0], base_iri=self.iris.base, prefixes=self.iris.prefixes())
        except SyntaxError as error:
            return self.send(handler, 400, "text/plain", f"query syntax {error}\n".encode())
        accept = handler.headers.get("Accept") or ""
        if isinstance(result, (QuerySolutions, QueryBoolean)):
            media = negotiate(accept, RESULT_TYPES, "application/sparql-results+json")
            return self.send(handler, 200, media, result.serialize(format=RESULT_TYPES[media]))
        media = negotiate(accept, GRAPH_TYPES, "text/turtle")
        return self.send(handler, 200, media, result.serialize(format=GRAPH_TYPES[media]))

    def send(self, handler: BaseHTTPRequestHandler, status: int, media: str, body: bytes,
             headers: Sequence[tuple[str, str]] = ()) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", media)
        handler.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            handler.send_header(name, value)
        self.cors(handler)
        handler.end_headers()
        handler.wfile.write(body)
