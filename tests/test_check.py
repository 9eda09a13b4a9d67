"""`paperkg check`: the SHACL shapes pass on real data and catch what they are for."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from paperkg.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
PAPER = "<paper/2202.12139/#it>"  # three authors, primary cs.SE, cross-listed in cs.LG


@pytest.fixture
def project(tmp_path: Path) -> Path:
    directory = tmp_path / "site"
    feeds = [FIXTURES / "seed" / "seed-feed.xml", FIXTURES / "arxiv-api" / "2026" / "q_testing_s0_m10.xml"]
    for args in (["new", str(directory)], ["ingest", "--project", str(directory), *map(str, feeds)]):
        assert CliRunner().invoke(main, args).exit_code == 0
    return directory


def run(project: Path, *args: str):
    return CliRunner().invoke(main, [args[0], "--project", str(project), *args[1:]])


def test_real_data_conforms(project: Path) -> None:
    result = run(project, "check")
    assert result.exit_code == 0, result.output
    assert "graph conforms" in result.output


@pytest.mark.parametrize(
    "update, expected",
    [
        (f"DELETE WHERE {{ {PAPER} schema:about <topic/cs.SE/#it> }}",
         "paper/2202.12139/#it: the primary category is not among the paper's subjects"),
        ("DELETE { <paper/2202.12139/#author-2> ax:ordinal 2 } INSERT { <paper/2202.12139/#author-2> ax:ordinal 3 } "
         "WHERE {}", "paper/2202.12139/#it: author ordinals are not 1..n without gaps or repeats"),
        ("DELETE WHERE { <author/helge-spieker/#it> schema:name ?n }", "author/helge-spieker/#it https://schema.org/name"),
        (f"INSERT DATA {{ {PAPER} schema:version 7 }}", "paper/2202.12139/#it https://schema.org/version"),
        ('INSERT DATA { <topic/cs.SE/#it> skos:prefLabel "Logiciel"@fr }', "topic/cs.SE/#it"),
    ],
    ids=["primary-not-subject", "ordinal-gap", "person-without-name", "two-versions", "label-not-english"],
)
def test_violations_are_listed(project: Path, update: str, expected: str) -> None:
    assert run(project, "query", update, "--allow-update").exit_code == 0
    result = run(project, "check")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert all(line.startswith("paperkg: violation: ") for line in lines)
    assert any(expected in line for line in lines), lines


def test_twins_are_parsed(project: Path) -> None:
    assert run(project, "build").exit_code == 0
    result = run(project, "check")
    assert result.exit_code == 0, result.output
    count = int(result.output.rsplit(";", 1)[1].split()[0])
    site = project / "public"  # every twin the site has, and the dataset's and vocabulary's Turtle
    assert count == len(list(site.rglob("index.ttl"))) + len(list(site.rglob("index.jsonld")))
    assert count > 2 * 100  # every paper, author and topic page has two
    broken = project / ".paperkg" / "twins" / "paper" / "2202.12139" / "index.ttl"
    broken.write_text(broken.read_text()[:-40])
    result = run(project, "check")
    assert result.exit_code == 1 and f"twin does not parse: {broken}" in result.output
