"""Issue 8's rules through the real window, a fake clock and a real progress database."""

from __future__ import annotations

from fakes import FakeClock
from PySide6.QtCore import Qt

from stenosis_player.script import Kind
from stenosis_player.settings import Settings, load_settings
from stenosis_player.store import Store
from stenosis_player.ui.main_window import MainWindow
from stenosis_player.ui.speech_port import CaptionOnlySpeech


def Clock() -> FakeClock:
    return FakeClock(10.0)


def window(qtbot, catalog, tmp_path, order, program="step-by-step", values=None):
    settings = Settings(tmp_path / "settings.json")
    settings.set(f"programs.{program}.order", list(order))
    settings.set("program.last", program)
    for key, value in (values or {}).items():
        settings.set(key, value)
    store = Store.open(tmp_path / "progress.sqlite3")
    w = MainWindow(
        catalog, settings=settings, speech=CaptionOnlySpeech(), clock=Clock(), store=store
    )
    w.hands_free = True
    w.ask_pain = False  # no pain questions: these tests are about the rules
    qtbot.addWidget(w)
    with qtbot.waitActive(w):
        w.show()
        w.activateWindow()
    return w


def stretch_window(qtbot, catalog, tmp_path):
    """The back flexion stretch alone, one rep: a short session whose hold can grow."""
    return window(
        qtbot,
        catalog,
        tmp_path,
        ["back-flexion-stretch"],
        program="stretch-and-strengthen",
        values={"exercises.back-flexion-stretch.reps": 1},
    )


def run_session(w, until_kind=None):
    w.start_session()
    c = w.controller
    while c.stage.value in ("running", "resuming"):
        if until_kind is not None and c.current.kind is until_kind:
            return
        w.clock.now += 0.5
        c.tick()


def holds(w, exercise_id):
    script = w.build_script(w.program_id)
    return {
        s.duration for s in script.segments if s.exercise_id == exercise_id and s.kind is Kind.HOLD
    }


def test_extension_answered_no_is_gone_and_comes_back_when_re_enabled(qtbot, catalog, tmp_path):
    w = window(qtbot, catalog, tmp_path, ["sustained-lumbar-extension", "lumbar-flexion-lying"])
    run_session(w, until_kind=Kind.CHECK)
    qtbot.keyClick(w, Qt.Key.Key_N)
    assert "sustained-lumbar-extension" not in w.build_script(w.program_id).exercise_ids()
    # the history keeps the reason; settings can put it back
    assert "settle" in w.store.removal_reasons()["sustained-lumbar-extension"]
    w.settings.set("exercises.sustained-lumbar-extension.removed", False)
    assert w.build_script(w.program_id).exercise_ids()[0] == "sustained-lumbar-extension"


def test_hold_grows_by_the_rule_across_sessions_and_stops_at_the_target(qtbot, catalog, tmp_path):
    w = stretch_window(qtbot, catalog, tmp_path)
    seen = [next(iter(holds(w, "back-flexion-stretch")))]
    for _ in range(14):
        run_session(w)
        assert w.stack.currentWidget() is w.end_view
        seen.append(next(iter(holds(w, "back-flexion-stretch"))))
        w.show_start()
    # 10 s to start, +5 s after every three sessions without "It hurts", never past 30 s
    assert seen == [10, 10, 10, 15, 15, 15, 20, 20, 20, 25, 25, 25, 30, 30, 30]
    assert "Press U to undo" not in w.end_view.next_steps.text()  # nothing changed at 30


def test_progression_says_why_and_can_be_undone(qtbot, catalog, tmp_path):
    w = stretch_window(qtbot, catalog, tmp_path)
    for _ in range(3):
        w.show_start()
        run_session(w)
    text = w.end_view.next_steps.text()
    assert "Back flexion stretch: 10 → 15 s hold (3 sessions in a row without pain" in text
    assert "Press U to undo" in text
    qtbot.keyClick(w, Qt.Key.Key_U)
    assert holds(w, "back-flexion-stretch") == {10}


