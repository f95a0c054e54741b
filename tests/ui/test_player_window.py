"""The real window driven through a short session with a fake clock."""

from __future__ import annotations

import pytest
from fakes import FakeClock
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from stenosis_player.engine import Stage
from stenosis_player.script import Kind
from stenosis_player.settings import Settings
from stenosis_player.ui import player_view as pv
from stenosis_player.ui.main_window import MainWindow
from stenosis_player.ui.speech_port import CaptionOnlySpeech


def Clock() -> FakeClock:
    return FakeClock(50.0)


def short_settings(tmp_path, order: tuple[str, ...]) -> Settings:
    """Real settings whose default program runs only ``order`` (a short session)."""
    settings = Settings(tmp_path / "settings.json")
    settings.set("programs.step-by-step.order", list(order))
    return settings


@pytest.fixture
def window(qtbot, catalog, tmp_path):
    def make(order=("sustained-lumbar-extension", "squat-incline-board"), settings=None):
        clock = Clock()
        speech = CaptionOnlySpeech()
        w = MainWindow(
            catalog,
            settings=settings or short_settings(tmp_path, order),
            speech=speech,
            clock=clock,
        )
        qtbot.addWidget(w)
        with qtbot.waitActive(w):
            w.show()
            w.activateWindow()
        return w, clock, speech

    return make


def laptop_window(qtbot, catalog, tmp_path, order, scale=1.0, size=(1280, 760)):
    """The real window at a laptop's size and a text size, its session's clock a fake."""
    settings = short_settings(tmp_path, order)
    settings.set("display.text_scale", scale)
    clock = Clock()
    w = MainWindow(catalog, settings=settings, speech=CaptionOnlySpeech(), clock=clock)
    qtbot.addWidget(w)
    w.resize(*size)
    w.show()
    return w, clock


def started_at(qtbot, w, clock, kind: Kind) -> None:
    """Start the window's session and run its fake clock to the first step of ``kind``."""
    w.start_session()
    advance_to(w, clock, kind)
    qtbot.wait(10)


def advance(w, clock, seconds: float, step: float = 0.25) -> None:
    end = clock.now + seconds
    while clock.now < end:
        clock.now = min(end, clock.now + step)
        w.controller.tick()


def advance_to(w, clock, kind: Kind, limit: float = 600) -> None:
    end = clock.now + limit
    while w.controller.current.kind is not kind and clock.now < end:
        clock.now += 0.25
        w.controller.tick()
    assert w.controller.current.kind is kind


def test_start_screen_lists_program_and_total(window):
    w, _, _ = window()
    assert w.stack.currentWidget() is w.start_view
    assert w.start_view.exercises.count() == 2
    assert "Sustained lumbar extension" in w.start_view.exercises.item(0).text()
    assert "Total time" in w.start_view.total.text()


def test_labels_countdown_and_image_follow_the_script(qtbot, window):
    w, clock, speech = window()
    qtbot.keyClick(w, Qt.Key.Key_Return)
    assert w.stack.currentWidget() is w.player
    p = w.player
    assert p.title.text() == "Sustained lumbar extension"
    assert speech.said[0].startswith("Sustained lumbar extension")
    assert p.caption.text() == speech.said[0]
    advance_to(w, clock, Kind.HOLD)
    seg = w.controller.current
    assert p.instruction.text() == seg.show
    assert p.where.text() == "Rep 1 of 1"
    advance(w, clock, 10.2)
    assert p.ring.text() == str(round(seg.duration - 10))
    if p.image.has_image():
        assert p.image.path.name.endswith("end.svg")
    advance_to(w, clock, Kind.CHECK)
    assert p.question_panel.isVisible()
    # squat: reps and sets appear in the rep label
    advance_to(w, clock, Kind.MOVE)
    assert p.where.text() == "Rep 1 of 12 · Set 1 of 2"
    assert p.next_label.text() == "Next: finish"


