"""“Teach it my voice”: the enrolment window, read from the mat (large text, every step
spoken where there is a voice).

Flow: an introduction (what is recorded, where it is kept) → for each take of every phrase,
“Say: “player next”” is shown and spoken, then the microphone listens until the burst of
speech ends (a live level meter shows what it hears) → the result of each take as it goes,
heard by the recogniser that will listen (``enrolment.check``) → every take heard again by
it adapted to the other takes (on a thread: “Checking…”) → a summary with advice, saved as
the current enrolment. Keys: Enter or Space starts, pauses
after the current take and goes on; Esc cancels (the previous enrolment is kept).

The microphone is read on a worker thread (``voice_commands.enrolment.TakeListener``);
results come back by queued signals. A microphone that cannot be opened, or stops
delivering sound, is a message in the window, never a traceback.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ..voice_commands.commands import Command
from ..voice_commands.enrolment import (
    EnrolmentResult,
    MicrophoneWatch,
    Outcome,
    PlannedTake,
    TakeChecker,
    TakeListener,
    TakeRecorder,
    TakeResult,
    checker_for,
    enrolment_folder,
    enrolment_plan,
    recheck,
    save_enrolment,
)
from ..voice_commands.reader_thread import StoppableReader
from .fit import ScreenFit
from .plain import make_all_plain
from .safety_notice import fit_dialog_to_screen
from .theme import theme_for

METER_FLOOR_DB = 20.0  # the level meter's empty end (a silent room) ...
METER_TOP_DB = 90.0  # ... and its full end (16-bit full scale)
HEADLINE_PX = 44  # the summary's first line: the size of the player's exercise name
RESULTS_SHARE = 0.4  # of the window's height kept for the summary's results and advice


def stylesheet(scale: float, high_contrast: bool) -> str:
    """The window's theme, with the prompt larger than any line of the player: 72 px type
    (50 px capitals, the 2 m rule) at the default text size."""
    return theme_for(high_contrast).stylesheet(scale) + (
        f" QLabel#enrolPrompt {{ font-size: {round(72 * scale)}px; font-weight: 700; }}"
        # the summary's headline: its lines are read at the laptop, and at x2.5 a 180 px
        # "Done: 22 of 26 heard." left the results and advice three lines to scroll in
        f' QLabel#enrolPrompt[headline="true"] {{ font-size: {round(HEADLINE_PX * scale)}px; }}'
        # the results are what the summary is for: not smaller than the privacy note below
        f" QLabel#enrolResults {{ font-size: {round(26 * scale)}px; }}"
    )


def privacy_text(data_dir: Path | None) -> str:
    where = f" ({enrolment_folder(data_dir)})" if data_dir is not None else ""
    return (
        "Your recordings are your voice. They are kept only on this computer"
        f"{where} and are never sent anywhere. “Forget my recordings” in Settings "
        "deletes them."
    )


class _Worker(QObject, StoppableReader):
    """Reads the microphone on a thread of its own and records the takes asked for."""

    opened = Signal()
    level = Signal(float)
    take_done = Signal(object)  # TakeResult
    failed = Signal(str)

    def __init__(
        self,
        source_factory: Callable[[], Any],
        leading_word: str,
        recorder_factory: Callable[[], TakeRecorder],
        clock: Callable[[], float],
        checker: TakeChecker,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._source_factory = source_factory
        self.listener = TakeListener(
            leading_word, recorder_factory=recorder_factory, checker=checker
        )
        self.watch = MicrophoneWatch(clock)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._source: Any = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="voice-enrolment", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self.listener.cancel()
        super().stop(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        from ..voice_commands.microphone import MicrophoneUnavailable
        from ..voice_commands.recognizer import RecognizerError

        try:
            source = self._source_factory()
            with self._lock:
                self._source = source
            if self._stop.is_set():
                return
            self.watch.block_arrived()
            self.opened.emit()
            shown = 0.0
            for block in source.blocks():
                if self._stop.is_set():
                    return
                self.watch.block_arrived()
                with self.watch.working():  # hearing a take may take seconds
                    result = self.listener.feed(block)
                now = time.monotonic()
                if now - shown >= 0.08:  # the meter at ~12 Hz is plenty
                    shown = now
                    self.level.emit(self.listener.level_db)
                if result is not None:
                    self.take_done.emit(result)
            if not self._stop.is_set():
                self.failed.emit("The microphone stopped delivering sound.")
        except MicrophoneUnavailable as exc:
            self.failed.emit(str(exc))
        except RecognizerError as exc:
            self.failed.emit(f"Voice commands cannot be used here: {exc}")
        except Exception as exc:  # never a traceback in front of the user
            self.failed.emit(f"The recording stopped after an error: {exc}")
        finally:
            with self._lock:
                if self._source is not None:
                    with contextlib.suppress(Exception):
                        self._source.close()
                self._source = None


class _Recheck(QObject):
    """Hears every take again on a thread of its own (the adapted network, leaving each take
    out of its own adaptation): a second or two, too long for the window's thread."""

    done = Signal(object)  # list[TakeResult]

    def start(self, takes: list[TakeResult], checker: TakeChecker) -> None:
        threading.Thread(
            target=self._run, args=(takes, checker), name="voice-enrolment-check", daemon=True
        ).start()

    def _run(self, takes: list[TakeResult], checker: TakeChecker) -> None:
        try:
            checked = recheck(takes, checker)
        except Exception as exc:  # the takes as heard while recording are still a result
            logging.getLogger(__name__).warning("enrolment not re-checked: %s", exc)
            checked = takes
        self.done.emit(checked)


