"""Settings → Reminders, the one-time offer after the first completed session, and the
start screen's "this week so far" line.

The tab edits the dialog's draft (keys declared in ``settings.py``: ``reminders.*``); when
the dialog saves, ``apply_reminders`` makes the user's scheduler match (``reminders/
install.py``): installed when on, everything removed when off."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from ..reminders.schedule import DAY_NAMES, DAY_TITLES, Plan, PlanError, week_so_far
from ..settings import ENTRY_BY_KEY

MAX_TIMES = 4
PRIVACY = (
    "Reminders come from this computer's own scheduler, so they appear even when the player "
    "is closed. Nothing is sent anywhere. No reminder comes on a day you have already "
    "exercised; “Not today” in a reminder skips the rest of the day."
)


def _plan(settings: Any) -> Plan:
    try:
        return Plan.parse(settings.get("reminders.days"), settings.get("reminders.times"))
    except PlanError:
        return Plan.parse(
            ENTRY_BY_KEY["reminders.days"].default, ENTRY_BY_KEY["reminders.times"].default
        )


class RemindersTab(QWidget):
    """Days as seven large toggles, one to four times, on/off."""

    def __init__(self, draft: Any, set_value: Callable[[str, Any], None]) -> None:
        super().__init__()
        self.draft = draft
        self._set = set_value
        plan = _plan(draft)
        layout = QVBoxLayout(self)
        enabled = ENTRY_BY_KEY["reminders.enabled"]
        self.enabled = QCheckBox(enabled.label)
        self.enabled.setToolTip(enabled.description)
        self.enabled.setChecked(bool(draft.get("reminders.enabled")))
        self.enabled.toggled.connect(self._enabled_changed)
        layout.addWidget(self.enabled)

        layout.addWidget(QLabel(ENTRY_BY_KEY["reminders.days"].label))
        days = QGridLayout()  # four a row: seven in one were wider than the page at x2
        self.day_buttons: list[QPushButton] = []
        for n, title in enumerate(DAY_TITLES):
            button = QPushButton(title, objectName="day")
            button.setCheckable(True)
            button.setChecked(n in plan.days)
            button.setAccessibleName(f"Remind on {title}")
            button.setMinimumHeight(44)
            # chosen or not shown in words too, not by colour alone
            button.toggled.connect(lambda on, b=button, t=title: b.setText(_day_text(t, on)))
            button.setText(_day_text(title, button.isChecked()))
            button.toggled.connect(self._days_changed)
            days.addWidget(button, n // 4, n % 4)
            self.day_buttons.append(button)
        layout.addLayout(days)

        layout.addWidget(QLabel(ENTRY_BY_KEY["reminders.times"].label))
        self.times_box = QVBoxLayout()
        self.time_edits: list[QTimeEdit] = []
        for at in plan.times or ():
            self._add_time_row(QTime(at.hour, at.minute))
        layout.addLayout(self.times_box)
        self.add_time = QPushButton("Add another time")
        self.add_time.clicked.connect(self._add_time_clicked)
        layout.addWidget(self.add_time)

        note = QLabel(PRIVACY, objectName="muted")
        note.setWordWrap(True)
        layout.addWidget(note)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Reminder status")
        layout.addWidget(self.status)
        layout.addStretch(1)
        self._sync_enabled_state()

    # ---- rows of times
    def _add_time_row(self, value: QTime) -> None:
        row = QWidget()
        h = QHBoxLayout(row)
        h.setContentsMargins(0, 0, 0, 0)
        edit = QTimeEdit(value)
        edit.setDisplayFormat("HH:mm")
        edit.setAccessibleName("Reminder time")
        edit.timeChanged.connect(lambda _t: self._times_changed())
        remove = QPushButton("Remove")
        remove.clicked.connect(lambda: self._remove_row(row, edit))
        h.addWidget(edit)
        h.addWidget(remove)
        h.addStretch(1)
        self.times_box.addWidget(row)
        self.time_edits.append(edit)

    def _add_time_clicked(self) -> None:
        last = self.time_edits[-1].time() if self.time_edits else QTime(10, 0)
        self._add_time_row(last.addSecs(8 * 3600))
        self._times_changed()

    def _remove_row(self, row: QWidget, edit: QTimeEdit) -> None:
        if len(self.time_edits) <= 1:
            return  # one time at least: turn reminders off instead
        self.time_edits.remove(edit)
        row.setParent(None)
        row.deleteLater()
        self._times_changed()

    # ---- into the draft
    def times_text(self) -> str:
        return " ".join(sorted({e.time().toString("HH:mm") for e in self.time_edits}))

    def days_text(self) -> str:
        return " ".join(DAY_NAMES[n] for n, b in enumerate(self.day_buttons) if b.isChecked())

    def _enabled_changed(self, on: bool) -> None:
        self._set("reminders.enabled", on)
        self._sync_enabled_state()

    def _days_changed(self) -> None:
        text = self.days_text()
        if not text:  # no day at all: keep the last one set, say why
            self.status.setText("Choose at least one day, or turn reminders off.")
            return
        self._set("reminders.days", text)
        self.status.setText("")

    def _times_changed(self) -> None:
        self._set("reminders.times", self.times_text())

    def _sync_enabled_state(self) -> None:
        on = self.enabled.isChecked()
        removes = [b for e in self.time_edits for b in e.parentWidget().findChildren(QPushButton)]
        for widget in (*self.day_buttons, *self.time_edits, *removes, self.add_time):
            widget.setEnabled(on)
        self.add_time.setEnabled(on and len(self.time_edits) < MAX_TIMES)


# ------------------------------------------------------------------ applying the settings


def reminder_environment(settings_file: Path):  # -> reminders.install.Environment
    """The installer for the data folder these settings belong to (``--data-dir`` or the
    platform's folders)."""
    from ..paths import app_paths
    from ..reminders.install import Environment

    default = app_paths(None)
    if Path(settings_file) == default.settings_file:
        return Environment.for_data(default.data_dir, None)
    root = Path(settings_file).parent.parent  # PATH/config/settings.json
    return Environment.for_data(root / "data", root)


def apply_reminders(settings: Any, parent: QWidget | None = None, environment: Any = None) -> str:
    """Install or remove to match the settings; a problem is shown in a message box.
    Returns what was done, in words ("" when nothing changed)."""
    if settings is None or settings.path is None:
        return ""
    from ..reminders.install import sync

    env = environment or reminder_environment(settings.path)
    result = sync(env, bool(settings.get("reminders.enabled")), _plan(settings))
    if result is None:
        return ""
    if not result.ok and parent is not None:
        QMessageBox.warning(parent, "Reminders", result.message)
    return result.message


# ------------------------------------------------------------------ the one-time offer


def offer_time(now: datetime) -> str:
    """Now, to the nearest five minutes, as HH:MM."""
    rounded = now + timedelta(minutes=2.5)
    rounded -= timedelta(minutes=rounded.minute % 5, seconds=rounded.second)
    return rounded.strftime("%H:%M")


def _day_text(title: str, chosen: bool) -> str:
    return f"✓ {title}" if chosen else title


class ReminderOffer(QFrame):
    """ "Remind me tomorrow at 18:30?" on the end screen, with two large buttons. Not a
    dialog: the end screen's keys (Enter: back to start) keep working."""

    def __init__(self, at: str, answered: Callable[[bool], str]) -> None:
        super().__init__(objectName="reminderOffer")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._answered = answered
        self.question = QLabel(f"Remind me tomorrow at {at}?", objectName="where")
        self.question.setWordWrap(True)
        self.explain = QLabel(
            "A short reminder each day at this time helps to keep going. You can change the "
            "days and times, or turn it off, in Settings → Reminders.",
            objectName="muted",
        )
        self.explain.setWordWrap(True)
        self.yes = QPushButton("Yes, remind me (Y)")
        self.no = QPushButton("No, thanks (N)")
        for button in (self.yes, self.no):
            button.setMinimumHeight(48)
            button.setAutoDefault(False)
        self.yes.clicked.connect(lambda: self._answer(True))
        self.no.clicked.connect(lambda: self._answer(False))
        row = QHBoxLayout()
        row.addWidget(self.yes)
        row.addWidget(self.no)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.question)
        layout.addWidget(self.explain)
        layout.addLayout(row)

    def answer_key(self, yes: bool) -> bool:
        """Y or N on the end screen: the offer's answer, while it is still asked."""
        button = self.yes if yes else self.no
        if not button.isVisible():
            return False
        button.click()
        return True

    def _answer(self, yes: bool) -> None:
        self.yes.hide()
        self.no.hide()
        self.explain.hide()
        self.question.setText(self._answered(yes))


