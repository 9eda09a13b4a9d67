"""Where the bundled defaults live: in the wheel (paperkg/_bundled) or, in a source checkout,
at the top of the repository (templates/, graph/queries/, graph/vocab.ttl, assets/, and
node_modules/ once `npm ci` has run)."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent.parent  # src/paperkg -> repository root
_IN_CHECKOUT = {
    "templates": "templates",
    "queries": "graph/queries",
    "vocab.ttl": "graph/vocab.ttl",
    "shapes.ttl": "graph/shapes.ttl",
    "assets": "assets",  # the SPARQL page's own script, worker and style
    "oxigraph": "node_modules/oxigraph",  # installed by `npm ci` from package-lock.json
}


def checkout_path(relative: str) -> Path | None:
    """A path in the source checkout paperkg runs from, if it runs from one."""
    return _CHECKOUT / relative if (_CHECKOUT / "pyproject.toml").is_file() else None


def bundled(name: str) -> Path:
    inside = _PACKAGE / "_bundled" / name
    return inside if inside.exists() else _CHECKOUT / _IN_CHECKOUT[name]
