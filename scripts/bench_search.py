"""Benchmark making the search index from one project's records (`search.Indexer`, which runs
`search_files.make_index` in a process of its own): from nothing, against an update that starts
from the kept index, alternately, each run in a fresh process.

The records are those a `paperkg build` wrote (`.paperkg/search-records.jsonl`): of a project
given with --project (such as one `scripts/bench_pipeline.py --keep DIR` left), or else of a
synthetic one made here (a Kaggle snapshot through `paperkg ingest`, then `paperkg build`). The
update's records are the same with CHANGED papers' abstracts changed and NEW papers added.

    .venv/bin/python scripts/bench_search.py                       # 30,000 papers, writes BENCHMARKS.md
    .venv/bin/python scripts/bench_search.py --project DIR --out -  # a built project's records, print only
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
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

from paperkg import search_files  # noqa: E402
from paperkg.render.write import link_or_copy  # noqa: E402
from paperkg.search import KEPT, RECORDS, write_records  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CHANGED = 20  # papers whose abstract the update changes
NEW = 15  # papers the update adds, as one API page does
REPLACED = 3  # words of a changed abstract (and of a new paper's title and abstract) replaced
WAYS = ("full", "update")

# The indexer is the build's own (`Indexer.start`/`finish`: `python -m paperkg.search_files` in a
# child process, then the made index renamed over the kept one). Any process it leaves behind is
# adopted and waited for (ADOPT, REAP), so that its CPU time and memory count too.
INDEX = ADOPT + """
import resource, sys
from pathlib import Path
from paperkg.search import Indexer
state = Path(sys.argv[1])
indexer = Indexer(state, state / "public")
indexer.start()
seconds = indexer.finish()
if seconds is None:
    sys.exit("the index was not made")
""" + REAP + """
children = resource.getrusage(resource.RUSAGE_CHILDREN)
print(seconds, children.ru_utime + children.ru_stime, children.ru_maxrss, indexer.count, indexer.written)
"""


def digests(directory: Path) -> dict[str, str]:
    """The SHA-256 of each file of an index (its path under it), without the records' digest and words."""
    return {path.relative_to(directory).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(directory.rglob("*")) if path.is_file()
            and path.name not in (search_files.DIGEST, search_files.WORDS)}


def index(records: Path, state: Path, kept: Path | None) -> dict:
    """The figures of one index of `records` made by a fresh process in `state` (a project's
    .paperkg/), from nothing or from (hard links to) the index `kept`, which must stay as it was:
    seconds, CPU-seconds and peak RSS (MiB) of the indexer, records, files written, files and bytes
    of the index made (without the records' digest), and the index's digests under "files"."""
    state.mkdir()
    shutil.copyfile(records, state / RECORDS)
    before = None
    if kept is not None:
        before = digests(kept)
        shutil.copytree(kept, state / KEPT, copy_function=link_or_copy)
    answer = subprocess.run([sys.executable, "-c", INDEX, str(state)],
                            capture_output=True, text=True, check=True).stdout.split()
    if kept is not None and digests(kept) != before:
        raise SystemExit(f"the update changed the index it started from, {kept}")
    made = digests(state / KEPT)
    size = sum((state / KEPT / path).stat().st_size for path in made)
    return {"seconds": float(answer[0]), "cpu": float(answer[1]), "peak": int(answer[2]) / 1024,
            "records": int(answer[3]), "written": int(answer[4]), "count": len(made), "bytes": size, "files": made}


def reworded(text: str, rng: random.Random, vocabulary: list[str]) -> str:
    """The text with REPLACED of its words (at most) replaced by others of the vocabulary."""
    words = text.split(" ")
    for place in rng.sample(range(len(words)), min(REPLACED, len(words))):
        words[place] = rng.choice([word for word in rng.sample(vocabulary, 5) if word != words[place]] or ["changed"])
    return " ".join(words)


def updated_records(records: Path, out: Path, seed: int) -> tuple[int, int, int]:
    """Write to `out` the records with CHANGED papers' abstracts reworded and NEW papers added,
    each a copy of another paper with a few words of its title and abstract replaced, at URLs
    among the papers' (`/paper/9912.000NN/`); returns (changed, added, how many of the
    records sort after the first added one: their numbers change)."""
    found = [json.loads(line) for line in records.read_bytes().splitlines() if line.strip()]
    papers = [record for record in found if record["url"].startswith("/paper/")]
    rng = random.Random(seed)
    vocabulary = sorted({word for record in rng.sample(papers, min(200, len(papers)))
                         for word in record["content"].split()})
    picked = rng.sample(papers, min(CHANGED + NEW, len(papers)))
    changed, copied = picked[:CHANGED], picked[CHANGED:] or picked
    for record in changed:
        head, abstract = _split(record)
        record["content"] = head + reworded(abstract, rng, vocabulary)
    added = []
    for number in range(1, NEW + 1):
        source = json.loads(json.dumps(copied[number % len(copied)]))
        _, abstract = _split(source)
        title, authors = reworded(source["meta"]["title"], rng, vocabulary), source["meta"].get("authors", "")
        source["meta"]["title"], source["url"] = title, f"/paper/9912.{number:05d}/"
        source["content"] = " ".join(f"{title} {authors} {reworded(abstract, rng, vocabulary)}".split())
        added.append(source)
    write_records(out, [*found, *added])
    before, after = set(records.read_bytes().splitlines()), out.read_bytes().splitlines()
    assert sum(line not in before for line in after) == len(changed) + len(added), "records changed unexpectedly"
    first = min(record["url"] for record in added)
    return len(changed), len(added), sum(record["url"] > first for record in found)


