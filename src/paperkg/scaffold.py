"""`paperkg new DIR`: a complete, buildable site project, a git repository ready for its
first commit, with the CI that keeps it up to date on GitHub or GitLab."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

from paperkg import __version__
from paperkg.errors import PaperkgError
from paperkg.gitrepo import GITATTRIBUTES, GitError, Repository
from paperkg.resources import bundled

log = logging.getLogger(__name__)

# What the CI installs: the paperkg that wrote the files (the user edits it: paperkg is not on PyPI yet).
PAPERKG_SPEC = f"paperkg=={__version__}"

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
      # The arXiv queries that `paperkg update` (and `paperkg harvest` with no query) keep up to date:
      # harvest:
      #   queries:
      #     - cat:cs.DL
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

A paperkg site: arXiv papers, their authors and topics as an RDF graph (`graph/`), and a
static MkDocs site built from it.

## Layout

| path | what | in git |
| --- | --- | --- |
| `graph/` | the graph, the source of truth: papers, authors, topics, the harvest checkpoint | yes |
| `mkdocs.yml` | the site's settings: `site_url` (the base of every entity IRI), the harvest queries | yes |
| `templates/` | page templates that override paperkg's own, by file name | yes |
| `site/` | Markdown: pages of your own, and the ones paperkg generates at every build | yours only |
| `public/` | the built site | no: rebuilt from `graph/`, published to Pages |
| `.github/workflows/update.yml`, `.gitlab-ci.yml` | the daily update on GitHub or GitLab (keep the one you use) | yes |
| `.gitattributes` | names paperkg's merge driver for the graph's files | yes |

## Start

1. Set `site_url` in `mkdocs.yml` to where the site will be served, and list the arXiv queries
   to follow under `harvest: queries:` (for example `cat:cs.DL`).
2. Make the first commit: `git add -A && git commit -m "A new paperkg site"`. (`paperkg new`
   ran `git init -b main` if git was installed and the site is not inside a repository already;
   otherwise run it yourself, and register the merge driver as below.)
3. `paperkg update`: the first harvest, built and committed.
4. `paperkg serve` and browse it on http://127.0.0.1:8000/.
5. Push the repository to GitHub or GitLab and set up its CI (below), or publish by hand with
   `paperkg publish`.

## Day to day

    paperkg update               # harvest the queries in mkdocs.yml, rebuild, commit graph/
    paperkg update --publish     # ... and publish the site
    paperkg publish              # build public/ and push it to the gh-pages branch
    paperkg serve                # browse the site on http://127.0.0.1:8000/
    paperkg harvest --query 'cat:cs.DL' --max 100   # one query, once (then commit graph/)
    paperkg ingest FEED.xml...   # add papers from arXiv API answers (Atom)
    paperkg build                # graph -> pages -> HTML in public/
    paperkg query --list         # the named SPARQL queries; `paperkg query NAME` runs one
    paperkg check                # validate the graph

`graph/` is the source of truth and every harvest is a commit, whose message lists the
papers it added or updated. Review what came in with `git log -p graph/`; undo a harvest with
`git revert COMMIT` and `paperkg publish` (the revert rewinds the harvest checkpoint too, so the
next update fetches those papers again: to keep them out, narrow the query). `public/` is never
committed here: the site is rebuilt from `graph/` and published to the `gh-pages` branch
(`paperkg publish`) or by the CI.

Override any page template by putting a file of the same name in `templates/`.

## Continuous integration

Both files install paperkg from `PAPERKG_SPEC` at their top. paperkg is not on PyPI yet: until
it is, set `PAPERKG_SPEC` to a paperkg wheel (its URL, for example a release asset). A
plain git URL does not install: paperkg's wheel bundles files that its build gets from npm.

### GitHub

`.github/workflows/update.yml` runs `paperkg update --publish` every day (and on demand from
the Actions tab): it harvests, commits `graph/`, pushes the commit and publishes the site to
the `gh-pages` branch. A push of yours to `main` republishes the site (`paperkg publish`).

- Settings > Actions > General > Workflow permissions: the workflow asks for
  `contents: write` itself; an organization that caps it at read must allow it. If `main` is
  protected, allow GitHub Actions to push to it.
- Run the workflow once (Actions > paperkg update > Run workflow), then Settings > Pages >
  Build and deployment > Source: Deploy from a branch, branch `gh-pages`, folder `/ (root)`.
- `site_url` in `mkdocs.yml`: `https://OWNER.github.io/REPOSITORY/` (or your domain).

### GitLab

`.gitlab-ci.yml` has two jobs. `update` runs in scheduled pipelines (and ones started with
Run pipeline): `paperkg update`, then it pushes the commit. Every push to the default branch,
that commit included, runs `pages`: `paperkg build`, and GitLab Pages serves its `public/`.

- Settings > Access tokens: a project access token with the Maintainer role (the default
  branch is protected) and the `write_repository` scope.
- Settings > CI/CD > Variables: `PAPERKG_PUSH_TOKEN` = that token, masked and protected.
- Build > Pipeline schedules: a daily schedule on the default branch.
- `site_url` in `mkdocs.yml`: the address Deploy > Pages shows.

## Merging

`.gitattributes` sends the graph's files through paperkg's merge driver, which merges them
subject by subject (paper by paper, author by author): harvests on two branches or in two
clones merge without conflicts. git keeps
drivers out of the history, so each clone registers it: `paperkg new`, `paperkg update` and
`paperkg publish` do; in a fresh clone, before a merge or a pull, run

    git config merge.paperkg.driver "paperkg merge-driver %O %A %B %P"

Without it git merges those files as plain text, and two harvests conflict.
"""

