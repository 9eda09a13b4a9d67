"""The site's own search index (search_files): the words it holds, and its files decoded back
(word chunks, fragments, filters, index.json) equal to what the records say; the same records
make the same bytes, and `write_index` writes only the files that changed and removes the
ones no longer in the index."""

from __future__ import annotations

import hashlib
import json
import os
import zlib
from pathlib import Path

import pytest

from paperkg import search_files
from paperkg.search_files import index_files, words, write_index

ASTRAL = "\U00010428"  # DESERET SMALL LETTER LONG I: past U+FFFF, a surrogate pair in UTF-16
HIGH_BMP = "\ufa0e"  # a CJK compatibility ideograph with no decomposition: a letter in U+E000-U+FFFF


def record(url: str, title: str, content: str, filters: dict[str, list[str]] | None = None,
           authors: str | None = None) -> dict:
    meta = {"title": title} if authors is None else {"title": title, "authors": authors}
    return {"content": content, "filters": filters or {}, "language": "en", "meta": meta, "url": url}


def paper(url: str, title: str, authors: str, abstract: str, topic: str, year: str) -> dict:
    """A paper's record as search.py makes it: the title and authors are also in its text."""
    return record(url, title, f"{title}\n{authors}\n{abstract}", {"topic": [topic], "year": [year]}, authors)


def hand_made() -> list[dict]:
    """Six records, sorted by URL: an author list (no authors in its meta), four papers with
    topic and year filters, one a word 300 times over, one with an astral and a high-BMP letter,
    and a topic page."""
    records = [
        record("/authors/e/", "Authors: E", "Éric Dupont\nЕлена Смирнова\nΣοφία Παπαδοπούλου"),
        record("/authors/l/", "Authors: L", "Łukasz Kowalski\nLéa Martin"),
        paper("/papers/2401.00001/", "A naïve $O(n)$ ﬁlter for 𝐀 graphs", "Łukasz Kowalski, Éric Dupont",
              "We give a naive filter for graph_search in O(n log n) time; the filter is simple.",
              "cs.DS — Data Structures and Algorithms", "2024"),
        paper("/papers/2401.00002/", "Spam, spam and more spam", "Léa Martin",
              "spam " * 300 + "and eggs", "cs.AI — Artificial Intelligence", "2023"),
        paper("/papers/2401.00003/", f"Letters {ASTRAL}x and {HIGH_BMP} in Москва", "Σοφία Παπαδοπούλου",
              f"The words {ASTRAL}x and {HIGH_BMP} sort differently in UTF-16 and in code points.",
              "cs.DS — Data Structures and Algorithms", "2023"),
        record("/topics/cs.ds/", "Data Structures and Algorithms (cs.DS)", "cs.DS Data Structures and Algorithms"),
    ]
    assert [r["url"] for r in records] == sorted(r["url"] for r in records)
    return records


def lines(records: list[dict]) -> list[bytes]:
    return [json.dumps(r, ensure_ascii=False, sort_keys=True).encode() for r in records]


# --- a decoder of the format, written from search_files' docstring --------------------------


