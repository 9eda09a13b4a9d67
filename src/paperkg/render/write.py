"""Writing the generated files into the docs_dir as they are made, never all of them held at
once: only files whose bytes changed are written (so MkDocs' dirty build and git see only real
changes), and files generated before but not now are removed.

A manifest in the docs_dir lists what paperkg generated; a file it did not generate is never
overwritten. Every path is claimed before anything is written, so such a clash stops the build
with nothing changed.
"""

from __future__ import annotations

import filecmp
import os
import shutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from paperkg import tempfiles
from paperkg.errors import BuildError

MANIFEST = ".paperkg-generated"


@dataclass
class WriteReport:
    written: list[str]
    unchanged: int
    removed: list[str]


def write_if_changed(docs_dir: Path, path: str, data: str | bytes) -> bool:
    """Write `data` to docs_dir/path unless the file holds those bytes already."""
    target = docs_dir / path
    if isinstance(data, str):
        data = data.encode("utf-8")
    try:
        if target.stat().st_size == len(data) and target.read_bytes() == data:
            return False
    except FileNotFoundError:
        target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return True


def manifest_paths(root: Path) -> list[str]:
    """The paths paperkg generated under `root` at the last build (its manifest)."""
    return [path for path in (root / MANIFEST).read_text("utf-8").split("\n") if path]


def link_or_copy(source: Path | str, target: Path | str) -> None:
    """A hard link (no bytes copied), or a copy where the two are on different file systems."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def write_all(docs_dir: Path, files: Iterable[tuple[str, str | bytes]]) -> tuple[list[str], int]:
    """Write each (path, data) that changed, as it comes: (paths written, files unchanged)."""
    written, unchanged = [], 0
    for path, data in files:
        if write_if_changed(docs_dir, path, data):
            written.append(path)
        else:
            unchanged += 1
    return written, unchanged


def merge_counts(shares: Sequence[tuple[list[str], int]]) -> tuple[list[str], int]:
    return [path for written, _ in shares for path in written], sum(unchanged for _, unchanged in shares)


# One generated file or a few made together: (their paths, a digest of everything they are made
# from, or None when that costs as much as making them; the function that makes them).
Made = tuple[tuple[str, ...], str | None, Callable[[], Iterable[tuple[str, str | bytes]]]]


def write_made(
    docs_dir: Path, items: Iterable[Made], made_from: Mapping[str, str], there: Callable[[str], bool] | None = None
) -> tuple[list[str], int, dict[str, str]]:
    """`write_all` for files made only when needed: when an item's digest equals the one it
    had in the last build (`made_from`, by first path) and its files are there, it is not made
    again. Returns (paths written, files unchanged, {first path: digest}).

    `there(path)` says whether a file is there, where that is known without a look-up per file
    (which is most of an incremental build's time on a cold cache); by default, one each."""
    written, unchanged, digests = [], 0, {}
    is_there = there or (lambda path: (docs_dir / path).is_file())
    for paths, digest, make in items:
        if digest is not None:
            digests[paths[0]] = digest
            if made_from.get(paths[0]) == digest and all(map(is_there, paths)):
                unchanged += len(paths)
                continue
        done, same = write_all(docs_dir, make())
        written += done
        unchanged += same
    return written, unchanged, digests


class MadeFrom:
    """What each generated file was made from at the last build: a digest per file, kept under
    the recipe (templates, settings, paperkg's code) they were made with. Another recipe, or a
    full build, makes every file again."""

    def __init__(self, path: Path, recipe: str, trusted: bool) -> None:
        self.path, self.recipe = path, recipe
        self.before: dict[str, str] = {}
        self.now: dict[str, str] = {}
        self.same_recipe = False  # the last build's files were made with this recipe
        if trusted and path.is_file():
            first, _, rest = path.read_text("utf-8").partition("\n")
            if first == recipe:
                self.same_recipe = True
                self.before = dict(line.split(" ", 1)[::-1] for line in rest.splitlines())

    def add(self, shares: Sequence[tuple[list[str], int, dict[str, str]]]) -> tuple[list[str], int]:
        """The workers' results: their digests are kept, their counts returned for the writer."""
        for _, _, digests in shares:
            self.now.update(digests)
        return merge_counts([(written, unchanged) for written, unchanged, _ in shares])

    def save(self) -> None:
        self.path.parent.mkdir(exist_ok=True)
        lines = "".join(f"{digest} {path}\n" for path, digest in sorted(self.now.items()))
        self.path.write_text(f"{self.recipe}\n{lines}", "utf-8")


class PageWriter:
    """The generated files of one build: claim every path, write them (here, or in worker
    processes that report back with `add`), then `finish` removes what is gone."""

    def __init__(self, docs_dir: Path, there: Callable[[str], bool] | None = None) -> None:
        self.docs_dir = docs_dir
        self.there = there or (lambda path: (docs_dir / path).exists())  # as in write_made
        manifest = docs_dir / MANIFEST
        self.before = set(manifest.read_text("utf-8").split("\n")) - {""} if manifest.exists() else set()
        self.paths: set[str] = set()
        self.written: list[str] = []
        self.unchanged = 0

    def claim(self, paths: Iterable[str]) -> None:
        paths = set(paths)
        self.refuse_others(paths)
        self.paths.update(paths)
        # Listed before any is written: files of a build that fails half-way stay paperkg's.
        self._write_manifest(self.before | self.paths)

    def refuse_others(self, paths: Iterable[str]) -> None:
        """Stop the build if one of these paths holds a file paperkg did not generate."""
        for path in sorted(set(paths) - self.before):
            if self.there(path):
                raise BuildError(
                    f"{self.docs_dir / path} exists and was not generated by paperkg; move it away "
                    f"(or override the template that makes it)"
                )

    def write(self, path: str, data: str | bytes) -> None:
        if path not in self.paths:
            raise BuildError(f"{path} was generated without being claimed")  # a paperkg bug
        if write_if_changed(self.docs_dir, path, data):
            self.written.append(path)
        else:
            self.unchanged += 1

    def write_file(self, path: str, fill: Callable[[BinaryIO], None]) -> None:
        """Like `write`, for a file too big to hold in memory: `fill` writes it into a temporary
        file beside it, which replaces the file only when its bytes differ."""
        if path not in self.paths:
            raise BuildError(f"{path} was generated without being claimed")  # a paperkg bug
        target = self.docs_dir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfiles.beside(target)
        with os.fdopen(fd, "wb") as out:
            try:
                fill(out)
            except BaseException:
                os.unlink(temporary)
                raise
        if target.is_file() and filecmp.cmp(temporary, target, shallow=False):
            os.unlink(temporary)
            self.unchanged += 1
        else:
            os.replace(temporary, target)
            self.written.append(path)

    def add(self, written: Iterable[str], unchanged: int) -> None:
        """What a worker process wrote of the claimed paths."""
        self.written.extend(written)
        self.unchanged += unchanged

    def finish(self) -> WriteReport:
        removed = sorted(self.before - self.paths)
        for path in removed:
            target = self.docs_dir / path
            target.unlink(missing_ok=True)
            for parent in target.parents:  # prune directories left empty
                if parent == self.docs_dir or any(parent.iterdir()):
                    break
                parent.rmdir()
        self._write_manifest(self.paths)
        return WriteReport(sorted(self.written), self.unchanged, removed)

    def _write_manifest(self, paths: set[str]) -> None:
        self.docs_dir.mkdir(parents=True, exist_ok=True)
        (self.docs_dir / MANIFEST).write_text("".join(f"{p}\n" for p in sorted(paths)), "utf-8")
