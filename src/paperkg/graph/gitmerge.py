"""git's merge driver for the graph's files (`paperkg merge-driver %O %A %B %P`).

Two branches that harvested different papers touch the same shards: the same month file,
the same author-letter files, the same harvest checkpoint. Line-based merging conflicts as
soon as two new blocks land next to each other, though nothing contradicts. These files
are sets of independent entries (one block per subject, one checkpoint per query), so they
merge entry by entry: an entry changed on one side only is taken from that side, one changed
identically on both sides is taken once. The result is written exactly as paperkg writes it
(store.TurtleWriter, HarvestState.save), so a merge gives the bytes that ingesting both
branches' papers gives. Only where both sides changed the same entry differently does it
fall back to git's own text merge, with conflict markers.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from paperkg.errors import PaperkgError
from paperkg.graph.store import subject_key
from paperkg.harvest.state import STATE_FILE

# A base-relative IRI, as TurtleWriter writes the subjects of paper and author shards. Their
# order (by the absolute IRI) is the order of these relative forms: all share the site's base.
_RELATIVE_SUBJECT = re.compile(r"^<(?![A-Za-z][A-Za-z0-9+.-]*:)[^\s<>\"{}|^`\\]+>$")


class MergeDriverError(PaperkgError):
    """git could not be run to merge a file as text."""


class _Fallback(Exception):
    """This file cannot be merged entry by entry: leave it to git's text merge."""


class _Conflict(_Fallback):
    """Both sides changed the same entry differently."""


def merge_file(base: Path, ours: Path, theirs: Path, path: str) -> bool:
    """Merge `theirs` into `ours` (git's %O %A %B %P), writing the result into `ours`.
    True when clean; False when both sides changed the same entry (then `ours` holds git's
    text merge, with conflict markers)."""
    merge: Callable[[str, str, str], str] | None = None
    if path.endswith(".ttl"):
        merge = _merge_turtle
    elif Path(path).name == STATE_FILE:
        merge = _merge_state
    if merge is not None:
        try:
            texts = [_read(p) for p in (base, ours, theirs)]
            merged = merge(*texts)
        except _Conflict:
            # git's text merge shows the two versions; even where its lines happen to merge,
            # two changes to one entry need a look (a version from one side, a title from the
            # other), so it stays a conflict.
            _text_merge(base, ours, theirs)
            return False
        except _Fallback:
            pass
        else:
            ours.write_bytes(merged.encode("utf-8"))
            return True
    return _text_merge(base, ours, theirs)


def _read(path: Path) -> str:
    # git passes an empty %O when the file was added on both sides.
    try:
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        raise _Fallback from None


def _merge3(base: Any, ours: Any, theirs: Any, resolve: Callable[[Any, Any], Any] | None = None) -> Any:
    """The three-way rule for one entry; None stands for an absent entry."""
    if ours == theirs:
        return ours
    if ours == base:
        return theirs
    if theirs == base:
        return ours
    if resolve is not None:
        return resolve(ours, theirs)
    raise _Conflict


# --- Turtle shards -------------------------------------------------------------------------


def _merge_turtle(base: str, ours: str, theirs: str) -> str:
    (base_header, base_blocks), (our_header, our_blocks), (their_header, their_blocks) = (
        _split_turtle(text) for text in (base, ours, theirs)
    )
    header = _merge3(base_header, our_header, their_header)
    blocks = {}
    for subject in base_blocks.keys() | our_blocks.keys() | their_blocks.keys():
        block = _merge3(base_blocks.get(subject), our_blocks.get(subject), their_blocks.get(subject))
        if block is not None:
            blocks[subject] = block
    if blocks and header is None:
        raise _Conflict  # one side emptied the file while the other added to it
    return _render_turtle(header, blocks)


def _split_turtle(text: str) -> tuple[str | None, dict[str, str]]:
    """(header, {subject line: block}) of a shard in TurtleWriter's exact form."""
    if not text:
        return None, {}
    header, *blocks = text[:-1].split("\n\n")  # blocks hold no blank line: literals escape "\n"
    header += "\n"
    if not all(line.startswith("@prefix ") for line in header.splitlines()):
        raise _Fallback
    by_subject: dict[str, str] = {}
    for block in blocks:
        subject = block.partition("\n")[0]
        if not _RELATIVE_SUBJECT.match(subject) or subject in by_subject:
            raise _Fallback
        by_subject[subject] = block + "\n"
    # Only a file that paperkg itself would write merges by entry: one edited by hand (out
    # of order, other spacing, another subject form) gets git's text merge, not a rewrite.
    if _render_turtle(header, by_subject) != text:
        raise _Fallback
    return header, by_subject


def _render_turtle(header: str | None, blocks: dict[str, str]) -> str:
    # As TurtleWriter.render: the header, a blank line, the blocks separated by blank lines,
    # in the store's subject order. A shard with no subject left is empty (paperkg's next
    # write removes it; a merge driver can only write the file).
    if not blocks:
        return ""
    return f"{header}\n" + "\n".join(blocks[s] for s in sorted(blocks, key=subject_key))


# --- the harvest checkpoint ----------------------------------------------------------------


def _merge_state(base: str, ours: str, theirs: str) -> str:
    base_queries, our_queries, their_queries = (_queries(text) for text in (base, ours, theirs))
    queries = {}
    for key in base_queries.keys() | our_queries.keys() | their_queries.keys():
        value = _merge3(base_queries.get(key), our_queries.get(key), their_queries.get(key), _later_finished_run)
        if value is not None:
            queries[key] = value
    # As HarvestState.save writes it.
    return json.dumps({"queries": queries}, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _queries(text: str) -> dict[str, Any]:
    if not text:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        raise _Fallback from None
    if not isinstance(data, dict) or set(data) - {"queries"} or not isinstance(data.get("queries", {}), dict):
        raise _Fallback
    return data.get("queries", {})


def _later_finished_run(ours: Any, theirs: Any) -> Any:
    # Both sides finished a run of the same query: each watermark is the newest `updated`
    # its run saw, so the later one is where the next run continues (ISO times in UTC compare
    # as strings; no watermark is the oldest). A run still in progress on either side holds
    # windows and offsets that cannot be combined.
    if not (isinstance(ours, dict) and isinstance(theirs, dict)) or ours.get("run") or theirs.get("run"):
        raise _Conflict
    if set(ours) != {"watermark", "run"} or set(theirs) != {"watermark", "run"}:
        raise _Conflict
    ours_mark, theirs_mark = ours["watermark"], theirs["watermark"]
    if not all(mark is None or isinstance(mark, str) for mark in (ours_mark, theirs_mark)):
        raise _Conflict
    return theirs if (theirs_mark or "") > (ours_mark or "") else ours


# --- git's text merge ----------------------------------------------------------------------


def _text_merge(base: Path, ours: Path, theirs: Path) -> bool:
    """git's own line merge into `ours`, conflict markers included; True when clean."""
    command = ["git", "merge-file", "-L", "ours", "-L", "base", "-L", "theirs", str(ours), str(base), str(theirs)]
    try:
        done = subprocess.run(command, capture_output=True, text=True)
    except OSError as error:
        raise MergeDriverError(f"cannot run git merge-file: {error}") from None
    # The exit code is the number of conflicts (capped at 127); above that, git failed.
    if done.returncode > 127 or done.returncode < 0:
        message = " ".join(done.stderr.split()) or f"exit code {done.returncode}"
        raise MergeDriverError(f"git merge-file {ours}: {message}")
    return done.returncode == 0
