"""On a first start the shipped catalogue is used before its schema pass (jsonschema is the
slowest part of the first frame); the pass runs after it, stamps the file, and still names
the file and the field of anything wrong. A user's own catalogue is checked in full first."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from stenosis_player import resources
from stenosis_player.catalog import CatalogError, check_schema_later, load_catalog
from stenosis_player.ui.app import load_catalog_with_fallback


def shipped_copy(tmp_path, change=None):
    data = json.loads(resources.catalog_path().read_text(encoding="utf-8"))
    if change is not None:
        change(data)
    folder = tmp_path / "catalog"
    folder.mkdir()
    # the pictures the catalogue names live beside it (a link out of the folder is refused)
    shutil.copytree(
        resources.catalog_path().parent / "assets" / "exercises", folder / "assets" / "exercises"
    )
    path = folder / "exercises.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_the_first_start_loads_without_jsonschema_then_checks_and_stamps(tmp_path):
    code = (
        "import sys; from pathlib import Path; from stenosis_player.catalog import load_catalog\n"
        f"c = load_catalog(cache_dir=Path({str(tmp_path)!r}), schema_later=True)\n"
        "print(c.schema_pending, 'jsonschema' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False"]
    catalog = load_catalog(cache_dir=tmp_path, schema_later=True)
    assert check_schema_later(catalog, tmp_path) == []
    assert not load_catalog(cache_dir=tmp_path, schema_later=True).schema_pending  # stamped


def test_the_later_pass_names_the_file_and_the_field(tmp_path):
    if not (resources.catalog_path().parent / "assets").is_dir():
        pytest.skip("the shipped pictures are not beside the catalogue in this layout")
    path = shipped_copy(tmp_path, lambda d: d["exercises"][0].update(unexpected=1))
    catalog = load_catalog(path, cache_dir=tmp_path / "cache", schema_later=True)
    assert catalog.schema_pending  # built: only the schema knows that field is not allowed
    problems = check_schema_later(catalog, tmp_path / "cache")
    assert problems and str(path) in problems[0] and "exercises[0]" in problems[0]
    assert "unexpected" in problems[0]
    # nothing stamped: the next start checks it again
    assert load_catalog(path, cache_dir=tmp_path / "cache", schema_later=True).schema_pending


def test_a_file_that_does_not_build_gets_the_full_check_at_once(tmp_path):
    if not (resources.catalog_path().parent / "assets").is_dir():
        pytest.skip("the shipped pictures are not beside the catalogue in this layout")
    path = shipped_copy(tmp_path, lambda d: d["exercises"][0].update(steps=7))
    with pytest.raises(CatalogError) as err:
        load_catalog(path, cache_dir=tmp_path / "cache", schema_later=True)
    assert any(p.startswith("exercises[0].steps") for p in err.value.problems)


def test_a_users_own_catalogue_is_checked_in_full_before_it_is_used(tmp_path):
    if not (resources.catalog_path().parent / "assets").is_dir():
        pytest.skip("the shipped pictures are not beside the catalogue in this layout")
    path = shipped_copy(tmp_path, lambda d: d["exercises"][0].update(unexpected=1))
    catalog, notices = load_catalog_with_fallback(str(path), tmp_path / "cache")
    assert catalog is not None and catalog.path == resources.catalog_path()  # the shipped one
    assert str(path) in notices[0] and "exercises[0]" in notices[0]
    assert "came with the app" in notices[1]