def offer_reminders_once(
    container: QWidget,
    settings: Any,
    *,
    now: Callable[[], datetime] = datetime.now,
    apply: Callable[[Any], str] | None = None,
) -> ReminderOffer | None:
    """After the first completed session: "Remind me tomorrow at this time?" (once ever),
    placed above the end screen's buttons. Returns the offer, or None when not asked."""
    if settings is None or settings.get("reminders.offered") or settings.get("reminders.enabled"):
        return None
    at = offer_time(now())
    settings.set("reminders.offered", True)
    _save(settings)

    def answered(yes: bool) -> str:
        if not yes:
            return "No reminders. You can turn them on any time in Settings → Reminders."
        settings.set("reminders.times", at)
        settings.set("reminders.enabled", True)
        _save(settings)
        problem = (apply or (lambda s: apply_reminders(s, None)))(settings)  # said inline
        if problem.startswith("reminders:"):
            return f"Reminders could not be set up: {problem.split(':', 1)[1].strip()}"
        return f"Reminders are on: {_plan(settings).describe()}."

    offer = ReminderOffer(at, answered)
    layout = container.layout()
    if hasattr(container, "add_aside"):
        container.add_aside(offer)  # the end screen: beside what was done
    elif isinstance(layout, QVBoxLayout):
        layout.insertWidget(max(0, layout.count() - 2), offer)  # above the stretch and buttons
    else:
        offer.setParent(container)
    offer.show()
    return offer


def _save(settings: Any) -> None:
    if settings.path is not None:
        # the offer is not worth an error message; it is asked only once anyway
        with contextlib.suppress(OSError):
            settings.save()


# ------------------------------------------------------------------ the week so far


def week_text(settings: Any, store: Any, today: date | None = None) -> str:
    """ "This week so far: 2 days with a session, of 3 planned (4 this week)."."""
    from ..reminders.progress import session_days

    today = today or date.today()
    path = getattr(store, "path", None)
    if path is None:
        return ""
    monday = today - timedelta(days=today.weekday())
    done, _problem = session_days(Path(path), monday)
    on = settings is not None and settings.get("reminders.enabled")
    planned = _plan(settings).days if on else frozenset()
    return week_so_far(today, planned, done).text()
