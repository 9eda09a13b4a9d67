"""Short page names in Pagefind's page list: the renamed index is Pagefind's own, page for page,
except the names, and its page list is smaller. (That the site's search still finds and shows
pages through the renamed fragments is test_search.py's, in a real browser.)"""

from __future__ import annotations

import gzip
import shutil
import subprocess
from pathlib import Path

import pytest

from paperkg import pagefind_names
from paperkg.errors import BuildError
from paperkg.pagefind_names import SIGNATURE, base36, shorten_page_names
from paperkg.search import _SCRIPT, RECORDS, pagefind_package


@pytest.fixture(scope="module")
def pagefind_index(built_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Pagefind's own index of the example site's search records, not renamed."""
    output = tmp_path_factory.mktemp("pagefind") / "pagefind"
    with (built_site / ".paperkg" / RECORDS).open("rb") as records:
        subprocess.run(["node", str(_SCRIPT), str(pagefind_package()), str(output)], stdin=records, check=True,
                       capture_output=True)
    return output


def files(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def test_base36() -> None:
    assert [base36(n) for n in (0, 9, 10, 35, 36, 1295, 1296)] == ["0", "9", "a", "z", "10", "zz", "100"]


def test_renamed_index_is_pagefinds_but_for_the_names(pagefind_index: Path, tmp_path: Path) -> None:
    renamed = tmp_path / "renamed"
    shutil.copytree(pagefind_index, renamed)
    before, meta_name = files(pagefind_index), next(pagefind_index.glob("*.pf_meta")).name
    index = meta_name.removeprefix("pagefind.").removesuffix(".pf_meta")

    assert shorten_page_names(renamed) == len(pagefind_names.read(pagefind_index / meta_name)[1]) > 100
    after = files(renamed)

    old, new = pagefind_names.read(pagefind_index / meta_name), pagefind_names.read(renamed / meta_name)
    assert [page[0] for page in new[1]] == [f"{index}/{base36(n)}" for n in range(len(old[1]))]
    assert [page[1:] for page in new[1]] == [page[1:] for page in old[1]]  # word counts, groups
    assert new[0] == old[0] and new[2:] == old[2:]  # version, word chunks, filters, sorts
    # each page's fragment is the same file under its new name, and no other fragment is left
    fragment = "fragment/{}.pf_fragment".format
    pairs = list(zip(old[1], new[1], strict=True))
    assert [after[fragment(n[0])] for _, n in pairs] == [before[fragment(o[0])] for o, _ in pairs]
    assert sorted(name for name in after if name.startswith("fragment/")) == sorted(fragment(n[0]) for n in new[1])
    # everything else (entry, engine, word and filter chunks) is untouched
    others = {name for name in before if not name.startswith("fragment/") and name != meta_name}
    assert {name: after[name] for name in others} == {name: before[name] for name in others}
    assert len(after[meta_name]) < len(before[meta_name])

    # and the same index renamed again gives the same bytes
    again = tmp_path / "again"
    shutil.copytree(pagefind_index, again)
    shorten_page_names(again)
    assert files(again) == after


def write_meta(bundle: Path, meta: object) -> Path:
    (bundle / "fragment").mkdir(parents=True)
    (bundle / "pagefind-entry.json").write_text('{"version":"1.6.0","languages":{"en":{"hash":"en_0"}}}')
    path = bundle / "pagefind.en_0.pf_meta"
    pagefind_names.write(path, meta)
    return path


def test_a_page_list_of_another_form_is_an_error_naming_it(tmp_path: Path) -> None:
    path = write_meta(tmp_path, ["2.0.0", {"pages": "elsewhere"}])
    with pytest.raises(BuildError, match=f"{path}: not a page list"):
        shorten_page_names(tmp_path)


def test_a_file_without_pagefinds_signature_is_an_error(tmp_path: Path) -> None:
    path = write_meta(tmp_path, ["1.6.0", []])
    path.write_bytes(gzip.compress(b"not pagefind"))
    with pytest.raises(BuildError, match=f"{path}: not a Pagefind file"):
        shorten_page_names(tmp_path)
    assert SIGNATURE == b"pagefind_dcd"


def test_grouped_fragments_keep_their_names(tmp_path: Path) -> None:
    meta = ["1.6.0", [["en_abc", 3, "group1"]], [], [], []]
    path = write_meta(tmp_path, meta)
    assert shorten_page_names(tmp_path) == 0
    assert pagefind_names.read(path) == meta