def _split(record: dict) -> tuple[str, str]:
    """A paper's content as (its title and authors with the space after them, its abstract)."""
    authors = record["meta"].get("authors", "")
    head = f"{record['meta']['title']} {authors} " if authors else f"{record['meta']['title']} "
    content = record["content"]
    return (head, content[len(head):]) if content.startswith(head) else ("", content)


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
    args = parser.parse_args(argv)
    commit = code_version()
    began = time.perf_counter()
    load_before = os.getloadavg()[0]
    runs: dict[str, list[dict]] = {way: [] for way in WAYS}
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        project = args.project or built_project(work, args.papers, args.seed)
        records, updated = project / ".paperkg" / RECORDS, work / "updated.jsonl"
        changed, added, renumbered = updated_records(records, updated, args.seed)
        for number in range(args.rounds):
            with tempfile.TemporaryDirectory(dir=work) as run:
                full = index(records, Path(run) / "full", None)
                update = index(updated, Path(run) / "update", Path(run) / "full" / KEPT)
            for way, figures in zip(WAYS, (full, update), strict=True):
                runs[way].append(figures)
                print(f"round {number + 1}, {way}: {figures['seconds']:.2f} s, {figures['cpu']:.2f} CPU-s, "
                      f"{figures['peak']:,.0f} MiB, {figures['written']:,} of {figures['count']:,} files written",
                      flush=True)
        lines = [line for line in updated.read_bytes().splitlines() if line.strip()]
    expected = {path: hashlib.sha256(data).hexdigest() for path, data in search_files.index_files(lines).items()}
    for number, figures in enumerate(runs["update"], 1):
        made = figures["files"]
        if made != expected:
            differ = sum(made[path] != expected[path] for path in expected.keys() & made.keys())
            print(f"round {number}: the update's index is not `index_files` of the updated records: "
                  f"{len(expected.keys() - made.keys())} files missing, {len(made.keys() - expected.keys())} "
                  f"extra, {differ} different", file=sys.stderr)
            return 1
    print(f"the update's index = `index_files` of the updated records, {len(expected):,} files byte for byte, "
          f"every round", flush=True)
    machine = machine_info()

    def median(way: str, figure: str) -> float:
        return statistics.median(figures[figure] for figures in runs[way])

    every = "; ".join(f"{way}: " + ", ".join(f"{figures['seconds']:.2f}" for figures in runs[way]) for way in WAYS)
    source = (f"the records of the project {args.project}" if args.project else
              f"the records of a project of {args.papers:,} synthetic papers (`scripts/kaggle_snapshot.py`, "
              f"seed {args.seed}) made by `paperkg ingest` and `paperkg build`")
    command = "scripts/bench_search.py" + (" --project DIR" if args.project else f" --papers {args.papers}")
    full, update = runs["full"][-1], runs["update"][-1]
    text = [
        "## The search index, from nothing and as an update (`scripts/bench_search.py`)",
        "",
        "<!-- Generated by scripts/bench_search.py; edit the script, not this section. -->",
        "",
        "`search.Indexer` makes the site's search index from the build's search records in a child process "
        "(`python -m paperkg.search_files`), into a copy of the kept index (hard links) in which only the files "
        "whose bytes change are written, and with the words of each record kept beside it (`records.words`), so "
        "that an update splits the words of the changed records only. Made from nothing (*full*), and from the "
        f"full index kept after {changed} "
        f"papers' abstracts changed and {added} papers were added (*update*), "
        f"{args.rounds} time{'s' if args.rounds != 1 else ''} each, "
        "alternately, each in a fresh process; seconds as `Indexer.finish` gives them, CPU-seconds and peak RSS "
        "are the indexer process's own. Every update made the same bytes as `search_files.index_files` of the "
        "updated records, and left the index it started from as it was.",
        "",
        f"- **Command:** `.venv/bin/python {command}` (`make bench` runs it without `--project`)",
        ran_line(began, commit, load_before),
        machine_line(machine),
        f"- **Data:** {source}: {full['records']:,} records; the update's {update['records']:,} "
        f"({changed} changed, {added} added at `/paper/9912.000NN/`, copies of other papers with "
        f"{REPLACED} words of title and abstract replaced; {renumbered:,} of the records "
        "sort after the first added one and are renumbered)",
        "",
        "| Index | seconds (median) | against the full | CPU-seconds (median) | peak RSS (MiB) "
        "| files written | files | MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        *(f"| {way} | {median(way, 'seconds'):.2f} | {median(way, 'seconds') / median('full', 'seconds'):.2f}× | "
          f"{median(way, 'cpu'):.2f} | {max(figures['peak'] for figures in runs[way]):,.0f} | "
          f"{median(way, 'written'):,.0f} | {runs[way][-1]['count']:,} | {runs[way][-1]['bytes'] / 1e6:.1f} |"
          for way in WAYS),
        "",
        f"Every run, in seconds: {every}. Files and MB are the index's (without `{search_files.DIGEST}` and "
        f"`{search_files.WORDS}`). "
        "A record's number is its place among the records sorted by URL: the records after an added one are "
        "renumbered, and so are the fragments and word chunks that hold them.",
    ]
    publish("\n".join(text), args.out, "bench_search")
    return 0


if __name__ == "__main__":
    sys.exit(main())