def test_every_key_works(qtbot, window):
    w, clock, _ = window()
    qtbot.keyClick(w, Qt.Key.Key_Space)  # start
    c = w.controller
    assert c.stage is Stage.RUNNING
    qtbot.keyClick(w, Qt.Key.Key_Space)
    assert c.stage is Stage.PAUSED and w.player.paused_banner.isVisible()
    qtbot.keyClick(w, Qt.Key.Key_Space)
    assert c.stage is Stage.RESUMING
    advance(w, clock, 3.1)
    assert c.stage is Stage.RUNNING
    first = c.current.index
    qtbot.keyClick(w, Qt.Key.Key_Right)
    assert c.current.index == first + 1
    qtbot.keyClick(w, Qt.Key.Key_Left)
    assert c.current.index == first
    qtbot.keyClick(w, Qt.Key.Key_MediaTogglePlayPause)
    assert c.stage is Stage.PAUSED
    qtbot.keyClick(w, Qt.Key.Key_MediaTogglePlayPause)
    assert c.stage is Stage.RESUMING
    qtbot.keyClick(w, Qt.Key.Key_PageDown)  # presentation clicker: next
    assert c.current.index == first + 1
    qtbot.keyClick(w, Qt.Key.Key_Escape)  # asks first
    assert c.stage is Stage.PAUSED and w.player.stop_panel.isVisible()
    assert "Esc again" in w.player.stop_title.text()
    assert not w.player.paused_banner.isVisible()  # no "press Space" under the question
    qtbot.keyClick(w, Qt.Key.Key_Escape)
    assert c.stage is Stage.STOPPED
    assert w.stack.currentWidget() is w.end_view
    assert w.end_view.title.text() == "Session ended"


