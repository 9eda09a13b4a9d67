"""Seconds until `paperkg serve` and `mkdocs serve` answer on a project that is built already.

The issue asks that `mkdocs serve` on the 30,000-paper site starts in reasonable time. It builds
every page in one process before it answers (MkDocs' own build), where `paperkg serve` builds
incrementally with every core. Prints the two figures; BENCHMARKS.md quotes them by hand.

    .venv/bin/python scripts/bench_pipeline.py --sizes 30000 --keep /tmp/bench   # a built 30k project
    .venv/bin/python scripts/bench_serve.py /tmp/bench/p30000/site
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_pipeline import serve_startup  # noqa: E402
from bench_store import code_version  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", type=Path, help="a built paperkg project (its mkdocs.yml's directory)")
    parser.add_argument("--limit", type=float, default=3600.0, help="seconds to wait for each server")
    args = parser.parse_args(argv)
    print(f"paperkg commit {code_version()}")
    for server in ("paperkg", "mkdocs"):
        seconds = serve_startup(args.project, args.limit, server=server)
        print(f"{server} serve answered after {seconds:.1f} s" if seconds is not None else f"{server} serve: no answer")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
