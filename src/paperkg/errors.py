"""Typed errors. Library code raises these; only the CLI prints them and exits."""

from __future__ import annotations


class PaperkgError(Exception):
    """Base of every error paperkg reports to a user as one line."""


class ConfigError(PaperkgError):
    """mkdocs.yml is missing, or a paperkg setting in it is wrong."""


class SourceError(PaperkgError):
    """An input file or feed cannot be read. The message names the file (and line or entry)."""

    def __init__(self, source: str, message: str, line: int | None = None):
        self.source = source
        self.line = line
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {message}")


class AnswerError(SourceError):
    """The service answered, with an error of its own: asking again gets the same answer."""


class FeedErrorEntry(AnswerError):
    """arXiv answered with its "Error" entry (HTTP 400 body) instead of papers."""


class GraphError(PaperkgError):
    """The stored graph cannot be read or written."""


class BuildError(PaperkgError):
    """Rendering pages or the MkDocs build failed."""
