"""Shared fixtures: Qt runs offscreen, and platformdirs never touches the real home folder."""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest
from fakes import FakeClock

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Point every user folder (config, data, cache) at a fresh temporary directory."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.delenv("STENOSIS_PLAYER_DATA_DIR", raising=False)
    yield home


@pytest.fixture(autouse=True)
def _collect_garbage_on_the_main_thread():
    """Free each test's Qt objects here, on the main thread: left to Python's collector they
    could be freed later on a worker thread (the voice-command listener's), where Qt cannot
    stop their timers and may crash."""
    yield
    gc.collect()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def catalog():
    from stenosis_player.catalog import load_catalog

    return load_catalog(REPO / "exercises.json")