def varint(data: bytes, at: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, at
        shift += 7


def undo_gaps(gaps: list[int]) -> list[int]:
    numbers, total = [], 0
    for gap in gaps:
        total += gap
        numbers.append(total)
    return numbers


def decode_chunk(compressed: bytes) -> list[tuple[str, list[int], list[int]]]:
    """A word chunk's words in file order: (word, record numbers, weights)."""
    data = zlib.decompress(compressed)
    at, out = 0, []
    while at < len(data):
        length, at = varint(data, at)
        word = data[at:at + length].decode("utf-8")
        at += length
        count, at = varint(data, at)
        gaps = []
        for _ in range(count):
            gap, at = varint(data, at)
            gaps.append(gap)
        weights = list(data[at:at + count])
        assert len(weights) == count
        at += count
        out.append((word, undo_gaps(gaps), weights))
    assert at == len(data)
    return out


def chunks(files: dict[str, bytes]) -> list[list[tuple[str, list[int], list[int]]]]:
    """Every word chunk, in order, after checking they are numbered 0..n-1 as index.json says."""
    index = json.loads(files["index.json"])
    names = sorted(path for path in files if path.startswith("w/"))
    assert names == sorted(f"w/{i}.bin" for i in range(len(index["chunks"])))
    return [decode_chunk(files[f"w/{i}.bin"]) for i in range(len(index["chunks"]))]


def decoded_index(files: dict[str, bytes]) -> dict[str, dict[int, int]]:
    """word -> {record number: weight}, from all chunks; each number once, in increasing order."""
    index: dict[str, dict[int, int]] = {}
    for chunk in chunks(files):
        for word, numbers, weights in chunk:
            assert word not in index, f"{word!r} in two places"
            assert numbers == sorted(set(numbers)), word
            index[word] = dict(zip(numbers, weights, strict=True))
    return index


def fragment_of(url: str, count: int) -> int:
    """The fragment a URL falls in, as the docstring tells: BLAKE2b's first 8 bytes modulo F."""
    return int.from_bytes(hashlib.blake2b(url.encode(), digest_size=8).digest(), "big") % count


def shown_by_number(files: dict[str, bytes]) -> dict[int, list]:
    """Every record's [url, title, authors, text] by its number: record s * F + b is the one at
    place s in fragment b."""
    count = json.loads(files["index.json"])["fragments"]
    shown = {}
    for path in files:
        if path.startswith("f/"):
            fragment = int(path.removeprefix("f/").removesuffix(".json"))
            assert 0 <= fragment < count
            for place, row in enumerate(json.loads(files[path])):
                shown[place * count + fragment] = row
    return shown


def numbering(files: dict[str, bytes], records: list[dict]) -> list[int]:
    """Each record's number, in the records' order, from the fragments."""
    number_of = {row[0]: number for number, row in shown_by_number(files).items()}
    assert len(number_of) == len(records)
    return [number_of[r["url"]] for r in records]


def expected_index(records: list[dict], numbers: list[int]) -> dict[str, dict[int, int]]:
    """The inverted index computed directly: a word's weight in a record is its occurrences in
    the text plus 3 times those in the title, at most 255."""
    index: dict[str, dict[int, int]] = {}
    for number, r in zip(numbers, records, strict=True):
        text, title = words(r["content"]), words(r["meta"]["title"])
        for word in sorted(set(text) | set(title)):
            index.setdefault(word, {})[number] = min(255, text.count(word) + 3 * title.count(word))
    return index


def on_disk(target: Path) -> dict[str, bytes]:
    return {path.relative_to(target).as_posix(): path.read_bytes() for path in target.rglob("*") if path.is_file()}


def mtimes(target: Path) -> dict[str, int]:
    return {path.relative_to(target).as_posix(): path.stat().st_mtime_ns
            for path in target.rglob("*") if path.is_file()}


# --- words -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("Graph Search", ["graph", "search"]),
    ("Éric", ["eric"]),
    ("naïve Ångström façade", ["naive", "angstrom", "facade"]),
    ("Łukasz Kowalski", ["łukasz", "kowalski"]),
    ("ﬁlter", ["filter"]),
    ("𝐀𝐁𝐂 bold", ["abc", "bold"]),
    ("$O(n)$ time", ["o", "n", "time"]),
    ("snake_case, kebab-case; dot.ted/slash", ["snake", "case", "kebab", "case", "dot", "ted", "slash"]),
    ("GPT-4 in 2024: x2 H2O", ["gpt", "4", "in", "2024", "x2", "h2o"]),
    ("Москва", ["москва"]),
    ("ΣΟΦΙΑ Σοφία", ["σοφια", "σοφια"]),
    ("北京 大学", ["北京", "大学"]),
    (f"{ASTRAL.upper()}x", [f"{ASTRAL}x"]),
    ("x\U0001d167y\U000e0100z", ["xyz"]),  # marks past U+FFFF (a musical tremolo, a variation selector) dropped
    ("STRASSE Straße", ["strasse", "straße"]),  # lower case (JavaScript's toLowerCase), not case folding
    ("", []),
    ("  --  ", []),
])
def test_words(text: str, expected: list[str]) -> None:
    assert words(text) == expected


def test_words_ascii_and_unicode_paths_agree() -> None:
    """An ASCII text gives the same words alone as beside a non-ASCII one."""
    text = "The Quick_Brown fox, 42 times (O(n log n))."
    assert words(text + " Éric") == [*words(text), "eric"]


# --- the word chunks ---------------------------------------------------------------------------


