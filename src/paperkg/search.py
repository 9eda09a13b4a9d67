"""The search stage: Pagefind indexes the built site into a chunked static index (and its UI)
under site_dir/pagefind/, so a search downloads only the few chunks it needs.

Pagefind comes from npm (package.json pins it, package-lock.json locks it; `make` runs
`npm ci`): a paperkg checkout has it in node_modules/, an installed paperkg uses the
`pagefind` on PATH. Pagefind 1.6 writes the same bytes for the same site (1.5 ordered its
filter files at random), which keeps published sites free of spurious changes.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from paperkg.errors import BuildError
from paperkg.resources import checkout_path

OUTPUT = "pagefind"  # the search page looks for the index and UI here
# The pages whose templates mark text with data-pagefind-body: papers, topics and the A-Z author
# lists. Pagefind would otherwise also read every author page only to find nothing to index,
# which doubles its time and memory on a large site.
INDEXED = "{paper,topic,authors}/**/*.html"


def pagefind_binary() -> str:
    local = checkout_path("node_modules/.bin/pagefind")
    if local is not None and local.is_file():
        return str(local)
    found = shutil.which("pagefind")
    if found is None:
        raise BuildError(
            "Pagefind is needed to index the site for search: `npm ci` in a paperkg checkout, "
            "or `npm install -g pagefind@1.6.0`; or turn search off (plugins: paperkg: search: false)"
        )
    return found


def index_site(site_dir: Path, project_dir: Path) -> list[str]:
    """Index the built site; returns Pagefind's warnings. Pagefind reads a pagefind.yml in its
    working directory: the project's, so it runs there, with the output directory forced."""
    # Pagefind names its files by content and never deletes: clear what an earlier build left.
    shutil.rmtree(site_dir / OUTPUT, ignore_errors=True)
    done = subprocess.run(
        [pagefind_binary(), "--site", str(site_dir), "--output-subdir", OUTPUT, "--glob", INDEXED, "--quiet"],
        cwd=project_dir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    message = " ".join(done.stdout.split())
    if done.returncode != 0:
        raise BuildError(f"Pagefind could not index {site_dir}: {message or f'exit code {done.returncode}'}")
    return [message] if message else []
