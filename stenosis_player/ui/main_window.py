"""The main window: start screen → (pain check-in) → player → end screen, every action on
one key.

The session's lifecycle lives in the Qt-free ``SessionCoordinator`` (``session.py``); this
window is its ``SessionView``: it builds the screens, routes keys, buttons and menus to the
coordinator, and shows what the coordinator tells it to. It computes no timing and makes
no decision about the session itself.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QMainWindow, QStackedWidget, QWidget

from ..catalog import Catalog
from ..clock import Clock, system_clock  # the engine is imported where it is used
from ..script import Kind, Script, Segment
from ..session import END, PAIN, PLAYER, START, SessionCoordinator, SessionResult
from .fit import ScreenFit
from .notices import NoticeBoard
from .plain import make_all_plain
from .speech_port import CaptionOnlySpeech
from .start_view import StartView
from .theme import theme_for
from .voice_control import VoiceControl

log = logging.getLogger(__name__)  # --verbose: the voice commands heard

if TYPE_CHECKING:
    from pathlib import Path

    from .end_view import EndView
    from .pain_checkin import PainCheckIn
    from .player_view import PlayerView
    from .safety_notice import SafetyNotice

__all__ = ["MainWindow"]  # the safety notice is imported when shown (not on the first frame)

# Built after the first frame, one piece per turn of the event loop, so that none keeps the
# window from answering for longer than about a frame (each piece is 1-20 ms here).
_AFTER_FIRST_FRAME = (
    "import_week",
    "import_store",
    # first: a session is started only once it is open. What it changes on the start
    # screen (a resume offer, grown doses, the week line) comes in one step, 1-2 frames in
    "store",
    "import_output",  # the sound output's modules, a slice before it opens
    "speech_output",
    "qt_namespace",
    "import_widgets",
    "import_player",
    "player",
    "prefit_player",
    "import_session",
    "store_writer",
    "end_view",
    "checkin",
    "safety_notice",  # on a first run, made before it is shown
    "list_voices",  # starts a speech worker process: not while the first frame is made
)


def _make_driver(script: Script, clock: Clock, speed: float, resume_from: int) -> Any:
    """The engine on a Qt timer (its QTimer set-up needs Qt's enums: imported when used)."""
    from .controller import SessionController

    return SessionController(script, clock, speed=speed, resume_from=resume_from)


class MainWindow(QMainWindow):
    hurt_recorded = Signal(str, str)  # exercise id, choice
    answer_recorded = Signal(int, str)  # segment index, yes / no / none
    #: The app's data folder (the voice enrolment is kept there); set by ``app.run``.
    data_dir: Path | None = None

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
        self._previewed: Script | None = None  # the start screen's plan, for the player
        self.catalog = catalog
        self.settings = settings
        self.speech = speech if speech is not None else CaptionOnlySpeech(parent=self)
        self.clock = clock
        self.speed = speed
        self.store = store
        self._store_opener: Callable[[], tuple[Any, list[str]]] | None = None
        self._store_warm_up: Callable[[], None] | None = None
        self.session = SessionCoordinator(
            catalog,
            self,
            _make_driver,
            speech=self.speech,
            settings=settings,
            store=store,
            clock=clock,
            speed=speed,
            low_priority=_low_priority,
        )
        self.voice = VoiceControl(self)
        self.safety_dialog: SafetyNotice | None = None
        self._safety_made: SafetyNotice | None = None  # made ahead on a first run, unshown
        self._safety_scale = 1.0  # the text size it was made at
        #: Set by the app on a first run: no session starts before the safety notice is read.
        self.safety_first = False

        self.setWindowTitle("Stenosis Player")
        # the theme's sheet before any child exists: set later, it restyles every child
        # (about as long again as making the start screen)
        self.theme = theme_for(bool(self._setting("display.high_contrast", False)))
        self.setStyleSheet(self.theme.stylesheet(self._text_scale()))
        self.stack = QStackedWidget()
        self.start_view = StartView(catalog)
        # before the change signal is connected: one preview
        self.start_view.select_program(self.session.program_id)
        self._screen_fits: list[ScreenFit] = []
        self._refit_pending = False
        self.stack.addWidget(self.start_view)
        self._fit_screen(self.start_view)
        # The first frame shows the start screen only: the player, end and pain screens are
        # built on first use, or just after the first frame (see paintEvent).
        self._player: PlayerView | None = None
        self._end_view: EndView | None = None
        self._checkin: PainCheckIn | None = None
        self._other_screens_scheduled = False
        self._screens_built = False
        self._prefit: Iterator[None] | None = None  # the hidden player's fit, one try a turn
        self._when_built: list[Callable[[], None]] = []
        self._caption = ""  # what the speech said last, for a player screen built later
        self.notice_board = NoticeBoard()  # every notice, shown on the start and player screens
        self.notice_board.listeners.append(self.start_view.set_notices)
        self.notice_board.listeners.append(lambda _items: self._refit_soon())
        self.history_view: QWidget | None = None
        self.setCentralWidget(self.stack)

        self.start_view.start_requested.connect(lambda pid: self.start_session(pid))
        self.start_view.resume_requested.connect(self.resume_session)
        self.start_view.program_changed.connect(self.session.preview)
        self.start_view.safety_requested.connect(self.show_safety)
        self.start_view.settings_requested.connect(self.open_settings)
        self.start_view.history_requested.connect(self.open_history)
        if hasattr(self.speech, "caption"):
            self.speech.caption.connect(self._show_caption)
        if hasattr(self.speech, "notice"):
            self.speech.notice.connect(self._speech_notice)
        if hasattr(self.speech, "ready_changed"):
            self.speech.ready_changed.connect(self._speech_ready)

        self.voice_ids: list[str] = []  # for the settings' voice list, filled in the background
        self.voice_names: dict[str, str] = {}  # voice id -> its language's name
        self._build_menu()
        self._build_shortcuts()
        self.apply_display_settings()
        self.session.preview(self.session.program_id)
        self.session.offer_resume()
        self._offer_reminders = False
        self.reminder_offer: QWidget | None = None
        for text in notices or []:
            self.add_notice(text)
        self.resize(1280, 800)

    # ------------------------------------------------------------------ the session's state
    # (kept as window attributes: the tests, the benchmark and app.py read and set them)
    @property
    def controller(self) -> Any:
        return self.session.controller

    @property
    def program_id(self) -> str:
        return self.session.program_id

    @program_id.setter
    def program_id(self, value: str) -> None:
        self.session.program_id = value

    @property
    def hands_free(self) -> bool:
        return self.session.hands_free

    @hands_free.setter
    def hands_free(self, value: bool) -> None:
        self.session.hands_free = value

    @property
    def ask_pain(self) -> bool:
        return self.session.ask_pain

    @ask_pain.setter
    def ask_pain(self, value: bool) -> None:
        self.session.ask_pain = value

    @property
    def confirming_stop(self) -> bool:
        return self.session.confirming_stop

    @property
    def resume_info(self) -> Any:
        return self.session.resume_info

    @property
    def recorder(self) -> Any:
        return self.session.recorder

    @property
    def listener(self) -> Any:
        return self.voice.listener

    # what the session does, for menus, buttons and tests
    def start_session(self, program_id: str | None = None, resume_from: int = 0, **kw) -> None:
        if self.safety_first:
            # the first run's safety notice is read before any session, even one started by
            # an Enter on the first frame (the notice itself comes a few slices after it)
            self.show_safety(then=lambda: self.start_session(program_id, resume_from, **kw))
            return
        self.open_store_now()  # an Enter on the first frame: the session is still recorded
        self.session.start_session(program_id, resume_from, **kw)

    def resume_session(self) -> None:
        self.open_store_now()
        self.session.resume_session()

    def open_store_later(
        self,
        opener: Callable[[], tuple[Any, list[str]]],
        warm_up: Callable[[], None] | None = None,
    ) -> None:
        """Open the progress store just after the first frame (its import and opening are
        10-20 ms), or at once when something needs it first (a session's start, History).
        ``opener`` returns the store (None: progress is not saved) and notices to show;
        ``warm_up`` (its imports) runs one event-loop turn before it, a slice of its own."""
        self._store_opener = opener
        self._store_warm_up = warm_up

    def open_store_now(self) -> None:
        """Open the store left for later (see ``open_store_later``), if it is not open yet."""
        opener, self._store_opener = self._store_opener, None
        if opener is None:
            return
        store, notices = opener()
        for text in notices:
            self.add_notice(text)
        if store is not None:
            self.store = store
            self.session.attach_store(store)  # its doses and unfinished session

    def show_start(self) -> None:
        self.session.to_start()

    def build_script(self, program_id: str) -> Script:
        return self.session.build_script(program_id)

    def answer(self, yes: bool) -> None:
        self.session.answer(yes)

    def it_hurts(self) -> None:
        self.session.it_hurts()

    def choose_after_hurt(self, choice: str) -> None:
        self.session.choose_after_hurt(choice)

    def command(self, name: str) -> None:
        self.session.command(name)

    def start_voice_commands(self, source_factory: Any = None, autostart: bool = True) -> None:
        self.voice.start(source_factory, autostart)

    def stop_voice_commands(self) -> None:
        self.voice.stop()

    def voice_command(self, value: str) -> None:
        if log.isEnabledFor(logging.INFO):  # --verbose
            heard = getattr(getattr(self, "listener", None), "last_heard", None)
            if heard is not None and heard.command.value == value:
                log.info(f'heard "{heard.phrase}" ({value}, confidence {heard.confidence:.2f})')
            else:
                log.info(f"heard {value}")
        self.voice.command(value)

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
            p.set_notices(self.notice_board.items())
            self.notice_board.listeners.append(p.set_notices)
            p.set_text_scale(self._text_scale())
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
            self._fit_screen(self._end_view)
            self.stack.addWidget(self._end_view)
        return self._end_view

    @property
    def checkin(self) -> PainCheckIn | None:
        """The pain check-in screen; None when progress is not saved (nothing to ask for)."""
        if self._checkin is None and self.store is not None:
            from .pain_checkin import PainCheckIn

            self._checkin = PainCheckIn()
            self._checkin.answered.connect(self.session.pain_answered)
            checkin = self._checkin
            self._fit_screen(checkin, checkin.style_rules)
            self.stack.addWidget(self._checkin)
        return self._checkin

    def _fit_screen(self, screen: QWidget, rules: Callable[[float], str] | None = None) -> None:
        """Keep ``screen`` inside the window at the largest text that fits (see fit.py),
        with the theme's sheet plus the screen's own ``rules`` at that text factor."""

        def sheet(f: float) -> str:
            extra = rules(f) if rules is not None else ""
            # at the window's own text size the theme comes from the window's sheet: the
            # same rules again on the screen would restyle all of it (5-10 ms a screen)
            return extra if f == self._text_scale() else self.theme.stylesheet(f) + extra

        fit = ScreenFit(screen, sheet)
        fit.scale = self._text_scale()
        self._screen_fits.append(fit)

    def _refit_soon(self) -> None:
        """Refit at the next turn of the event loop, once for many notices (at a session's
        start the screen being left is then hidden and skipped)."""
        if not self._refit_pending:
            self._refit_pending = True
            QTimer.singleShot(0, self, self._refit_now)

    def _refit_now(self) -> None:
        self._refit_pending = False
        self.refit_screens()

    def refit_screens(self) -> None:
        """Fit the screens again now (new text); a screen whose text is unchanged is skipped."""
        for fit in self._screen_fits:
            fit.refit()

    def _showing(self, screen: QWidget | None) -> bool:
        """Is ``screen`` (None while not built) the one on show?"""
        return screen is not None and self.stack.currentWidget() is screen

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if not self._other_screens_scheduled:
            self._other_screens_scheduled = True
            QTimer.singleShot(0, self, self._build_other_screens)

    def _build_other_screens(self, step: int = 0) -> None:
        """Build the screens the first frame did not need, while the start screen is read:
        one piece per turn of the event loop, then whatever waited for them."""
        if step < len(_AFTER_FIRST_FRAME):
            piece = _AFTER_FIRST_FRAME[step]
            if piece == "import_store":
                if self._store_opener is not None and self._store_warm_up is not None:
                    self._store_warm_up()
            elif piece == "store":
                self.open_store_now()
                self.show_week()
            elif piece == "import_output":
                warm_up = getattr(self.speech, "import_output", None)
                if warm_up is not None:
                    warm_up()
            elif piece == "speech_output":
                # the sound output and the speech worker, which the app left for now
                start = getattr(self.speech, "start", None)
                if start is not None:
                    start()
            elif piece == "qt_namespace":
                # PySide6's Qt namespace makes ~90 enum types when first touched (~20 ms):
                # the player's module touches it; alone here, its import is a slice less
                from PySide6.QtCore import Qt  # noqa: F401
            elif piece == "import_widgets":
                from . import widgets  # noqa: F401 - the player's drawings (QtSvg)
            elif piece == "import_player":
                from . import player_view  # noqa: F401 - its imports are half the cost
            elif piece == "import_session":
                # what a session's start imports (the engine's timer, the recorder)
                from .. import recorder  # noqa: F401
                from . import controller  # noqa: F401
            elif piece == "store_writer":
                # the store's writer thread, which a session's first write would start
                # (2-3 ms of the session's start, itself the longest slice)
                if self.store is not None and hasattr(self.store, "start_wanted_writer"):
                    self.store.start_wanted_writer()
            elif piece == "safety_notice":
                if self.safety_first and self.safety_dialog is None and self._safety_made is None:
                    self._safety_made = self._make_safety_dialog()
            elif piece == "import_week":
                from . import reminders_tab  # noqa: F401 - the week line's reminder days
            elif piece == "prefit_player":
                if self._prefit_player():  # one layout try per turn: more are left
                    self._next_slice(step)
                    return
            elif piece == "list_voices":
                self._list_voices()
            else:
                getattr(self, piece)
            self._next_slice(step + 1)
            return
        self._screens_built = True
        self._run_waiting()

    def _run_waiting(self) -> None:
        """What waited for the screens, one per turn of the event loop: the single-instance
        socket (QtNetwork's import), the schema check's thread and a session's start
        were 15-25 ms together."""
        if self._when_built:
            run = self._when_built.pop(0)
            if self._when_built:
                QTimer.singleShot(1, self, self._run_waiting)
            run()

    def _next_slice(self, step: int) -> None:
        """Run slice ``step`` at a later turn of the event loop. A 1 ms timer, not 0: a
        zero-time call is a posted event, and Qt runs posted events queued meanwhile in the
        same pass, so two slices ran back to back with no timer between them (the engine's
        tick, the sound feed: measured, 25-33 ms between two 5 ms heartbeats)."""
        QTimer.singleShot(1, self, lambda: self._build_other_screens(step))

    def _prefit_player(self) -> bool:
        """One layout try of fitting the previewed program's first step on the hidden
        player (see prefit_steps: the whole fit is 20-30 ms); True while tries are left."""
        if self._prefit is None:
            script = self._previewed
            if script is None or not len(script) or self.session.controller is not None:
                return False
            size = (self.stack.width(), self.stack.height())
            self._prefit = self.player.prefit_steps(script[0], size)
        try:
            next(self._prefit)
        except StopIteration:
            self._prefit = None
            return False
        return True

    def when_built(self, run: Callable[[], None]) -> None:
        """Run ``run`` once the first frame is shown and the other screens are built (a
        session started by ``--start`` then begins without building them at once)."""
        if self._screens_built and not self._when_built:
            run()
            return
        self._when_built.append(run)
        if self._screens_built:
            return  # after those still waiting
        # a window that is never painted (shown minimised) still gets there, a bit later
        QTimer.singleShot(1000, self, self._build_unless_scheduled)

    def _build_unless_scheduled(self) -> None:
        if not self._other_screens_scheduled:
            self._other_screens_scheduled = True
            self._build_other_screens()

    def _show_caption(self, text: str) -> None:
        self._caption = text
        if self._player is not None:
            self._player.set_caption(text)

    # ------------------------------------------------------------------ SessionView
    def show_screen(self, screen: str) -> None:
        self._show_screen(screen)
        make_all_plain(self.stack.currentWidget())  # panels other modules add, too
        self.refit_screens()

    def _show_screen(self, screen: str) -> None:
        if screen == START:
            self.show_week()
            self.stack.setCurrentWidget(self.start_view)
        elif screen == PLAYER:
            self.stack.setCurrentWidget(self.player)
        elif screen == END:
            self.stack.setCurrentWidget(self.end_view)
            if self._offer_reminders:  # after the first completed session, once
                self._offer_reminders = False
                from .reminders_tab import offer_reminders_once

                self.reminder_offer = offer_reminders_once(self.end_view, self.settings)
        elif screen == PAIN and self.checkin is not None:
            self.stack.setCurrentWidget(self.checkin)
            self.checkin.setFocus()

    def _speech_ready(self, ready: bool) -> None:
        """The clips the preview guessed at exist now: plan it again, to the second."""
        guessed = frozenset(self.session.untimed)
        if ready and guessed and self.session.controller is None:
            if guessed == getattr(self, "_guessed_before", None):
                return  # those lines could not be made: keep the estimate, don't loop
            self._guessed_before = guessed
            self.session.preview(self.session.program_id)

    def show_week(self) -> None:
        """The start screen's "this week so far": days with a session against days set."""
        from .reminders_tab import week_text

        self.start_view.set_week(week_text(self.settings, self.store))

    def show_preview(self, script: Script) -> None:
        self._previewed = script
        self.start_view.show_script(script)

    def show_resume(self, label: str | None) -> None:
        self.start_view.show_resume(label)

    def add_notice(self, text: str, key: str | None = None) -> None:
        """A notice for the user, kept (newest first) until one with the same key replaces it."""
        self.notice_board.add(text, key)

    def session_planned(self, script: Script) -> None:
        p = self.player
        p.set_script(script)
        self.notice_board.remove("session")
        p.show_stop_question(False)
        p.hide_hurt_panel()
        p.set_paused(False)
        if self.session.setting("voice_commands.enabled", False) and self.listener is None:
            self.start_voice_commands()

    def script_changed(self, script: Script) -> None:
        self.player.set_script(script)

    def show_segment(self, seg: Segment) -> None:
        self.player.show_segment(seg)

    def show_countdown(self, seg: Segment, left: int) -> None:
        self.player.set_countdown(seg, left)

    def show_time_left(self, elapsed: float, total: float) -> None:
        self.player.set_time_left(elapsed, total)

    def show_paused(self, paused: bool, resuming: bool) -> None:
        self.player.set_paused(paused, resuming=resuming)

    def set_session_notice(self, text: str) -> None:
        """The session's own notice (one at a time: "changes apply from…", "asleep…")."""
        if text:
            self.notice_board.add(text, "session")
        else:
            self.notice_board.remove("session")

    def show_stop_question(self, shown: bool) -> None:
        self.player.show_stop_question(shown)

    def show_hurt_choices(self, easier: bool, suggest_removal: bool) -> None:
        self.player.show_hurt_panel(easier, suggest_removal=suggest_removal)

    def hide_hurt_choices(self) -> None:
        self.player.hide_hurt_panel()

    def show_pain_question(self, question: str) -> None:
        assert self.checkin is not None
        self.checkin.reset(question)

    def show_result(self, result: SessionResult) -> None:
        self._offer_reminders = result.completed
        self.end_view.show_result(
            result.completed, result.done, result.skipped, result.minutes, result.next_steps
        )

    def set_next_steps(self, text: str) -> None:
        self.end_view.next_steps.setText(text)

    def question_open(self, is_open: bool) -> None:
        self.voice.set_question_open(is_open)

    def on_answer(self, index: int, answer: str) -> None:
        self.answer_recorded.emit(index, answer)

    def on_hurt(self, exercise_id: str, choice: str) -> None:
        self.hurt_recorded.emit(exercise_id, choice)

    # ------------------------------------------------------------------ set-up
    def _setting(self, key: str, default: Any) -> Any:
        return self.session.setting(key, default)

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
        s = self.session
        if self._showing(self.history_view):
            if name == "stop":
                self.show_start()
            return
        if self.stack.currentWidget() is self.start_view:
            self.open_store_now()  # a key on the first frame: the resume offer, the doses
            if name in ("enter", "toggle"):
                self.start_session(self.start_view.program_id())
            elif name == "resume" and s.resume_info is not None:
                self.resume_session()
            elif name == "undo":
                s.undo_dose_changes()
            return
        if self._showing(self._end_view):
            if name in ("enter", "toggle"):
                self.show_start()
            elif name == "undo":
                s.undo_dose_changes()
            elif name == "add":
                s.add_offered_exercise()
            elif name in ("yes", "no") and self.reminder_offer is not None:
                self.reminder_offer.answer_key(name == "yes")  # type: ignore[attr-defined]
            return
        if not self._showing(self._player) or s.controller is None:
            return
        if s.hurt_choices_open:
            if name in ("skip", "easier", "end", "continue"):
                s.choose_after_hurt(name)
            elif name == "resume" and self.player.hurt_buttons["remove"].isVisible():
                s.choose_after_hurt("remove")  # R: take it out of the program
            elif name == "toggle":
                s.choose_after_hurt("continue")
            return
        if name == "hurt":
            s.it_hurts()
        elif name in ("yes", "no") and s.controller.current.kind is Kind.CHECK:
            s.answer(name == "yes")
        elif name in ("toggle", "next", "back", "stop", "enter"):
            s.command("toggle" if name == "enter" else name)

    # ------------------------------------------------------------------ other screens
    def _speech_notice(self, text: str) -> None:
        if not text:  # the voice is back
            self.notice_board.remove("voice")
            return
        self.add_notice(text, "voice")  # why there is no voice: one notice, kept up to date

    def show_safety(self, then: Callable[[], None] | None = None) -> None:
        """The safety notice (first run, and the Help menu); ``then`` runs once it is read."""
        if self.safety_dialog is not None and self.safety_dialog.isVisible():
            if then is not None:  # already on screen (asked for twice): read once
                self.safety_dialog.accepted.connect(then)
            return
        dialog, self._safety_made = self._safety_made, None
        if dialog is None or self._safety_scale != self._text_scale():
            dialog = self._make_safety_dialog()
        self.safety_dialog = dialog
        if then is not None:
            dialog.accepted.connect(then)
        dialog.open()

    def _make_safety_dialog(self) -> Any:
        """The safety notice, not shown yet (a first run makes it in an idle slice after
        the first frame: 10-20 ms, most of showing it)."""
        from .safety_notice import SafetyNotice

        scale = self._safety_scale = self._text_scale()
        dialog = SafetyNotice(self.catalog, self, scale)
        dialog.setStyleSheet(self.styleSheet())
        # large text, but a dozen lines at least: the words scroll, never a word a line
        lines = max(20, dialog.height() // 14)
        dialog.text.setStyleSheet(f"font-size: {min(round(38 * scale), lines)}px;")
        dialog.ok_button.setStyleSheet(
            f"font-size: {min(round(24 * scale), 36)}px; min-height: {min(round(44 * scale), 60)}px;"
        )
        dialog.accepted.connect(self._safety_seen)
        return dialog

    def _safety_seen(self) -> None:
        self.safety_first = False
        if self.settings is not None:
            with contextlib.suppress(Exception):
                self.settings.set("safety.notice_seen", True)
            self.save_settings()

    def save_settings(self) -> bool:
        """Write settings.json; a failure, or hand edits merged, is said on screen."""
        from ..settings import SettingError

        try:
            self.settings.save()
        except (OSError, SettingError) as exc:
            self.add_notice(f"Your settings were not saved: {exc}")
            return False
        if getattr(self.settings, "last_save_notice", None):
            self.add_notice(self.settings.last_save_notice)
        return True

    def open_settings(self) -> None:
        try:
            from .settings_dialog import SettingsDialog
        except ImportError:
            return
        if self.settings is None:
            return
        self.session.pause_for("settings")
        dialog = SettingsDialog(
            self.settings,
            self.catalog,
            self.session.program_id,
            speak=self._speak_sample,
            parent=self,
            voices=[(v, self.voice_names.get(v, v)) for v in self.voice_ids],
            data_dir=self.data_dir,
            speech=self.speech,
        )
        dialog.saved.connect(self._settings_saved)
        dialog.enrolment_running.connect(self.voice.hold)  # the enrolment has the microphone
        self.settings_dialog = dialog
        dialog.open()

    def _list_voices(self) -> None:
        """Ask the speech engine for its voices off the UI thread (a worker round trip)."""
        synth = getattr(self.speech, "synth", None)
        if synth is None or not hasattr(synth, "voices"):
            return

        def fetch() -> None:
            with contextlib.suppress(Exception):  # no voices: the box takes a typed id
                found = synth.voices()
                self.voice_names = {v.id: v.name for v in found}
                self.voice_ids = [v.id for v in found]

        threading.Thread(target=fetch, name="list-voices", daemon=True).start()

    def _speak_sample(self, text: str) -> None:
        self.speech.say(text, "sample")

    def _settings_saved(self) -> None:
        if getattr(self.settings, "last_save_notice", None):
            self.add_notice(self.settings.last_save_notice)
        self.apply_display_settings()
        self.show_week()
        self.session.settings_saved()

    def open_history(self) -> None:
        self.open_store_now()
        if self.store is None:
            self.add_notice("History is not available: progress is not being saved.")
            return
        if self.session.is_running():
            return  # not in the middle of an exercise
        from .history_view import HistoryView

        if self.history_view is None:
            self.history_view = HistoryView(self.store, esc_shortcut=False)
            self.history_view.back_requested.connect(self.show_start)
            self._fit_screen(self.history_view)
            if hasattr(self.history_view, "set_colours"):
                t = self.theme
                self.history_view.set_colours(t.background, t.text, t.ring_track)
                self.history_view.set_text_scale(self._text_scale())
            self.stack.addWidget(self.history_view)
        else:
            self.history_view.refresh()
        self.stack.setCurrentWidget(self.history_view)

    def closeEvent(self, event) -> None:
        self.stop_voice_commands()
        self.session.flush_progress()
        super().closeEvent(event)

    def show_sized(self) -> None:
        """Show the window inside the screen: maximised on a laptop-sized screen, else
        about two thirds of it (never less than 1280×800 where that fits)."""
        screen = self.screen()
        avail = screen.availableGeometry() if screen is not None else None
        if avail is None or avail.width() <= 1366 or avail.height() <= 820:
            self.showMaximized()
            return
        w = min(avail.width() - 40, max(1280, avail.width() * 2 // 3))
        h = min(avail.height() - 80, max(800, avail.height() * 2 // 3))
        self.resize(w, h)
        self.show()

    def toggle_fullscreen(self) -> None:
        self.showNormal() if self.isFullScreen() else self.showFullScreen()

    def toggle_contrast(self) -> None:
        if self.settings is not None:
            with contextlib.suppress(Exception):
                self.settings.set(
                    "display.high_contrast", not self._setting("display.high_contrast", False)
                )
            self.save_settings()
        else:
            self._contrast = not getattr(self, "_contrast", False)
        self.apply_display_settings()

    def _text_scale(self) -> float:
        try:
            return float(self._setting("display.text_scale", 1.0))
        except (TypeError, ValueError):
            return 1.0

    def apply_display_settings(self) -> None:
        high = self._setting("display.high_contrast", getattr(self, "_contrast", False))
        scale = self._text_scale()
        self.theme = theme_for(bool(high))
        sheet = self.theme.stylesheet(scale)
        if sheet != self.styleSheet():  # the same sheet again would restyle every child
            self.setStyleSheet(sheet)
        if self._player is not None:
            self._player.ring.theme = self.theme
            self._player.set_text_scale(scale)
        for fit in self._screen_fits:
            fit.set_scale(scale)
        if self.history_view is not None and hasattr(self.history_view, "set_colours"):
            t = self.theme
            self.history_view.set_colours(t.background, t.text, t.ring_track)
            self.history_view.set_text_scale(scale)  # type: ignore[attr-defined]
        self.act_contrast.setChecked(bool(high))


def _low_priority() -> object:
    try:
        from ..voice.service import Priority

        return Priority.LOW
    except ImportError:
        return None