def test_chunks_hold_the_inverted_index() -> None:
    records = hand_made()
    files = index_files(lines(records))
    index = decoded_index(files)
    n = numbering(files, records)
    assert index == expected_index(records, n)
    # a few by hand, so the test does not only agree with itself
    assert index["eric"] == {n[0]: 1, n[2]: 1}  # "Éric" in an author list and a paper's authors
    assert index["łukasz"] == {n[1]: 1, n[2]: 1}
    assert index["naive"] == {n[2]: 1 + 1 + 3}  # twice in the text (the title's copy and "naive"), once in the title
    assert index["filter"] == {n[2]: 1 + 2 + 3}  # "ﬁlter" in the title and its copy, "filter" twice more
    assert index["a"] == {n[2]: 3 + 2 * 3}  # "A" and "𝐀" in the title and its copy in the text, "a naive"
    assert index["o"] == {n[2]: 1 + 1 + 3}
    assert index["spam"] == {n[3]: 255}  # 300 + 3 in the text and 3 * 3 for the title: capped
    assert index["eggs"] == {n[3]: 1}
    assert index["москва"] == {n[4]: 1 + 3}
    assert "2024" not in index  # filters are not text
    assert index["data"] == {n[5]: 1 + 3}
    assert "σοφια" in index and index["σοφια"] == {n[0]: 1, n[4]: 1}


def test_weights_are_capped_per_word() -> None:
    """A word past 255 is capped; the other words of the record keep their counts."""
    records = [record("/a/", "lots", "lots " * 400 + "few few"), record("/b/", "", "lots")]
    files = index_files(lines(records))
    a, b = numbering(files, records)
    assert decoded_index(files) == {"lots": {a: 255, b: 1}, "few": {a: 2}}


def test_record_numbers_past_a_byte() -> None:
    """Record numbers and gaps of 128 and more take several varint bytes."""
    records = [record(f"/p/{n:05d}/", "", "common" + (" rare" if n in (0, 130, 20_000) else ""))
               for n in range(20_001)]
    files = index_files(lines(records))
    index, n = decoded_index(files), numbering(files, records)
    assert max(n) >= 1 << 14  # three varint bytes
    assert index["rare"] == {n[0]: 1, n[130]: 1, n[20_000]: 1}
    assert index["common"] == dict.fromkeys(n, 1)


def utf16(word: str) -> bytes:
    return word.encode("utf-16-be")


@pytest.mark.parametrize("limit", [1, 3, 7, 20_000])
def test_words_in_utf16_order_across_chunks(monkeypatch: pytest.MonkeyPatch, limit: int) -> None:
    monkeypatch.setattr(search_files, "CHUNK_POSTINGS", limit)
    records = hand_made()
    files = index_files(lines(records))
    index = json.loads(files["index.json"])
    decoded = chunks(files)
    if limit < 20_000:
        assert len(decoded) > 3
    else:
        assert len(decoded) == 1
    assert all(decoded), "an empty chunk"
    assert index["chunks"] == [chunk[0][0] for chunk in decoded]
    in_order = [word for chunk in decoded for word, _, _ in chunk]
    assert in_order == sorted(in_order, key=utf16)
    assert len(set(in_order)) == len(in_order)
    assert set(in_order) == set(expected_index(records, numbering(files, records)))
    # The astral word is before the high-BMP one in UTF-16 (a surrogate is below U+E000),
    # though after it in code points: the order is JavaScript's, not Python's.
    astral, high = f"{ASTRAL}x", HIGH_BMP
    assert astral > high
    assert in_order.index(astral) < in_order.index(high)
    assert in_order != sorted(in_order)
    assert decoded_index(files) == expected_index(records, numbering(files, records))


def test_chunks_close_at_the_postings_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """A chunk ends with the word that brings its postings to CHUNK_POSTINGS or more."""
    monkeypatch.setattr(search_files, "CHUNK_POSTINGS", 5)
    decoded = chunks(index_files(lines(hand_made())))
    for chunk in decoded[:-1]:
        postings = [len(numbers) for _, numbers, _ in chunk]
        assert sum(postings) >= 5
        assert sum(postings[:-1]) < 5
    assert 0 < sum(len(numbers) for _, numbers, _ in decoded[-1])


# --- fragments, filters, index.json ----------------------------------------------------------


