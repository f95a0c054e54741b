"""The code stays ruff-clean (lint and format), as the project's style asks."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def ruff() -> list[str]:
    exe = shutil.which("ruff")
    if exe:
        return [exe]
    pytest.importorskip("ruff")
    return [sys.executable, "-m", "ruff"]


def test_ruff_lint_is_clean():
    out = subprocess.run([*ruff(), "check", "--quiet", str(REPO)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-3000:]


def test_ruff_format_is_clean():
    out = subprocess.run(
        [*ruff(), "format", "--check", "--quiet", str(REPO)], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stdout[-3000:]
