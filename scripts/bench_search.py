"""Benchmark making the search index from one project's records, its parts one at a time against
several at once (`search.Indexer`'s `jobs`), alternately, each run in a fresh process.

The records are those a `paperkg build` wrote (`.paperkg/search-records.jsonl`): of a project
given with --project (such as one `scripts/bench_pipeline.py --keep DIR` left), or else of a
synthetic one made here (a Kaggle snapshot through `paperkg ingest`, then `paperkg build`).

    .venv/bin/python scripts/bench_search.py                       # 30,000 papers, writes BENCHMARKS.md
    .venv/bin/python scripts/bench_search.py --project DIR --out -  # a built project's records, print only
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_store import code_version, machine_info  # noqa: E402
from benchlib import publish, ran_line, rounds_arguments  # noqa: E402
from kaggle_snapshot import write_snapshot  # noqa: E402

from paperkg.search import PER_INDEX, RECORDS, part_count  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

INDEX = """
import ctypes, os, resource, shutil, sys, time
from pathlib import Path
from paperkg.search import RECORDS, Indexer
# Pagefind's Node API runs its indexer as a process of its own, which Node does not wait for:
# adopted here (PR_SET_CHILD_SUBREAPER) and waited for, so its CPU time and memory count.
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)
records, state, jobs = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
state.mkdir()
shutil.copyfile(records, state / RECORDS)
indexer = Indexer(state, state / "public", jobs=jobs)
started = time.perf_counter()
indexer.start()
indexer.finish()
seconds = time.perf_counter() - started
while True:
    try:
        os.wait()
    except ChildProcessError:
        break
children = resource.getrusage(resource.RUSAGE_CHILDREN)
print(seconds, children.ru_utime + children.ru_stime, children.ru_maxrss, indexer.count)
"""


def index(records: Path, work: Path, jobs: int) -> tuple[float, float, float, int]:
    """(seconds, CPU-seconds of the Pagefind runs, peak RSS of the largest in MiB, pages indexed)
    for indexing `records` from nothing, with up to `jobs` runs at once."""
    state = Path(tempfile.mkdtemp(dir=work)) / "state"
    try:
        answer = subprocess.run([sys.executable, "-c", INDEX, str(records), str(state), str(jobs)],
                                capture_output=True, text=True, check=True).stdout.split()
    finally:
        subprocess.run(["rm", "-rf", str(state.parent)], check=True)
    return float(answer[0]), float(answer[1]), int(answer[2]) / 1024, int(answer[3])


def built_project(work: Path, papers: int, seed: int) -> Path:
    project = work / "site"
    snapshot = work / "snapshot.jsonl"
    write_snapshot(snapshot, papers, seed)
    for command in (["new", project], ["ingest", "--project", project, snapshot], ["build", "--project", project]):
        print(f"paperkg {command[0]} ...", flush=True)
        subprocess.run([BIN / "paperkg", *map(str, command)], check=True, capture_output=True)
    return project


def main(argv: list[str] | None = None) -> int:
    parser = rounds_arguments(__doc__.splitlines()[0], ROOT / "BENCHMARKS.md")
    parser.add_argument("--project", type=Path, help="a built project whose records to index (default: make one)")
    parser.add_argument("--jobs", default="1,2", help="comma-separated Pagefind runs at once to compare")
    args = parser.parse_args(argv)
    ways = [int(jobs) for jobs in args.jobs.split(",")]
    commit = code_version()
    began = time.perf_counter()
    load_before = os.getloadavg()[0]
    runs: dict[int, list[tuple[float, float, float]]] = {jobs: [] for jobs in ways}
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        project = args.project or built_project(work, args.papers, args.seed)
        records = project / ".paperkg" / RECORDS
        lines = len(records.read_bytes().splitlines())
        for number in range(args.rounds):
            for jobs in ways:
                seconds, cpu, peak, pages = index(records, work, jobs)
                runs[jobs].append((seconds, cpu, peak))
                print(f"round {number + 1}, {jobs} at once: {seconds:.1f} s, {cpu:.1f} CPU-s, {peak:,.0f} MiB",
                      flush=True)
    machine = machine_info()
    median = {jobs: statistics.median(s for s, _, _ in runs[jobs]) for jobs in ways}
    every = "; ".join(f"{jobs} at once: " + ", ".join(f"{s:.1f}" for s, _, _ in runs[jobs]) for jobs in ways)
    source = (f"the records of the project {args.project}" if args.project else
              f"the records of a project of {args.papers:,} synthetic papers (`scripts/kaggle_snapshot.py`, "
              f"seed {args.seed}) made by `paperkg ingest` and `paperkg build`")
    command = "scripts/bench_search.py" + (" --project DIR" if args.project else f" --papers {args.papers}")
    lines_out = [
        "## The search index's parts, one at a time and at once (`scripts/bench_search.py`)",
        "",
        "<!-- Generated by scripts/bench_search.py; edit the script, not this section. -->",
        "",
        "`search.Indexer` makes the index from the build's search records in parts of at most "
        f"{PER_INDEX:,} records, with up to `jobs` Pagefind runs at once (`paperkg build --jobs`, one per core "
        f"by default). The same records indexed from nothing each way, {args.rounds} times each, alternately, "
        "each in a fresh process; CPU-seconds are the Pagefind runs' own (user + system).",
        "",
        f"- **Command:** `.venv/bin/python {command}` (`make bench` runs it without `--project`)",
        ran_line(began, commit, load_before),
        f"- **Machine:** {machine['CPUs (os.cpu_count)']} CPUs ({machine['CPU model']}), {machine['memory']}, "
        f"{machine['Python']}",
        f"- **Data:** {source}: {lines:,} records, {part_count(lines, PER_INDEX)} parts, {pages:,} pages indexed",
        "",
        "| Pagefind runs at once | seconds (median) | CPU-seconds (median) | largest run's peak RSS (MiB) |",
        "|---:|---:|---:|---:|",
        *(f"| {jobs} | {median[jobs]:.1f} | {statistics.median(c for _, c, _ in runs[jobs]):.1f} | "
          f"{max(p for _, _, p in runs[jobs]):,.0f} |" for jobs in ways),
        "",
        f"Every run, in seconds: {every}."
        + (f" {ways[-1]} at once / {ways[0]}: {median[ways[-1]] / median[ways[0]]:.2f}×." if len(ways) > 1 else ""),
    ]
    publish("\n".join(lines_out), args.out, "bench_search")
    return 0


if __name__ == "__main__":
    sys.exit(main())
