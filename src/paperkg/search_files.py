"""The site's own search index: the search records (search.py) made into small static files
that the search page's engine (assets/search-engine.js) fetches a few at a time.

Why not Pagefind: an update must be fast and its index the same bytes as a full build's. Pagefind
has no way to index only what changed (Pagefind/pagefind#71, open), so an update had it make the
whole index again, 37 CPU-seconds at 30,000 papers; these files take a few seconds of Python, in
a child process beside the build.

The format (version FORMAT), under site_dir/search-index/:
- `index.json`: {"format", "records": N, "version": digest of the other files, "chunks": the
  first word of each word chunk, in order, "fragments": F}.
- `w/<i>.bin`: word chunk i, zlib-deflated: for each word, in UTF-16 order (JavaScript's string
  order, in which the engine looks a word up among the chunks' first words): varint byte length,
  the word in UTF-8, varint count n, n varints (the records' numbers, each as its difference to
  the one before), then n bytes (each record's weight for the word: its occurrences, a title's
  counted TITLE_WEIGHT times more, at most 255).
- `f/<b>.json`: fragment b, the records whose URL falls in it, [url, title, authors, text] each
  in the order of their URLs: what a result shows, its snippet made from the text (the record's
  content without the title and authors it starts with). A fragment with no records has no file.
- `filters.json`: {filter: {value: [record numbers as differences]}}, loaded when a reader
  opens the filters.
A record's fragment is b = its URL's BLAKE2b digest of 8 bytes, read as a big-endian number,
modulo F; F is the least power of two with F * PER_FRAGMENT >= N. Its number is s * F +
b, where s is its place in its fragment: the result in file f/<n % F>.json at place n // F. So a
record added or removed changes the files of its own fragment and words only, where numbering by
place among all records had every fragment after it change (an update of a 30k site adding a
page early in the order rewrote 7,800 fragments); all numbers change when F does, as N doubles
or halves. Results of equal score come in the order of their numbers, which is no order a reader
would know.
Beside the index kept in .paperkg/ (not in the site): the digest of the records it was made from
(DIGEST), and what the index takes of each record (WORDS: its words and weights, its fragment,
its filters and its place), so that an update reads and splits the records that changed only.
Words are made by `words` here and by the engine alike: lower case, compatibility-decomposed,
marks dropped, runs of letters and digits. Marks dropped merge some words of scripts that write
vowels as marks (Devanagari), on both sides alike; a letter newer than this Python's Unicode
(14.0 in 3.11) splits a word here but not in a newer browser, so such a word is not found.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import operator
import pickle
import re
import shutil
import sys
import unicodedata
import zlib
from collections import Counter, defaultdict
from collections.abc import Collection
from pathlib import Path

from paperkg import collector, tempfiles
from paperkg.render.write import link_or_copy, write_if_changed

FORMAT = 2
OUTPUT = "search-index"  # under site_dir/: the search page's engine looks for it there
PER_FRAGMENT = 4  # records to a fragment file at most, on average: the first results fetch a few small files
CHUNK_POSTINGS = 20_000  # postings to a word chunk, about
DEFLATE_LEVEL = 3  # of the word chunks: at 30,000 papers 0.27 s for 4.08 MB, level 6 0.73 s for 3.82 MB
TITLE_WEIGHT = 3
DIGEST = "records.digest"  # beside a kept index: the digest of this code and the records it was made from
WORDS = "records.words"  # beside a kept index: what the index takes of each record (WordCache)
_WORD = re.compile(r"[^\W_]+")
_MARKS = {"Mn", "Mc", "Me"}
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_VARINT = [bytes([n]) if n < 0x80 else bytes([n & 0x7F | 0x80, n >> 7]) if n < 0x4000
           else bytes([n & 0x7F | 0x80, n >> 7 & 0x7F | 0x80, n >> 14]) for n in range(1 << 16)]


def words(text: str) -> list[str]:
    """The words of a text as the index holds them (the engine's `words` makes the same): the
    runs of letters and digits of the text decomposed for compatibility, lower-cased and
    without its marks (`É` is `e`, `ﬁ` is `fi`, `𝐀` is `a`)."""
    if text.isascii():
        return _WORD.findall(text.lower())
    decomposed = unicodedata.normalize("NFKD", text).lower()
    bmp, astral = _marks()
    decomposed = bmp.sub("", decomposed)
    if _ASTRAL.search(decomposed):  # the class of the marks past it is slow: only when needed
        decomposed = astral.sub("", decomposed)
    return _WORD.findall(decomposed)


@functools.cache
def _marks() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Every combining mark (Unicode categories Mn, Mc, Me), to drop: those of the Basic
    Multilingual Plane, and those past it."""
    points = itertools.chain(range(0x20000), range(0xE0000, 0xE0200))  # no marks elsewhere
    marks = [chr(point) for point in points if unicodedata.category(chr(point)) in _MARKS]
    return (re.compile("[" + "".join(re.escape(mark) for mark in marks if mark <= "\uffff") + "]+"),
            re.compile("[" + "".join(re.escape(mark) for mark in marks if mark > "\uffff") + "]+"))


@functools.cache
def code_digest() -> bytes:
    """The digest of this code: what it made (an index, kept words) is made anew by another."""
    return hashlib.sha256(Path(__file__).read_bytes()).digest()


class WordCache:
    """What the index takes of each record, by the digest of its line, kept from one index to
    the next: its words and weights, its fragment, its filters and its place. An update's index
    reads and splits the records that changed only (doing it for them all is most of its work).
    Made by another version of this code, it is not used."""

    def __init__(self, found: dict[bytes, tuple] | None = None) -> None:
        self.found = found or {}
        self.used: dict[bytes, tuple] = {}  # this index's records: what is kept next

    @classmethod
    def load(cls, path: Path) -> WordCache:
        try:
            return cls.from_bytes(path.read_bytes())
        except OSError:
            return cls()

    @classmethod
    def from_bytes(cls, data: bytes) -> WordCache:
        try:
            code, found = pickle.loads(data)
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError):
            return cls()
        return cls(found if code == code_digest() and isinstance(found, dict) else None)

    def dumps(self) -> bytes:
        return pickle.dumps((code_digest(), self.used), protocol=pickle.HIGHEST_PROTOCOL)

    def entry(self, line: bytes) -> tuple[str, bytes, str, tuple[tuple[str, tuple[str, ...]], ...], int]:
        """A record's words (each once, joined by spaces) and their weights (occurrences, a
        title's counted TITLE_WEIGHT times more, at most 255), its fragment (what its result
        shows, as JSON), its filters (each value once) and its URL's place among the fragments
        (`place`)."""
        key = hashlib.blake2b(line, digest_size=16).digest()
        kept = self.found.get(key)
        if isinstance(kept, tuple) and len(kept) == 5 and (kept[0].count(" ") + 1 if kept[0] else 0) == len(kept[1]):
            self.used[key] = kept  # else an entry made by other code, or damaged: made again
            return kept
        record = json.loads(line)
        title, text = record["meta"]["title"], record["content"]
        counts = Counter(words(text))
        for word in words(title):
            counts[word] += TITLE_WEIGHT
        authors = record["meta"].get("authors", "")
        shown = f"{title} {authors} " if authors else f"{title} "
        if text.startswith(shown):  # a result shows its title and authors apart: its snippet is from the rest
            text = text[len(shown):]
        fragment = json.dumps([record["url"], title, authors, text], ensure_ascii=False, separators=(",", ":"))
        filters = tuple((name, tuple(dict.fromkeys(values))) for name, values in record["filters"].items())
        weights = bytes(min(weight, 255) for weight in counts.values())
        self.used[key] = (" ".join(counts), weights, fragment, filters, place(record["url"]))
        return self.used[key]


