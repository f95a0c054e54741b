"""The real window, real speech synthesis and a real sound server (a private PulseAudio).

What the user would hear is recorded from the speakers' monitor and compared with the clips
the app synthesised (cross-correlation), so these tests check the sound itself: when each
line starts, that Stop and It hurts silence it, that a voice command said into the virtual
microphone reaches the window, and what happens when the sound server or the speakers go.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from sound_server import (
    PACKAGES,
    Recording,
    SoundServer,
    SoundServerError,
    find_onset,
    last_heard,
    missing_tools,
    read_wav,
)

from stenosis_player.engine import Stage
from stenosis_player.settings import Settings
from stenosis_player.ui.main_window import MainWindow
from stenosis_player.voice.service import SpeechService

pytestmark = [pytest.mark.speech, pytest.mark.audio]

COMMANDS = Path(__file__).resolve().parents[1] / "data" / "voice_commands" / "commands" / "clean"
TOLERANCE_S = 0.05  # the goal: a line starts, and a stop silences, within 50 ms


# Where the sound-server programs are missing these tests are skipped with the reason,
# except in CI (CI=true), where ``scripts/setup.sh test`` installs them: there a missing
# server is a failure, so the real-audio tests cannot silently stop running.
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


class Session:
    """A window with the real speech service playing a one-exercise program faster."""

    def __init__(self, qtbot, catalog, tmp_path: Path, speed: float = 4.0, **settings) -> None:
        prefs = Settings(tmp_path / "settings.json")
        prefs.set("programs.step-by-step.order", ["lumbar-flexion-lying"])
        for key, value in settings.items():
            prefs.set(key.replace("__", "."), value)
        self.speech = SpeechService(cache_dir=tmp_path / "speech")
        self.window = MainWindow(catalog, settings=prefs, speech=self.speech, speed=speed)
        qtbot.addWidget(self.window)
        self.qtbot = qtbot
        self.segments: list[tuple[float, object, str]] = []  # (time shown, segment, line)
        self.notices: list[str] = []
        self.captions: list[str] = []
        self.speech.notice.connect(self.notices.append)
        self.speech.caption.connect(self.captions.append)
        self.window.show()

    def prepare(self) -> None:
        """Synthesise the program's lines first, as a second session finds them cached."""
        script = self.window.build_script("step-by-step")
        from stenosis_player.voice.lines import speech_texts

        with self.qtbot.waitSignal(self.speech.ready_changed, timeout=60000):
            self.speech.prepare(speech_texts(script))

    def start(self) -> None:
        self.window.start_session("step-by-step")
        c = self.window.controller
        c.segment_started.connect(
            lambda seg: self.segments.append((time.monotonic(), seg, seg.say))
        )

    def clip(self, text: str):
        path = self.speech._clips[text][0]
        samples, rate = read_wav(path)
        return samples, rate

    def run_for(self, seconds: float) -> None:
        self.qtbot.wait(round(seconds * 1000))

    def wait_for_long_line(self, min_seconds: float = 2.0, timeout: float = 30.0) -> str:
        """Wait until a line of at least ``min_seconds`` starts playing; returns it."""
        heard: list[str] = []

        def started(_id: str) -> None:
            text = self.window._caption or ""
            if (self.speech.clip_seconds(text) or 0) >= min_seconds:
                heard.append(text)

        self.speech.clip_started.connect(started)
        try:
            self.qtbot.waitUntil(lambda: bool(heard), timeout=round(timeout * 1000))
        finally:
            self.speech.clip_started.disconnect(started)
        return heard[0]

    def close(self) -> None:
        c = self.window.controller
        if c is not None and c.stage not in (Stage.FINISHED, Stage.STOPPED):
            c.stop()  # its timer must not tick into a window that is gone
        self.window.close()
        self.speech.close()


@pytest.fixture
def session(qtbot, catalog, tmp_path, sound_server):
    made: list[Session] = []

    def make(**kw) -> Session:
        s = Session(qtbot, catalog, tmp_path, **kw)
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


def onset_errors(recording: Recording, s: Session) -> list[tuple[str, float, float]]:
    """For each segment line: (line, onset − segment start in s, match 0..1)."""
    out = []
    end = recording.time_of(len(recording.samples))
    for shown, _seg, text in s.segments:
        if text not in s.speech._clips or shown > end - 0.7:
            continue  # not a clip, or too close to the end of the recording to be found
        clip, rate = s.clip(text)
        assert rate == recording.rate
        onset, score = find_onset(recording, clip, shown)
        out.append((text, onset - shown, score))
    return out


def test_each_line_starts_within_50_ms_of_its_segment(session, sound_server):
    s = session(speed=4.0)
    s.prepare()
    recorder = sound_server.record("speakers.monitor")
    s.start()
    s.run_for(9.0)
    recording = recorder.stop()
    found = onset_errors(recording, s)
    assert len(found) >= 4, f"too few segments played: {s.segments}"
    for text, error, score in found:
        assert score > 0.8, f"{text!r} was not heard (best match {score:.2f})"
        assert abs(error) <= TOLERANCE_S, f"{text!r} started {error * 1000:+.0f} ms off"
    assert s.speech.sink.name == "pulse"
    assert not s.notices


