"""Where clips are played: the ``AudioSink`` interface and its Qt implementations.

A sink plays one clip at a time. ``play`` calls ``on_started`` when the clip starts and
``on_finished`` when it has played to its end; ``stop`` silences it at once and calls
neither. ``SpeechService`` owns the sink and decides what interrupts what.

- ``PulseSink``: straight to the sound server through libpulse-simple (``pulse``), on Linux;
  the lightest, and stops within about 10 ms.
- ``QtAudioSink``: QMediaPlayer + QAudioOutput (QtMultimedia, in the pyside6-addons wheel),
  where libpulse is missing (Windows, macOS).
- ``SilentSink``: no sound; "plays" each clip for its real length with a QTimer, so the
  session behaves exactly the same without an audio output (captions carry the speech).

``make_sink()`` picks PulseSink where libpulse loads, else QtAudioSink when Qt lists an audio
output, else SilentSink plus a notice saying why there is no voice.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, QUrl, Signal

Callback = Callable[[], None]


class AudioSink(QObject):
    """Plays one clip at a time (see the module docstring for the callback contract)."""

    name = "abstract"

    def play(
        self, path: Path | None, seconds: float, on_started: Callback, on_finished: Callback
    ) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def is_playing(self) -> bool:
        raise NotImplementedError

    def preload(self, path: Path) -> None:
        """A hint: ``path`` is likely to be played next (sinks may load it now)."""

    def close(self) -> None:
        self.stop()


class SilentSink(AudioSink):
    """No sound: starts at once and finishes after the clip's real duration (a QTimer)."""

    name = "silent"

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        # by name: Qt.TimerType would make PySide6 build every Qt enum (~30 ms) before the
        # window's first frame, as the service is made before the window
        self._timer.setProperty("timerType", "PreciseTimer")
        self._timer.timeout.connect(self._done)
        self._on_finished: Callback | None = None

    def play(
        self, path: Path | None, seconds: float, on_started: Callback, on_finished: Callback
    ) -> None:
        self.stop()
        self._on_finished = on_finished
        self._timer.start(max(0, round(seconds * 1000)))
        on_started()

    def _done(self) -> None:
        callback, self._on_finished = self._on_finished, None
        if callback:
            callback()

    def stop(self) -> None:
        self._timer.stop()
        self._on_finished = None

    def is_playing(self) -> bool:
        return self._timer.isActive()


class QtAudioSink(AudioSink):
    """QMediaPlayer + QAudioOutput on the default audio output.

    Two players take turns: while one plays, ``preload(path)`` loads the next clip into the
    other, so that ``play`` of that clip starts in under a millisecond instead of the
    10–40 ms QMediaPlayer needs to open a file. If a player reports an error, the clip is
    finished on a timer instead (so the session goes on) and ``on_error`` gets the reason.
    """

    name = "qtmultimedia"

    def __init__(
        self, parent: QObject | None = None, on_error: Callable[[str], None] | None = None
    ) -> None:
        super().__init__(parent)
        from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer

        self._QMediaPlayer = QMediaPlayer
        self._players = []
        for _ in range(2):
            player = QMediaPlayer(self)
            player.setAudioOutput(QAudioOutput(player))
            player.playbackStateChanged.connect(self._state_changed)
            player.mediaStatusChanged.connect(self._status_changed)
            player.errorOccurred.connect(self._error)
            self._players.append(player)
        self._active = self._players[0]
        self._fallback = SilentSink(self)
        self.on_error = on_error
        self._on_started: Callback | None = None
        self._on_finished: Callback | None = None
        self._seconds = 0.0
        self.volume = 1.0

    @property
    def _spare(self):
        return self._players[1] if self._active is self._players[0] else self._players[0]

    def set_volume(self, volume: float) -> None:
        self.volume = volume
        for player in self._players:
            player.audioOutput().setVolume(volume)

    def preload(self, path: Path) -> None:
        """Load ``path`` into the idle player, so that playing it next starts at once."""
        spare = self._spare
        url = QUrl.fromLocalFile(str(path))
        if spare.source() != url:
            spare.setSource(url)

    def play(
        self, path: Path | None, seconds: float, on_started: Callback, on_finished: Callback
    ) -> None:
        self.stop()
        if path is None:
            self._fallback.play(None, seconds, on_started, on_finished)
            return
        self._on_started, self._on_finished, self._seconds = on_started, on_finished, seconds
        url = QUrl.fromLocalFile(str(path))
        if self._spare.source() == url:
            self._active = self._spare  # preloaded: starts without opening the file
        elif self._active.source() == url:
            self._active.setPosition(0)
        else:
            self._active.setSource(url)
        self._active.play()

    def _state_changed(self, state) -> None:
        if self.sender() is not self._active:
            return
        if state == self._QMediaPlayer.PlaybackState.PlayingState:
            callback, self._on_started = self._on_started, None
            if callback:
                callback()

    def _status_changed(self, status) -> None:
        if self.sender() is not self._active:
            return
        if status == self._QMediaPlayer.MediaStatus.EndOfMedia:
            callback, self._on_finished = self._on_finished, None
            self._on_started = None
            if callback:
                callback()

    def _error(self, error, message: str) -> None:
        if self.sender() is not self._active:
            self.sender().setSource(QUrl())  # a failed preload: just forget it
            return
        started, finished = self._on_started, self._on_finished
        self._on_started = self._on_finished = None
        if self.on_error:
            self.on_error(f"audio playback failed: {message or error}")
        if finished:  # finish this clip on time anyway
            self._fallback.play(None, self._seconds, started or (lambda: None), finished)

    def stop(self) -> None:
        self._on_started = self._on_finished = None
        self._fallback.stop()
        for player in self._players:
            if player.playbackState() != self._QMediaPlayer.PlaybackState.StoppedState:
                player.stop()

    def is_playing(self) -> bool:
        return self._fallback.is_playing() or (
            self._active.playbackState() == self._QMediaPlayer.PlaybackState.PlayingState
        )


