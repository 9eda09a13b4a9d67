"""Benchmark every named SPARQL query of paperkg in three engines, in one run on one machine.

The queries are the ones the SPARQL page shows (graph/queries/*.rq, bound to example values
from this graph with `paperkg.render.sparql.examples`), on a synthetic graph
(scripts/synthetic.py), all three engines reading the same gzipped N-Triples dump that the
site publishes (`dataset.write_ntriples_gz`):

1. pyoxigraph, as `paperkg query` runs it (`store.query(text, base_iri=..., prefixes=...)`),
   on a `Store` bulk-loaded from the dump;
2. rdflib's default in-memory store (`rdflib.Graph()` parsed from the dump,
   `g.query(text, initNs=..., base=...)`), each query with a time budget;
3. the browser: Oxigraph's WebAssembly build in a real headless Chromium (Playwright), through
   the SPARQL page's own script (assets/sparql.js + sparql-worker.js), served from loopback.

Every row is consumed in every engine, and the row counts must agree (otherwise MISMATCH,
exit status 1). Prints the figures as it goes and writes its section of BENCHMARKS.md, between
`<!-- bench_queries:start -->` and `<!-- bench_queries:end -->`; the rest of the file is kept.

    make bench                                         # = the 30,000 paper run below
    .venv/bin/python scripts/bench_queries.py --papers 30000
    .venv/bin/python scripts/bench_queries.py --papers 2000 --skip-rdflib --out -   # quick look
"""

from __future__ import annotations

import argparse
import functools
import gc
import gzip
import io
import json
import os
import re
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version as package_version
from pathlib import Path

import markdown as python_markdown
import rdflib
from pyoxigraph import QueryBoolean, QuerySolutions, RdfFormat, Store

import paperkg.taxonomy
from paperkg.build import sparql_page
from paperkg.graph.merge import merge_papers
from paperkg.graph.namespaces import Iris
from paperkg.graph.store import sorted_ntriples
from paperkg.graph.topics import taxonomy_triples
from paperkg.query import list_queries
from paperkg.render import dataset, sparql
from paperkg.render.pages import Renderer
from paperkg.views import Queries, SiteView, build_views

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_store import code_version, machine_info  # noqa: E402
from benchlib import CHROMIUM, CHROMIUM_ARGS, serve_directory, write_section  # noqa: E402
from synthetic import synthetic_papers  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://bench.example.org/"
SECTION = "bench_queries"
ENGINES = ("pyoxigraph", "rdflib", "browser")

# The goals, stated next to the figures.
GOAL_OX = 0.100  # s, p50 of every query in pyoxigraph
GOAL_RATIO = 10.0  # rdflib / pyoxigraph, every query
GOAL_LOAD = 10.0  # s, browser: navigation to graph loaded
GOAL_BROWSER = 1.0  # s, p50 of every example query in the browser


# --- timing -------------------------------------------------------------------------------

