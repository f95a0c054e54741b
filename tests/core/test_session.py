"""The session coordinator without Qt: a whole session driven by a test clock, the real
catalogue, real settings and a real progress database, observed through a recording view."""

from __future__ import annotations

import subprocess
import sys

from fakes import FakeClock

from stenosis_player.script import Kind
from stenosis_player.session import END, PAIN, PLAYER, EngineDriver, SessionCoordinator
from stenosis_player.settings import Settings
from stenosis_player.store import Store


class RecordingView:
    """Every call the coordinator makes, in order, as (method, args)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple]] = []

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args, **kw: self.calls.append((name, args + tuple(kw.values())))

    def last(self, name: str) -> tuple:
        return [args for n, args in self.calls if n == name][-1]

    def names(self) -> list[str]:
        return [n for n, _ in self.calls]


class Speech:
    def __init__(self) -> None:
        self.said: list[str] = []

    def say(self, text: str, utterance_id: str = "", priority: object = None) -> None:
        self.said.append(text)

    def stop(self) -> None:
        pass


def coordinator(catalog, tmp_path, order, store=None, speed=1.0):
    settings = Settings(tmp_path / "settings.json")
    settings.set("programs.step-by-step.order", list(order))
    view, speech, clock = RecordingView(), Speech(), FakeClock(10.0)
    s = SessionCoordinator(
        catalog,
        view,
        lambda script, clk, speed, at: EngineDriver(script, clk, speed, at),
        speech=speech,
        settings=settings,
        store=store,
        clock=clock,
        speed=speed,
    )
    return s, view, speech, clock


def run_until(s, clock, kind=None, limit=900.0):
    end = clock.now + limit
    while s.controller.stage.value in ("running", "resuming") and clock.now < end:
        if kind is not None and s.controller.current.kind is kind:
            return
        clock.now += 0.5
        s.controller.tick()


def test_the_session_module_needs_no_qt():
    code = "import sys, stenosis_player.session; print('PySide6' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_whole_session_runs_without_qt_and_is_recorded(catalog, tmp_path):
    store = Store.open(tmp_path / "progress.sqlite3")
    s, view, speech, clock = coordinator(catalog, tmp_path, ["sustained-lumbar-extension"], store)
    s.start_session()
    assert view.last("show_pain_question")[0].startswith("Before we start")
    s.pain_answered(3)
    assert view.last("show_screen") == (PLAYER,)
    run_until(s, clock, Kind.HOLD)
    assert view.last("show_segment")[0].kind is Kind.HOLD
    assert speech.said[-1] == s.controller.current.say
    run_until(s, clock)
    assert s.controller.stage.value == "finished"
    result = view.last("show_result")[0]
    assert result.completed and result.done == ["Sustained lumbar extension"]
    assert view.last("show_pain_question")[0].startswith("All done")
    s.pain_answered(2)
    assert view.last("show_screen") == (END,)
    sid = s.recorder.session_id
    assert store.session_outcome(sid) == "completed"
    pain = store.connection.execute(
        "SELECT moment, pain FROM checkins WHERE session_id = ? ORDER BY moment", (sid,)
    ).fetchall()
    assert sorted(pain) == [("after", 2), ("before", 3)]


def test_stopping_early_does_not_say_all_done(catalog, tmp_path):
    store = Store.open(tmp_path / "progress.sqlite3")
    s, view, _, clock = coordinator(catalog, tmp_path, ["sustained-lumbar-extension"], store)
    s.hands_free = True
    s.start_session()
    run_until(s, clock, Kind.HOLD)
    s.command("stop")
    assert s.confirming_stop and view.last("show_stop_question") == (True,)
    assert s.controller.stage.value == "paused"
    s.command("stop")
    assert view.last("show_stop_question") == (False,)
    assert not view.last("show_result")[0].completed
    question = view.last("show_pain_question")[0]
    assert "All done" not in question and "over" in question
    assert view.last("show_screen") == (PAIN,)


def test_it_hurts_twice_offers_removal_and_removes(catalog, tmp_path):
    s, view, speech, clock = coordinator(
        catalog, tmp_path, ["sustained-lumbar-extension", "squat-incline-board"]
    )
    s.start_session()
    run_until(s, clock, Kind.HOLD)
    s.it_hurts()
    assert s.hurt_choices_open and view.last("show_hurt_choices") == (False, False)
    s.choose_after_hurt("continue")
    assert not s.hurt_choices_open and view.last("on_hurt")[1] == "continue"
    s.it_hurts()
    assert view.last("show_hurt_choices") == (False, True)  # hurt twice: removal offered
    assert "hurt twice in a row" in speech.said[-1]
    s.choose_after_hurt("remove")
    assert s.settings.get("exercises.sustained-lumbar-extension.removed") is True
    assert "taken out of your program" in view.last("set_session_notice")[0]
    assert s.controller.current.exercise_id == "squat-incline-board"


def test_it_hurts_replaces_an_open_stop_question(catalog, tmp_path):
    s, view, _, clock = coordinator(catalog, tmp_path, ["sustained-lumbar-extension"])
    s.start_session()
    run_until(s, clock, Kind.HOLD)
    s.command("stop")
    s.it_hurts()
    assert not s.confirming_stop and view.last("show_stop_question") == (False,)
    assert s.hurt_choices_open


def test_a_preview_is_recorded_apart_and_not_counted(catalog, tmp_path):
    """--speed 50: the session is saved as a preview; no streak, no week, no pain point,
    no progression, no pain question."""
    from stenosis_player.history import load_history

    store = Store.open(tmp_path / "progress.sqlite3")
    s, view, _speech, clock = coordinator(
        catalog, tmp_path, ["sustained-lumbar-extension"], store=store, speed=50.0
    )
    s.start_session()
    assert "show_pain_question" not in view.names()  # straight to the player
    assert "Preview at 50× speed" in view.last("set_session_notice")[0]
    run_until(s, clock, limit=60)
    assert s.controller.stage.value == "finished"
    assert view.last("show_result")[0].next_steps == "A preview does not change your program."
    h = load_history(store)
    (session,) = h.sessions
    assert session.preview and session.speed == 50.0 and session.outcome == "completed"
    assert h.streak == 0 and h.this_week == 0 and h.pain == [] and h.completion == []
    assert store.exercise_history("sustained-lumbar-extension") == []


def test_time_left_moves_every_second_during_a_spoken_introduction(catalog, tmp_path):
    # the introduction is a long segment with no countdown: the session's time left and its
    # bar must still move each second, or the screen looks frozen for 15 s
    s, view, _, clock = coordinator(catalog, tmp_path, ["sustained-lumbar-extension"])
    s.start_session()
    s.pain_answered(3)
    first = s.controller.current
    assert first.kind is Kind.INTRO and not first.countdown and first.duration >= 6
    shown = []
    for _ in range(5):
        clock.now += 1.0
        s.controller.tick()
        shown.append(view.last("show_time_left")[0])
    assert s.controller.current is first  # still the introduction
    assert [round(e) for e in shown] == [1, 2, 3, 4, 5]
