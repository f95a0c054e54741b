"""The settings dialog: per-exercise doses, the program's order, voice, counting, timing and
display. Every global widget is derived from ``settings.ENTRIES`` (its label, bounds, unit
and description); nothing here repeats a default or a bound.

Edits go to a draft copy of the settings; Save (Ctrl+S) writes settings.json atomically,
copies the draft into the live settings (their observers hear each changed key) and emits
``saved``; Cancel (Esc) drops the draft. Text size and contrast are the exception to "nothing
shows before Save" in one way only: the dialog itself takes them from the draft at once, so the
user sees the size they are choosing; the window behind it changes on Save.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QIcon, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSlider,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..catalog import Catalog, CatalogError, Quantity
from ..program_share import ImportResult, export_program, import_program
from ..settings import (
    EXERCISE_ENTRIES,
    TEST_VOICE_TEXT,
    Entry,
    SettingError,
    Settings,
    baseline_dose,
    baseline_modification,
    dialog_groups,
    effective_dose,
    effective_modification,
    entries_in_group,
    exercise_key,
    num,
    program_rows,
    set_program_rows,
)
from .fit import ScreenFit
from .plain import make_all_plain, plain_tip
from .safety_notice import fit_dialog_to_screen
from .theme import theme_for

SLIDER_STEPS = 100


# the sections' Alt keys: a letter no button of any page uses (Alt+T is "Test voice",
# Alt+D "Move down", Alt+V "Teach it my voice"), so each is one key from anywhere
SECTION_TITLES = {
    "Voice": "V&oice",
    "Counting": "&Counting",
    "Timing": "Ti&ming",
    "Display": "Disp&lay",
    "Voice commands": "Voice comma&nds",
}


def article_text(q: Quantity | None, unit: str = "") -> str:
    """'Article: 10–15 s', or 'App default: 1' when the article gives no number."""
    if q is None:
        return ""
    value = f"{q.range[0]}–{q.range[1]}" if q.range else str(q.value)
    value += f" {unit}" if unit else ""
    return f"App default: {value}" if q.app_default else f"Article: {value}"


def _scrolling(page: QWidget) -> QScrollArea:
    """``page`` in a scroll area: with large text on a small screen it scrolls instead of
    making the dialog wider or taller than the screen."""
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setWidget(page)
    return scroll


def _narrow(combo: QComboBox, chars: int = 16) -> QComboBox:
    """A choice box as wide as ``chars`` letters, not its longest choice: a long easier
    version's name made the Exercises page wider than a laptop's dialog at large text.
    Its list opens as wide as its choices, and the choice shown is its tooltip."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(chars)
    view = combo.view()
    view.setMinimumWidth(view.sizeHintForColumn(0) + 2 * view.frameWidth() + 24)

    def tip(_index: int = 0) -> None:
        combo.setToolTip(plain_tip(combo.currentText()))

    combo.currentIndexChanged.connect(tip)
    tip()
    return combo


