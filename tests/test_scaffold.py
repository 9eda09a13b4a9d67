"""`paperkg new`: a git repository with paperkg's merge driver, and CI files for GitHub and
GitLab whose every `paperkg` command line is one the CLI accepts."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner

from paperkg import __version__
from paperkg.cli import main
from paperkg.config import load_project
from paperkg.gitrepo import GITATTRIBUTES, MERGE_DRIVER, merge_driver_command
from paperkg.harvest.run import HarvestSettings
from paperkg.plugin import without_pages

ROOT = Path(__file__).parent.parent
GITHUB = ".github/workflows/update.yml"
GITLAB = ".gitlab-ci.yml"
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@pytest.fixture
def isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """git reads no user or system configuration, and finds no repository above tmp_path."""
    empty = tmp_path / "gitconfig"
    empty.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(name, raising=False)


def new(directory: Path) -> Path:
    result = CliRunner().invoke(main, ["new", str(directory)])
    assert result.exit_code == 0, result.output
    return directory


def git(directory: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=directory, capture_output=True, text=True, check=check)


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new site, for the tests that only read its files."""
    return new(tmp_path_factory.mktemp("scaffold") / "site")


# --- the repository ---------------------------------------------------------------------


@needs_git
def test_new_makes_a_repository_with_the_merge_driver(tmp_path: Path, isolated_git: None) -> None:
    site = new(tmp_path / "site")
    assert (site / ".git").is_dir()
    assert (site / ".gitattributes").read_text() == GITATTRIBUTES
    assert git(site, "config", "merge.paperkg.driver").stdout.strip() == merge_driver_command()
    assert git(site, "symbolic-ref", "HEAD").stdout.strip() == "refs/heads/main"
    assert git(site, "rev-parse", "--verify", "HEAD", check=False).returncode != 0  # no commit: the user makes it
    assert git(site, "check-attr", "merge", "graph/papers/2026-05.ttl").stdout.strip().endswith(": merge: paperkg")
    # public/ stays out of git; the CI files do not
    assert git(site, "check-ignore", "-q", "public/index.html", check=False).returncode == 0
    for kept in (GITHUB, GITLAB, ".gitattributes", "graph/vocab.ttl", "mkdocs.yml"):
        assert git(site, "check-ignore", "-q", kept, check=False).returncode == 1, kept
    untracked = git(site, "status", "--porcelain", "--untracked-files=all").stdout
    assert f"?? {GITHUB}" in untracked and f"?? {GITLAB}" in untracked


@needs_git
def test_new_inside_a_repository_does_not_nest_one(tmp_path: Path, isolated_git: None) -> None:
    outer = tmp_path / "outer"
    outer.mkdir()
    git(outer, "init", "--quiet")
    site = new(outer / "sites" / "site")
    assert not (site / ".git").exists()
    assert (site / ".gitattributes").read_text() == GITATTRIBUTES
    assert git(site, "rev-parse", "--show-toplevel").stdout.strip() == str(outer.resolve())


def test_new_without_git_writes_the_site_all_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nothing = tmp_path / "bin"
    nothing.mkdir()
    monkeypatch.setenv("PATH", str(nothing))
    site = new(tmp_path / "site")
    assert not (site / ".git").exists()
    assert (site / ".gitattributes").is_file() and (site / GITHUB).is_file() and (site / GITLAB).is_file()


# --- the CI files -----------------------------------------------------------------------


def test_github_workflow_is_a_daily_update_and_publish(scaffolded: Path) -> None:
    workflow = yaml.safe_load((scaffolded / GITHUB).read_text())
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads the key `on` as true
    assert [entry["cron"] for entry in on["schedule"]] and all(
        len(entry["cron"].split()) == 5 for entry in on["schedule"])
    assert "workflow_dispatch" in on
    assert workflow["permissions"]["contents"] == "write"
    (job,) = workflow["jobs"].values()
    uses = [step.get("uses", "") for step in job["steps"]]
    assert "actions/checkout@v4" in uses and "actions/setup-python@v5" in uses
    checkout = job["steps"][uses.index("actions/checkout@v4")]
    assert checkout["with"]["fetch-depth"] == 0
    assert [line for line in run_lines(workflow) if line.startswith("paperkg update")] == ["paperkg update --publish"]
    assert workflow["env"]["PAPERKG_SPEC"] == f"paperkg=={__version__}"


def test_gitlab_ci_has_a_pages_job_that_exposes_public(scaffolded: Path) -> None:
    ci = yaml.safe_load((scaffolded / GITLAB).read_text())
    assert "public" in ci["pages"]["artifacts"]["paths"]
    assert "paperkg build" in run_lines(ci["pages"])
    assert "paperkg update" in run_lines(ci["update"])
    assert ci["update"]["rules"][0]["if"].startswith('$CI_PIPELINE_SOURCE == "schedule"')
    assert ci["variables"]["PAPERKG_SPEC"] == f"paperkg=={__version__}"


