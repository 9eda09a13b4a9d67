"""The SPARQL page: the named queries as runnable examples, and the browser engine's files.

Each example is bound (with the CLI's own `query.bind`) to values taken from this site's
data, so every example returns rows here: the most prolific author, the two biggest topics,
the paper with most versions, a week before the newest paper. The queries then run in the
reader's browser, in Oxigraph's WebAssembly build, over the site's N-Triples dump.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date, timedelta

from paperkg.errors import BuildError
from paperkg.graph.namespaces import Iris
from paperkg.query import NamedQuery, bind
from paperkg.resources import bundled
from paperkg.views import SiteView

PAGE = "sparql/index.md"
ASSETS = "assets/paperkg/"
# Our own front end, then the engine from npm (package.json pins it, package-lock.json locks it).
OWN_FILES = ("sparql.js", "sparql-worker.js", "sparql.css")
ENGINE_FILES = ("web.js", "web_bg.wasm")


@dataclass(frozen=True)
class Example:
    name: str
    title: str
    description: str
    params: dict[str, str]  # parameter -> the value it is bound to here
    text: str  # the query, ready to run (prefixes are added by the page)


def example_values(site: SiteView) -> dict[str, str]:
    """A value for each parameter of paperkg's named queries that gives rows on this site."""
    values: dict[str, str] = {}
    if site.persons:
        top = min(site.persons, key=lambda p: (-len(p.papers), p.ref.sort_key))
        values["author"] = top.ref.name
    counts = Counter(t.code for paper in site.papers for t in paper.topics)
    ranked = sorted(counts, key=lambda code: (-counts[code], code))
    if ranked:
        values["topic"] = ranked[0]
        values["other"] = ranked[1] if len(ranked) > 1 else ranked[0]
    if site.papers:
        most_revised = max(site.papers, key=lambda p: (len(p.versions), p.newest_key))
        values["id"] = most_revised.arxiv_id
        newest = max((p.published or p.modified or "")[:10] for p in site.papers)
        if newest:
            values["since"] = (date.fromisoformat(newest) - timedelta(days=7)).isoformat()
    return values


def examples(queries: list[NamedQuery], values: dict[str, str]) -> list[Example]:
    """Every named query, bound where this site has a value for each of its parameters (a
    site's own query with another parameter is shown unbound: the variable then matches all)."""
    found = []
    for named in queries:
        params = {name: values[name] for name in named.params if name in values}
        complete = len(params) == len(named.params)
        text = bind(named, params) if complete else "\n".join(
            line for line in named.text.splitlines() if not line.startswith("#"))  # the header is shown apart
        found.append(Example(named.name, named.title or named.name, named.description,
                             params if complete else {}, text.strip() + "\n"))
    return found


def page_settings(iris: Iris, found: list[Example]) -> str:
    """What the page's script needs, as JSON safe inside a <script> element."""
    settings = {
        "base": iris.base,
        "prologue": "".join(f"PREFIX {name}: <{ns}>\n" for name, ns in sorted(iris.prefixes().items())),
        "examples": [asdict(example) for example in found],
    }
    return json.dumps(settings, ensure_ascii=False, sort_keys=True, indent=1).replace("</", "<\\/")


def asset_files() -> dict[str, bytes]:
    """The front end's files under ASSETS: ours, and Oxigraph's WebAssembly build."""
    own, engine = bundled("assets"), bundled("oxigraph")
    missing = [engine / name for name in ENGINE_FILES if not (engine / name).is_file()]
    if missing:
        raise BuildError(
            f"{missing[0]}: Oxigraph's WebAssembly build is missing; the SPARQL page needs it "
            "(in a paperkg checkout: `npm ci`, or `make`, which runs it)"
        )
    files = {f"{ASSETS}{name}": (own / name).read_bytes() for name in OWN_FILES}
    files.update({f"{ASSETS}oxigraph/{name}": (engine / name).read_bytes() for name in ENGINE_FILES})
    return files


def engine_version() -> str:
    manifest = bundled("oxigraph") / "package.json"
    return json.loads(manifest.read_text("utf-8"))["version"] if manifest.is_file() else ""

