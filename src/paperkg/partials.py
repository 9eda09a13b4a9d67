"""Material's navigation partials rendered once per directory of pages, not once per page.

Material renders the whole site navigation (the sidebar and the tabs) into every page: about
a third of its page template's time, on a paperkg site some 90,000 times. For a page outside
the nav, Material's own `partials/nav.html` and `partials/tabs.html` depend on the page only
through the relative URLs they write (nothing in the nav is active, and no item is the page),
and those are the same for every page of one directory, unless a URL they write lies inside
the page's own directory. So for such pages each partial's HTML is rendered once per
directory and reused. Pages in the nav, and partials a site overrides, render as ever.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from pathlib import Path

import jinja2
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page

SHARED = ("partials/nav.html", "partials/tabs.html")
MATERIAL_TEMPLATES = "material/templates"


def share_navigation(env: jinja2.Environment, nav: Navigation, config: MkDocsConfig) -> list[str]:
    """Make Material's navigation partials reuse their HTML across the pages of a directory
    outside the nav; returns the partials it applies to (none with another theme, or where
    the site overrides them)."""
    shared = []
    for name in SHARED:
        try:
            template = env.get_template(name)
        except jinja2.TemplateNotFound:
            continue
        if template.filename is None or not Path(template.filename).as_posix().endswith(f"{MATERIAL_TEMPLATES}/{name}"):
            continue  # the site's own override: it may show anything of the page
        template.root_render_func = _per_directory(template.root_render_func, nav, config)
        shared.append(name)
    return shared


def _per_directory(render, nav: Navigation, config: MkDocsConfig):
    targets = [page.url for page in nav.pages] + [nav.homepage.url if nav.homepage else "",
                                                   config.theme.get("logo") or "", config.theme.get("favicon") or ""]
    rendered: dict[str, str] = {}

    def render_shared(context: jinja2.runtime.Context) -> Iterator[str]:
        page = context.get("page")
        directory = _directory(page) if isinstance(page, Page) and page not in nav.pages else None
        if directory is None or any(f"{target}/".startswith(directory) for target in targets):
            yield from render(context)
            return
        parent = posixpath.dirname(directory.rstrip("/"))
        if parent not in rendered:
            rendered[parent] = "".join(render(context))
        yield rendered[parent]

    return render_shared


def _directory(page: Page) -> str | None:
    """The directory MkDocs' relative URLs are computed from ('paper/X/' for 'paper/X/' and
    'paper/X/index.html'); None at the site's root."""
    url = page.url
    if "." in url.rpartition("/")[2]:
        url = url.rpartition("/")[0] + "/"
    return url if url.strip("./") else None
