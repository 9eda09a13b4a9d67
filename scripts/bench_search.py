"""Benchmark making the search index from one project's records, its parts one at a time against
several at once (`search.Indexer`'s `jobs`), alternately, each run in a fresh process. Then an
update's index: the parts made again after some records changed, from the kept parts reusing the
fragments of the unchanged records, against making every fragment again.

The records are those a `paperkg build` wrote (`.paperkg/search-records.jsonl`): of a project
given with --project (such as one `scripts/bench_pipeline.py --keep DIR` left), or else of a
synthetic one made here (a Kaggle snapshot through `paperkg ingest`, then `paperkg build`).

    .venv/bin/python scripts/bench_search.py                       # 30,000 papers, writes BENCHMARKS.md
    .venv/bin/python scripts/bench_search.py --project DIR --out -  # a built project's records, print only
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_store import code_version, machine_info  # noqa: E402
from benchlib import ADOPT, REAP, machine_line, publish, ran_line, rounds_arguments  # noqa: E402
from kaggle_snapshot import write_snapshot  # noqa: E402

from paperkg.search import KEPT, PER_INDEX, RECORDS, part_count  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

# Pagefind's indexer is adopted and waited for (ADOPT, REAP), so its CPU time and memory count.
INDEX = ADOPT + """
import resource, shutil, sys, time
from pathlib import Path
from paperkg.search import RECORDS, Indexer
records, state, jobs, kept = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
if kept:  # an update: the index kept in state kept[0], with (reuse) or without its pages' lists
    shutil.copytree(kept[0], state)
    if kept[1] != "reuse":
        for pages in (state / "search-index").glob("*.pages"):
            pages.unlink()
else:
    state.mkdir()
shutil.copyfile(records, state / RECORDS)
indexer = Indexer(state, state / "public", jobs=jobs)
started = time.perf_counter()
indexer.start()
indexer.finish()
seconds = time.perf_counter() - started
""" + REAP + """
children = resource.getrusage(resource.RUSAGE_CHILDREN)
print(seconds, children.ru_utime + children.ru_stime, children.ru_maxrss, indexer.count)
"""


def index(records: Path, work: Path, jobs: int, kept: Path | None = None,
          reuse: bool = True) -> tuple[float, float, float, int]:
    """(seconds, CPU-seconds of the Pagefind runs, peak RSS of the largest in MiB, pages indexed)
    for indexing `records` from nothing, or (`kept`) from a copy of the state an earlier index
    was kept in, reusing its fragments or not, with up to `jobs` runs at once."""
    with tempfile.TemporaryDirectory(dir=work) as run:
        update = [] if kept is None else [str(kept), "reuse" if reuse else "no"]
        answer = subprocess.run([sys.executable, "-c", INDEX, str(records), str(Path(run) / "state"), str(jobs),
                                 *update], capture_output=True, text=True, check=True).stdout.split()
    return float(answer[0]), float(answer[1]), int(answer[2]) / 1024, int(answer[3])


def updated(lines: list[bytes], changed: int, new: int) -> list[bytes]:
    """The records after an update: `changed` paper records spread over the site each with a
    word no record has, and `new` papers after the last (copies of the first papers' records
    under new URLs), sorted by URL as the build writes them."""
    papers = [n for n, line in enumerate(lines) if b'"url": "/paper/' in line]
    out = list(lines)
    for number, at in enumerate(papers[:: max(1, len(papers) // changed)][:changed]):
        record = json.loads(lines[at])
        record["content"] += f" updateword{number}"
        out[at] = (json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode()
    for number, at in enumerate(papers[:new]):
        record = json.loads(lines[at])
        record["url"] = f"/paper/9999.{number:05}/"
        out.append((json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode())
    return sorted(out, key=lambda line: json.loads(line)["url"])


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
    parser.add_argument("--changed", type=int, default=20, help="paper records an update changes")
    parser.add_argument("--new", type=int, default=15, help="paper records an update adds")
    args = parser.parse_args(argv)
    ways = [int(jobs) for jobs in args.jobs.split(",")]
    commit = code_version()
    began = time.perf_counter()
    load_before = os.getloadavg()[0]
    runs: dict[int, list[tuple[float, float, float]]] = {jobs: [] for jobs in ways}
    reuses: dict[bool, list[tuple[float, float, float]]] = {True: [], False: []}
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
        # an update: the index kept once (not timed), then made again from copies of it
        kept, after = work / "kept", work / "updated.jsonl"
        subprocess.run([sys.executable, "-c", INDEX, str(records), str(kept), str(ways[-1])], check=True,
                       capture_output=True)
        after.write_bytes(b"".join(updated(records.read_bytes().splitlines(keepends=True), args.changed, args.new)))
        updated_lines = len(after.read_bytes().splitlines())
        for number in range(args.rounds):
            for reuse in (True, False):
                seconds, cpu, peak, pages_again = index(after, work, ways[-1], kept, reuse)
                reuses[reuse].append((seconds, cpu, peak))
                print(f"round {number + 1}, update, {'reusing' if reuse else 'not reusing'} fragments: "
                      f"{seconds:.1f} s, {cpu:.1f} CPU-s, {pages_again:,} pages", flush=True)
        parts_again = len(list((kept / KEPT).glob("*.pages")))
    again = "every part" if pages_again == updated_lines else f"{pages_again:,} of the {updated_lines:,} records"
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
        machine_line(machine),
        f"- **Data:** {source}: {lines:,} records, {part_count(lines, PER_INDEX)} parts, {pages:,} pages indexed",
        "",
        "| Pagefind runs at once | seconds (median) | CPU-seconds (median) | largest run's peak RSS (MiB) |",
        "|---:|---:|---:|---:|",
        *(f"| {jobs} | {median[jobs]:.1f} | {statistics.median(c for _, c, _ in runs[jobs]):.1f} | "
          f"{max(p for _, _, p in runs[jobs]):,.0f} |" for jobs in ways),
        "",
        f"Every run, in seconds: {every}."
        + (f" {ways[-1]} at once / {ways[0]}: {median[ways[-1]] / median[ways[0]]:.2f}×." if len(ways) > 1 else ""),
        "",
        f"**An update's index.** The same records with {args.changed} paper records changed (each gains a word no "
        f"record has, so every part's words record changes too) and {args.new} new ones, indexed from a copy of "
        f"the index kept from the records before, {ways[-1]} runs at once, alternately: reusing the kept "
        "fragments of the unchanged records (`Indexer._prepare`: Pagefind leaves a fragment file it finds in "
        "place), against every fragment made again (the kept parts' page lists removed, as before the reuse). "
        f"Indexed again both ways: {again} ({parts_again} parts); the two give the same bytes (tested in "
        "`test_search.py`).",
        "",
        "| update's index | seconds (median) | CPU-seconds (median) |",
        "|---|---:|---:|",
        *(f"| {'reusing the unchanged fragments' if reuse else 'every fragment made again'} | "
          f"{statistics.median(s for s, _, _ in reuses[reuse]):.1f} | "
          f"{statistics.median(c for _, c, _ in reuses[reuse]):.1f} |" for reuse in (True, False)),
        "",
        "Every run, in seconds (CPU-seconds): " + "; ".join(
            ("reusing: " if reuse else "made again: ") + ", ".join(f"{s:.1f} ({c:.1f})" for s, c, _ in reuses[reuse])
            for reuse in (True, False)) + ".",
    ]
    publish("\n".join(lines_out), args.out, "bench_search")
    return 0


if __name__ == "__main__":
    sys.exit(main())