@pytest.mark.parametrize("key", ["H", "Escape", "Space"])
def test_it_hurts_stop_and_pause_silence_the_voice_within_50_ms(session, sound_server, key):
    from PySide6.QtCore import Qt

    s = session(speed=1.0)
    s.prepare()
    recorder = sound_server.record("speakers.monitor")
    s.start()
    text = s.wait_for_long_line(2.0)
    s.run_for(0.5)  # well into the line
    pressed = time.monotonic()
    s.qtbot.keyClick(s.window, getattr(Qt.Key, f"Key_{key}"))
    s.run_for(0.6)
    recording = recorder.stop()
    clip, _ = s.clip(text)
    onset, score = find_onset(recording, clip, pressed - 0.5, before=0.5, after=0.3)
    assert score > 0.8, f"the line {text!r} was not heard before the key"
    cut = last_heard(recording, clip, onset) - pressed
    assert cut <= TOLERANCE_S, f"{key}: the line went on {cut * 1000:.0f} ms after the key"
    assert cut > -0.2, "the line stopped before the key: not a test of the key"
    assert s.window.controller.stage is Stage.PAUSED
    if key == "Space":  # a pause says nothing: real silence follows
        assert recording.rms(pressed + TOLERANCE_S, pressed + 0.6) < 1e-3


def test_player_pause_said_into_the_microphone_pauses_the_window(session, sound_server):
    s = session(speed=1.0, voice_commands__enabled=True)
    s.prepare()
    s.start()
    s.qtbot.waitUntil(lambda: s.window.listener.is_listening, timeout=20000)
    assert s.window.controller.stage is Stage.RUNNING
    with s.qtbot.waitSignal(s.window.listener.command_heard, timeout=20000) as heard:
        sound_server.say_into_mic(COMMANDS / "slt_1.0_player_pause.wav").wait(10)
    assert heard.args == ["pause"]
    assert s.window.controller.stage is Stage.PAUSED
    s.window.stop_voice_commands()


def _voice_heard_after(recorder, s: Session, since: float) -> bool:
    """True when a line that started after ``since`` is in the recording."""
    recording = recorder.snapshot()
    for shown, _seg, text in s.segments:
        if shown > since and text in s.speech._clips:
            _, score = find_onset(recording, s.clip(text)[0], shown)
            if score > 0.8:
                return True
    return False


def test_killed_sound_server_the_session_goes_on_and_the_voice_comes_back(session, sound_server):
    s = session(speed=4.0)
    s.prepare()
    s.start()
    s.run_for(1.5)
    sound_server.kill()
    killed_at = time.monotonic()
    before, captions = len(s.segments), len(s.captions)
    s.run_for(4.0)
    assert len(s.segments) > before, "the session stopped moving when the server died"
    assert len(s.captions) > captions, "no captions after the server died"
    assert s.window.controller.stage is Stage.RUNNING
    assert any("No voice" in n for n in s.notices), s.notices
    assert "No voice" in s.window.player.notices.text()  # on the player screen
    sound_server.restart()
    recorder = sound_server.record("speakers.monitor")
    back = time.monotonic()
    s.run_for(5.0)
    assert _voice_heard_after(recorder, s, back), "the voice did not come back"
    recorder.stop()
    assert time.monotonic() - killed_at < 30
    assert "No voice" not in s.window.player.notices.text()  # its notice is taken down


def test_speakers_unplugged_the_session_goes_on_and_the_voice_returns_with_them(
    session, sound_server
):
    s = session(speed=4.0)
    s.prepare()
    s.start()
    s.run_for(1.5)
    for sink in ("speakers", "micsink"):  # no output device is left
        sound_server.pactl("unload-module", str(sound_server.module_of_sink(sink)))
    before = len(s.segments)
    s.run_for(4.0)
    assert len(s.segments) > before, "the session stopped moving without speakers"
    assert any("No voice" in n for n in s.notices), s.notices
    sound_server.load_module("module-null-sink", "sink_name=speakers")
    sound_server.pactl("set-default-sink", "speakers")
    recorder = sound_server.record("speakers.monitor")
    back = time.monotonic()
    s.run_for(5.0)
    assert _voice_heard_after(recorder, s, back), "the voice did not come back"
    recorder.stop()


def test_the_voice_follows_a_new_default_output(session, sound_server):
    s = session(speed=4.0)
    s.prepare()
    s.start()
    s.run_for(1.5)
    sound_server.pactl("set-default-sink", "micsink")
    old = sound_server.record("speakers.monitor")
    new = sound_server.record("micsink.monitor", rate=22050)
    changed = time.monotonic()
    s.run_for(5.0)
    assert _voice_heard_after(new, s, changed), "nothing was heard on the new default device"
    new.stop()
    assert not _voice_heard_after(old, s, changed + 0.5), "the voice stayed on the old device"
    old.stop()
    assert s.window.controller.stage is Stage.RUNNING


