"""A session is planned once: the start screen's preview is the plan the session runs,
unless something it depends on changed in between (settings, the program, a clip that
exists now for a line the preview could only estimate)."""

from __future__ import annotations

from test_session import coordinator

PROGRAM = "step-by-step"
ORDER = ["lumbar-flexion-lying", "posterior-pelvic-tilt"]


class TimedSpeech:
    """Speech whose clips exist for the lines in ``clips`` (text -> seconds)."""

    def __init__(self) -> None:
        self.said: list[str] = []
        self.clips: dict[str, float] = {}
        self.prepared: list[list[str]] = []

    def say(self, text: str, utterance_id: str = "", priority: object = None) -> None:
        self.said.append(text)

    def stop(self) -> None:
        pass

    def clip_seconds(self, text: str) -> float | None:
        return self.clips.get(text)

    def prepare(self, texts: list[str]) -> None:
        self.prepared.append(list(texts))


def test_the_previewed_plan_is_the_one_the_session_runs(catalog, tmp_path):
    s, view, _speech, _clock = coordinator(catalog, tmp_path, ORDER)
    s.preview(PROGRAM)
    previewed = view.last("show_preview")[0]
    built = s.plans_built
    s.start_session(PROGRAM)
    assert s.plans_built == built  # not planned a second time
    assert s.controller.script is previewed


def test_a_dose_changed_after_the_preview_is_planned_again(catalog, tmp_path):
    s, view, _speech, _clock = coordinator(catalog, tmp_path, ORDER)
    s.preview(PROGRAM)
    previewed = view.last("show_preview")[0]
    built = s.plans_built
    s.settings.set("exercises.lumbar-flexion-lying.reps", 3)
    s.start_session(PROGRAM)
    assert s.plans_built == built + 1
    assert s.controller.script is not previewed
    reps = {seg.rep for seg in s.controller.script if seg.exercise_id == ORDER[0] and seg.rep}
    assert max(reps) == 3


def test_another_program_is_planned_for_itself(catalog, tmp_path):
    s, _view, _speech, _clock = coordinator(catalog, tmp_path, ORDER)
    s.preview(PROGRAM)
    s.start_session("sciatica-five")
    assert s.controller.script.program_id == "sciatica-five"


def test_a_clip_made_since_the_preview_times_the_session_to_the_second(catalog, tmp_path):
    s, _view, _speech, _clock = coordinator(catalog, tmp_path, ORDER)
    speech = TimedSpeech()
    s.speech = speech
    s.preview(PROGRAM)
    assert s.untimed  # no clip yet: the preview is an estimate, and asked for the clips
    assert speech.prepared
    guessed = sorted(s.untimed)
    built = s.plans_built
    speech.clips.update({text: 1.25 for text in guessed})
    s.start_session(PROGRAM)
    assert s.plans_built == built + 1
    assert not s.untimed & set(guessed)  # those lines are timed by their clips now


def test_clips_still_missing_keep_the_estimate_without_planning_again(catalog, tmp_path):
    s, view, _speech, _clock = coordinator(catalog, tmp_path, ORDER)
    s.speech = TimedSpeech()
    s.preview(PROGRAM)
    previewed = view.last("show_preview")[0]
    built = s.plans_built
    s.start_session(PROGRAM)
    assert s.plans_built == built
    assert s.controller.script is previewed
