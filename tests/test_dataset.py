"""The N-Triples dump's gzip: one standard gzip member made of deflated segments, which any
gzip reader reads whole, and whose segments a later build reads back instead of deflating them
again, with the same bytes as a dump made from nothing; its CRC-32 combined from the segments'."""

from __future__ import annotations

import gzip
import io
import random
import subprocess
import tempfile
import zlib
from pathlib import Path

import pytest

from paperkg.render import dataset


def lines(count: int, seed: int = 1) -> list[str]:
    """`count` papers' lines, a type and a name each."""
    rng = random.Random(seed)
    papers = [f"<https://example.org/paper/{rng.randrange(10**9)}/#it>" for _ in range(count)]
    typed = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://schema.org/ScholarlyArticle>"
    return sorted([*(f"{paper} {typed} ." for paper in papers),
                   *(f'{paper} <https://schema.org/name> "{"word " * rng.randrange(20)}{n} é" .'
                     for n, paper in enumerate(papers))])


def dump(given: list[str], kept: Path) -> bytes:
    segments = dataset.Segments(kept)
    made = segments.cut(given)
    out = io.BytesIO()
    segments.write(made, out)
    segments.prune(made)
    return out.getvalue()


def fresh(given: list[str]) -> bytes:
    """The dump made from nothing kept."""
    with tempfile.TemporaryDirectory() as directory:
        return dump(given, Path(directory))


def text(given: list[str]) -> bytes:
    return "".join(line + "\n" for line in given).encode()


@pytest.mark.parametrize("count", [0, 1, 30_000])
def test_the_dump_is_one_gzip_member_that_gzip_reads_whole(tmp_path: Path, count: int) -> None:
    given = lines(count)
    packed = fresh(given)
    reader = zlib.decompressobj(16 + zlib.MAX_WBITS)  # gzip framing: header, deflate, CRC-32 and size checked
    assert reader.decompress(packed) == text(given) and reader.eof and reader.unused_data == b""
    (tmp_path / "graph.nt.gz").write_bytes(packed)
    unpacked = subprocess.run(["gzip", "-dc", str(tmp_path / "graph.nt.gz")], capture_output=True, check=True)
    assert unpacked.stdout == text(given)
    if count > 10_000:
        assert len(packed) < len(text(given)) / 3  # deflated, not stored


def test_kept_segments_are_read_back_and_give_the_bytes_of_a_fresh_dump(tmp_path: Path) -> None:
    kept = tmp_path / "segments"
    before = lines(30_000)
    assert dump(before, kept) == fresh(before)
    made = {path.name: path.stat().st_mtime_ns for path in kept.iterdir()}
    assert len(made) > 5  # segments, not one

    assert dump(before, kept) == fresh(before)  # every segment read back, none made again
    assert {path.name: path.stat().st_mtime_ns for path in kept.iterdir()} == made

    # a line more moves the lines after it: only its own segment is made again, the old one goes
    after = sorted([*before, before[10_001].replace("é", "è")])
    assert dump(after, kept) == fresh(after)
    now = {path.name for path in kept.iterdir()}
    assert len(now - set(made)) == 1 and len(set(made) - now) == 1


def test_a_segment_kept_from_another_level_is_not_taken(tmp_path: Path, monkeypatch) -> None:
    kept = tmp_path / "segments"
    given = lines(5_000)
    at_6 = dump(given, kept)
    monkeypatch.setattr(dataset, "LEVEL", 1)
    at_1 = dump(given, kept)
    assert at_1 == fresh(given) != at_6


def test_segments_give_back_their_text_and_dump_in_any_order(tmp_path: Path) -> None:
    segments = dataset.Segments(tmp_path)
    first, second = lines(3_000, seed=1), lines(2_000, seed=2)  # two graph files' lines
    made = [segments.cut(first), segments.cut(second)]
    assert segments.text(made[0]) == text(first).decode() and segments.text(made[1]) == text(second).decode()
    out = io.BytesIO()
    segments.write(made[1] + made[0], out)  # the CRC-32 and size of the whole, from the segments' own
    assert gzip.decompress(out.getvalue()) == text(second) + text(first)


def test_crc32_combine_is_zlibs() -> None:
    chosen = random.Random(7)
    for _ in range(200):
        a = chosen.randbytes(chosen.randrange(3000))
        b = chosen.randbytes(chosen.choice([0, 1, chosen.randrange(70_000)]))
        assert dataset.crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)
