"""The main window: start screen → player → end screen, every action on one key.

It adapts the core: the SessionController (engine + timer) says what happens when; the
window shows it, hands each line to the speech service and each event to its peers
(the progress recorder). It computes no timing itself.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ..catalog import Catalog
from ..clock import Clock, system_clock  # the engine is imported where it is used
from ..script import (
    DoseOverride,
    Kind,
    Script,
    ScriptOptions,
    Segment,
    build_script,
    count_word,
    estimate_speech_seconds,
    resolve_items,
)
from .progression_rules import ProgressionRules
from .speech_port import CaptionOnlySpeech
from .start_view import StartView
from .theme import theme_for
from .voice_control import VoiceControl

if TYPE_CHECKING:
    from .controller import SessionController
    from .end_view import EndView
    from .pain_checkin import PainCheckIn
    from .player_view import PlayerView

APP_ADDITION = (
    "Stop and call your healthcare provider if you have new numbness, weakness, or loss of "
    "bladder or bowel control. (This advice is the app's own addition, not from the articles.)"
)


def safety_citation(catalog: Catalog) -> str:
    """Where the safety notice's words come from: each article once, in the notice's order."""
    safety = catalog.safety
    if safety is None:
        return ""
    lines = []
    first = catalog.sources.get(safety.source or "")
    if first:
        lines.append(f"From {first.citation()}")
    other = catalog.sources.get(safety.stop_if_it_hurts_source or "")
    if safety.stop_if_it_hurts and other and other is not first:
        lines.append(f"“{safety.stop_if_it_hurts}” is from {other.citation()}")
    return "\n".join(lines)


class SafetyNotice(QDialog):
    """'Check with your healthcare provider' — shown on first run, always in the menu."""

    def __init__(self, catalog: Catalog, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Before you start")
        safety = catalog.safety
        text = [safety.before_starting if safety else "Check with your healthcare provider."]
        if safety and safety.stop_if_it_hurts:
            text.append(safety.stop_if_it_hurts + " Press H or the red “It hurts” button.")
        text.append(APP_ADDITION)
        label = QLabel("\n\n".join(text), objectName="instruction")
        label.setWordWrap(True)
        cite = QLabel(safety_citation(catalog), objectName="muted")
        cite.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("I understand (Enter)")
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(cite)
        layout.addWidget(buttons)
        self.resize(900, 560)


class MainWindow(VoiceControl, ProgressionRules, QMainWindow):
    hurt_recorded = Signal(str, str)  # exercise id, choice
    answer_recorded = Signal(int, str)  # segment index, yes / no / none

    def __init__(
        self,
        catalog: Catalog,
        *,
        settings: Any = None,  # stenosis_player.settings.Settings, or None for defaults
        speech: QObject | None = None,
        clock: Clock = system_clock,
        speed: float = 1.0,
        store: Any = None,  # stenosis_player.store.Store, or None: nothing is recorded
        notices: list[str] | None = None,
    ) -> None:
        super().__init__()
        self.catalog = catalog
        self.settings = settings
        self.speech = speech if speech is not None else CaptionOnlySpeech(parent=self)
        self.clock = clock
        self.speed = speed
        self.store = store
        self.recorder: Any = None
        self.resume_info: Any = None
        self.ask_pain = store is not None
        self.hands_free = False  # started by --start: no question before the session
        self.controller: SessionController | None = None
        self.options: ScriptOptions | None = None
        self.program_id = self._setting("program.last", None) or catalog.default_program
        if self.program_id not in catalog.programs:
            self.program_id = catalog.default_program
        self.answers: dict[int, str] = {}
        self.hurt_count: dict[str, int] = {}
        self.confirming_stop = False
        self._preamble = ""
        self.started_at = 0.0
        self.safety_dialog: SafetyNotice | None = None

        self.setWindowTitle("Stenosis Player")
        self.stack = QStackedWidget()
        self.start_view = StartView(catalog)
        self.start_view.select_program(self.program_id)  # before the change signal: one preview
        self.stack.addWidget(self.start_view)
        # The first frame shows the start screen only: the player, end and pain screens are
        # built on first use, or just after the first frame (see paintEvent).
        self._player: PlayerView | None = None
        self._end_view: EndView | None = None
        self._checkin: PainCheckIn | None = None
        self._other_screens_scheduled = False
        self._caption = ""  # what the speech said last, for a player screen built later
        self._voice_status = ""  # why there is no voice, likewise
        self.theme = theme_for(False)
        self.history_view: QWidget | None = None
        self.setCentralWidget(self.stack)

        self.start_view.start_requested.connect(lambda pid: self.start_session(pid))
        self.start_view.resume_requested.connect(self.resume_session)
        self.start_view.program_changed.connect(self._preview_program)
        self.start_view.safety_requested.connect(self.show_safety)
        self.start_view.settings_requested.connect(self.open_settings)
        self.start_view.history_requested.connect(self.open_history)
        if hasattr(self.speech, "caption"):
            self.speech.caption.connect(self._show_caption)
        if hasattr(self.speech, "notice"):
            self.speech.notice.connect(self._speech_notice)

        self.voice_ids: list[str] = []  # for the settings' voice list, filled in the background
        self._list_voices()
        self._build_menu()
        self._build_shortcuts()
        self.apply_display_settings()
        self._preview_program(self.program_id)
        self._offer_resume()
        if notices:
            self.start_view.set_notice("\n".join(notices))
        self.resize(1280, 800)

    # ------------------------------------------------------------------ screens built later
    @property
    def player(self) -> PlayerView:
        """The player screen, built the first time it is needed."""
        if self._player is None:
            from .player_view import PlayerView

            p = PlayerView(self.catalog)
            p.toggle_requested.connect(lambda: self.command("toggle"))
            p.next_requested.connect(lambda: self.command("next"))
            p.back_requested.connect(lambda: self.command("back"))
            p.stop_requested.connect(lambda: self.command("stop"))
            p.hurt_requested.connect(self.it_hurts)
            p.answered.connect(self.answer)
            p.hurt_choice.connect(self.choose_after_hurt)
            p.set_caption(self._caption)
            p.set_voice_status(self._voice_status)
            p.ring.theme = self.theme
            self.stack.addWidget(p)
            self._player = p
        return self._player

    @property
    def end_view(self) -> EndView:
        """The end screen, built the first time it is needed."""
        if self._end_view is None:
            from .end_view import EndView

            self._end_view = EndView()
            self._end_view.home_requested.connect(self.show_start)
            self._end_view.history_requested.connect(self.open_history)
            self.stack.addWidget(self._end_view)
        return self._end_view

    @property
    def checkin(self) -> PainCheckIn | None:
        """The pain check-in screen; None when progress is not saved (nothing to ask for)."""
        if self._checkin is None and self.store is not None:
            from .pain_checkin import PainCheckIn

            self._checkin = PainCheckIn()
            self._checkin.answered.connect(self._pain_answered)
            self.stack.addWidget(self._checkin)
        return self._checkin

    def _showing(self, screen: QWidget | None) -> bool:
        """Is ``screen`` (None while not built) the one on show?"""
        return screen is not None and self.stack.currentWidget() is screen

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if not self._other_screens_scheduled:
            self._other_screens_scheduled = True
            QTimer.singleShot(0, self, self._build_other_screens)

    def _build_other_screens(self) -> None:
        """Build the screens the first frame did not need, while the start screen is read."""
        _ = self.player, self.end_view, self.checkin

    def _show_caption(self, text: str) -> None:
        self._caption = text
        if self._player is not None:
            self._player.set_caption(text)

    # ------------------------------------------------------------------ set-up
    def _setting(self, key: str, default: Any) -> Any:
        if self.settings is None:
            return default
        try:
            return self.settings.get(key)
        except Exception:  # an unknown key in an older settings module: use the default
            return default

    def _build_menu(self) -> None:
        bar = self.menuBar()
        session = bar.addMenu("&Session")
        self.act_start = self._action(session, "&Start", "Return", lambda: self.key("enter"))
        self._action(session, "&Settings…", "Ctrl+,", self.open_settings)
        self._action(session, "&History", "Ctrl+H", self.open_history)
        session.addSeparator()
        self._action(session, "&Quit", "Ctrl+Q", self.close)
        view = bar.addMenu("&View")
        self._action(view, "&Full screen", "F11", self.toggle_fullscreen)
        self.act_contrast = self._action(
            view, "&High contrast", "Ctrl+Shift+C", self.toggle_contrast
        )
        self.act_contrast.setCheckable(True)
        helpm = bar.addMenu("&Help")
        self._action(helpm, "&Safety notice", "", self.show_safety)

    def _action(self, menu, text: str, key: str, slot: Callable[[], Any]) -> QAction:
        act = QAction(text, self)
        if key:
            act.setShortcuts([QKeySequence(key)])  # setShortcut() builds every Qt enum
        act.triggered.connect(slot)
        menu.addAction(act)
        self.addAction(act)
        return act

    def _build_shortcuts(self) -> None:
        keys = {
            "toggle": ["Space", "Media Play", "Media Pause", "Toggle Media Play/Pause", "B", "."],
            "next": ["Right", "Media Next", "PgDown"],
            "back": ["Left", "Media Previous", "PgUp"],
            "stop": ["Escape", "Media Stop"],
            "hurt": ["H"],
            "yes": ["Y"],
            "no": ["N"],
            "skip": ["S"],
            "easier": ["E"],
            "end": ["X"],
            "continue": ["C"],
            "resume": ["R"],
            "undo": ["U"],
            "add": ["A"],
        }
        self.shortcuts: dict[str, QShortcut] = {}
        for name, seqs in keys.items():
            for seq in seqs:
                sc = QShortcut(QKeySequence(seq), self)  # the context: Qt's default, the window
                sc.activated.connect(lambda n=name: self.key(n))
                self.shortcuts[seq] = sc

    # ------------------------------------------------------------------ keys
    def key(self, name: str) -> None:
        """One entry point for keys, buttons, clickers and voice commands."""
        on_player = self._showing(self._player)
        if self._showing(self.history_view):
            if name == "stop":
                self.show_start()
            return
        if self.stack.currentWidget() is self.start_view:
            if name in ("enter", "toggle"):
                self.start_session(self.start_view.program_id())
            elif name == "resume" and self.resume_info is not None:
                self.resume_session()
            elif name == "undo":
                self.undo_dose_changes()
            return
        if self._showing(self._end_view):
            if name in ("enter", "toggle"):
                self.show_start()
            elif name == "undo":
                self.undo_dose_changes()
            elif name == "add":
                self.add_offered_exercise()
            return
        if not on_player or self.controller is None:
            return
        if self.player.hurt_panel.isVisible():
            if name in ("skip", "easier", "end", "continue"):
                self.choose_after_hurt(name)
            elif name == "resume" and self.player.hurt_buttons["remove"].isVisible():
                self.choose_after_hurt("remove")  # R: take it out of the program
            elif name == "toggle":
                self.choose_after_hurt("continue")
            return
        if name == "hurt":
            self.it_hurts()
        elif name in ("yes", "no") and self.controller.current.kind is Kind.CHECK:
            self.answer(name == "yes")
        elif name in ("toggle", "next", "back", "stop", "enter"):
            self.command("toggle" if name == "enter" else name)

    def command(self, name: str) -> None:
        c = self.controller
        if c is None:
            return
        if name == "stop":
            if self.confirming_stop:
                self.confirming_stop = False
                c.stop()
                return
            self.confirming_stop = True
            c.pause("asked to stop")
            self.speech.stop()
            self.player.set_notice("Stop the session? Press Esc again to stop, Space to go on.")
            self.speech.say("Press Escape again to stop, or Space to go on.")
            return
        if self.confirming_stop:
            self.confirming_stop = False
            self.player.set_notice("")
        if name == "toggle":
            c.toggle()
        elif name == "next":
            c.next()
        elif name == "back":
            c.back()

    # voice-command target interface (stenosis_player.voice_commands.mapping)
    def pause(self) -> None:
        from ..engine import Stage

        if self.controller and self.controller.stage in (Stage.RUNNING, Stage.RESUMING):
            self.controller.pause()

    def resume(self) -> None:
        from ..engine import Stage

        if self._hurt_panel_open():
            self.choose_after_hurt("continue")
        elif self.controller and self.controller.stage is Stage.PAUSED:
            self.confirming_stop = False
            self.player.set_notice("")
            self.controller.resume()

    def next(self) -> None:
        self.command("next")

    def back(self) -> None:
        self.command("back")

    def stop(self) -> None:
        """Stop as Esc does: the first asks, the second stops (voice commands use this)."""
        if self._hurt_panel_open():
            self.choose_after_hurt("end")
        else:
            self.command("stop")

    def _hurt_panel_open(self) -> bool:
        return self._player is not None and self._player.hurt_panel.isVisible()

    # ------------------------------------------------------------------ sessions
    def script_options(self, program_id: str) -> ScriptOptions:
        if self.settings is not None and hasattr(self.settings, "script_options"):
            opts = self.settings.script_options(self.catalog, program_id)
        else:
            opts = ScriptOptions()
        if hasattr(self.speech, "clip_seconds"):
            opts = replace(opts, speech_seconds=self._speech_seconds(opts))
        if self.store is not None:
            with contextlib.suppress(Exception):  # a damaged table must not stop a session
                opts = replace(opts, progressed=self.store.grown_doses())
        return opts

    def _speech_seconds(self, opts: ScriptOptions) -> Callable[[str], float]:
        def seconds(text: str) -> float:
            real = self.speech.clip_seconds(text)
            return real if real else estimate_speech_seconds(text, opts.words_per_minute)

        return seconds

    def build_script(self, program_id: str) -> Script:
        self.options = self.script_options(program_id)
        return build_script(self.catalog, program_id, self.options)

    def _preview_program(self, program_id: str) -> None:
        self.program_id = program_id
        self.start_view.show_script(self.build_script(program_id))

    def start_session(
        self, program_id: str | None = None, resume_from: int = 0, *, resume: Any = None
    ) -> None:
        """Plan the session, then ask about pain (unless hands-free) and start it."""
        from .controller import SessionController  # its QTimer set-up needs Qt's enums

        pid = program_id or self.program_id
        self.program_id = pid
        if self.settings is not None:
            with contextlib.suppress(Exception):
                self.settings.set("program.last", pid)
        script = self.build_script(pid)
        if hasattr(self.speech, "prepare"):
            self.speech.prepare(_spoken_lines(script))
        self.answers.clear()
        self.confirming_stop = False
        c = SessionController(script, self.clock, speed=self.speed, resume_from=resume_from)
        self.controller = c
        self.recorder = self._make_recorder(pid, script, resume)
        if self.recorder is not None:
            c.listeners.append(self.recorder.handle)
        c.listeners.append(self._on_events)
        c.segment_started.connect(self._on_segment)
        c.countdown_second.connect(self._on_countdown)
        c.stage_changed.connect(self._on_stage)
        c.session_finished.connect(self._on_finished)
        c.clock_jumped.connect(self._on_clock_jump)
        self.player.set_script(script)
        self.player.set_notice("")
        self.player.hide_hurt_panel()
        if (
            self._setting("voice_commands.enabled", False)
            and getattr(self, "listener", None) is None
        ):
            self.start_voice_commands()
        self.player.set_paused(False)
        if self.ask_pain and self.checkin is not None and not self.hands_free and resume is None:
            self._ask_pain("before")
        else:
            self._begin()

    def _begin(self) -> None:
        c = self.controller
        if c is None:
            return
        self.stack.setCurrentWidget(self.player)
        self.started_at = self.clock()
        c.start()

    def _make_recorder(self, program_id: str, script: Script, resume: Any) -> Any:
        if self.store is None:
            return None
        from ..recorder import SessionRecorder
        from ..store import StoreError

        try:
            return SessionRecorder(self.store, program_id, script, resume=resume)
        except StoreError as exc:
            self.player.set_notice(f"Progress is not saved for this session: {exc}")
            return None

    # pain check-in before and after a session (one key skips it)
    def _ask_pain(self, moment: str) -> None:
        assert self.checkin is not None
        self._pain_moment = moment
        question = (
            "Before we start: how is your pain right now?"
            if moment == "before"
            else "All done. How is your pain now?"
        )
        self.checkin.reset(question)
        self.stack.setCurrentWidget(self.checkin)
        self.checkin.setFocus()
        self.speech.say(question + " Press a number from 0 to 10, or S to skip.", f"pain-{moment}")

    def _pain_answered(self, value: object) -> None:
        moment = getattr(self, "_pain_moment", "before")
        if self.recorder is not None:
            try:
                self.recorder.record_checkin(moment, value if isinstance(value, int) else None)
            except Exception as exc:
                self.player.set_notice(f"Could not save your answer: {exc}")
        if moment == "before":
            self._begin()
        else:
            self.stack.setCurrentWidget(self.end_view)

    def _offer_resume(self) -> None:
        """Offer to continue a session the app did not finish (a crash, a power cut)."""
        self.resume_info = None
        info = self.store.unfinished_session() if self.store is not None else None
        if info is not None and info.program_id in self.catalog.programs:
            from ..recorder import can_resume

            if can_resume(info, self.build_script(info.program_id)):
                self.resume_info = info
        self.start_view.show_resume(self.resume_info.label if self.resume_info else None)
        self._show_recent_changes()

    def resume_session(self) -> None:
        info = self.resume_info
        if info is None:
            return
        self.resume_info = None
        self.start_view.show_resume(None)
        self.start_session(info.program_id, info.resume_index, resume=info)

    def show_start(self) -> None:
        self.controller = None
        self._preview_program(self.program_id)
        self._offer_resume()
        self.stack.setCurrentWidget(self.start_view)

    # ------------------------------------------------------------------ engine events
    def _on_events(self, events: list) -> None:
        from ..engine import SegmentFinished

        for e in events:
            if (
                isinstance(e, SegmentFinished)
                and e.segment.kind is Kind.CHECK
                and e.segment.index not in self.answers
            ):
                self._record_answer(e.segment, "none")  # no answer in time: carry on

    def _on_segment(self, seg: Segment) -> None:
        self.player.show_segment(seg)
        if getattr(self, "listener", None) is not None:
            self.listener.set_question_open(seg.kind is Kind.CHECK)  # yes/no only then
        self._update_progress()
        text = f"{self._preamble} {seg.say}" if self._preamble else seg.say
        self._preamble = ""
        self.speech.say(text, f"seg-{seg.index}")
        secs = self.speech.clip_seconds(text) if hasattr(self.speech, "clip_seconds") else None
        if not secs and text != seg.say:
            secs = estimate_speech_seconds(text)
        if secs and self.controller is not None:
            self.controller.extend_current(secs + 0.3)
        if hasattr(self.speech, "preload") and seg.index + 1 < len(self.controller.script):
            self.speech.preload(self.controller.script[seg.index + 1].say)  # no wait next time

    def _on_countdown(self, seg: Segment, left: int) -> None:
        self.player.set_countdown(seg, left)
        self._update_progress()
        if 0 < left <= seg.count_last:
            self.speech.say(count_word(left), f"count-{seg.index}-{left}", _low_priority())

    def _on_stage(self, stage: str, reason: str) -> None:
        from ..engine import Stage

        paused = stage == Stage.PAUSED.value
        self.player.set_paused(paused, resuming=stage == Stage.RESUMING.value)
        if paused:
            self.speech.stop()
        if stage == Stage.RESUMING.value:
            self.speech.say("Get ready. Continuing in three seconds.", "resume")
        if stage == Stage.RUNNING.value and reason == "resume countdown over":
            self.player.set_notice("")

    def _on_clock_jump(self, gap: float) -> None:
        self.player.set_notice(
            f"Paused: the computer was asleep for {round(gap)} seconds. Press Space to go on."
        )

    def _on_finished(self, completed: bool) -> None:
        c = self.controller
        if c is None:
            return
        self.speech.stop()
        if c.script.segments[-1].kind is Kind.DONE and completed:
            self.speech.say(c.script.segments[-1].say, "done")
        done = [
            self.catalog.exercises[i].name
            for i in c.script.exercise_ids()
            if any(
                s.exercise_id == i and s.index <= c.engine.finished_through
                for s in c.script.segments
                if s.kind in (Kind.RELEASE, Kind.TIMED)
            )
        ]
        skipped = [
            self.catalog.exercises[i].name
            for i in c.script.exercise_ids()
            if self.catalog.exercises[i].name not in done
        ]
        minutes = (self.clock() - self.started_at) * self.speed / 60
        nxt = self._progress_after_session(c.script)
        self.end_view.show_result(completed, done, skipped, minutes, nxt)
        if self.ask_pain and self.checkin is not None and self.recorder is not None:
            self._ask_pain("after")
        else:
            self.stack.setCurrentWidget(self.end_view)

    def _update_progress(self) -> None:
        c = self.controller
        if c is None:
            return
        total = c.script.total
        self.player.set_time_left(total - c.engine.time_left(), total)

    # ------------------------------------------------------------------ questions, It hurts
    def answer(self, yes: bool) -> None:
        c = self.controller
        if c is None or c.current.kind is not Kind.CHECK:
            return
        seg = c.current
        self._record_answer(seg, "yes" if yes else "no")
        if not yes and seg.on_no == "remove" and seg.exercise_id:
            self._remove_exercise(seg.exercise_id)
            # said before the next segment's own words, so neither cuts the other off
            self._preamble = (
                "Thank you. This exercise is now taken out of your home program. "
                "You can put it back in Settings."
            )
        c.next()

    def _record_answer(self, seg: Segment, answer: str) -> None:
        self.answers[seg.index] = answer
        self.answer_recorded.emit(seg.index, answer)
        if self.recorder is not None:
            with contextlib.suppress(Exception):
                self.recorder.record_answer(seg, answer)

    def _remove_exercise(
        self, exercise_id: str, reason: str = "symptoms did not settle within a minute"
    ) -> None:
        if self.store is not None:
            with contextlib.suppress(Exception):
                self.store.remove_exercise(exercise_id, reason)
        if self.settings is None:
            return
        try:
            self.settings.set(f"exercises.{exercise_id}.removed", True)
            self.settings.save()
        except Exception as exc:
            self.player.set_notice(f"Could not save the change to your program: {exc}")

    def it_hurts(self) -> None:
        from ..engine import Stage

        c = self.controller
        if c is None or c.stage in (Stage.FINISHED, Stage.STOPPED):
            return
        self.speech.stop()
        c.pause("it hurts")
        seg = c.current
        ex = self.catalog.exercises.get(seg.exercise_id or "")
        easier = self._easier_version(seg)
        name = ex.name if ex else "this exercise"
        twice = bool(seg.exercise_id) and self._hurt_twice(seg.exercise_id)
        if seg.exercise_id:
            self.hurt_count[seg.exercise_id] = self.hurt_count.get(seg.exercise_id, 0) + 1
        self.player.show_hurt_panel(easier is not None, suggest_removal=twice)
        if twice:
            self.speech.say(
                f"Stopped. {name} has hurt twice in a row. Press R to take it out of your "
                "program, or S to skip it today."
            )
        else:
            self.speech.say(
                f"Stopped. Skip {name}, try an easier version, or end the session?"
                if easier
                else f"Stopped. Skip {name}, or end the session?"
            )

    def _easier_version(self, seg: Segment) -> str | None:
        ex = self.catalog.exercises.get(seg.exercise_id or "")
        if ex is None:
            return None
        for mod in ex.modifications:
            if mod.kind == "easier" and mod.id != seg.modification and not mod.replace_with:
                return mod.id
        return None

    def choose_after_hurt(self, choice: str) -> None:
        c = self.controller
        if c is None:
            return
        seg = c.current
        self.player.hide_hurt_panel()
        self.hurt_recorded.emit(seg.exercise_id or "", choice)
        if self.recorder is not None:
            with contextlib.suppress(Exception):
                self.recorder.record_hurt(seg, choice)
        if choice == "remove" and seg.exercise_id:
            self._remove_exercise(seg.exercise_id, "it hurt twice in a row")
            self.player.set_notice(
                f"{seg.exercise_name} is taken out of your program. You can put it back in "
                "Settings (Ctrl+,)."
            )
            c.skip_exercise()
            c.resume()
        elif choice == "skip":
            c.skip_exercise()
            c.resume()
        elif choice == "easier":
            self._switch_to_easier(seg)
        elif choice == "end":
            c.stop()
        else:
            c.resume()

    def _switch_to_easier(self, seg: Segment) -> None:
        c = self.controller
        mod_id = self._easier_version(seg)
        if c is None or mod_id is None or seg.exercise_id is None or self.options is None:
            return
        overrides = dict(self.options.overrides)
        old = overrides.get(seg.exercise_id, DoseOverride())
        overrides[seg.exercise_id] = replace(old, modification=mod_id)
        self.options = replace(self.options, overrides=overrides)
        script = build_script(self.catalog, self.program_id, self.options)
        intro = next(s.index for s in c.script.segments if s.exercise_id == seg.exercise_id)
        c.replace_script(script, jump_to=intro)
        self.player.set_script(c.script)
        if self.recorder is not None:
            self.recorder.script = c.script
        c.resume()

    # ------------------------------------------------------------------ other screens
    def _speech_notice(self, text: str) -> None:
        self._voice_status = text
        if self._player is not None:
            self._player.set_voice_status(text)
        self.start_view.set_notice(text)

    def show_safety(self, then: Callable[[], None] | None = None) -> None:
        """The safety notice (first run, and the Help menu); ``then`` runs once it is read."""
        self.safety_dialog = SafetyNotice(self.catalog, self)
        self.safety_dialog.setStyleSheet(self.styleSheet())
        self.safety_dialog.accepted.connect(self._safety_seen)
        if then is not None:
            self.safety_dialog.accepted.connect(then)
        self.safety_dialog.open()

    def _safety_seen(self) -> None:
        if self.settings is not None:
            with contextlib.suppress(Exception):
                self.settings.set("safety.notice_seen", True)
                self.settings.save()

    def open_settings(self) -> None:
        from ..engine import Stage

        try:
            from .settings_dialog import SettingsDialog
        except ImportError:
            return
        if self.settings is None:
            return
        if self.controller and self.controller.stage is Stage.RUNNING:
            self.controller.pause("settings")
        dialog = SettingsDialog(
            self.settings,
            self.catalog,
            self.program_id,
            speak=self._speak_sample,
            parent=self,
            voices=self.voice_ids,
        )
        dialog.saved.connect(self._settings_saved)
        self.settings_dialog = dialog
        dialog.open()

    def _list_voices(self) -> None:
        """Ask the speech engine for its voices off the UI thread (a worker round trip)."""
        synth = getattr(self.speech, "synth", None)
        if synth is None or not hasattr(synth, "voices"):
            return

        def fetch() -> None:
            with contextlib.suppress(Exception):  # no voices: the box takes a typed id
                self.voice_ids = [v.id for v in synth.voices()]

        threading.Thread(target=fetch, name="list-voices", daemon=True).start()

    def _speak_sample(self, text: str) -> None:
        self.speech.say(text, "sample")

    def _settings_saved(self) -> None:
        self.apply_display_settings()
        if self.store is not None and self.settings is not None:
            # an exercise put back in Settings is no longer "removed" in the history either
            with contextlib.suppress(Exception):
                for ex_id in self.store.removed_exercises() - self.settings.removed_exercises():
                    self.store.restore_exercise(ex_id)
        c = self.controller
        if c is None:
            self._preview_program(self.program_id)
            return
        # takes effect from the next exercise: the one in progress keeps its dose
        new = self.script_options(self.program_id)
        ids = c.script.exercise_ids()
        current = c.current.exercise_id
        done = ids[: ids.index(current) + 1] if current in ids else []
        old = self.options or ScriptOptions()
        overrides = dict(new.overrides)
        for ex_id in done:
            if ex_id in old.overrides:
                overrides[ex_id] = old.overrides[ex_id]
            else:
                overrides.pop(ex_id, None)
        program = self.catalog.program(self.program_id)
        later = [i for i in resolve_items(self.catalog, program, new) if i not in done]
        merged = replace(
            new, overrides=overrides, order=(*done, *later), removed=new.removed - set(done)
        )
        try:
            c.replace_script(build_script(self.catalog, self.program_id, merged))
        except ValueError:
            self.player.set_notice("Your changes apply from the next session.")
            return
        self.options = merged
        self.player.set_script(c.script)
        if self.recorder is not None:
            self.recorder.script = c.script
        self.player.set_notice("Your changes apply from the next exercise.")

    def open_history(self) -> None:
        if self.store is None:
            self.start_view.set_notice("History is not available: progress is not being saved.")
            return
        from ..engine import Stage

        if self.controller is not None and self.controller.stage in (Stage.RUNNING, Stage.RESUMING):
            return  # not in the middle of an exercise
        from .history_view import HistoryView

        if self.history_view is None:
            self.history_view = HistoryView(self.store, esc_shortcut=False)
            self.history_view.back_requested.connect(self.show_start)
            self.stack.addWidget(self.history_view)
        else:
            self.history_view.refresh()
        self.stack.setCurrentWidget(self.history_view)

    def closeEvent(self, event) -> None:
        self.stop_voice_commands()
        super().closeEvent(event)

    def toggle_fullscreen(self) -> None:
        self.showNormal() if self.isFullScreen() else self.showFullScreen()

    def toggle_contrast(self) -> None:
        if self.settings is not None:
            with contextlib.suppress(Exception):
                self.settings.set(
                    "display.high_contrast", not self._setting("display.high_contrast", False)
                )
                self.settings.save()
        else:
            self._contrast = not getattr(self, "_contrast", False)
        self.apply_display_settings()

    def apply_display_settings(self) -> None:
        high = self._setting("display.high_contrast", getattr(self, "_contrast", False))
        scale = float(self._setting("display.text_scale", 1.0))
        self.theme = theme_for(bool(high))
        self.setStyleSheet(self.theme.stylesheet(scale))
        if self._player is not None:
            self._player.ring.theme = self.theme
        self.act_contrast.setChecked(bool(high))


def _spoken_lines(script: Script) -> list[str]:
    """Every line a session may say, countdown numbers included, to synthesise first."""
    try:
        from ..voice.lines import speech_texts

        return speech_texts(script)
    except ImportError:
        return script.texts()


def _low_priority() -> object:
    try:
        from ..voice.service import Priority

        return Priority.LOW
    except ImportError:
        return None
