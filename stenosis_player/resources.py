"""Where the shipped files are: a checkout keeps them at the repository root, an installed
wheel inside the package's ``data/`` folder."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
CHECKOUT_ROOT = PACKAGE_DIR.parent
DATA_DIR = PACKAGE_DIR / "data"


def catalog_path() -> Path:
    """The shipped exercises.json: the checkout's own first, else the installed copy."""
    for candidate in (CHECKOUT_ROOT / "exercises.json", DATA_DIR / "exercises.json"):
        if candidate.is_file():
            return candidate
    return CHECKOUT_ROOT / "exercises.json"  # missing: the loader reports it by this name


def assets_dir() -> Path:
    for candidate in (CHECKOUT_ROOT / "assets", DATA_DIR / "assets"):
        if candidate.is_dir():
            return candidate
    return CHECKOUT_ROOT / "assets"


def schema_path() -> Path:
    return DATA_DIR / "exercises.schema.json"
