"""Pages' HTML made by paperkg's HTML templates (render/bodies.py) is what MkDocs'
Python-Markdown makes of the same pages' Markdown: content, table of contents, heading ids and
title, on every paper, author, topic, month and letter page (paginated ones too), hostile and
random feed text included. Where it cannot
be (a site's own templates or Markdown extensions, a page changed after paperkg wrote it),
MkDocs converts the Markdown as ever."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from mkdocs.commands.build import get_files
from mkdocs.config import load_config
from mkdocs.structure.pages import Page

from paperkg.cli import main
from paperkg.render import bodies
from paperkg.render.bodies import bodies_dir, body_path, markdown_digest, use_body
from tests.conftest import HOSTILE, QUERY_FEEDS, new_project


def run(*args: str | Path) -> None:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def rendered(page: Page) -> tuple[object, ...]:
    """Everything `Page.render` sets that the theme, the nav and MkDocs' checks read."""
    toc = [(t.level, t.id, t.title, [(c.level, c.id, c.title, c.children) for c in t.children]) for t in page.toc]
    return page.content, toc, page._title_from_render, page.present_anchor_ids, page.links_to_anchors


def with_body(src_uri: str) -> bool:
    """Whether MkDocs gets the page's HTML from paperkg: the entity pages and the lists
    (topics, months, letters, each page of them), not the indexes of lists nor the one-offs."""
    kind, _, rest = src_uri.partition("/")
    return kind in ("paper", "author", "topic") and rest != "index.md" or kind in ("papers", "authors") and "/" in rest


def compare_every_body(project: Path) -> int:
    """Each page both ways; returns how many were compared."""
    config = load_config(str(project / "mkdocs.yml"))
    files = get_files(config)
    compared = 0
    for file in files.documentation_pages():
        body = bodies_dir(project) / body_path(file.src_uri)
        if not body.is_file():
            assert not with_body(file.src_uri), f"{file.src_uri} has no body"
            continue
        by_markdown = Page(None, file, config)
        by_markdown.read_source(config)
        by_markdown.render(config, files)
        file.page = None
        by_body = Page(None, file, config)
        by_body.read_source(config)
        header = json.loads(body.read_text("utf-8").partition("\n")[0])
        assert header["markdown"] == markdown_digest(by_body.markdown), f"{file.src_uri}: body of other Markdown"
        use_body(by_body, body)
        by_body.render(config, files)
        assert rendered(by_body) == rendered(by_markdown), file.src_uri
        compared += 1
    return compared


def test_every_body_equals_python_markdown_hostile_text_included(built_site: Path) -> None:
    docs = built_site / "site"
    pages = [page for page in docs.rglob("index.md") if with_body(page.relative_to(docs).as_posix())]
    kinds = {page.relative_to(docs).parts[0] for page in pages}
    assert kinds == {"paper", "author", "topic", "papers", "authors"}
    assert compare_every_body(built_site) == len(pages) > 100


# Feed text that Markdown and HTML treat specially, in runs a template would not expect.
NASTY = [
    "\\", "`", "*", "_", "{", "}", "[", "]", "(", ")", "#", "+", "-", ".", "!", "|", "<", ">", "&", '"', "'",
    "$", "~", "^", "=", ":", " ", "  ", "\t", "\n", "\n\n", "    ", "1.", "2)", "- ", "> ", "```", "---",
    "===", "&amp;", "&#34;", "&nbsp;", "<!--", "-->", "<b>", "</p>", "http://x.org", "<http://x.org>",
    "a@b.org", "é", "中文", "🙂", "\u00a0", "\u200b", "x", "Word", "α", "{: #id }", "[^1]", "***",
]


def nasty(rng: random.Random, pieces: int) -> str:
    return "".join(rng.choice(NASTY) for _ in range(pieces))


def kaggle_line(rng: random.Random, n: int) -> str:
    authors = [[nasty(rng, 3) + "x", nasty(rng, 2) + "A", ""] for _ in range(rng.randint(1, 4))]
    return json.dumps({
        "id": f"2001.{n:05d}", "submitter": "S", "authors": ", ".join(f"{a[1]} {a[0]}" for a in authors),
        "title": nasty(rng, 8) + "title", "comments": nasty(rng, 6), "journal-ref": nasty(rng, 4) or None,
        "doi": None, "report-no": None, "categories": rng.choice(["cs.DC", "cs.LG math.ST", "hep-th"]),
        "license": None, "abstract": nasty(rng, 60) + "end",
        "versions": [{"version": f"v{v}", "created": f"Mon, {v} Jan 2001 10:00:00 GMT"} for v in range(1, 3)],
        "update_date": "2001-01-05", "authors_parsed": authors,
    }, ensure_ascii=False)


