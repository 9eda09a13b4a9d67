"""Write one synthetic arXiv API answer page (Atom) that updates a synthetic corpus: the day's
harvest that the incremental benchmark and test ingest after a full build.

The corpus is `synthetic.synthetic_papers(n, seed)` (what `kaggle_snapshot.py` writes). The page
holds `new` papers submitted after the corpus' newest one, written by a mix of the corpus'
authors and new people, and `revised` new versions of the corpus' papers (retitled, with a
new version date). Deterministic for its arguments.

    .venv/bin/python scripts/update_page.py OUT.xml --papers 1000 --seed 1
    .venv/bin/python scripts/update_page.py OUT.xml --papers 1000 --seed 1 --update-seed 2   # the next day's
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from random import Random

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import synthetic_papers  # noqa: E402

from paperkg.records import Author, Paper, Version  # noqa: E402

ATOM = "http://www.w3.org/2005/Atom"
ARXIV = "http://arxiv.org/schemas/atom"
OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"


def update_papers(corpus: list[Paper], seed: int, new: int = 10, revised: int = 5, day: int = 0) -> list[Paper]:
    """`new` new papers and `revised` new versions of papers in `corpus`, newest first: the harvest
    of `day` (0 the day after the corpus' newest paper, 1 the next...), whose new papers have ids
    and dates of their own (`new` at most 10)."""
    if not (0 <= day < 1000 and new <= 10):
        raise ValueError("day must be 0 to 999 and new at most 10")
    rng = Random(seed)
    newest = max(p.updated or p.published for p in corpus)
    people = sorted({a.name: a for p in corpus for a in p.authors}.values(), key=lambda a: a.name)
    strangers = [a for p in synthetic_papers(new, seed + 7919) for a in p.authors]
    page: list[Paper] = []
    for index, template in enumerate(synthetic_papers(new, seed + 104729)):
        when = newest + timedelta(days=1 + day, minutes=7 * index)
        authors = tuple(
            Author(rng.choice(people).name) if rng.random() < 0.5 else strangers[(index * 7 + i) % len(strangers)]
            for i in range(max(2, min(len(template.authors), 8)))
        )
        authors = tuple({a.name: a for a in authors}.values())  # one authorship per name
        arxiv_id = f"{when:%y%m}.{90000 + 10 * day + index:05d}"
        page.append(replace(template, arxiv_id=arxiv_id, version=1, authors=authors, published=when, updated=when,
                            versions=(Version(1, when),), abs_url=None, pdf_url=None, source=None, retrieved=None))
    for index, paper in enumerate(sorted(rng.sample(corpus, revised), key=lambda p: p.arxiv_id)):
        when = newest + timedelta(days=1 + day, hours=1, minutes=7 * index)
        number = paper.version + 1
        page.append(replace(paper, version=number, title=f"{paper.title} (revised)", updated=when,
                            versions=(*paper.versions, Version(number, when)), abs_url=None, pdf_url=None,
                            source=None, retrieved=None))
    return sorted(page, key=lambda p: (p.updated, p.arxiv_id), reverse=True)


def atom_feed(papers: list[Paper]) -> bytes:
    """The papers as arXiv's API answers them (2026 era: one page, newest first)."""
    nsmap = {None: ATOM, "arxiv": ARXIV, "opensearch": OPENSEARCH}
    feed = etree.Element(f"{{{ATOM}}}feed", nsmap=nsmap)

    def add(parent: etree._Element, tag: str, text: str | None = None, ns: str = ATOM, **attrs: str):
        element = etree.SubElement(parent, f"{{{ns}}}{tag}", {k.rstrip("_"): v for k, v in attrs.items()})
        element.text = text
        return element

    add(feed, "id", "https://arxiv.org/api/synthetic-update")
    add(feed, "title", "arXiv Query: search_query=synthetic&id_list=&start=0&max_results=15")
    add(feed, "updated", f"{max(p.updated for p in papers):%Y-%m-%dT%H:%M:%SZ}")
    add(feed, "itemsPerPage", str(len(papers)), OPENSEARCH)
    add(feed, "totalResults", str(len(papers)), OPENSEARCH)
    add(feed, "startIndex", "0", OPENSEARCH)
    for paper in papers:
        entry = add(feed, "entry")
        add(entry, "id", f"http://arxiv.org/abs/{paper.arxiv_id}v{paper.version}")
        add(entry, "title", paper.title)
        add(entry, "updated", f"{paper.updated:%Y-%m-%dT%H:%M:%SZ}")
        add(entry, "link", href=f"https://arxiv.org/abs/{paper.arxiv_id}v{paper.version}", rel="alternate",
            type_="text/html")
        add(entry, "link", href=f"https://arxiv.org/pdf/{paper.arxiv_id}v{paper.version}", rel="related",
            type_="application/pdf", title="pdf")
        add(entry, "summary", paper.abstract)
        for code in paper.categories:
            add(entry, "category", term=code, scheme="http://arxiv.org/schemas/atom")
        add(entry, "published", f"{paper.published:%Y-%m-%dT%H:%M:%SZ}")
        if paper.comment:
            add(entry, "comment", paper.comment, ARXIV)
        add(entry, "primary_category", ns=ARXIV, term=paper.primary_category or paper.categories[0])
        if paper.journal_ref:
            add(entry, "journal_ref", paper.journal_ref, ARXIV)
        for author in paper.authors:
            element = add(entry, "author")
            add(element, "name", author.name)
            for affiliation in author.affiliations:
                add(element, "affiliation", affiliation, ARXIV)
        for doi in paper.dois:
            add(entry, "doi", doi, ARXIV)
    return etree.tostring(feed, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def write_update_page(path: Path, papers: int, seed: int, update_seed: int | None = None) -> list[Paper]:
    """The page that updates the corpus of `papers` papers and `seed`; `update_seed` = `seed` + n makes
    the page of n days later (new papers of its own, other revisions) for the same corpus."""
    day = 0 if update_seed is None else update_seed - seed
    page = update_papers(list(synthetic_papers(papers, seed)), seed if update_seed is None else update_seed, day=day)
    path.write_bytes(atom_feed(page))
    return page


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--papers", type=int, default=1000, help="size of the corpus it updates")
    parser.add_argument("--seed", type=int, default=1, help="seed of the corpus it updates")
    parser.add_argument("--update-seed", type=int, help="seed of the update (default: --seed); --seed + n "
                        "makes the update of n days later (0 <= n < 1000)")
    args = parser.parse_args(argv)
    page = write_update_page(args.out, args.papers, args.seed, args.update_seed)
    print(f"wrote {len(page)} entries to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