class PulseSink(AudioSink):
    """Plays clips through ``pulse.PulsePlayer`` (its thread) and reports on the UI thread.

    A clip the sound server cannot play (no server, no device, the server went away) is
    finished on a timer for its length instead, so the session goes on, and ``on_error``
    gets the reason. Each new clip tries the server again: the voice comes back by itself
    once there is a device. Two watchdogs catch a server that stopped answering (its
    process stopped, a hung daemon): a call into it blocked for ``answer_within_s``, and a
    clip whose end does not come two seconds after its length. The clip is then
    finished on time without sound, and the next one gets a new playback thread.
    """

    answer_within_s = 2.0  # a call into the sound server blocked longer: it is stuck

    name = "pulse"
    # from the playback thread to this object's thread (queued)
    _event = Signal(str, object, object)

    def __init__(
        self, parent: QObject | None = None, on_error: Callable[[str], None] | None = None
    ) -> None:
        super().__init__(parent)
        from .pulse import PulsePlayer

        self._PulsePlayer = PulsePlayer
        self._event.connect(self._on_event)
        self._player = self._new_player()
        self._fallback = SilentSink(self)
        self._watchdog = QTimer(self)  # the clip's end
        self._watchdog.setSingleShot(True)
        self._watchdog.timeout.connect(self._stuck)
        # the player's answer: started once per wait, not restarted by each new clip (the
        # session asks for a new line every few seconds, which would postpone it for good)
        self._unanswered = QTimer(self)
        self._unanswered.setSingleShot(True)
        self._unanswered.timeout.connect(self._check_answering)
        self.on_error = on_error
        self._token = 0
        self._callbacks: tuple[Callback, Callback] | None = None
        self._seconds = 0.0
        self._loaded: dict[Path, object] = {}
        self._failing = False
        #: monotonic time the current clip became audible (None before it did)
        self.audible_at: float | None = None

    @property
    def failing(self) -> bool:
        """True from a playback failure until a clip is heard again."""
        return self._failing

    def _new_player(self):
        return self._PulsePlayer(
            on_started=lambda token, when: self._event.emit("started", token, when),
            on_finished=lambda token: self._event.emit("finished", token, None),
            on_error=lambda token, why: self._event.emit("error", token, why),
        )

    def _clip(self, path: Path):
        from .pulse import Clip

        clip = self._loaded.get(path)
        if clip is None:
            clip = Clip.load(path)
            # the clip playing and the one preloaded next: no more (a long line is 0.7 MB)
            self._loaded = {**dict(list(self._loaded.items())[-1:]), path: clip}
        return clip

    def preload(self, path: Path) -> None:
        """Read ``path`` into memory now, so that playing it next starts at once."""
        with contextlib.suppress(OSError, EOFError, ValueError):  # play() reports it
            self._clip(path)

    def play(
        self, path: Path | None, seconds: float, on_started: Callback, on_finished: Callback
    ) -> None:
        self.stop()
        if path is None:
            self._fallback.play(None, seconds, on_started, on_finished)
            return
        try:
            clip = self._clip(path)
        except (OSError, EOFError, ValueError) as exc:
            self._report(f"a speech clip could not be read ({exc})")
            self._fallback.play(None, seconds, on_started, on_finished)
            return
        self._token += 1
        self._callbacks = (on_started, on_finished)
        self._seconds = seconds
        self.audible_at = None
        self._watchdog.start(round((clip.seconds + 2.0) * 1000))
        if not self._unanswered.isActive():
            self._unanswered.start(round(self.answer_within_s * 1000))
        self._player.play(self._token, clip)

    def _on_event(self, kind: str, token: object, detail: object) -> None:
        if token != self._token or self._callbacks is None:
            return  # about a clip that was stopped since
        started, finished = self._callbacks
        if kind == "started":
            self.audible_at = float(detail)  # type: ignore[arg-type]
            if self._failing:
                self._failing = False
            started()
        elif kind == "finished":
            self._watchdog.stop()
            self._callbacks = None
            finished()
        else:  # the clip could not be played (to its end): finish it on time anyway
            self._watchdog.stop()
            self._callbacks = None
            self._report(str(detail))
            left = self._seconds
            if self.audible_at is not None:
                left = max(0.0, self._seconds - (time.monotonic() - self.audible_at))
                self._fallback.play(None, left, lambda: None, finished)
            else:
                self._fallback.play(None, left, started, finished)

    def _check_answering(self) -> None:
        if self._player.blocked_for() >= self.answer_within_s:
            self._stuck()
        elif self._callbacks is not None or self._player.blocked_for() > 0:
            self._unanswered.start(round(self.answer_within_s * 1000))  # look again

    def _stuck(self) -> None:
        """The clip's start or end never came: the server stopped answering. Carry on."""
        self._watchdog.stop()
        self._unanswered.stop()
        callbacks, self._callbacks = self._callbacks, None
        old, self._player = self._player, self._new_player()
        old.stop()  # its thread may be blocked inside libpulse; it is left to end
        self._report("the sound output stopped answering")
        if callbacks is not None:
            if self.audible_at is None:
                callbacks[0]()
            callbacks[1]()

    def _report(self, why: str) -> None:
        self._failing = True
        if self.on_error:
            self.on_error(f"No voice: {why}. Captions carry on; the voice comes back by itself.")

    def stop(self) -> None:
        self._callbacks = None
        self._watchdog.stop()
        self._fallback.stop()
        self._player.stop()

    def is_playing(self) -> bool:
        return self._callbacks is not None or self._fallback.is_playing()

    def close(self) -> None:
        self.stop()
        self._player.close()