def test_buttons_work(qtbot, window):
    w, clock, _ = window()
    qtbot.mouseClick(w.start_view.start_btn, Qt.MouseButton.LeftButton)
    c = w.controller
    qtbot.mouseClick(w.player.toggle_btn, Qt.MouseButton.LeftButton)
    assert c.stage is Stage.PAUSED
    qtbot.mouseClick(w.player.toggle_btn, Qt.MouseButton.LeftButton)
    advance(w, clock, 3.1)
    i = c.current.index
    qtbot.mouseClick(w.player.next_btn, Qt.MouseButton.LeftButton)
    assert c.current.index == i + 1
    qtbot.mouseClick(w.player.back_btn, Qt.MouseButton.LeftButton)
    assert c.current.index == i
    qtbot.mouseClick(w.player.stop_btn, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(w.player.stop_btn, Qt.MouseButton.LeftButton)
    assert c.stage is Stage.STOPPED


def test_it_hurts_pauses_silences_and_offers_choices(qtbot, window):
    w, clock, speech = window(order=("squat-incline-board", "sustained-lumbar-extension"))
    hurts = []
    w.hurt_recorded.connect(lambda ex, choice: hurts.append((ex, choice)))
    qtbot.keyClick(w, Qt.Key.Key_Return)
    advance_to(w, clock, Kind.MOVE)
    qtbot.keyClick(w, Qt.Key.Key_H)
    assert w.controller.stage is Stage.PAUSED
    assert w.player.hurt_panel.isVisible()
    assert w.player.hurt_buttons["easier"].isVisible()  # partial squat
    # first what to do with the body (they may still be in the squat), then the choices
    assert speech.said[-1] == (
        "Stopped. Ease out of it gently, and rest. "
        "Skip Squat with an incline board, try an easier version, or end the session?"
    )
    qtbot.keyClick(w, Qt.Key.Key_E)  # the easier version
    assert hurts == [("squat-incline-board", "easier")]
    assert w.controller.current.kind is Kind.INTRO
    assert w.controller.current.modification == "partial-squat"
    advance(w, clock, 3.1)
    advance_to(w, clock, Kind.MOVE)
    assert "one third or halfway" in w.controller.current.say
    qtbot.mouseClick(w.player.hurt_btn, Qt.MouseButton.LeftButton)
    qtbot.keyClick(w, Qt.Key.Key_S)  # skip this exercise
    assert w.controller.current.exercise_id == "sustained-lumbar-extension"
    qtbot.keyClick(w, Qt.Key.Key_H)
    qtbot.keyClick(w, Qt.Key.Key_X)  # end the session
    assert w.controller.stage is Stage.STOPPED
    assert [c for _, c in hurts] == ["easier", "skip", "end"]


def test_the_corner_word_never_says_hold_while_the_choices_or_a_pause_are_shown(qtbot, window):
    w, clock, _ = window()
    qtbot.keyClick(w, Qt.Key.Key_Return)
    advance_to(w, clock, Kind.HOLD)
    phase = w.player.phase
    assert phase.isVisible() and phase.text() == "Hold"
    qtbot.keyClick(w, Qt.Key.Key_H)  # It hurts: stop holding, choose
    assert w.player.hurt_panel.isVisible()
    assert not phase.isVisible()
    qtbot.keyClick(w, Qt.Key.Key_C)  # go on, after a moment to get back into position
    assert not w.player.hurt_panel.isVisible()
    assert phase.isVisible() and phase.text() == "Get ready"
    advance(w, clock, 6)
    assert w.controller.current.kind is Kind.HOLD and phase.text() == "Hold"
    qtbot.keyClick(w, Qt.Key.Key_Space)  # pause
    assert phase.isVisible() and phase.text() == "Paused"
    qtbot.keyClick(w, Qt.Key.Key_Escape)  # the stop question
    assert w.player.stop_panel.isVisible() and not phase.isVisible()


def test_question_answered_by_key_removes_the_exercise(qtbot, window):
    w, clock, speech = window()
    answers = []
    w.answer_recorded.connect(lambda i, a: answers.append(a))
    qtbot.keyClick(w, Qt.Key.Key_Return)
    advance_to(w, clock, Kind.CHECK)
    qtbot.keyClick(w, Qt.Key.Key_N)
    assert answers == ["no"]
    assert w.settings.get("exercises.sustained-lumbar-extension.removed") is True
    assert speech.said[-1].startswith("Thank you. This exercise is now taken out of your home")
    assert "Squat with an incline board" in speech.said[-1]
    assert w.controller.current.exercise_id == "squat-incline-board"
    # the next session's script no longer has it
    assert "sustained-lumbar-extension" not in w.build_script(w.program_id).exercise_ids()


def test_question_answered_yes_keeps_it(qtbot, window):
    w, clock, _ = window()
    qtbot.keyClick(w, Qt.Key.Key_Return)
    advance_to(w, clock, Kind.CHECK)
    qtbot.mouseClick(w.player.yes_btn, Qt.MouseButton.LeftButton)
    assert not w.settings.get("exercises.sustained-lumbar-extension.removed")


def test_question_unanswered_records_no_answer_and_goes_on(qtbot, window):
    w, clock, _ = window()
    answers = []
    w.answer_recorded.connect(lambda i, a: answers.append(a))
    qtbot.keyClick(w, Qt.Key.Key_Return)
    advance_to(w, clock, Kind.CHECK)
    advance(w, clock, w.controller.current.duration + 0.5)
    assert answers == ["none"]
    assert w.controller.current.exercise_id == "squat-incline-board"


def test_whole_session_reaches_the_end_screen(qtbot, window):
    w, clock, speech = window(order=("sustained-lumbar-extension",))
    qtbot.keyClick(w, Qt.Key.Key_Return)
    advance(w, clock, w.controller.script.total + 30, step=0.5)
    assert w.stack.currentWidget() is w.end_view
    assert w.end_view.title.text() == "Well done!"
    assert "Sustained lumbar extension" in w.end_view.details.text()
    assert speech.said[-1].startswith("Well done")
    qtbot.keyClick(w, Qt.Key.Key_Return)
    assert w.stack.currentWidget() is w.start_view


def test_timer_is_aimed_at_the_next_deadline(qtbot, window):
    w, clock, _ = window()
    qtbot.keyClick(w, Qt.Key.Key_Return)
    c = w.controller
    first = c.current
    assert 0 < c.timer_interval_ms() <= 1000
    # the real QTimer fires (at least once a second) and the engine moves on at its deadline
    while c.current.index == first.index:
        clock.now += 0.9
        with qtbot.waitSignal(c._timer.timeout, timeout=2000):
            pass
    assert c.current.index == first.index + 1


def test_high_contrast_and_text_size(qtbot, window):
    w, _, _ = window()
    before = w.styleSheet()
    w.toggle_contrast()
    assert w.styleSheet() != before and "#000000" in w.styleSheet()
    w.settings.set("display.text_scale", 1.5)
    w.apply_display_settings()
    assert "font-size: 81px" in w.styleSheet()  # title 54 px x 1.5


def test_no_voice_notice_stays_visible_during_the_session(qtbot, catalog, tmp_path):
    speech = CaptionOnlySpeech("No voice: eSpeak NG is not installed (libespeak-ng1).")
    w = MainWindow(
        catalog, settings=short_settings(tmp_path, ("walking",)), speech=speech, clock=Clock()
    )
    qtbot.addWidget(w)
    w.show()
    w.start_session()
    assert w.player.notices.isVisible()
    # the player shows its headline; what to install is in its tooltip and on the start screen
    shown = w.player.notices.labels[0]
    assert shown.text() == "⚠ No voice" and "libespeak-ng1" in shown.toolTip()
    assert "libespeak-ng1" in w.start_view.notices.text()
    assert w.player.caption.text() == speech.said[0]  # captions carry the session


def test_safety_notice_then_start(qtbot, window):
    w, _, _ = window()
    started = []
    w.show_safety(then=lambda: started.append(True))
    dialog = w.safety_dialog
    assert "check with your healthcare provider" in dialog.findChild(QLabel).text().lower()
    assert "app's own addition" in dialog.findChild(QLabel).text()
    # each sentence is credited to its own article
    cite = dialog.findChild(QLabel, "muted").text()
    assert cite.startswith("From ") and "Verywell" in cite
    stop_line = next(line for line in cite.splitlines() if "stop immediately" in line)
    stretch = w.catalog.sources["stenosis-stretch-strength"]
    assert stop_line.endswith(stretch.citation())
    dialog.accept()
    assert started == [True]
    assert w.settings.get("safety.notice_seen") is True


def test_notices_stack_and_none_replaces_another(qtbot, catalog, tmp_path):
    """The start screen's notices, the no-voice line and a microphone failure all stay."""
    speech = CaptionOnlySpeech("No voice: eSpeak NG is not installed (libespeak-ng1).")
    w = MainWindow(
        catalog,
        settings=short_settings(tmp_path, ("walking",)),
        speech=speech,
        clock=Clock(),
        notices=["The exercise file could not be read.", "Your settings had a mistake."],
    )
    qtbot.addWidget(w)
    w.show()
    w.start_session()  # the speech notice arrives now
    w.voice.failed("No microphone found: connect one and restart.")
    texts = w.notice_board.texts()
    assert texts[0].startswith("No microphone")  # newest first
    assert any("libespeak-ng1" in t for t in texts)
    assert "The exercise file could not be read." in texts
    assert "Your settings had a mistake." in texts
    # the player shows the session's two (voice and microphone), the start screen all four
    assert len(w.player.notices.texts()) == 2
    w.show_start()
    assert len(w.start_view.notices.texts()) == 4


def test_the_question_shows_its_seconds_left(window):
    w, clock, _ = window()
    w.start_session()
    advance_to(w, clock, Kind.CHECK)
    p = w.player
    assert p.question_panel.isVisible() and not p.exercise_panel.isVisible()
    first = p.question_left.text()
    assert "seconds to answer" in first
    advance(w, clock, 3)
    later = p.question_left.text()
    assert int(later.split()[0]) <= int(first.split()[0]) - 2


def test_a_larger_text_size_reaches_the_words_on_a_laptop_screen(qtbot, catalog, tmp_path):
    """On a 1280x800 laptop (the window's inside under a desktop's panel and frame), each
    larger text size makes the hold's cue and rep count at least as large as the one before,
    and ×2 makes them clearly larger than ×1; the name and the next line grow less."""
    sizes: dict[float, dict[str, int]] = {}
    for scale in (1.0, 1.25, 1.5, 2.0, 2.5):
        w, clock = laptop_window(
            qtbot, catalog, tmp_path / str(scale), ("sustained-lumbar-extension",), scale
        )
        started_at(qtbot, w, clock, Kind.HOLD)
        p = w.player
        sizes[scale] = {
            name: getattr(p, name).property("fitPx")
            for name in ("cue", "where", "title", "next_label")
        }
        assert p.hurt_btn.isVisible() and p.rect().contains(p.hurt_btn.geometry())
        w.close()
    cues = [sizes[s]["cue"] for s in sorted(sizes)]
    assert cues == sorted(cues), sizes
    assert sizes[2.0]["cue"] >= 1.4 * sizes[1.0]["cue"], sizes
    assert sizes[2.0]["where"] >= 1.4 * sizes[1.0]["where"], sizes
    # the edges grew less than the words that say what to do now
    title_growth = sizes[2.0]["title"] / sizes[1.0]["title"]
    assert title_growth < sizes[2.0]["cue"] / sizes[1.0]["cue"], sizes


def test_notices_leave_a_larger_text_size_to_the_words_on_a_laptop_screen(qtbot, catalog, tmp_path):
    """With the two notices a session can show (no microphone, a preview) on a 1366x768
    laptop, x2 still makes the hold's cue clearly larger than x1: a notice, read once, grows
    less than what to do now (it had taken the room, and the cue stayed as at x1)."""
    mic = (
        "Voice commands are off: No microphone found. Plug one in or choose it in the "
        "system's sound settings; the session goes on without voice commands."
    )
    preview = (
        "Preview at 3× speed: the history keeps it apart and it does not count toward your "
        "streak or progress."
    )
    sizes: dict[float, dict[str, int]] = {}
    for scale in (1.0, 2.0):
        w, clock = laptop_window(  # a 1366x768 laptop's window under a panel and frame
            qtbot,
            catalog,
            tmp_path / str(scale),
            ("sustained-lumbar-extension",),
            scale,
            (1366, 728),
        )
        w.add_notice(mic, "microphone")
        w.start_session()
        w.set_session_notice(preview)
        advance_to(w, clock, Kind.HOLD)
        qtbot.wait(10)
        p = w.player
        assert p.notices.isVisible()
        # headlines, each on one line; the full text is the tooltip and on the start screen
        shown = [label.text() for label in p.notices.labels if label.isVisible()]
        assert shown == ["⚠ Preview at 3× speed", "⚠ Voice commands are off"]
        assert all(label.toolTip() for label in p.notices.labels if label.isVisible())
        sizes[scale] = {name: getattr(p, name).property("fitPx") for name in ("cue", "notices")}
        assert p.hurt_btn.isVisible() and p.rect().contains(p.hurt_btn.geometry())
        w.close()
    assert sizes[2.0]["cue"] >= 1.25 * sizes[1.0]["cue"], sizes


def test_a_notice_gone_mid_step_gives_its_room_back_to_the_words(qtbot, catalog, tmp_path):
    """A notice that comes mid-step makes the text smaller; once it goes, the same step
    grows back to the size it had without it (it had stayed small until the next step)."""
    w, clock = laptop_window(
        qtbot, catalog, tmp_path, ("sustained-lumbar-extension",), 2.0, (1366, 728)
    )
    started_at(qtbot, w, clock, Kind.HOLD)
    p = w.player
    alone = p.cue.property("fitPx")
    w.add_notice("Voice commands are off: No microphone found. Plug one in.", "microphone")
    w.set_session_notice("Preview at 3× speed: the history keeps it apart.")
    qtbot.wait(10)
    assert p.notices.isVisible()
    crowded = p.cue.property("fitPx")
    assert crowded < alone  # the two notices took room from the cue
    w.set_session_notice("")
    w.notice_board.remove("microphone")
    qtbot.wait(10)
    assert w.controller.current.kind is Kind.HOLD  # still the same step
    assert not p.notices.isVisible()
    assert p.cue.property("fitPx") == alone
    assert p.hurt_btn.isVisible() and p.rect().contains(p.hurt_btn.geometry())


@pytest.mark.parametrize(
    ("scale", "size"), [(1.0, (1280, 760)), (2.0, (1366, 728)), (2.5, (1280, 760))]
)
def test_a_later_reps_sentence_gives_way_to_the_picture(qtbot, catalog, tmp_path, scale, size):
    """A later rep says only its cue; its full sentence, still shown, had left the picture
    95 px at x2 on 1366x768 and 18 px at x2.5 on 1280x800. The sentence goes before the
    picture does (the text keeps its size); at x1 both stay, and the first rep, whose
    sentence the voice says, keeps it."""
    w, clock = laptop_window(qtbot, catalog, tmp_path, ("lumbar-flexion-lying",), scale, size)
    w.start_session()
    p = w.player
    advance_to(w, clock, Kind.MOVE)
    qtbot.wait(10)
    assert w.controller.current.rep == 1
    assert p.instruction.isVisible()  # the first rep: its sentence is what is said
    advance_to(w, clock, Kind.RELEASE)
    advance_to(w, clock, Kind.MOVE)
    qtbot.wait(10)
    seg = w.controller.current
    assert seg.rep == 2 and seg.say_parts == (seg.cue,)
    least = max(pv.MIN_PICTURE_PX, pv.MIN_PICTURE_SHARE * p.height())
    assert p.image.isVisible() and p.image.height() >= least
    assert p.instruction.isVisible() is (scale == 1.0)
    assert p.cue.isVisible() and p.rect().contains(p.hurt_btn.geometry())


def cue_sizes_before_the_reps(qtbot, catalog, tmp_path, scale) -> dict[Kind, int]:
    """The cue's type size in the introduction and get-ready of the extension."""
    w, clock = laptop_window(qtbot, catalog, tmp_path, ("sustained-lumbar-extension",), scale)
    w.start_session()
    sizes = {}
    for kind in (Kind.INTRO, Kind.GET_READY):
        advance_to(w, clock, kind)
        qtbot.wait(10)
        sizes[kind] = w.player.cue.property("fitPx")
    w.close()
    return sizes


def assert_picture_beside(p) -> None:
    image, words = p.image.geometry(), p.instruction.geometry()
    assert p.picture_beside and p.image.isVisible()
    assert image.left() >= words.right(), (image, words)  # beside, not under
    assert p.image.height() >= pv.PICTURE_BESIDE_SHARE * p.height() - 1
    assert p.rect().contains(p.hurt_btn.geometry())


@pytest.mark.parametrize("scale", [1.0, 2.5])
def test_before_a_position_the_picture_is_beside_the_words_and_large(
    qtbot, catalog, tmp_path, scale, monkeypatch
):
    """Get-ready shows how to start: under the caution's lines the picture had 110-165 px
    of a 1280x800 laptop. Beside the words (under a smaller countdown) it gets a third of
    the height or more and the words keep their size; the introduction, whose words are
    the caution, goes beside only where they keep their size there. In the reps the
    picture is back under the cue, whose column has the width when nothing counts."""
    w, clock = laptop_window(qtbot, catalog, tmp_path, ("sustained-lumbar-extension",), scale)
    w.start_session()
    p = w.player
    cue_px = {}
    for kind in (Kind.INTRO, Kind.GET_READY):
        advance_to(w, clock, kind)
        qtbot.wait(10)
        cue_px[kind] = p.cue.property("fitPx")
    assert_picture_beside(p)
    assert p.ring.isVisible() and p.ring.geometry().bottom() <= p.image.geometry().top()
    with monkeypatch.context() as m:  # the same steps with the picture under the words
        m.setattr(pv, "PICTURE_BESIDE_KINDS", frozenset())
        under = cue_sizes_before_the_reps(qtbot, catalog, tmp_path / "under", scale)
    assert all(cue_px[k] >= under[k] for k in under), (cue_px, under)
    advance_to(w, clock, Kind.MOVE)  # the reps: the picture under the cue again
    qtbot.wait(10)
    assert not p.picture_beside
    assert p.image.geometry().top() >= p.cue.geometry().bottom()
    assert not p.ring.isVisible() and p.cue.width() > 0.9 * p.exercise_panel.width()


def test_a_short_introduction_has_its_picture_beside(qtbot, catalog, tmp_path):
    w, clock = laptop_window(qtbot, catalog, tmp_path, ("lumbar-flexion-lying",))
    started_at(qtbot, w, clock, Kind.INTRO)
    assert w.player.cue.property("fitPx") == pv.DESIGN_PX["cue"]
    assert_picture_beside(w.player)


def test_beside_the_words_the_picture_gives_way_before_the_words_do(qtbot, catalog, tmp_path):
    """A side switch with two notices up: the picture's least height had shrunk every word
    on the screen (the cue 72 -> 36 px). The words keep the user's size, the caption (the
    voice says it) stays hidden, and the picture takes what is left beside them."""
    w, clock = laptop_window(qtbot, catalog, tmp_path, ("straight-leg-raise",))
    w.add_notice("Voice commands are off: No microphone found. Plug one in.", "microphone")
    w.set_session_notice("Preview at 3× speed: the history keeps it apart.")
    w.start_session()
    p = w.player
    advance_to(w, clock, Kind.SWITCH_SIDE)
    for _ in range(3):  # the countdown's later refits of the same step change nothing
        qtbot.wait(10)
        assert p.picture_beside and p.notices.isVisible()
        assert p.cue.property("fitPx") == pv.DESIGN_PX["cue"]
        assert not p.caption.isVisible()
        assert p.image.isVisible() and p.image.height() >= pv.MIN_PICTURE_PX
        assert p.image.geometry().left() >= p.instruction.geometry().right()
        advance(w, clock, 1.0)
    assert w.controller.current.kind is Kind.SWITCH_SIDE


def test_a_portrait_window_keeps_the_picture_under_the_words(qtbot, catalog, tmp_path):
    w, clock = laptop_window(
        qtbot, catalog, tmp_path, ("sustained-lumbar-extension",), 1.0, (760, 1000)
    )
    started_at(qtbot, w, clock, Kind.GET_READY)
    p = w.player
    assert not p.picture_beside
    assert p.image.geometry().top() >= p.instruction.geometry().bottom()


def test_a_third_notice_shows_its_headline_not_a_line_saying_it_is_there(qtbot, catalog, tmp_path):
    """No voice, no microphone and a preview at once: three headlines, where the player had
    shown two and "… and 1 earlier notice on the start screen" (the same line, saying less)."""
    w, clock = laptop_window(qtbot, catalog, tmp_path, ("sustained-lumbar-extension",))
    w.add_notice("No voice: eSpeak NG is not installed.", "voice")
    w.add_notice("Voice commands are off: No microphone found.", "microphone")
    w.start_session()
    w.set_session_notice("Preview at 3× speed: the history keeps it apart.")
    advance_to(w, clock, Kind.HOLD)
    qtbot.wait(10)
    area = w.player.notices
    shown = [label.text() for label in area.labels if label.isVisible()]
    assert shown == ["⚠ Preview at 3× speed", "⚠ Voice commands are off", "⚠ No voice"]
    assert not area.more.isVisible()
    assert w.player.rect().contains(w.player.hurt_btn.geometry())
