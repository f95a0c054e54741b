"""A speech service made with ``start_later`` (the window's, before its first frame): no
sound output and no speech worker until ``start()``, unless a line is said first."""

from __future__ import annotations

import pytest

from stenosis_player.voice.service import SpeechService

LINES = ["Lie on your back.", "Bring your knees to your chest."]

# QtMultimedia reports the missing PipeWire library as a Qt warning; it is not ours to fix.
pytestmark = [
    pytest.mark.speech,
    pytest.mark.qt_log_ignore(
        r"Couldn't (load|resolve) .*(library|symbols)", r"PulseAudioService", r"No audio device"
    ),
]


def test_prepared_lines_wait_for_start(qtbot, make_synth):
    service = SpeechService(make_synth(), start_later=True)
    try:
        service.prepare(LINES)
        assert not service.output_open
        assert service.synth.live_workers() == 0 and not service.is_ready()
        service.start()
        assert service.output_open
        qtbot.waitUntil(service.is_ready, timeout=30_000)
        assert all(service.clip_seconds(t) for t in LINES)
    finally:
        service.close()


def test_a_line_said_before_start_is_spoken(qtbot, make_synth):
    service = SpeechService(make_synth(), start_later=True)
    try:
        service.prepare(LINES[1:])
        with qtbot.waitSignal(service.clip_started, timeout=30_000) as started:
            service.say(LINES[0], "first")
        assert started.args == ["first"] and service.output_open
        qtbot.waitUntil(lambda: service.clip_seconds(LINES[1]) is not None, timeout=30_000)
    finally:
        service.close()


def test_importing_the_output_opens_nothing(qtbot, make_synth):
    """The window's slice before the output opens: modules only, no output, no worker."""
    import sys

    service = SpeechService(make_synth(), start_later=True)
    try:
        service.prepare(LINES)
        service.import_output()
        assert "stenosis_player.voice.sinks" in sys.modules
        assert not service.output_open and service.synth.live_workers() == 0
        service.start()
        assert service.output_open
        qtbot.waitUntil(service.is_ready, timeout=30_000)
    finally:
        service.close()
