"""The build's graph stage: the graph's files read for this build, all of them or, when the last
build left its state (paperkg.state), only those that changed since.

`GraphRead` holds what the rest of the build needs of the triples: each file's record (for the
dump and the dataset's counts), the documents that changed, and each document's lines, which
come from the files read now or, for the others, from the last build's dump segments."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pyoxigraph import Store

from paperkg import state
from paperkg.graph.namespaces import Iris
from paperkg.graph.triples import (
    FileTriples,
    Source,
    by_document,
    changed_documents,
    document_of,
    file_lines,
    load_sources,
    parse_lines,
)
from paperkg.render.dataset import Segments
from paperkg.state import FileRecord, Kept

_DATE_MODIFIED = "<https://schema.org/dateModified>"


@dataclass
class GraphRead:
    """The graph's triples as this build read them."""

    state_dir: Path
    segments: Segments
    files: dict[str, FileRecord]  # every file's record, by name
    summaries: dict[str, FileTriples]  # the files read this build: their summaries
    located: dict[str, tuple[str, ...]]  # document -> the files holding its lines
    authoring: dict[str, tuple[str, ...]]  # "<person#it>" -> the files with lines naming them author
    changed: set[str] | None = None  # the documents whose lines changed, None when all are new
    kept: Kept | None = None  # what the last build kept, when this one read only what changed
    before: dict[str, FileTriples | None] = field(default_factory=dict)  # the changed files' summaries then
    _grouped: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # file -> document -> its lines there
    _summaries: dict[str, FileTriples] = field(default_factory=dict)  # the kept ones of the files not read

    @property
    def triples(self) -> int:
        """How many triples the graph has."""
        return sum(record.triples for record in self.files.values()) - self.duplicates()

    @property
    def epoch(self) -> int:
        """The graph's newest schema:dateModified (seconds since the epoch), 0 if it has none."""
        return max((record.newest for record in self.files.values() if record.newest is not None), default=0)

    def document(self, document: str) -> list[str]:
        """A document's lines, from every file holding it, sorted."""
        found: list[str] = []
        for name in self.located.get(document, ()):
            found += self._file(name).get(document, [])
        return sorted(found) if len(self.located.get(document, ())) > 1 else found

    def labels(self, subject: str) -> tuple[str, ...]:
        """The type and name lines of `subject` ("<…#it>")."""
        found: tuple[str, ...] = ()
        for name in self.located.get(document_of(subject), ()):
            found += self.summary(name).labels.get(subject, ())
        return found

    def authored(self, person: str) -> list[str]:
        """The lines naming `person` ("<…#it>") author of a paper, sorted."""
        found = [line for name in self.authoring.get(person, ()) for line in self.summary(name).authored[person]]
        return sorted(found) if len(self.authoring.get(person, ())) > 1 else found

    def changed_twins(self, iris: Iris) -> set[str] | None:
        """The documents whose twins this build must make again (None: all of them): those whose
        lines changed; the persons named author, or no longer, by a changed paper; the papers
        naming a person whose name or type changed. Any other change (a topic's, say) changes
        the twins of whatever names it: all are made again."""
        if self.changed is None:
            return None
        if not all(iris.relative(document).startswith(("paper/", "author/")) for document in self.changed):
            return None
        dirty = set(self.changed)
        for name, before in self.before.items():
            after = self.summaries.get(name)
            for summary in (before, after):
                for person, lines in (summary.authored.items() if summary is not None else ()):
                    same = (before and before.authored.get(person)) == (after and after.authored.get(person))
                    if not same or any(document_of(line[: line.index(" ")]) in self.changed for line in lines):
                        dirty.add(document_of(person))
            renamed = {subject for summary in (before, after) if summary is not None for subject in summary.labels
                       if (before and before.labels.get(subject)) != (after and after.labels.get(subject))}
            for person in renamed:
                lines = self.authored(person) + self._authored_before(person)
                dirty.update(document_of(line[: line.index(" ")]) for line in lines)
        return dirty

    def _authored_before(self, person: str) -> list[str]:
        """The lines naming `person` author as the last build had them."""
        assert self.kept is not None
        found = []
        for name in self.kept.authoring.get(person, ()):
            summary = self.before[name] if name in self.before else self.summary(name)
            found += summary.authored.get(person, ()) if summary is not None else ()
        return found

    def spans_files(self) -> bool:
        """Whether a document's lines are in more than one file (as paperkg never writes them)."""
        return any(len(names) > 1 for names in self.located.values())

    def duplicates(self) -> int:
        """Lines that more than one file holds: counted once in the graph, once per file here."""
        spanning = [document for document, names in self.located.items() if len(names) > 1]
        return sum(len(lines) - len(set(lines)) for lines in map(self.document, spanning))

    def summary(self, name: str) -> FileTriples:
        if name in self.summaries:
            return self.summaries[name]
        if name not in self._summaries:
            self._summaries[name] = state.summary(self.state_dir, self.files[name])
        return self._summaries[name]

    def preload(self) -> None:
        """Every file's lines in memory (before forking workers that each need most of them)."""
        for name in self.files:
            self._file(name)

    def release(self) -> None:
        self._grouped.clear()

    def _file(self, name: str) -> Mapping[str, list[str]]:
        if name not in self._grouped:  # from the file's dump segments (this build's or the last one's)
            text = self.segments.text(self.files[name].segments)
            self._grouped[name] = by_document(text.split("\n")[:-1])
        return self._grouped[name]