GITHUB_WORKFLOW = """\
# paperkg: every day, harvest the queries in mkdocs.yml, commit the new papers to graph/, push
# the commit, and publish the site to the gh-pages branch (`paperkg update --publish`).
#
# Set-up, once: run this workflow (Actions > paperkg update > Run workflow), then Settings >
# Pages > Build and deployment > Source: "Deploy from a branch", branch gh-pages, / (root).
#
# Alternative: deploy with GitHub Pages' own actions instead of a branch (Pages Source: "GitHub
# Actions"): run `paperkg update` (without --publish), add `pages: write` and `id-token: write`
# to the permissions and `environment: github-pages` to the job, and end it with
#   - uses: actions/configure-pages@v5
#   - uses: actions/upload-pages-artifact@v3
#     with:
#       path: public
#   - uses: actions/deploy-pages@v4
name: paperkg update

on:
  schedule:
    - cron: "17 5 * * *"  # daily, 05:17 UTC: after arXiv's nightly announcement
  workflow_dispatch:  # "Run workflow" in the Actions tab
  push:
    branches: [main]  # your own commits (templates, mkdocs.yml) are published, without a harvest

permissions:
  contents: write  # push the graph commit and the gh-pages branch

concurrency:  # one run at a time: two would race to push
  group: paperkg-update
  cancel-in-progress: false

env:
  # The paperkg to install. paperkg is not on PyPI yet: until it is, set this to the URL of a
  # paperkg wheel (a git URL does not build: the wheel bundles files paperkg's build gets from npm).
  PAPERKG_SPEC: "@PAPERKG_SPEC@"

jobs:
  update:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0  # the whole history: commits go on top of it
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - name: Install paperkg
        run: pip install "$PAPERKG_SPEC"
      - name: Commit as github-actions[bot]
        run: |
          git config user.name "github-actions[bot]"
          git config user.email "41898282+github-actions[bot]@users.noreply.github.com"
      - name: Harvest, commit graph/, build and publish to gh-pages
        if: github.event_name != 'push'
        run: paperkg update --publish
      - name: Push the graph commit
        # also when publishing failed: the harvest is kept, and published by the next run
        if: github.event_name != 'push' && !cancelled()
        run: git push origin "HEAD:$GITHUB_REF_NAME"
      - name: Build and publish to gh-pages
        if: github.event_name == 'push'
        run: paperkg publish
"""

