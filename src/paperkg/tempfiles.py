"""The temporary file that replaces a file atomically (written, then renamed over it)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def beside(path: Path) -> tuple[int, Path]:
    """A new empty file in `path`'s directory (so the rename is atomic), named '.NAME.xxxxxxxx':
    (its descriptor, its path). Its mode is what a plain open() gives, the umask's, not the 0600
    of tempfile's files: the file renamed over `path` keeps the mode a graph or site file has."""
    while True:
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
        try:
            return os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), temporary
        except FileExistsError:
            continue


def replace_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically: into a file beside it, renamed over it once complete."""
    fd, temporary = beside(path)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
    except BaseException:
        os.unlink(temporary)
        raise
    os.replace(temporary, path)
