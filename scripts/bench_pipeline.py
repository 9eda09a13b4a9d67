"""Benchmark the whole pipeline, end to end, at 1k, 10k and 30k papers.

Per size, in one run on one machine:

1. A synthetic Kaggle snapshot (scripts/kaggle_snapshot.py, seeded) goes through the real
   reader: `paperkg ingest` (read, merge, write the graph files).
2. `paperkg -v build` from scratch: each stage's wall time and its own peak RSS as the build
   logs them (graph load, views, render, dataset dumps, twins, writing Markdown, MkDocs' own
   work, the search index), and the peak RSS of the command's largest process.
3. A bare `mkdocs build` of exactly the same docs_dir (Markdown and static files) with the same
   theme and settings but without the paperkg plugin: the floor MkDocs itself sets.
4. The incremental case: one more API page (scripts/update_page.py: 10 new papers by new and
   existing authors, 5 new versions of existing papers) ingested, then `paperkg build` again;
   the pages it changed. It comes minutes after the full build (after the bare one), as a
   day's harvest does. Then the next day's page at once, while what the first read is in memory.
5. The first search: the built site served on loopback, the search page opened in headless
   Chromium, a word of a paper's title searched; the bytes the search page downloaded for it.
6. Optionally `paperkg serve` and `mkdocs serve`: seconds until each answers over HTTP.

Every command runs in a fresh process under a small wrapper that reports the peak RSS of its
largest process, the search index's included.
Prints the figures and writes its section of BENCHMARKS.md between
`<!-- bench_pipeline:start -->` and `<!-- bench_pipeline:end -->`.

    make bench                                                   # 1k, 10k, 30k
    .venv/bin/python scripts/bench_pipeline.py --sizes 1000 --out -   # quick look, print only
"""

from __future__ import annotations

import argparse
import gzip
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import yaml

from paperkg.search import OUTPUT

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_store import code_version  # noqa: E402
from benchlib import ADOPT, CHROMIUM, CHROMIUM_ARGS, REAP, serve_directory, write_section  # noqa: E402
from kaggle_snapshot import write_snapshot  # noqa: E402
from update_page import write_update_page  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# paperkg's stages inside MkDocs' build
OURS = ("graph", "views", "sparql", "render", "dataset", "twins", "state", "link")
STAGE = re.compile(r"^paperkg: (\w+)\s+([\d.]+) s(?:, peak RSS (\d+) MiB)?", re.MULTILINE)
WORKER = re.compile(r"^paperkg: worker\s+peak RSS (\d+) MiB", re.MULTILINE)
CHANGED = re.compile(r"html\s+(full|incremental) build: (\d+) pages changed")
# Runs a command and reports the peak RSS (KiB) of its largest process: RUSAGE_CHILDREN of a fresh process
# covers that command only. The wrapper is a child subreaper (Linux), so processes left to it are waited for and
# counted too.
WRAPPER = ADOPT + """
import resource, subprocess, sys
code = subprocess.run(sys.argv[1:]).returncode
""" + REAP + """
print(f"peak-rss-kib {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}", file=sys.stderr)
sys.exit(code)
"""
GOAL_FULL_S, GOAL_RSS_MIB, GOAL_OWN_SHARE, GOAL_VS_BARE, GOAL_INCREMENTAL_S = 300, 2048, 0.25, 1.25, 15


@dataclass
class Run:
    seconds: float
    peak_mib: float
    output: str


@dataclass
class SizeResult:
    papers: int
    snapshot_mib: float = 0.0
    ingest: Run | None = None
    build: Run | None = None
    stages: dict[str, tuple[float, float | None]] = field(default_factory=dict)  # name -> (s, peak MiB)
    update_stages: dict[str, tuple[float, float | None]] = field(default_factory=dict)
    markdown_pages: int = 0
    html_pages: int = 0
    files: int = 0
    bare: Run | None = None
    update_ingest: Run | None = None
    update_build: Run | None = None
    update_changed: int = 0
    again_ingest: Run | None = None  # the next day's page, at once
    again_build: Run | None = None
    again_changed: int = 0
    serve_s: float | None = None
    mkdocs_serve_s: float | None = None
    search_bytes: int = 0
    search_gzip: int = 0
    search_files: int = 0
    index_bytes: int = 0

    @property
    def mkdocs_own(self) -> float:
        inner = sum(self.stages.get(name, (0.0, None))[0] for name in (*OURS, "search"))
        return self.stages["mkdocs"][0] - inner

    @property
    def ours(self) -> float:
        return self.ingest.seconds + sum(self.stages.get(name, (0.0, None))[0] for name in OURS)

    @property
    def total(self) -> float:
        return self.ingest.seconds + self.build.seconds

    @property
    def incremental(self) -> float:
        return self.update_ingest.seconds + self.update_build.seconds

    @property
    def again(self) -> float:
        return self.again_ingest.seconds + self.again_build.seconds


