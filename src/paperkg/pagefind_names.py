"""Short names for the pages of a Pagefind index, so that the page list every first search
downloads stays small on a large site.

Pagefind's page list (`pagefind.<language>_<hash>.pf_meta`) names each page by its fragment
file: a seven-digit hash of the fragment's content. Such names do not compress, and they are
most of the list: 196 kB of a 30,000-page index's gzipped list, which every first search
downloads before anything else. Renamed to the page's position in the list in base 36, inside
a directory named by the list's own hash (`en_b016518e37/0`, `en_b016518e37/1`, ...), the same
list takes half the bytes. The directory keeps names unique to one index, as Pagefind's were:
a browser that cached a fragment of an older index never takes it for this one's.

Nothing else in the index names pages: word and filter chunks point to a page by its position
in the list, which is unchanged. The list's own file keeps its name (its hash names what it
was made from, and the renaming is a function of that), so the entry file needs no change.
The page list's form (a CBOR array after the `pagefind_dcd` signature, gzipped) is that of
Pagefind 1.6, which package.json pins; a page list of another form is a BuildError naming it.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import cbor2

from paperkg.errors import BuildError

SIGNATURE = b"pagefind_dcd"  # what Pagefind's files start with once decompressed
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def base36(number: int) -> str:
    digits = ""
    while True:
        number, digit = divmod(number, 36)
        digits = _DIGITS[digit] + digits
        if number == 0:
            return digits


def shorten_page_names(bundle: Path, last: tuple[str, str] | None = None) -> int:
    """Rename the pages of every language of the Pagefind index in `bundle` (its fragment files
    and their names in the page list); returns the number of pages renamed. With `last` (a URL
    and a name), the list's last page gets that name if it has that URL."""
    entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    renamed = 0
    for language in entry["languages"].values():
        renamed += _shorten(bundle, language["hash"], last)
    return renamed


def _shorten(bundle: Path, index: str, last: tuple[str, str] | None) -> int:
    meta_file = bundle / f"pagefind.{index}.pf_meta"
    meta = read(meta_file)
    pages = meta[1] if isinstance(meta, list) and len(meta) > 1 else None
    if not isinstance(pages, list) or not all(_is_page(page) for page in pages):
        raise BuildError(f"{meta_file}: not a page list of the form paperkg knows (Pagefind 1.6's)")
    if any(page[2] for page in pages):
        return 0  # fragments grouped into shared files (Pagefind's max_fragments): names are keys there
    fragments = bundle / "fragment"
    (fragments / index).mkdir(exist_ok=True)
    names = [base36(number) for number in range(len(pages))]
    if last is not None and pages and _fragment_url(fragments / f"{pages[-1][0]}.pf_fragment") == last[0]:
        names[-1] = last[1]
    for name, page in zip(names, pages, strict=True):  # a fragment holds its page's URL: one fragment per page
        new = f"{index}/{name}"
        os.rename(fragments / f"{page[0]}.pf_fragment", fragments / f"{new}.pf_fragment")
        page[0] = new
    write(meta_file, meta)
    return len(pages)


def _is_page(page: object) -> bool:
    """A page of the list: [fragment name, word count, fragment group]."""
    return (isinstance(page, list) and len(page) == 3 and isinstance(page[0], str)
            and isinstance(page[1], int) and isinstance(page[2], str))


def _fragment_url(path: Path) -> str:
    """The URL in a page's fragment (gzipped, then the signature, then JSON)."""
    return json.loads(gzip.decompress(path.read_bytes()).removeprefix(SIGNATURE))["url"]


def read(path: Path) -> object:
    """A Pagefind file's content: gzipped, then the signature, then CBOR."""
    data = gzip.decompress(path.read_bytes())
    if not data.startswith(SIGNATURE):
        raise BuildError(f"{path}: not a Pagefind file (no {SIGNATURE.decode()} signature)")
    return cbor2.loads(data[len(SIGNATURE):])


def write(path: Path, content: object) -> None:
    """Write a Pagefind file (mtime 0 in the gzip header: the same index, the same bytes). In
    place: the index is renamed in the directory Pagefind just wrote, kept only once complete."""
    path.write_bytes(gzip.compress(SIGNATURE + cbor2.dumps(content), compresslevel=9, mtime=0))
