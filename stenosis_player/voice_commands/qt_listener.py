"""Qt adapter: runs audio capture and recognition on a worker thread and reports by signals.

Usage in the window::

    listener = VoiceCommandListener(parent=self)
    listener.command_heard.connect(lambda name: apply_command(Command(name), self))
    listener.listening_changed.connect(self.mic_icon.setVisible)
    listener.failed.connect(self.show_notice)   # the session goes on without voice commands
    listener.start()
    ...
    listener.set_app_speaking(True, text)  # around each spoken prompt
    listener.set_question_open(True)       # while a yes/no question is on screen

The signals are emitted from the worker thread; Qt queues them to the receivers' thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from .commands import DEFAULT_LEADING_WORD
from .microphone import AudioSource, Microphone, MicrophoneUnavailable
from .recognizer import CommandRecognizer, Heard, RecognizerError


class VoiceCommandListener(QObject):
    command_heard = Signal(str)  # a Command value, e.g. "pause"
    listening_changed = Signal(bool)
    failed = Signal(str)  # a sentence for the user

    def __init__(
        self,
        source_factory: Callable[[], AudioSource] = Microphone,
        leading_word: str = DEFAULT_LEADING_WORD,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._source_factory = source_factory
        self._leading_word = leading_word
        self._thread: threading.Thread | None = None
        self._source: AudioSource | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._recognizer: CommandRecognizer | None = None
        self._speaking: tuple[bool, str] = (False, "")
        self._question = False
        self.last_heard: Heard | None = None
        self._listening = False

    @property
    def is_listening(self) -> bool:
        return self._listening

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="voice-commands", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        with self._lock:
            if self._source is not None:
                self._source.close()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def set_app_speaking(self, speaking: bool, text: str = "") -> None:
        with self._lock:
            self._speaking = (speaking, text)
            if self._recognizer is not None:
                self._recognizer.set_app_speaking(speaking, text)

    def set_question_open(self, is_open: bool) -> None:
        with self._lock:
            self._question = is_open
            if self._recognizer is not None:
                self._recognizer.set_question_open(is_open)

    def _set_listening(self, on: bool) -> None:
        if on != self._listening:
            self._listening = on
            self.listening_changed.emit(on)

    def _run(self) -> None:
        rec = None
        try:
            rec = CommandRecognizer(leading_word=self._leading_word)
            source = self._source_factory()
            with self._lock:
                self._source = source
                self._recognizer = rec
                rec.set_app_speaking(*self._speaking)
                rec.set_question_open(self._question)
            if self._stop.is_set():
                return
            self._set_listening(True)
            for block in source.blocks():
                if self._stop.is_set():
                    break
                with self._lock:
                    heard = rec.feed(block)
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
