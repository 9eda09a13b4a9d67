"""`paperkg build --jobs N` deals the pages out to N processes: the site is the serial build's,
file for file, and what a worker logs (a broken link) still fails the strict build."""

from __future__ import annotations

import gc
import logging
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort

from paperkg import collector, parallel
from paperkg.cli import main
from tests.conftest import QUERY_FEEDS, new_project


def build(directory: Path, *args: str):
    return CliRunner().invoke(main, ["build", "--project", str(directory), *args])


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_parallel_build_equals_the_serial_build(tmp_path: Path) -> None:
    directory = new_project(tmp_path / "site", QUERY_FEEDS)
    assert build(directory, "--jobs", "1").exit_code == 0
    serial = tree(directory / "public")
    result = build(directory, "--full", "--jobs", "3")
    assert result.exit_code == 0, result.output
    assert tree(directory / "public") == serial
    assert sum(1 for name in serial if name.endswith(".html")) > 100


def test_a_broken_link_in_a_workers_page_fails_the_build(tmp_path: Path) -> None:
    directory = new_project(tmp_path / "site", QUERY_FEEDS)
    # every author page links nowhere: most of them are built by the workers
    (directory / "templates" / "author.md.j2").write_text("# {{ person.ref.name }}\n\n[broken](nowhere/index.md)\n")
    result = build(directory, "--jobs", "2")
    assert result.exit_code == 1
    assert "nowhere/index.md" in result.output and "strict mode" in result.output


def test_what_a_worker_logs_or_raises_reaches_the_parent(caplog: pytest.LogCaptureFixture) -> None:
    def warns() -> None:
        logging.getLogger("mkdocs.structure.pages").warning("Doc file 'a.md' contains a link 'b.md', not found.")

    with caplog.at_level(logging.INFO):
        parallel._collect(*parallel._fork(warns))
    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == [
        ("mkdocs.structure.pages", logging.WARNING, "Doc file 'a.md' contains a link 'b.md', not found.")]

    def fails() -> None:
        raise ValueError("template error")

    with pytest.raises(Abort, match="a build worker failed: ValueError: template error"):
        parallel._collect(*parallel._fork(fails))


def test_clearing_the_site_directory_keeps_hidden_entries_and_deletes_the_rest(tmp_path: Path) -> None:
    site = tmp_path / "public"
    (site / "paper" / "x").mkdir(parents=True)
    (site / "paper" / "x" / "index.html").write_text("old")
    (site / "index.html").write_text("old")
    (site / ".git").mkdir()
    (site / ".git" / "HEAD").write_text("ref")
    (site / ".nojekyll").write_text("")
    (site / f"{parallel.ASIDE_PREFIX}left").mkdir()  # left by a killed build
    (site / f"{parallel.ASIDE_PREFIX}left" / "stale.html").write_text("old")

    clearing = parallel.clear_directory(str(site))
    assert sorted(p.name for p in site.iterdir() if not p.name.startswith(parallel.ASIDE_PREFIX)) == [
        ".git", ".nojekyll"]  # at once: the build may write its new files now
    (site / "index.html").write_text("new")
    clearing.wait()
    assert tree(site) == {".git/HEAD": b"ref", ".nojekyll": b"", "index.html": b"new"}
    assert parallel.clear_directory(str(tmp_path / "missing")) is None


def test_background_work_runs_in_a_child_and_gives_back_its_result_or_its_error(tmp_path: Path) -> None:
    started = tmp_path / "started"
    go = tmp_path / "go"

    def work() -> tuple[int, str]:
        started.write_text("")
        while not go.exists():  # waits for this process: it cannot be running here
            pass
        return os.getpid(), "done"

    child = parallel.Background(work)
    while not started.exists():
        pass
    go.write_text("")
    pid, value = child.result()
    assert value == "done" and pid != os.getpid()
    assert child.result() == (pid, "done")  # asked again: the same answer

    def fails() -> None:
        raise FileNotFoundError("twins/paper/x/index.ttl")

    with pytest.raises(FileNotFoundError, match="index.ttl"):
        parallel.Background(fails).result()


