"""Fixtures for the real-audio tests: a private PulseAudio server (see tests/sound_server.py).

Where the sound-server programs are missing the tests are skipped with the reason, except
in CI (CI=true), where ``scripts/setup.sh test`` installs them: there a missing server is a
failure, so the real-audio tests cannot silently stop running.
"""

from __future__ import annotations

import os

import pytest
from sound_server import PACKAGES, SoundServer, SoundServerError, missing_tools


def _unavailable(why: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the real-audio tests, but {why}", pytrace=False)
    pytest.skip(f"{why}; install the Debian packages {PACKAGES} to run it")


def start_server(mic: bool = True) -> SoundServer:
    missing = missing_tools()
    if missing:
        _unavailable(f"no PulseAudio here ({', '.join(missing)} not found)")
    try:
        return SoundServer(mic=mic).start()
    except SoundServerError as exc:
        _unavailable(f"the private PulseAudio server did not start: {exc}")
        raise


@pytest.fixture
def sound_server():
    """A running private PulseAudio with ``speakers`` and a virtual microphone ``mic``;
    this process's sound clients use it. Stopped by its PID after the test."""
    server = start_server(mic=True)
    server.activate()
    yield server
    server.stop()
