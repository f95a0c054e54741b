"""The wheel carries the catalogue, schema and pictures, and finds them from an install."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SOURCES = ("pyproject.toml", "setup.py", "README.md", "exercises.json", "assets", "stenosis_player")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the wheel from a copy of the sources (so no build/ folder lands in the checkout).
    An isolated build: pip fetches setuptools and wheel from its cache or index."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in SOURCES:
        path = REPO / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=ignore)
        else:
            shutil.copy2(path, src / name)
    out = tmp / "dist"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(src)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    (built,) = out.glob("stenosis_player-*.whl")
    return built


@pytest.mark.slow
def test_wheel_contains_the_data_files(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "stenosis_player/data/exercises.json" in names
    assert "stenosis_player/data/exercises.schema.json" in names
    assert "stenosis_player/data/assets/icon.svg" in names
    shipped = {
        n.rsplit("/", 1)[1] for n in names if n.startswith("stenosis_player/data/assets/exercises/")
    }
    in_checkout = {p.name for p in (REPO / "assets" / "exercises").glob("*.svg")}
    assert shipped == in_checkout
    assert not [n for n in names if n.endswith("draw_figures.py")]
    # The checkout itself was not changed by the build.
    assert not (REPO / "stenosis_player" / "data" / "exercises.json").exists()


@pytest.mark.slow
def test_unpacked_wheel_finds_its_catalogue_and_pictures(wheel: Path, tmp_path: Path) -> None:
    """Run from the unpacked wheel alone: resources point into data/, the catalogue loads
    (its image paths resolve) and its $schema key points at the schema beside it."""
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = (
        "import json; from stenosis_player import resources as r; "
        "from stenosis_player.catalog import load_catalog; "
        "c = load_catalog(); p = r.catalog_path(); "
        "assert p.parent.name == 'data', p; "
        "assert r.assets_dir() == p.parent / 'assets', r.assets_dir(); "
        "s = json.loads(p.read_text())['$schema']; "
        "assert (p.parent / s).resolve() == r.schema_path().resolve(), s; "
        "print(len(c.exercises))"
    )
    env = dict(os.environ, PYTHONPATH=str(site))
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "18"
