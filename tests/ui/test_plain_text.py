"""Issue 16, item 3: catalogue, program and settings text is shown as written. A catalogue
with markup in every text field (names, steps, cues, questions, sources, the safety words,
picture descriptions) is played through every screen; every label that shows it is plain
text, so the markup appears literally and an ``<img src=…>`` shows no local file."""

from __future__ import annotations

import json
import shutil

from conftest import REPO
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from stenosis_player.catalog import load_catalog
from stenosis_player.script import Kind
from stenosis_player.settings import Settings
from stenosis_player.store import Store
from stenosis_player.ui.layout_audit import _Clock, _run_to
from stenosis_player.ui.main_window import MainWindow
from stenosis_player.ui.speech_port import CaptionOnlySpeech

TEXT_KEYS = {
    "text", "alt", "quote", "name", "cue", "setup", "label", "say", "title", "publisher",
    "before_starting", "stop_if_it_hurts", "app_addition", "author", "settle_quote",
    "question", "move", "hold", "release",
}  # fmt: skip
MARK = '<b>B</b><img src="/etc/hostname"> '  # first: Qt takes such text for rich text


def hostile_catalog(tmp_path):
    data = json.loads((REPO / "exercises.json").read_text(encoding="utf-8"))

    def mark(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in TEXT_KEYS and isinstance(value, str):
                    node[key] = MARK + value
                elif (
                    key in TEXT_KEYS
                    and isinstance(value, list)
                    and all(isinstance(v, str) for v in value)
                ):
                    node[key] = [MARK + v for v in value]
                else:
                    mark(value)
        elif isinstance(node, list):
            for value in node:
                mark(value)

    mark(data)
    data.pop("$schema", None)
    shutil.copytree(REPO / "assets", tmp_path / "assets")
    path = tmp_path / "exercises.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return load_catalog(path)


def labels_showing_markup(top: QWidget) -> list[QLabel]:
    return [
        label
        for label in top.findChildren(QLabel)
        if label.isVisible() and "<b>B</b>" in label.text()
    ]


def test_markup_in_every_text_field_is_shown_literally(qtbot, tmp_path):
    catalog = hostile_catalog(tmp_path)
    settings = Settings(tmp_path / "settings.json")
    settings.set(
        "programs.step-by-step.order", ["sustained-lumbar-extension", "straight-leg-raise"]
    )
    settings.set("safety.notice_seen", True)
    store = Store.open(tmp_path / "progress.sqlite3")
    clock = _Clock()
    w = MainWindow(catalog, settings=settings, speech=CaptionOnlySpeech(), clock=clock, store=store)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    seen: set[str] = set()

    def look(top: QWidget) -> None:
        QApplication.processEvents()
        for label in labels_showing_markup(top):
            assert label.textFormat() == Qt.TextFormat.PlainText, label.text()
            seen.add(label.text())
        # and nothing at all on show is rich text but the app's own microphone line
        for label in top.findChildren(QLabel):
            if label.isVisible() and not label.property("allowRichText"):
                assert label.textFormat() == Qt.TextFormat.PlainText, label.text()

    look(w)  # the start screen: the program's source
    w.show_safety()
    look(w.safety_dialog)
    assert "<b>B</b>" in w.safety_dialog.text.text()
    w.safety_dialog.accept()
    w.hands_free = True
    w.start_session()
    _run_to(w, clock, Kind.INTRO)
    look(w)
    assert w.player.title.text().startswith(MARK)  # the exercise name, as written
    _run_to(w, clock, Kind.HOLD, extra=2)
    look(w)
    assert "&lt;b&gt;" in w.player.image.toolTip()  # the picture's description, escaped
    w.it_hurts()
    look(w)
    w.choose_after_hurt("continue")
    _run_to(w, clock, Kind.CHECK)
    look(w)
    assert w.player.question.text().startswith(MARK)
    w.answer(True)
    _run_to(w, clock, Kind.DONE, extra=60)
    w.session.pain_answered(None)
    assert w.stack.currentWidget() is w.end_view
    look(w)  # the end screen lists the exercise names
    w.open_history()
    look(w)
    w.show_start()
    w.open_settings()
    look(w.settings_dialog)  # exercise names and the article's words beside each dose
    w.settings_dialog.reject()
    assert len(seen) >= 8, seen  # names, cues, sentences, questions, sources, safety words
