"""What goes into each entity page's HTML <head>: links to its machine-readable twins and,
for papers, the Google Scholar (Highwire) tags arXiv itself emits, FAIR Signposting links and
schema.org JSON-LD. Every value is escaped: it comes from feeds."""

from __future__ import annotations

import json
from collections.abc import Container

from markupsafe import escape

from paperkg.graph.namespaces import Iris
from paperkg.views import PaperView, SiteView


def _twins(canonical: str) -> list[str]:
    return [
        f'<link rel="canonical" href="{escape(canonical)}">',
        '<link rel="alternate" type="text/turtle" href="index.ttl">',
        '<link rel="alternate" type="application/ld+json" href="index.jsonld">',
        '<link rel="describedby" type="text/turtle" href="index.ttl">',
        '<link rel="describedby" type="application/ld+json" href="index.jsonld">',
    ]


def _meta(name: str, content: str) -> str:
    return f'<meta name="{name}" content="{escape(" ".join(content.split()))}">'


def _slash_date(value: str | None) -> str:
    return value[:10].replace("-", "/") if value else ""


def paper_head(paper: PaperView, iris: Iris) -> str:
    page = iris.base + paper.page.removesuffix("index.md")
    tags = _twins(page) + [
        f'<link rel="cite-as" href="https://doi.org/10.48550/arXiv.{escape(paper.arxiv_id)}">',
        '<link rel="type" href="https://schema.org/ScholarlyArticle">',
        f'<link rel="item" type="application/pdf" href="{escape(paper.pdf_url)}">',
        _meta("citation_title", paper.title),
        *(_meta("citation_author", a.stated_as) for a in paper.authors),
        _meta("citation_publication_date", _slash_date(paper.published)),
        _meta("citation_date", _slash_date(paper.published)),
        _meta("citation_online_date", _slash_date(paper.modified or paper.published)),
        _meta("citation_pdf_url", f"https://arxiv.org/pdf/{paper.arxiv_id}"),
        _meta("citation_arxiv_id", paper.arxiv_id),
        *(_meta("citation_doi", doi) for doi in paper.dois),
        _meta("citation_abstract", paper.abstract),
    ]
    data = {
        "@context": "https://schema.org",
        "@type": "ScholarlyArticle",
        "@id": page + "#it",
        "url": page,
        "headline": paper.title,
        "name": paper.title,
        "abstract": paper.abstract,
        "datePublished": paper.published,
        "dateModified": paper.modified,
        "author": [
            {"@type": "Person", "@id": iris.base + a.person.page.removesuffix("index.md") + "#it", "name": a.stated_as,
             "url": iris.base + a.person.page.removesuffix("index.md")}
            for a in paper.authors
        ],
        "about": [
            {"@type": "DefinedTerm", "@id": iris.base + t.page.removesuffix("index.md") + "#it", "termCode": t.code,
             "name": t.label}
            for t in paper.topics
        ],
        "identifier": {"@type": "PropertyValue", "propertyID": "arXiv", "value": paper.arxiv_id},
        "sameAs": [paper.abs_url, f"https://doi.org/10.48550/arXiv.{paper.arxiv_id}"],
    }
    # "</" would end the script element early: JSON allows "<\/" for "</".
    script = json.dumps(data, ensure_ascii=False, sort_keys=True).replace("</", "<\\/")
    tags.append(f'<script type="application/ld+json">{script}</script>')
    return "\n".join(tags)


def entity_pages(site: SiteView) -> list[str]:
    """Every paper, author and topic page, sorted."""
    return sorted([paper.page for paper in site.papers] + [person.ref.page for person in site.persons]
                  + [topic.ref.page for topic in site.topics])


def heads(site: SiteView, iris: Iris, only: Container[str] | None = None) -> dict[str, str]:
    """{page path under docs_dir: head HTML} for every paper, author and topic page (or those
    of them in `only`: the pages an incremental build turns into HTML)."""
    wanted = (lambda page: True) if only is None else only.__contains__
    result = {paper.page: paper_head(paper, iris) for paper in site.papers if wanted(paper.page)}
    for page in [p.ref.page for p in site.persons] + [t.ref.page for t in site.topics]:
        if wanted(page):
            result[page] = "\n".join(_twins(iris.base + page.removesuffix("index.md")))
    return result
