"""Tests of the arXiv API (Atom) reader: recorded answers from both API eras, the seed feed,
and small hand-made feeds (tests/fixtures/atom/) for cases no recording has.

Expected values are read off the XML files, not off the reader's output.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest

from paperkg import taxonomy
from paperkg.errors import FeedErrorEntry, SourceError
from paperkg.records import Author, Feed, Paper, Version
from paperkg.sources import read_atom, read_path

FIXTURES = Path(__file__).parent / "fixtures"
NEW = FIXTURES / "arxiv-api" / "2026"  # current API (since 2025-11-11)
OLD = FIXTURES / "arxiv-api" / "2025-08"  # previous API
SEED = FIXTURES / "seed" / "seed-feed.xml"
HAND = FIXTURES / "atom"

REAL_FEEDS = sorted(NEW.glob("*.xml")) + sorted(OLD.glob("*.xml")) + [SEED]
ERROR_FEED = NEW / "id_abc_s0_m100.xml"
PAPER_FEEDS = [path for path in REAL_FEEDS if path != ERROR_FEED]


@cache
def feed(path: Path) -> Feed:
    return read_path(path)


def paper(path: Path, arxiv_id: str) -> Paper:
    (found,) = [p for p in feed(path).papers if p.arxiv_id == arxiv_id]
    return found


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def names(p: Paper) -> tuple[str, ...]:
    return tuple(a.name for a in p.authors)


def name_of(path: Path) -> str:
    return str(path.relative_to(FIXTURES))


# --- every real file: feed info and the exact ids/versions, in order ---------------------

Q_TESTING = "search_query=all:testing&id_list=&start={}&max_results={}"

FEED_CASES = [
    # path, totalResults, startIndex, itemsPerPage, query, entry ids in order
    (NEW / "id_0000.0000_s0_m100.xml", 0, 0, 100,
     "search_query=&id_list=0000.0000&start=0&max_results=100", []),
    (NEW / "id_0808.05394_1707.08567_s0_m100.xml", 1, 0, 100,
     "search_query=&id_list=0808.05394,1707.08567&start=0&max_results=100", ["1707.08567v1"]),
    (NEW / "id_0808.05394_s0_m100.xml", 0, 0, 100,
     "search_query=&id_list=0808.05394&start=0&max_results=100", []),
    (NEW / "id_1605.08386_s0_m100.xml", 1, 0, 100,
     "search_query=&id_list=1605.08386&start=0&max_results=100", ["1605.08386v1"]),
    (NEW / "id_1707.08567_s0_m100.xml", 1, 0, 100,
     "search_query=&id_list=1707.08567&start=0&max_results=100", ["1707.08567v1"]),
    (NEW / "id_2104.12255v1_s0_m100.xml", 1, 0, 100,
     "search_query=&id_list=2104.12255v1&start=0&max_results=100", ["2104.12255v1"]),
    (NEW / "id_astro-ph_0601001_s0_m100.xml", 1, 0, 100,
     "search_query=&id_list=astro-ph/0601001&start=0&max_results=100", ["astro-ph/0601001v1"]),
    (NEW / "id_quant-ph_0201082v1_s0_m100.xml", 1, 0, 100,
     "search_query=&id_list=quant-ph/0201082v1&start=0&max_results=100", ["quant-ph/0201082v1"]),
    (NEW / "q_testing_s0_m10.xml", 214881, 0, 10, Q_TESTING.format(0, 10), [
        "2202.12139v1", "2405.13786v1", "2005.14124v2", "2204.08348v3", "2302.03287v3",
        "1202.4527v1", "2503.05378v2", "1205.1866v1", "2502.07719v2", "1812.11470v1",
    ]),
    (NEW / "q_testing_s0_m15.xml", 214881, 0, 15, Q_TESTING.format(0, 15), [
        "2202.12139v1", "2405.13786v1", "2005.14124v2", "2204.08348v3", "2302.03287v3",
        "1202.4527v1", "2503.05378v2", "1205.1866v1", "2502.07719v2", "1812.11470v1",
        "2403.16981v2", "2004.03322v1", "1912.09881v1", "2406.19956v3", "1912.04900v1",
    ]),
    (NEW / "q_testing_s5_m10.xml", 214881, 5, 10, Q_TESTING.format(5, 10), [
        "1202.4527v1", "2503.05378v2", "1205.1866v1", "2502.07719v2", "1812.11470v1",
        "2403.16981v2", "2004.03322v1", "1912.09881v1", "2406.19956v3", "1912.04900v1",
    ]),
    (NEW / "q_testing_s5_m15.xml", 214881, 5, 15, Q_TESTING.format(5, 15), [
        "1202.4527v1", "2503.05378v2", "1205.1866v1", "2502.07719v2", "1812.11470v1",
        "2403.16981v2", "2004.03322v1", "1912.09881v1", "2406.19956v3", "1912.04900v1",
        "2301.05651v1", "1605.01097v1", "2301.13615v1", "2407.18756v1", "2202.06271v1",
    ]),
    (NEW / "q_testing_s10_m10.xml", 214881, 10, 10, Q_TESTING.format(10, 10), [
        "2403.16981v2", "2004.03322v1", "1912.09881v1", "2406.19956v3", "1912.04900v1",
        "2301.05651v1", "1605.01097v1", "2301.13615v1", "2407.18756v1", "2202.06271v1",
    ]),
    (NEW / "q_testing_s20_m10.xml", 214881, 20, 10, Q_TESTING.format(20, 10), [
        "2008.01944v1", "2005.06826v1", "2306.03845v1", "1908.03707v1", "2109.07960v2",
        "2409.05654v9", "2104.11069v1", "2106.13414v2", "2007.10224v1", "2602.15552v1",
    ]),
    (OLD / "query_electron_proton_s0_m10.xml", 7370, 0, 10,
     "search_query=all:electron AND all:proton&id_list=&start=0&max_results=10", [
        "astro-ph/9904306v1", "hep-ph/9411242v1", "1706.01836v2", "astro-ph/9901367v1",
        "1207.3978v1", "0806.3233v1", "1602.03411v1", "2507.06488v1", "1403.6944v1",
        "2407.11707v1",
    ]),
    # old era: totalResults 1 but no entry; the caller reports it from total_results
    (OLD / "query_empty.xml", 1, 0, 10,
     "search_query=&id_list=1201.56789&start=0&max_results=10", []),
    # the seed feed has no <title> and no categories
    (SEED, 28838, 375, 15, None, [
        "2605.00515v2", "2605.22393v1", "2605.22331v1", "2512.09472v2", "2507.03486v3",
        "2605.22039v1", "2605.22014v1", "2511.07885v4", "2605.21952v1", "2605.21847v1",
        "2605.21603v1", "2606.00071v1", "2511.09557v4", "2605.22879v1", "2605.21427v1",
    ]),
]  # fmt: skip


def test_feed_cases_cover_every_real_file():
    assert sorted(case[0] for case in FEED_CASES) == sorted(PAPER_FEEDS)


@pytest.mark.parametrize(
    "path, total, start, per_page, query, ids", FEED_CASES, ids=[name_of(c[0]) for c in FEED_CASES]
)
def test_feed_info_and_ids(path, total, start, per_page, query, ids):
    result = feed(path)
    assert result.info.source == str(path)
    assert result.info.total_results == total
    assert result.info.start_index == start
    assert result.info.items_per_page == per_page
    assert result.info.query == query
    assert len(result.papers) == len(ids)
    assert [f"{p.arxiv_id}v{p.version}" for p in result.papers] == ids


# --- both eras give the same kind of record ----------------------------------------------


@pytest.mark.parametrize("path", PAPER_FEEDS, ids=name_of)
def test_records_have_the_same_shape_in_both_eras(path):
    codes = taxonomy.load()
    for p in feed(path).papers:
        for text in (p.title, p.abstract, *names(p)):
            assert text == " ".join(text.split()), (p.arxiv_id, text)  # no wrapping, no edges
        assert p.abstract
        assert p.published.tzinfo is UTC and p.updated.tzinfo is UTC
        assert p.versions[0] == Version(1, p.published)
        assert p.versions[-1] == Version(p.version, p.updated)
        assert len(p.versions) == (1 if p.version == 1 else 2)
        assert p.abs_url.endswith(f"/abs/{p.arxiv_id}v{p.version}")
        assert p.pdf_url.endswith(f"/pdf/{p.arxiv_id}v{p.version}")
        assert all(codes.is_code(c) for c in p.categories)
        if p.primary_category is not None:
            assert p.categories[0] == p.primary_category
        assert len(set(p.categories)) == len(p.categories)
        # no recorded entry carries MSC/ACM terms (the hand-made fixture does)
        assert p.msc_classes == p.acm_classes == p.other_classes == ()
        assert p.source == str(path)


def test_old_era_hard_wrapped_title_is_normalised():
    path = OLD / "query_electron_proton_s0_m10.xml"
    raw = path.read_text("utf-8")
    assert "as a (first)\n  TeV-rangeelectron-proton" in raw
    assert "<summary>  The use of the existing proton storage rings" in raw  # leading blanks
    assert "combined with electron linear\naccelerator as a ring-linac" in raw  # hard-wrapped
    p = paper(path, "hep-ph/9411242")
    assert p.title == (
        "Proton-ring and Electron-linac Collider (PRELC) as a (first) "
        "TeV-rangeelectron-proton or photon-proton collider"
    )
    assert p.abstract.startswith("The use of the existing proton storage rings")
    assert "combined with electron linear accelerator as a ring-linac" in p.abstract
    assert p.abstract.endswith("could be used as the electron beam for the PRELC.")
    assert "$10^{31}$ to $10^{32}$" in p.abstract  # TeX kept as written


def test_read_path_and_read_atom_agree():
    path = OLD / "query_electron_proton_s0_m10.xml"
    assert read_atom(path.read_bytes(), str(path)) == read_path(str(path)) == read_path(path)


# --- spot checks: one field of one paper ------------------------------------------------

ASTRO_PH = NEW / "id_astro-ph_0601001_s0_m100.xml"
QUANT_PH = NEW / "id_quant-ph_0201082v1_s0_m100.xml"
ELECTRON = OLD / "query_electron_proton_s0_m10.xml"
TESTING = NEW / "q_testing_s0_m10.xml"
CLASSES = HAND / "old_era_classes.xml"
NO_REL = HAND / "links_without_rel.xml"
AUTHORS_DOIS = HAND / "authors_dois.xml"

FIELD_CASES = [
    # affiliations and an old-style id (current era)
    (ASTRO_PH, "astro-ph/0601001", "authors", (
        Author("Andrew Gould", ("Ohio State",)),
        Author("Susan Dorsher", ("Ohio State",)),
        Author("B. Scott Gaudi", ("CfA",)),
        Author("Andrzej Udalski", ("Warsaw University Observatory",)),
    )),
    (ASTRO_PH, "astro-ph/0601001", "version", 1),
    (ASTRO_PH, "astro-ph/0601001", "title",
     "Frequency of Hot Jupiters and Very Hot Jupiters from the OGLE-III Transit Surveys "
     "Toward the Galactic Bulge and Carina"),
    (ASTRO_PH, "astro-ph/0601001", "journal_ref", "ActaAstron.56:1-50,2006"),
    (ASTRO_PH, "astro-ph/0601001", "comment",
     "62 pages including 16 figures and 9 tables. Submitted to Acta Astronomica. Full resolution "
     "version at http://www.astronomy.ohio-state.edu/~gould/ogle_hot_jupiters.ps.gz"),
    (ASTRO_PH, "astro-ph/0601001", "primary_category", "astro-ph"),
    (ASTRO_PH, "astro-ph/0601001", "categories", ("astro-ph",)),
    (ASTRO_PH, "astro-ph/0601001", "versions", (Version(1, utc(2006, 1, 2, 14, 57, 58)),)),
    (ASTRO_PH, "astro-ph/0601001", "abs_url", "https://arxiv.org/abs/astro-ph/0601001v1"),
    (ASTRO_PH, "astro-ph/0601001", "pdf_url", "https://arxiv.org/pdf/astro-ph/0601001v1"),
    (ASTRO_PH, "astro-ph/0601001", "dois", ()),
    (QUANT_PH, "quant-ph/0201082", "version", 1),
    (QUANT_PH, "quant-ph/0201082", "categories", ("quant-ph", "cs.PL")),
    (QUANT_PH, "quant-ph/0201082", "authors", (Author("Stephen Blaha"),)),
    (QUANT_PH, "quant-ph/0201082", "journal_ref", None),
    (QUANT_PH, "quant-ph/0201082", "abstract",
     "We show a representation of Quantum Computers defines Quantum Turing Machines with "
     "associated Quantum Grammars. We then create examples of Quantum Grammars. Lastly we "
     "develop an algebraic approach to high level Quantum Languages using Quantum Assembly "
     "language and Quantum C language as examples."),
    # old era: affiliation and non-ASCII name, per-element xmlns:arxiv
    (ELECTRON, "hep-ph/9411242", "authors", (
        Author("Raimo Vuopionperä", ("SEFT, Univ. Helsinki",)),
    )),
    (ELECTRON, "hep-ph/9411242", "comment", "4 pages, revtex"),
    (ELECTRON, "hep-ph/9411242", "abs_url", "http://arxiv.org/abs/hep-ph/9411242v1"),
    (ELECTRON, "hep-ph/9411242", "pdf_url", "http://arxiv.org/pdf/hep-ph/9411242v1"),
    (ELECTRON, "1706.01836", "dois", ("10.1063/1.4996038",)),
    (ELECTRON, "1706.01836", "comment", None),
    (ELECTRON, "1706.01836", "journal_ref", "The Journal of Chemical Physics 147, 114113 (2017)"),
    (ELECTRON, "1706.01836", "versions", (
        Version(1, utc(2017, 6, 6, 16, 12, 51)), Version(2, utc(2017, 9, 24, 14, 21, 38)),
    )),
    (ELECTRON, "0806.3233", "categories", ("cond-mat.other", "physics.bio-ph", "q-bio.SC")),
    (ELECTRON, "1602.03411", "dois", ("10.1002/2016JA022429",)),
    # the title "0" (present in the recording; the missing-title case is hand-made below)
    (NEW / "id_2104.12255v1_s0_m100.xml", "2104.12255", "title", "0"),
    (NEW / "id_2104.12255v1_s0_m100.xml", "2104.12255", "categories", ("cs.CR",)),
    (HAND / "missing_title.xml", "2104.12255", "title", ""),
    (HAND / "missing_title.xml", "2104.12255", "authors", (Author("Quan Thoi Minh Nguyen"),)),
    # current era: DOI, journal ref, comment; author order
    (TESTING, "2202.12139", "dois", ("10.1109/ICSTW55395.2022.00035",)),
    (TESTING, "2202.12139", "journal_ref",
     "Artificial Intelligence in Software Testing @ 2022 IEEE International Conference on "
     "Software Testing, Verification and Validation Workshops (ICSTW)"),
    (TESTING, "2202.12139", "comment",
     "Artificial Intelligence in Software Testing 2022 workshop @ ICST 2022"),
    (TESTING, "2202.12139", "names", ("Mohit Kumar Ahuja", "Arnaud Gotlieb", "Helge Spieker")),
    (TESTING, "2202.12139", "categories", ("cs.SE", "cs.LG")),
    (TESTING, "2005.14124", "categories", ("cs.SE", "cs.CR", "cs.LG")),
    (NEW / "q_testing_s5_m15.xml", "2301.05651", "categories", ("cs.LG", "cs.SE")),
    (NEW / "q_testing_s20_m10.xml", "2409.05654", "versions", (
        Version(1, utc(2024, 9, 9, 14, 21, 19)), Version(9, utc(2025, 5, 8, 20, 52, 40)),
    )),
    (NEW / "id_1605.08386_s0_m100.xml", "1605.08386", "names",
     ("Caprice Stanley", "Tobias Windisch")),
    (NEW / "id_1605.08386_s0_m100.xml", "1605.08386", "categories", ("math.CO", "math.ST")),
    # 34 authors, non-ASCII names as arXiv sent them (fixture encoding repaired, see fixtures README)
    (NEW / "id_1707.08567_s0_m100.xml", "1707.08567", "names", (
        "Kees A. Schouhamer Immink", "Stan Baggen", "Ferdaous Chaabane", "Yanling Chen",
        "Peter H. N. de With", "Hela Gassara", "Hamed Gharbi", "Adel Ghazel", "Khaled Grati",
        "Naira M. Grigoryan", "Ashot Harutyunyan", "Masayuki Imanishi", "Mitsugu Iwamoto",
        "Ken-ichi Iwata", "Hiroshi Kamabe", "Brian M. Kurkoski", "Shigeaki Kuzuoka",
        "Patrick Langenhuizen", "Jan Lewandowsky", "Akiko Manada", "Shigeki Miyake",
        "Hiroyoshi Morita", "Jun Muramatsu", "Safa Najjar", "Arnak V. Poghosyan",
        "Fatma Rouissi", "Yuta Sakai", "Ulrich Tamm", "Joost van der Putten",
        "Fons van der Sommen", "A. J. Han Vinck", "Tadashi Wadayama", "Dirk Wübben",
        "Hirosuke Yamamoto",
    )),
    # seed: 15 authors, mojibake "RĂ©" kept; no categories at all
    (SEED, "2511.07885", "names", (
        "Jon Saad-Falcon", "Avanika Narayan", "Hakki Orhun Akengin", "J. Wes Griffin",
        "Herumb Shandilya", "Adrian Gamarra Lafuente", "Medhya Goel", "Rebecca Joseph",
        "Shlok Natarajan", "Etash Kumar Guha", "Shang Zhu", "Ben Athiwaratkun", "John Hennessy",
        "Azalia Mirhoseini", "Christopher RĂ©",
    )),
    (SEED, "2511.07885", "primary_category", None),
    (SEED, "2511.07885", "categories", ()),
    (SEED, "2511.07885", "versions", (
        Version(1, utc(2025, 11, 11, 6, 33, 30)), Version(4, utc(2026, 5, 21, 3, 40, 21)),
    )),
    (SEED, "2605.22014", "names", (
        "Haoyuan Liu", "Kairui Zhou", "Shuyao Qi", "Qinwei Yang", "Shengkai Lin", "Shizhen Zhao",
        "Wei Zhang",
    )),
    (SEED, "2605.21603", "names", (
        "Yi Pan", "Yile Gu", "Jinbin Luo", "Yibo Wu", "Ziren Wang", "Hongtao Zhang", "Ziyi Xu",
        "Shengkai Lin", "Baris Kasikci", "Stephanie Wang",
    )),
    # hand-made: the real old-era 2206.06921v3 with an MSC term
    (CLASSES, "2206.06921", "categories", ("math.CA", "math.DS", "math.MG")),
    (CLASSES, "2206.06921", "msc_classes", ("28A80 (Primary) 39B62 (Secondary)",)),
    (CLASSES, "2206.06921", "acm_classes", ()),
    (CLASSES, "2206.06921", "other_classes", ()),
    (CLASSES, "2206.06921", "dois", ("10.1512/iumj.2024.73.9928",)),
    (CLASSES, "2206.06921", "journal_ref", "Indiana Univ. Math. J. 73 (2024), 1331-1356"),
    (CLASSES, "2206.06921", "comment",
     "25 pages, 5 figures. v3: Many typo fixes and substantially improved exposition, "
     "especially in non-monotonic construction. Some numbering changes from v2. Results unchanged"),
    (CLASSES, "2206.06921", "abstract",
     r"Let $d\in\mathbb{N}$ and let $\varphi\colon(0,1)\to[0,d]$. We prove that there exists a "
     r"set $F\subset\mathbb{R}^d$ such that $\operatorname{dim}_A^\theta F=\varphi(\theta)$ "
     r"for all $\theta\in(0,1)$ if and only if for every $0<\lambda<\theta<1$, \[0\leq "
     r"(1-\lambda)\varphi(\lambda)-(1-\theta)\varphi(\theta)\leq "
     r"(\theta-\lambda)\varphi\Bigl(\frac{\lambda}{\theta}\Bigr).\] In particular, the "
     r"following behaviours which have not previously been witnessed in any examples are "
     r"possible: the Assouad spectrum can be non-monotonic on every open set, and can fail "
     r"to be H\"older in a neighbourhood of 1."),
    (CLASSES, "2206.06921", "versions", (
        Version(1, utc(2022, 6, 14, 15, 35, 46)), Version(3, utc(2024, 8, 12, 11, 56, 51)),
    )),
    # hand-made, invented: ACM codes, other terms, primary listed late or not at all, -04:00
    (CLASSES, "cs/9912999", "version", 2),
    (CLASSES, "cs/9912999", "title", "An Invented Entry for Category Terms"),
    (CLASSES, "cs/9912999", "primary_category", "cs.AI"),
    (CLASSES, "cs/9912999", "categories", ("cs.AI", "cs.LG")),
    (CLASSES, "cs/9912999", "acm_classes", ("I.2.6", "F.2.2; G.2.2")),
    (CLASSES, "cs/9912999", "msc_classes", ("05Cxx",)),
    (CLASSES, "cs/9912999", "other_classes", ("PACS 03.67.Lx",)),
    (CLASSES, "cs/9912999", "published", utc(2000, 1, 1, 2, 15)),
    (CLASSES, "cs/9912999", "updated", utc(2000, 3, 1, 13, 30)),
    (CLASSES, "cs/9912998", "categories", ("math.CA", "math.DS")),
    (CLASSES, "cs/9912998", "acm_classes", ("D.2.5",)),
    (CLASSES, "cs/9912998", "msc_classes", ("35XX",)),
    (CLASSES, "cs/9912998", "abs_url", None),
    (CLASSES, "cs/9912998", "pdf_url", None),
    # hand-made from the 2025-11-11 recording: links with no rel/type/title
    (NO_REL, "nucl-ex/0408020", "abs_url", "https://arxiv.org/abs/nucl-ex/0408020v1"),
    (NO_REL, "nucl-ex/0408020", "pdf_url", "https://arxiv.org/pdf/nucl-ex/0408020v1"),
    (NO_REL, "nucl-ex/0408020", "categories", ("nucl-ex", "hep-ph")),
    (NO_REL, "1309.4668", "abs_url", "https://arxiv.org/abs/1309.4668v1"),
    (NO_REL, "1309.4668", "pdf_url", "https://arxiv.org/pdf/1309.4668v1"),
    (NO_REL, "1309.4668", "dois", ("10.5170/CERN-2013-002.237",)),
    (NO_REL, "1309.4668", "authors", (
        Author("A. Pertica", ("Rutherford",)), Author("S. J. Payne", ("Rutherford",)),
    )),
    # hand-made, invented: two affiliations, a two-DOI field, blank fields, -04:00, pdf by type
    (AUTHORS_DOIS, "2401.99999", "authors", (
        Author("Grace Example", ("Dept. of Computing, Example University", "Example Institute")),
        Author("Alan Example", ()),
    )),
    (AUTHORS_DOIS, "2401.99999", "dois", ("10.1234/first.2024.1", "10.5678/second-2024")),
    (AUTHORS_DOIS, "2401.99999", "comment", None),
    (AUTHORS_DOIS, "2401.99999", "journal_ref", None),
    (AUTHORS_DOIS, "2401.99999", "title", r"An Invented Paper with $\mathcal{O}(n)$ Authors"),
    (AUTHORS_DOIS, "2401.99999", "versions", (
        Version(1, utc(2024, 2, 1, 3, 59, 59)), Version(3, utc(2024, 3, 6, 0, 30)),
    )),
    (AUTHORS_DOIS, "2401.99999", "abs_url", "https://arxiv.org/abs/2401.99999v3"),
    (AUTHORS_DOIS, "2401.99999", "pdf_url", "https://arxiv.org/pdf/2401.99999v3"),
]  # fmt: skip


@pytest.mark.parametrize(
    "path, arxiv_id, field, expected",
    FIELD_CASES,
    ids=[f"{c[0].name}:{c[1]}:{c[2]}" for c in FIELD_CASES],
)
def test_paper_field(path, arxiv_id, field, expected):
    p = paper(path, arxiv_id)
    assert (names(p) if field == "names" else getattr(p, field)) == expected


@pytest.mark.parametrize(
    "path, arxiv_id, published, updated",
    [
        (CLASSES, "cs/9912999", "2000-01-01T02:15:00+00:00", "2000-03-01T13:30:00+00:00"),
        (AUTHORS_DOIS, "2401.99999", "2024-02-01T03:59:59+00:00", "2024-03-06T00:30:00+00:00"),
    ],
    ids=["old-era", "new-era"],
)
def test_offset_timestamps_are_converted_to_utc(path, arxiv_id, published, updated):
    p = paper(path, arxiv_id)  # the file says -04:00
    assert (p.published.isoformat(), p.updated.isoformat()) == (published, updated)


def test_shengkai_lin_is_on_two_seed_papers():
    papers = [p for p in feed(SEED).papers if "Shengkai Lin" in names(p)]
    assert [(p.arxiv_id, names(p).index("Shengkai Lin")) for p in papers] == [
        ("2605.22014", 4),
        ("2605.21603", 7),
    ]


def test_seed_has_no_categories_anywhere():
    assert all(p.primary_category is None and p.categories == () for p in feed(SEED).papers)


# --- errors ------------------------------------------------------------------------------


def test_error_feed_raises_feed_error_entry():
    with pytest.raises(FeedErrorEntry) as caught:
        read_path(ERROR_FEED)
    message = str(caught.value)
    assert "arXiv API error: incorrect id format for abc" in message
    assert "(query: https://arxiv.org/)" in message  # its title is no query, so the feed id
    assert message.startswith(str(ERROR_FEED))


def test_error_entry_names_the_query_when_the_title_has_one():
    # the shape of the manual's error example (section 3.4), with an "arXiv Query:" title
    data = b"""<feed xmlns="http://www.w3.org/2005/Atom">
