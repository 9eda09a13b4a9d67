"""`paperkg serve`: the site exactly as `paperkg build` makes it, served with live reload.

The site is built into the project's own site_dir, incrementally and by every core, so a site
built before is served after a build of only what changed. A change to the graph, the
templates, the docs or mkdocs.yml rebuilds what it touched and reloads the browser.

The site keeps its configured site_url, so the entity IRIs, dumps and twins stay the published
ones (MkDocs' own `serve` swaps site_url for the local address, which changes every twin).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from mkdocs.livereload import LiveReloadServer

from paperkg.build import build_site
from paperkg.config import Project, load_project
from paperkg.errors import PaperkgError
from paperkg.render.write import MANIFEST, manifest_paths
from paperkg.sitefiles import docs_listing


def sources(project: Project) -> frozenset[tuple[str, int, int]]:
    """What a build reads, by (path, mtime, size): mkdocs.yml, the graph, the templates and the
    docs_dir's own files. The pages paperkg writes into the docs_dir are left out, so that
    writing them does not call for another build. The docs_dir is listed as a build lists it
    (sitefiles.docs_listing), reading only the directories that changed since: at 30,000
    papers it holds 92,000 directories of paperkg's pages, whose walk took 3 s (10 s cold)."""
    generated = set(manifest_paths(project.docs_dir)) if (project.docs_dir / MANIFEST).exists() else set()
    generated.add(MANIFEST)
    paths = [Path(parent, name) for directory in (project.graph_dir, project.templates_dir)
             for parent, _, names in os.walk(directory) for name in names]
    paths += [project.docs_dir / relative / name for relative, names in docs_listing(project.config)
              for name in names if relative + name not in generated]
    found = [(str(project.config_file), *_status(project.config_file))]
    for path in paths:
        try:
            found.append((str(path), *_status(path)))
        except FileNotFoundError:  # removed while we looked
            continue
    return frozenset(found)


def _status(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


def dev_server(project: Project, dev_addr: str, jobs: int | None = None) -> LiveReloadServer:
    """Build the site (`project` loaded with strict=True), then a live-reload server of the
    site_dir at dev_addr, under site_url's path, that rebuilds on change; `serve()` it."""
    build_site(project, jobs=jobs)
    built = sources(project)

    def rebuild() -> None:
        nonlocal built
        try:
            current = load_project(project.root, strict=True)  # mkdocs.yml may have changed
            if sources(current) == built:
                return  # only paperkg's own pages were written
            build_site(current, jobs=jobs)
        except PaperkgError as error:  # the server reports it and keeps serving the last good build
            raise SystemExit(f"paperkg: error: {error}") from None
        built = sources(current)

    host, _, port = dev_addr.rpartition(":")
    server = LiveReloadServer(builder=rebuild, host=host or "127.0.0.1", port=int(port),
                              root=str(project.site_dir), mount_path=urlsplit(project.config.site_url).path or "/")
    not_found = project.site_dir / "404.html"
    server.error_handler = lambda code: not_found.read_bytes() if code == 404 and not_found.is_file() else None
    for path in (project.config_file, project.docs_dir, project.graph_dir, project.templates_dir):
        if path.exists():
            server.watch(str(path))
    return server
