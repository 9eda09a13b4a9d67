"""An incremental build lists the docs_dir lazily (sitefiles.py, listing.py): File and Page
objects only for the files it works on, each directory read only when it changed, the sitemap
from stand-ins. The site is the one a full build makes, byte for byte; a file of the site's
own added anywhere is built; a broken link in a page MkDocs converts still fails the build."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from mkdocs.commands.build import get_files
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, set_exclusions
from mkdocs.structure.pages import Page

import paperkg.listing as listing
from paperkg import sitefiles
from paperkg.cli import main
from tests.conftest import FIXTURES, HOSTILE, QUERY_FEEDS, new_project

SEED = FIXTURES / "seed" / "seed-feed.xml"


def run(*args: str | Path) -> str:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def configure(project: Path, **settings: object) -> None:
    config = project / "mkdocs.yml"
    config.write_text(yaml.safe_dump({**yaml.safe_load(config.read_text("utf-8")), **settings}, sort_keys=False))


def a_paper(docs: Path) -> str:
    return sorted(docs.glob("paper/*/index.md"))[0].parent.name


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_incremental_build_equals_a_full_one_and_builds_files_added_anywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: str
) -> None:
    monkeypatch.setattr(listing, "RECENT_NS", 0)  # every directory's listing kept, however recent
    directory = new_project(tmp_path / "site", QUERY_FEEDS)
    docs, public = directory / "site", directory / "public"
    run("build", "--project", directory)
    assert "files " in run("-v", "build", "--project", directory, "--jobs", jobs)  # listed lazily, listings kept
    assert (directory / ".paperkg" / sitefiles.LISTING).is_file()

    # Between two incremental builds: new papers, and the site's own files, one in a directory of
    # generated pages the last build listed (its listing kept), one new page linking to a paper
    run("ingest", "--project", directory, HOSTILE)
    paper = a_paper(docs)
    (docs / "paper" / paper / "figure.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>\n")
    (docs / "notes").mkdir()
    (docs / "notes" / "index.md").write_text(f"# Notes\n\n[A paper](../paper/{paper}/index.md)\n")
    output = run("-v", "build", "--project", directory, "--jobs", jobs)
    assert "incremental build" in output and "files " in output
    figure = Path("paper", paper, "figure.svg")
    assert (public / figure).read_bytes() == (docs / figure).read_bytes()
    assert f'href="../paper/{paper}/"' in (public / "notes" / "index.html").read_text()

    incremental = tree(public)
    run("build", "--full", "--project", directory)
    assert tree(public) == incremental  # the sitemap (and its gzip) included
    assert b"/notes/</loc>" in incremental["sitemap.xml"]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_full_build_keeps_the_listing_the_next_build_starts_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: str
) -> None:
    monkeypatch.setattr(listing, "RECENT_NS", 0)  # every directory's listing kept, however recent
    directory = new_project(tmp_path / "site", [SEED])
    run("build", "--full", "--project", directory, "--jobs", jobs)
    kept = directory / ".paperkg" / sitefiles.LISTING
    assert kept.is_file()
    reads: list[str] = []
    read = listing._read
    monkeypatch.setattr(listing, "_read", lambda directory: reads.append(directory) or read(directory))
    assert "files " in run("-v", "build", "--project", directory)  # listed lazily
    assert reads == []  # not one directory read again: the full build's listing stands

    # and it is the docs_dir as it is: a directory changed since is read again
    (directory / "site" / "notes").mkdir()
    (directory / "site" / "notes" / "index.md").write_text("# Notes\n")
    assert "files " in run("-v", "build", "--project", directory)
    assert sorted(reads) == sorted([f"{directory / 'site'}{os.sep}", f"{directory / 'site'}{os.sep}notes/"])


def test_a_broken_link_in_a_page_mkdocs_converts_fails_an_incremental_build(tmp_path: Path) -> None:
    directory = new_project(tmp_path / "site", [SEED])
    docs = directory / "site"
    run("build", "--project", directory)
    paper = a_paper(docs)
    (docs / "notes.md").write_text(f"# Notes\n\n[A paper](paper/{paper}/index.md)\n")
    assert "files " in run("-v", "build", "--project", directory)  # the paper's page: unchanged, listed only
    assert f'href="../paper/{paper}/"' in (directory / "public" / "notes" / "index.html").read_text()

    (docs / "notes.md").write_text("# Notes\n\n[Gone](paper/9999.99999/index.md)\n")
    result = CliRunner().invoke(main, ["-v", "build", "--project", str(directory)])
    assert result.exit_code == 1
    assert "files " in result.output and "paper/9999.99999/index.md" in result.output
    assert "strict mode" in result.output


def config_for(root: Path, **settings: object) -> MkDocsConfig:
    (root / "docs").mkdir(parents=True, exist_ok=True)
    (root / "mkdocs.yml").write_text(yaml.safe_dump({"site_name": "s", **settings}))
    return load_config(str(root / "mkdocs.yml"))


PATHS = [
    "index.md", "README.md", "about.md", "a/index.md", "a/README.md", "a/b/page.md", "paper/2202.12139/index.md",
    "paper/astro-ph/0601001/index.md", "author/o-connor_j~r/index.md", "é/ü page.md", "a b/index.md",
    "x/%41.md", "x/a#b?.md", ".hidden/index.md", "a/.b/index.md", "templates/index.md", "x/templates/index.md",
    "drafts/wip.md", "notes/today.tmp.md", "x/..md", "x/-.md", "x/~/index.md", "dump/graph.nt.gz",
]


@pytest.mark.parametrize("site_url", [None, "https://e.org/", "https://e.org/site/", "https://e.org/site",
                                      "https://e.org", "https://e.org/a/../b/", "https://e.org/s//t/",
                                      "https://e.org/s/?q=1", "https://e.org/s/#top"])
@pytest.mark.parametrize("directory_urls", [True, False])
def test_page_urls_are_what_files_and_pages_make(tmp_path: Path, site_url: str | None, directory_urls: bool) -> None:
    config = config_for(tmp_path, use_directory_urls=directory_urls, **({"site_url": site_url} if site_url else {}))
    urls = sitefiles.PageUrls(config.site_url, directory_urls)
    for path in PATHS:
        if path.endswith(".md"):
            page = Page(None, File(path, config.docs_dir, config.site_dir, directory_urls), config)
            assert urls.url(path) == page.url, path
            assert urls(path) == (page.canonical_url, page.abs_url), path


@pytest.mark.parametrize("settings", [{}, {"exclude_docs": "*.tmp.md\n/drafts/\n"}, {"draft_docs": "drafts/\n"},
                                      {"exclude_docs": "!.hidden/\n", "not_in_nav": "/paper/\n"}])
def test_what_is_included_is_what_set_exclusions_says(tmp_path: Path, settings: dict[str, str]) -> None:
    config = config_for(tmp_path, **settings)
    included = sitefiles.Included(config)
    for path in PATHS:
        file = File(path, config.docs_dir, config.site_dir, True)
        set_exclusions([file], config)
        assert included(path) == file.inclusion.is_included(), path


def make_tree(docs: Path, paths: list[str]) -> None:
    for path in paths:
        (docs / path).parent.mkdir(parents=True, exist_ok=True)
        (docs / path).write_text(path)


def test_the_listing_is_in_the_order_of_mkdocs_walk(tmp_path: Path) -> None:
    config = config_for(tmp_path)
    docs = Path(config.docs_dir)
    make_tree(docs, ["z.md", "index.md", "a-b/x.md", "a/z/index.md", "a/README.md", "a/b.md", "a/B.md",
                     "a/index.txt", "a/.hidden/x.md", "é/x.md", "a/y/README.md", "a/y/notes.txt"])
    (docs / "linked").symlink_to(docs / "a" / "z", target_is_directory=True)
    (docs / "empty").mkdir()
    listed = [relative + name for relative, names in listing.list_docs(config.docs_dir) for name in names]
    walked = [file.src_uri for file in get_files(config)]  # MkDocs' own
    assert listed == walked


def test_kept_listings_read_again_only_the_directories_that_changed(tmp_path: Path, monkeypatch) -> None:
    config = config_for(tmp_path)
    docs, kept = Path(config.docs_dir), tmp_path / "kept"
    make_tree(docs, ["index.md", "paper/1/index.md", "paper/2/index.md", "author/x/index.md", "author/y/index.md"])
    monkeypatch.setattr(listing, "RECENT_NS", 0)
    first = listing.list_docs(config.docs_dir, kept)
    reads: list[str] = []
    read = listing._read
    monkeypatch.setattr(listing, "_read", lambda directory: reads.append(directory) or read(directory))
    assert listing.list_docs(config.docs_dir, kept) == first and reads == []

    (docs / "paper" / "2" / "figure.svg").write_text("<svg/>")  # by hand, into a directory kept
    (docs / "author" / "z").mkdir()
    (docs / "author" / "z" / "index.md").write_text("z")
    now = listing.list_docs(config.docs_dir, kept)
    assert sorted(Path(d).relative_to(docs).as_posix() for d in reads) == ["author", "author/z", "paper/2"]
    assert ("paper/2/", ("index.md", "figure.svg")) in now and ("author/z/", ("index.md",)) in now
    assert [relative + name for relative, names in now for name in names] == [f.src_uri for f in get_files(config)]

    reads.clear()
    (docs / "paper" / "1" / "index.md").write_text("changed")  # its directory's entries stand
    assert listing.list_docs(config.docs_dir, kept) == now and reads == []
    (docs / "author" / "x" / "index.md").unlink()  # removed by hand: its directory is read again
    now = listing.list_docs(config.docs_dir, kept)
    assert ("author/x/", ()) in now and reads == [str(docs / "author" / "x") + "/"]
    moved = tmp_path / "moved"
    os.rename(tmp_path / "docs", moved)  # another docs_dir: nothing kept is taken for it
    reads.clear()
    assert listing.list_docs(str(moved), kept) == now and len(reads) == 8


def test_a_directory_changed_just_before_the_listing_is_read_again_next_time(tmp_path: Path, monkeypatch) -> None:
    config = config_for(tmp_path)
    make_tree(Path(config.docs_dir), ["index.md", "paper/1/index.md"])
    kept = tmp_path / "kept"
    listing.list_docs(config.docs_dir, kept)  # all of them changed a moment ago: none kept
    reads: list[str] = []
    read = listing._read
    monkeypatch.setattr(listing, "_read", lambda directory: reads.append(directory) or read(directory))
    listing.list_docs(config.docs_dir, kept)
    assert len(reads) == 3


def test_where_a_lazy_file_list_cannot_be_told_apart(tmp_path: Path) -> None:
    directory = tmp_path / "site"
    run("new", directory)
    scaffolded = (directory / "mkdocs.yml").read_text()
    assert sitefiles.applies(load_config(str(directory / "mkdocs.yml")))
    overrides = directory / "overrides"
    (overrides / "partials").mkdir(parents=True)
    (overrides / "partials" / "footer.html").write_text("{{ nav_item.pages }} {{ config.site_name }}")
    configure(directory, theme={"name": "material", "custom_dir": "overrides"})
    assert sitefiles.applies(load_config(str(directory / "mkdocs.yml")))
    (overrides / "main.html").write_text('{% extends "base.html" %}{% block footer %}{{ pages|length }}{% endblock %}')
    assert not sitefiles.applies(load_config(str(directory / "mkdocs.yml")))  # a template reads every page

    for settings in ({"plugins": ["search", "paperkg"]}, {"nav": None}, {"extra_templates": ["robots.txt"]}):
        (directory / "mkdocs.yml").write_text(scaffolded)
        configure(directory, **settings)
        assert not sitefiles.applies(load_config(str(directory / "mkdocs.yml"))), settings


def test_two_files_making_one_page_are_left_to_mkdocs(tmp_path: Path) -> None:
    config = config_for(tmp_path)
    make_tree(Path(config.docs_dir), ["index.md", "a/index.md", "a/x.md"])
    assert sitefiles.lazy_files(config) is not None
    make_tree(Path(config.docs_dir), ["a/README.md"])  # MkDocs leaves it out, with a warning
    assert sitefiles.lazy_files(config) is None


def test_material_templates_never_read_every_page() -> None:
    material, builtin = (Path(d) for d in config_for_theme().theme.dirs)
    assert not sitefiles.names_pages(material)
    assert sitefiles.names_pages(builtin)  # MkDocs' sitemap.xml: it is given the stand-ins


def config_for_theme() -> MkDocsConfig:
    return load_config(str(Path(__file__).parent.parent / "mkdocs.yml"))