def _listener_state(listener, said) -> str:
    """What the listener refused and where its echo canceller stood: why a command was missed."""
    c = listener.canceller
    echo = (
        f"canceller delay {c.delay} moves {c.moves} aligned {c.aligned} found {c.found}"
        if c is not None
        else "no canceller"
    )
    refused = "; ".join(f"{r.phrase!r} at {r.time:.2f}: {r.reason}" for r in listener.rejected)
    h = listener.last_heard
    got = f"heard {h.phrase!r} at {h.start:.2f}-{h.time:.2f}" if h is not None else "heard nothing"
    at = f"{said:.2f} s" if said is not None else "?"
    return f"said at {at}; {got}; {echo}; refused: {refused or 'nothing'}"


def test_it_hurts_said_over_the_app_voice_opens_the_choices(session, sound_server):
    """The speakers' monitor is looped into the microphone 20 dB down, as a laptop's
    microphone hears its speakers. What the echo canceller leaves of the app's voice filled
    the pause the recogniser wants before a command ("speech just before (100%)"), so "it
    hurts" was refused at -40 to -20 dB; over the app's voice only speech near the
    command's own level counts now (Settings.over_app_margin_db). On a loaded machine the
    playback runs dry and the echo moves faster than the canceller can follow, so the
    leftover filled the pauses again: "it hurts" never stood alone as a burst of speech
    and pocketsphinx's streaming search alone missed it in 3 of 10 and 4 of 8 runs beside
    two CPU burners. The echo floor (EchoCanceller.last_floor_db) finds the pauses from the
    app's voice's level, whether or not the filter has converged."""
    s = session(speed=1.0, voice_commands__enabled=True)
    s.prepare()
    s.start()
    s.qtbot.waitUntil(lambda: s.window.listener.is_listening, timeout=20000)
    sound_server.load_module(
        "module-loopback", "source=speakers.monitor", "sink=micsink", "latency_msec=60"
    )
    s.qtbot.waitUntil(
        lambda: any("loopback" in i for i in sound_server.sink_inputs()), timeout=5000
    )
    for line in sound_server.sink_inputs():
        if "loopback" in line:
            sound_server.pactl("set-sink-input-volume", line.split("\t")[0], "-20dB")
    s.wait_for_long_line(3.0)
    assert s.speech.is_speaking()
    listener = s.window.listener
    said = listener.stream_time  # where in the microphone's stream the command is said
    with s.qtbot.waitSignal(listener.command_heard, timeout=15000, raising=False) as heard:
        sound_server.say_into_mic(COMMANDS / "slt_1.0_it_hurts.wav").wait(10)
    state = _listener_state(listener, said)
    print("listener:", state)  # (shown with -s: what each run heard, for counting runs)
    assert heard.signal_triggered, f"'it hurts' was not heard: {state}"
    assert heard.args == ["it_hurts"], state
    assert s.window.player.hurt_panel.isVisible()
    assert s.window.controller.stage is Stage.PAUSED


def test_a_sound_server_that_stops_answering_never_holds_up_the_session(session, sound_server):
    import signal

    s = session(speed=4.0)
    s.prepare()
    s.start()
    s.run_for(1.0)
    os.kill(sound_server.pid, signal.SIGSTOP)  # alive, but it answers nothing
    try:
        before, captions = len(s.segments), len(s.captions)
        started = time.monotonic()
        s.qtbot.waitUntil(lambda: any("stopped answering" in n for n in s.notices), timeout=20000)
        assert len(s.segments) > before and len(s.captions) > captions
        assert time.monotonic() - started < 20
        s.window.it_hurts()  # the keys still work at once
        assert s.window.controller.stage is Stage.PAUSED
    finally:
        os.kill(sound_server.pid, signal.SIGCONT)


def test_the_microphone_reads_the_sound_server_and_says_when_it_goes(sound_server):
    import numpy as np

    from stenosis_player.voice_commands.microphone import (
        MicrophoneUnavailable,
        PulseMicrophone,
        default_microphone,
    )

    mic = default_microphone()
    assert isinstance(mic, PulseMicrophone)  # not PortAudio, where a sound server is there
    blocks = mic.blocks()
    quiet = [next(blocks) for _ in range(3)]
    assert all(len(b) == 3200 for b in quiet)  # 100 ms of 16 kHz 16-bit mono
    player = sound_server.say_into_mic(COMMANDS / "slt_1.0_player_pause.wav")
    heard = [next(blocks) for _ in range(15)]
    player.wait(10)
    loudest = max(np.abs(np.frombuffer(b, dtype="<i2")).max() for b in heard)
    assert loudest > 1000, "what was said into the microphone did not arrive"
    stamps = []
    for _ in range(3):
        next(blocks)
        stamps.append(mic.captured_at)
    assert stamps == sorted(stamps) and stamps[-1] <= time.monotonic()  # stamped as it came
    sound_server.kill()
    with pytest.raises(MicrophoneUnavailable, match="stopped delivering sound"):
        for _ in range(100):
            next(blocks)
    mic.close()
