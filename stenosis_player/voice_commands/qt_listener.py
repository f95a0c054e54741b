"""Qt adapter: runs audio capture and recognition on a worker thread and reports by signals.

Usage in the window::

    listener = VoiceCommandListener(parent=self)
    listener.command_heard.connect(lambda name: apply_command(Command(name), self))
    listener.listening_changed.connect(self.mic_icon.setVisible)
    listener.failed.connect(self.show_notice)   # the session goes on without voice commands
    listener.start()
    ...
    listener.set_app_speaking(True, text, clip, time.monotonic())  # around each prompt
    listener.set_app_speaking(False, stopped_at=time.monotonic())
    listener.set_question_open(True)       # while a yes/no question is on screen

The signals are emitted from the worker thread; Qt queues them to the receivers' thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from .commands import DEFAULT_LEADING_WORD
from .microphone import AudioSource, MicrophoneUnavailable, default_microphone
from .reader_thread import StoppableReader
from .recognizer import CommandRecognizer, Heard, RecognizerError, engine_for

_log = logging.getLogger(__name__)


def _canceller_of(rec) -> object | None:
    """The echo canceller inside *rec* (pocketsphinx's, which the hybrid shares), or None."""
    inner = getattr(rec, "sphinx", rec)
    return getattr(inner, "_canceller", None)


class VoiceCommandListener(QObject, StoppableReader):  # .stop(timeout) from it
    command_heard = Signal(str)  # a Command value, e.g. "pause"
    listening_changed = Signal(bool)
    failed = Signal(str)  # a sentence for the user

    def __init__(
        self,
        source_factory: Callable[[], AudioSource] = default_microphone,
        leading_word: str = DEFAULT_LEADING_WORD,
        parent: QObject | None = None,
        enrolment_loader: Callable[[], object] | None = None,
    ) -> None:
        """*enrolment_loader*: returns the user's enrolment (``enrolment.load_enrolment``)
        or None; called on the worker thread, the recognizer adapts to its takes."""
        super().__init__(parent)
        self._enrolment_loader = enrolment_loader
        self._source_factory = source_factory
        self._leading_word = leading_word
        self._thread: threading.Thread | None = None
        self._source: AudioSource | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._recognizer: CommandRecognizer | None = None
        self._speaking: tuple[bool, str] = (False, "")
        # Clips started ("play", path, monotonic time) and stopped ("cut", None, time), for
        # the echo canceller; read and placed in the stream on the worker thread.
        self._clips: list[tuple[str, Path | None, float]] = []
        self._question = False
        self.last_heard: Heard | None = None
        #: Phrases the recogniser spotted and refused lately, with why (``Rejected``): what a
        #: missed command was taken for. Logged at debug level as they come.
        self.rejected: deque = deque(maxlen=100)
        #: The echo canceller of the last recogniser, where it had one (for diagnostics).
        self.canceller = None
        self._listening = False

    @property
    def is_listening(self) -> bool:
        return self._listening

    @property
    def stream_time(self) -> float | None:
        """Seconds of microphone sound heard so far (the time ``rejected`` and ``last_heard``
        are given in); None while not listening."""
        rec = self._recognizer
        return None if rec is None else rec.stream_time

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="voice-commands", daemon=True)
        self._thread.start()

    def set_app_speaking(
        self,
        speaking: bool,
        text: str = "",
        clip: str | Path | None = None,
        started_at: float | None = None,
        stopped_at: float | None = None,
    ) -> None:
        """The app's voice started (*text*; *clip*, the WAV being played, from monotonic
        time *started_at*) or stopped (at *stopped_at*). With the clip, its echo is taken out
        of the microphone signal, so commands said over the app's voice are heard."""
        with self._lock:
            self._speaking = (speaking, text)
            if self._recognizer is not None:
                self._recognizer.set_app_speaking(speaking, text)
            if speaking and clip is not None:
                when = time.monotonic() if started_at is None else started_at
                self._clips.append(("play", Path(clip), when))
            elif not speaking:
                when = time.monotonic() if stopped_at is None else stopped_at
                self._clips.append(("cut", None, when))

    def set_question_open(self, is_open: bool) -> None:
        with self._lock:
            self._question = is_open
            if self._recognizer is not None:
                self._recognizer.set_question_open(is_open)

    def _set_listening(self, on: bool) -> None:
        if on != self._listening:
            self._listening = on
            self.listening_changed.emit(on)

    # Sound keeps playing this long after the player reports it stopped (output latency).
    CUT_DELAY_S = 0.15

    def _place_clips(self, rec: CommandRecognizer) -> None:
        """Give the recognizer the clips the app started or stopped since the last block."""
        with self._lock:
            clips, self._clips = self._clips, []
        for action, path, when in clips:
            if action == "cut":
                with self._lock:
                    at = rec.stream_sample_at(when + self.CUT_DELAY_S)
                    rec.cut_reference(at)
                continue
            try:
                from .echo import read_reference

                samples = read_reference(path)
            except (ImportError, OSError, ValueError, EOFError):
                continue  # no echo cancelling for this clip; commands still work
            with self._lock:
                rec.play_reference(samples, rec.stream_sample_at(when))

    def _note_rejected(self, rec: CommandRecognizer) -> None:
        refused = getattr(rec, "rejected", None)
        while refused:
            r = refused.popleft()
            self.rejected.append(r)
            _log.debug("refused %r at %.2f s: %s", r.phrase, r.time, r.reason)

    def _run(self) -> None:
        rec = None
        try:
            enrolment = None
            if self._enrolment_loader is not None:
                try:
                    enrolment = self._enrolment_loader()
                except Exception as exc:  # a damaged enrolment: listen without it
                    logging.getLogger(__name__).warning("enrolment not used: %s", exc)
            rec = CommandRecognizer(
                leading_word=self._leading_word,
                enrolment=enrolment,
                engine=engine_for(self._leading_word, enrolment),
            )
            if getattr(rec, "fallback_reason", ""):  # still listening, with pocketsphinx
                logging.getLogger(__name__).warning(
                    "voice commands use pocketsphinx: %s", rec.fallback_reason
                )
            source = self._source_factory()
            with self._lock:
                self._source = source
                self._recognizer = rec
                self.canceller = _canceller_of(rec)
                rec.set_app_speaking(*self._speaking)
                rec.set_question_open(self._question)
            if self._stop.is_set():
                return
            self._set_listening(True)
            for block in source.blocks():
                if self._stop.is_set():
                    break
                self._place_clips(rec)
                with self._lock:
                    heard = rec.feed(block, getattr(source, "captured_at", None))
                self._note_rejected(rec)
                for h in heard:
                    self.last_heard = h
                    self.command_heard.emit(h.command.value)
            if not self._stop.is_set():
                with self._lock:
                    heard = rec.flush()
                for h in heard:
                    self.last_heard = h
                    self.command_heard.emit(h.command.value)
        except MicrophoneUnavailable as exc:
            self.failed.emit(f"Voice commands are off: {exc}")
        except RecognizerError as exc:
            self.failed.emit(f"Voice commands are off: {exc}")
        except Exception as exc:  # keep the session going whatever happens here
            self.failed.emit(f"Voice commands stopped after an error: {exc}")
        finally:
            with self._lock:
                if self._source is not None:
                    self._source.close()
                self._source = None
                self._recognizer = None
            if rec is not None:
                rec.close()
            self._set_listening(False)