def timed(*args: str | Path, cwd: Path | None = None) -> Run:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", WRAPPER, *map(str, args)], cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(map(str, args))}\n{done.stdout}\n{done.stderr}")
    peak = int(re.search(r"peak-rss-kib (\d+)", done.stderr).group(1)) / 1024
    return Run(seconds, peak, done.stdout + done.stderr)


def bare_project(project: Path, bare: Path) -> Path:
    """The same docs_dir and settings without the paperkg plugin: MkDocs alone."""
    config = yaml.safe_load((project / "mkdocs.yml").read_text("utf-8"))
    config["plugins"] = [p for p in config.get("plugins", []) if not (p == "paperkg" or (
        isinstance(p, dict) and "paperkg" in p))]
    shutil.copytree(project / config.get("docs_dir", "docs"), bare / config.get("docs_dir", "docs"))
    (bare / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False), "utf-8")
    return bare / "mkdocs.yml"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_startup(project: Path, limit: float, server: str = "paperkg") -> float | None:
    """Seconds until `paperkg serve` (or `mkdocs serve`, which builds every page in one process
    first) answers the project's home page over HTTP; None if it does not within `limit`."""
    port = free_port()
    address = f"127.0.0.1:{port}"
    command = ([BIN / "paperkg", "serve", "--project", project, "--dev-addr", address] if server == "paperkg" else
               [BIN / "mkdocs", "serve", "--no-livereload", "--dev-addr", address, "-f", project / "mkdocs.yml"])
    scratch = Path(tempfile.mkdtemp(prefix="serve-", dir=project.parent))  # `mkdocs serve` builds its site here
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, "TMPDIR": str(scratch)})
    started = time.perf_counter()
    try:
        while time.perf_counter() - started < limit:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read()
                return time.perf_counter() - started
            except OSError:
                if process.poll() is not None:
                    return None
                time.sleep(0.5)
        return None
    finally:
        process.send_signal(signal.SIGINT)  # as Ctrl-C
        try:
            process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(scratch, ignore_errors=True)  # what a server stopped mid-way left (3 GB at 30k)


def first_search(site: Path, term: str) -> tuple[int, int, int]:
    """Bytes and files a first search of `term` on the search page fetches (its engine and UI,
    and the index's files): as served here (no compression), and as a host that gzips its
    responses would send them (GitHub Pages, GitLab Pages and most others do; the index's word
    chunks are deflated already)."""
    from playwright.sync_api import sync_playwright

    with serve_directory(site) as origin, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page()
        fetched: list[bytes] = []
        searching = ("/search-index/", "/search.js", "/search-engine.js", "/search.css")
        page.on("response", lambda r: fetched.append(r.body()) if any(p in r.url for p in searching) else None)
        page.goto(origin + "search/?q=" + term)
        page.wait_for_selector(".paperkg-search__result", timeout=120_000)
        page.wait_for_load_state("networkidle")
        browser.close()
    return sum(map(len, fetched)), sum(len(gzip.compress(b)) for b in fetched), len(fetched)


