"""Build hook only: everything else is in pyproject.toml.

The checkout keeps ``exercises.json`` and ``assets/`` at the repository root (the design
requires it). A wheel needs them inside the package, as ``stenosis_player/data/`` (where
``stenosis_player.resources`` looks in an install). They are copied there at build time,
into the build folder only, so the repository holds no duplicates:

- ``build_py`` copies ``exercises.json`` and ``assets/**/*.svg`` (+ the assets licence
  README) into ``<build_lib>/stenosis_player/data/``; the catalogue's ``$schema`` key is
  pointed at the schema beside it. Editable installs skip this (the checkout is used).
- ``sdist`` puts the same root files into the source archive, so a wheel built from the
  sdist gets them too.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

ROOT = Path(__file__).resolve().parent
CATALOG = "exercises.json"
ASSETS = "assets"
SCHEMA_IN_CHECKOUT = '"$schema": "./stenosis_player/data/exercises.schema.json"'
SCHEMA_BESIDE = '"$schema": "./exercises.schema.json"'


def asset_files(root: Path) -> list[Path]:
    """The shipped assets, relative to ``root / assets``: the SVGs and the licence README."""
    base = root / ASSETS
    files = sorted(p for p in base.rglob("*.svg") if p.is_file())
    readme = base / "README.md"
    if readme.is_file():
        files.append(readme)
    return [p.relative_to(base) for p in files]


def copy_data(root: Path, data_dir: Path) -> list[str]:
    """Copy the catalogue and assets from ``root`` into ``data_dir``; return the new files."""
    catalog = root / CATALOG
    if not catalog.is_file():
        raise SystemExit(f"setup.py: {catalog} is missing: cannot build a working package")
    data_dir.mkdir(parents=True, exist_ok=True)
    out = data_dir / CATALOG
    text = catalog.read_text(encoding="utf-8").replace(SCHEMA_IN_CHECKOUT, SCHEMA_BESIDE, 1)
    out.write_text(text, encoding="utf-8")
    written = [str(out)]
    shutil.rmtree(data_dir / ASSETS, ignore_errors=True)
    for rel in asset_files(root):
        dest = data_dir / ASSETS / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / ASSETS / rel, dest)
        written.append(str(dest))
    return written


class BuildPyWithData(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout's own files
        self._data_outputs = copy_data(ROOT, Path(self.build_lib) / "stenosis_player" / "data")

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        return [*super().get_outputs(include_bytecode), *getattr(self, "_data_outputs", [])]


class SdistWithData(sdist):
    def make_release_tree(self, base_dir: str, files: list[str]) -> None:
        super().make_release_tree(base_dir, files)
        base = Path(base_dir)
        shutil.copyfile(ROOT / CATALOG, base / CATALOG)
        for rel in asset_files(ROOT):
            dest = base / ASSETS / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ROOT / ASSETS / rel, dest)


setup(cmdclass={"build_py": BuildPyWithData, "sdist": SdistWithData})
