"""Write a synthetic Kaggle arXiv metadata snapshot (JSON Lines, gzipped if the name ends in .gz).

Each line has every field of the real `arxiv-metadata-oai-snapshot.json` (reference A3), in
the real order and shape, built from `synthetic.synthetic_papers(n, seed)`:

- `authors` is the raw arXiv author string (TeX accent escapes such as `Bal\\'azs` for most
  papers, affiliations in parentheses, sometimes " and " before the last author);
- `authors_parsed` is `[keyname, forenames, suffix, affiliation...]` in Unicode, as arXiv's
  own author parser gives it;
- `title` is hard-wrapped with "\\n  ", `abstract` has two leading spaces, "\\n" wraps and a
  final "\\n";
- `versions` lists every version v1..vN with an RFC 822 date ("Mon, 2 Apr 2007 19:18:42 GMT").
  The synthetic papers date some versions only; the others get dates evenly spaced between
  their dated neighbours.

The same `(n, seed)` gives the same bytes (gzip with mtime 0 and no file name).

    .venv/bin/python scripts/kaggle_snapshot.py OUT.jsonl[.gz] --lines 100000 --seed 1
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import unicodedata
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from random import Random
from typing import Any, BinaryIO

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import synthetic_papers  # noqa: E402

from paperkg.records import Author, Paper  # noqa: E402

BATCH = 1000  # lines per write: one gzip write per line would dominate the run time

_DAYS = "Mon Tue Wed Thu Fri Sat Sun".split()
_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
_PARTICLES = {"van", "de", "da", "von", "di", "dos", "le"}  # as synthetic.py writes them
# Combining mark -> TeX accent command, as arXiv authors type them.
_TEX_ACCENTS = {"\u0301": "\\'", "\u0300": "\\`", "\u0302": "\\^", "\u0308": '\\"', "\u0303": "\\~",
                "\u0304": "\\=", "\u0327": "\\c", "\u030c": "\\v", "\u0306": "\\u", "\u030a": "\\r"}
_TEX_LETTERS = {"ø": "{\\o}", "Ø": "{\\O}", "ł": "{\\l}", "Ł": "{\\L}", "ß": "{\\ss}"}
_LICENSES = [
    ("http://arxiv.org/licenses/nonexclusive-distrib/1.0/", 60),
    ("http://creativecommons.org/licenses/by/4.0/", 25),
    ("http://creativecommons.org/licenses/by-nc-sa/4.0/", 4),
    ("http://creativecommons.org/licenses/by-sa/4.0/", 2),
    ("http://creativecommons.org/licenses/by-nc-nd/4.0/", 4),
    ("http://creativecommons.org/publicdomain/zero/1.0/", 2),
    ("http://creativecommons.org/licenses/by/3.0/", 3),
]
_REPORT_PREFIXES = ["ANL-HEP-PR", "CERN-PH-TH", "MIT-CTP", "KEK-TH", "DESY", "FERMILAB-PUB", "SLAC-PUB",
                    "IPMU", "YITP", "LA-UR"]


def write_snapshot(path: str | Path, n: int, seed: int) -> int:
    """Write `n` snapshot lines to `path` (gzip when it ends in .gz); returns the bytes written."""
    path = Path(path)
    with open(path, "wb") as raw:
        if path.name.endswith(".gz"):
            # No file name and mtime 0 in the header: the bytes depend on (n, seed) only.
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as out:
                _write_lines(out, n, seed)
        else:
            _write_lines(raw, n, seed)
    return path.stat().st_size


def _write_lines(out: BinaryIO, n: int, seed: int) -> None:
    batch: list[str] = []
    for line in snapshot_lines(n, seed):
        batch.append(line)
        if len(batch) == BATCH:
            out.write("".join(batch).encode("ascii"))
            batch.clear()
    out.write("".join(batch).encode("ascii"))


def snapshot_lines(n: int, seed: int) -> Iterator[str]:
    """The snapshot's lines, each ending in "\\n" (ASCII: non-ASCII is \\u-escaped, as in the real file)."""
    rng = Random(f"kaggle-snapshot:{seed}")  # the fields synthetic.py has no notion of
    for paper in synthetic_papers(n, seed):
        yield json.dumps(snapshot_record(paper, rng), separators=(",", ":")) + "\n"


