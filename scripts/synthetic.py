"""Synthetic arXiv papers with a realistic shape, for benchmarks.

`synthetic_papers(n, seed)` yields `n` `paperkg.records.Paper` records, the same ones for the
same `(n, seed)`:

- authors per paper mostly 2-8, some single-author papers, a tail of 9-30 and a few
  collaboration papers with 50-150 authors (drawn from a few fixed collaboration rosters);
- author names built from syllables (some accented, a few written in decomposed Unicode,
  some with a middle initial), drawn Zipf-like from a pool of 3*n names: about half of
  the authors who appear have one paper, a few have hundreds;
- 1-4 active arXiv categories per paper from paperkg's taxonomy, primary first, popular
  categories much more common than rare ones, cross-lists mostly within the same group;
- titles of 8-15 words and abstracts of ~1,000-1,500 characters, with some TeX;
- versions 1-5 with aware UTC dates between 2007-04 and 2026-10 (more papers in later
  years); ids `YYMM.NNNN` (before 2015) / `YYMM.NNNNN` (from 2015), as arXiv assigns them,
  matching the month of the first version and unique;
- about 60% with a comment, 25% with a journal reference and DOIs, a third with affiliations,
  MSC classes on some math papers and ACM classes on some CS papers;
- like real input, a mix of "Atom-like" records (dates of v1 and the latest version only)
  and "OAI-like" ones (every version dated; family and given names split);
- provenance as from API pages of 500: the request URL as `source` and, when paperkg's
  `Paper` has it, a `retrieved` time per page.

Run it to print summary statistics: `python scripts/synthetic.py 30000 --seed 1`.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from random import Random

from pyoxigraph import Store

from paperkg import taxonomy
from paperkg.graph.merge import merge_papers
from paperkg.graph.namespaces import Iris
from paperkg.graph.topics import taxonomy_triples
from paperkg.ids import name_key
from paperkg.records import Author, Paper, Version

START = datetime(2007, 4, 1, tzinfo=UTC)  # new-style ids start with 0704
END = datetime(2026, 10, 31, 23, 59, 59, tzinfo=UTC)
HARVESTED = datetime(2026, 11, 2, 9, 0, 0, tzinfo=UTC)  # provenance: when "fetched"
PAGE = 500  # papers per "API page" (same source URL and retrieval time)

# Zipf weights 1/(rank + Q)^S over the name pool of 3*n names. With ~5 authorships per paper,
# S = 0.6 gives about half of the authors who appear one paper and ~20 authors (per 30,000
# papers) with 100-650; S = 1 would give the top name ~10% of all papers.
ZIPF_S = 0.6
ZIPF_Q = 0

_ONSETS = "b c d f g h j k l m n p r s t v w y z br ch dr gr kr pr sh st th tr ts zh".split()
_VOWELS = "a e i o u a e i o ai ei ia io ou".split()
_CODAS = [""] * 6 + "n r s l m k t ng".split()
_ACCENTS = {"a": "áàâäåã", "e": "éèêë", "i": "íìî", "o": "óôöøõ", "u": "úùûü", "n": "ñń",
            "c": "çč", "s": "šś", "z": "žź", "l": "ł", "g": "ğ", "r": "ř"}
_FAMILY_ENDINGS = ["", "", "", "", "son", "sen", "ez", "ova", "ski", "berg", "mann", "elli", "ides",
                   "yan", "ishi", "enko", "ström", "sson", "ović", "ić"]
_PARTICLES = ["van", "van der", "de", "da", "von", "di", "dos", "le"]

_WORDS = (
    "learning neural network networks graph graphs quantum field theory gauge symmetry "
    "dynamics model models stochastic optimal transport inference bayesian estimation "
    "spectral analysis operator operators manifold manifolds curvature flow flows dark "
    "matter energy galaxy galaxies cluster clusters stellar black hole holes gravitational "
    "wave waves scattering amplitude amplitudes lattice spin chain chains topological phase "
    "phases transition transitions superconductivity magnetic entanglement decoherence "
    "algorithm algorithms complexity bound bounds lower upper sparse convex nonconvex "
    "regularization robust adaptive distributed federated language vision transformer "
    "attention diffusion generative adversarial reinforcement policy gradient control "
    "system systems equation equations boundary value problem problems existence uniqueness "
    "regularity solutions elliptic parabolic hyperbolic nonlinear linear random matrix "
    "matrices eigenvalue eigenvalues distribution distributions asymptotic limit limits "
    "theorem conjecture proof approach framework method methods efficient scalable fast "
    "approximation approximations semantic segmentation detection benchmark dataset "
    "evaluation causal time series forecasting measurement measurements observations "
    "simulation simulations numerical finite element high-dimensional low-rank tensor "
    "kernel kernels sampling monte carlo markov chain mixing cosmological constraints "
    "neutrino neutrinos collider hadron quark gluon plasma string strings holographic "
    "duality conformal supersymmetric invariant invariants category categories algebra "
    "algebras group groups representation representations homology cohomology moduli "
    "space spaces polynomial polynomials prime primes arithmetic elliptic curves"
).split()
_GLUE = "of for in on with via under and from towards beyond using".split()
_TEX = [
    r"$O(n \log n)$", r"$\mathcal{N}=4$", r"$SU(N)$", r"$L^2$", r"$\mathbb{R}^d$", r"$p$-adic",
    r"$\epsilon$", r"$k$", r"$\Lambda$CDM", r"$z \sim 2$", r"$\sqrt{s} = 13$ TeV",
    r"$H_0$", r"$\alpha_s$", r"$T_c$", r"$\ell_1$", r"$O(1/\sqrt{T})$", r"$\mathrm{d}\mu$",
    r"$n \to \infty$", r"$\sigma_8$", r"$10^{-3}$", r'$\delta$-"hyperbolic"',
]
_SENTENCE_OPENERS = [
    "We study", "We propose", "In this paper we consider", "We show that", "We present",
    "Our results indicate that", "Motivated by recent work on", "We introduce",
    "Building on", "Using", "We prove that", "Finally, we discuss", "In addition,",
    "Numerical experiments demonstrate", "We further show", "This work investigates",
]
_JOURNALS = [
    "Phys. Rev. D", "Phys. Rev. Lett.", "Phys. Rev. B", "JHEP", "Astrophys. J.",
    "Mon. Not. Roy. Astron. Soc.", "Astron. Astrophys.", "Commun. Math. Phys.",
    "J. Funct. Anal.", "Ann. of Math.", "Invent. Math.", "Nucl. Phys. B", "J. Mach. Learn. Res.",
    "IEEE Trans. Inf. Theory", "Nature Phys.", "Quantum", "SIAM J. Numer. Anal.",
]
_VENUES = ["NeurIPS", "ICML", "ICLR", "CVPR", "ACL", "STOC", "FOCS", "SODA", "AAAI", "COLT"]
_ACM = ["F.2.2", "I.2.6", "I.2.7", "G.1.6", "H.3.3", "I.4.8", "F.1.1", "C.2.4", "D.2.4"]


def _cumulative(weights: list[float]) -> list[float]:
    return list(itertools.accumulate(weights))


class _Names:
    """A pool of unique author names (unique by paperkg's name key)."""

    def __init__(self, rng: Random, size: int):
        self.rng = rng
        names: list[str] = []
        keys: set[str] = set()
        while len(names) < size:
            name = self._name()
            key = name_key(name)
            if key not in keys:
                keys.add(key)
                names.append(name)
        self.names = names

    def _word(self, syllables: int, accent_p: float) -> str:
        rng = self.rng
        word = "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)
                       for _ in range(syllables))
        if rng.random() < accent_p:
            spots = [i for i, ch in enumerate(word) if ch in _ACCENTS]
            if spots:
                i = rng.choice(spots)
                word = word[:i] + rng.choice(_ACCENTS[word[i]]) + word[i + 1:]
        return word.capitalize()

    def _name(self) -> str:
        rng = self.rng
        accent_p = 0.25 if rng.random() < 0.4 else 0.0  # ~10% of names carry an accent
        given = self._word(rng.choice((1, 2, 2, 3)), accent_p)
        if rng.random() < 0.08:
            given += "-" + self._word(1, accent_p)
        family = self._word(rng.choice((1, 2, 2, 3)), accent_p) + rng.choice(_FAMILY_ENDINGS)
        if rng.random() < 0.05:
            family = rng.choice(_PARTICLES) + " " + family
        elif rng.random() < 0.03:
            family += "-" + self._word(2, accent_p)
        middle = f" {rng.choice('ABCDEFGHJKLMNPRSTW')}." if rng.random() < 0.15 else ""
        return f"{given}{middle} {family}"

    def split(self, name: str) -> tuple[str, str]:
        """(forenames, keyname) as OAI records give them."""
        parts = name.split(" ")
        for i, part in enumerate(parts[1:], start=1):
            if part in ("van", "de", "da", "von", "di", "dos", "le"):
                return " ".join(parts[:i]), " ".join(parts[i:])
        return " ".join(parts[:-1]), parts[-1]


