"""Python's cyclic garbage collector around the build's long-lived objects.

A build makes millions of objects that live on and hold no cycles (the views, the graph's
lines, the docs_dir's listing, MkDocs' files and pages); every full collection would walk all
of them, again and again."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """The collector off while such objects are made (at 30k papers the views took 15.7 s with
    it paused against 23.2 s: scripts/bench_views.py; the listings of 92,000 directories a third
    of a second more with it on), and on again after, as it was."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_frozen = 0  # long_lived blocks entered and not left


@contextmanager
def long_lived() -> Iterator[None]:
    """Everything alive now left out of the collector until the block ends (`gc.freeze`), here
    and in the processes forked meanwhile: what the pages are made from lives on through the
    block, yet every full collection would walk all of it, and a forked worker doing so would
    copy the memory pages it shares with this process. The collector sees it again afterwards
    (`gc.unfreeze`): when the outermost block ends, as blocks nest."""
    global _frozen
    gc.freeze()
    _frozen += 1
    try:
        yield
    finally:
        _frozen -= 1
        if not _frozen:
            gc.unfreeze()


def keep() -> None:
    """Inside a long_lived block, what was made since it began joins what it keeps out of the
    collector. Made with the collector paused, such objects would otherwise all be walked by
    the first collection once it is on again."""
    if not _frozen:
        raise RuntimeError("collector.keep() outside a long_lived block")  # a paperkg bug
    gc.freeze()
