"""The docs_dir's files by path, in the order MkDocs' get_files walks them, each directory's
listing kept from one build to the next under its status.

At 30,000 papers the docs_dir holds 92,000 directories (one a page), and reading every one
of them took a second a build on a warm cache, four on a cold one. A directory's change time
moves whenever an entry is added to it, removed or renamed (as git trusts it for its index):
so a directory whose device, inode, modification and change times are those it had when it was
last read holds the same names, and is not read again. A file added anywhere, by hand or by
paperkg, changes its directory's times, and that directory is read again. A directory changed
shortly before it was read is not kept: a change in the same tick of the file system's clock
could leave its times as they were. A full build keeps a listing too (sitefiles.keep_listing),
so the update after it reads only what changed since.
"""

from __future__ import annotations

import os
import pickle
import time
from pathlib import Path

from mkdocs.structure.files import _file_sort_key

from paperkg import collector, tempfiles

_FORMAT = 1  # of the kept file; another one is not read
RECENT_NS = 2 * 10**9  # a directory changed less than this before the listing began is read again next time

Status = tuple[int, int, int, int]  # device, inode, modification and change times (ns)
# a directory's status, its files (in MkDocs' order) and its directories (by name)
Listing = tuple[Status, tuple[str, ...], tuple[str, ...]]


def list_docs(docs_dir: str, kept: Path | None = None) -> list[tuple[str, tuple[str, ...]]]:
    """Every directory under docs_dir ('' for itself, else 'path/') with the names of its files,
    in the order of MkDocs' get_files: directories top-down by name (symbolic links followed),
    each one's files index (or README) first, then by name; as os.walk does, a directory that
    cannot be read is left out. With `kept`, a file where the directories' listings are kept
    from one call to the next, a directory whose status is unchanged is not read again."""
    with collector.paused():
        return _list(docs_dir, kept)


def _list(docs_dir: str, kept: Path | None) -> list[tuple[str, tuple[str, ...]]]:
    settled = time.time_ns() - RECENT_NS  # a directory last changed before this is kept
    before = _load(kept, docs_dir) if kept is not None else {}
    now: dict[str, Listing] = {}
    found: list[tuple[str, tuple[str, ...]]] = []
    waiting = [""]  # directories to visit, the next last: top-down, by name
    while waiting:
        relative = waiting.pop()
        directory = docs_dir + os.sep + relative
        try:
            stat = os.stat(directory)
        except OSError:
            continue
        status = (stat.st_dev, stat.st_ino, stat.st_mtime_ns, stat.st_ctime_ns)
        listing = before.get(relative)
        if listing is None or listing[0] != status:  # read after its status: a change between is seen next time
            entries = _read(directory)
            if entries is None:
                continue
            listing = (status, *entries)
        if status[3] < settled:
            now[relative] = listing
        found.append((relative, listing[1]))
        if listing[2]:
            waiting.extend([f"{relative}{name}/" for name in reversed(listing[2])])
    if kept is not None and now != before:
        _save(kept, docs_dir, now)
    return found


def _read(directory: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """A directory's files (MkDocs' order) and directories (by name), as os.walk tells them apart."""
    dirs, names = [], []
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    is_dir = False
                (dirs if is_dir else names).append(entry.name)
    except OSError:
        return None
    return tuple(sorted(names, key=_file_sort_key)), tuple(sorted(dirs))


def _load(kept: Path, docs_dir: str) -> dict[str, Listing]:
    try:
        with kept.open("rb") as source:
            version, where, listings = pickle.load(source)
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError):
        return {}
    return listings if version == _FORMAT and where == os.path.abspath(docs_dir) else {}


def _save(kept: Path, docs_dir: str, listings: dict[str, Listing]) -> None:
    kept.parent.mkdir(parents=True, exist_ok=True)
    data = pickle.dumps((_FORMAT, os.path.abspath(docs_dir), listings), protocol=pickle.HIGHEST_PROTOCOL)
    tempfiles.replace_bytes(kept, data)