def measure(papers: int, seed: int, work: Path, bare: bool, serve: bool) -> SizeResult:
    result = SizeResult(papers)
    work.mkdir(parents=True)
    snapshot, update, next_day = work / "snapshot.jsonl", work / "update.xml", work / "update-next.xml"
    result.snapshot_mib = write_snapshot(snapshot, papers, seed) / 2**20
    write_update_page(update, papers, seed)
    write_update_page(next_day, papers, seed, update_seed=seed + 1)
    project = work / "site"
    subprocess.run([BIN / "paperkg", "new", project], check=True, capture_output=True)
    paperkg = BIN / "paperkg"

    print(f"{papers:,} papers: ingest ...", end="", flush=True)
    result.ingest = timed(paperkg, "-v", "ingest", "--project", project, snapshot)
    print(f" {result.ingest.seconds:.1f} s; build ...", end="", flush=True)
    result.build = timed(paperkg, "-v", "build", "--project", project)
    for name, seconds, peak in STAGE.findall(result.build.output):
        result.stages[name] = (float(seconds), float(peak) if peak else None)
    docs, site = project / "site", project / "public"
    result.markdown_pages = sum(1 for _ in docs.rglob("*.md"))
    result.html_pages = sum(1 for _ in site.rglob("*.html"))
    result.files = sum(1 for p in site.rglob("*") if p.is_file())
    print(f" {result.build.seconds:.1f} s ({result.markdown_pages:,} pages)", end="", flush=True)

    print("; first search ...", end="", flush=True)
    title = re.search(r"<h1[^>]*>(?:<span[^>]*>)?([^<]+)", (next((site / "paper").rglob("index.html"))).read_text())
    result.search_bytes, result.search_gzip, result.search_files = first_search(site, title.group(1).split()[0])
    result.index_bytes = sum(p.stat().st_size for p in (site / OUTPUT).rglob("*") if p.is_file())
    print(f" {result.search_bytes / 1000:.0f} kB ({result.search_gzip / 1000:.0f} kB gzipped)", end="", flush=True)

    if bare:
        print("; bare mkdocs ...", end="", flush=True)
        config = bare_project(project, work / "bare")
        result.bare = timed(BIN / "mkdocs", "build", "--quiet", "-f", config)
        print(f" {result.bare.seconds:.1f} s", end="", flush=True)

    print("; update ...", end="", flush=True)
    result.update_ingest = timed(paperkg, "-v", "ingest", "--project", project, update)
    result.update_build = timed(paperkg, "-v", "build", "--project", project)
    for name, seconds, peak in STAGE.findall(result.update_build.output):
        result.update_stages[name] = (float(seconds), float(peak) if peak else None)
    changed = CHANGED.search(result.update_build.output)
    assert changed and changed.group(1) == "incremental", result.update_build.output[-2000:]
    result.update_changed = int(changed.group(2))
    print(f" {result.incremental:.1f} s ({result.update_changed} pages)", end="", flush=True)
    result.again_ingest = timed(paperkg, "-v", "ingest", "--project", project, next_day)
    result.again_build = timed(paperkg, "-v", "build", "--project", project)
    changed = CHANGED.search(result.again_build.output)
    assert changed and changed.group(1) == "incremental", result.again_build.output[-2000:]
    result.again_changed = int(changed.group(2))
    print(f"; the next day's at once {result.again:.1f} s ({result.again_changed} pages)", end="", flush=True)

    if serve:
        print("; serve ...", end="", flush=True)
        result.serve_s = serve_startup(project, limit=max(120.0, 3 * result.build.seconds))
        print(f" {result.serve_s:.1f} s" if result.serve_s else " no answer", end="", flush=True)
        print("; mkdocs serve ...", end="", flush=True)
        result.mkdocs_serve_s = serve_startup(project, limit=max(300.0, 5 * result.build.seconds), server="mkdocs")
        print(f" {result.mkdocs_serve_s:.1f} s" if result.mkdocs_serve_s else " no answer", end="", flush=True)
    print()
    return result


def idle_reclaim() -> str | None:
    """What this machine's kernel does with memory left unused, when it pages it out (DAMON's
    pageout scheme): then files read minutes before are read from disk again."""
    for kdamond in Path("/sys/kernel/mm/damon/admin/kdamonds").glob("[0-9]*"):
        try:
            if (kdamond / "state").read_text().strip() != "on":
                continue
            for context in (kdamond / "contexts").glob("[0-9]*"):
                aggregation = int((context / "monitoring_attrs/intervals/aggr_us").read_text()) / 1e6
                for scheme in (context / "schemes").glob("[0-9]*"):
                    if (scheme / "action").read_text().strip() == "pageout":
                        age = int((scheme / "access_pattern/age/min").read_text()) * aggregation
                        quota = int((scheme / "quotas/bytes").read_text()) / 2**20
                        return (f"This machine's kernel pages out memory left unused for {age:.0f} s (DAMON, up "
                                f"to {quota:.0f} MiB a second), files' cached pages too: the incremental update, "
                                "minutes after the full build, reads from disk much of what the one after it "
                                "finds in memory.")
        except (OSError, ValueError):
            continue
    return None


def yes(ok: bool) -> str:
    return "met" if ok else "**not met**"


def stage_list(stages: dict[str, tuple[float, float | None]], with_peak: bool = False) -> str:
    return ", ".join(
        f"{name} {seconds:.1f} s" + (f" ({peak:.0f} MiB)" if with_peak and peak is not None else "")
        for name, (seconds, peak) in stages.items()
    )


