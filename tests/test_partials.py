"""Material's navigation partials, rendered once per directory of pages outside the nav
(partials.py), give every page the HTML they give it rendered for that page alone."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from paperkg import plugin
from paperkg.build import build_fingerprint
from paperkg.cli import main
from paperkg.config import load_project
from tests.conftest import HOSTILE, QUERY_FEEDS, new_project


def run(*args: str | Path) -> None:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def configure(project: Path, **settings: object) -> None:
    config = project / "mkdocs.yml"
    config.write_text(yaml.safe_dump({**yaml.safe_load(config.read_text("utf-8")), **settings}, sort_keys=False))


@pytest.mark.parametrize("directory_urls", [True, False])
def test_a_site_with_shared_navigation_equals_one_without(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, directory_urls: bool
) -> None:
    project = new_project(tmp_path / "site", [*QUERY_FEEDS, HOSTILE])
    configure(project, use_directory_urls=directory_urls)
    shared: list[list[str]] = []
    share = plugin.share_navigation
    monkeypatch.setattr(plugin, "share_navigation", lambda *args: shared.append(share(*args)) or shared[-1])
    run("build", "--project", project)
    assert shared == [["partials/nav.html", "partials/tabs.html"]]
    with_sharing = tree(project / "public")
    assert sum(name.endswith(".html") for name in with_sharing) > 300

    monkeypatch.setattr(plugin, "share_navigation", lambda *args: [])
    run("build", "--full", "--project", project)
    assert tree(project / "public") == with_sharing


def test_a_sites_own_navigation_partial_renders_for_every_page(tmp_path: Path) -> None:
    project = new_project(tmp_path / "site", QUERY_FEEDS)
    overrides = project / "overrides" / "partials"
    overrides.mkdir(parents=True)
    (overrides / "nav.html").write_text('<nav class="own">{{ page.title }}</nav>\n', "utf-8")
    settings = yaml.safe_load((project / "mkdocs.yml").read_text("utf-8"))
    configure(project, theme={**settings["theme"], "custom_dir": "overrides"})
    run("build", "--project", project)
    pages = list((project / "public" / "paper").glob("*/index.html"))
    assert len(pages) > 10
    for page in pages:
        title = (project / "site" / "paper" / page.parent.name / "index.md").read_text("utf-8").split('"')[1]
        assert f'<nav class="own">{title}</nav>' in page.read_text("utf-8")


def test_a_moved_site_with_its_own_theme_files_keeps_its_html(tmp_path: Path) -> None:
    project = new_project(tmp_path / "site", QUERY_FEEDS)
    (project / "overrides" / "partials").mkdir(parents=True)
    (project / "overrides" / "partials" / "nav.html").write_text("<nav>{{ page.title }}</nav>\n", "utf-8")
    settings = yaml.safe_load((project / "mkdocs.yml").read_text("utf-8"))
    configure(project, theme={**settings["theme"], "custom_dir": "overrides"})
    before = build_fingerprint(load_project(project).config)
    moved = project.rename(tmp_path / "moved")
    assert build_fingerprint(load_project(moved).config) == before  # an incremental build, not a full one
    (moved / "overrides" / "partials" / "nav.html").write_text("<nav class=x>{{ page.title }}</nav>\n", "utf-8")
    assert build_fingerprint(load_project(moved).config) != before
