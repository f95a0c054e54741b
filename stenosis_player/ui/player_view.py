"""The player screen: what to do now, readable from the mat (2 m from a 13-inch laptop).

At 1280×800 and the default text size: the step's short cue in capitals at least 50 px
tall and its full sentence under it at least 32 px, the countdown digits at least 150 px,
rep/set/side at least 40 px, the phase and "next" lines at least 30 px (see
``DESIGN_PX``: font pixel sizes, whose capitals are about 0.73 of them). The screen fits
itself to the window (``refit``): larger text wraps, drops the caption and the picture,
and gets smaller only where nothing else helps. "It hurts" is always on screen.

One panel at a time takes the middle: the exercise (cue, sentence, picture, countdown),
the question (with its seconds left), the "It hurts" choices, or the stop question.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from ..catalog import Catalog
from ..resources import assets_dir
from ..script import Kind, Script, Segment, mmss
from .fit import best_factor_steps, content_key, layout_fits
from .notices import NoticeArea
from .plain import plain_label
from .widgets import CountdownRing, ExerciseImage

PHASE_WORDS = {
    Kind.INTRO: "Get ready",
    Kind.GET_READY: "Get into position",
    Kind.MOVE: "Move",
    Kind.HOLD: "Hold",
    Kind.RELEASE: "Release",
    Kind.TIMED: "Keep going",
    Kind.REST: "Rest",
    Kind.SWITCH_SIDE: "Switch sides",
    Kind.CHECK: "Question",
    Kind.DONE: "Done",
}

# font pixel sizes at the default text size, when the window has room for them
DESIGN_PX = {
    "title": 44,
    "phase": 42,
    "where": 56,
    "cue": 72,
    "sentence": 46,
    "question": 58,
    "next": 42,
    "caption": 30,
    "notice": 30,
    "paused": 42,
    "mic": 28,
    "button": 28,
    "hurt": 34,
    "choice": 34,
    "answer": 46,
}
# Above the default size, how much of the extra each role gets: larger text is for what to
# do now (cue, count, rep, It hurts, the choices); the exercise name, the next exercise, the
# phase word and the ordinary buttons grow less, so on a laptop screen the text size
# reaches the words that matter instead of being spent on the edges (or shrinking them all).
GROWTH = {"title": 0.5, "phase": 0.3, "next": 0.3, "notice": 0.3, "mic": 0.5, "button": 0.5}
SESSION_NOTICES = ("session", "voice", "microphone")  # notice keys the player shows
RING_DESIGN_SIDE = 370  # the countdown's least side: digits ~155 px tall; it grows with room
# above the default text size its least side gives way by f**-this: at 1/f, two notices on a
# 1366x768 laptop left no larger size that fit (the cue stayed at x1's size at x2)
RING_GIVES_WAY = 2.0
SHORT_CUE = 28  # a sentence this short is its own cue
# the steps before a position, whose picture goes beside the words on a landscape screen
# (wider than this times its height), under a countdown of this least side at x1
PICTURE_BESIDE_KINDS = frozenset({Kind.INTRO, Kind.GET_READY, Kind.SWITCH_SIDE})
PICTURE_BESIDE_ASPECT = 1.2
RING_BESIDE_PICTURE_SIDE = 180
PICTURE_BESIDE_COLUMNS = (2, 1)  # the words' and the picture's shares of the width
PICTURE_BESIDE_SHARE = 0.35  # of the player's height, the least the picture beside is given
# a picture smaller than this (px, or share of the screen's height) helps no one on the mat
MIN_PICTURE_PX = 140
MIN_PICTURE_SHARE = 0.2
FIT_MEMORY = 256  # step shapes remembered (a session has a few dozen)
_DIGIT = re.compile(r"\d")


def role_factor(role: str, f: float) -> float:
    """The text factor of ``role`` when the screen's factor is ``f`` (see ``GROWTH``)."""
    return f if f <= 1.0 else 1.0 + (f - 1.0) * GROWTH.get(role, 1.0)


def big_button(text: str, name: str = "", tip: str = "") -> QPushButton:
    b = QPushButton(text)
    if name:
        b.setObjectName(name)
    b.setToolTip(tip)
    b.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # keys go to the window's shortcuts
    return b


