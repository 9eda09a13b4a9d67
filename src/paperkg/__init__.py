"""paperkg: arXiv metadata -> RDF graph -> linked Markdown pages -> static MkDocs site."""

__version__ = "0.1.0"
