"""Harvest progress, checkpointed after every page in a small JSON file next to the graph.

It holds, per query, how far the current run got (windows, next offset) and the newest
`updated` time seen by finished runs (the watermark from which the next run continues).
Written atomically and deterministically (sorted keys), so it can live in git.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from paperkg import tempfiles
from paperkg.errors import GraphError

STATE_FILE = "harvest-state.json"


@dataclass
class Window:
    """One slice of a query that stays under arXiv's 30,000-result cap."""

    search_query: str
    total: int | None = None
    next_start: int = 0
    done: bool = False


@dataclass
class Run:
    mode: str  # "full" (everything, oldest first) or "update" (newest first, down to the watermark)
    windows: list[Window] = field(default_factory=list)
    received: int = 0
    newest: str | None = None  # API: the newest `updated` seen in this run; OAI: its responseDate
    token: str | None = None  # OAI: the resumption token of the next page


@dataclass
class QueryState:
    watermark: str | None = None  # newest `updated` of the last finished run
    run: Run | None = None


class HarvestState:
    def __init__(self, path: Path, queries: dict[str, QueryState] | None = None):
        self.path = path
        self.queries = queries or {}

    @classmethod
    def load(cls, graph_dir: Path) -> HarvestState:
        path = graph_dir / STATE_FILE
        if not path.exists():
            return cls(path)
        try:
            raw = json.loads(path.read_text("utf-8"))
            queries = {}
            for key, value in raw.get("queries", {}).items():
                run = value.get("run")
                if run is not None:
                    windows = [Window(**w) for w in run["windows"]]
                    run = Run(run["mode"], windows, run["received"], run.get("newest"), run.get("token"))
                queries[key] = QueryState(value.get("watermark"), run)
        except (ValueError, KeyError, TypeError) as error:
            raise GraphError(f"{path}: unreadable harvest state ({error}); remove it to start over") from None
        return cls(path, queries)

    def query(self, key: str) -> QueryState:
        return self.queries.setdefault(key, QueryState())

    def save(self) -> None:
        data = {"queries": {key: asdict(value) for key, value in sorted(self.queries.items())}}
        text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tempfiles.replace_bytes(self.path, text.encode("utf-8"))
