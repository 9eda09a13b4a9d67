"""The merge driver for graph/ files (paperkg.graph.gitmerge), through real `git merge` in
throw-away repositories, and merge_file itself on small hand-written versions."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from kaggle_snapshot import write_snapshot  # scripts/, put on sys.path by conftest

from paperkg.cli import main
from paperkg.config import load_project
from paperkg.gitrepo import GITATTRIBUTES
from paperkg.graph.gitmerge import merge_file
from paperkg.graph.store import load_graph
from paperkg.ids import id_month, slugify
from paperkg.sources import open_source

FIXTURES = (Path(__file__).parent / "fixtures").resolve()
API = FIXTURES / "arxiv-api" / "2026"
SEED = FIXTURES / "seed" / "seed-feed.xml"
# Two pages of the same search, disjoint: both hold a paper of 2022-02 (graph/papers/2022-02.ttl
# is added on both sides), both add persons to the same letter files, and both add the same
# new persons (Helge Spieker, Arnaud Gotlieb, Leonardo Mariani appear on each page).
PAGE_A = API / "q_testing_s0_m10.xml"
PAGE_B = API / "q_testing_s10_m10.xml"
V1 = API / "id_2104.12255v1_s0_m100.xml"  # one paper, one author
MARKERS = ("<<<<<<< ", ">>>>>>> ")


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    # No user or system configuration: only what the test sets.
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1", GIT_AUTHOR_NAME="t",
               GIT_AUTHOR_EMAIL="t@example.org", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.org")
    done = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True)
    if check:
        assert done.returncode == 0, f"git {' '.join(args)}: {done.stdout}{done.stderr}"
    return done


def paperkg(*args: str) -> None:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output


def ingest(project: Path, *feeds: Path) -> None:
    # Feeds by the same absolute path everywhere: the graph names its source files as given.
    paperkg("ingest", "--project", str(project), *map(str, feeds))


def fresh_project(directory: Path, *feeds: Path) -> Path:
    paperkg("new", str(directory))
    ingest(directory, *feeds)
    return directory


def site_repo(directory: Path, *feeds: Path, driver: bool = True) -> Path:
    """A site in git, its graph made of `feeds` and committed on `main`."""
    fresh_project(directory, *feeds)  # `paperkg new`: a repository, .gitattributes, the driver registered
    assert (directory / ".gitattributes").read_text("utf-8") == GITATTRIBUTES
    if not driver:
        git(directory, "config", "--remove-section", "merge.paperkg")
    commit(directory, "base")
    return directory


def commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def branch(repo: Path, name: str, start: str, *feeds: Path) -> None:
    git(repo, "checkout", "-q", "-b", name, start)
    ingest(repo, *feeds)
    commit(repo, name)


def graph_files(project: Path) -> dict[str, bytes]:
    graph = project / "graph"
    return {p.relative_to(graph).as_posix(): p.read_bytes() for p in sorted(graph.rglob("*")) if p.is_file()}


def with_markers(project: Path) -> list[str]:
    return [name for name, data in graph_files(project).items()
            if any(marker.encode() in data for marker in MARKERS)]


def two_harvests(repo: Path) -> None:
    """Branch a ingests PAGE_A and branch b PAGE_B, both from main; b is checked out."""
    branch(repo, "a", "main", PAGE_A)
    branch(repo, "b", "main", PAGE_B)


# --- real git merges ------------------------------------------------------------------------


def test_branches_with_different_papers_merge_into_what_ingesting_both_writes(tmp_path: Path) -> None:
    repo = site_repo(tmp_path / "repo" / "site", SEED)
    two_harvests(repo)
    git(repo, "branch", "b0")  # b before the merge
    before = graph_files(repo)
    merged = git(repo, "merge", "--no-edit", "a", check=False)
    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert with_markers(repo) == []
    # The scenario really has both sides changing the same files (else git never needs a driver).
    touched_by_a = set(git(repo, "diff", "--name-only", "main", "a", "--", "graph").stdout.split())
    touched_by_b = set(git(repo, "diff", "--name-only", "main", "b", "--", "graph").stdout.split())
    assert {"graph/papers/2022-02.ttl", "graph/authors/a.ttl"} <= touched_by_a & touched_by_b
    assert graph_files(repo) != before

    # The same directory name gives the same site_url, so the same IRIs.
    fresh = fresh_project(tmp_path / "fresh" / "site", SEED, PAGE_A, PAGE_B)
    assert graph_files(repo) == graph_files(fresh)
    assert len(load_graph(repo / "graph", load_project(repo).iris)) > 0

    # Merging the other way round gives the same tree.
    git(repo, "checkout", "-q", "-b", "a2", "a")
    git(repo, "merge", "--no-edit", "b0")
    assert git(repo, "rev-list", "--count", "a2").stdout == git(repo, "rev-list", "--count", "b").stdout
    assert git(repo, "rev-parse", "a2^{tree}").stdout == git(repo, "rev-parse", "b^{tree}").stdout


def test_without_the_driver_the_same_branches_conflict(tmp_path: Path) -> None:
    # The control for the test above: git's text merge cannot merge these branches (two papers
    # of 2022-02 added on both sides as a new file, new persons next to each other in author
    # files), so the clean merge there is the driver's doing.
    repo = site_repo(tmp_path / "site", SEED, driver=False)
    two_harvests(repo)
    merged = git(repo, "merge", "--no-edit", "a", check=False)
    assert merged.returncode != 0
    assert "CONFLICT" in merged.stdout
    assert "papers/2022-02.ttl" in " ".join(with_markers(repo))


def test_the_same_paper_changed_on_both_sides_conflicts(tmp_path: Path) -> None:
    # v2 of the paper, as arXiv would answer after a revision: a new version, date and title.
    v2 = tmp_path / "id_2104.12255v2.xml"
    text = V1.read_text("utf-8").replace("2104.12255v1", "2104.12255v2")
    text = text.replace("<title>0</title>", "<title>0, revised</title>")
    v2.write_text(text.replace("<updated>2021-04-20T16:07:14Z</updated>", "<updated>2021-05-03T08:00:00Z</updated>"))
    repo = site_repo(tmp_path / "site", SEED)
    branch(repo, "a", "main", V1)
    branch(repo, "b", "main", v2)
    merged = git(repo, "merge", "--no-edit", "a", check=False)
    assert merged.returncode != 0
    assert "CONFLICT (add/add): Merge conflict in graph/papers/2021-04.ttl" in merged.stdout
    assert with_markers(repo) == ["papers/2021-04.ttl"]
    unmerged = git(repo, "diff", "--name-only", "--diff-filter=U").stdout.split()
    assert unmerged == ["graph/papers/2021-04.ttl"]
    # The author is the same person on both sides: the author file is no conflict.
    assert b"Quan Thoi Minh Nguyen" in (repo / "graph" / "authors" / "q.ttl").read_bytes()


def test_adding_one_paper_to_a_thousand_changes_a_few_files_and_lines(tmp_path: Path) -> None:
    snapshot = tmp_path / "snapshot.jsonl"
    write_snapshot(snapshot, 1000, 7)
    repo = site_repo(tmp_path / "site", snapshot)
    feed = API / "id_1605.08386_s0_m100.xml"
    (paper,) = open_source(feed).papers
    authors = len(paper.authors)
    month_file = f"graph/papers/{id_month(paper.arxiv_id)}.ttl"
    letter_files = {f"graph/authors/{slugify(a.name)[0]}.ttl" for a in paper.authors}
    # Inserted into files that already hold other papers and persons (no new header), by
    # persons the synthetic graph does not have yet (one new block each).
    assert all((repo / name).exists() for name in (month_file, *letter_files))
    assert not any(a.name.encode() in (repo / name).read_bytes() for a in paper.authors for name in letter_files)

    ingest(repo, feed)
    git(repo, "add", "-A")
    numstat = [line.split("\t") for line in git(repo, "diff", "--cached", "--numstat").stdout.splitlines()]
    changed = {path: (int(added), int(deleted)) for added, deleted, path in numstat}
    # Files: the month file and a letter file per author (at most), plus one for a checkpoint
    # or provenance file (ingest writes none today).
    assert len(changed) <= 1 + authors + 1, changed
    assert {month_file} | letter_files <= changed.keys(), changed
    # Lines, from the shard format: in the month file the paper block (about 20 lines: types,
    # ids, title, abstract, dates, a few topics) and its document (4 + subject + blank line)
    # and version (6 + subject + blank) blocks, at most 60 together; per author 2 lines of the
    # paper block and an authorship block (5 + blank). In a letter file, one person block per
    # author (at most 8 + blank). Every block is an insertion between blocks that stay: no line
    # is deleted. A rewritten or reordered file breaks these bounds by hundreds of lines.
    added_to_month, deleted_from_month = changed.pop(month_file)
    assert added_to_month <= 60 + (2 + 6) * authors, added_to_month
    assert sum(added for added, _ in changed.values()) <= 9 * authors, changed
    assert deleted_from_month == 0 and all(deleted == 0 for _, deleted in changed.values()), changed


# --- merge_file on hand-written versions ----------------------------------------------------

HEADER = "@prefix schema: <https://schema.org/> .\n@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n\n"
PAPER = '<paper/2101.00001/#it>\n    schema:name "One" .\n'
PAPER_DOC = '<paper/2101.00001/>\n    schema:name "doc" .\n'
AUTHOR_2 = '<paper/2101.00001/#author-2>\n    schema:position 2 .\n'
AUTHOR_10 = '<paper/2101.00001/#author-10>\n    schema:position 10 .\n'
OTHER = '<paper/2101.00002/#it>\n    schema:name "Two" .\n'


def shard(*blocks: str) -> str:
    return HEADER + "\n".join(blocks) if blocks else ""


def merge(tmp_path: Path, base: str, ours: str, theirs: str, path: str = "graph/papers/2021-01.ttl",
          ) -> tuple[bool, str]:
    files = []
    for name, text in (("base", base), ("ours", ours), ("theirs", theirs)):
        files.append(tmp_path / name)
        files[-1].write_text(text, "utf-8")
    clean = merge_file(files[0], files[1], files[2], path)
    return clean, files[1].read_text("utf-8")


def test_blocks_added_on_both_sides_merge_in_the_stores_order(tmp_path: Path) -> None:
    # #it first, then the document, then fragments in numeric order (#author-2 before -10).
    clean, merged = merge(tmp_path, shard(PAPER_DOC), shard(PAPER, PAPER_DOC, AUTHOR_10),
                          shard(PAPER_DOC, AUTHOR_2, OTHER))
    assert clean
    assert merged == shard(PAPER, PAPER_DOC, AUTHOR_2, AUTHOR_10, OTHER)


def test_a_block_deleted_on_one_side_and_another_added_on_the_other(tmp_path: Path) -> None:
    clean, merged = merge(tmp_path, shard(PAPER, OTHER), shard(PAPER), shard(PAPER, AUTHOR_2, OTHER))
    assert clean
    assert merged == shard(PAPER, AUTHOR_2)


def test_the_same_block_added_on_both_sides_and_an_empty_base(tmp_path: Path) -> None:
    # git passes an empty base when the file was added on both sides.
    clean, merged = merge(tmp_path, "", shard(PAPER, OTHER), shard(PAPER))
    assert clean
    assert merged == shard(PAPER, OTHER)
    assert merged.startswith(HEADER)


def test_a_block_changed_on_one_side_is_taken(tmp_path: Path) -> None:
    changed = PAPER.replace('"One"', '"One, revised"')
    clean, merged = merge(tmp_path, shard(PAPER, OTHER), shard(PAPER, OTHER), shard(changed, OTHER))
    assert clean
    assert merged == shard(changed, OTHER)


def test_a_block_changed_differently_on_both_sides_conflicts_with_markers(tmp_path: Path) -> None:
    ours_version = PAPER.replace('"One"', '"One, ours"')
    theirs_version = PAPER.replace('"One"', '"One, theirs"')
    clean, merged = merge(tmp_path, shard(PAPER), shard(ours_version), shard(theirs_version))
    assert not clean
    assert "<<<<<<< ours\n" in merged and ">>>>>>> theirs\n" in merged
    assert '"One, ours"' in merged and '"One, theirs"' in merged


def test_two_changes_to_one_block_conflict_even_where_their_lines_merge(tmp_path: Path) -> None:
    lines = "".join(f'    schema:p{i} "{i}" ;\n' for i in range(6))
    block = f'<paper/2101.00001/#it>\n{lines}    schema:z "z" .\n'
    ours_version, theirs_version = block.replace('"1"', '"one"'), block.replace('"5"', '"five"')
    clean, merged = merge(tmp_path, shard(block), shard(ours_version), shard(theirs_version))
    assert not clean
    assert merged == shard(ours_version.replace('"5"', '"five"'))  # git's text merge, for a look


def test_a_block_deleted_on_one_side_and_changed_on_the_other_conflicts(tmp_path: Path) -> None:
    changed = PAPER.replace('"One"', '"One, revised"')
    clean, merged = merge(tmp_path, shard(PAPER, OTHER), shard(OTHER), shard(changed, OTHER))
    assert not clean
    assert "<<<<<<< ours" in merged


def test_a_file_not_in_paperkgs_form_gets_gits_text_merge(tmp_path: Path) -> None:
    # Out of order (edited by hand): not rewritten, merged as lines (cleanly, here).
    unsorted = HEADER + OTHER + "\n" + PAPER
    clean, merged = merge(tmp_path, unsorted, unsorted + "\n" + AUTHOR_2, unsorted)
    assert clean
    assert merged == unsorted + "\n" + AUTHOR_2


def test_other_files_get_gits_text_merge(tmp_path: Path) -> None:
    clean, merged = merge(tmp_path, "a\nb\nc\n", "A\nb\nc\n", "a\nb\nC\n", path="graph/shapes.ttx")
    assert clean
    assert merged == "A\nb\nC\n"


def state(**queries: dict | None) -> str:
    data = {"queries": {key.replace("_", ":"): value for key, value in queries.items()}}
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def finished(watermark: str | None) -> dict:
    return {"watermark": watermark, "run": None}


RUNNING = {"watermark": None, "run": {"mode": "full", "windows": [], "received": 10, "newest": None, "token": None}}
STATE_PATH = "graph/harvest-state.json"


def test_two_finished_runs_of_one_query_keep_the_later_watermark(tmp_path: Path) -> None:
    base = state(cat_cs=finished("2026-01-01T00:00:00Z"))
    later, earlier = finished("2026-03-02T10:00:00Z"), finished("2026-02-01T00:00:00Z")
    for ours, theirs in ((later, earlier), (earlier, later)):
        clean, merged = merge(tmp_path, base, state(cat_cs=ours), state(cat_cs=theirs), STATE_PATH)
        assert clean
        assert merged == state(cat_cs=later)
    # A first run on both sides (no base, the file added twice): null is the oldest watermark.
    clean, merged = merge(tmp_path, "", state(cat_cs=finished(None)), state(cat_cs=earlier), STATE_PATH)
    assert clean and merged == state(cat_cs=earlier)


def test_different_queries_on_each_side_are_both_kept(tmp_path: Path) -> None:
    base = state(cat_cs=finished("2026-01-01T00:00:00Z"))
    ours = state(cat_cs=finished("2026-01-01T00:00:00Z"), cat_math=RUNNING)
    theirs = state(cat_cs=finished("2026-02-01T00:00:00Z"), cat_physics=finished("2026-02-02T00:00:00Z"))
    clean, merged = merge(tmp_path, base, ours, theirs, STATE_PATH)
    assert clean
    assert merged == state(cat_cs=finished("2026-02-01T00:00:00Z"), cat_math=RUNNING,
                           cat_physics=finished("2026-02-02T00:00:00Z"))


@pytest.mark.parametrize("ours", [RUNNING, None])
def test_a_run_in_progress_or_deleted_against_a_change_conflicts(tmp_path: Path, ours: dict | None) -> None:
    base = state(cat_cs=finished("2026-01-01T00:00:00Z"))
    ours_text = state(cat_cs=ours) if ours else state()
    clean, merged = merge(tmp_path, base, ours_text, state(cat_cs=finished("2026-02-01T00:00:00Z")), STATE_PATH)
    assert not clean
    assert "<<<<<<< ours" in merged
