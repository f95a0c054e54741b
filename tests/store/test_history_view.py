"""The history screen shows seeded data: chart values, table cells, export."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime

import pytest
from PySide6.QtCore import Qt

from stenosis_player.ui.history_view import HistoryView


@pytest.fixture
def view(qtbot, store, seeded):
    v = HistoryView(store, today=date(2025, 3, 12), tz=UTC)
    qtbot.addWidget(v)
    v.resize(1280, 800)
    v.show()
    qtbot.waitExposed(v)
    return v


def test_numbers_at_the_top(view):
    assert view.streak_label.text() == "Streak: 4 days in a row"
    assert view.week_label.text() == "This week: 2 sessions"


def test_sessions_per_week_chart(view):
    values = [view.week_set.at(i) for i in range(view.week_set.count())]
    assert values == [0.0] * 9 + [2.0, 4.0, 2.0]
    labels = view.week_axis.categories()
    assert labels[-3:] == ["24 Feb", "3 Mar", "10 Mar"]
    assert len(labels) == 12


def test_pain_chart_series(view):
    before = [p.y() for p in view.pain_before.points()]
    after = [p.y() for p in view.pain_after.points()]
    assert before == [6, 5, 5, 7, 4, 3, 3]
    assert after == [4, 5, 3, 2, 2, 1]
    first_x = view.pain_before.points()[0].x()
    assert first_x == datetime(2025, 2, 25, 8, tzinfo=UTC).timestamp() * 1000


def test_completion_table(view):
    t = view.completion_table
    rows = {
        t.item(r, 0).text(): [t.item(r, c).text() for c in range(1, 4)] for r in range(t.rowCount())
    }
    assert rows["Lumbar flexion in lying"] == ["64", "70", "91%"]
    assert rows["=Walking"] == ["8", "8", "100%"]  # the latest name is shown


def test_sessions_table_newest_first(view):
    m = view.sessions_table.model()
    assert m.rowCount() == 8
    cell = lambda r, c: m.data(m.index(r, c), Qt.ItemDataRole.DisplayRole)  # noqa: E731
    assert cell(0, 0) == "Tue 11 Mar 2025 09:00"
    assert [cell(0, c) for c in range(1, 8)] == [
        "step-by-step",
        "completed",
        "20",
        "3",
        "1",
        "1",
        "0",
    ]
    stopped = 4  # 6 March
    assert [cell(stopped, c) for c in (2, 3, 4, 5, 6, 7)] == [
        "stopped early",
        "6",
        "7",
        "–",
        "2",
        "1",
    ]


def test_export_button_writes_the_csv(view, qtbot, tmp_path, monkeypatch):
    target = tmp_path / "for-my-therapist.csv"
    monkeypatch.setattr(view, "choose_export_path", lambda: str(target))
    with qtbot.waitSignal(view.exported) as blocker:
        qtbot.mouseClick(view.export_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [str(target), 8]
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert len(rows) == 8 and rows[0]["date"] == "2025-02-25"
    assert "Saved 8 sessions" in view.status_label.text()


def test_export_to_an_unwritable_place_says_so(view, tmp_path):
    assert view.export_to(str(tmp_path / "missing-folder" / "x.csv")) == 0
    assert view.status_label.text().startswith("Could not save")


def test_refresh_after_a_new_session(view, store, fake_now):
    from store_seed import seed_session

    seed_session(store, fake_now, datetime(2025, 3, 12, 9, tzinfo=UTC), before=2, after=1)
    view.refresh()
    assert view.week_set.at(11) == 3.0
    assert view.streak_label.text() == "Streak: 5 days in a row"
    assert view.sessions_table.model().rowCount() == 9


def test_empty_history(qtbot, store):
    v = HistoryView(store, today=date(2025, 3, 12), tz=UTC)
    qtbot.addWidget(v)
    v.show()
    assert v.streak_label.text() == "Streak: 0 days in a row"
    assert v.pain_before.count() == 0
    assert "No sessions yet" in v.status_label.text()


def test_esc_asks_to_go_back(view, qtbot):
    with qtbot.waitSignal(view.back_requested):
        qtbot.mouseClick(view.back_button, Qt.MouseButton.LeftButton)


def test_week_counts_are_drawn_above_their_bars_in_the_text_colour(view, qtbot):
    """Inside its bar, a white digit spilled out of a one-session bar at large text; above
    it, in the theme's text colour, it is read against the background at any height."""
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QColor

    view.tabs.setCurrentWidget(view.sessions_chart)
    view.set_colours("#000000", "#ffffff", "#444444")  # high contrast: light on black
    qtbot.waitUntil(lambda: view.sessions_chart.isVisible())
    chart = view.sessions_chart.chart()
    top_value = max(view.week_set.at(i) for i in range(view.week_set.count()))
    assert view.week_count_axis.max() >= top_value + 1  # room for the label over the bar
    image = view.sessions_chart.grab().toImage()
    series = view.week_series
    for index in range(view.week_set.count()):
        value = view.week_set.at(index)
        if not value:
            continue
        top = view.sessions_chart.mapFromScene(chart.mapToPosition(QPointF(index, value), series))
        column = range(int(top.x()) - 6, int(top.x()) + 7)
        above = [
            QColor(image.pixel(x, y)).lightness()
            for x in column
            for y in range(max(0, int(top.y()) - 40), int(top.y()) - 3)
        ]
        assert max(above) > 200, (index, "no light digit above the bar")


def test_only_previews_say_why_the_charts_are_empty(qtbot, store, fake_now):
    """A preview (``--speed``) is listed under Sessions but counted nowhere: with only
    previews the charts were empty and said nothing. A real session clears the line."""
    from stenosis_player.store import PlannedExercise

    fake_now.set(datetime(2025, 3, 11, 9, tzinfo=UTC))
    plan = [PlannedExercise("walking", "Walking", 0, 3, 1)]
    sid = store.begin_session("step-by-step", plan=plan, segment_count=4, speed=10.0)
    store.finish_session(sid, "completed")
    v = HistoryView(store, today=date(2025, 3, 12), tz=UTC)
    qtbot.addWidget(v)
    v.show()
    assert "Only previews so far" in v.status_label.text()
    assert v.sessions_table.model().rowCount() == 1
    assert sum(v.week_set.at(i) for i in range(v.week_set.count())) == 0
    fake_now.set(datetime(2025, 3, 12, 9, tzinfo=UTC))
    real = store.begin_session("step-by-step", plan=plan, segment_count=4)
    store.finish_session(real, "completed")
    v.refresh()
    assert v.status_label.text() == ""
