"""Undo the recording's latin-1 mojibake in the 2026 arXiv API fixtures.

The 2026 answers were recorded by a client that stored the UTF-8 body decoded as latin-1
("Wübben" became "WÃ¼bben"). Encoding the text back to latin-1 gives arXiv's bytes again;
a file that is not such mojibake fails that round trip and is left alone.

    python scripts/repair_fixture_encoding.py tests/fixtures/arxiv-api/2026/*.xml
"""

from __future__ import annotations

import sys
from pathlib import Path


def repair(path: Path) -> bool:
    text = path.read_text("utf-8")
    try:
        original = text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return False
    if original == text:
        return False
    path.write_text(original, "utf-8")
    return True


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(f"{name}: {'repaired' if repair(Path(name)) else 'unchanged'}")
