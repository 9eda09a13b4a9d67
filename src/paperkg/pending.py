"""What the project's built site has not got yet: the generated pages and twins written or
removed by a build whose HTML went elsewhere (`mkdocs serve`'s temporary site, `mkdocs build
--site-dir`) since the project's site_dir was last built by `paperkg build`.

An incremental `paperkg build` takes only the files it writes itself to have changed; without
this list it would keep, in the built site, the old HTML of a page that `mkdocs serve` wrote
again. It builds these too, then empties the list.

One line per path, appended: "page <docs_dir path>" or "twin <twins directory path>".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

PENDING = "pending"  # under .paperkg/


@dataclass(frozen=True)
class Pending:
    pages: frozenset[str] = frozenset()
    twins: frozenset[str] = frozenset()


NOTHING_PENDING = Pending()


def read(state_dir: Path) -> Pending:
    try:
        text = (state_dir / PENDING).read_text("utf-8")
    except FileNotFoundError:
        return NOTHING_PENDING
    lines = [line.partition(" ") for line in text.splitlines()]
    return Pending(frozenset(path for kind, _, path in lines if kind == "page"),
                   frozenset(path for kind, _, path in lines if kind == "twin"))


def add(state_dir: Path, pages: Iterable[str], twins: Iterable[str]) -> None:
    lines = [f"page {path}\n" for path in pages] + [f"twin {path}\n" for path in twins]
    if lines:
        with open(state_dir / PENDING, "a", encoding="utf-8") as out:
            out.writelines(lines)


def clear(state_dir: Path) -> None:
    (state_dir / PENDING).unlink(missing_ok=True)