def test_fragments_and_index_json() -> None:
    records = hand_made()
    files = index_files(lines(records))
    index = json.loads(files["index.json"])
    assert set(index) == {"format", "records", "version", "chunks", "fragments"}
    assert index["format"] == search_files.FORMAT == 2
    assert index["records"] == len(records)
    assert index["fragments"] == 2  # the least power of two F with 4 F >= 6
    assert isinstance(index["version"], str) and index["version"]
    by_fragment: dict[int, list[list]] = {}
    for r in records:
        by_fragment.setdefault(fragment_of(r["url"], 2), []).append(
            [r["url"], r["meta"]["title"], r["meta"].get("authors", ""), r["content"]])
    assert {path: json.loads(data) for path, data in files.items() if path.startswith("f/")} == {
        f"f/{b}.json": shown for b, shown in by_fragment.items()}  # each in the order of its URLs
    shown = shown_by_number(files)
    assert sorted(row[0] for row in shown.values()) == [r["url"] for r in records]
    assert shown[numbering(files, records)[0]][2] == ""  # an author list has no authors of its own
    assert shown[numbering(files, records)[2]][2] == "Łukasz Kowalski, Éric Dupont"
    assert set(files) == {"index.json", "filters.json", *(f"f/{b}.json" for b in by_fragment),
                          *(f"w/{i}.bin" for i in range(len(index["chunks"])))}


@pytest.mark.parametrize(("n", "count"), [(0, 0), (1, 1), (4, 1), (5, 2), (8, 2), (9, 4), (33, 16), (4096, 1024)])
def test_fragment_count_is_a_power_of_two_for_four_records_at_most(n: int, count: int) -> None:
    records = [record(f"/p/{i:04d}/", f"t{i}", "x") for i in range(n)]
    files = index_files(lines(records))
    assert search_files.fragment_count(n) == json.loads(files["index.json"])["fragments"] == count
    assert sorted(row[0] for row in shown_by_number(files).values()) == [r["url"] for r in records]
    assert {path for path in files if path.startswith("f/")} == {f"f/{fragment_of(r['url'], count)}.json"
                                                               for r in records}


def test_a_record_added_or_removed_changes_its_own_fragment_only() -> None:
    """Numbered by their place among all records, a record added early moved every one after it
    into another fragment; here the other fragments and the other records' numbers stay."""
    records = [paper(f"/papers/2401.{i:05d}/", f"Paper {i}", f"Author {i % 7}", f"abstract {i}", "cs.DS", "2024")
               for i in range(0, 400, 2)]
    added = [*records[:3], paper("/papers/2401.00005/", "New", "Author 1", "abstract new", "cs.DS", "2024"),
             *records[3:]]
    before, after = index_files(lines(records)), index_files(lines(added))
    count = json.loads(before["index.json"])["fragments"]
    assert json.loads(after["index.json"])["fragments"] == count == 64
    own = f"f/{fragment_of('/papers/2401.00005/', count)}.json"
    fragments = {path for path in before.keys() | after.keys() if path.startswith("f/")}
    assert {path for path in fragments if before.get(path) != after.get(path)} == {own}
    old, new = numbering(before, records), numbering(after, added)
    moved = [r["url"] for r, o, m in zip(records, old, new[:3] + new[4:], strict=True) if o != m]
    assert all(f"f/{fragment_of(url, count)}.json" == own for url in moved)  # later in the same fragment
    assert index_files(lines(records)) == before  # and removed again, as it was


def test_filters() -> None:
    records = hand_made()
    files = index_files(lines(records))
    filters = json.loads(files["filters.json"])
    n = numbering(files, records)
    ds, y2023 = sorted([n[2], n[4]]), sorted([n[3], n[4]])
    assert filters == {
        "topic": {"cs.AI — Artificial Intelligence": [n[3]],
                  "cs.DS — Data Structures and Algorithms": [ds[0], ds[1] - ds[0]]},
        "year": {"2023": [y2023[0], y2023[1] - y2023[0]], "2024": [n[2]]},
    }
    back: dict[int, dict[str, list[str]]] = {}
    for name, values in filters.items():
        for value, gaps in values.items():
            for number in undo_gaps(gaps):
                back.setdefault(number, {}).setdefault(name, []).append(value)
    assert back == {number: r["filters"] for number, r in zip(n, records, strict=True) if r["filters"]}


# --- the same records, the same bytes --------------------------------------------------------