def test_gated_work_hears_go_or_stop_once_whatever_comes_after() -> None:
    def work(proceed) -> tuple[int, bool]:
        return os.getpid(), proceed()

    went = parallel.Gated(work)
    went.go()
    went.stop()  # after go: nothing, and no descriptor closed twice
    went.stop()
    pid, told = went.result()
    assert told is True and pid != os.getpid()

    stopped = parallel.Gated(work)
    stopped.stop()
    stopped.stop()
    stopped.go()  # too late: the child was told to stop
    assert stopped.result()[1] is False


def test_what_lives_through_the_block_is_out_of_the_collectors_sight_in_it_and_back_in_after() -> None:
    class Node:
        pass

    alive = [Node() for _ in range(1000)]
    with collector.long_lived():
        assert gc.get_freeze_count() >= len(alive)
        assert not any(node in gc.get_objects() for node in alive[:3])
        # a forked worker sees them frozen too: it never walks (and so copies) the parent's objects
        assert parallel.Background(gc.get_freeze_count).result() >= len(alive)
    assert gc.get_freeze_count() == 0 and alive[0] in gc.get_objects()
    with pytest.raises(RuntimeError), collector.long_lived():
        raise RuntimeError("a failed stage")
    assert gc.get_freeze_count() == 0  # after a failure too


def seen(thing: object) -> bool:
    """Whether the collector tracks `thing` (by identity: some objects' == raises)."""
    return any(tracked is thing for tracked in gc.get_objects())


def test_nested_blocks_and_what_is_kept_inside_stay_frozen_until_the_outermost_ends() -> None:
    class Node:
        pass

    with pytest.raises(RuntimeError, match="outside"):
        collector.keep()
    with collector.long_lived():
        with collector.paused():
            made = [Node() for _ in range(1000)]  # as the views are made: with the collector paused
            collector.keep()
        assert gc.isenabled() and not any(map(seen, made[:3]))
        with collector.long_lived():  # a stage forking its workers
            later = Node()
        assert seen(later) and not seen(made[0])
    assert gc.get_freeze_count() == 0 and seen(made[0])


def plain_site(root: Path, pages: dict[str, str]) -> MkDocsConfig:
    """A small MkDocs site without paperkg: its config, loaded."""
    for path, text in pages.items():
        (root / "docs" / path).parent.mkdir(parents=True, exist_ok=True)
        (root / "docs" / path).write_text(text)
    (root / "mkdocs.yml").write_text("site_name: plain\nuse_directory_urls: true\n")
    return load_config(str(root / "mkdocs.yml"))


def test_a_dirty_build_builds_the_pages_it_is_told_changed_and_no_others(tmp_path: Path) -> None:
    pages = {"index.md": "# Home\n", **{f"p{n}.md": f"# Page {n}\n\nfirst\n" for n in range(8)}}
    parallel.build(plain_site(tmp_path, pages), workers=2)
    for n in range(8):  # every page edited; the caller says two of them changed
        (tmp_path / "docs" / f"p{n}.md").write_text(f"# Page {n}\n\nsecond\n")
    told = {"p2.md", "p5.md"}
    parallel.build(load_config(str(tmp_path / "mkdocs.yml")), dirty=True, workers=2,
                   changed=lambda file: file.src_uri in told)
    built = {n for n in range(8) if "second" in (tmp_path / "site" / f"p{n}" / "index.html").read_text()}
    assert built == {2, 5}
    # without the caller's word, MkDocs' own comparison of modification times decides
    parallel.build(load_config(str(tmp_path / "mkdocs.yml")), dirty=True, workers=2)
    assert all("second" in (tmp_path / "site" / f"p{n}" / "index.html").read_text() for n in range(8))
