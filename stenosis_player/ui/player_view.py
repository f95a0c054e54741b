"""The player screen: what to do now, readable from the mat."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ..catalog import Catalog
from ..resources import assets_dir
from ..script import Kind, Script, Segment, mmss
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


def big_button(text: str, name: str = "", tip: str = "") -> QPushButton:
    b = QPushButton(text)
    if name:
        b.setObjectName(name)
    b.setToolTip(tip)
    b.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # keys go to the window's shortcuts
    return b


class PlayerView(QWidget):
    toggle_requested = Signal()
    next_requested = Signal()
    back_requested = Signal()
    stop_requested = Signal()
    hurt_requested = Signal()
    answered = Signal(bool)
    hurt_choice = Signal(str)  # skip / easier / end / continue

    def __init__(self, catalog: Catalog, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.catalog = catalog
        self.script: Script | None = None
        self.segment: Segment | None = None

        self.title = QLabel(objectName="title")
        self.title.setWordWrap(True)
        self.where = QLabel(objectName="where")
        self.phase = QLabel(objectName="muted")
        self.image = ExerciseImage()
        self.instruction = QLabel(objectName="instruction")
        self.instruction.setWordWrap(True)
        self.instruction.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.instruction.setSizePolicy(
            QSizePolicy.Policy.Preferred, QSizePolicy.Policy.MinimumExpanding
        )
        self.ring = CountdownRing()
        self.caption = QLabel(objectName="caption")
        self.caption.setWordWrap(True)
        self.caption.setAccessibleName("What the voice is saying")
        self.notice = QLabel(objectName="notice")
        self.notice.setWordWrap(True)
        self.notice.hide()
        # why there is no voice (stays while the session runs; the captions carry on)
        self.voice_status = QLabel(objectName="notice")
        self.voice_status.setWordWrap(True)
        self.voice_status.hide()
        # voice commands: a microphone symbol while listening, and the last command heard
        self.mic = QLabel(objectName="where")
        self.mic.setAccessibleName("Voice commands")
        self.mic.hide()
        self.paused_banner = QLabel("Paused — press Space to go on", objectName="where")
        self.paused_banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.paused_banner.hide()
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.time_left = QLabel(objectName="muted")
        self.next_label = QLabel(objectName="muted")

        self.toggle_btn = big_button("Pause", "primary", "Space")
        self.back_btn = big_button("◀ Back", tip="Left arrow: repeat")
        self.next_btn = big_button("Next ▶", tip="Right arrow")
        self.stop_btn = big_button("Stop", tip="Esc")
        self.hurt_btn = big_button("It hurts (H)", "hurt", "H: stop and choose what to do")
        self.toggle_btn.clicked.connect(self.toggle_requested)
        self.back_btn.clicked.connect(self.back_requested)
        self.next_btn.clicked.connect(self.next_requested)
        self.stop_btn.clicked.connect(self.stop_requested)
        self.hurt_btn.clicked.connect(self.hurt_requested)

        # question panel (check segments)
        self.yes_btn = big_button("Yes (Y)", "primary")
        self.no_btn = big_button("No (N)")
        self.yes_btn.clicked.connect(lambda: self.answered.emit(True))
        self.no_btn.clicked.connect(lambda: self.answered.emit(False))
        self.question_panel = QWidget()
        q = QHBoxLayout(self.question_panel)
        q.addWidget(self.yes_btn)
        q.addWidget(self.no_btn)
        self.question_panel.hide()

        # It hurts panel
        self.hurt_panel = QWidget()
        hp = QVBoxLayout(self.hurt_panel)
        self.hurt_title = QLabel("Stop. What would you like to do?", objectName="where")
        self.hurt_title.setWordWrap(True)
        hp.addWidget(self.hurt_title)
        row = QHBoxLayout()
        self.hurt_buttons: dict[str, QPushButton] = {}
        for key, text in [
            ("skip", "Skip this exercise (S)"),
            ("easier", "Try the easier version (E)"),
            ("remove", "Take it out of my program (R)"),
            ("end", "End the session (X)"),
            ("continue", "Go on (C)"),
        ]:
            b = big_button(text, "primary" if key == "skip" else "")
            b.clicked.connect(lambda _=False, k=key: self.hurt_choice.emit(k))
            self.hurt_buttons[key] = b
            row.addWidget(b)
        hp.addLayout(row)
        self.hurt_panel.hide()

        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.phase, 0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        middle = QHBoxLayout()
        middle.addWidget(self.image, 5)
        right = QVBoxLayout()
        right.addWidget(self.instruction, 3)
        right.addWidget(self.ring, 4)
        middle.addLayout(right, 4)
        self.text_only = QLabel()  # spacer stand-in when there is no picture
        bottom = QHBoxLayout()
        bottom.addWidget(self.progress, 1)
        bottom.addWidget(self.time_left)
        controls = QHBoxLayout()
        for b in (self.toggle_btn, self.back_btn, self.next_btn, self.stop_btn):
            controls.addWidget(b)
        controls.addStretch(1)
        controls.addWidget(self.hurt_btn)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.addLayout(top)
        # its own row: with what to say in it, it would squeeze the exercise name
        layout.addWidget(self.mic, 0, Qt.AlignmentFlag.AlignRight)
        layout.addWidget(self.where)
        layout.addWidget(self.notice)
        layout.addWidget(self.paused_banner)
        layout.addLayout(middle, 1)
        layout.addWidget(self.question_panel)
        layout.addWidget(self.hurt_panel)
        layout.addWidget(self.caption)
        layout.addWidget(self.voice_status)
        layout.addWidget(self.next_label)
        layout.addLayout(bottom)
        layout.addLayout(controls)

    # ------------------------------------------------------------------ updates
    def set_script(self, script: Script) -> None:
        self.script = script

    def show_segment(self, seg: Segment) -> None:
        self.segment = seg
        self.title.setText(seg.exercise_name or "Session complete")
        self.where.setText(seg.progress_label())
        self.where.setVisible(bool(seg.progress_label()))
        self.phase.setText(PHASE_WORDS.get(seg.kind, ""))
        self.instruction.setText(seg.show)
        ex = self.catalog.exercises.get(seg.exercise_id or "")
        img = ex.image_for(seg.image or "start", seg.modification) if ex and seg.image else None
        shown = self.image.set_image(img.path if img else None, img.alt if img else "")
        # text-only layout: the instruction takes the room the picture would have
        self.instruction.setAlignment(
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
            if shown
            else Qt.AlignmentFlag.AlignCenter
        )
        if seg.countdown:
            self.ring.set_time(seg.duration, seg.duration, PHASE_WORDS.get(seg.kind, "").lower())
        else:
            self.ring.clear()
        self.ring.setVisible(seg.countdown)  # the instruction gets the room when there is none
        self.question_panel.setVisible(seg.kind is Kind.CHECK)
        self.next_label.setText(self._next_text(seg))

    def set_countdown(self, seg: Segment, left: int) -> None:
        if seg.countdown:
            self.ring.set_time(left, seg.duration, PHASE_WORDS.get(seg.kind, "").lower())

    def set_time_left(self, elapsed: float, total: float) -> None:
        self.progress.setValue(round(1000 * elapsed / total) if total else 0)
        self.time_left.setText(f"{mmss(max(0.0, total - elapsed))} left")

    def set_caption(self, text: str) -> None:
        self.caption.setText(text)

    def set_notice(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.setVisible(bool(text))

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
        self.mic.setVisible(listening)

    def set_voice_status(self, text: str) -> None:
        # "⚠" is in DejaVu Sans, which every Linux desktop has (an emoji may not be)
        self.voice_status.setText(f"⚠ {text}" if text else "")
        self.voice_status.setVisible(bool(text))

    def set_paused(self, paused: bool, resuming: bool = False) -> None:
        self.toggle_btn.setText("Go on" if paused else "Pause")
        self.paused_banner.setText(
            "Get ready — continuing in a moment" if resuming else "Paused — press Space to go on"
        )
        self.paused_banner.setVisible(paused or resuming)

    def show_hurt_panel(self, easier_available: bool, suggest_removal: bool = False) -> None:
        self.hurt_buttons["easier"].setVisible(easier_available)
        self.hurt_buttons["remove"].setVisible(suggest_removal)
        self.hurt_title.setText(
            "This exercise hurt twice in a row. Take it out of your program?"
            if suggest_removal
            else "Stop. What would you like to do?"
        )
        self.question_panel.hide()
        self.hurt_panel.show()

    def hide_hurt_panel(self) -> None:
        self.hurt_panel.hide()
        if self.segment is not None:
            self.question_panel.setVisible(self.segment.kind is Kind.CHECK)

    def _next_text(self, seg: Segment) -> str:
        if self.script is None:
            return ""
        for later in self.script.segments[seg.index + 1 :]:
            if later.exercise_id != seg.exercise_id:
                return f"Next: {later.exercise_name}" if later.exercise_name else "Next: finish"
        return "Next: finish"