def test_same_records_same_bytes_and_a_change_a_new_version() -> None:
    records = hand_made()
    first, second = index_files(lines(records)), index_files(lines(hand_made()))
    assert first == second
    changed = hand_made()
    changed[3]["content"] = changed[3]["content"].replace("eggs", "ham")
    third = index_files(lines(changed))
    assert json.loads(third["index.json"])["version"] != json.loads(first["index.json"])["version"]
    differing = {path for path in first if first[path] != third.get(path)}
    own = f"f/{fragment_of(changed[3]['url'], 2)}.json"
    assert {path for path in differing if path.startswith("f/")} == {own}
    assert "index.json" in differing and "filters.json" not in differing


def test_version_follows_every_file() -> None:
    """A change to the filters alone, or to a title alone, changes the version too."""
    base = hand_made()
    versions = {json.loads(index_files(lines(base))["index.json"])["version"]}
    other_year = hand_made()
    other_year[4]["filters"]["year"] = ["2022"]
    other_title = hand_made()
    other_title[5]["meta"]["title"] = other_title[5]["meta"]["title"] + " "
    for records in (other_year, other_title):
        versions.add(json.loads(index_files(lines(records))["index.json"])["version"])
    assert len(versions) == 3


def test_version_follows_the_word_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same records cut into other chunks: only the word chunks differ, and the version."""
    monkeypatch.setattr(search_files, "CHUNK_POSTINGS", 3)
    small = index_files(lines(hand_made()))
    monkeypatch.setattr(search_files, "CHUNK_POSTINGS", 20_000)
    large = index_files(lines(hand_made()))
    assert {p: d for p, d in small.items() if p.startswith(("f/", "filters"))} == {
        p: d for p, d in large.items() if p.startswith(("f/", "filters"))}
    assert json.loads(small["index.json"])["version"] != json.loads(large["index.json"])["version"]


# --- the words kept from one index to the next ------------------------------------------------


def counting_words(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts `words` is called on from now on."""
    seen: list[str] = []
    real = search_files.words
    monkeypatch.setattr(search_files, "words", lambda text: seen.append(text) or real(text))
    return seen


def test_kept_words_make_the_same_bytes_and_only_changed_records_are_split(monkeypatch: pytest.MonkeyPatch) -> None:
    records = hand_made()
    cache = search_files.WordCache()
    assert index_files(lines(records), cache) == index_files(lines(records))
    kept = search_files.WordCache.from_bytes(cache.dumps())
    changed = hand_made()
    changed[3]["content"] = changed[3]["content"].replace("eggs", "ham")
    changed.pop(0)
    seen = counting_words(monkeypatch)
    parsed: list[bytes] = []
    loads = search_files.json.loads
    monkeypatch.setattr(search_files.json, "loads", lambda text: parsed.append(text) or loads(text))
    again = search_files.WordCache(kept.found)
    assert index_files(lines(changed), again) == index_files(lines(changed))
    assert seen[:2] == [changed[2]["content"], changed[2]["meta"]["title"]]  # the changed record's, first time
    assert parsed[:1] == [lines(changed)[2]] and len(parsed) == 1 + len(changed)  # read likewise
    assert len(seen) == 2 + 2 * len(changed)  # then every record's, without the cache
    assert len(again.used) == len(changed)  # what is kept next: this index's records only


def test_words_kept_by_other_code_or_damaged_are_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    records = hand_made()
    cache = search_files.WordCache()
    index_files(lines(records), cache)
    path = tmp_path / search_files.WORDS
    path.write_bytes(cache.dumps())
    assert len(search_files.WordCache.load(path).found) == len(records)
    monkeypatch.setattr(search_files, "code_digest", lambda: b"another version")
    assert search_files.WordCache.load(path).found == {}
    path.write_bytes(b"not a pickle")
    assert search_files.WordCache.load(path).found == {}
    assert search_files.WordCache.load(tmp_path / "none").found == {}
    for damaged in ({key: ("word another", b"\x01", "[]", ()) for key in cache.used},  # an older entry's shape
                    {key: ("word another", b"\x01", "[]", (), 0) for key in cache.used}):  # two words, one weight
        assert index_files(lines(records), search_files.WordCache(damaged)) == index_files(lines(records))


