"""`paperkg new DIR`: a complete, buildable site project."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from paperkg.errors import PaperkgError
from paperkg.resources import bundled

MKDOCS_YML = """\
site_name: {name_yaml}
# The base of every entity IRI (papers, authors, topics): set it to where the site is served.
site_url: https://example.org/{slug}/
docs_dir: site
site_dir: public
use_directory_urls: true
strict: true
theme:
  name: material
  # System fonts: the site loads nothing from other hosts, so it works offline.
  font: false
  features:
    - navigation.tabs
nav:
  - Home: index.md
  - Papers: papers/index.md
  - Authors: authors/index.md
  - Topics: topic/index.md
  - Search: search/index.md
  - SPARQL: sparql/index.md
  - Dataset: dataset/index.md
# Entity pages are deliberately not in the nav (a nav entry per page makes MkDocs quadratic).
not_in_nav: |
  /paper/
  /author/
  /topic/
  /papers/
  /authors/
validation:
  nav:
    omitted_files: ignore
  links:
    not_found: warn
    anchors: warn
    absolute_links: warn
    unrecognized_links: warn
plugins:
  - paperkg:
      graph_dir: graph
      templates_dir: templates
      page_size: 100
copyright: Thank you to arXiv for use of its open access interoperability. Metadata CC0.
"""

GITIGNORE = """\
.venv/
public/
.paperkg/
__pycache__/
# generated Markdown (rebuilt from graph/ by `paperkg build`)
site/index.md
site/paper/
site/author/
site/topic/
site/papers/
site/authors/
site/dataset/
site/dump/
site/ns/
site/sparql/
site/search/
site/assets/paperkg/
site/.paperkg-generated
"""

README = """\
# {name}

A [paperkg](https://pypi.org/project/paperkg/) site: arXiv papers, their authors and topics
as an RDF graph (`graph/`) and a static MkDocs site.

    paperkg ingest FEED.xml...   # add papers from arXiv API answers (Atom)
    paperkg build                # graph -> pages -> HTML in public/
    paperkg serve                # browse it on http://127.0.0.1:8000/

Override any page template by putting a file of the same name in `templates/`.
"""


def scaffold(directory: Path, name: str | None = None) -> list[Path]:
    if directory.exists() and any(directory.iterdir()):
        raise PaperkgError(f"{directory} exists and is not empty; choose a new directory")
    name = name or directory.resolve().name
    slug = "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-") or "papers"
    files = {
        "mkdocs.yml": MKDOCS_YML.format(name_yaml=json.dumps(name), slug=slug),
        ".gitignore": GITIGNORE,
        "README.md": README.format(name=name),
        "templates/README.md": "Templates here override paperkg's defaults by file name "
        "(paper.md.j2, author.md.j2, topic.md.j2, home.md.j2, ...).\n",
        "site/assets/.keep": "",
    }
    created = []
    for relative, text in files.items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
        created.append(path)
    (directory / "graph").mkdir(exist_ok=True)
    shutil.copyfile(bundled("vocab.ttl"), directory / "graph" / "vocab.ttl")
    created.append(directory / "graph" / "vocab.ttl")
    return created