@pytest.mark.parametrize("directory_urls", [True, False])
def test_bodies_equal_python_markdown_on_random_feed_text(tmp_path: Path, directory_urls: bool) -> None:
    rng = random.Random(5)
    snapshot = tmp_path / "random.jsonl"
    snapshot.write_text("".join(kaggle_line(rng, n) + "\n" for n in range(1, 41)), "utf-8")
    project = tmp_path / "site"
    run("new", project)
    config = project / "mkdocs.yml"
    # A small page size: the topics, months and letters run to several pages, each with a pager.
    text = config.read_text("utf-8").replace("page_size: 100", "page_size: 3")
    config.write_text(text + f"use_directory_urls: {str(directory_urls).lower()}\n", "utf-8")
    run("ingest", "--project", project, snapshot)
    run("build", "--project", project)
    assert list((project / "site").glob("topic/*/page/2/index.md"))
    assert list((project / "site").glob("papers/*/page/2/index.md"))
    assert list((project / "site").glob("authors/*/page/2/index.md"))
    assert compare_every_body(project) >= 40


def test_a_page_changed_since_its_body_was_made_is_converted_by_markdown(built_site: Path) -> None:
    config = load_config(str(built_site / "mkdocs.yml"))
    files = get_files(config)
    file = files.get_file_from_path("paper/2601.00001/index.md")
    page = Page(None, file, config)
    page.read_source(config)
    page.markdown += "\nAdded by another plugin.\n"
    use_body(page, bodies_dir(built_site) / body_path(file.src_uri))
    page.render(config, files)
    assert page.content.endswith("<p>Added by another plugin.</p>")


def test_a_site_with_its_own_templates_or_markdown_extensions_keeps_markdown(tmp_path: Path) -> None:
    project = new_project(tmp_path / "site", [Path(__file__).parent / "fixtures" / "seed" / "seed-feed.xml"])
    run("build", "--project", project)
    made = sorted(p.relative_to(bodies_dir(project)).as_posix() for p in bodies_dir(project).rglob("*.html"))
    assert made and {path.split("/")[0] for path in made} == {"paper", "author", "topic", "papers", "authors"}

    # A site's own author template: no bodies (nor stale ones), and its text is in the built page.
    override = project / "templates" / "author.md.j2"
    override.parent.mkdir(exist_ok=True)
    override.write_text("---\ntitle: {{ person.ref.name | html | yaml }}\n---\n# {{ person.ref.name | md }}\n\n"
                        "Our own author page.\n", "utf-8")
    run("build", "--project", project)
    assert not list(bodies_dir(project).rglob("*.html"))
    author = next((project / "public" / "author").glob("*/index.html"))
    assert "<p>Our own author page.</p>" in author.read_text("utf-8")
    override.unlink()

    # Markdown extensions of the site's own: MkDocs converts every page with them.
    settings = yaml.safe_load((project / "mkdocs.yml").read_text("utf-8"))
    settings["markdown_extensions"] = [{"toc": {"permalink": True}}]
    (project / "mkdocs.yml").write_text(yaml.safe_dump(settings, sort_keys=False), "utf-8")
    run("build", "--project", project)
    assert not list(bodies_dir(project).rglob("*.html"))
    paper = next((project / "public" / "paper").glob("*/index.html")).read_text("utf-8")
    assert 'class="headerlink"' in paper


def test_a_site_built_with_bodies_equals_one_built_without(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = new_project(tmp_path / "site", [*QUERY_FEEDS, HOSTILE])
    run("build", "--project", project)
    assert len(list(bodies_dir(project).rglob("*.html"))) > 100
    with_bodies = tree(project / "public")

    monkeypatch.setattr(bodies, "usable", lambda config, templates: False)
    run("build", "--full", "--project", project)
    assert not list(bodies_dir(project).rglob("*.html"))
    assert tree(project / "public") == with_bodies


def test_a_body_is_made_again_only_when_its_markdown_changed_or_it_cannot_be_trusted(tmp_path: Path) -> None:
    links = bodies.Links({"topic/x/index.md"}, use_directory_urls=True)
    made: list[str] = []

    def render(url, heading) -> str:
        made.append("made")
        return f"<h1 id=\"{heading(1, 'X')}\">X</h1>\n<p>{len(made)}</p>"

    page, source = "topic/x/index.md", "---\ntitle: X\n---\n# X\n\n1\n"
    bodies.BodyWriter(tmp_path, links).write(page, source, render)
    body = tmp_path / body_path(page)
    first = body.read_text("utf-8")

    bodies.BodyWriter(tmp_path, links, reuse=True).write(page, source, render)  # the same Markdown
    assert len(made) == 1 and body.read_text("utf-8") == first
    bodies.BodyWriter(tmp_path, links, reuse=True).write(page, source + "\nmore\n", render)  # other Markdown
    assert len(made) == 2 and body.read_text("utf-8").endswith("<p>2</p>")
    bodies.BodyWriter(tmp_path, links).write(page, source + "\nmore\n", render)  # another recipe: made again
    assert len(made) == 3 and body.read_text("utf-8").endswith("<p>3</p>")
    body.write_text("not a body", "utf-8")
    bodies.BodyWriter(tmp_path, links, reuse=True).write(page, source + "\nmore\n", render)  # unreadable
    assert len(made) == 4 and body.read_text("utf-8").endswith("<p>4</p>")
    body.write_text("[1]\n<p>4</p>", "utf-8")  # JSON, but no body's header
    bodies.BodyWriter(tmp_path, links, reuse=True).write(page, source + "\nmore\n", render)
    assert len(made) == 5 and body.read_text("utf-8").endswith("<p>5</p>")
