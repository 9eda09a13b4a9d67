"""Benchmark the Kaggle snapshot reader (`paperkg.sources.kaggle.read_kaggle`): speed and memory.

1. Writes a synthetic snapshot (scripts/kaggle_snapshot.py, default 100,000 lines) into a
   temporary directory, plain and gzipped.
2. Throughput: each file is read whole by a fresh Python process, `--repeat` times; the median
   is kept. For comparison the same process also times the floor under the reader: splitting
   the file into lines, and lines + `json.loads`.
3. Memory: fresh processes read the first 10% and all of the lines; the peak RSS growth while
   reading (VmHWM reset after the imports, minus the RSS then) must not grow with the lines.

Prints the figures and writes its section of BENCHMARKS.md, between
`<!-- bench_kaggle:start -->` and `<!-- bench_kaggle:end -->`; the rest of the file is kept.

    .venv/bin/python scripts/bench_kaggle.py                       # 100,000 lines
    .venv/bin/python scripts/bench_kaggle.py --lines 20000 --out -  # quick look, print only
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from benchlib import reset_peak, status_kib, write_section  # scripts/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parent.parent
TARGET = 50_000  # lines/s
MIB = 2**20
MODES = ("lines", "json", "papers")


# --- the measuring child process ---------------------------------------------------------


def child(mode: str, path: str, limit: int) -> dict[str, float]:
    """Read `limit` lines of `path` in this fresh process; time and RSS figures as a dict."""
    from paperkg import taxonomy
    from paperkg.sources.kaggle import read_kaggle

    taxonomy.load()  # a one-off cost, not per line: load it before the baseline
    baseline = _kib("VmRSS")
    reset = reset_peak()
    wall, cpu = time.perf_counter(), time.process_time()
    if mode == "papers":
        count = sum(1 for _ in itertools.islice(read_kaggle(path), limit))
    else:
        count = _floor(mode, path, limit)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = _kib("VmHWM")
    return {"lines": count, "wall": wall, "cpu": cpu, "baseline_kib": baseline, "peak_kib": peak,
            "peak_reset": reset}


def _floor(mode: str, path: str, limit: int) -> int:
    """What any reader must do: decompress and split lines ("lines"), and decode them ("json")."""
    from paperkg.sources.kaggle import open_snapshot

    with open_snapshot(path) as stream:  # the reader's own stream
        count = 0
        for line in itertools.islice(stream, limit):
            if mode == "json":
                json.loads(line)
            count += 1
    return count


def _kib(field: str) -> int:
    return status_kib(field) or 0


def run_child(mode: str, path: Path, limit: int) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", mode, str(path), str(limit)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    result = json.loads(done.stdout)
    if result["lines"] != limit:
        raise SystemExit(f"{mode} read {result['lines']} lines of {path}, not {limit}")
    return result


# --- the benchmark -----------------------------------------------------------------------


def make_files(directory: Path, lines: int, seed: int) -> tuple[Path, Path, float]:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from kaggle_snapshot import write_snapshot

    plain, packed = directory / "snapshot.jsonl", directory / "snapshot.jsonl.gz"
    started = time.perf_counter()
    write_snapshot(plain, lines, seed)
    with open(plain, "rb") as source, open(packed, "wb") as raw, \
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as out:
        shutil.copyfileobj(source, out, 1 << 20)
    return plain, packed, time.perf_counter() - started


def measure(args: argparse.Namespace, directory: Path) -> dict:
    plain, packed, seconds = make_files(directory, args.lines, args.seed)
    print(f"wrote {args.lines:,} lines in {seconds:.0f} s: {plain.stat().st_size / MIB:.1f} MiB plain, "
          f"{packed.stat().st_size / MIB:.1f} MiB gzip", flush=True)
    files = {"plain": plain, "gzip": packed}
    speed: dict[tuple[str, str], list[dict]] = {}
    for _ in range(args.repeat):  # interleaved, so a burst of load elsewhere hits all alike
        for kind, path in files.items():
            for mode in MODES:
                speed.setdefault((kind, mode), []).append(run_child(mode, path, args.lines))
    small = max(args.lines // 10, 1)
    memory = {(kind, n): run_child("papers", path, n) for kind, path in files.items() for n in (small, args.lines)}
    return {
        "lines": args.lines, "small": small, "repeat": args.repeat,
        "sizes": {kind: path.stat().st_size for kind, path in files.items()},
        "speed": {key: _median_rates(runs) for key, runs in speed.items()},
        "memory": memory,
    }


def _median_rates(runs: list[dict]) -> dict[str, float]:
    lines = runs[0]["lines"]
    return {
        "wall_rate": statistics.median(lines / r["wall"] for r in runs),
        "cpu_rate": statistics.median(lines / r["cpu"] for r in runs),
        "wall_rates": [lines / r["wall"] for r in runs],
    }


# --- report ------------------------------------------------------------------------------


def machine_info() -> dict[str, str]:
    info = {"CPUs (os.cpu_count)": str(os.cpu_count())}
    try:
        model = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
        total = re.search(r"^MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text(), re.M)
        if model:
            info["CPU model"] = model.group(1).strip()
        if total:
            info["memory"] = f"{int(total.group(1)) / 2**20:.1f} GiB"
    except OSError:
        pass
    info["Python"] = f"{platform.python_implementation()} {platform.python_version()}"
    info["OS"] = f"{platform.system()} {platform.release()}"
    return info


def _load() -> str:
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def _rate(value: float) -> str:
    return f"{value:,.0f}"


def markdown(results: dict, machine: dict[str, str], command: str, when: str, loads: tuple[str, str]) -> str:
    lines_total, small = results["lines"], results["small"]
    speed, memory = results["speed"], results["memory"]
    out: list[str] = []
    add = out.append
    add("## Kaggle snapshot reader (`read_kaggle`)")
    add("")
    add(f"Run {when} with `{command}`.")
    add("")
    for key, value in machine.items():
        add(f"- {key}: {value}")
    add(f"- load average (1, 5, 15 min) at start / end: {loads[0]} / {loads[1]} — the machine is shared, "
        "so wall-clock rates depend on what else runs; CPU-time rates less so")
    add("")
    sizes = results["sizes"]
    add(f"Input: {lines_total:,} synthetic lines (`scripts/kaggle_snapshot.py`, all fields of the real "
        f"snapshot), {sizes['plain'] / MIB:.1f} MiB plain ({sizes['plain'] / lines_total:,.0f} bytes a line), "
        f"{sizes['gzip'] / MIB:.1f} MiB gzipped.")
    add("")
    add(f"### Throughput (lines/s, median of {results['repeat']} fresh processes; target ≥ {TARGET:,})")
    add("")
    add("| File | `read_kaggle` wall | `read_kaggle` CPU time | meets target (wall) | "
        "floor: split lines | floor: lines + `json.loads` |")
    add("|---|---:|---:|:-:|---:|---:|")
    for kind in ("plain", "gzip"):
        papers = speed[(kind, "papers")]
        add(f"| {kind} | {_rate(papers['wall_rate'])} | {_rate(papers['cpu_rate'])} | "
            f"{'yes' if papers['wall_rate'] >= TARGET else 'no'} | {_rate(speed[(kind, 'lines')]['wall_rate'])} | "
            f"{_rate(speed[(kind, 'json')]['wall_rate'])} |")
    add("")
    add("All runs (wall, lines/s): " + "; ".join(
        f"{kind} {mode}: " + ", ".join(_rate(r) for r in speed[(kind, mode)]["wall_rates"])
        for kind in ("plain", "gzip") for mode in MODES) + ".")
    add("")
    add("### Memory (peak RSS growth while reading, fresh process)")
    add("")
    add(f"| File | RSS before reading (MiB) | growth, {small:,} lines (MiB) | growth, {lines_total:,} lines (MiB) |")
    add("|---|---:|---:|---:|")
    for kind in ("plain", "gzip"):
        few, many = memory[(kind, small)], memory[(kind, lines_total)]
        add(f"| {kind} | {few['baseline_kib'] / 1024:.1f} | {_growth(few):.1f} | {_growth(many):.1f} |")
    add("")
    add("Details:")
    add("")
    add("- `read_kaggle` wall: `sum(1 for _ in read_kaggle(path))` timed with `time.perf_counter` in a fresh "
        "process (interpreter start and imports not included; the taxonomy is loaded before timing). "
        "CPU time: the same run by `time.process_time`.")
    add("- Floors, the same way: iterating the (decompressed) file's lines, and that plus `json.loads` on each "
        "line, building no records. The gap between the last floor and `read_kaggle` is the record building.")
    peak = all(m["peak_reset"] for m in memory.values())
    add("- Memory: RSS (`VmRSS`) after the imports and the taxonomy, then the peak (`VmHWM`) at the end"
        + (", reset between the two through `/proc/self/clear_refs`" if peak else
           "; `/proc/self/clear_refs` was not writable, so the peak may include the imports") + ".")
    return "\n".join(out)


def _growth(result: dict) -> float:
    return (result["peak_kib"] - result["baseline_kib"]) / 1024


def print_summary(results: dict) -> None:
    for kind in ("plain", "gzip"):
        rates = {mode: results["speed"][(kind, mode)] for mode in MODES}
        print(f"{kind:5}: read_kaggle {_rate(rates['papers']['wall_rate'])} lines/s wall, "
              f"{_rate(rates['papers']['cpu_rate'])} lines/s CPU; floors: lines {_rate(rates['lines']['wall_rate'])}, "
              f"lines + json.loads {_rate(rates['json']['wall_rate'])}")
        few = results["memory"][(kind, results["small"])]
        many = results["memory"][(kind, results["lines"])]
        print(f"       peak RSS growth: {_growth(few):.1f} MiB for {results['small']:,} lines, "
              f"{_growth(many):.1f} MiB for {results['lines']:,} lines")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        mode, path, limit = argv[1], argv[2], int(argv[3])
        print(json.dumps(child(mode, path, limit)))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000, help="lines of the synthetic snapshot (100000)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic papers (1)")
    parser.add_argument("--repeat", type=int, default=3, help="fresh processes per throughput figure (3)")
    parser.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"),
                        help="Markdown file whose bench_kaggle section is (re)written; '-' prints it instead")
    args = parser.parse_args(argv)

    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load_start = _load()
    with tempfile.TemporaryDirectory(prefix="bench_kaggle_") as tmp:
        results = measure(args, Path(tmp))
    load_end = _load()
    print_summary(results)
    command = ".venv/bin/python scripts/bench_kaggle.py"
    if args.lines != 100_000:
        command += f" --lines {args.lines}"
    if args.seed != 1:
        command += f" --seed {args.seed}"
    if args.repeat != 3:
        command += f" --repeat {args.repeat}"
    section = markdown(results, machine_info(), command, when, (load_start, load_end))
    if args.out == "-":
        print()
        print(section)
    else:
        write_section(Path(args.out), "bench_kaggle", section)
        print(f"wrote the bench_kaggle section of {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