def test_make_index_keeps_the_words_beside_the_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    records_path, kept, made = tmp_path / "records.jsonl", tmp_path / "kept", tmp_path / "made"
    records = hand_made()
    write_records(records_path, records)
    search_files.make_index(records_path, kept, made, "one")
    made.rename(kept)
    records[4]["meta"]["title"] = "Another title"
    write_records(records_path, records)
    seen = counting_words(monkeypatch)
    search_files.make_index(records_path, kept, made, "two")
    assert sorted(seen) == sorted([records[4]["content"], "Another title"])
    assert {p.relative_to(made).as_posix(): p.read_bytes() for p in made.rglob("*") if p.is_file()
            and p.name not in (search_files.DIGEST, search_files.WORDS)} == index_files(lines(records))
    assert len(search_files.WordCache.load(made / search_files.WORDS).found) == len(records)


# --- write_index -------------------------------------------------------------------------------


def write_records(path: Path, records: list[dict]) -> None:
    path.write_bytes(b"".join(line + b"\n" for line in lines(records)))


def test_write_index_writes_only_what_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_files, "CHUNK_POSTINGS", 4)  # several chunks, so one change leaves most alone
    records_path, target = tmp_path / "records.jsonl", tmp_path / "site" / search_files.OUTPUT
    records = hand_made()
    write_records(records_path, records)

    expected = index_files(lines(records))
    assert len(expected) > 6
    assert write_index(records_path, target) == (len(records), len(expected))
    assert on_disk(target) == expected

    old = 1_000_000_000_000_000_000  # 2001: anything rewritten from now on has another mtime
    for path in target.rglob("*"):
        if path.is_file():
            os.utime(path, ns=(old, old))
    assert write_index(records_path, target) == (len(records), 0)
    assert set(mtimes(target).values()) == {old}
    assert on_disk(target) == expected

    changed = hand_made()
    changed[5]["content"] += " zebra"
    write_records(records_path, changed)
    new = index_files(lines(changed))
    differing = {path for path in new if new[path] != expected.get(path)}
    records_count, written = write_index(records_path, target)
    assert records_count == len(changed)
    assert 0 < written < len(new)
    assert written == len(differing)
    assert on_disk(target) == new
    times = mtimes(target)
    assert {path for path, time in times.items() if time != old} == differing
    own = f"f/{fragment_of(changed[5]['url'], 2)}.json"
    assert "index.json" in differing and own in differing
    assert [path for path in differing if path.startswith("f/")] == [own]


def test_write_index_removes_files_no_longer_in_the_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_files, "CHUNK_POSTINGS", 2)
    records_path, target = tmp_path / "records.jsonl", tmp_path / "out"
    records = hand_made()
    write_records(records_path, records)
    write_index(records_path, target)
    before = set(on_disk(target))
    assert {"f/0.json", "f/1.json"} <= before

    fewer = records[:2]
    write_records(records_path, fewer)
    assert write_index(records_path, target)[0] == 2
    after = on_disk(target)
    assert after == index_files(lines(fewer))
    assert "f/1.json" not in after
    assert len([p for p in after if p.startswith("w/")]) < len([p for p in before if p.startswith("w/")])
    assert not [path for path in target.rglob(".*") if path.is_file()], "a temporary file left behind"

    write_records(records_path, records)  # and back: the removed files come again
    write_index(records_path, target)
    assert on_disk(target) == index_files(lines(records))


def test_write_index_replaces_a_damaged_file(tmp_path: Path) -> None:
    records_path, target = tmp_path / "records.jsonl", tmp_path / "out"
    write_records(records_path, hand_made())
    write_index(records_path, target)
    next((target / "f").iterdir()).write_bytes(b"[]")
    (target / "w" / "0.bin").unlink()
    assert write_index(records_path, target) == (6, 2)
    assert on_disk(target) == index_files(lines(hand_made()))


# --- no records --------------------------------------------------------------------------------


def test_empty_records(tmp_path: Path) -> None:
    files = index_files([])
    index = json.loads(files["index.json"])
    assert index["records"] == 0
    assert index["chunks"] == []
    assert index["fragments"] == 0
    assert json.loads(files["filters.json"]) == {}
    assert not [path for path in files if path.startswith(("w/", "f/"))]

    records_path, target = tmp_path / "records.jsonl", tmp_path / "out"
    records_path.write_bytes(b"")
    assert write_index(records_path, target) == (0, len(files))
    assert on_disk(target) == files

    write_records(records_path, hand_made())  # an index that had records, emptied
    write_index(records_path, target)
    records_path.write_bytes(b"")
    assert write_index(records_path, target)[0] == 0
    assert on_disk(target) == files
    assert json.loads((target / "index.json").read_bytes())["records"] == 0

