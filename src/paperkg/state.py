"""What a build keeps in .paperkg/state/ for the next one, so that an update is built from what
changed rather than from the whole graph: for each graph file, its digest and what the build
made of its triples (the dump's segments, the summary the twins read); where each document's
lines are; and the site's views, which the next build patches.

The index names everything else, and is written last, by a rename: a build that stops half way
leaves the state of the build before it, or (once it has begun to write pages) none at all.
The files it names are named by their contents, so the index never names a file of another
build.
"""

from __future__ import annotations

import pickle
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from paperkg import collector, tempfiles
from paperkg.graph.triples import FileTriples
from paperkg.render.dataset import Segment
from paperkg.views import SiteView

STATE = "state"  # under .paperkg/
INDEX = "index.pickle"
_FORMAT = 1  # of the index; another one is not read


@dataclass
class FileRecord:
    """One graph file as the last build read it."""

    digest: str
    stat: tuple[int, int] | None  # (size, modification time in ns): what tells a changed file without a read
    triples: int
    newest: int | None  # the newest schema:dateModified of its triples, in seconds since the epoch
    segments: list[Segment]  # the N-Triples dump's segments of its lines, in order


@dataclass
class Kept:
    """The index of what the last build kept."""

    recipe: str  # what made the pages besides the graph (templates, settings, paperkg): build.pages_fingerprint
    epoch: int  # the graph's newest date, the build date the pages were made with (build.pin_build_date)
    files: dict[str, FileRecord] = field(default_factory=dict)  # by name under graph/
    located: dict[str, tuple[str, ...]] = field(default_factory=dict)  # document IRI -> files holding its lines
    authoring: dict[str, tuple[str, ...]] = field(default_factory=dict)  # "<person#it>" -> files naming them author
    views: str = ""  # the name of the views' file


def load(state_dir: Path, recipe: str) -> Kept | None:
    """The last build's index, when it made its pages with this recipe."""
    try:
        with (state_dir / STATE / INDEX).open("rb") as source:
            version, kept = pickle.load(source)
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError):
        return None
    if version != _FORMAT or not isinstance(kept, Kept) or kept.recipe != recipe:
        return None
    return kept


def forget(state_dir: Path) -> None:
    """No state to trust: the pages are about to change."""
    (state_dir / STATE / INDEX).unlink(missing_ok=True)


def views(state_dir: Path, kept: Kept) -> SiteView:
    """The views of the last build (unpickle with the garbage collector paused: collector.paused)."""
    with (state_dir / STATE / kept.views).open("rb") as source:
        return pickle.load(source)


def summary(state_dir: Path, record: FileRecord) -> FileTriples:
    with (state_dir / STATE / _summary_name(record)).open("rb") as source:
        return pickle.load(source)


def _summary_name(record: FileRecord) -> str:
    return f"file-{record.digest}.pickle"


def save(state_dir: Path, kept: Kept, site: SiteView, summaries: Mapping[str, FileTriples],
         proceed: Callable[[], bool] = lambda: True) -> None:
    """Keep `site` and the summaries of the files read this build (by name), then, when
    `proceed()` says so (the build wrote its pages), the index naming them; what no longer
    belongs to it is deleted."""
    directory = state_dir / STATE
    directory.mkdir(parents=True, exist_ok=True)
    for name, triples in summaries.items():
        path = directory / _summary_name(kept.files[name])
        if not path.is_file():
            tempfiles.replace_bytes(path, pickle.dumps(triples, protocol=pickle.HIGHEST_PROTOCOL))
    kept.views = f"views-{secrets.token_hex(8)}.pickle"
    # paused: the pickler's memo holds a new tuple for each named tuple pickled, which full
    # collections walked again and again (0.3–0.5 s at 30k papers), freeing nothing
    with collector.paused():
        tempfiles.replace_bytes(directory / kept.views, pickle.dumps(site, protocol=pickle.HIGHEST_PROTOCOL))
    if not proceed():  # the build failed: no index, and the next build makes everything
        return
    tempfiles.replace_bytes(directory / INDEX, pickle.dumps((_FORMAT, kept), protocol=pickle.HIGHEST_PROTOCOL))
    _prune(directory, {INDEX, kept.views, *map(_summary_name, kept.files.values())})


def _prune(directory: Path, keep: Iterable[str]) -> None:
    wanted = set(keep)
    for path in directory.iterdir():
        if path.name not in wanted and path.is_file():
            path.unlink()
