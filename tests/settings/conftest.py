"""Fixtures for the settings tests: a settings file in a temporary folder, a speech recorder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def settings_path(tmp_path: Path) -> Path:
    return tmp_path / "config" / "settings.json"


class SpeechRecorder:
    """Stands in for the speech service: records what it was asked to say."""

    def __init__(self) -> None:
        self.said: list[str] = []

    def __call__(self, text: str) -> None:
        self.said.append(text)


@pytest.fixture
def recorder() -> SpeechRecorder:
    return SpeechRecorder()
