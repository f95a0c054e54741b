"""Where clips are played: the ``AudioSink`` interface and its Qt implementations.

A sink plays one clip at a time. ``play`` calls ``on_started`` when the clip starts and
``on_finished`` when it has played to its end; ``stop`` silences it at once and calls
neither. ``SpeechService`` owns the sink and decides what interrupts what.

- ``QtAudioSink``: QMediaPlayer + QAudioOutput (QtMultimedia, in the pyside6-addons wheel).
- ``SilentSink``: no sound; "plays" each clip for its real length with a QTimer, so the
  session behaves exactly the same without an audio output (captions carry the speech).

``make_sink()`` picks QtAudioSink when Qt lists an audio output, else SilentSink plus a
notice saying why there is no voice.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, QUrl

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

    def close(self) -> None:
        self.stop()


class SilentSink(AudioSink):
    """No sound: starts at once and finishes after the clip's real duration (a QTimer)."""

    name = "silent"

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
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

    If the player reports an error, the clip is finished on a timer instead (so the
    session goes on) and ``on_error`` is called with the reason.
    """

    name = "qtmultimedia"

    def __init__(
        self, parent: QObject | None = None, on_error: Callable[[str], None] | None = None
    ) -> None:
        super().__init__(parent)
        from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer

        self._QMediaPlayer = QMediaPlayer
        self._output = QAudioOutput(self)
        self._player = QMediaPlayer(self)
        self._player.setAudioOutput(self._output)
        self._player.playbackStateChanged.connect(self._state_changed)
        self._player.mediaStatusChanged.connect(self._status_changed)
        self._player.errorOccurred.connect(self._error)
        self._fallback = SilentSink(self)
        self.on_error = on_error
        self._on_started: Callback | None = None
        self._on_finished: Callback | None = None
        self._seconds = 0.0

    def set_volume(self, volume: float) -> None:
        self._output.setVolume(volume)

    def play(
        self, path: Path | None, seconds: float, on_started: Callback, on_finished: Callback
    ) -> None:
        self.stop()
        if path is None:
            self._fallback.play(None, seconds, on_started, on_finished)
            return
        self._on_started, self._on_finished, self._seconds = on_started, on_finished, seconds
        self._player.setSource(QUrl.fromLocalFile(str(path)))
        self._player.play()

    def _state_changed(self, state) -> None:
        if state == self._QMediaPlayer.PlaybackState.PlayingState:
            callback, self._on_started = self._on_started, None
            if callback:
                callback()

    def _status_changed(self, status) -> None:
        if status == self._QMediaPlayer.MediaStatus.EndOfMedia:
            callback, self._on_finished = self._on_finished, None
            self._on_started = None
            if callback:
                callback()

    def _error(self, error, message: str) -> None:
        started, finished = self._on_started, self._on_finished
        self._on_started = self._on_finished = None
        if self.on_error:
            self.on_error(f"audio playback failed: {message or error}")
        if finished:  # finish this clip on time anyway
            self._fallback.play(None, self._seconds, started or (lambda: None), finished)

    def stop(self) -> None:
        self._on_started = self._on_finished = None
        self._fallback.stop()
        if self._player.playbackState() != self._QMediaPlayer.PlaybackState.StoppedState:
            self._player.stop()

    def is_playing(self) -> bool:
        return self._fallback.is_playing() or (
            self._player.playbackState() == self._QMediaPlayer.PlaybackState.PlayingState
        )


def audio_outputs() -> list[str]:
    """Names of the audio outputs Qt sees ([] without QtMultimedia or a sound card)."""
    try:
        from PySide6.QtMultimedia import QMediaDevices
    except ImportError:
        return []
    return [d.description() for d in QMediaDevices.audioOutputs()]


def make_sink(parent: QObject | None = None) -> tuple[AudioSink, str | None]:
    """The best sink here, and a notice when it is the silent one (why; what to do)."""
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
