"""Incremental builds at the issue's scale of 1,000 papers: after a full build, ingesting one
more API page (new papers by new and existing authors, new versions of existing papers) and
building again rewrites exactly the files whose content changed, and gives the same site,
byte for byte, as a full build of everything from scratch."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from paperkg.cli import main

SCRIPTS = Path(__file__).parent.parent / "scripts"
sys.path.insert(0, str(SCRIPTS))
from kaggle_snapshot import write_snapshot  # noqa: E402
from update_page import write_update_page  # noqa: E402

PAPERS, SEED = 1000, 1


def run(*args: str | Path) -> str:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


def files(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under root: its bytes and its modification time (ns)."""
    return {str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}


def generated_pages(site: Path) -> list[str]:
    """The Markdown pages paperkg generated into the site's docs_dir (its manifest)."""
    manifest = (site / "site" / ".paperkg-generated").read_text("utf-8")
    return [path for path in manifest.split("\n") if path.endswith(".md")]


def built_site(site: Path, snapshot: Path) -> Path:
    """A new project with the snapshot ingested and built."""
    run("new", site)
    run("ingest", "--project", site, snapshot)
    run("build", "--project", site)
    return site


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    directory = tmp_path_factory.mktemp("inputs")
    write_snapshot(directory / "snapshot.jsonl", PAPERS, SEED)
    page = write_update_page(directory / "update.xml", PAPERS, SEED)
    assert len(page) == 15
    return directory / "snapshot.jsonl", directory / "update.xml"


def test_incremental_build_rewrites_only_changes_and_equals_a_full_build(tmp_path: Path, inputs) -> None:
    snapshot, update = inputs
    incremental = tmp_path / "incremental" / "site"  # the same name: the same site_url
    run("new", incremental)
    run("ingest", "--project", incremental, snapshot)
    first = run("build", "--project", incremental)
    assert f"(a full build of {len(generated_pages(incremental)):,} pages)" in first
    before, pages_before = files(incremental / "public"), files(incremental / "site")
    assert "graph: 10 new, 5 updated" in run("ingest", "--project", incremental, update)
    second = run("build", "--project", incremental)
    after, pages_after = files(incremental / "public"), files(incremental / "site")
    # the command's last line counts the pages whose Markdown this build wrote, of all it generated
    pages = generated_pages(incremental)
    written = [path for path in pages if pages_before.get(path) != pages_after[path]]
    assert f"({len(written):,} of {len(pages):,} pages changed)" in second, second

    changed = {path for path, (data, _) in after.items() if before.get(path, (None,))[0] != data}
    rewritten = {path for path, (_, mtime) in after.items() if before.get(path, (None, None))[1] != mtime}
    # the new papers' pages, their authors', topics', months' and the indexes: a few hundred of ~10,000
    assert 30 < len([p for p in changed if p.endswith(".html")]) < len(after) // 10
    # files rewritten with the same bytes: only MkDocs' own sitemap and 404 page, which every
    # build writes whole (the search index's files are written when their bytes change)
    same = sorted(p for p in rewritten - changed)
    assert all(p.startswith(("sitemap.xml", "404.html", ".well-known/")) for p in same), same[:20]
    assert any(p.startswith("search-index/w/") for p in changed)
    assert changed <= rewritten
    for dump in ("dump/graph.ttl", "dump/graph.nt.gz"):  # linked into the site, not copied by MkDocs
        assert dump in changed and os.path.samefile(incremental / "public" / dump, incremental / "site" / dump)

    full = tmp_path / "full" / "site"
    run("new", full)
    run("ingest", "--project", full, snapshot, update)
    run("build", "--project", full)
    assert {p: d for p, (d, _) in files(full / "public").items()} == {p: d for p, (d, _) in after.items()}


def rename_and_remove(graph: Path) -> str:
    """A person renamed and a paper removed by hand in the graph files, as a merge or a fix
    might do; returns the removed paper's page directory."""
    authors = sorted((graph / "authors").glob("*.ttl"))[2]
    text = authors.read_text("utf-8")
    name = re.search(r'schema:name "([^"]+)"', text).group(1)
    authors.write_text(text.replace(f'schema:name "{name}"', 'schema:name "Renamed Person"', 1), "utf-8")
    month = max((graph / "papers").glob("*.ttl"), key=lambda path: path.stat().st_size)
    blocks = month.read_text("utf-8").split("\n\n")
    paper = re.match(r"<(paper/[^#>]+/)#it>", blocks[1]).group(1)
    month.write_text("\n\n".join(block for block in blocks if not block.startswith(f"<{paper}")), "utf-8")
    return paper


def rename_a_topic(graph: Path) -> str:
    """A topic's label edited: the views are made anew (and compared with the last build's)."""
    path = graph / "taxonomy.ttl"
    path.write_text(path.read_text("utf-8").replace('"Distributed, Parallel, and Cluster Computing"@en',
                                                    '"Distributed Computing"@en'), "utf-8")
    return "topic/cs.DC/"


