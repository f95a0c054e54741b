from __future__ import annotations

import json

import pytest
from vc_data import DATA


@pytest.fixture(scope="session")
def manifest() -> list[dict]:
    return json.loads((DATA / "manifest.json").read_text())


@pytest.fixture
def recognizer_factory():
    """Makes CommandRecognizers with the shipped settings; all are closed after the test."""
    from stenosis_player.voice_commands.recognizer import CommandRecognizer

    made = []

    def make(**kw):
        made.append(CommandRecognizer(**kw))
        return made[-1]

    yield make
    for rec in made:
        rec.close()
