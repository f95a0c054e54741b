"""Settings → Voice commands → “Teach it my voice”: how well the last enrolment went (date,
per command, noise advice), a button that opens the enrolment window, and “Forget my
recordings”. The results live in the data folder (``voice_commands.enrolment``), apart from
settings.json: they are saved when an enrolment ends, not with the dialog's Save."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ..voice_commands.enrolment import (
    HEARD_BY,
    EnrolmentFileProblem,
    EnrolmentResult,
    forget_recordings,
    load_enrolment,
)
from .enrolment_dialog import EnrolmentDialog, privacy_text


def _when(t: datetime) -> str:
    return f"{t:%A} {t.day} {t:%B %Y, %H:%M}"  # no %-d: Windows' strftime lacks it


def enrolment_text(result: EnrolmentResult | None, leading_word: str = "player") -> str:
    """What Settings says about the last enrolment, who heard it, and whether listening uses
    it. The results are what the recogniser that listens hears, where that is still so."""
    from ..voice_commands.recognizer import DEFAULT_ENGINE, engine_for

    if result is None:
        return "Not done yet. Teaching it your voice takes about three minutes."
    when = _when(result.created)
    done = f"Last done {when}" + ("" if result.complete else " (not finished)")
    lines = [f"{done}, as heard by {HEARD_BY[result.heard_by]}:"]
    lines += result.summary_lines()
    if result.level_text():
        lines.append(result.level_text() + ".")
    lines += result.advice()
    if result.recordings_forgotten is not None:
        gone = result.recordings_forgotten
        lines.append(f"Your recordings were deleted on {gone.day} {gone:%B %Y}.")
    lines += [f"Note: {p}" for p in result.problems[:3]]
    listens = engine_for(leading_word, result)
    if listens != DEFAULT_ENGINE:
        lines.append("Voice commands listen with a recogniser tuned to these recordings.")
        if result.heard_by != listens:  # saved before the results were re-checked with it
            lines.append("Teach it your voice again to see how well the tuned one hears you.")
    elif result.has_recordings and leading_word != "player":
        lines.append(
            "Voice commands can be tuned to your recordings only with the leading word "
            f"“player”; with “{leading_word}” the standard recogniser listens, and it may "
            "hear you less well than this."
        )
    elif result.heard_by != listens:
        lines.append(
            "Now the standard recogniser listens (your recordings are deleted), and it may "
            "hear you less well than this."
        )
    return "\n".join(lines)


class EnrolmentSection(QGroupBox):
    recording_changed = Signal(bool)  # the enrolment window uses the microphone
    enrolled = Signal(object)  # a new EnrolmentResult was saved

    def __init__(
        self,
        data_dir: Path | None,
        leading_word: Callable[[], str],
        display: Callable[[], tuple[float, bool]],
        *,
        speech: Any = None,
        dialog_options: dict[str, Any] | None = None,
        now: Callable[[], datetime] = datetime.now,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Teach it my voice", parent)
        self.data_dir = data_dir
        self._leading_word = leading_word
        self._display = display
        self._speech = speech
        self._options = dialog_options or {}
        self._now = now
        self.dialog: EnrolmentDialog | None = None

        intro = QLabel(
            "Say each command a few times, so the app learns your voice, checks how well it "
            "hears you in your room, and tells you what would help."
        )
        intro.setWordWrap(True)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Last enrolment")
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.privacy = QLabel(privacy_text(data_dir))
        self.privacy.setWordWrap(True)
        self.teach_button = QPushButton("Teach it my &voice…")
        self.teach_button.clicked.connect(self.open_enrolment)
        self.forget_button = QPushButton("&Forget my recordings")
        self.forget_button.clicked.connect(self.forget)
        for b in (self.teach_button, self.forget_button):
            b.setAutoDefault(False)
        if data_dir is None:
            self.teach_button.setEnabled(False)
            self.teach_button.setToolTip("There is no data folder to keep the results in")
        # one above the other: side by side they are wider than a small screen at large text
        row = QVBoxLayout()
        for button in (self.teach_button, self.forget_button):
            line = QHBoxLayout()
            line.addWidget(button)
            line.addStretch(1)
            row.addLayout(line)
        column = QVBoxLayout(self)
        column.addWidget(intro)
        column.addLayout(row)  # above the results: reached without scrolling
        column.addWidget(self.status)
        column.addWidget(self.privacy)
        self.refresh()

    def refresh(self) -> None:
        """Show the saved enrolment (or why it cannot be read)."""
        result = None
        text = enrolment_text(None)
        if self.data_dir is not None:
            try:
                result = load_enrolment(self.data_dir)
            except EnrolmentFileProblem as exc:
                text = (
                    f"The last results cannot be read ({exc}). The file is left as it is; "
                    "teaching it your voice again saves new results beside it."
                )
            else:
                text = enrolment_text(result, self._leading_word() or "player")
        self.result = result
        self.status.setText(text)
        recordings = self.data_dir is not None and self._has_recordings(result)
        self.forget_button.setEnabled(recordings)
        self.forget_button.setToolTip(
            "Delete the recordings of your voice (the results are kept)"
            if recordings
            else "No recordings of your voice are kept"
        )

    def _has_recordings(self, result: EnrolmentResult | None) -> bool:
        if result is not None and result.has_recordings:
            return True
        from ..voice_commands.enrolment import enrolment_folder

        folder = enrolment_folder(self.data_dir or ".")
        return folder.is_dir() and any(folder.glob("takes-*/*.wav"))

    def open_enrolment(self) -> EnrolmentDialog | None:
        from ..voice_commands.commands import DEFAULT_LEADING_WORD, validate_leading_word

        try:
            word = validate_leading_word(self._leading_word() or DEFAULT_LEADING_WORD)
        except ValueError as exc:
            self.status.setText(f"Set a leading word first: {exc}.")
            return None
        scale, high = self._display()
        dialog = EnrolmentDialog(
            word,
            self.data_dir,
            speech=self._speech,
            scale=scale,
            high_contrast=high,
            parent=self.window(),
            **self._options,
        )
        dialog.recording_changed.connect(self.recording_changed)
        dialog.enrolment_saved.connect(self.enrolled)
        dialog.finished.connect(lambda _code: self.refresh())
        self.dialog = dialog
        dialog.open()
        return dialog

    def forget(self) -> None:
        if self.data_dir is None:
            return
        try:
            forget_recordings(self.data_dir, self._now())
        except EnrolmentFileProblem:
            self.refresh()
            self.status.setText(
                "Your recordings were deleted. " + self.status.text()
            )  # the unreadable results file is left as it is
            return
        except OSError as exc:
            self.refresh()
            self.status.setText(f"Could not delete the recordings: {exc.strerror or exc}")
            return
        self.refresh()
