"""Benchmark the gzipped N-Triples dump the build writes (`dump/graph.nt.gz`): Python's gzip
module, as the build wrote it before, against the build's deflated segments (`dataset.Segments`),
each graph file's lines cut into segments of their own: made from nothing, and as an update
makes them (the changed files' lines cut again, the other files' segments taken as they were
kept), in one process on one graph.

The graph is synthetic (scripts/synthetic.py); the update adds 15 papers to it, as one API
page does. Each figure is the median of the rounds, run alternately.

    .venv/bin/python scripts/bench_dump.py                        # 30,000 papers, writes BENCHMARKS.md
    .venv/bin/python scripts/bench_dump.py --papers 1000 --out -  # quick look, print only
"""

from __future__ import annotations

import functools
import gzip
import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_store import code_version, machine_info  # noqa: E402
from benchlib import machine_line, publish, ran_line, rounds_arguments  # noqa: E402
from synthetic import synthetic_graph, synthetic_papers  # noqa: E402

from paperkg.graph.namespaces import Iris  # noqa: E402
from paperkg.graph.store import TurtleWriter, sorted_ntriples  # noqa: E402
from paperkg.render import dataset  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
IRIS = Iris("https://example.org/kg/")
UPDATE = 15  # papers one API page adds
WAYS = ("gzip module", "segments, none kept", "segments, an update's")


def graph_files(papers: list) -> dict[str, list[str]]:
    """The graph's N-Triples lines, by the graph file their subject goes to, sorted."""
    store = synthetic_graph(papers, IRIS)
    shard = TurtleWriter(IRIS).shard
    files: dict[str, list[str]] = {}
    for line in sorted_ntriples(store):
        files.setdefault(shard(line[1 : line.index(">")]), []).append(line)
    return dict(sorted(files.items()))


def segments_dump(files: dict[str, list[str]], kept: Path, before: dict[str, list[str]] | None,
                  records: dict[str, list], out: io.BytesIO) -> None:
    """The dump as the build writes it: the files whose lines differ from `before` cut into
    segments (deflating those not kept), the others' segments as `records` has them."""
    segments = dataset.Segments(kept)
    made = {name: records[name] if before is not None and before.get(name) == lines else segments.cut(lines)
            for name, lines in files.items()}
    segments.write([segment for name in sorted(made) for segment in made[name]], out)


def gzip_module(lines: list[str], out: io.BytesIO) -> None:
    """The dump as the build wrote it before the segments: one gzip stream, level 6."""
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=dataset.LEVEL, mtime=0, filename="") as packed:
        for start in range(0, len(lines), 10_000):
            packed.write("".join(line + "\n" for line in lines[start : start + 10_000]).encode())


def timed(write: Callable[[io.BytesIO], None]) -> tuple[float, bytes]:
    out = io.BytesIO()
    started = time.perf_counter()
    write(out)
    return time.perf_counter() - started, out.getvalue()


def main(argv: list[str] | None = None) -> int:
    args = rounds_arguments(__doc__.splitlines()[0], ROOT / "BENCHMARKS.md").parse_args(argv)
    commit, began, load_before = code_version(), time.perf_counter(), os.getloadavg()[0]
    papers = list(synthetic_papers(args.papers + UPDATE, args.seed))
    before, after = graph_files(papers[: args.papers]), graph_files(papers)
    every_line = [line for lines in after.values() for line in lines]
    seconds: dict[str, list[float]] = {way: [] for way in WAYS}
    sizes: dict[str, int] = {}
    deflated_again = segments = 0
    for number in range(args.rounds):
        with tempfile.TemporaryDirectory() as kept, tempfile.TemporaryDirectory() as fresh:
            kept_dir = Path(kept)
            # the last build's segments
            records = {name: dataset.Segments(kept_dir).cut(lines) for name, lines in before.items()}
            made = {path.name for path in kept_dir.iterdir()}
            results = {
                WAYS[0]: timed(functools.partial(gzip_module, every_line)),
                WAYS[1]: timed(functools.partial(segments_dump, after, Path(fresh), None, {})),
                WAYS[2]: timed(functools.partial(segments_dump, after, kept_dir, before, records)),
            }
            now = {path.name for path in kept_dir.iterdir()}
            deflated_again, segments = len(now - made), len({path.name for path in Path(fresh).iterdir()})
        text = gzip.decompress(results[WAYS[0]][1])
        assert all(gzip.decompress(packed) == text for _, packed in results.values())
        assert results[WAYS[1]][1] == results[WAYS[2]][1]
        for way, (taken, packed) in results.items():
            seconds[way].append(taken)
            sizes[way] = len(packed)
        print(f"round {number + 1}: " + ", ".join(f"{way} {seconds[way][-1]:.2f} s" for way in WAYS), flush=True)
    median = {way: statistics.median(seconds[way]) for way in WAYS}
    machine = machine_info()
    every = "; ".join(f"{way}: " + "/".join(f"{taken:.2f}" for taken in seconds[way]) for way in WAYS)
    lines = [
        "## The N-Triples dump: gzip against kept segments (`scripts/bench_dump.py`)",
        "",
        "<!-- Generated by scripts/bench_dump.py; edit the script, not this section. -->",
        "",
        "`paperkg build` writes `dump/graph.nt.gz` as one gzip stream of segments deflated one by one "
        "(`dataset.Segments`), each graph file's sorted lines cut into segments of their own, each kept in "
        "`.paperkg/dump-segments/` under the digest of its text; the stream's CRC-32 is combined from the "
        f"segments' own. The graph gains {UPDATE} papers, as after one API page; the dump of the graph after "
        f"it is made three ways, {args.rounds} times each, alternately, in one process.",
        "",
        f"- **Command:** `.venv/bin/python scripts/bench_dump.py --papers {args.papers}` (`make bench` runs it)",
        ran_line(began, commit, load_before),
        machine_line(machine),
        f"- **Data:** {args.papers:,} + {UPDATE} synthetic papers (`scripts/synthetic.py`, seed {args.seed}), "
        f"{len(every_line):,} N-Triples lines in {len(after)} graph files, {len(text) / 1e6:.1f} MB; "
        f"{segments} segments, {deflated_again} of them deflated again after the update",
        "",
        "| Dump of the graph after the update | seconds (median) | against the gzip module | MB |",
        "|---|---:|---:|---:|",
        *(f"| {way} | {median[way]:.2f} | {median[way] / median[WAYS[0]]:.2f}× | {sizes[way] / 1e6:.2f} |"
          for way in WAYS),
        "",
        f"Every run, in seconds: {every}. *Segments, an update's* is the incremental build's case: the "
        "segments of the dump before the update are kept, the files the update changed are cut again (and "
        "their new segments deflated), the others' segments are taken as kept, unread until written. Every "
        "way gives the same N-Triples, the two segment ways the same bytes.",
    ]
    publish("\n".join(lines), args.out, "bench_dump")
    return 0


if __name__ == "__main__":
    sys.exit(main())