<title>arXiv Query: search_query=&amp;id_list=1234.12345&amp;start=0&amp;max_results=10</title>
<id>https://arxiv.org/api/x</id>
<entry><id>http://arxiv.org/api/errors#incorrect_id_format_for_1234.12345</id>
  <title>Error</title><summary>incorrect id format for 1234.12345</summary></entry>
</feed>"""
    with pytest.raises(FeedErrorEntry) as caught:
        read_atom(data, "inline")
    assert str(caught.value) == (
        "inline: arXiv API error: incorrect id format for 1234.12345 "
        "(query: search_query=&id_list=1234.12345&start=0&max_results=10)"
    )


@pytest.mark.parametrize(
    "path, cut",
    [
        (NEW / "id_1605.08386_s0_m100.xml", 700),  # inside the entry
        (OLD / "query_electron_proton_s0_m10.xml", 9000),  # inside a wrapped abstract
        (SEED, 60),  # inside the root's start tag: found while sniffing the format
    ],
    ids=["new-era", "old-era", "before-root"],
)
def test_truncated_file_is_malformed_xml(tmp_path, path, cut):
    data = path.read_bytes()[:cut]
    broken = tmp_path / f"truncated-{path.name}"
    broken.write_bytes(data)
    last_line = data.count(b"\n") + 1  # a truncated document ends on its last line
    with pytest.raises(SourceError) as caught:
        read_path(broken)
    assert caught.value.line == last_line
    assert str(caught.value).startswith(f"{broken}:{last_line}: malformed XML: ")
    assert "\n" not in str(caught.value)


def _edited_copy(tmp_path: Path, old: str, new: str) -> Path:
    """A copy of the real 1605.08386 answer with one string replaced."""
    source = NEW / "id_1605.08386_s0_m100.xml"
    text = source.read_text("utf-8")
    assert text.count(old) == 1
    edited = tmp_path / source.name
    edited.write_text(text.replace(old, new), "utf-8")
    return edited


@pytest.mark.parametrize(
    "old, new, expected",
    [
        ("<id>http://arxiv.org/abs/1605.08386v1</id>", "<id>http://example.org/paper/42</id>",
         ":10: entry id 'http://example.org/paper/42' is not an arXiv id"),
        ("<id>http://arxiv.org/abs/1605.08386v1</id>", "<id>http://arxiv.org/abs/1605.08386</id>",
         ":10: entry id 'http://arxiv.org/abs/1605.08386' has no version"),
        ("<published>2016-05-26T17:59:46Z</published>", "<published>yesterday</published>",
         ":19: published is not an RFC 3339 timestamp: 'yesterday'"),
        ("<published>2016-05-26T17:59:46Z</published>",
         "<published>2016-05-26T17:59:46</published>",
         ":19: published is not an RFC 3339 timestamp"),
        ("<opensearch:totalResults>1<", "<opensearch:totalResults>many<",
         ":8: totalResults is not an integer: 'many'"),
    ],
    ids=["not-arxiv-id", "no-version", "bad-date", "no-timezone", "bad-total"],
)
def test_bad_values_name_file_and_line(tmp_path, old, new, expected):
    path = _edited_copy(tmp_path, old, new)
    with pytest.raises(SourceError) as caught:
        read_path(path)
    assert str(caught.value).startswith(f"{path}{expected}")


@pytest.mark.parametrize(
    "content, expected",
    [
        (b'<?xml version="1.0"?>\n<rss version="2.0"><channel/></rss>',
         "unrecognised format: XML with root element rss"),
        (b"hello", "unrecognised format: file starts with b'h'"),
        (b"", "unrecognised format: empty file"),
    ],
    ids=["rss", "text", "empty"],
)
def test_read_path_rejects_unknown_formats(tmp_path, content, expected):
    path = tmp_path / "input.dat"
    path.write_bytes(content)
    with pytest.raises(SourceError) as caught:
        read_path(path)
    assert str(caught.value) == f"{path}: {expected}"


def test_read_atom_rejects_other_xml():
    with pytest.raises(SourceError, match="not an Atom feed: root element is rss"):
        read_atom(b"<rss/>", "inline")


def test_missing_file_is_a_source_error(tmp_path):
    with pytest.raises(SourceError, match="cannot read file"):
        read_path(tmp_path / "absent.xml")


def test_entities_are_not_expanded():
    data = b"""<!DOCTYPE feed [<!ENTITY boom "expanded">]>
    <feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/abs/1605.08386v1</id>
    <title>A &boom; title</title><summary>s</summary></entry></feed>"""
    (p,) = read_atom(data, "inline").papers
    assert "expanded" not in p.title


def test_read_path_sniffs_oai_pmh():
    feed = read_path(FIXTURES / "oai-pmh" / "GetRecordResponse.xml")
    assert [p.arxiv_id for p in feed.papers] == ["1302.2146"]