def run_lines(node: object) -> list[str]:
    """Every shell line of a workflow: the `run:` of GitHub's steps, the `script:`,
    `before_script:` and `after_script:` of GitLab's jobs."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "run" and isinstance(value, str):
                found += value.splitlines()
            elif key in ("script", "before_script", "after_script"):
                for entry in [value] if isinstance(value, str) else value:
                    found += entry.splitlines()
            else:
                found += run_lines(value)
    elif isinstance(node, list):
        for item in node:
            found += run_lines(item)
    return [line.strip() for line in found if line.strip()]


def paperkg_commands(lines: list[str]) -> list[list[str]]:
    """The `paperkg ...` commands in shell lines, as argument lists (after `paperkg`)."""
    commands = []
    for line in lines:
        words: list[str] = []
        for word in [*shlex.split(line, comments=True), ";"]:
            if word in (";", "&&", "||", "|"):
                if words[:1] == ["paperkg"]:
                    commands.append(words[1:])
                words = []
            else:
                words.append(word)
    return commands


def check_command(args: list[str]) -> str:
    """Resolve a paperkg command line in the CLI and check its options; returns its name."""
    command: click.Command = main
    options = [o for p in main.params for o in p.opts]
    name = None
    for word in args:
        if word.startswith("-"):
            assert word.split("=", 1)[0] in options, f"paperkg {' '.join(args)}: {word} is not an option of {name}"
        elif name is None:
            assert word in main.commands, f"paperkg {' '.join(args)}: no command {word!r}"
            name, command = word, main.commands[word]
            options = [o for p in command.params for o in p.opts] + ["--help"]
    assert name is not None, f"paperkg {' '.join(args)}: no command"
    return name


def test_every_paperkg_command_in_the_ci_files_and_readme_is_real(scaffolded: Path) -> None:
    github = paperkg_commands(run_lines(yaml.safe_load((scaffolded / GITHUB).read_text())))
    gitlab = paperkg_commands(run_lines(yaml.safe_load((scaffolded / GITLAB).read_text())))
    assert {check_command(c) for c in github} == {"update", "publish"}
    assert {check_command(c) for c in gitlab} == {"update", "build"}
    readme = (scaffolded / "README.md").read_text()
    shown = paperkg_commands([line for line in readme.splitlines() if line.startswith("    paperkg ")])
    assert {check_command(c) for c in shown} >= {"update", "publish", "serve", "build"}
    assert f'git config merge.paperkg.driver "{MERGE_DRIVER}"' in readme


def test_the_ci_installs_paperkg_alone(scaffolded: Path) -> None:
    """The search index is paperkg's own: no Node.js, no npm package for it."""
    for name in (GITHUB, GITLAB):
        text = (scaffolded / name).read_text()
        assert "npm install" not in text and "pagefind" not in text.lower(), name
        assert 'pip install "$PAPERKG_SPEC"' in text, name


# --- mkdocs.yml -------------------------------------------------------------------------


def test_the_commented_harvest_queries_are_a_working_example(tmp_path: Path) -> None:
    site = new(tmp_path / "site")
    config = site / "mkdocs.yml"
    text = config.read_text()
    assert load_project(site).plugin_config.harvest["queries"] == []
    example = re.search(r"^( *)# harvest:\n(?:\1#   .*\n)+", text, re.MULTILINE)
    assert example is not None
    indent = example.group(1)
    config.write_text(text.replace(example.group(0), example.group(0).replace(f"{indent}# ", indent)))
    assert HarvestSettings.from_project(load_project(site)).queries == ("cat:cs.DL",)


def test_pages_turned_off_leave_the_nav_and_the_build_stays_strict(tmp_path: Path) -> None:
    site = new(tmp_path / "site")
    config = site / "mkdocs.yml"
    text = config.read_text()
    assert "search/index.md" in text and "sparql/index.md" in text  # the scaffold's nav has both
    off = "      page_size: 100\n      search: false\n      sparql: false\n"
    config.write_text(text.replace("      page_size: 100\n", off))
    feed = ROOT / "tests" / "fixtures" / "seed" / "seed-feed.xml"
    for args in (["ingest", "--project", site, feed], ["build", "--project", site]):
        result = CliRunner().invoke(main, [str(arg) for arg in args])
        assert result.exit_code == 0, result.output
    public = site / "public"
    assert not (public / "search").exists() and not (public / "sparql").exists()
    home = (public / "index.html").read_text()
    assert 'href="papers/"' in home and 'href="search/"' not in home and 'href="sparql/"' not in home
    result = CliRunner().invoke(main, ["-v", "build", "--project", str(site)])  # the next build has nothing to do
    assert result.exit_code == 0, result.output
    assert "graph, templates and settings unchanged" in result.output


def test_without_pages_drops_entries_and_emptied_sections() -> None:
    nav = ["index.md", {"Search": "search/index.md"},
           {"Tools": [{"SPARQL": "/sparql/index.md"}, "search/index.md"]},
           {"More": [{"Dataset": "dataset/index.md"}, {"Query": "sparql/index.md"}]}]
    assert without_pages(nav, {"search/index.md", "sparql/index.md"}) == [
        "index.md", {"More": [{"Dataset": "dataset/index.md"}]}]
