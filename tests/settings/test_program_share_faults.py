"""Sharing a program with hostile files: importing a device or a FIFO, exporting after the
catalogue was changed on disk (a lone surrogate, a removed program). A clear message, no
traceback, nothing written, the user's files byte for byte as they were."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from stenosis_player.catalog import CatalogError, load_catalog
from stenosis_player.program_share import export_program, import_program
from stenosis_player.resources import catalog_path
from stenosis_player.settings import Settings


@pytest.fixture
def own_catalog(tmp_path):
    """A copy of the shipped catalogue the test may change on disk after loading it."""
    folder = tmp_path / "catalogue"
    shutil.copytree(catalog_path().parent / "assets", folder / "assets")
    shutil.copy(catalog_path(), folder / "exercises.json")
    return load_catalog(folder / "exercises.json")


@pytest.mark.parametrize(
    ("special", "expected"),
    [("/dev/zero", "is a device, not a regular file"), ("fifo", "is a named pipe (FIFO)")],
)
def test_importing_a_special_file_is_refused_at_once(catalog, tmp_path, special, expected):
    path = special
    if special == "fifo":
        path = tmp_path / "shared.json"
        os.mkfifo(path)
    settings = Settings()
    settings.catalog = catalog
    before = settings.to_json()
    with pytest.raises(CatalogError) as info:
        import_program(path, catalog, settings)
    assert expected in info.value.problems[0]
    assert settings.to_json() == before  # nothing changed


def test_export_after_the_catalogue_changed_on_disk_says_so(own_catalog, tmp_path):
    path = own_catalog.path
    data = json.loads(path.read_text(encoding="utf-8"))
    data["exercises"][0]["name"] = "Broken \ud800 name"  # edited while the app runs
    path.write_text(json.dumps(data), encoding="utf-8")
    edited = path.read_bytes()
    out = tmp_path / "mine.json"
    settings = Settings()
    with pytest.raises(CatalogError) as info:
        export_program(own_catalog, settings, own_catalog.default_program, out)
    assert "lone surrogate" in info.value.problems[0]
    assert not out.exists()
    assert path.read_bytes() == edited

    data["exercises"][0]["name"] = "A name"
    pid = own_catalog.default_program
    data["programs"] = [p for p in data["programs"] if p["id"] != pid]
    data["default_program"] = data["programs"][0]["id"]
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CatalogError) as info:
        export_program(own_catalog, settings, pid, out)
    assert f'the program "{pid}" is no longer in the catalogue' in info.value.problems[0]
    assert not out.exists()