def read_all(store: Store, found: list[Source], iris: Iris, state_dir: Path, segments: Segments) -> GraphRead:
    """Every file, each into its own named graph of `store` (for the views), summarised. Their
    lines are not held meanwhile (the store is): they are read back from their dump segments."""
    load_sources(store, iris, found)
    summaries, files = {}, {}
    for source in found:
        lines = file_lines(store, source.name)
        summaries[source.name] = FileTriples.of(by_document(lines))
        files[source.name] = _record(source, lines, segments)
    located, authoring = _locate(summaries)
    return GraphRead(state_dir, segments, files, summaries, located, authoring)


def read_changes(kept: Kept, found: list[Source], iris: Iris, state_dir: Path, segments: Segments) -> GraphRead:
    """The files whose digest differs from the last build's (and those added or removed), and
    which documents changed in them."""
    now = {source.name for source in found}
    read, summaries, files, changed, befores = {}, {}, {}, set(), {}
    located = {document: list(names) for document, names in kept.located.items()}
    authoring = {person: list(names) for person, names in kept.authoring.items()}
    for source in found:
        record = kept.files.get(source.name)
        if record is not None and record.digest == source.digest:
            files[source.name] = FileRecord(source.digest, source.stat, record.triples, record.newest, record.segments)
            continue
        lines = parse_lines(source.data(iris), iris, str(source.path or "the bundled taxonomy"))
        read[source.name] = by_document(lines)
        summaries[source.name] = FileTriples.of(read[source.name])
        files[source.name] = _record(source, lines, segments)
        before = befores[source.name] = state.summary(state_dir, record) if record is not None else None
        changed |= changed_documents(before, summaries[source.name])
        _move(located, authoring, source.name, before, summaries[source.name])
    for name in kept.files.keys() - now:  # files removed
        before = befores[name] = state.summary(state_dir, kept.files[name])
        changed |= changed_documents(before, None)
        _move(located, authoring, name, before, None)
    return GraphRead(state_dir, segments, files, summaries, _sorted(located), _sorted(authoring), changed, kept,
                     befores, read)


def _record(source: Source, lines: list[str], segments: Segments) -> FileRecord:
    return FileRecord(source.digest, source.stat, len(lines), _newest(lines), segments.cut(lines))


def _newest(lines: Iterable[str]) -> int | None:
    """The newest schema:dateModified among the lines, in seconds since the epoch."""
    newest = None
    for line in lines:
        if _DATE_MODIFIED not in line:  # most are not: found in C before any is split
            continue
        subject, predicate, rest = line.split(" ", 2)
        if predicate == _DATE_MODIFIED and rest.startswith('"'):
            text = rest[1:rest.index('"', 1)]
            try:
                moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                continue
            seconds = int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp())
            newest = seconds if newest is None else max(newest, seconds)
    return newest


def _locate(summaries: Mapping[str, FileTriples]) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """(document -> the files holding its lines, person -> the files naming them author)."""
    located: dict[str, list[str]] = {}
    authoring: dict[str, list[str]] = {}
    for name in sorted(summaries):
        _move(located, authoring, name, None, summaries[name])
    return _sorted(located), _sorted(authoring)


def _move(located: dict[str, list[str]], authoring: dict[str, list[str]], name: str,
          before: FileTriples | None, after: FileTriples | None) -> None:
    """Where the documents and authors are, after file `name` went from `before` to `after`."""
    for index, keys in ((located, "documents"), (authoring, "authored")):
        for key in getattr(before, keys) if before is not None else ():
            if name in index.get(key, []):
                index[key].remove(name)
        for key in getattr(after, keys) if after is not None else ():
            index.setdefault(key, []).append(name)


def _sorted(index: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
    return {key: tuple(sorted(names)) for key, names in index.items() if names}
