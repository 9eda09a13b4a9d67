"""The arXiv category taxonomy (groups > archives > categories), from arXiv's own definitions.

The data file is generated from arxiv-base `arxiv/taxonomy/definitions.py` (MIT, Cornell
University) and shipped with the package.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Group:
    code: str  # "cs"; arXiv's internal id is "grp_cs"
    name: str
    active: bool


@dataclass(frozen=True)
class Archive:
    code: str
    name: str
    group: str
    active: bool
    replaced_by: str | None  # subsumed archives name their category


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    archive: str
    group: str
    active: bool
    alias_of: str | None  # canonical code when this one is an alias, e.g. math.MP -> math-ph


@dataclass(frozen=True)
class Taxonomy:
    groups: dict[str, Group]
    archives: dict[str, Archive]
    categories: dict[str, Category]
    aliases: dict[str, str]  # alias -> canonical
    subsumed: dict[str, str]  # old archive -> category

    def is_code(self, code: str) -> bool:
        """True for any archive or category code of the taxonomy (active or retired)."""
        return code in self.categories or code in self.archives

    def topic_codes(self) -> list[str]:
        """Every archive and category code, each once (some archives are also categories)."""
        return sorted(set(self.archives) | set(self.categories))

    def name(self, code: str) -> str:
        if code in self.categories:
            return self.categories[code].name
        return self.archives[code].name


@lru_cache(maxsize=1)
def load() -> Taxonomy:
    raw = json.loads(resources.files("paperkg").joinpath("data/arxiv-taxonomy.json").read_text("utf-8"))
    groups = {code: Group(code, g["name"], g["active"]) for code, g in raw["groups"].items()}
    subsumed = dict(raw["subsumed_archives"])
    archives = {
        code: Archive(code, a["name"], a["group"], a["active"], subsumed.get(code))
        for code, a in raw["archives"].items()
    }
    aliases = dict(raw["aliases"])
    categories = {
        code: Category(code, c["name"], c["archive"], c["group"], c["active"], aliases.get(code))
        for code, c in raw["categories"].items()
    }
    return Taxonomy(groups, archives, categories, aliases, subsumed)
