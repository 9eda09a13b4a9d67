"""The graph on a SPARQL server: upload through the SPARQL 1.1 Graph Store Protocol, query
through the SPARQL 1.1 Protocol (Oxigraph server, Apache Jena Fuseki, Virtuoso, QLever...)."""

from __future__ import annotations

import json
import re
import tempfile

import requests
from pyoxigraph import DefaultGraph, RdfFormat, Store

from paperkg.errors import PaperkgError
from paperkg.graph.namespaces import Iris
from paperkg.query import NamedQuery, bind, is_update

TIMEOUT = (10, 600)  # connect, read (an upload of a large graph takes a while)
_DECLARED = re.compile(r"PREFIX\s+([A-Za-z][\w-]*)?:", re.IGNORECASE)
ACCEPT = {
    "table": "application/sparql-results+json",
    "json": "application/sparql-results+json",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
}


class RemoteError(PaperkgError):
    """The SPARQL server refused or could not be reached."""


def push(store: Store, endpoint: str, graph: str | None, merge: bool) -> int:
    """Upload the graph (as N-Triples, streamed from a temporary file) to a Graph Store
    Protocol endpoint: PUT replaces the target graph, POST merges into it. Returns the
    number of triples sent."""
    target = {"graph": graph} if graph else {"default": ""}
    with tempfile.TemporaryFile() as data:
        store.dump(data, format=RdfFormat.N_TRIPLES, from_graph=DefaultGraph())
        data.seek(0)
        method = requests.post if merge else requests.put
        try:
            answer = method(endpoint, params=target, data=data, timeout=TIMEOUT,
                            headers={"Content-Type": "application/n-triples"})
        except requests.RequestException as error:
            raise RemoteError(f"{endpoint}: cannot upload: {error}") from None
    if answer.status_code not in (200, 201, 204):
        raise RemoteError(f"{endpoint}: the upload was refused: HTTP {answer.status_code} {answer.text[:200]}")
    return len(store)


def with_prologue(text: str, iris: Iris) -> str:
    """The server does not know the site's prefixes and base: declare the ones not declared."""
    declared = {m.group(1) or "" for m in _DECLARED.finditer(text)}
    prologue = "".join(f"PREFIX {k}: <{v}>\n" for k, v in iris.prefixes().items() if k not in declared)
    return f"BASE <{iris.base}>\n{prologue}{text}"


def remote_query(endpoint: str, iris: Iris, named: NamedQuery, params: dict[str, str], fmt: str) -> requests.Response:
    if is_update(named.text):
        raise RemoteError(f"{named.name}: SPARQL Update is not sent to remote servers")
    text = with_prologue(bind(named, params), iris)
    try:
        answer = requests.post(endpoint, data=text.encode("utf-8"), timeout=TIMEOUT,
                               headers={"Content-Type": "application/sparql-query", "Accept": ACCEPT[fmt]})
    except requests.RequestException as error:
        raise RemoteError(f"{endpoint}: cannot query: {error}") from None
    if answer.status_code != 200:
        raise RemoteError(f"{endpoint}: HTTP {answer.status_code}: {answer.text[:300].strip()}")
    return answer


def load_json(answer: requests.Response) -> dict:
    try:
        return json.loads(answer.content)
    except ValueError as error:
        raise RemoteError(f"{answer.url}: not SPARQL JSON results: {error}") from None
