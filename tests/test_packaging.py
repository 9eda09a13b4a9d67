"""The wheel ships the default templates, queries, vocabulary, taxonomy and the SPARQL page's
front end (Oxigraph's WebAssembly build included), the search indexer, and finds them."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_wheel_ships_and_finds_the_bundled_defaults(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(tmp_path), str(ROOT)],
        check=True,
    )
    (wheel,) = tmp_path.glob("paperkg-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = {p.name for p in (ROOT / "templates").glob("*.j2")}
    queries = {p.name for p in (ROOT / "graph" / "queries").glob("*.rq")}
    assert {f"paperkg/_bundled/templates/{n}" for n in templates} <= names
    assert {f"paperkg/_bundled/queries/{n}" for n in queries} <= names
    assert {"paperkg/_bundled/vocab.ttl", "paperkg/_bundled/shapes.ttl", "paperkg/data/arxiv-taxonomy.json"} <= names
    # the SPARQL page's front end, and the engine installed from npm by package-lock.json
    assert {f"paperkg/_bundled/assets/{p.name}" for p in (ROOT / "assets").iterdir()} <= names
    assert {"paperkg/_bundled/oxigraph/web.js", "paperkg/_bundled/oxigraph/web_bg.wasm"} <= names
    assert {"paperkg/_bundled/assets/search-engine.js", "paperkg/search_files.py"} <= names  # the search index

    unpacked = tmp_path / "unpacked"
    zipfile.ZipFile(wheel).extractall(unpacked)
    found = subprocess.run(
        [sys.executable, "-c",
         "from paperkg.resources import bundled; print(bundled('templates'), bundled('oxigraph'))"],
        env={"PYTHONPATH": str(unpacked)}, capture_output=True, text=True, check=True,
    ).stdout.strip()
    assert found.split() == [str(unpacked / "paperkg" / "_bundled" / name) for name in ("templates", "oxigraph")]