def _institutions(rng: Random, count: int, names: _Names) -> list[str]:
    templates = [
        "University of {}", "{} Institute of Technology", "{} University",
        "Department of Physics, University of {}", "Max Planck Institute for {}",
        "Département de Mathématiques, Université de {}", "{} National Laboratory",
        "School of Computer Science, {} University", "Instituto de Física, Universidad de {}",
    ]
    fields = ["Physics", "Mathematics", "Astronomy", "Informatics", "Quantum Optics"]
    out: list[str] = []
    for _ in range(count):
        template = rng.choice(templates)
        place = fields[rng.randrange(len(fields))] if "Planck" in template else names._word(
            rng.choice((2, 3)), 0.15)
        out.append(template.format(place))
    return out


def _words(rng: Random, count: int, tex_p: float) -> list[str]:
    words = rng.choices(_WORDS, k=count)
    for i in range(1, count - 1, 3):
        if rng.random() < 0.45:
            words[i] = rng.choice(_GLUE)
    if rng.random() < tex_p:
        words[rng.randrange(count)] = rng.choice(_TEX)
    return words


def _title(rng: Random) -> str:
    words = _words(rng, rng.randint(8, 15), tex_p=0.2)
    title = " ".join(words)
    return title[0].upper() + title[1:]


def _abstract(rng: Random) -> str:
    target = rng.randint(1000, 1300)
    sentences: list[str] = []
    length = 0
    while length < target:
        body = " ".join(_words(rng, rng.randint(10, 24), tex_p=0.25))
        sentence = f"{rng.choice(_SENTENCE_OPENERS)} {body}."
        if rng.random() < 0.04:
            sentence = sentence[:-1] + ' ("in the sense of" the usual definition).'
        sentences.append(sentence)
        length += len(sentence) + 1
    return " ".join(sentences)


