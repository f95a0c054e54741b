"""The start screen: pick a program, see its exercises and total time, start."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..catalog import Catalog
from ..script import Kind, Script, mmss
from .notices import NoticeArea
from .plain import make_all_plain, plain_label, plain_tip


def dose_summary(script: Script, exercise_id: str) -> str:
    segs = [s for s in script.segments if s.exercise_id == exercise_id]
    timed = [s for s in segs if s.kind is Kind.TIMED]
    first = next((s for s in segs if s.kind in (Kind.MOVE, Kind.TIMED)), None)
    if first is None:
        return ""
    parts = []
    if timed:
        parts.append(f"{mmss(timed[0].duration)} min")
    else:
        parts.append(f"{first.reps} rep{'s' if first.reps != 1 else ''}")
        hold = next((s for s in segs if s.kind is Kind.HOLD), None)
        if hold:
            parts.append(f"hold {round(hold.duration)} s")
    if first.sets > 1:
        parts.append(f"{first.sets} sets")
    if first.side:
        parts.append("each side")
    # wrapped lines break between the parts, never inside one ("hold 2 / s")
    return " · ".join(part.replace(" ", "\u00a0") for part in parts)


class StartView(QWidget):
    """The first frame's only screen. It leaves PySide6's ``Qt`` namespace alone: touching
    it makes Python enums of all its ~90 enum types at once (some 30 ms)."""

    start_requested = Signal(str)  # program id
    resume_requested = Signal()
    program_changed = Signal(str)
    safety_requested = Signal()
    settings_requested = Signal()
    history_requested = Signal()

    def __init__(self, catalog: Catalog, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.catalog = catalog
        self._notices_waiting: list[tuple[str, str]] | None = None  # see set_notices
        title = QLabel("Stenosis Player", objectName="title")
        subtitle = QLabel(
            "Choose a program, then press Start (Enter). The voice guides you from there.",
            objectName="muted",
        )
        subtitle.setWordWrap(True)
        self.programs = QListWidget()
        self.programs.setAccessibleName("Programs")
        self.program_ids: list[str] = []  # row by row
        for prog in catalog.programs.values():
            item = QListWidgetItem(prog.name)
            if prog.source:
                item.setToolTip(plain_tip(f"From {prog.source.citation()}"))
            self.programs.addItem(item)
            self.program_ids.append(prog.id)
        self.programs.currentRowChanged.connect(self._program_changed)
        # Enter on the list starts the chosen program (the list takes the Return key itself)
        self.programs.itemActivated.connect(
            lambda _item: self.start_requested.emit(self.program_id())
        )
        self.exercises = QListWidget()
        self.exercises.setAccessibleName("Exercises in this program")
        self.exercises.setProperty("focusPolicy", "NoFocus")  # as Qt.FocusPolicy.NoFocus
        self.source = QLabel(objectName="muted")
        self.source.setWordWrap(True)
        self.total = QLabel(objectName="where")
        self.week = plain_label("", "muted")  # this week so far (reminders)
        self.week.setAccessibleName("This week so far")
        self.week.hide()
        self.resume_banner = QWidget()
        rb = QHBoxLayout(self.resume_banner)
        self.resume_label = QLabel(objectName="where")
        self.resume_label.setWordWrap(True)
        self.resume_btn = QPushButton("Resume (R)", objectName="primary")
        self.resume_btn.clicked.connect(self.resume_requested)
        rb.addWidget(self.resume_label, 1)
        rb.addWidget(self.resume_btn)
        self.resume_banner.hide()
        self.start_btn = QPushButton("Start (Enter)", objectName="primary")
        self.start_btn.clicked.connect(lambda: self.start_requested.emit(self.program_id()))
        safety = QPushButton("Safety")
        safety.clicked.connect(self.safety_requested)
        settings = QPushButton("Settings (Ctrl+,)")
        settings.clicked.connect(self.settings_requested)
        history = QPushButton("History")
        history.clicked.connect(self.history_requested)
        self.notices = NoticeArea()  # every notice, newest first (the window's board)

        for lst in (self.programs, self.exercises):  # long names wrap, never cut off
            lst.setWordWrap(True)
            lst.setProperty("horizontalScrollBarPolicy", "ScrollBarAlwaysOff")  # no Qt enums
            lst.setProperty("fitRows", 3)  # larger text shrinks before these hide the choice
        lists = QHBoxLayout()
        lists.addWidget(self.programs, 2)
        lists.addWidget(self.exercises, 3)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_btn, 2)
        buttons.addWidget(settings)
        buttons.addWidget(history)
        buttons.addWidget(safety)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 24, 32, 24)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addWidget(self.notices)
        layout.addWidget(self.resume_banner)
        layout.addLayout(lists, 1)
        layout.addWidget(self.source)
        layout.addWidget(self.total)
        layout.addWidget(self.week)
        layout.addLayout(buttons)
        make_all_plain(self)  # catalogue and settings text is shown as written

    def program_id(self) -> str:
        row = self.programs.currentRow()
        return self.program_ids[row] if row >= 0 else self.catalog.default_program

    def select_program(self, program_id: str) -> None:
        if program_id in self.program_ids:
            self.programs.setCurrentRow(self.program_ids.index(program_id))

    def show_script(self, script: Script) -> None:
        self.exercises.clear()
        for n, ex_id in enumerate(script.exercise_ids(), start=1):
            ex = self.catalog.exercises[ex_id]
            self.exercises.addItem(f"{n}. {ex.name}   ({dose_summary(script, ex_id)})")
        self.total.setText(f"Total time: about {max(1, round(script.total / 60))} minutes")
        prog = self.catalog.programs.get(script.program_id)
        self.source.setText(f"From {prog.source.citation()}" if prog and prog.source else "")

    def show_resume(self, label: str | None) -> None:
        self.resume_label.setText(f"Resume where you stopped — {label}" if label else "")
        self.resume_banner.setVisible(bool(label))

    def set_week(self, text: str) -> None:
        self.week.setText(text)
        self.week.setVisible(bool(text))

    def set_notices(self, items: list[tuple[str, str]]) -> None:
        if self.isHidden():  # behind the player: made when it shows (1-2 ms of a start)
            self._notices_waiting = list(items)
            return
        self._notices_waiting = None
        self.notices.set_items(items)

    def showEvent(self, event) -> None:
        waiting, self._notices_waiting = self._notices_waiting, None
        if waiting is not None:
            self.notices.set_items(waiting)
        super().showEvent(event)

    def _program_changed(self, row: int) -> None:
        if row >= 0:
            self.program_changed.emit(self.program_ids[row])
