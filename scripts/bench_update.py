"""Benchmark an update's graph and views stages against a full build's, on one graph after one
more API page, alternately, in one process; and check that both make the same views.

After a build, `paperkg build` keeps what it made (paperkg.state): the next one reads only the
graph files that changed (`graph.reading.read_changes`) and patches the kept views for the
documents that changed in them (`views.patched_views`), where a full build reads every file
(`read_all`) and makes every view (`build_views`). This measures both on the graph after the
update page `scripts/update_page.py` makes (10 new papers by new and existing authors, 5 new
versions of existing papers), and compares the views they make, field by field.

    .venv/bin/python scripts/bench_update.py                     # 30,000 papers, writes BENCHMARKS.md
    .venv/bin/python scripts/bench_update.py --papers 1000 --out -   # quick look, print only
"""

from __future__ import annotations

import gc
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_store import code_version, machine_info  # noqa: E402
from bench_views import IRIS, full_stages  # noqa: E402
from benchlib import machine_line, publish, ran_line, rounds_arguments  # noqa: E402
from synthetic import synthetic_graph, synthetic_papers  # noqa: E402
from update_page import update_papers  # noqa: E402

from paperkg import state  # noqa: E402
from paperkg.collector import paused as collection_paused  # noqa: E402
from paperkg.graph.merge import merge_papers  # noqa: E402
from paperkg.graph.reading import read_changes  # noqa: E402
from paperkg.graph.store import PartialGraph, write_graph  # noqa: E402
from paperkg.graph.triples import sources  # noqa: E402
from paperkg.render.dataset import Segments  # noqa: E402
from paperkg.state import Kept  # noqa: E402
from paperkg.views import Queries, patched_views  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
WAYS = ("full build", "update")


def full(graph_dir: Path, work: Path) -> tuple[dict[str, float], object]:
    """A full build's graph and views stages: every file read, every view made."""
    seconds, graph, site = full_stages(graph_dir, work)
    return seconds, (graph, site)


def update(graph_dir: Path, kept_dir: Path) -> tuple[dict[str, float], object]:
    """An update's: the kept views and index loaded, the changed files read, the views patched."""
    seconds: dict[str, float] = {}
    with collection_paused():
        started = time.perf_counter()
        kept = state.load(kept_dir, "bench")
        before = state.views(kept_dir, kept)
        known = {name: (record.digest, record.stat) for name, record in kept.files.items()}
        graph = read_changes(kept, sources(graph_dir, IRIS, known), IRIS, kept_dir, Segments(kept_dir / "segments"))
        seconds["graph"] = time.perf_counter() - started
        started = time.perf_counter()
        site = patched_views(before, graph.changed, graph.document, graph.located, IRIS, Queries(graph_dir))
        seconds["views"] = time.perf_counter() - started
    assert site is not None, "the update's changes were not only papers' and persons'"
    return seconds, (graph, site)


def main(argv: list[str] | None = None) -> int:
    args = rounds_arguments(__doc__.splitlines()[0], ROOT / "BENCHMARKS.md").parse_args(argv)
    commit = code_version()
    began = time.perf_counter()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        graph_dir, kept_dir = work / "graph", work / "kept"
        corpus = list(synthetic_papers(args.papers, args.seed))
        store = synthetic_graph(corpus, IRIS)
        write_graph(store, graph_dir, IRIS)
        del store
        _, (graph, site) = full(graph_dir, kept_dir)  # the last build, which keeps its state
        state.save(kept_dir, Kept("bench", 0, graph.files, graph.located, graph.authoring), site, graph.summaries)
        del graph, site
        page = update_papers(corpus, args.seed)
        partial = PartialGraph(graph_dir, IRIS)  # as `paperkg ingest` merges it
        written = partial.write(merge_papers(partial.store, IRIS, page, partial).touched)
        del partial
        runs: dict[str, list[dict[str, float]]] = {way: [] for way in WAYS}
        views = {}
        for number in range(args.rounds):
            for way in WAYS:
                gc.collect()
                with tempfile.TemporaryDirectory() as scratch:
                    seconds, (graph, views[way]) = (full(graph_dir, Path(scratch)) if way == WAYS[0]
                                                    else update(graph_dir, kept_dir))
                runs[way].append(seconds)
                if way == WAYS[1]:
                    changed = len(graph.changed)
                del graph
                print(f"round {number + 1}, {way}: graph {seconds['graph']:.2f} s, views {seconds['views']:.2f} s",
                      flush=True)
        same = views[WAYS[0]] == views[WAYS[1]]
        papers, persons = len(views[WAYS[0]].papers), len(views[WAYS[0]].persons)
    if not same:
        print("the update's views differ from the full build's", file=sys.stderr)
        return 1
    median = {way: {stage: statistics.median(run[stage] for run in runs[way]) for stage in ("graph", "views")}
              for way in WAYS}
    total = {way: median[way]["graph"] + median[way]["views"] for way in WAYS}
    every = "; ".join(f"{way}: " + ", ".join(f"{run['graph']:.2f} + {run['views']:.2f}" for run in runs[way])
                      for way in WAYS)
    machine = machine_info()
    lines = [
        "## An update's graph and views stages against a full build's (`scripts/bench_update.py`)",
        "",
        "<!-- Generated by scripts/bench_update.py; edit the script, not this section. -->",
        "",
        "After one more API page, an incremental `paperkg build` reads the graph files that changed and "
        "patches the views the last build kept (`graph.reading.read_changes`, `views.patched_views`); a full "
        "build reads every file and makes every view (`read_all`, `build_views`). Both on the same graph, "
        f"{args.rounds} times each, alternately, in one process; both made the same views (compared field by "
        "field).",
        "",
        f"- **Command:** `.venv/bin/python scripts/bench_update.py --papers {args.papers}` (`make bench` runs it)",
        ran_line(began, commit, load_before),
        machine_line(machine),
        f"- **Data:** {args.papers:,} synthetic papers (`scripts/synthetic.py`, seed {args.seed}) and the update "
        f"page of `scripts/update_page.py` ({len(page)} papers: {len(written)} graph files written, "
        f"{changed} documents changed); {papers:,} papers and {persons:,} persons after it",
        "",
        "| Way | graph (s, median) | views (s, median) | both | against the full build |",
        "|---|---:|---:|---:|---:|",
        *(f"| {way} | {median[way]['graph']:.2f} | {median[way]['views']:.2f} | {total[way]:.2f} | "
          f"{total[way] / total[WAYS[0]]:.3f}× |" for way in WAYS),
        "",
        f"Every run, graph + views, in seconds: {every}. The update's *graph* includes loading the kept "
        "views (a pickle) and the index of the graph's files.",
    ]
    publish("\n".join(lines), args.out, "bench_update")
    return 0


if __name__ == "__main__":
    sys.exit(main())