class SettingsDialog(QDialog):
    """Settings for the player and for one program's exercises."""

    saved = Signal()
    enrolment_running = Signal(bool)  # the voice enrolment window uses the microphone

    def __init__(
        self,
        settings: Settings,
        catalog: Catalog,
        program_id: str | None,
        speak: Callable[[str], None] | None,
        parent: QWidget | None = None,
        *,
        voices: Sequence[str] = (),
        data_dir: Path | None = None,
        speech: Any = None,
    ) -> None:
        super().__init__(parent)
        self._data_dir = data_dir  # where the voice enrolment is kept (None: nowhere)
        self._speech_service = speech
        self.settings = settings
        self.catalog = catalog
        self.program_id = program_id or catalog.default_program
        self.program = catalog.program(self.program_id)
        self._speak = speak
        self._voices = list(voices)
        self.draft = settings.copy()
        self.draft.catalog = catalog
        self._base = settings.copy()  # what the draft started from

        self.setWindowTitle(f"Settings — {self.program.name}")
        self.setObjectName("settingsDialog")
        self._shown_display: tuple[float, bool] | None = None
        self.show_display_settings()
        self.draft.subscribe(lambda _key, _value: self.show_display_settings(), "display.")
        fit_dialog_to_screen(self, parent, 960, 720, self._shown_display[0])

        self.editors: dict[str, QWidget] = {}  # global key → its widget
        self.dose_spins: dict[tuple[str, str], QSpinBox] = {}
        self.mod_combos: dict[str, QComboBox] = {}
        self.reset_buttons: dict[str, QPushButton] = {}

        # on the Program tab (what they share), not under every tab: with large text a row
        # of them took a fifth of a laptop screen from the settings themselves
        self.export_button = QPushButton("E&xport program…")
        self.export_button.setToolTip("Save this program with your changes, for a therapist")
        self.export_button.clicked.connect(self._export_clicked)
        self.import_button = QPushButton("&Import program…")
        self.import_button.setToolTip("Take the order and doses from a shared program file")
        self.import_button.clicked.connect(self._import_clicked)

        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_exercises_tab(), "&Exercises")
        self.tabs.addTab(_scrolling(self._build_program_tab()), "&Program")
        for group in dialog_groups():
            self.tabs.addTab(self._build_group_tab(group), SECTION_TITLES.get(group, group))
        from .reminders_tab import RemindersTab, apply_reminders

        self.reminders_tab = RemindersTab(self.draft, self._set)
        self.tabs.addTab(_scrolling(self.reminders_tab), "&Reminders")
        self.saved.connect(lambda: apply_reminders(self.settings, self))

        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status.setAccessibleName("Messages")
        self.status.hide()  # shown with a message: empty, it kept a line of large text

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setToolTip("Save (Ctrl+S)")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setToolTip(
            "Close without saving (Esc)"
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        for button in (*self.buttons.buttons(), self.export_button, self.import_button):
            button.setIcon(QIcon())  # the style's icons stay 16 px beside large words
            button.setAutoDefault(False)  # Enter in a spin box must not close the dialog
            button.setDefault(False)
        QShortcut(QKeySequence.StandardKey.Save, self, activated=self.save)

        from .section_list import SectionList

        self.sections = SectionList(self.tabs, self)
        pages = QHBoxLayout()
        pages.addWidget(self.sections)
        pages.addWidget(self.tabs, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(pages, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        make_all_plain(self)  # exercise names, quotes and typed values shown as written
        self._fit = ScreenFit(self, theme_for(self._shown_display[1]).stylesheet)
        self._fit.scale = self._shown_display[0]

    # ------------------------------------------------------------------ exercises tab

    def _build_exercises_tab(self) -> QWidget:
        inner = QWidget()
        column = QVBoxLayout(inner)
        intro = QLabel(
            "Set each exercise to what your therapist told you. Beside each number is what "
            "the article says (hover for its words)."
        )
        intro.setWordWrap(True)
        column.addWidget(intro)
        for ex_id, _runs in program_rows(self.draft, self.catalog, self.program_id):
            column.addWidget(self._exercise_box(ex_id))
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        return scroll

    def _exercise_box(self, ex_id: str) -> QGroupBox:
        ex = self.catalog.exercises[ex_id]
        box = QGroupBox(ex.name)
        form = QFormLayout(box)
        base = baseline_dose(self.catalog, self.program_id, ex_id)
        current = effective_dose(self.draft, self.catalog, self.program_id, ex_id)
        for f in EXERCISE_ENTRIES:
            if f not in base:
                continue
            entry = EXERCISE_ENTRIES[f]
            spin = QSpinBox()
            spin.setRange(int(entry.minimum or 0), int(entry.maximum or 0))
            if entry.unit:
                spin.setSuffix(f" {entry.unit}")
            spin.setMinimumWidth(spin.fontMetrics().horizontalAdvance("0000 s") * 2)
            spin.setValue(current[f])
            spin.setAccessibleName(f"{entry.label} for {ex.name}")
            spin.setToolTip(entry.description)
            spin.valueChanged.connect(lambda v, ex_id=ex_id, f=f: self._dose_changed(ex_id, f, v))
            self.dose_spins[(ex_id, f)] = spin
            q: Quantity | None = getattr(ex.dose, f)
            note = QLabel(article_text(q, entry.unit))
            if q is not None and q.quote:
                note.setToolTip(plain_tip(f"“{q.quote}”\n— {ex.source.citation()}"))
            elif q is not None and q.app_default:
                note.setToolTip("The article gives no number; this is the app's default.")
            program_value = base[f]
            if q is not None and program_value != q.value:
                note.setText(note.text() + f" · program: {program_value}")
            row = QHBoxLayout()
            row.addWidget(spin)
            row.addWidget(note, 1)
            label = QLabel(f"{entry.label}:")
            label.setBuddy(spin)
            form.addRow(label, row)
        if ex.modifications:
            combo = QComboBox()
            combo.addItem("The article's version", None)
            for m in ex.modifications:
                kind = "" if m.kind == "easier" else f" ({m.kind})"
                combo.addItem(m.name + kind, m.id)
                combo.setItemData(combo.count() - 1, plain_tip(m.text), Qt.ItemDataRole.ToolTipRole)
            mod = effective_modification(self.draft, self.catalog, self.program_id, ex_id)
            combo.setCurrentIndex(max(0, combo.findData(mod)))
            _narrow(combo)
            combo.setAccessibleName(f"Easier version of {ex.name}")
            combo.currentIndexChanged.connect(
                lambda _i, ex_id=ex_id, combo=combo: self._mod_changed(ex_id, combo.currentData())
            )
            self.mod_combos[ex_id] = combo
            label = QLabel("Easier version:")
            label.setBuddy(combo)
            form.addRow(label, combo)
        reset = QPushButton("Reset to the article's dose")
        reset.setAccessibleName(f"Reset {ex.name} to the article's dose")
        reset.setAutoDefault(False)
        reset.clicked.connect(lambda _=False, ex_id=ex_id: self.reset_exercise(ex_id))
        self.reset_buttons[ex_id] = reset
        reset_row = QHBoxLayout()
        reset_row.addWidget(reset)
        reset_row.addStretch(1)
        form.addRow(reset_row)
        return box

    def _dose_changed(self, ex_id: str, f: str, value: int) -> None:
        base = baseline_dose(self.catalog, self.program_id, ex_id)
        self._set(exercise_key(ex_id, f), None if value == base.get(f) else value)

    def _mod_changed(self, ex_id: str, mod_id: str | None) -> None:
        base = baseline_modification(self.catalog, self.program_id, ex_id)
        self._set(exercise_key(ex_id, "modification"), None if mod_id == base else mod_id)

    def reset_exercise(self, ex_id: str) -> None:
        """Back to the program's dose (the article's unless the program sets its own)."""
        base = baseline_dose(self.catalog, self.program_id, ex_id)
        for f, value in base.items():
            spin = self.dose_spins.get((ex_id, f))
            if spin is not None:
                spin.setValue(value)
            self._set(exercise_key(ex_id, f), None)
        combo = self.mod_combos.get(ex_id)
        if combo is not None:
            base_mod = baseline_modification(self.catalog, self.program_id, ex_id)
            combo.setCurrentIndex(max(0, combo.findData(base_mod)))
        self._set(exercise_key(ex_id, "modification"), None)

    # ------------------------------------------------------------------ program tab

    def _build_program_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        intro = QLabel(
            "Tick the exercises to do and put them in order. Space ticks; Ctrl+Up and "
            "Ctrl+Down move the selected exercise."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.program_list = QListWidget()
        self.program_list.setAccessibleName("Exercises in this program")
        self.program_list.setSpacing(4)
        removed = self.draft.removed_exercises()
        for ex_id, runs in program_rows(self.draft, self.catalog, self.program_id):
            ex = self.catalog.exercises[ex_id]
            text = ex.name + (" — removed after a symptom check" if ex_id in removed else "")
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, ex_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if runs else Qt.CheckState.Unchecked)
            self.program_list.addItem(item)
        self.program_list.setCurrentRow(0)
        self.program_list.itemChanged.connect(lambda _item: self._program_changed())
        self.move_up_button = QPushButton("Move &up")
        self.move_down_button = QPushButton("Move &down")
        for button, step, keys in (
            (self.move_up_button, -1, "Ctrl+Up"),
            (self.move_down_button, 1, "Ctrl+Down"),
        ):
            button.setAutoDefault(False)
            button.setToolTip(keys)
            button.clicked.connect(lambda _=False, step=step: self.move_current(step))
            shortcut = QShortcut(QKeySequence(keys), self.program_list)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda step=step: self.move_current(step))
        buttons = QHBoxLayout()
        buttons.addWidget(self.move_up_button)
        buttons.addWidget(self.move_down_button)
        buttons.addStretch(1)
        layout.addWidget(self.program_list, 1)
        layout.addLayout(buttons)
        share = QLabel("Share this program with your therapist, or take theirs:")
        share.setWordWrap(True)
        layout.addWidget(share)
        for button in (self.export_button, self.import_button):  # one above the other:
            row = QHBoxLayout()  # side by side they were wider than the page at x2
            row.addWidget(button)
            row.addStretch(1)
            layout.addLayout(row)
        return page

    def move_current(self, step: int) -> None:
        lst = self.program_list
        row = lst.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < lst.count():
            return
        lst.blockSignals(True)
        item = lst.takeItem(row)
        lst.insertItem(target, item)
        lst.blockSignals(False)
        lst.setCurrentRow(target)
        self._program_changed()

    def program_order_rows(self) -> list[tuple[str, bool]]:
        lst = self.program_list
        return [
            (
                lst.item(i).data(Qt.ItemDataRole.UserRole),
                lst.item(i).checkState() == Qt.CheckState.Checked,
            )
            for i in range(lst.count())
        ]

    def _program_changed(self) -> None:
        set_program_rows(self.draft, self.catalog, self.program_id, self.program_order_rows())

    # ------------------------------------------------------------------ global tabs

    def _build_group_tab(self, group: str) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        # labels above their fields when the row is too narrow (large text, small screen)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        for entry in entries_in_group(group):
            if not entry.in_dialog:
                continue
            editor = self._editor_for(entry)
            editor.setToolTip(entry.description)
            self.editors[entry.key] = editor
            if entry.type is bool:
                form.addRow(editor)
                continue
            label = QLabel(f"{entry.label}:")
            label.setBuddy(editor.focusProxy() or editor)
            form.addRow(label, editor)
        if group == "Voice":
            self.test_voice_button = QPushButton("&Test voice")
            self.test_voice_button.setAutoDefault(False)
            self.test_voice_button.clicked.connect(self.test_voice)
            if self._speak is None:
                self.test_voice_button.setEnabled(False)
                self.test_voice_button.setToolTip("No speech engine is available")
            test_row = QHBoxLayout()
            test_row.addWidget(self.test_voice_button)
            test_row.addStretch(1)
            form.addRow(test_row)
        if group == "Voice commands":
            self.command_help = QLabel()
            self.command_help.setWordWrap(True)
            form.addRow(self.command_help)
            self._show_command_help()
            form.addRow(self._enrolment_section())
        scroll = QScrollArea()  # large text scrolls instead of pushing Save off the screen
        scroll.setWidgetResizable(True)
        scroll.setWidget(page)
        return scroll

    def _enrolment_section(self) -> QWidget:
        """“Teach it my voice”, with the leading word and text size as set in this dialog."""
        from .enrolment_section import EnrolmentSection

        self.enrolment = EnrolmentSection(
            self._data_dir,
            lambda: self.draft.get("voice_commands.leading_word"),
            lambda: self._shown_display or (1.0, False),
            speech=self._speech_service,
        )
        self.enrolment.recording_changed.connect(self.enrolment_running)
        return self.enrolment

    def _show_command_help(self) -> None:
        """What to say, with the leading word as it is set in this dialog."""
        from ..voice_commands.commands import DEFAULT_LEADING_WORD, command_help

        word = self.draft.get("voice_commands.leading_word") or DEFAULT_LEADING_WORD
        try:
            rows = command_help(word)
        except ValueError:  # not one plain word: the field says so; keep the last list
            return
        self.command_help.setText(
            "What to say (audio stays on this computer):\n"
            + "\n".join(f"{say} — {does}" for say, does in rows)
        )

    def _editor_for(self, entry: Entry) -> QWidget:
        key, value = entry.key, self.draft.get(entry.key)
        if entry.type is bool:
            box = QCheckBox(entry.label)
            box.setChecked(bool(value))
            box.toggled.connect(lambda v, key=key: self._set(key, v))
            return box
        if entry.type in (int, float) and entry.widget == "slider":
            return self._slider_for(entry, value)
        if entry.type is int:
            spin = QSpinBox()
            spin.setRange(int(entry.minimum or 0), int(entry.maximum or 0))
            spin.setValue(value)
            if entry.unit:
                spin.setSuffix(f" {entry.unit}")
            spin.valueChanged.connect(lambda v, key=key: self._set(key, v))
            return spin
        if entry.type is float:
            dspin = QDoubleSpinBox()
            dspin.setRange(float(entry.minimum or 0), float(entry.maximum or 0))
            dspin.setSingleStep(0.25 if (entry.maximum or 0) > 1 else 0.05)
            dspin.setDecimals(2)
            dspin.setValue(value)
            if entry.unit:
                dspin.setSuffix(f" {entry.unit}")
            dspin.valueChanged.connect(lambda v, key=key: self._set(key, v))
            return dspin
        if entry.choices:
            combo = QComboBox()
            combo.addItems(list(entry.choices))
            combo.setCurrentText(value)
            combo.currentTextChanged.connect(lambda v, key=key: self._set(key, v))
            return combo
        if entry.nullable:  # e.g. the voice: empty means the engine's default
            combo = QComboBox()
            combo.setEditable(True)
            combo.addItem("", None)
            if key == "voice.name":
                # by language name, A to Z ("Afrikaans — gmw/af"); the id is what is saved
                named = [v if isinstance(v, tuple) else (v, v) for v in self._voices]
                for vid, name in sorted(named, key=lambda v: (v[1].casefold(), v[0])):
                    combo.addItem(f"{name} — {vid}" if name and name != vid else vid, vid)
            at = combo.findData(value) if value else 0
            if at >= 0:
                combo.setCurrentIndex(at)
            else:
                combo.setCurrentText(value or "")
            combo.lineEdit().setPlaceholderText("(the engine's default)")
            _narrow(combo)

            def chosen(text: str, key: str = key, combo: QComboBox = combo) -> None:
                at = combo.findText(text)
                vid = combo.itemData(at) if at >= 0 else None
                self._set(key, vid if vid else text.strip() or None)

            combo.currentTextChanged.connect(chosen)
            return combo
        line = QLineEdit(value)
        line.textEdited.connect(lambda v, key=key: self._set(key, v.strip()))
        return line

    def _slider_for(self, entry: Entry, value: float) -> QWidget:
        lo, hi = float(entry.minimum or 0), float(entry.maximum or 0)
        slider = QSlider(Qt.Orientation.Horizontal)
        percent = entry.type is float and lo == 0 and hi == 1
        if entry.type is int:
            slider.setRange(int(lo), int(hi))
            slider.setValue(int(value))
            slider.setPageStep(10)

            def to_value(pos: int) -> Any:
                return pos
        else:
            slider.setRange(0, SLIDER_STEPS)
            slider.setValue(round((value - lo) / (hi - lo) * SLIDER_STEPS))
            slider.setPageStep(10)

            def to_value(pos: int) -> Any:
                return round(lo + (hi - lo) * pos / SLIDER_STEPS, 4)

        def words(v: Any) -> str:
            if percent:
                return f"{round(v * 100)} %"
            return f"{num(v)} {entry.unit}".strip()

        shown = QLabel(words(value))
        shown.setMinimumWidth(shown.fontMetrics().horizontalAdvance("300 words/min "))
        slider.setAccessibleName(entry.label)

        def moved(pos: int) -> None:
            v = to_value(pos)
            shown.setText(words(v))
            slider.setAccessibleDescription(words(v))
            self._set(entry.key, v)

        slider.valueChanged.connect(moved)
        holder = QWidget()
        row = QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(slider, 1)
        row.addWidget(shown)
        holder.setFocusProxy(slider)
        holder.slider = slider  # type: ignore[attr-defined]
        return holder

    def show_display_settings(self) -> None:
        """Style the dialog as the window is styled (``theme.py``), with the text size and
        contrast being edited: a change shows here at once, the window follows on Save."""
        scale = float(self.draft.get("display.text_scale"))
        high = bool(self.draft.get("display.high_contrast"))
        if (scale, high) == self._shown_display:
            return
        self._shown_display = (scale, high)
        theme = theme_for(high)
        if getattr(self, "_fit", None) is None:  # before the dialog is built
            self.setStyleSheet(theme.stylesheet(scale))
        else:  # the largest text up to ``scale`` at which the dialog fits its screen
            self._fit.set_scale(scale, theme.stylesheet)

    def test_voice(self) -> None:
        if self._speak is not None:
            self._speak(TEST_VOICE_TEXT)

    # ------------------------------------------------------------------ saving, sharing

    def _set(self, key: str, value: Any) -> None:
        try:
            self.draft.set(key, value)
        except SettingError as err:
            self.show_message(str(err), error=True)
        else:
            if self.status.property("error"):
                self.show_message("")
            if key == "voice_commands.leading_word" and hasattr(self, "command_help"):
                self._show_command_help()

    def show_message(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))
        self.status.setProperty("error", error)
        # the theme colours it (QLabel[error="true"]): dark red would vanish on black
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)

    def save(self) -> bool:
        """Put the changes into the live settings (their observers hear each changed key),
        write settings.json atomically, emit ``saved`` and close."""
        self.settings.update_from(self.draft, since=self._base)
        self._base = self.draft.copy()
        if self.settings.path is not None:
            try:
                self.settings.save()
            except OSError as exc:
                self.show_message(
                    f"Could not save {self.settings.path}: {exc.strerror or exc}", error=True
                )
                return False
        self.saved.emit()
        self.accept()
        return True

    def export_program_to(self, path: Path | str) -> Path | None:
        """Export this program as on screen (unsaved changes included)."""
        try:
            out = export_program(self.catalog, self.draft, self.program_id, path)
        except (OSError, CatalogError) as exc:
            self.show_message(f"Could not export the program: {exc}", error=True)
            return None
        self.show_message(f"Exported “{self.program.name}” to {out}")
        return out

    def import_program_from(self, path: Path | str) -> ImportResult | None:
        """Take a shared program's order and doses into this dialog (saved with Save)."""
        try:
            result = import_program(path, self.catalog, self.draft, self.program_id)
        except CatalogError as err:
            lines = "\n".join(err.problems[:12])
            more = f"\n… and {len(err.problems) - 12} more" if len(err.problems) > 12 else ""
            self.show_message(
                f"{err.path.name} cannot be imported, nothing changed:\n{lines}{more}", error=True
            )
            return None
        except (OSError, SettingError) as exc:
            self.show_message(f"Could not import {path}: {exc}", error=True)
            return None
        self._rebuild_program_tabs()
        self.show_message(result.summary() + " Press Save to keep it.")
        return result

    def _rebuild_program_tabs(self) -> None:
        current = self.tabs.currentIndex()
        self.dose_spins.clear()
        self.mod_combos.clear()
        self.reset_buttons.clear()
        for index, (build, title) in enumerate(
            (
                (self._build_exercises_tab, "&Exercises"),
                (lambda: _scrolling(self._build_program_tab()), "&Program"),  # as first built
            )
        ):
            old = self.tabs.widget(index)
            self.tabs.removeTab(index)
            self.tabs.insertTab(index, build(), title)
            old.deleteLater()
        self.tabs.setCurrentIndex(current)
        self.sections.sync()
        make_all_plain(self)

    def _export_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Export program",
            str(Path.home() / f"{self.program_id}.json"),
            "Exercise programs (*.json)",
        )
        if path:
            self.export_program_to(path)

    def _import_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import program", str(Path.home()), "Exercise programs (*.json)"
        )
        if path:
            self.import_program_from(path)