def segment_cue(seg: Segment) -> str:
    """The short cue shown large: the step's own (the catalogue's), else a short sentence
    is its own cue, else the phase word ("Move", "Release"); the full sentence follows it."""
    own = getattr(seg, "cue", "") or ""
    if own:
        return own
    if len(seg.show) <= SHORT_CUE:
        return seg.show
    return PHASE_WORDS.get(seg.kind, "")


def _words(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


class PlayerView(QWidget):
    toggle_requested = Signal()
    next_requested = Signal()
    back_requested = Signal()
    stop_requested = Signal()
    hurt_requested = Signal()
    answered = Signal(bool)
    hurt_choice = Signal(str)  # skip / easier / remove / end / continue

    def __init__(self, catalog: Catalog, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.catalog = catalog
        self.script: Script | None = None
        self.segment: Segment | None = None
        self._hurt_open = self._stop_open = self._paused = self._resuming = False
        self._phase_word, self._phase_wanted = "", False  # the step's corner word
        self._caption_gave_way = False  # to the picture beside the words, for this step
        self._notice_items: list[tuple[str, str]] = []
        self.scale = 1.0  # the user's text size
        self.factor = 1.0  # what fits: at most the user's text size
        self._fitting = False
        self._fit_key: tuple | None = None
        self._last_fit: float | None = None
        self._fit_size: tuple[int, int] | None = None
        self._new_step = False  # a new segment or panel: try one size larger again
        #: new steps' fits by their shape (``_fit_shape``): the next step of the same shape
        #: starts its search there. False: every new step searches from the full size.
        self.remember_fits = True
        self._fit_memory: dict[tuple, float] = {}
        self._prefitting = False
        self._roles: list[tuple[QWidget, str]] = []
        self.setMinimumSize(1, 1)  # the window never grows for this screen: it refits

        self.title = self._label("title", "title", wrap=True)
        self.phase = self._label("muted", "phase")
        self.where = self._label("where", "where", wrap=True)
        # headlines: each full notice, read once, took two lines a screen needs for the step
        self.notices = NoticeArea(limit=2, brief=True)
        self._roles.append((self.notices, "notice"))
        # voice commands: a microphone symbol while listening, and the last command heard
        self.mic = QLabel(objectName="where")  # rich text: our own icon, escaped words
        self.mic.setAccessibleName("Voice commands")
        self.mic.setProperty("allowRichText", True)
        self.mic.hide()
        self._roles.append((self.mic, "mic"))
        self.paused_banner = self._label("where", "paused", "Paused — press Space to go on")
        self.paused_banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.paused_banner.hide()

        # the exercise panel: cue, sentence and picture on the left, the countdown right
        self.cue = self._label("instruction", "cue", wrap=True)
        self.instruction = self._label("instruction", "sentence", wrap=True)
        self.image = ExerciseImage()
        self.image.setMinimumSize(0, 0)
        self.ring = CountdownRing()
        self.exercise_panel = QWidget()
        self._left = QVBoxLayout()
        self._left.setContentsMargins(0, 0, 0, 0)
        self._left.addWidget(self.cue)
        self._left.addWidget(self.instruction)
        self._left.addWidget(self.image, 1)
        self._left.addStretch(0)  # the words at the top when the picture is beside them
        # the right column: the countdown; before a position, the picture under a smaller one
        self._right = QVBoxLayout()
        self._right.setContentsMargins(0, 0, 0, 0)
        self._right.addWidget(self.ring, 1)
        self.picture_beside = False
        self._columns = QHBoxLayout(self.exercise_panel)
        self._columns.setContentsMargins(0, 0, 0, 0)
        self._columns.addLayout(self._left, 3)
        self._columns.addLayout(self._right, 2)

        # the question panel (check segments): the question, its seconds left, Yes / No
        self.question = self._label("instruction", "question", wrap=True)
        self.question_left = self._label("where", "next", wrap=True)
        self.yes_btn = self._button("Yes (Y)", "answer", "primary")
        self.no_btn = self._button("No (N)", "answer")
        self.yes_btn.clicked.connect(lambda: self.answered.emit(True))
        self.no_btn.clicked.connect(lambda: self.answered.emit(False))
        self.question_panel = QWidget()
        qp = QVBoxLayout(self.question_panel)
        qp.setContentsMargins(0, 0, 0, 0)
        qp.addWidget(self.question)
        qp.addWidget(self.question_left)
        answers = QHBoxLayout()
        answers.addWidget(self.yes_btn)
        answers.addWidget(self.no_btn)
        qp.addLayout(answers)
        qp.addStretch(1)
        self.question_panel.hide()

        # the "It hurts" panel: the choices, large, and nothing saying "press Space"
        self.hurt_panel = QWidget()
        hp = QVBoxLayout(self.hurt_panel)
        hp.setContentsMargins(0, 0, 0, 0)
        self.hurt_title = self._label("where", "question", "Stop. What would you like to do?")
        self.hurt_title.setWordWrap(True)
        hp.addWidget(self.hurt_title)
        self.hurt_grid = QGridLayout()
        self.hurt_buttons: dict[str, QPushButton] = {}
        for key, text in [
            ("remove", "Take it out of my program (R)"),
            ("skip", "Skip this exercise (S)"),
            ("easier", "Try the easier version (E)"),
            ("end", "End the session (X)"),
            ("continue", "Go on (C)"),
        ]:
            b = self._button(text, "choice", "primary" if key == "skip" else "")
            b.clicked.connect(lambda _=False, k=key: self.hurt_choice.emit(k))
            self.hurt_buttons[key] = b
            self.hurt_grid.addWidget(b, len(self.hurt_buttons) // 2, len(self.hurt_buttons) % 2)
        self._hurt_shown = ["skip", "easier", "end", "continue"]
        hp.addLayout(self.hurt_grid)
        hp.addStretch(1)
        self.hurt_panel.hide()

        # the stop question: stop, or go on
        self.stop_panel = QWidget()
        sp = QVBoxLayout(self.stop_panel)
        sp.setContentsMargins(0, 0, 0, 0)
        self.stop_title = self._label(
            "where", "question", "Stop the session? Press Esc again to stop, Space to go on."
        )
        self.stop_title.setWordWrap(True)
        self.stop_yes = self._button("Stop (Esc)", "answer")
        self.stop_no = self._button("Go on (Space)", "answer", "primary")
        self.stop_yes.clicked.connect(self.stop_requested)
        self.stop_no.clicked.connect(self.toggle_requested)
        sp.addWidget(self.stop_title)
        stop_row = QHBoxLayout()
        stop_row.addWidget(self.stop_no)
        stop_row.addWidget(self.stop_yes)
        sp.addLayout(stop_row)
        sp.addStretch(1)
        self.stop_panel.hide()

        self.caption = self._label("caption", "caption", wrap=True)
        self.caption.setAccessibleName("What the voice is saying")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.next_label = self._label("muted", "next", wrap=True)
        self.time_left = self._label("muted", "next")

        self.toggle_btn = self._button("Pause", "button", "primary", "Space")
        self.back_btn = self._button("◀ Back", "button", tip="Left arrow: repeat")
        self.next_btn = self._button("Next ▶", "button", tip="Right arrow")
        self.stop_btn = self._button("Stop", "button", tip="Esc")
        self.hurt_btn = self._button("It hurts (H)", "hurt", "hurt", "H: stop and choose")
        self.toggle_btn.clicked.connect(self.toggle_requested)
        self.back_btn.clicked.connect(self.back_requested)
        self.next_btn.clicked.connect(self.next_requested)
        self.stop_btn.clicked.connect(self.stop_requested)
        self.hurt_btn.clicked.connect(self.hurt_requested)

        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.phase, 0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        bottom = QHBoxLayout()
        bottom.addWidget(self.next_label, 1)
        bottom.addWidget(self.time_left, 0, Qt.AlignmentFlag.AlignRight)
        controls = QHBoxLayout()
        for b in (self.toggle_btn, self.back_btn, self.next_btn, self.stop_btn):
            controls.addWidget(b)
        controls.addStretch(1)
        controls.addWidget(self.hurt_btn)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 10, 20, 10)
        layout.setSpacing(6)
        layout.addLayout(top)
        # its own row: with what to say in it, it would squeeze the exercise name
        layout.addWidget(self.mic, 0, Qt.AlignmentFlag.AlignRight)
        layout.addWidget(self.notices)
        layout.addWidget(self.where)
        layout.addWidget(self.paused_banner)
        layout.addWidget(self.exercise_panel, 1)
        layout.addWidget(self.question_panel, 1)
        layout.addWidget(self.hurt_panel, 1)
        layout.addWidget(self.stop_panel, 1)
        layout.addWidget(self.caption)
        layout.addLayout(bottom)
        layout.addWidget(self.progress)
        layout.addLayout(controls)
        self._arrange_hurt_buttons()

    def _label(self, name: str, role: str, text: str = "", wrap: bool = False) -> QLabel:
        label = plain_label(text, name)
        label.setWordWrap(wrap)
        self._roles.append((label, role))
        return label

    def _button(self, text: str, role: str, name: str = "", tip: str = "") -> QPushButton:
        b = big_button(text, name, tip)
        self._roles.append((b, role))
        return b

    # ------------------------------------------------------------------ fitting
    def set_text_scale(self, scale: float) -> None:
        self.scale = scale
        self._last_fit = None
        self.refit()

    def _apply(self, f: float) -> None:
        for widget, role in self._roles:
            px = max(9, round(DESIGN_PX[role] * role_factor(role, f)))
            if widget.property("fitPx") == px:
                continue
            widget.setProperty("fitPx", px)
            if isinstance(widget, QPushButton):
                pad = max(4, round(px * 0.3))
                widget.setStyleSheet(
                    f"font-size: {px}px; padding: {pad // 2}px {pad}px; min-height: {round(px * 1.3)}px;"
                )
            elif widget is self.notices:
                widget.setStyleSheet(f"QLabel {{ font-size: {px}px; }}")
            else:
                widget.setStyleSheet(f"font-size: {px}px;")
        # the ring fills the room it is given; above the default size its least side gives
        # way to the words (at its least side its digits may then be smaller than the cue's)
        design = RING_BESIDE_PICTURE_SIDE if self.picture_beside else RING_DESIGN_SIDE
        side = max(120, round(design * (f if f <= 1.0 else f**-RING_GIVES_WAY)))
        self.ring.setMinimumSize(side, side)
        self.factor = f

    def refit(self) -> None:
        """Choose the largest text (at most the user's) that fits; the caption goes first.
        A hidden screen waits for its showEvent: a fit is 10-40 ms of layout, and at a
        session's start the plan, the notices and the first step each used to ask for one."""
        for _ in self._fit_steps():
            pass

    def _fit_steps(self) -> Iterator[None]:
        """:meth:`refit`, pausing after each layout try (see ``prefit_steps``)."""
        if self._fitting or self.width() < 2 or not (self.isVisible() or self._prefitting):
            return
        # where the picture is changes the layout but no text or visibility: part of the key
        key = (self.scale, self.picture_beside, content_key(self))
        if key == self._fit_key:
            return
        self._fitting = True
        try:
            self.caption.setVisible(self._caption_wanted())
            seg = self.segment
            if self.picture_beside and seg is not None and seg.kind is Kind.INTRO:
                # the introduction's words are its caution: beside the picture only if they
                # keep the user's size there (at x2.5 the caution shrank 77 -> 68 px)
                self.caption.hide()
                self._apply(self.scale)
                if not layout_fits(self):
                    self._place_picture(beside=False)
                self.caption.setVisible(self._caption_wanted())
                yield  # that was a layout try: the fit's own tries in the next turns
            # the same size and only a caption or a notice changed: keep the fit, no climb
            same_size = self._fit_size == (self.width(), self.height()) and not self._new_step
            self._new_step = False
            last = self._last_fit
            shape = None if same_size or not self.remember_fits else self._fit_shape()
            known = self._fit_memory.get(shape) if shape is not None else None
            if known is not None and known < self.scale:
                # a step of this shape was fitted smaller before (a rep, a set, a side
                # again): its answer, not the search from the full size (at x2 text, 10
                # tries and 18 ms of CPU a step, measured)
                self.caption.hide()
                yield
                yield from self._picture_gives_way()
                # its search found this size the largest that fits; digits have one width in
                # UI fonts, so a try that it still fits will do (else: the search again)
                self._apply(known)
                if not layout_fits(self):
                    yield
                    yield from best_factor_steps(
                        self._apply, lambda: layout_fits(self), self.scale, known, climb=True
                    )
            else:
                if last is None or last >= self.scale or not same_size:
                    self._apply(self.scale)
                    if layout_fits(self):
                        last = None
                # (a second look: the first one after new styles can be wrong; kept as it was)
                if last is not None or not layout_fits(self):
                    self.caption.hide()  # the voice says it; the cue and sentence show it
                    yield
                    yield from self._picture_gives_way()
                    yield from best_factor_steps(
                        self._apply,
                        lambda: layout_fits(self),
                        self.scale,
                        last,
                        climb=not same_size,
                    )
            if shape is not None:
                if len(self._fit_memory) >= FIT_MEMORY:
                    self._fit_memory.clear()
                self._fit_memory[shape] = self.factor
            self._last_fit = self.factor
            self._fit_size = (self.width(), self.height())
            layout_fits(self)  # drop the sizes cached during the tries
            self.layout().activate()
            self._sentence_gives_way_to_the_picture()
        finally:
            self._fitting = False
            # a window closed mid-fit leaves the fit's generator to be collected later
            if isValid(self):
                self._fit_key = (self.scale, self.picture_beside, content_key(self))

    def _picture_gives_way(self) -> Iterator[None]:
        """Beside the words the picture's least height is there to make the caption give
        way; when the words do not fit at the user's size even without the caption, the
        picture takes what is left instead (its least height had shrunk every word on the
        screen at a side switch with two notices up)."""
        if self.picture_beside and self.image.minimumHeight() > 0:
            self._apply(self.scale)
            if not layout_fits(self):
                self.image.setMinimumHeight(0)
                self._caption_gave_way = True  # and later refits of the step keep it so
            yield

    def _sentence_gives_way_to_the_picture(self) -> None:
        """A later rep's full sentence (shown, no longer said: the voice says the cue) goes
        when the picture would be too small to help: at x2 on a 1366x768 laptop the move's
        sentence left the picture no room at all. The text keeps its size: a line less
        still fits, so this is no new fit (the fit's key is taken after it), only a layout."""
        seg = self.segment
        if (
            seg is None
            or not self.image.isVisibleTo(self)
            or not self.instruction.isVisibleTo(self)
            or not self.cue.isVisibleTo(self)
            or _words(seg.show) in _words(seg.say)  # the sentence is what the voice says
            or self.image.height() >= max(MIN_PICTURE_PX, MIN_PICTURE_SHARE * self.height())
        ):
            return
        self.instruction.hide()  # laid out at the next turn, its own piece (3 ms, 6 at most, x2.5)

    def _fit_shape(self) -> tuple:
        """What a new step's fit depends on (:func:`content_key`: the size, what is shown
        and its text, plus the text size), with every digit as 0: "Rep 3 of 10" and "Rep
        4 of 10" are fitted alike."""
        parts = content_key(self)
        digitless = (_DIGIT.sub("0", p) if isinstance(p, str) else p for p in parts)
        return (self.scale, self.picture_beside, *digitless)

    def prefit(self, seg: Segment, size: tuple[int, int]) -> None:
        """Fit, while hidden, to ``seg`` at ``size`` (the stack's): the styles and sizes
        of a session's first step are then made on the start screen, and showing the
        player at the start finds its fit all but done (a few ms instead of tens)."""
        for _ in self.prefit_steps(seg, size):
            pass

    def prefit_steps(self, seg: Segment, size: tuple[int, int]) -> Iterator[None]:
        """:meth:`prefit` one layout try at a time (each a few ms; the whole fit is 20-30
        ms of CPU, more than a frame), for the caller to run one per event-loop turn.
        Shown meanwhile (a session started), it stops and the player fits at once."""
        self.resize(*size)
        self.show_segment(seg)
        yield  # the step's text set (2-3 ms), the styles and tries in the next turns
        if self.isVisible():
            return  # shown meanwhile: its showEvent fitted it
        self._prefitting = True
        steps = self._fit_steps()
        try:
            for _ in steps:
                yield
                if self.isVisible():
                    break
        finally:
            self._prefitting = False
            if isValid(self) and self.isVisible():
                steps.close()
                self._fit_key = None  # what the tries left is no fit: fit what is shown
                self.refit()

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        # a new text or a line shown or hidden reaches this screen as a layout request
        if event.type() == QEvent.Type.LayoutRequest:
            self.refit()
        return handled

    def _caption_wanted(self) -> bool:
        """Whether a fit starts with the caption shown: it says something the screen does
        not, and has not given way to the picture beside the words in this step."""
        return self._caption_adds_something() and not self._caption_gave_way

    def _caption_adds_something(self) -> bool:
        """The caption is what the voice says; when the screen already shows those words
        (a question, a short step) it would only repeat them."""
        said = _words(self.caption.text())
        if not said:
            return False
        shown = "".join(
            _words(label.text())
            for label in (self.cue, self.instruction, self.question, self.hurt_title)
            if label.isVisibleTo(self)
        )
        return said not in shown

    def _place_picture(self, beside: bool | None = None) -> None:
        """Before a position (the introduction, get ready, switch sides) the picture shows
        how to start, so on a landscape screen it goes beside the words, under a smaller
        countdown: under the caution's lines it had 110-165 px of a 1280x800 laptop. In the
        reps it stays under the cue, the countdown large beside them."""
        seg = self.segment
        if beside is None:
            beside = (
                seg is not None
                and seg.kind in PICTURE_BESIDE_KINDS
                and self.width() >= PICTURE_BESIDE_ASPECT * self.height()
            )
        # an empty right column keeps its share of the width unless its stretch goes
        used = (seg is not None and seg.countdown) or (beside and self.image.isVisibleTo(self))
        words, right = PICTURE_BESIDE_COLUMNS if beside else (3, 2)
        self._columns.setStretchFactor(self._left, words)
        self._columns.setStretchFactor(self._right, right if used else 0)
        # beside, it keeps a share of the height: the fit then drops the caption (the voice
        # says it) before the picture, which had shrunk to 150 px under it
        self.image.setMinimumHeight(round(PICTURE_BESIDE_SHARE * self.height()) if beside else 0)
        self._caption_gave_way = False
        if beside == self.picture_beside:
            return
        self.picture_beside = beside
        (self._left if beside else self._right).removeWidget(self.image)
        if beside:
            self._right.addWidget(self.image, 2)
        else:
            self._left.insertWidget(2, self.image, 1)
        self._apply(self.factor)  # the ring's least side for this place

    def resizeEvent(self, event) -> None:
        self._place_picture()
        super().resizeEvent(event)
        self.refit()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.refit()

    # ------------------------------------------------------------------ updates
    def set_script(self, script: Script) -> None:
        self.script = script

    def show_segment(self, seg: Segment) -> None:
        self.segment = seg
        self.title.setText(seg.exercise_name or "Session complete")
        label = seg.progress_label()
        self.where.setText(label)
        self.where.setVisible(bool(label))
        cue = segment_cue(seg)
        phase = PHASE_WORDS.get(seg.kind, "")
        self._phase_word = phase
        self._phase_wanted = cue.lower() != phase.lower()  # else the cue says it already
        self.cue.setText(cue)
        self.cue.setVisible(bool(cue))
        self.instruction.setText(seg.show)  # the full sentence, unless the cue is all of it
        self.instruction.setVisible(bool(seg.show) and _words(seg.show) != _words(cue))
        ex = self.catalog.exercises.get(seg.exercise_id or "")
        img = ex.image_for(seg.image or "start", seg.modification) if ex and seg.image else None
        self.image.set_image(img.path if img else None, img.alt if img else "")
        if seg.countdown:
            self.ring.set_time(seg.duration, seg.duration)
        else:
            self.ring.clear()
        self.ring.setVisible(seg.countdown)  # the instruction gets the room when there is none
        self._place_picture()
        self.question.setText(seg.question or seg.show if seg.kind is Kind.CHECK else "")
        self._set_question_left(seg.duration if seg.kind is Kind.CHECK else 0)
        self.next_label.setText(self._next_text(seg))
        self._show_panel()

    def set_countdown(self, seg: Segment, left: int) -> None:
        if seg.kind is Kind.CHECK:
            self._set_question_left(left)
        elif seg.countdown:
            self.ring.set_time(left, seg.duration)

    def _set_question_left(self, left: float) -> None:
        secs = round(left)
        self.question_left.setText(
            f"{secs} second{'s' if secs != 1 else ''} to answer. No answer: asked again next time."
            if secs > 0
            else ""
        )

    def set_time_left(self, elapsed: float, total: float) -> None:
        value = round(1000 * elapsed / total) if total else 0
        bar = self.progress
        if value != bar.value():
            # QProgressBar.setValue repaints at once when the bar moves a pixel (2-3 ms on
            # this styled screen, twice a step): with updates off it joins the next frame
            bar.setUpdatesEnabled(False)
            bar.setValue(value)
            bar.setUpdatesEnabled(True)  # asks for that frame
        self.time_left.setText(f"{mmss(max(0.0, total - elapsed))} left")

    def set_caption(self, text: str) -> None:
        if text != self.caption.text():
            self.caption.setText(text)
            self.refit()

    def set_notices(self, items: list[tuple[str, str]]) -> None:
        """The notices about this session (the start screen keeps all the others)."""
        mine = [(k, t) for k, t in items if k in SESSION_NOTICES]
        if mine != self._notice_items:
            # a notice gone mid-step leaves room: fit again from the user's size (as a
            # caption's change does not: the step's text would grow and shrink with the voice)
            self._notice_items = mine
            self._new_step = True
        self.notices.set_items(mine)
        self.refit()

    def set_listening(self, listening: bool, last_heard: str = "", hint: str = "") -> None:
        """The microphone symbol: what was heard last, or until then *hint* (what to say)."""
        heard = f" · heard “{last_heard}”" if last_heard else (f" · {hint}" if hint else "")
        # our own SVG: an emoji microphone is a blank box where no emoji font is installed
        icon = assets_dir() / "microphone.svg"
        size = self.mic.fontMetrics().height()
        symbol = (
            f'<img src="{icon.as_uri()}" width="{size}" height="{size}">' if icon.is_file() else ""
        )
        self.mic.setText(f"{symbol} listening{html.escape(heard)}")
        if self.mic.isVisibleTo(self) != listening:
            self.mic.setVisible(listening)
            self.refit()

    def set_paused(self, paused: bool, resuming: bool = False) -> None:
        self.toggle_btn.setText("Go on" if paused else "Pause")
        self.paused_banner.setText(
            "Get ready — continuing in a moment" if resuming else "Paused — press Space to go on"
        )
        self._paused = paused or resuming
        self._resuming = resuming
        self._show_panel()

    def show_stop_question(self, shown: bool) -> None:
        self._stop_open = shown
        self._show_panel()

    def show_hurt_panel(self, easier_available: bool, suggest_removal: bool = False) -> None:
        self._hurt_shown = [
            key
            for key in self.hurt_buttons
            if (key != "easier" or easier_available) and (key != "remove" or suggest_removal)
        ]
        self.hurt_title.setText(
            "This exercise hurt twice in a row. Take it out of your program?"
            if suggest_removal
            else "Stop. What would you like to do?"
        )
        self._arrange_hurt_buttons()
        self._hurt_open = True
        self._stop_open = False
        self._show_panel()

    def hide_hurt_panel(self) -> None:
        self._hurt_open = False
        self._show_panel()

    def _arrange_hurt_buttons(self) -> None:
        """The offered choices in two columns, in reading order (a lone last one spans)."""
        for b in self.hurt_buttons.values():
            self.hurt_grid.removeWidget(b)
        for key, b in self.hurt_buttons.items():
            b.setVisible(key in self._hurt_shown)
        shown = [self.hurt_buttons[k] for k in self.hurt_buttons if k in self._hurt_shown]
        for i, b in enumerate(shown):
            last_alone = i == len(shown) - 1 and i % 2 == 0
            self.hurt_grid.addWidget(b, i // 2, i % 2, 1, 2 if last_alone else 1)

    def _show_panel(self) -> None:
        """One panel in the middle: It hurts, the stop question, the question or the exercise."""
        self._new_step = True
        hurt = self._hurt_open
        stop = self._stop_open and not hurt
        question = (
            not hurt and not stop and self.segment is not None and self.segment.kind is Kind.CHECK
        )
        self.hurt_panel.setVisible(hurt)
        self.stop_panel.setVisible(stop)
        self.question_panel.setVisible(question)
        self.exercise_panel.setVisible(not (hurt or stop or question))
        # the corner word is what to do now: with the choices open it is not "Hold"
        paused = self._paused
        word = "Get ready" if self._resuming else "Paused" if paused else self._phase_word
        self.phase.setText(word)
        self.phase.setVisible(not (hurt or stop) and (paused or self._phase_wanted))
        # "press Space to go on" only where Space does go on
        self.paused_banner.setVisible(paused and not (hurt or stop))
        self.refit()

    def _next_text(self, seg: Segment) -> str:
        if self.script is None:
            return ""
        for later in self.script.segments[seg.index + 1 :]:
            if later.exercise_id != seg.exercise_id:
                return f"Next: {later.exercise_name}" if later.exercise_name else "Next: finish"
        return "Next: finish"
