"""The history screen: sessions per week, the streak, pain before/after, completion per
exercise, every session as a table, and "Export CSV…" for the therapist.

Read from afar: large type, thick lines, few bars (the last weeks only; the table and the
CSV have everything). Build it with a ``Store``; ``refresh()`` after a session.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path

from PySide6.QtCharts import (
    QAbstractBarSeries,
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QDateTimeAxis,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import (
    QAbstractTableModel,
    QDateTime,
    QModelIndex,
    QPersistentModelIndex,
    QPointF,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QKeySequence, QPainter, QPen, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..history import History, SessionSummary, export_csv, load_history, sessions_per_week
from ..store import Store, StoreError
from .plain import make_all_plain

WEEKS_SHOWN = 12
PAIN_SESSIONS_SHOWN = 30
BEFORE_COLOUR = "#d9480f"
AFTER_COLOUR = "#1f5fa8"
BAR_COLOUR = "#2f9e44"
_OUTCOME_WORDS = {
    "completed": "completed",
    "stopped": "stopped early",
    "crashed": "interrupted",
    "in-progress": "unfinished",
}


def _font(size: int, bold: bool = False) -> QFont:
    f = QFont()
    f.setPointSize(size)
    f.setBold(bold)
    return f


AXIS_GROWTH = 0.4  # of the extra text size, what an axis's labels get
AXIS_POINTS_MAX = 17  # twelve dates still side by side at 1280 px (18: the last one dropped)


TITLE_GROWTH = 0.5  # a chart's title, read once, grows less than what it shows


def _points(points: int, scale: float, axis: bool, title: bool = False) -> int:
    growth = AXIS_GROWTH if axis else TITLE_GROWTH if title else 1.0
    grown = points * (scale if scale <= 1 else 1 + (scale - 1) * growth)
    return round(min(grown, max(points, AXIS_POINTS_MAX)) if axis else grown)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


class SessionsModel(QAbstractTableModel):
    """Every session, newest first; rows are formatted only when shown."""

    HEADERS = (
        "Date",
        "Program",
        "Outcome",
        "Minutes",
        "Pain before",
        "Pain after",
        "Exercises",
        "Hurts",
    )

    def __init__(self, sessions: list[SessionSummary]) -> None:
        super().__init__()
        self.sessions = sessions[::-1]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.sessions)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> object:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> object:
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() >= 3:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role != Qt.ItemDataRole.DisplayRole or not index.isValid():
            return None
        s = self.sessions[index.row()]
        col = index.column()
        if col == 0:
            return f"{s.started_at:%a %d %b %Y %H:%M}"
        if col == 1:
            return s.program_id
        if col == 2:
            word = _OUTCOME_WORDS.get(s.outcome, s.outcome)
            return f"preview at {s.speed:g}×, {word}" if s.preview else word
        if col == 3:
            return f"{s.total_s / 60:.0f}"
        if col == 4:
            return "–" if s.pain_before is None else str(s.pain_before)
        if col == 5:
            return "–" if s.pain_after is None else str(s.pain_after)
        if col == 6:
            return str(s.exercises_done)
        return str(s.hurt_count)


class HistoryView(QWidget):
    back_requested = Signal()
    exported = Signal(str, int)  # path, number of sessions written

    def __init__(
        self,
        store: Store,
        parent: QWidget | None = None,
        *,
        today: date | None = None,
        tz: tzinfo | None = None,
        weeks_shown: int = WEEKS_SHOWN,
        pain_sessions_shown: int = PAIN_SESSIONS_SHOWN,
        esc_shortcut: bool = True,  # False inside a window that routes Esc itself
    ) -> None:
        super().__init__(parent)
        self.setObjectName("historyView")
        self._fonts: list[tuple[Callable[[QFont], None], int, bool, bool, bool]] = []  # _scaled
        self._scale = 1.0
        self.store = store
        self._today = today
        self.tz = tz
        self.weeks_shown = weeks_shown
        self.pain_sessions_shown = pain_sessions_shown
        self.history: History | None = None

        title = QLabel("Your progress")
        title.setObjectName("title")
        self.streak_label = QLabel()
        self.streak_label.setObjectName("where")
        self.week_label = QLabel()
        self.week_label.setObjectName("where")
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setToolTip("Save every session as a spreadsheet file for your therapist")
        self.export_button.clicked.connect(self.export_clicked)
        self.back_button = QPushButton("Back (Esc)")
        self.back_button.clicked.connect(self.back_requested)
        if esc_shortcut:
            QShortcut(
                QKeySequence(Qt.Key.Key_Escape),
                self,
                activated=self.back_requested.emit,
                context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
            )
        self.status_label = QLabel("")
        self.status_label.setObjectName("muted")
        self.status_label.setWordWrap(True)

        top = QHBoxLayout()
        top.addWidget(title)
        top.addStretch(1)
        top.addWidget(self.export_button)
        top.addWidget(self.back_button)
        numbers = QHBoxLayout()
        numbers.addWidget(self.streak_label)
        numbers.addSpacing(40)
        numbers.addWidget(self.week_label)
        numbers.addStretch(1)

        # --- charts
        self.week_set = QBarSet("Sessions")
        self.week_set.setColor(QColor(BAR_COLOUR))
        self._scaled(self.week_set.setLabelFont, 16, True)
        self.week_series = QBarSeries()
        self.week_series.append(self.week_set)
        self.week_series.setLabelsVisible(True)
        # above its bar, in the text's colour: inside, a one-session bar was shorter than
        # its white digit at x2.5 and the digit spilled out over the grid
        self.week_series.setLabelsPosition(QAbstractBarSeries.LabelsPosition.LabelsOutsideEnd)
        self.week_axis = QBarCategoryAxis()
        self.week_count_axis = QValueAxis()
        self.week_count_axis.setLabelFormat("%d")
        self.sessions_chart = self._chart(
            "Sessions per week", self.week_series, self.week_axis, self.week_count_axis
        )
        self._scaled(self.week_axis.setLabelsFont, 15, axis=True)
        self.week_axis.setTruncateLabels(False)  # Qt elides "30 Dec" even where it fits

        self.pain_before = QLineSeries()
        self.pain_before.setName("Before")
        self.pain_after = QLineSeries()
        self.pain_after.setName("After")
        for series, colour in ((self.pain_before, BEFORE_COLOUR), (self.pain_after, AFTER_COLOUR)):
            series.setPen(QPen(QColor(colour), 4))
            series.setPointsVisible(True)
            series.setMarkerSize(12)
        self.pain_time_axis = QDateTimeAxis()
        self.pain_time_axis.setFormat("d MMM")
        self.pain_axis = QValueAxis()
        self.pain_axis.setRange(0, 10)
        self.pain_axis.setTickCount(6)
        self.pain_axis.setLabelFormat("%d")
        self.pain_chart = self._chart(
            "Pain before and after (0–10)", self.pain_before, self.pain_time_axis, self.pain_axis
        )
        chart = self.pain_chart.chart()
        chart.addSeries(self.pain_after)
        self.pain_after.attachAxis(self.pain_time_axis)
        self.pain_after.attachAxis(self.pain_axis)
        chart.legend().setVisible(True)
        self._scaled(chart.legend().setFont, 16)
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)

        # --- tables
        self.completion_table = QTableWidget(0, 4)
        self.completion_table.setHorizontalHeaderLabels(
            ["Exercise", "Reps done", "Planned", "Done"]
        )
        self.sessions_table = QTableView()
        self.sessions_model = SessionsModel([])
        self.sessions_table.setModel(self.sessions_model)
        for table in (self.completion_table, self.sessions_table):
            table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
            table.setAlternatingRowColors(True)
            table.verticalHeader().setVisible(False)
            table.verticalHeader().setDefaultSectionSize(44)
            table.horizontalHeader().setFont(_font(16, True))
            table.setFont(_font(16))
        header = self.completion_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in (1, 2, 3):  # as wide as their heading ("Reps done" was cut to "Reps don")
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.sessions_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)

        self.tabs = QTabWidget()
        self.tabs.setFont(_font(16, True))
        # one chart per tab, each as large as the screen allows (read from the mat)
        self.tabs.addTab(self.sessions_chart, "Weeks")
        self.tabs.addTab(self.pain_chart, "Pain")
        self.tabs.addTab(self.completion_table, "Exercises")
        self.tabs.addTab(self.sessions_table, "Sessions")

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(numbers)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.status_label)
        self.refresh()

    # ------------------------------------------------------------------ building
    def _scaled(
        self,
        setter: Callable[[QFont], None],
        points: int,
        bold: bool = False,
        axis: bool = False,
        title: bool = False,
    ) -> None:
        """Set a chart's font (style sheets do not reach charts; tables take them), and again
        at each text size: at x2 their labels had stayed at the default size. An axis's
        labels grow less and at most to ``AXIS_POINTS_MAX``: twelve weeks' dates side by
        side overlapped at twice their size on a 1366-pixel screen."""
        self._fonts.append((setter, points, bold, axis, title))
        setter(_font(_points(points, self._scale, axis, title), bold))

    def set_text_scale(self, scale: float) -> None:
        """The charts' text, and the tables' row height, at the text size ``scale``."""
        if scale == self._scale:
            return
        self._scale = scale
        for setter, points, bold, axis, title in self._fonts:
            setter(_font(_points(points, scale, axis, title), bold))
        for table in (self.completion_table, self.sessions_table):
            table.verticalHeader().setDefaultSectionSize(round(44 * scale))

    def _chart(self, title: str, series, x_axis, y_axis) -> QChartView:
        chart = QChart()
        chart.setTitle(title)
        self._scaled(chart.setTitleFont, 20, True, title=True)
        chart.addSeries(series)
        for axis, side in (
            (x_axis, Qt.AlignmentFlag.AlignBottom),
            (y_axis, Qt.AlignmentFlag.AlignLeft),
        ):
            self._scaled(axis.setLabelsFont, 15, axis=True)
            axis.setTruncateLabels(False)  # a count cut to "…" says nothing
            chart.addAxis(axis, side)
            series.attachAxis(axis)
        chart.legend().setVisible(False)
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        view = QChartView(chart)
        view.setRenderHint(QPainter.RenderHint.Antialiasing)
        view.setMinimumHeight(320)
        return view

    def set_colours(self, background: str, text: str, grid: str) -> None:
        """The charts in the window's theme (high contrast: light text on black)."""
        for view in self.findChildren(QChartView):
            chart = view.chart()
            chart.setBackgroundBrush(QColor(background))
            chart.setTitleBrush(QColor(text))
            for axis in chart.axes():
                axis.setLabelsColor(QColor(text))
                axis.setGridLineColor(QColor(grid))
                axis.setLinePenColor(QColor(text))
            view.setBackgroundBrush(QColor(background))
        self.week_set.setLabelColor(QColor(text))

    @property
    def today(self) -> date:
        return self._today or datetime.now(self.tz).date()

    def refresh(self) -> None:
        """Read the store again and redraw everything."""
        h = load_history(self.store, today=self.today, tz=self.tz)
        self.history = h
        days = "day" if h.streak == 1 else "days"
        self.streak_label.setText(f"Streak: {h.streak} {days} in a row")
        n = h.this_week
        self.week_label.setText(f"This week: {n} session{'' if n == 1 else 's'}")

        weeks = sessions_per_week(h.sessions, self.today, weeks=self.weeks_shown)
        self.week_set.remove(0, self.week_set.count())
        self.week_set.append([float(w.sessions) for w in weeks])
        self.week_axis.clear()
        self.week_axis.append([w.label for w in weeks])
        top = max([w.sessions + 1 for w in weeks] + [7])  # room for the label over the bar
        self.week_count_axis.setRange(0, top)
        self.week_count_axis.setTickCount(min(top, 7) + 1 if top <= 7 else 5)

        points = h.pain[-self.pain_sessions_shown :]
        self.pain_before.replace([_point(p.when, p.before) for p in points if p.before is not None])
        self.pain_after.replace([_point(p.when, p.after) for p in points if p.after is not None])
        if points:
            first, last = points[0].when, points[-1].when
            if first.date() == last.date():
                # one day: the day before and after too, so its label sits under the point
                # (a range within the day labelled both ends "1 Dec")
                first = datetime.combine(first.date() - timedelta(days=1), time.min, first.tzinfo)
                last = datetime.combine(last.date() + timedelta(days=1), time.min, last.tzinfo)
                self.pain_time_axis.setTickCount(3)
            self.pain_time_axis.setRange(
                QDateTime.fromMSecsSinceEpoch(_ms(first)), QDateTime.fromMSecsSinceEpoch(_ms(last))
            )
        if not points or points[0].when.date() != points[-1].when.date():
            self.pain_time_axis.setTickCount(min(6, max(2, len(points))))
        make_all_plain(self)

        self.completion_table.setRowCount(len(h.completion))
        for r, c in enumerate(h.completion):
            cells = (c.name, str(c.done_reps), str(c.planned_reps), f"{c.ratio:.0%}")
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.completion_table.setItem(r, col, item)

        self.sessions_model.beginResetModel()
        self.sessions_model.sessions = h.sessions[::-1]
        self.sessions_model.endResetModel()
        if not h.sessions:
            self.status_label.setText("No sessions yet. Your progress will show here.")
        elif all(s.preview for s in h.sessions):
            # the charts are empty then, and said nothing about why
            self.status_label.setText(
                "Only previews so far (played faster than real time): they are listed under "
                "Sessions and not counted in the weeks, pain or exercise figures."
            )
        else:
            self.status_label.setText("")

    # ------------------------------------------------------------------ export
    def choose_export_path(self) -> str | None:
        suggested = str(Path.home() / f"stenosis-sessions-{self.today:%Y-%m-%d}.csv")
        path, _ = QFileDialog.getSaveFileName(
            self, "Export sessions as CSV", suggested, "CSV files (*.csv)"
        )
        return path or None

    def export_clicked(self) -> None:
        path = self.choose_export_path()
        if path:
            self.export_to(path)

    def export_to(self, path: str) -> int:
        try:
            n = export_csv(self.store, path, tz=self.tz)
        except (OSError, StoreError) as err:
            self.status_label.setText(f"Could not save {path}: {err}")
            return 0
        self.status_label.setText(f"Saved {n} session{'' if n == 1 else 's'} to {path}")
        self.exported.emit(path, n)
        return n


def _point(moment: datetime, value: int) -> QPointF:
    return QPointF(float(_ms(moment)), float(value))