def test_a_hurt_restarts_the_count(qtbot, catalog, tmp_path):
    w = stretch_window(qtbot, catalog, tmp_path)
    run_session(w)
    w.show_start()
    run_session(w, until_kind=Kind.HOLD)
    qtbot.keyClick(w, Qt.Key.Key_H)
    qtbot.keyClick(w, Qt.Key.Key_C)  # go on after all
    run_session_rest(w)
    for _ in range(2):
        w.show_start()
        run_session(w)
    assert holds(w, "back-flexion-stretch") == {10}  # only two clean sessions since the hurt
    w.show_start()
    run_session(w)
    assert holds(w, "back-flexion-stretch") == {15}


def run_session_rest(w):
    c = w.controller
    while c.stage.value in ("running", "resuming", "paused"):
        if c.stage.value == "paused":
            c.resume()
        w.clock.now += 0.5
        c.tick()


def test_it_hurts_twice_in_a_row_suggests_removal(qtbot, catalog, tmp_path):
    w = window(
        qtbot,
        catalog,
        tmp_path,
        ["squat-incline-board", "lumbar-flexion-lying"],
        program="sciatica-five",
    )
    # first session: it hurts on the squat, skip it
    run_session(w, until_kind=Kind.MOVE)
    qtbot.keyClick(w, Qt.Key.Key_H)
    assert not w.player.hurt_buttons["remove"].isVisible()
    qtbot.keyClick(w, Qt.Key.Key_S)
    run_session_rest(w)
    w.show_start()
    # next session: it hurts again on the same exercise
    run_session(w, until_kind=Kind.MOVE)
    qtbot.keyClick(w, Qt.Key.Key_H)
    assert w.player.hurt_buttons["remove"].isVisible()
    assert "hurt twice in a row" in w.player.hurt_title.text()
    qtbot.keyClick(w, Qt.Key.Key_R)
    assert w.controller.current.exercise_id == "lumbar-flexion-lying"
    assert "squat-incline-board" not in w.build_script(w.program_id).exercise_ids()
    assert w.store.removal_reasons()["squat-incline-board"] == "it hurt twice in a row"


def after_three_clean_sessions(qtbot, catalog, tmp_path, order: list[str], removed: str):
    """A window whose program is *order* with *removed* taken out by a safety rule, after
    three sessions without "It hurts" (one rep of lying flexion each, to keep them short)."""
    w = window(
        qtbot,
        catalog,
        tmp_path,
        order,
        values={f"exercises.{removed}.removed": True, "exercises.lumbar-flexion-lying.reps": 1},
    )
    for _ in range(3):
        w.show_start()
        run_session(w)
    return w


def test_adding_the_next_flexion_stage_keeps_a_removed_exercise_in_its_place(
    qtbot, catalog, tmp_path
):
    w = after_three_clean_sessions(
        qtbot,
        catalog,
        tmp_path,
        ["sustained-lumbar-extension", "lumbar-flexion-lying"],
        removed="sustained-lumbar-extension",
    )
    assert "Press A to add it" in w.end_view.next_steps.text()
    qtbot.keyClick(w, Qt.Key.Key_A)
    assert "Seated lumbar flexion is now part of your program" in w.end_view.next_steps.text()
    saved = load_settings(tmp_path / "settings.json").settings
    assert saved.program_order("step-by-step") == [
        "sustained-lumbar-extension",
        "lumbar-flexion-lying",
        "seated-lumbar-flexion",
    ]
    assert saved.removed_exercises() == {"sustained-lumbar-extension"}
    # put back in Settings, it runs where it was: first
    w.settings.set("exercises.sustained-lumbar-extension.removed", False)
    assert w.build_script(w.program_id).exercise_ids() == [
        "sustained-lumbar-extension",
        "lumbar-flexion-lying",
        "seated-lumbar-flexion",
    ]


def test_a_flexion_stage_removed_by_a_safety_rule_is_not_offered_again(qtbot, catalog, tmp_path):
    w = after_three_clean_sessions(
        qtbot,
        catalog,
        tmp_path,
        ["lumbar-flexion-lying", "seated-lumbar-flexion"],
        removed="seated-lumbar-flexion",
    )
    assert "Press A" not in w.end_view.next_steps.text()
    qtbot.keyClick(w, Qt.Key.Key_A)  # nothing to add: the order is not touched
    assert w.settings.program_order("step-by-step") == [
        "lumbar-flexion-lying",
        "seated-lumbar-flexion",
    ]
