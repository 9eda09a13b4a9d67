"""Field parsing shared by the readers of arXiv's formats."""

from __future__ import annotations

from functools import lru_cache

from paperkg import taxonomy


@lru_cache(maxsize=4096)  # category strings repeat a lot ("hep-ph", "cs.LG stat.ML")
def split_categories(text: str | None) -> tuple[str | None, tuple[str, ...], tuple[str, ...]]:
    """'hep-ph hep-ex foo' -> (primary, taxonomy codes with the primary first, other terms).

    The first token is the primary category; a first token that is not a taxonomy code gives
    no primary and goes to the other terms, like every unknown token.
    """
    is_code = taxonomy.load().is_code
    tokens = (text or "").split()
    codes: list[str] = []
    other: list[str] = []
    for token in tokens:
        bucket = codes if is_code(token) else other
        if token not in bucket:
            bucket.append(token)
    primary = tokens[0] if tokens and is_code(tokens[0]) else None
    return primary, tuple(codes), tuple(other)


def split_dois(text: str | None) -> tuple[str, ...]:
    """One DOI field may hold several DOIs separated by whitespace; each once, in order."""
    return tuple(dict.fromkeys((text or "").split()))