def place(url: str) -> int:
    """Where a record's URL falls among the fragments, before the modulo: its BLAKE2b digest
    of 8 bytes, big-endian."""
    return int.from_bytes(hashlib.blake2b(url.encode(), digest_size=8).digest(), "big")


def fragment_count(records: int) -> int:
    """F: the least power of two with F * PER_FRAGMENT >= records (0 for no records)."""
    return 1 << ((records - 1) // PER_FRAGMENT).bit_length() if records else 0


def index_files(records: list[bytes], cache: WordCache | None = None) -> dict[str, bytes]:
    """Every file of the index (its path under OUTPUT), from the records as JSON lines sorted
    by URL: the same records, the same bytes (with or without a `cache` of their words)."""
    with collector.paused():  # what it makes lives until the end and holds no cycles
        return _index_files(records, cache or WordCache())


_first = operator.itemgetter(0)


def _index_files(records: list[bytes], cache: WordCache) -> dict[str, bytes]:
    entries = [cache.entry(line) for line in records]
    count = fragment_count(len(entries))
    fragments: dict[int, list[str]] = defaultdict(list)
    record_numbers = []
    for _, _, shown, _, where in entries:  # in the order of their URLs: so is each fragment's
        fragment = where % count
        record_numbers.append(len(fragments[fragment]) * count + fragment)
        fragments[fragment].append(shown)
    postings: dict[str, list[int]] = defaultdict(list)  # word -> record, weight, record, weight ...
    filters: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for number, (joined, weights, _, filtered, _) in sorted(zip(record_numbers, entries, strict=True), key=_first):
        for word, weight in zip(joined.split(" ") if joined else (), weights, strict=True):
            postings[word] += (number, weight)
        for name, values in filtered:
            for value in values:
                filters[name][value].append(number)
    files: dict[str, bytes] = {}
    firsts: list[str] = []
    chunk, size = bytearray(), 0
    for word in sorted(postings, key=_utf16):
        found = postings[word]
        if not chunk:
            firsts.append(word)
        encoded = word.encode()
        chunk += _varints([len(encoded)]) + encoded + _varints([len(found) // 2]) + _varints(_gaps(found[0::2]))
        chunk += bytes(found[1::2])
        size += len(found) // 2
        if size >= CHUNK_POSTINGS:
            files[f"w/{len(firsts) - 1}.bin"], chunk, size = zlib.compress(bytes(chunk), DEFLATE_LEVEL), bytearray(), 0
    if chunk:
        files[f"w/{len(firsts) - 1}.bin"] = zlib.compress(bytes(chunk), DEFLATE_LEVEL)
    for fragment, shown in fragments.items():
        files[f"f/{fragment}.json"] = f"[{','.join(shown)}]".encode()
    files["filters.json"] = json.dumps(
        {name: {value: _gaps(numbers) for value, numbers in sorted(values.items())}
         for name, values in sorted(filters.items())}, ensure_ascii=False, separators=(",", ":")).encode()
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.encode() + b"\0" + hashlib.sha256(files[path]).digest())
    files["index.json"] = json.dumps(
        {"format": FORMAT, "records": len(records), "version": digest.hexdigest()[:16], "chunks": firsts,
         "fragments": count}, ensure_ascii=False, separators=(",", ":")).encode()
    return files


def write_index(records: Path, target: Path, keep: Collection[str] = (),
                cache: WordCache | None = None) -> tuple[int, int]:
    """Make the index of the records file in `target`, writing only the files whose bytes
    changed and removing the others but `keep`; returns (records, files written)."""
    lines = [line for line in records.read_bytes().splitlines() if line.strip()]
    files = index_files(lines, cache)
    # replaced, not written over: `target` may be a hard-linked copy of the kept index (make_index)
    written = sum(write_if_changed(target, path, data, replace=True) for path, data in files.items())
    if target.is_dir():
        for path in target.rglob("*"):
            name = path.relative_to(target).as_posix()
            if path.is_file() and name not in files and name not in keep:
                path.unlink()
    return len(lines), written


def make_index(records: Path, kept: Path, made: Path, digest: str) -> tuple[int, int]:
    """The index of the records made in `made`, from a copy of the `kept` index (hard links:
    most of its files stay as they are), with the records' digest in DIGEST and their words in
    WORDS; returns (records, files written). The kept index is left as it was."""
    shutil.rmtree(made, ignore_errors=True)
    if (kept / "index.json").is_file():
        shutil.copytree(kept, made, copy_function=link_or_copy)
    cache = WordCache.load(made / WORDS)
    done = write_index(records, made, keep={DIGEST, WORDS}, cache=cache)
    tempfiles.replace_bytes(made / WORDS, cache.dumps())
    tempfiles.replace_bytes(made / DIGEST, digest.encode())
    return done


def _utf16(word: str) -> bytes:
    return word.encode("utf-16-be")


def _gaps(numbers: list[int]) -> list[int]:
    return [*numbers[:1], *map(operator.sub, numbers[1:], numbers)]


def _varints(numbers: list[int]) -> bytes:
    """The numbers as LEB128 varints (those under 65,536 from a table: most of them)."""
    try:
        return b"".join(map(_VARINT.__getitem__, numbers))
    except IndexError:
        return b"".join(_VARINT[n] if n < len(_VARINT) else _varint(n) for n in numbers)


def _varint(number: int) -> bytes:
    out = bytearray()
    while number >= 0x80:
        out.append(number & 0x7F | 0x80)
        number >>= 7
    out.append(number)
    return bytes(out)


if __name__ == "__main__":  # the build's search stage runs this in a process of its own
    try:
        made = make_index(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4])
    except Exception as error:  # one line for the build's error message
        sys.stderr.write(f"{type(error).__name__}: {error}\n")
        sys.exit(1)
    sys.stdout.write(f"{made[0]} {made[1]}\n")
