"""The N-Triples dump's gzip: one standard gzip member made of deflated segments, which any
gzip reader reads whole, and whose segments a later build reads back instead of deflating them
again, with the same bytes as a dump made from nothing."""

from __future__ import annotations

import io
import random
import subprocess
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


def dump(given: list[str], kept: Path | None = None) -> bytes:
    out = io.BytesIO()
    dataset.write_ntriples_gz(given, out, kept)
    return out.getvalue()


def text(given: list[str]) -> bytes:
    return "".join(line + "\n" for line in given).encode()


@pytest.mark.parametrize("count", [0, 1, 30_000])
def test_the_dump_is_one_gzip_member_that_gzip_reads_whole(tmp_path: Path, count: int) -> None:
    given = lines(count)
    packed = dump(given)
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
    assert dump(before, kept) == dump(before)
    made = {path.name: path.stat().st_mtime_ns for path in kept.iterdir()}
    assert len(made) > 5  # segments, not one

    assert dump(before, kept) == dump(before)  # every segment read back, none made again
    assert {path.name: path.stat().st_mtime_ns for path in kept.iterdir()} == made

    # a line more moves the lines after it: only its own segment is made again, the old one goes
    after = sorted([*before, before[10_001].replace("é", "è")])
    assert dump(after, kept) == dump(after)
    now = {path.name for path in kept.iterdir()}
    assert len(now - set(made)) == 1 and len(set(made) - now) == 1


def test_a_segment_kept_from_another_level_is_not_taken(tmp_path: Path, monkeypatch) -> None:
    kept = tmp_path / "segments"
    given = lines(5_000)
    at_6 = dump(given, kept)
    monkeypatch.setattr(dataset, "LEVEL", 1)
    at_1 = dump(given, kept)
    assert at_1 == dump(given) != at_6