def worker_peak(output: str) -> str:
    peaks = [int(found) for found in WORKER.findall(output)]
    return f"{max(peaks)} MiB" if peaks else "not reported"


def report(results: list[SizeResult], seed: int, commit: str | None = None) -> str:
    cores = os.cpu_count()
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    lines = [
        "## The whole pipeline (`scripts/bench_pipeline.py`)",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {platform.node() or 'this machine'}: {cores} cores, "
        f"{memory:.0f} GiB, Python {platform.python_version()}, MkDocs {version('mkdocs')}, "
        f"Material {version('mkdocs-material')}, pyoxigraph {version('pyoxigraph')}. Synthetic Kaggle snapshots "
        f"(seed {seed}) through the real reader; every command in a fresh process. Command: "
        f"`.venv/bin/python scripts/bench_pipeline.py --sizes {','.join(str(r.papers) for r in results)}"
        f"{' --serve' if any(r.serve_s for r in results) else ''}` (`make bench` runs it without `--serve`)"
        f"{f', at commit {commit}' if commit else ''}. The machine is shared: compare figures of the same run.",
        "",
        "| papers | pages (Markdown) | files in site | ingest | build | of which: graph | views | render | "
        "dataset | twins | state | MkDocs' own | search index | total | pages/s | largest process |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        s = {name: f"{r.stages.get(name, (0.0, None))[0]:.1f} s" for name in (*OURS, "search")}
        s["twins"] = f"{r.stages.get('twins', (0.0, None))[0] + r.stages.get('link', (0.0, None))[0]:.1f} s"  # + link
        peak = max(r.ingest.peak_mib, r.build.peak_mib)
        lines.append(
            f"| {r.papers:,} | {r.markdown_pages:,} | {r.files:,} | {r.ingest.seconds:.1f} s | {r.build.seconds:.1f} s "
            f"| {s['graph']} | {s['views']} | {s['render']} | {s['dataset']} | {s['twins']} | {s['state']} "
            f"| {r.mkdocs_own:.1f} s | {s['search']} | **{r.total:.1f} s** | {r.markdown_pages / r.total:.0f} "
            f"| {peak:.0f} MiB |"
        )
    lines += [
        "",
        "| papers | bare `mkdocs build` | pipeline / bare | paperkg's own share | incremental: ingest + build "
        "| pages changed | the next day's page at once (pages changed) | `paperkg serve` answers after "
        "| `mkdocs serve` answers after | first search downloads (of the whole index) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        bare = f"{r.bare.seconds:.1f} s" if r.bare else "not run"
        ratio = f"{r.total / r.bare.seconds:.2f}×" if r.bare else "–"
        serve = f"{r.serve_s:.1f} s" if r.serve_s else "not run"
        mkdocs_serve = f"{r.mkdocs_serve_s:.1f} s" if r.mkdocs_serve_s else "not run"
        lines.append(
            f"| {r.papers:,} | {bare} | {ratio} | {r.ours / r.total:.0%} | {r.update_ingest.seconds:.1f} + "
            f"{r.update_build.seconds:.1f} = **{r.incremental:.1f} s** | {r.update_changed:,} "
            f"| {r.again_ingest.seconds:.1f} + {r.again_build.seconds:.1f} = {r.again:.1f} s ({r.again_changed:,}) "
            f"| {serve} | {mkdocs_serve} "
            f"| {r.search_bytes / 1000:.0f} kB, {r.search_gzip / 1000:.0f} kB gzipped, in {r.search_files} files "
            f"(of {r.index_bytes / 1e6:.1f} MB) |"
        )
    # each stage's peak RSS at every size: what grows with the corpus, and how
    lines += [
        "",
        "Peak RSS by stage, full build: each stage's own peak in the build's main process (*ingest*: its command's "
        "largest process; *MkDocs' workers*: the largest of them).",
        "",
        "| papers | peak RSS: ingest | graph | views | render | dataset | twins | MkDocs | MkDocs' workers "
        "|",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        peaks = {name: f"{peak:.0f} MiB" if (peak := r.stages.get(name, (0.0, None))[1]) is not None else "–"
                 for name in ("graph", "views", "render", "dataset", "twins", "mkdocs")}
        lines.append(
            f"| {r.papers:,} | {r.ingest.peak_mib:.0f} MiB | {peaks['graph']} | {peaks['views']} | {peaks['render']} "
            f"| {peaks['dataset']} | {peaks['twins']} | {peaks['mkdocs']} | {worker_peak(r.build.output)} |"
        )
    big = max(results, key=lambda r: r.papers)
    peak = max(big.ingest.peak_mib, big.build.peak_mib)
    lines += [
        "",
        f"Goals at {big.papers:,} papers: full build ≤ {GOAL_FULL_S} s: {yes(big.total <= GOAL_FULL_S)} "
        f"({big.total:.0f} s); peak RSS ≤ 2 GiB: {yes(peak <= GOAL_RSS_MIB)} ({peak:.0f} MiB); paperkg's own "
        f"stages ≤ 25 %: {yes(big.ours / big.total <= GOAL_OWN_SHARE)} ({big.ours / big.total:.0%}); pipeline ≤ "
        f"1.25× bare MkDocs: "
        + (f"{yes(big.total / big.bare.seconds <= GOAL_VS_BARE)} ({big.total / big.bare.seconds:.2f}×)"
           if big.bare else "not measured")
        + f"; incremental update ≤ {GOAL_INCREMENTAL_S} s: {yes(big.incremental <= GOAL_INCREMENTAL_S)} "
        f"({big.incremental:.1f} s); first search ≤ 300 kB: {yes(big.search_gzip <= 300_000)} as a gzipping "
        f"host sends it ({big.search_gzip / 1000:.0f} kB), {yes(big.search_bytes <= 300_000)} uncompressed "
        f"({big.search_bytes / 1000:.0f} kB).",
        "",
        f"Where the time and memory go at {big.papers:,} papers. *Largest process* is the peak RSS of the "
        "largest of a command's processes, the search index's included. Full build, each stage's own peak RSS in "
        "the build's main process: " + stage_list(big.stages, with_peak=True)
        + f"; the MkDocs workers' peak RSS {worker_peak(big.build.output)}. Incremental build "
        f"({big.update_changed:,} pages changed): " + stage_list(big.update_stages) + ".",
        "",
        *([reclaim, ""] if (reclaim := idle_reclaim()) else []),
        "Stages: *ingest* reads the snapshot, merges and writes `graph/`; in *build*, *graph* reads it (a full build "
        "every file, each summarised and cut into the dump's segments; an incremental one the files that changed, "
        "and the views the last build kept), *views* runs the bulk queries (an incremental build: on the documents "
        "that changed, patching the kept views), *render* fills the templates and writes the pages that changed "
        "(an incremental build: only the pages whose context changed; for the entity pages and the lists, their "
        "HTML too, so MkDocs need not convert their Markdown), *dataset* writes the dumps and VoID, *twins* the "
        "per-entity Turtle/JSON-LD (an incremental build: those whose triples may have changed) outside the "
        "docs_dir, *state* is the wait for the child process keeping what the next build starts from "
        "(it pickles the views while MkDocs builds the pages), and *link* the wait for the twins put "
        "into the built site alongside; *MkDocs' own* is the rest of `mkdocs build` "
        "(the theme's page template, Markdown to HTML for the pages paperkg gives no HTML, copying static "
        "files) and *search index* is the wait for the index made from paperkg's search records alongside "
        "the build, in a process of its own (`search_files.py`; the first search is the search page's own "
        "engine and UI, the index's list of word chunks, the chunks of the word searched and the fragments of the "
        "first five results; the filters load when opened). Pages/s = Markdown "
        "pages / (ingest + build). The bare build has the same docs_dir and theme without the paperkg plugin, "
        "so it renders nothing and indexes nothing.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,30000", help="comma-separated paper counts")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"), help="BENCHMARKS.md to update, or - to print")
    parser.add_argument("--keep", type=Path, help="work in this directory and keep it (default: a temporary one)")
    parser.add_argument("--skip-bare", action="store_true", help="do not time the bare mkdocs build")
    parser.add_argument("--serve", action="store_true",
                        help="also time `paperkg serve` and `mkdocs serve` until each answers")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    commit = code_version()  # the paperkg code the measured commands run (they import it from src/)
    base = args.keep or Path(tempfile.mkdtemp(prefix="paperkg-bench-"))
    try:
        results = [measure(n, args.seed, base / f"p{n}", not args.skip_bare, args.serve) for n in sizes]
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    section = report(results, args.seed, commit)
    print()
    print(section)
    if args.out != "-":
        write_section(Path(args.out), "bench_pipeline", section)
        print(f"\nwrote the bench_pipeline section of {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
