"""Large text on a laptop-sized window: the start screen's lists keep showing the choice,
and Settings spends its room on the settings (real window and dialog, offscreen)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

from stenosis_player.settings import Settings
from stenosis_player.ui.main_window import MainWindow
from stenosis_player.ui.speech_port import CaptionOnlySpeech


def _window(qtbot, catalog, tmp_path, scale: float) -> MainWindow:
    settings = Settings(tmp_path / "settings.json")
    settings.set("display.text_scale", scale)
    w = MainWindow(catalog, settings=settings, speech=CaptionOnlySpeech())
    qtbot.addWidget(w)
    w.resize(1280, 760)  # a 1280x800 laptop's window under a desktop's panel and frame
    w.show()
    qtbot.waitUntil(lambda: w.start_view.isVisible())
    qtbot.wait(20)
    return w


def _rows_shown(lst, rows: int) -> bool:
    model = lst.model()
    view = lst.viewport().rect()
    return all(view.contains(lst.visualRect(model.index(i, 0))) for i in range(rows))


def _text_box_narrower_than_row(lst) -> str | None:
    """A row whose text is painted in a narrower box than its row: Qt sizes a wrapped row
    for the row's width, so a name that just fits it is painted cut ("Five exercises
    for …" at x2.5 on 1280x760, seen in a screenshot: the items' style-sheet padding)."""
    style = lst.style()
    model = lst.model()
    for row in range(model.rowCount()):
        index = model.index(row, 0)
        opt = QStyleOptionViewItem()
        opt.initFrom(lst)
        lst.itemDelegate().initStyleOption(opt, index)
        opt.rect = lst.visualRect(index)
        box = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, lst)
        if box.width() < opt.rect.width():
            return f"{opt.text!r}: row {opt.rect.width()} px wide, text box {box.width()} px"
    return None


def test_start_lists_paint_each_name_in_the_width_it_was_wrapped_for(qtbot, catalog, tmp_path):
    for scale in (1.0, 2.5):
        w = _window(qtbot, catalog, tmp_path / str(scale), scale)
        for lst in (w.start_view.programs, w.start_view.exercises):
            assert lst.count() > 0
            assert _text_box_narrower_than_row(lst) is None
        w.close()


def test_start_lists_show_every_program_at_twice_the_text(qtbot, catalog, tmp_path):
    w = _window(qtbot, catalog, tmp_path, 2.0)
    sv = w.start_view
    assert sv.programs.count() == len(catalog.programs) == 3
    assert _rows_shown(sv.programs, 3)  # each whole, wrapped where long, none cut off
    assert _rows_shown(sv.exercises, 3)
    assert sv.programs.wordWrap() and sv.exercises.wordWrap()
    # and the text is still larger than at the default size
    fit = next(f for f in w._screen_fits if f.screen is sv)
    assert fit.factor > 1.0


def test_a_dose_never_wraps_inside_a_number_and_its_unit(qtbot, catalog, tmp_path):
    w = _window(qtbot, catalog, tmp_path, 2.0)
    texts = [w.start_view.exercises.item(i).text() for i in range(w.start_view.exercises.count())]
    assert any("hold\u00a02\u00a0s" in t for t in texts), texts
    assert not any("hold 2 s" in t for t in texts)


def test_settings_keeps_its_room_for_the_settings(qtbot, catalog, tmp_path):
    w = _window(qtbot, catalog, tmp_path, 2.0)
    w.open_settings()
    d = w.settings_dialog
    qtbot.waitUntil(lambda: d.isVisible())
    # Save and Cancel without the style's 16 px icons beside large words
    assert all(b.icon().isNull() for b in d.buttons.buttons())
    # sharing lives on the Program tab, not under every tab
    program_page = d.tabs.widget(1)
    assert program_page.isAncestorOf(d.export_button)
    assert program_page.isAncestorOf(d.import_button)
    assert not d.status.isVisible()  # no empty line of large text
    d.show_message("Hold must be 0 to 600 s", error=True)
    assert d.status.isVisible()
    d.show_message("")
    assert not d.status.isVisible()


def test_the_safety_notice_grows_with_the_text_up_to_the_screen(qtbot, catalog, tmp_path):
    from stenosis_player.ui.safety_notice import SafetyNotice

    w = _window(qtbot, catalog, tmp_path, 2.0)
    avail = w.screen().availableGeometry()
    small = SafetyNotice(catalog, w, 1.0)
    large = SafetyNotice(catalog, w, 2.0)
    for d in (small, large):
        qtbot.addWidget(d)
        assert d.ok_button.icon().isNull()
        assert d.width() <= avail.width() and d.height() <= avail.height()
    assert large.width() >= small.width() and large.height() >= small.height()
    # that it grows where there is room: test_dialogs_on_a_laptop_screen.py (1366x768)


def _page_overflow(d) -> str | None:
    """The page of ``d`` that needs a horizontal scroll to be read, or None."""
    from PySide6.QtWidgets import QScrollArea

    for i in range(d.tabs.count()):
        d.tabs.setCurrentIndex(i)
        page = d.tabs.widget(i)
        area = page if isinstance(page, QScrollArea) else page.findChild(QScrollArea)
        inner = area.widget() if area is not None else page
        room = area.viewport().width() if area is not None else page.width()
        if inner.minimumSizeHint().width() > room:
            return f"{d.tabs.tabText(i)}: needs {inner.minimumSizeHint().width()} px, has {room}"
    return None


