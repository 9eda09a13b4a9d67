"""Every script `make bench` runs still runs: each one, at a tiny size, writes its section of a
BENCHMARKS.md. (The figures are `make bench`'s; this only keeps the scripts from rotting as the
code they measure changes.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TINY = {
    "bench_store": ["--papers", "300", "--skip-rdflib", "--repeat", "1"],
    "bench_kaggle": ["--lines", "2000", "--repeat", "1"],
    "bench_queries": ["--papers", "300", "--skip-rdflib", "--skip-browser", "--runs", "1"],
    "bench_views": ["--papers", "300", "--rounds", "1"],
    "bench_load": ["--papers", "300", "--rounds", "1"],
    "bench_update": ["--papers", "300", "--rounds", "1"],
    "bench_dump": ["--papers", "300", "--rounds", "1"],
    "bench_search": ["--papers", "60", "--rounds", "1"],
    "bench_pipeline": ["--sizes", "60", "--skip-bare"],
}


def test_every_script_make_bench_runs_is_here() -> None:
    recipe = (ROOT / "Makefile").read_text().split("\nbench:", 1)[1].split("\n\n", 1)[0]
    assert sorted(line.split("scripts/")[1].removesuffix(".py") for line in recipe.splitlines()
                  if "scripts/" in line) == sorted(TINY)


@pytest.mark.parametrize("script", sorted(TINY))
def test_a_benchmark_writes_its_section(script: str, tmp_path: Path) -> None:
    out = tmp_path / "BENCHMARKS.md"
    out.write_text("# Benchmarks\n", "utf-8")
    ran = subprocess.run([sys.executable, str(ROOT / "scripts" / f"{script}.py"), *TINY[script], "--out", str(out)],
                         capture_output=True, text=True, cwd=tmp_path, timeout=900)
    assert ran.returncode == 0, ran.stderr[-3000:]
    written = out.read_text("utf-8")
    assert f"<!-- {script}:start -->" in written and f"<!-- {script}:end -->" in written
    assert written.startswith("# Benchmarks\n")  # the rest of the file is kept