def audio_outputs() -> list[str]:
    """Names of the audio outputs Qt sees ([] without QtMultimedia or a sound card)."""
    try:
        from PySide6.QtMultimedia import QMediaDevices
    except ImportError:
        return []
    return [d.description() for d in QMediaDevices.audioOutputs()]


def pulse_server_reachable() -> bool:
    """Whether a PulseAudio server answers (``pulse`` is imported here, not with this
    module: its ctypes and subprocess imports were ~10 ms of the window's first frame)."""
    from .pulse import pulse_server_reachable as reachable

    return reachable()


def make_sink(parent: QObject | None = None) -> tuple[AudioSink, str | None]:
    """The best sink here, and a notice when it is the silent one (why; what to do)."""
    if pulse_server_reachable():
        try:
            from .pulse import PulseUnavailable, load_library

            load_library()
            return PulseSink(parent), None
        except (ImportError, PulseUnavailable):
            pass  # no libpulse here: QtMultimedia
    try:
        import PySide6.QtMultimedia  # noqa: F401
    except ImportError as exc:
        return SilentSink(parent), (
            f"No voice: QtMultimedia is missing ({exc}). Install the pyside6-addons wheel "
            "(and the Debian package libpulse0). Captions only."
        )
    if not audio_outputs():
        return SilentSink(parent), (
            "No voice: no audio output device found. Connect speakers or headphones and "
            "restart. Captions only."
        )
    return QtAudioSink(parent), None