@pytest.mark.parametrize("scale", [1.0, 2.0, 2.5])
@pytest.mark.parametrize("size", [(1280, 760), (1366, 728)], ids=["1280x800", "1366x768"])
def test_settings_shows_every_section_and_no_page_scrolls_sideways(
    qtbot, catalog, tmp_path, scale, size
):
    """Eight tabs did not fit a laptop-sized dialog (Reminders behind 10 px arrows at x1 on
    1280x800); the sections are a list on the left, every one shown at every text size."""
    from stenosis_player.ui.settings_dialog import SettingsDialog

    settings = Settings(tmp_path / "settings.json")
    settings.set("display.text_scale", scale)
    d = SettingsDialog(settings, catalog, "step-by-step", None)
    qtbot.addWidget(d)
    d.resize(*size)  # as fit_dialog_to_screen makes it on that laptop
    d.show()
    qtbot.waitExposed(d)
    qtbot.wait(10)
    sections = d.sections
    titles = [sections.item(i).text() for i in range(sections.count())]
    assert titles == [d.tabs.tabText(i).replace("&", "") for i in range(d.tabs.count())]
    assert "Reminders" in titles and "Voice commands" in titles
    assert not d.tabs.tabBar().isVisible()
    assert _rows_shown(sections, sections.count())
    assert _page_overflow(d) is None
    if size == (1366, 728) and scale == 2.0:
        assert d._fit.factor == 2.0  # and on the larger laptop that costs no text size
    # the list and the pages follow each other, by click and by the pages' own Alt keys
    sections.setCurrentRow(titles.index("Reminders"))
    assert d.tabs.currentWidget().isAncestorOf(d.reminders_tab)
    qtbot.keyClick(d, Qt.Key.Key_E, Qt.KeyboardModifier.AltModifier)
    assert d.tabs.currentIndex() == 0 and sections.currentRow() == 0
    # every section has its own Alt key, and it works from any page (no button's letter)
    keys = []
    for i in range(d.tabs.count()):
        title = d.tabs.tabText(i)
        assert "&" in title, title
        keys.append(title[title.index("&") + 1].upper())
        assert sections.item(i).toolTip() == f"Alt+{keys[-1]}"  # the row says its key
    assert len(set(keys)) == len(keys), keys
    for start in range(d.tabs.count()):
        for i, key in enumerate(keys):
            d.tabs.setCurrentIndex(start)
            qtbot.keyClick(d, getattr(Qt.Key, f"Key_{key}"), Qt.KeyboardModifier.AltModifier)
            assert d.tabs.currentIndex() == i, (d.tabs.tabText(start), key)


def test_history_charts_and_tables_grow_with_the_text_size(qtbot, catalog, tmp_path):
    """Charts take no style sheet: their titles, labels and legend followed no text size
    (at x2 they stayed at the default's), now they follow the setting, also when it changes."""
    from PySide6.QtCharts import QChartView

    from stenosis_player.store import Store

    def sizes(w) -> list[float]:
        h = w.history_view
        charts = [v.chart() for v in h.findChildren(QChartView)]
        return [
            *(c.titleFont().pointSizeF() for c in charts),
            *(a.labelsFont().pointSizeF() for c in charts for a in c.axes()),
            *(c.legend().font().pointSizeF() for c in charts if c.legend().isVisible()),
        ]  # (tables and tabs take the window's style sheet, which has the text size)

    seen = {}
    for scale in (1.0, 2.0):
        settings = Settings(tmp_path / f"{scale}.json")
        settings.set("display.text_scale", scale)
        store = Store.open(tmp_path / f"{scale}.sqlite3")
        w = MainWindow(catalog, settings=settings, speech=CaptionOnlySpeech(), store=store)
        qtbot.addWidget(w)
        w.show()
        w.open_history()
        assert w.stack.currentWidget() is w.history_view
        seen[scale] = sizes(w)
        if scale == 2.0:
            settings.set("display.text_scale", 1.0)  # changed in Settings: back to the default
            w.apply_display_settings()
            assert sizes(w) == seen[1.0]
        w.close()
        store.close()
    assert all(big > small for big, small in zip(seen[2.0], seen[1.0], strict=True)), seen


def test_history_week_dates_fit_side_by_side_at_the_largest_text(qtbot, catalog, tmp_path):
    """Twelve weeks' dates at x2.5 on a 1280x800 laptop: each fits its column (at twice
    their size they overlapped, and Qt dropped the last)."""
    from PySide6.QtGui import QFontMetrics

    from stenosis_player.store import Store

    settings = Settings(tmp_path / "settings.json")
    settings.set("display.text_scale", 2.5)
    store = Store.open(tmp_path / "progress.sqlite3")
    w = MainWindow(catalog, settings=settings, speech=CaptionOnlySpeech(), store=store)
    qtbot.addWidget(w)
    w.resize(1280, 760)
    w.show()
    w.open_history()
    qtbot.wait(20)
    h = w.history_view
    chart = h.sessions_chart.chart()
    labels = h.week_axis.categories()
    assert len(labels) == h.weeks_shown == 12
    column = chart.plotArea().width() / len(labels)
    metrics = QFontMetrics(h.week_axis.labelsFont())
    widest = max(labels, key=metrics.horizontalAdvance)
    assert metrics.horizontalAdvance(widest) < column, (widest, column)
    assert h.week_axis.labelsFont().pointSizeF() > 15  # and larger than at x1
    w.close()
    store.close()