def _author_count(rng: Random) -> int:
    r = rng.random()
    if r < 0.09:
        return 1
    if r < 0.935:  # the bulk: 2-8, peaking at 3-4
        return rng.choices(range(2, 9), weights=(16, 20, 19, 14, 10, 7, 5))[0]
    if r < 0.995:
        return rng.randint(9, 30)
    return -1  # collaboration paper


def _month_id(rng: Random, published: datetime, used: set[str]) -> str:
    yymm = f"{published.year % 100:02d}{published.month:02d}"
    five = published.year >= 2015
    while True:
        number = rng.randint(1, 29999) if five else rng.randint(1, 9999)
        arxiv_id = f"{yymm}.{number:05d}" if five else f"{yymm}.{number:04d}"
        if arxiv_id not in used:
            used.add(arxiv_id)
            return arxiv_id


def synthetic_papers(n: int, seed: int) -> Iterator[Paper]:
    """`n` papers of realistic shape, deterministic for `(n, seed)`."""
    rng = Random(seed)
    tax = taxonomy.load()
    active = [c for c in tax.categories.values() if c.active and c.alias_of is None]
    active.sort(key=lambda c: c.code)
    # Popularity: a fixed (seeded) ranking of categories, Zipf-weighted.
    ranked = active[:]
    rng.shuffle(ranked)
    cat_cum = _cumulative([1 / (rank + 3) ** 1.1 for rank in range(len(ranked))])
    by_group: dict[str, list[str]] = {}
    for cat in active:
        by_group.setdefault(cat.group, []).append(cat.code)

    pool = _Names(rng, max(3 * n, 30))
    pool_cum = _cumulative([1 / (rank + ZIPF_Q) ** ZIPF_S for rank in range(1, len(pool.names) + 1)])
    # Collaborations: fixed rosters of mid-ranked names that sign the 50-150 author papers.
    rosters = [rng.sample(range(len(pool.names) // 20, len(pool.names)), min(300, len(pool.names) // 2))
               for _ in range(5)]
    institutions = _institutions(rng, max(40, n // 15), pool)
    inst_cum = _cumulative([1 / (rank + 5) for rank in range(len(institutions))])

    span = (END - START).total_seconds()
    used_ids: set[str] = set()
    has_retrieved = "retrieved" in Paper.__dataclass_fields__  # provenance time (newer paperkg)

    for index in range(n):
        published = START + timedelta(seconds=int(span * rng.random() ** 0.5))  # growth over time
        arxiv_id = _month_id(rng, published, used_ids)

        # Versions and their dates.
        version = rng.choices((1, 2, 3, 4, 5), weights=(55, 28, 10, 5, 2))[0]
        dates = [published]
        for _v in range(1, version):
            step = timedelta(days=rng.randint(1, 300), seconds=rng.randrange(86400))
            dates.append(min(dates[-1] + step, END))
        oai_like = rng.random() < 0.4
        if oai_like:
            versions = tuple(Version(i, d) for i, d in enumerate(dates, start=1))
        elif version == 1:
            versions = (Version(1, published),)
        else:
            versions = (Version(1, published), Version(version, dates[-1]))

        # Authors.
        count = _author_count(rng)
        if count == -1:
            roster = rng.choice(rosters)
            indices = rng.sample(roster, min(rng.randint(50, 150), len(roster)))
        else:
            indices = []
            seen: set[int] = set()
            while len(indices) < count:
                i = rng.choices(range(len(pool.names)), cum_weights=pool_cum)[0]
                if i not in seen:
                    seen.add(i)
                    indices.append(i)
        with_affiliations = rng.random() < 0.35
        authors = []
        for i in indices:
            name = pool.names[i]
            if rng.random() < 0.01:  # some feeds send decomposed accents: same person
                name = unicodedata.normalize("NFD", name)
            affiliations: tuple[str, ...] = ()
            if with_affiliations:
                k = 1 if rng.random() < 0.8 else 2
                affiliations = tuple(dict.fromkeys(
                    institutions[j] for j in rng.choices(range(len(institutions)), cum_weights=inst_cum, k=k)))
            if oai_like:
                forenames, keyname = pool.split(pool.names[i])
                authors.append(Author(name, affiliations, keyname=keyname, forenames=forenames))
            else:
                authors.append(Author(name, affiliations))

        # Categories: primary first, cross-lists mostly in the same group.
        primary = ranked[rng.choices(range(len(ranked)), cum_weights=cat_cum)[0]]
        codes = [primary.code]
        wanted = rng.choices((1, 2, 3, 4), weights=(45, 30, 17, 8))[0]
        while len(codes) < wanted:
            if rng.random() < 0.65 and len(by_group[primary.group]) > len(codes):
                code = rng.choice(by_group[primary.group])
            else:
                code = ranked[rng.choices(range(len(ranked)), cum_weights=cat_cum)[0]].code
            if code not in codes:
                codes.append(code)

        msc: tuple[str, ...] = ()
        acm: tuple[str, ...] = ()
        if primary.group == "math" and rng.random() < 0.3:
            msc = tuple(f"{rng.randint(11, 94)}{rng.choice('ABCDEFGHJKLMNPQ')}{rng.randint(5, 99):02d}"
                        for _ in range(rng.randint(1, 2)))
        if primary.group == "cs" and rng.random() < 0.15:
            acm = tuple(rng.sample(_ACM, rng.randint(1, 2)))

        comment = None
        if rng.random() < 0.6:
            comment = f"{rng.randint(4, 80)} pages, {rng.randint(0, 20)} figures"
            if rng.random() < 0.3:
                comment += f"; accepted at {rng.choice(_VENUES)} {published.year + 1}"
        journal_ref = None
        dois: tuple[str, ...] = ()
        if rng.random() < 0.25:
            year = min(published.year + rng.randint(0, 2), 2026)
            journal_ref = f"{rng.choice(_JOURNALS)} {rng.randint(1, 999)} ({year}) {rng.randint(1, 99999)}"
            if rng.random() < 0.85:
                dois = (f"10.{rng.randint(1000, 99999)}/j.{arxiv_id.replace('.', '')}.{rng.randint(1, 9999)}",)
                if rng.random() < 0.03:
                    dois += (f"10.{rng.randint(1000, 99999)}/erratum.{rng.randint(1, 9999)}",)

        yield Paper(
            arxiv_id=arxiv_id,
            version=version,
            title=_title(rng),
            abstract=_abstract(rng),
            authors=tuple(authors),
            published=published,
            updated=dates[-1],
            primary_category=primary.code,
            categories=tuple(codes),
            msc_classes=msc,
            acm_classes=acm,
            comment=comment,
            journal_ref=journal_ref,
            dois=dois,
            abs_url=f"http://arxiv.org/abs/{arxiv_id}v{version}",
            pdf_url=f"https://arxiv.org/pdf/{arxiv_id}v{version}",
            versions=versions,
            # As if harvested from the API in pages of PAGE papers, a few seconds apart.
            source=f"https://export.arxiv.org/api/query?search_query=all&start={index - index % PAGE}"
            f"&max_results={PAGE}",
            **({"retrieved": HARVESTED + timedelta(seconds=3 * (index // PAGE))} if has_retrieved else {}),
        )


def synthetic_graph(papers: Iterable[Paper], iris: Iris) -> Store:
    """The graph of `papers` with the arXiv taxonomy, as ingesting them into a new site makes it."""
    store = Store()
    store.extend(taxonomy_triples(taxonomy.load(), iris))
    merge_papers(store, iris, papers)
    return store


def describe(papers: list[Paper]) -> dict[str, object]:
    """Shape statistics of a list of papers (for checking the generator and for reports)."""
    from collections import Counter
    from statistics import median

    per_author = Counter(name_key(a.name) for p in papers for a in p.authors)
    author_counts = sorted(len(p.authors) for p in papers)
    papers_per = sorted(per_author.values(), reverse=True)
    return {
        "papers": len(papers),
        "authorships": sum(author_counts),
        "distinct authors": len(per_author),
        "authors per paper (median / max)": f"{median(author_counts):g} / {author_counts[-1]}",
        "papers with 50+ authors": sum(c >= 50 for c in author_counts),
        "authors with one paper": f"{sum(v == 1 for v in papers_per) / len(papers_per):.0%}",
        "papers of the 5 most prolific authors": papers_per[:5],
        "authors with 100+ papers": sum(v >= 100 for v in papers_per),
        "categories per paper (mean)": round(sum(len(p.categories) for p in papers) / len(papers), 2),
        "versions per paper (mean)": round(sum(p.version for p in papers) / len(papers), 2),
        "abstract length (min / median / max)": (
            f"{min(len(p.abstract) for p in papers)} / {median(len(p.abstract) for p in papers):g}"
            f" / {max(len(p.abstract) for p in papers)}"),
        "years": f"{min(p.published.year for p in papers)}-{max(p.published.year for p in papers)}",  # type: ignore[union-attr]
    }


if __name__ == "__main__":
    import argparse
    import time

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=30000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show", type=int, default=0, help="print the first N papers")
    args = parser.parse_args()
    t0 = time.perf_counter()
    items = list(synthetic_papers(args.n, args.seed))
    print(f"generated {len(items)} papers in {time.perf_counter() - t0:.1f} s")
    for key, value in describe(items).items():
        print(f"  {key}: {value}")
    for paper in items[: args.show]:
        print(paper)