def snapshot_record(paper: Paper, rng: Random) -> dict[str, Any]:
    """One paper as a snapshot line's object, fields in the real file's order."""
    dates = _version_dates(paper)
    tex = rng.random() < 0.7  # older and many newer author strings use TeX escapes
    return {
        "id": paper.arxiv_id,
        "submitter": paper.authors[rng.randrange(min(3, len(paper.authors)))].name,
        "authors": _raw_authors(paper.authors, tex, rng),
        "title": _wrap(paper.title, 78, "\n  "),
        "comments": paper.comment,
        "journal-ref": paper.journal_ref,
        "doi": " ".join(paper.dois) or None,
        "report-no": _report_no(dates[0], rng),
        "categories": " ".join(paper.categories),
        "license": _license(dates[0], rng),
        "abstract": "  " + _wrap(paper.abstract, 79, "\n") + "\n",
        "versions": [{"version": f"v{i}", "created": rfc822(d)} for i, d in enumerate(dates, start=1)],
        "update_date": (dates[-1] + timedelta(days=rng.choice((0, 0, 1, 3, 30, 200)))).strftime("%Y-%m-%d"),
        "authors_parsed": [_parsed(a) for a in paper.authors],
    }


def rfc822(moment: datetime) -> str:
    """arXiv's form: "Mon, 2 Apr 2007 19:18:42 GMT" (day not zero-padded)."""
    return (f"{_DAYS[moment.weekday()]}, {moment.day} {_MONTHS[moment.month - 1]} {moment.year} "
            f"{moment:%H:%M:%S} GMT")


def _version_dates(paper: Paper) -> list[datetime]:
    """A date for each of v1..vN: the paper's own where known, evenly spaced in between."""
    known = {v.number: v.date for v in paper.versions if v.date is not None}
    dates: list[datetime] = []
    for number in range(1, paper.version + 1):
        if number in known:
            dates.append(known[number])
            continue
        after = min(k for k in known if k > number)
        before = dates[-1]
        step = (known[after] - before) / (after - number + 1)
        dates.append(before + timedelta(seconds=int(step.total_seconds())))
    return dates


def split_name(author: Author) -> tuple[str, str]:
    """(keyname, forenames): the author's own when given, else split like OAI records."""
    if author.keyname:
        return author.keyname, author.forenames or ""
    parts = author.name.split(" ")
    for i, part in enumerate(parts[1:], start=1):
        if part in _PARTICLES:
            return " ".join(parts[i:]), " ".join(parts[:i])
    return parts[-1], " ".join(parts[:-1])


def _parsed(author: Author) -> list[str]:
    keyname, forenames = split_name(author)
    return [keyname, forenames, "", *author.affiliations]


def _raw_authors(authors: tuple[Author, ...], tex: bool, rng: Random) -> str:
    names = []
    for author in authors:
        keyname, forenames = split_name(author)
        name = f"{forenames} {keyname}".strip()
        if tex:
            name = tex_escape(name)
        if author.affiliations:
            name += f" ({'; '.join(author.affiliations)})"
        names.append(name)
    if len(names) > 1 and rng.random() < 0.4:
        return ", ".join(names[:-1]) + " and " + names[-1]
    return ", ".join(names)


def tex_escape(text: str) -> str:
    """'Balázs' -> "Bal\\'azs"; characters without a TeX form stay as they are."""
    out: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        if char in _TEX_LETTERS:
            out.append(_TEX_LETTERS[char])
            continue
        parts = unicodedata.normalize("NFD", char)
        if len(parts) == 2 and parts[1] in _TEX_ACCENTS:
            command, base = _TEX_ACCENTS[parts[1]], parts[0]
            out.append(f"{command}{base}" if not command[1].isalpha() else f"{command}{{{base}}}")
        else:
            out.append(char)
    return "".join(out)


def _wrap(text: str, width: int, joiner: str) -> str:
    """Greedy hard wrap at spaces (textwrap is several times slower and does the same here)."""
    lines: list[str] = []
    current: list[str] = []
    length = 0
    for word in text.split(" "):
        if current and length + 1 + len(word) > width:
            lines.append(" ".join(current))
            current, length = [], 0
        length += len(word) + (1 if current else 0)
        current.append(word)
    lines.append(" ".join(current))
    return joiner.join(lines)


def _report_no(published: datetime, rng: Random) -> str | None:
    if rng.random() >= 0.08:
        return None
    return f"{rng.choice(_REPORT_PREFIXES)}-{published.year % 100:02d}-{rng.randint(1, 999)}"


def _license(published: datetime, rng: Random) -> str | None:
    if published.year < 2009 and rng.random() < 0.8:  # older papers mostly have none
        return None
    urls, weights = zip(*_LICENSES, strict=True)
    return rng.choices(urls, weights=weights)[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="output file; gzipped when it ends in .gz")
    parser.add_argument("--lines", type=int, default=100_000, help="number of papers (100000)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic papers (1)")
    args = parser.parse_args(argv)
    size = write_snapshot(args.out, args.lines, args.seed)
    print(f"wrote {args.lines} lines, {size / 2**20:.1f} MiB, to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