def assert_a_full_build_of_its_graph_is_the_same(incremental: Path, full: Path) -> None:
    """A new project at `full` (of the same name: the same site_url) with a copy of
    `incremental`'s graph, built, gives the same public/ as `incremental`'s."""
    run("new", full)
    shutil.rmtree(full / "graph")
    shutil.copytree(incremental / "graph", full / "graph")
    run("build", "--project", full)
    assert {p: d for p, (d, _) in files(full / "public").items()} == {
        p: d for p, (d, _) in files(incremental / "public").items()}


@pytest.mark.parametrize("edit", [rename_and_remove, rename_a_topic])
def test_an_incremental_build_after_hand_edits_equals_a_full_build(tmp_path: Path, inputs, edit) -> None:
    snapshot, _ = inputs
    incremental = tmp_path / "incremental" / "site"
    run("new", incremental)
    run("ingest", "--project", incremental, snapshot)
    run("build", "--project", incremental)
    page = edit(incremental / "graph")
    built = run("-v", "build", "--project", incremental)
    # the last build's views, patched for papers' and persons' changes, made anew for a topic's
    assert ("views are made anew" in built) == (edit is rename_a_topic)
    assert (incremental / "site" / page / "index.md").exists() == (edit is rename_a_topic)
    written = int(re.search(r"(\d+) pages written", built).group(1))
    assert 0 < written < 1000
    assert_a_full_build_of_its_graph_is_the_same(incremental, tmp_path / "full" / "site")


def test_pages_made_for_another_site_reach_the_built_site_at_the_next_build(tmp_path: Path, inputs) -> None:
    """A build into another site (`mkdocs build --site-dir`, as `mkdocs serve` does) writes the
    pages of what changed; the next incremental `paperkg build` must still build them."""
    snapshot, _ = inputs
    incremental = tmp_path / "incremental" / "site"
    built_site(incremental, snapshot)
    paper = rename_and_remove(incremental / "graph")
    mkdocs = shutil.which("mkdocs", path=str(Path(sys.executable).parent))
    subprocess.run([mkdocs, "build", "--quiet", "--site-dir", tmp_path / "elsewhere"], cwd=incremental, check=True)
    assert (incremental / "public" / paper).exists()  # not built here yet
    built = run("-v", "build", "--project", incremental)
    assert "0 pages written" in built and "incremental build" in built
    assert not (incremental / "public" / paper).exists()
    assert_a_full_build_of_its_graph_is_the_same(incremental, tmp_path / "full" / "site")


def test_an_incremental_build_remakes_only_the_entity_pages_whose_views_changed(tmp_path: Path, inputs) -> None:
    # Entity pages and twins are made again only when what they are made from changed (a digest
    # of their views or triples, kept in .paperkg/made-from). Shown with generated files edited
    # behind paperkg's back: an incremental build leaves those it need not make, a full build
    # makes everything.
    snapshot, update = inputs
    site = built_site(tmp_path / "site", snapshot)
    docs = site / "site"
    untouched = sorted(docs.glob("author/*/index.md"))[0]
    twin = site / ".paperkg" / "twins" / untouched.relative_to(docs).with_name("index.ttl")
    (original_page, original_twin) = untouched.read_bytes(), twin.read_bytes()
    untouched.write_bytes(original_page + b"\nedited\n")
    twin.write_bytes(original_twin + b"# edited\n")
    run("ingest", "--project", site, update)
    run("build", "--project", site)
    assert untouched.read_bytes().endswith(b"\nedited\n") and twin.read_bytes().endswith(b"# edited\n")
    new_paper = next(p for p in docs.glob("paper/*/index.md") if p.stat().st_mtime > untouched.stat().st_mtime)
    assert new_paper.is_file()  # what changed was made
    run("build", "--full", "--project", site)
    assert untouched.read_bytes() == original_page and twin.read_bytes() == original_twin


def test_a_build_that_fails_while_making_its_pages_keeps_no_state(tmp_path: Path, inputs) -> None:
    # What the next build starts from is pickled while the pages are made; its index is written
    # only once they are, so after a failure the next build makes everything again.
    snapshot, update = inputs
    site = built_site(tmp_path / "site", snapshot)
    index = site / ".paperkg" / "state" / "index.pickle"
    assert index.is_file()
    run("ingest", "--project", site, update)
    broken = site / "templates" / "topic.md.j2"
    broken.parent.mkdir(exist_ok=True)
    broken.write_text("{{ no_such_thing.here }}\n", "utf-8")
    result = CliRunner().invoke(main, ["build", "--project", str(site)])
    assert result.exit_code != 0 and "topic.md.j2" in result.output
    assert not index.exists()
    broken.unlink()
    assert "full build" in run("-v", "build", "--project", site)
    assert index.is_file()