GITLAB_CI = """\
# paperkg on GitLab: scheduled pipelines harvest the queries in mkdocs.yml and push the commit
# (job `update`); every push to the default branch, that commit included, builds the site and
# GitLab Pages serves it (job `pages`: GitLab publishes the public/ artifact of this job).
#
# Set-up, once:
# - Settings > Access tokens: a project access token, role Maintainer (the default branch is
#   protected), scope write_repository.
# - Settings > CI/CD > Variables: PAPERKG_PUSH_TOKEN = that token (masked, protected).
# - Build > Pipeline schedules: a daily schedule on the default branch, e.g. "17 5 * * *".
# - mkdocs.yml: site_url = the address Deploy > Pages shows.

default:
  image: python:3.11

variables:
  # The paperkg to install. paperkg is not on PyPI yet: until it is, set this to the URL of a
  # paperkg wheel (a git URL does not build: the wheel bundles files paperkg's build gets from npm).
  PAPERKG_SPEC: "@PAPERKG_SPEC@"

.paperkg:
  before_script:
    - pip install "$PAPERKG_SPEC"

update:
  extends: .paperkg
  rules:
    - if: $CI_PIPELINE_SOURCE == "schedule" || $CI_PIPELINE_SOURCE == "web"
  resource_group: paperkg-update  # one at a time: two would race to push
  script:
    - test -n "$PAPERKG_PUSH_TOKEN" || { echo "set the CI/CD variable PAPERKG_PUSH_TOKEN (top of this file)"; exit 1; }
    - git checkout -B "$CI_COMMIT_BRANCH"  # GitLab checks out a detached HEAD
    - git config user.name "paperkg update"
    - git config user.email "paperkg@users.noreply.$CI_SERVER_HOST"
    - paperkg update
    - git push "https://paperkg:${PAPERKG_PUSH_TOKEN}@${CI_SERVER_HOST}/${CI_PROJECT_PATH}.git" "HEAD:$CI_COMMIT_BRANCH"

pages:
  extends: .paperkg
  rules:
    - if: $CI_PIPELINE_SOURCE == "push" && $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
  script:
    - paperkg build
  artifacts:
    paths:
      - public
"""


def scaffold(directory: Path, name: str | None = None) -> list[Path]:
    if directory.exists() and any(directory.iterdir()):
        raise PaperkgError(f"{directory} exists and is not empty; choose a new directory")
    name = name or directory.resolve().name
    slug = "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-") or "papers"

    def ci(text: str) -> str:
        return text.replace("@PAPERKG_SPEC@", PAPERKG_SPEC)

    files = {
        "mkdocs.yml": MKDOCS_YML.format(name_yaml=json.dumps(name), slug=slug),
        ".gitignore": GITIGNORE,
        ".gitattributes": GITATTRIBUTES,
        "README.md": README.format(name=name),
        ".github/workflows/update.yml": ci(GITHUB_WORKFLOW),
        ".gitlab-ci.yml": ci(GITLAB_CI),
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
    init_repository(directory)
    return created


def init_repository(directory: Path) -> Repository | None:
    """`git init -b main` the new site, with paperkg's merge driver registered; not when git is
    missing (the README says how to do it by hand) or the site is inside a repository already."""
    if shutil.which("git") is None:
        return None
    try:
        Repository.of(directory)
        return None  # inside a repository already
    except GitError:
        pass
    repo = Repository(directory)
    try:
        if not repo.succeeds("init", "--quiet", "-b", "main"):  # git before 2.28 has no -b
            repo.git("init", "--quiet")
            repo.git("symbolic-ref", "HEAD", "refs/heads/main")
        repo.configure_merge_driver()
    except GitError as error:  # the site is written: a repository is a convenience
        log.warning("git init %s failed (%s): run it yourself (see the README)", directory, error)
        return None
    return repo