class EnrolmentDialog(QDialog):
    """Say every phrase two or three times; the result per phrase and advice at the end."""

    listening_started = Signal(object)  # the PlannedTake the microphone now waits for
    take_finished = Signal(object)  # its TakeResult
    enrolment_saved = Signal(object)  # the EnrolmentResult, once saved
    recording_changed = Signal(bool)  # the microphone is (no longer) in use here

    def __init__(
        self,
        leading_word: str,
        data_dir: Path | None,
        *,
        speech: Any = None,
        source_factory: Callable[[], Any] | None = None,
        commands: Sequence[Command] | None = None,
        takes: int = 3,
        take_timeout_s: float = 7.0,
        pause_ms: int = 700,
        get_ready_s: int = 10,
        scale: float = 1.0,
        high_contrast: bool = False,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = datetime.now,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        if source_factory is None:
            from ..voice_commands.microphone import default_microphone

            source_factory = default_microphone
        self.setWindowTitle("Teach it my voice")
        self.setObjectName("enrolmentDialog")
        self.leading_word = leading_word
        self.data_dir = data_dir
        self.plan: list[PlannedTake] = enrolment_plan(leading_word, commands, takes)
        self.results: list[TakeResult] = []
        self.enrolment: EnrolmentResult | None = None
        # intro, ready (counting down), running, paused, checking, finished, failed
        self.state = "intro"
        self._speech = speech
        self._source_factory = source_factory
        self._timeout_s = take_timeout_s
        self._pause_ms = pause_ms
        self._get_ready_s = get_ready_s
        self._ready_left = 0
        self._clock = clock
        self._now = now
        self._worker: _Worker | None = None
        self._checker: TakeChecker | None = None  # made at the first start, kept after
        self._recheck: _Recheck | None = None
        self._index = 0
        self._prompt_id = ""
        self._waiting_prompt = False
        self._pause_asked = False

        self.prompt = QLabel()  # the largest text: what to say, read from the mat
        self.prompt.setObjectName("enrolPrompt")
        self.prompt.setWordWrap(True)
        self.step = QLabel()
        self.step.setObjectName("where")
        self.step.setWordWrap(True)
        self.heard = QLabel()
        self.heard.setObjectName("details")
        self.heard.setWordWrap(True)
        self.meter = QProgressBar()
        self.meter.setRange(0, 100)
        self.meter.setTextVisible(False)
        self.meter.setValue(0)
        self.meter.setAccessibleName("Microphone level")
        meter_label = QLabel("Microphone:")
        self.meter_row = QWidget()  # shown while the microphone is open
        meter_row = QHBoxLayout(self.meter_row)
        meter_row.setContentsMargins(0, 0, 0, 0)
        meter_row.addWidget(meter_label)
        meter_row.addWidget(self.meter, 1)
        self.summary = QLabel()
        self.summary.setObjectName("enrolResults")
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Results")
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.privacy = QLabel(privacy_text(data_dir))
        self.privacy.setObjectName("muted")
        self.privacy.setWordWrap(True)
        inner = QWidget()
        column = QVBoxLayout(inner)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.summary)
        column.addWidget(self.privacy)
        column.addStretch(1)
        self.scroll = QScrollArea()  # the summary scrolls; the prompt never does
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(inner)

        self.primary = QPushButton()
        self.primary.setObjectName("primary")
        self.primary.clicked.connect(self.primary_action)
        self.cancel_button = QPushButton("Cancel (Esc)")
        self.cancel_button.clicked.connect(self.reject)
        for b in (self.primary, self.cancel_button):
            b.setAutoDefault(False)
            # keys go to the dialog: Space on a focused Cancel must not end the enrolment
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        buttons = QHBoxLayout()
        buttons.addWidget(self.primary)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.prompt)
        layout.addWidget(self.step)
        layout.addWidget(self.heard)
        layout.addWidget(self.meter_row)
        layout.addWidget(self.scroll, 1)
        layout.addLayout(buttons)

        self._watchdog = QTimer(self)
        self._watchdog.setInterval(500)
        self._watchdog.timeout.connect(self._check_microphone)
        self._next_timer = QTimer(self)
        self._next_timer.setSingleShot(True)
        self._next_timer.timeout.connect(self._next_take)
        self._prompt_timer = QTimer(self)  # a voice that never says it finished
        self._prompt_timer.setSingleShot(True)
        self._prompt_timer.timeout.connect(self._prompt_done)
        self._ready_timer = QTimer(self)  # the count-down before the first take
        self._ready_timer.setInterval(1000)
        self._ready_timer.timeout.connect(self._count_down)
        if speech is not None and hasattr(speech, "clip_finished"):
            speech.clip_finished.connect(self._clip_finished)

        make_all_plain(self)  # phrases, paths and error texts shown as written
        fit_dialog_to_screen(self, parent, 1100, 760, scale)
        self._fit = ScreenFit(self, lambda f: stylesheet(f, high_contrast))
        self._fit.scale = scale
        self._show_intro()

    # ------------------------------------------------------------------ states
    def _show(
        self, prompt: str, step: str, heard: str = "", meter: bool = False, headline: bool = False
    ) -> None:
        """The three large lines (an empty one takes no room) and the level meter; with
        ``headline`` the first line is a heading over text to read, not a phrase to say."""
        if bool(self.prompt.property("headline")) != headline:
            self.prompt.setProperty("headline", headline)
            self.prompt.style().unpolish(self.prompt)  # a property selector is read at polish
            self.prompt.style().polish(self.prompt)
            self._keep_room_for_results()
        for label, text in ((self.prompt, prompt), (self.step, step), (self.heard, heard)):
            label.setText(text)
            label.setVisible(bool(text))
        self.meter_row.setVisible(meter)
        if not meter:
            self.meter.setValue(0)

    def _keep_room_for_results(self) -> None:
        """Under a headline the results are what is read: their box keeps a share of the
        window, so a large text size shrinks the lines above it rather than the box (at
        x2.5 the room's description took three lines and left the results two)."""
        share = RESULTS_SHARE if self.prompt.property("headline") else 0.0
        self.scroll.setMinimumHeight(round(self.height() * share))

    def resizeEvent(self, event) -> None:
        self._keep_room_for_results()
        super().resizeEvent(event)

    def _say_heard(self, text: str) -> None:
        self.heard.setText(text)
        self.heard.setVisible(bool(text))

    def _show_intro(self) -> None:
        n = len({p.phrase for p in self.plan})
        counts = sorted({p.of_phrase[1] for p in self.plan})
        times = " or ".join(str(c) for c in counts) if counts else "0"
        self._show(
            f"Say each of {n} phrases {times} times, when asked.",
            "Sit or lie where you exercise, as far from the laptop as usual.",
        )
        self.primary.setText("Start (Enter)")
        self.summary.setText(
            "The app shows and says what to say. Speak as you would during a session. "
            "Esc stops at any time and keeps what you taught it before."
        )

    def primary_action(self) -> None:
        if self.state in ("intro", "failed"):
            self.start()
        elif self.state == "ready":  # no need to wait: begin now
            self._begin()
        elif self.state == "running":
            self._pause_asked = True
            self.primary.setText("Go on (Enter)")
            self.step.setText(self.step.text() + " · pausing after this take")
        elif self.state == "paused":
            self.state = "running"
            self._pause_asked = False
            self.primary.setText("Pause (Space)")
            self._next_take()
        elif self.state == "finished":
            self.accept()

    def start(self) -> None:
        """Open the microphone and begin with the first take (or the one that failed)."""
        self._stop_worker()
        self.state = "running"
        self._pause_asked = False
        self.primary.setText("Pause (Space)")
        self._show("Opening the microphone…", "")
        self._show_results()
        recorder = functools.partial(TakeRecorder, timeout_s=self._timeout_s)
        if self._checker is None:  # (kept over a retry: it knows the takes so far)
            self._checker = checker_for(self.leading_word)
        # no Qt parent: a microphone stuck in a read keeps its thread, and with it this
        # object, alive after the dialog is gone (its signals then reach no one)
        self._worker = _Worker(
            self._source_factory, self.leading_word, recorder, self._clock, self._checker
        )
        self._worker.opened.connect(self._opened)
        self._worker.level.connect(self._show_level)
        self._worker.take_done.connect(self._take_done)
        self._worker.failed.connect(self._failed)
        self.recording_changed.emit(True)
        self._worker.start()

    def _opened(self) -> None:
        if self.state != "running":
            return
        self._watchdog.start()
        if self._index > 0 or self._get_ready_s <= 0:
            self._next_take()
            return
        # time to get from the laptop to the mat before the first command
        self.state = "ready"
        self._ready_left = self._get_ready_s
        self.primary.setText("Begin now (Enter)")
        self._show_ready()
        self._ready_timer.start()
        if self._speech is not None:
            self._speech.say(
                f"Go to where you exercise. We begin in {self._get_ready_s} "
                f"second{'' if self._get_ready_s == 1 else 's'}.",
                "enrolment-ready",
            )

    def _show_ready(self) -> None:
        self._show(
            f"Get ready: {self._ready_left} s",
            "Go to where you exercise. Enter begins at once.",
            meter=True,
        )

    def _count_down(self) -> None:
        self._ready_left -= 1
        if self._ready_left > 0:
            self._show_ready()
        else:
            self._begin()

    def _begin(self) -> None:
        self._ready_timer.stop()
        if self.state == "ready":
            self.state = "running"
            self.primary.setText("Pause (Space)")
            self._next_take()

    def _next_take(self) -> None:
        if self.state != "running" or self._worker is None:
            return
        if self._pause_asked:
            self._pause_asked = False
            self.state = "paused"
            self._show("Paused.", "Press Enter or Space to go on, Esc to stop.")
            self.primary.setText("Go on (Enter)")
            return
        if self._index >= len(self.plan):
            self._finish()
            return
        planned = self.plan[self._index]
        phrases = list(dict.fromkeys(p.phrase for p in self.plan))
        take, takes = planned.of_phrase
        self._show(
            f"Say: “{planned.phrase}”",
            f"Take {take} of {takes} · phrase {phrases.index(planned.phrase) + 1}"
            f" of {len(phrases)}",
            self.heard.text() if planned.again else "",  # the last take's result
            meter=True,
        )
        self._prompt_id = f"enrolment-{self._index}"
        spoken = f"Again: {planned.phrase}." if planned.again else f"Say: {planned.phrase}."
        self._waiting_prompt = False
        if self._speech is not None:
            self._speech.say(spoken, self._prompt_id)
            speaking = getattr(self._speech, "is_speaking", lambda: False)()
            if speaking:  # listen once the prompt is over, not to the app's own voice
                self._waiting_prompt = True  # the last take's result stays up meanwhile
                self._prompt_timer.start(8000)
                return
        self._listen()

    def _clip_finished(self, utterance_id: str) -> None:
        if self._waiting_prompt and utterance_id == self._prompt_id:
            self._prompt_done()

    def _prompt_done(self) -> None:
        if not self._waiting_prompt:
            return
        self._waiting_prompt = False
        self._prompt_timer.stop()
        QTimer.singleShot(150, self._listen)  # the room's echo of the prompt dies away

    def _listen(self) -> None:
        if self.state != "running" or self._worker is None or self._index >= len(self.plan):
            return
        planned = self.plan[self._index]
        self._say_heard("● Listening — say it now")
        self._worker.listener.listen(planned)
        self.listening_started.emit(planned)

    def _take_done(self, result: TakeResult) -> None:
        if self.state not in ("running",) or self._index >= len(self.plan):
            return
        self.results.append(result)
        self._index += 1
        if result.outcome is Outcome.RIGHT:
            self._say_heard(f"✓ Heard “{result.phrase}”")
        elif result.outcome is Outcome.OTHER:
            self._say_heard(f"✗ Heard “{result.other_phrase}” instead")
        elif result.speech_db is None:
            self._say_heard("✗ Nothing heard")
        else:
            self._say_heard("✗ Heard you, but not as a command")
        self._show_results()
        self.take_finished.emit(result)
        self._next_timer.start(self._pause_ms)

    def finish_with(self, takes: Sequence[TakeResult]) -> None:
        """End with these takes, as if just recorded: the summary, saved (the layout audit
        shows the end of an enrolment this way, without a microphone)."""
        self._stop_worker()
        self.state = "running"
        self.results = list(takes)
        self._index = len(self.plan)
        self._finished(self.results)

    def _current_result(self) -> EnrolmentResult:
        return EnrolmentResult(self._now(), self.leading_word, tuple(self.results), len(self.plan))

    def _show_results(self) -> None:
        if not self.results:
            self.summary.setText("")
            return
        result = self._current_result()
        # the command being said first: with large text only a few lines show
        self.summary.setText("\n".join(reversed(result.summary_lines())))

    def _finish(self) -> None:
        """All takes recorded: every take heard again by the recogniser that will listen,
        each left out of its own adaptation (on a thread), then the summary."""
        self._stop_worker()
        if self._checker is None or not any(
            t.audio is not None and not t.audio.timed_out for t in self.results
        ):
            self._finished(self.results)
            return
        self.show_checking()
        self._recheck = _Recheck()  # no Qt parent: the thread may outlive the dialog
        self._recheck.done.connect(self._checked)
        self._recheck.start(list(self.results), self._checker)

    def show_checking(self) -> None:
        """The wait while every take is heard again (the layout audit shows it this way)."""
        self.state = "checking"
        self._show(
            "Checking how well it hears you…",
            "Each take is heard again, as voice commands will hear it.",
        )
        self.primary.setText("Checking…")  # (nothing to pause; Esc still cancels)
        self.primary.setEnabled(False)

    def _checked(self, takes: list[TakeResult]) -> None:
        if self.state != "checking":  # cancelled meanwhile: nothing is saved
            return
        self._recheck = None
        self._finished(takes)

    def _finished(self, takes: Sequence[TakeResult]) -> None:
        self.results = list(takes)
        self.state = "finished"
        self.primary.setEnabled(True)
        self.enrolment = self._current_result()
        self._show(
            f"Done: {self.enrolment.right} of {len(self.plan)} heard.",
            self.enrolment.level_text(),
            headline=True,
        )
        # the advice first: with large text the list below it scrolls
        lines = [*self.enrolment.advice(), "", *self.enrolment.summary_lines()]
        saved = ""
        if self.data_dir is not None:
            try:
                report = save_enrolment(self.data_dir, self.enrolment)
            except OSError as exc:
                saved = f"Not saved: {exc.strerror or exc}. Your earlier results are kept."
            else:
                saved = "Saved."
                if report.set_aside is not None:
                    saved += f" The earlier, unreadable file was kept as {report.set_aside.name}."
                self.enrolment_saved.emit(self.enrolment)
        self.summary.setText("\n".join([*lines, "", saved] if saved else lines))
        self.primary.setText("Done (Enter)")
        self.cancel_button.setText("Close (Esc)")
        if self._speech is not None:
            self._speech.say(
                f"Done. {self.enrolment.right} of {len(self.plan)} heard. {self.enrolment.advice()[0]}",
                "enrolment-done",
            )

    def _failed(self, text: str) -> None:
        if self.state not in ("running", "ready"):
            return
        self._stop_worker()
        self.state = "failed"
        self._show("The microphone cannot be used.", text)
        self.primary.setText("Try again (Enter)")

    def _check_microphone(self) -> None:
        worker = self._worker
        if self.state in ("running", "ready") and worker is not None and worker.watch.stalled():
            self._failed(
                "The microphone stopped delivering sound. Check it in the system's sound "
                "settings, then try again."
            )

    def _show_level(self, db: float) -> None:
        span = METER_TOP_DB - METER_FLOOR_DB
        self.meter.setValue(round(max(0.0, min(1.0, (db - METER_FLOOR_DB) / span)) * 100))

    def _stop_worker(self) -> None:
        self._watchdog.stop()
        self._next_timer.stop()
        self._prompt_timer.stop()
        self._ready_timer.stop()
        self._waiting_prompt = False
        if self._worker is not None:
            self._worker.stop(timeout=1.0)
            self._worker = None
            self.recording_changed.emit(False)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Enter and Space go on whatever has the focus (Esc is the dialog's own: cancel)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.primary_action()
            event.accept()
            return
        super().keyPressEvent(event)

    # ------------------------------------------------------------------ closing
    def done(self, code: int) -> None:
        """Accept, reject (Esc) or close: the microphone is let go; a cancelled enrolment
        saves nothing, so the previous one stays."""
        self._stop_worker()
        if self._speech is not None and self.state in ("ready", "running", "paused"):
            with contextlib.suppress(Exception):
                self._speech.stop()
        if self._speech is not None and hasattr(self._speech, "clip_finished"):
            with contextlib.suppress(RuntimeError, TypeError):
                self._speech.clip_finished.disconnect(self._clip_finished)
        super().done(code)