class TimedOut(BaseException):  # not an Exception: rdflib's `except Exception` must not swallow it
    pass


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise TimedOut in this (main) thread after `seconds`. rdflib is pure Python, so the signal
    handler runs within a few bytecodes and the query stops there: nothing keeps running after
    it (unlike a thread abandoned on timeout, which would hold the GIL and slow every later
    measurement)."""

    def alarm(signum: int, frame: object) -> None:
        raise TimedOut

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class Timing:
    samples: list[float] = field(default_factory=list)  # seconds of each measured run
    warmup: float | None = None  # seconds of the unmeasured first run, if any
    rows: int | str | None = None  # row count (or ASK's answer)
    timed_out: float | None = None  # the budget (s) a run exceeded: p50 is then a lower bound
    error: str | None = None

    @property
    def p50(self) -> float | None:
        if self.timed_out is not None:  # a lower bound: the stopped run counts as the budget
            return statistics.median([*self.samples, self.timed_out])
        return statistics.median(self.samples) if self.samples else None


def measure(fn: Callable[[], int | str], *, runs: int, warmup: bool, stop_after: float,
            budget: float | None = None) -> Timing:
    """`fn()` (which consumes the whole result and returns its row count): one unmeasured
    warm-up if asked, then up to `runs` runs, no more once one run took `stop_after` seconds.
    With `budget`, a run that takes longer is stopped (TimedOut) and reported as a lower bound."""
    timing = Timing()

    def once() -> tuple[float, int | str]:
        gc.collect()
        start = time.perf_counter()
        if budget is None:
            rows = fn()
        else:
            with time_budget(budget):
                rows = fn()
        return time.perf_counter() - start, rows

    try:
        if warmup:
            timing.warmup, timing.rows = once()
            if timing.warmup >= stop_after:  # the warm-up was slow enough to count as a run
                timing.samples.append(timing.warmup)
        while len(timing.samples) < runs and not (timing.samples and max(timing.samples) >= stop_after):
            seconds, rows = once()
            if timing.rows is not None and rows != timing.rows:
                timing.error = f"row count changed between runs: {timing.rows} then {rows}"
            timing.rows = rows
            timing.samples.append(seconds)
    except TimedOut:
        timing.timed_out = budget
    except Exception as error:  # a query an engine cannot run: reported, not fatal
        timing.error = f"{type(error).__name__}: {error}"
    return timing


# --- the three engines --------------------------------------------------------------------

def oxigraph_rows(store: Store, iris: Iris, text: str) -> int | str:
    """`paperkg.query.run` without the named-query plumbing; every value of every row read."""
    result = store.query(text, base_iri=iris.base, prefixes=iris.prefixes())
    if isinstance(result, QueryBoolean):
        return str(bool(result)).lower()
    rows = 0
    if isinstance(result, QuerySolutions):
        for solution in result:
            tuple(solution)
            rows += 1
    else:  # CONSTRUCT / DESCRIBE: triples
        for _ in result:
            rows += 1
    return rows


def rdflib_rows(graph: rdflib.Graph, iris: Iris, text: str) -> int | str:
    result = graph.query(text, initNs=iris.prefixes(), base=iris.base)
    if result.type == "ASK":
        return str(bool(result.askAnswer)).lower()
    return len(list(result))


# The page's script sets window.paperkgSparql; catch that moment to note when its graph is
# loaded (ms since navigation start), however late this script asks.
LOAD_HOOK = """
(() => {
  let value;
  Object.defineProperty(window, "paperkgSparql", {
    configurable: true,
    get() { return value; },
    set(v) {
      value = v;
      v.ready.then((data) => { window.__benchLoaded = { at: performance.now(), data }; },
                   (error) => { window.__benchLoaded = { at: performance.now(), error: String(error) }; });
    },
  });
})();
"""

# One query in the page: a warm-up, then up to `runs` runs of `paperkgSparql.run(text)` (the
# worker's query, its JSON serialisation, the message, JSON.parse), every row counted.
RUN_IN_PAGE = """
async ({ text, runs, stopAfter }) => {
  const count = (r) => typeof r === "string" ? r.split("\\n").filter(Boolean).length
    : ("boolean" in r ? String(r.boolean) : r.results.bindings.length);
  let started = performance.now();
  const rows = count(await paperkgSparql.run(text));
  const warmup = (performance.now() - started) / 1000;
  const samples = warmup >= stopAfter ? [warmup] : [];
  let error = null;
  while (samples.length < runs && !(samples.length && Math.max(...samples) >= stopAfter)) {
    started = performance.now();
    const again = count(await paperkgSparql.run(text));
    samples.push((performance.now() - started) / 1000);
    if (again !== rows) error = `row count changed between runs: ${rows} then ${again}`;
  }
  return { rows, warmup, samples, error };
}
"""


def sparql_site_files(site: SiteView, iris: Iris, examples: list[sparql.Example]) -> dict[str, bytes]:
    """The SPARQL page as `paperkg build` makes it (`build.sparql_page`: template, settings with
    the bound examples, the page's scripts, Oxigraph's WebAssembly files), minus the MkDocs
    theme: sparql/index.html is a plain HTML document around the template's body, which is
    raw HTML that Python-Markdown passes through. Checked to hold the parts the script needs
    and exactly the example texts the other engines run."""
    pages = sparql_page(Renderer(None, 100, "bench"), site, iris, ROOT / "graph")
    text = str(pages.pop(sparql.PAGE)).lstrip()
    if text.startswith("---\n"):  # the front matter
        text = text[text.index("\n---\n", 3) + 5:]
    body = python_markdown.markdown(text)
    settings = re.search(r'<script type="application/json" id="paperkg-sparql-settings">(.*?)</script>', body, re.S)
    try:
        shown = {e["name"]: e["text"] for e in json.loads(settings.group(1))["examples"]} if settings else {}
    except (ValueError, KeyError, TypeError):
        shown = {}
    problems = [what for what, ok in (
        ("the div#paperkg-sparql with its dump", re.search(r'<div id="paperkg-sparql"[^>]* data-dump="[^"]+"', body)),
        ("the settings with the same example queries", shown and all(shown.get(e.name) == e.text for e in examples)),
        ("the module script", re.search(r'<script type="module" src="[^"]*sparql\.js"></script>', body)),
    ) if not ok]
    if problems:
        raise SystemExit(f"the SPARQL page harness lacks {', '.join(problems)}:\n{body[:2000]}")
    html = ('<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>SPARQL (benchmark)</title></head>'
            f"<body>\n{body}\n</body></html>\n")
    files = {path: data if isinstance(data, bytes) else data.encode() for path, data in pages.items()}
    return {"sparql/index.html": html.encode(), **files}


def write_files(directory: Path, files: dict[str, bytes]) -> None:
    for path, data in files.items():
        target = directory / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


@dataclass
class BrowserLoad:
    chromium: str = ""
    navigation_to_loaded: float | None = None  # s, in the page: navigation start -> ready resolved
    wall: float | None = None  # s, this script: page.goto -> ready seen
    worker_seconds: float | None = None  # s, the worker's own figure (fetch + inflate + parse)
    triples: int | None = None
    transferred: int | None = None  # bytes of the dump as served
    error: str | None = None


def browser_side(directory: Path, examples: list[sparql.Example], runs: int, stop_after: float,
                 load_budget: float, results: dict[str, dict[str, Timing]]) -> BrowserLoad:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    load = BrowserLoad()
    if not CHROMIUM.is_file():
        load.error = f"{CHROMIUM} is missing"
        return load
    errors: list[str] = []
    with serve_directory(directory) as origin, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        load.chromium = browser.version
        try:
            page = browser.new_context().new_page()
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("response", lambda r: setattr(load, "transferred", int(r.headers.get("content-length", 0)))
                    if r.url.endswith(dataset.DUMP_NT) else None)
            page.add_init_script(LOAD_HOOK)
            started = time.perf_counter()
            page.goto(origin + "sparql/")
            page.wait_for_function("window.__benchLoaded !== undefined", timeout=load_budget * 1000, polling=50)
            load.wall = time.perf_counter() - started
            loaded = page.evaluate("window.__benchLoaded")
            if "error" in loaded:
                load.error = f"the graph did not load: {loaded['error']}"
                return load
            load.navigation_to_loaded = loaded["at"] / 1000
            load.worker_seconds = loaded["data"]["seconds"]
            load.triples = loaded["data"]["triples"]
            print(f"  browser: Chromium {load.chromium}; graph loaded ({load.triples:,} triples) "
                  f"{load.navigation_to_loaded:.2f} s after navigation (worker: {load.worker_seconds:.2f} s)")
            for example in examples:
                try:
                    out = page.evaluate(RUN_IN_PAGE, {"text": example.text, "runs": runs, "stopAfter": stop_after})
                    timing = Timing(samples=out["samples"], warmup=out["warmup"], rows=out["rows"], error=out["error"])
                except PlaywrightError as error:
                    timing = Timing(error=str(error).splitlines()[0])
                results[example.name]["browser"] = timing
                print_progress("browser", example.name, timing)
        except PlaywrightError as error:
            load.error = str(error).splitlines()[0]
        finally:
            browser.close()
    if errors:
        load.error = "; ".join([*([load.error] if load.error else []), *(f"page error: {e}" for e in errors)])
    return load


# --- the benchmark ------------------------------------------------------------------------

@dataclass
class Run:
    args: argparse.Namespace
    examples: list[sparql.Example] = field(default_factory=list)
    results: dict[str, dict[str, Timing]] = field(default_factory=dict)  # query -> engine -> timing
    steps: dict[str, float] = field(default_factory=dict)  # preparation steps, seconds
    triples: int = 0
    dump_bytes: int = 0
    dump_raw_bytes: int = 0
    browser: BrowserLoad | None = None
    rdflib_parse: float | None = None
    rdflib_triples: int | None = None
    mismatches: list[str] = field(default_factory=list)  # row or triple counts that differ: exit status 1
    errors: list[str] = field(default_factory=list)  # an engine that failed: exit status 1
    notes: list[str] = field(default_factory=list)
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    load_before: str = ""
    load_after: str = ""
    total_seconds: float = 0.0


def _ms(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    ms = seconds * 1000
    return f"{ms:.1f}" if ms < 10 else f"{ms:,.0f}"


def _timing_text(timing: Timing | None) -> str:
    if timing is None:
        return "–"
    if timing.error and not timing.samples and timing.timed_out is None:
        return "error"
    return ("> " if timing.timed_out is not None else "") + _ms(timing.p50)


def _rows(rows: int | str | None) -> str:
    return f"{rows:,}" if isinstance(rows, int) else "–" if rows is None else rows


def print_progress(engine: str, name: str, timing: Timing) -> None:
    samples = ", ".join(_ms(s) for s in timing.samples)
    what = (f"> {timing.timed_out:g} s (stopped)" if timing.timed_out is not None
            else f"p50 {_ms(timing.p50):>8} ms  [{samples}]")
    print(f"  {engine:<10} {name:<22} rows {_rows(timing.rows):>8}  {what}"
          + (f"  ERROR {timing.error}" if timing.error else ""), flush=True)


@contextmanager
def step(run: Run, key: str, label: str) -> Iterator[None]:
    print(f"{label} ...", flush=True)
    started = time.perf_counter()
    yield
    run.steps[key] = time.perf_counter() - started
    print(f"  {label}: {run.steps[key]:.1f} s", flush=True)


def benchmark(args: argparse.Namespace) -> Run:
    run = Run(args)
    run.load_before = f"{os.getloadavg()[0]:.2f}"
    t_total = time.perf_counter()
    iris = Iris(BASE)

    with step(run, "graph", f"build the graph of {args.papers:,} synthetic papers (merge_papers)"):
        store = Store()
        store.extend(taxonomy_triples(paperkg.taxonomy.load(), iris))
        merge_papers(store, iris, synthetic_papers(args.papers, args.seed))
    with step(run, "views", "bind the example queries (build_views, sparql.examples)"):
        site = build_views(store, iris, Queries(ROOT / "graph"))
        run.examples = sparql.examples(list_queries(ROOT / "graph"), sparql.example_values(site))
    if args.only:
        run.examples = [e for e in run.examples if e.name in args.only]
    page_files = {} if args.skip_browser else sparql_site_files(site, iris, run.examples)
    del site
    run.results = {e.name: {} for e in run.examples}
    with step(run, "dump", "dump the graph (dataset.write_ntriples_gz)"):
        packed = io.BytesIO()
        dataset.write_ntriples_gz(sorted_ntriples(store), packed)
        dump = packed.getvalue()
    del store
    gc.collect()
    raw = gzip.decompress(dump)
    run.dump_bytes, run.dump_raw_bytes = len(dump), len(raw)

    with tempfile.TemporaryDirectory(prefix="bench-queries-") as tmp:
        nt_path = Path(tmp) / "graph.nt"
        nt_path.write_bytes(raw)
        del raw

        # 1. pyoxigraph, on a Store bulk-loaded from the dump (what load_graph does with the shards)
        with step(run, "ox_load", "pyoxigraph: bulk_load the dump"):
            store = Store()
            store.bulk_load(path=str(nt_path), format=RdfFormat.N_TRIPLES)
        run.triples = len(store)
        print(f"  {run.triples:,} triples; dump {run.dump_bytes / 1e6:.1f} MB gzipped, "
              f"{run.dump_raw_bytes / 1e6:.1f} MB N-Triples")
        for example in run.examples:
            timing = measure(functools.partial(oxigraph_rows, store, iris, example.text),
                             runs=args.runs, warmup=True, stop_after=args.stop_after)
            run.results[example.name]["pyoxigraph"] = timing
            print_progress("pyoxigraph", example.name, timing)
        del store
        gc.collect()

        # 2. the browser
        if not args.skip_browser:
            site_dir = Path(tmp) / "site"
            write_files(site_dir, {**page_files, dataset.DUMP_NT: dump})
            with step(run, "browser", "browser: Oxigraph (WebAssembly) in headless Chromium, the SPARQL page"):
                run.browser = browser_side(site_dir, run.examples, args.runs, args.stop_after,
                                           args.browser_timeout, run.results)
            if run.browser.error:
                print(f"  BROWSER ERROR: {run.browser.error}")
        del dump

        # 3. rdflib, last: its graph is the biggest thing in memory
        if not args.skip_rdflib:
            gc.collect()
            with step(run, "rl_parse", "rdflib: Graph().parse(format=\"nt\") of the dump"):
                graph = rdflib.Graph()
                graph.parse(str(nt_path), format="nt")
            run.rdflib_parse, run.rdflib_triples = run.steps["rl_parse"], len(graph)
            for example in run.examples:
                timing = measure(functools.partial(rdflib_rows, graph, iris, example.text),
                                 runs=args.rdflib_runs, warmup=False, stop_after=args.stop_after,
                                 budget=args.rdflib_timeout)
                run.results[example.name]["rdflib"] = timing
                print_progress("rdflib", example.name, timing)
            del graph
            gc.collect()

    run.total_seconds = time.perf_counter() - t_total
    run.load_after = f"{os.getloadavg()[0]:.2f}"
    check(run)
    return run


def check(run: Run) -> None:
    """The row counts must agree across the engines that answered."""
    if run.browser and run.browser.error:
        run.errors.append(f"browser: {run.browser.error}")
    if run.rdflib_triples is not None and run.rdflib_triples != run.triples:
        run.mismatches.append(f"rdflib parsed {run.rdflib_triples:,} triples, pyoxigraph {run.triples:,}")
    if run.browser and run.browser.triples is not None and run.browser.triples != run.triples:
        run.mismatches.append(f"the browser loaded {run.browser.triples:,} triples, pyoxigraph {run.triples:,}")
    for name, engines in run.results.items():
        counts = {engine: t.rows for engine, t in engines.items() if t.rows is not None and t.timed_out is None}
        if len(set(map(str, counts.values()))) > 1:
            run.mismatches.append(f"query {name}: rows " + ", ".join(f"{e} {n}" for e, n in counts.items()))
        for engine, timing in engines.items():
            if timing.error:
                run.errors.append(f"query {name} in {engine}: {timing.error}")


# --- reporting ----------------------------------------------------------------------------

def ratio(engines: dict[str, Timing]) -> tuple[str, bool | None]:
    """rdflib / pyoxigraph as text, and whether it meets the goal (None: unknown)."""
    ox, rl = engines.get("pyoxigraph"), engines.get("rdflib")
    if not ox or not rl or not ox.p50 or rl.p50 is None:
        return "–", None
    value = rl.p50 / ox.p50
    if rl.timed_out is not None:  # a lower bound: enough if it already reaches the goal
        return f"> {value:,.0f}×", True if value >= GOAL_RATIO else None
    return (f"{value:,.1f}×" if value < 100 else f"{value:,.0f}×"), value >= GOAL_RATIO


def verdict(engines: dict[str, Timing]) -> tuple[str, list[str]]:
    """'yes' / 'no (...)' for one query, and the goals it misses."""
    missed, unknown = [], []
    ox, browser = engines.get("pyoxigraph"), engines.get("browser")
    if len({str(t.rows) for t in engines.values() if t.rows is not None and t.timed_out is None}) > 1:
        missed.append("row counts differ")
    if ox is None or ox.p50 is None:
        unknown.append("pyoxigraph")
    elif ox.p50 > GOAL_OX:
        missed.append(f"pyoxigraph > {GOAL_OX * 1000:.0f} ms")
    ok = ratio(engines)[1]
    if ok is None:
        unknown.append("ratio")
    elif not ok:
        missed.append(f"< {GOAL_RATIO:.0f}× rdflib")
    if browser is None or browser.p50 is None:
        unknown.append("browser")
    elif browser.p50 > GOAL_BROWSER:
        missed.append(f"browser > {GOAL_BROWSER:.0f} s")
    if missed:
        return "no: " + ", ".join(missed), missed
    if unknown:
        return "? (" + ", ".join(unknown) + " not measured)", missed
    return "yes", missed


def goal_lines(run: Run) -> list[str]:
    names = list(run.results)

    def tally(label: str, engine: str, ok: Callable[[dict[str, Timing]], bool | None]) -> str:
        if all(engine not in run.results[n] for n in names):
            return f"{label}: not measured in this run."
        verdicts = {n: ok(run.results[n]) for n in names}
        failed = [n for n, v in verdicts.items() if v is False]
        unknown = [n for n, v in verdicts.items() if v is None]
        met = len(names) - len(failed) - len(unknown)
        state = "**met**" if not failed and not unknown else ("**not met**" if failed else "unknown")
        text = f"{label}: {state}, {met} of {len(names)} queries"
        if failed:
            text += " (not met: " + ", ".join(f"`{n}`" for n in failed) + ")"
        if unknown:
            text += " (unknown: " + ", ".join(f"`{n}`" for n in unknown) + ")"
        return text + "."

    def p50_under(engine: str, limit: float) -> Callable[[dict[str, Timing]], bool | None]:
        def ok(engines: dict[str, Timing]) -> bool | None:
            t = engines.get(engine)
            return None if t is None or t.p50 is None else t.p50 <= limit
        return ok

    lines = [
        tally(f"pyoxigraph answers every query in ≤ {GOAL_OX * 1000:.0f} ms (p50)", "pyoxigraph",
              p50_under("pyoxigraph", GOAL_OX)),
        tally(f"pyoxigraph is ≥ {GOAL_RATIO:.0f}× faster than rdflib's default store on every query", "rdflib",
              lambda e: ratio(e)[1]),
    ]
    b = run.browser
    if b is None:
        lines.append(f"The browser loads the graph in ≤ {GOAL_LOAD:.0f} s: not measured in this run.")
    elif b.navigation_to_loaded is None:
        lines.append(f"The browser loads the graph in ≤ {GOAL_LOAD:.0f} s: **not met** (it did not load: {b.error}).")
    else:
        met = "**met**" if b.navigation_to_loaded <= GOAL_LOAD else "**not met**"
        lines.append(f"The browser loads the graph in ≤ {GOAL_LOAD:.0f} s: {met} "
                     f"({b.navigation_to_loaded:.1f} s from navigation to loaded, over loopback).")
    lines.append(tally(f"The browser answers every example query in ≤ {GOAL_BROWSER:.0f} s (p50)", "browser",
                       p50_under("browser", GOAL_BROWSER)))
    return lines


def table_rows(run: Run) -> list[list[str]]:
    rows = []
    for name, engines in run.results.items():
        counts = [_rows(engines[e].rows) for e in ENGINES if e in engines and engines[e].rows is not None]
        shown = counts[0] if counts and len(set(counts)) == 1 else " / ".join(counts) + " MISMATCH"
        rows.append([name, shown, _timing_text(engines.get("pyoxigraph")), _timing_text(engines.get("rdflib")),
                     ratio(engines)[0], _timing_text(engines.get("browser")), verdict(engines)[0]])
    return rows


HEADINGS = ["query", "rows", "pyoxigraph p50 ms", "rdflib p50 ms", "rdflib/pyoxigraph", "browser p50 ms", "goals met?"]


def print_table(run: Run) -> None:
    rows = table_rows(run)
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(HEADINGS)] if rows else []
    print()
    print(f"{run.args.papers:,} papers, {run.triples:,} triples, dump {run.dump_bytes:,} bytes gzipped; "
          f"whole run {run.total_seconds:.0f} s")
    if run.browser and run.browser.navigation_to_loaded is not None:
        print(f"browser load: {run.browser.navigation_to_loaded:.2f} s navigation -> loaded "
              f"(worker {run.browser.worker_seconds:.2f} s)")
    if run.rdflib_parse is not None:
        print(f"rdflib parse: {run.rdflib_parse:.1f} s")
    for line in [HEADINGS, *rows]:
        print("  ".join(cell.ljust(w) if i in (0, 6) else cell.rjust(w)
                        for i, (cell, w) in enumerate(zip(line, widths, strict=True))).rstrip())
    for line in goal_lines(run):
        print("goal:", line.replace("**", "").replace("`", ""))
    for line in run.notes:
        print("note:", line.replace("`", ""))
    for line in run.mismatches:
        print("MISMATCH:", line)
    for line in run.errors:
        print("ERROR:", line)


def rows_statement(run: Run) -> str:
    """What the row-count check found, in words (never claimed beyond what was compared)."""
    if run.mismatches:
        return "**The engines do not agree: see MISMATCH below.**"
    engines = [e for e in ENGINES if any(e in r for r in run.results.values())]
    unfinished = sorted(f"`{name}` in {engine} ({'stopped' if t.timed_out is not None else 'failed'})"
                        for name, r in run.results.items() for engine, t in r.items()
                        if t.rows is None or t.timed_out is not None)
    text = (f"The {len(engines)} engines measured ({', '.join(engines)}) return the same number of rows for every "
            "query (checked)" if len(engines) > 1 else "Only one engine ran, so no row counts were compared")
    return text + (f", except where one did not finish: {', '.join(unfinished)}." if unfinished else ".")


def markdown(run: Run, machine: dict[str, str], command: str) -> str:
    args = run.args
    out: list[str] = []
    add = out.append
    add(f"## SPARQL queries: pyoxigraph, rdflib and the browser ({args.papers:,} papers)")
    add("")
    add("<!-- Generated by scripts/bench_queries.py; edit the script, not this section. -->")
    add("")
    add("Every named query of paperkg (`graph/queries/*.rq`), bound to example values from this graph "
        "exactly as the SPARQL page binds them, timed in three engines reading the same N-Triples dump "
        "(`dump/graph.nt.gz`): **pyoxigraph** as `paperkg query` runs it, **rdflib**'s default in-memory "
        "store (`rdflib.Graph()`), and the **browser**: Oxigraph's WebAssembly build in headless Chromium, "
        "driven through the SPARQL page's own script and worker. Same run, same machine. " + rows_statement(run))
    add("")
    default = (args.papers == 30000 and args.seed == 1 and not args.skip_rdflib and not args.skip_browser
               and not args.only)
    add("- **Command:** " + (f"`make bench`, i.e. `{command}`" if default else f"`{command}`"))
    add(f"- **Ran:** {run.started:%Y-%m-%d %H:%M} UTC; whole run {run.total_seconds:.0f} s (one run; the machine "
        "is shared and noisy, so compare ratios within this run, not times across runs; 1-minute load average "
        f"{run.load_before} at the start, {run.load_after} at the end)")
    add("- **Machine:** " + "; ".join(f"{k} {v}" for k, v in machine.items()))
    add(f"- **Data:** {args.papers:,} synthetic papers (`scripts/synthetic.py`, seed {args.seed}), "
        f"{run.triples:,} triples including the arXiv taxonomy; the dump is {run.dump_bytes / 1e6:.1f} MB "
        f"gzipped ({run.dump_bytes:,} bytes: what the browser downloads), {run.dump_raw_bytes / 1e6:.1f} MB "
        "as N-Triples.")
    add("")
    add("Goals:")
    add("")
    for line in goal_lines(run):
        add(f"- {line}")
    add("")
    b = run.browser
    add("### Loading the graph")
    add("")
    add("| Engine | Load (s) | Notes |")
    add("|---|---:|---|")
    add(f"| pyoxigraph | {run.steps['ox_load']:.2f} | `Store.bulk_load` of the N-Triples dump |")
    if b is not None:
        if b.navigation_to_loaded is not None:
            add(f"| browser | {b.navigation_to_loaded:.2f} | from navigation start to `paperkgSparql.ready` "
                f"(page, scripts, WebAssembly, download, inflate, parse); the worker's own figure (fetch, inflate, "
                f"parse) is {b.worker_seconds:.2f} s; {b.triples:,} triples; "
                f"{(b.transferred or run.dump_bytes) / 1e6:.1f} MB transferred, over loopback |")
        else:
            add(f"| browser | – | did not load: {b.error} |")
    if run.rdflib_parse is not None:
        add(f"| rdflib | {run.rdflib_parse:.1f} | `Graph.parse(format=\"nt\")` |")
    add("")
    add("### Queries")
    add("")
    add("p50 in milliseconds; rows: the count every engine that finished the query returned. "
        "\"> N\" is a run stopped at the time budget, so the ratio is a lower bound.")
    add("")
    add("| Query | Rows | pyoxigraph p50 (ms) | rdflib p50 (ms) | rdflib / pyoxigraph | browser p50 (ms) "
        "| Goals met? |")
    add("|---|---:|---:|---:|---:|---:|---|")
    for row in table_rows(run):
        row[0] = f"`{row[0]}`"
        row[6] = row[6] if row[6] == "yes" else f"**{row[6]}**" if row[6].startswith("no") else row[6]
        add("| " + " | ".join(row) + " |")
    add("")
    add("Details:")
    add("")
    stop = f"no more once a run took {args.stop_after:.0f} s"
    warm_stop = stop + "; a warm-up that slow is itself the one measured run"
    add(f"- pyoxigraph: one warm-up, then {args.runs} runs ({warm_stop}); p50 = median. Each run is "
        "`store.query(text, base_iri=iris.base, prefixes=iris.prefixes())` with every value of every "
        "solution read into Python (`tuple(solution)`).")
    add(f"- rdflib: `graph.query(text, initNs=iris.prefixes(), base=iris.base)` and `list(result)`; up to "
        f"{args.rdflib_runs} runs ({stop}), no warm-up; each run is stopped after {args.rdflib_timeout:g} s "
        "(`--rdflib-timeout`, a SIGALRM in the running thread: nothing keeps running after it).")
    add(f"- browser: the page's `paperkgSparql.run(text)`, timed in the page with `performance.now()`: the "
        "worker's synchronous `store.query` including its SPARQL JSON serialisation, the message to the page "
        f"and `JSON.parse`, which is what a reader waits for; one warm-up, then {args.runs} runs ({warm_stop}). "
        "The page is the site's own (`build.sparql_page`: `templates/sparql.md.j2`, its settings, scripts and "
        f"Oxigraph {sparql.engine_version() or '(version unknown)'} WebAssembly files), served by a static server "
        "on loopback without the MkDocs theme; on a real connection add the download of the dump to the load time.")
    bound = sorted({f"`{k}` = \"{v}\"" for e in run.examples for k, v in e.params.items()})
    if bound:
        add("- Parameters bound to: " + ", ".join(bound) + " (`sparql.example_values`: the most prolific author, "
            "the two biggest topics, the paper with most versions, a week before the newest paper).")
    for line in run.notes:
        add(f"- Note: {line}")
    for line in run.mismatches:
        add(f"- **MISMATCH:** {line}")
    for line in run.errors:
        add(f"- **Error:** {line}")
    if args.skip_rdflib:
        add("- rdflib was skipped in this run (`--skip-rdflib`).")
    if args.skip_browser:
        add("- The browser was skipped in this run (`--skip-browser`).")
    return "\n".join(out)


def _inputs_fingerprint() -> dict[str, int]:
    """What the run reads from the checkout (the code, the page's scripts and template, the
    queries), to notice another edit while it runs."""
    paths = [p for d in ("src", "assets", "templates", "graph/queries") for p in sorted((ROOT / d).rglob("*"))]
    return {str(p): p.stat().st_mtime_ns for p in paths if p.is_file() and "__pycache__" not in p.parts}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=30000, help="number of synthetic papers (30000)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic data (1)")
    parser.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"),
                        help=f"Markdown file whose {SECTION} section is (re)written; '-' prints it instead")
    parser.add_argument("--skip-rdflib", action="store_true", help="no rdflib (its parse alone takes minutes)")
    parser.add_argument("--skip-browser", action="store_true", help="no Chromium")
    parser.add_argument("--runs", type=int, default=5, help="measured runs per query, pyoxigraph and browser (5)")
    parser.add_argument("--rdflib-runs", type=int, default=3, help="measured runs per query, rdflib (3)")
    parser.add_argument("--stop-after", type=float, default=20, metavar="SECONDS",
                        help="no more runs of a query once one took this long (20)")
    parser.add_argument("--rdflib-timeout", type=float, default=120, metavar="SECONDS",
                        help="stop an rdflib query after this long and report a lower bound (120)")
    parser.add_argument("--browser-timeout", type=float, default=600, metavar="SECONDS",
                        help="give up when the browser has not loaded the graph after this long (600)")
    parser.add_argument("--only", nargs="+", metavar="QUERY", help="only these named queries (a partial run)")
    args = parser.parse_args(argv)

    version = code_version()  # paperkg is already imported: this is the code measured
    fingerprint = _inputs_fingerprint()
    run = benchmark(args)
    changed = sorted(set(fingerprint.items()) ^ set(_inputs_fingerprint().items()))
    if changed:
        run.notes.append(f"{len({p for p, _ in changed})} file(s) under src/, assets/, templates/ or graph/queries/ "
                         f"changed while the benchmark ran (e.g. `{Path(changed[0][0]).relative_to(ROOT)}`); what "
                         "was measured (the Python code, the queries, the page's files) is what they were at the start "
                         f"of the run{f', commit {version}' if version else ''}: read then, imported then.")
    print_table(run)
    command = f".venv/bin/python scripts/bench_queries.py --papers {args.papers}"
    for flag, on in (("--skip-rdflib", args.skip_rdflib), ("--skip-browser", args.skip_browser)):
        command += f" {flag}" if on else ""
    if args.seed != 1:
        command += f" --seed {args.seed}"
    if args.only:
        command += " --only " + " ".join(args.only)
    machine = machine_info()
    if run.browser and run.browser.chromium:
        machine["Chromium"] = run.browser.chromium
    machine["Oxigraph (WebAssembly)"] = sparql.engine_version() or "unknown"
    machine["Playwright"] = package_version("playwright")
    if version:
        machine["paperkg commit"] = version
    section = markdown(run, machine, command)
    if args.out == "-":
        print()
        print(section)
    else:
        write_section(Path(args.out), SECTION, section)
        print(f"\nwrote the {SECTION} section of {args.out}")
    if run.mismatches or run.errors:
        print(f"\n{len(run.mismatches)} MISMATCH(ES), {len(run.errors)} error(s): see above", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
