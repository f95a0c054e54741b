"""The session's whole lifecycle, without Qt.

``SessionCoordinator`` plans the script, runs it through a driver (the engine plus a timer),
records progress, speaks each line, asks the questions, handles "It hurts", the stop
question, the pain check-in and progression after the session. It never touches a widget:
it tells a ``SessionView`` (the main window) what to show, and the window forwards every
key, button and voice command to it. The driver is injected: the window passes the Qt
timer adapter (``ui.controller.SessionController``); anything with the same methods and a
``listeners`` list works, so the lifecycle can be driven by a test clock alone.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Protocol

from . import phrases
from .catalog import Catalog
from .clock import Clock, system_clock
from .driver import EngineDriver  # noqa: F401  (the timer-less driver, for tests and tools)
from .script import (
    DoseOverride,
    Kind,
    Script,
    ScriptOptions,
    Segment,
    build_script,
    count_word,
    estimate_speech_seconds,
    resolve_items,
)
from .session_progress import SessionProgress

# the screens a view can show
START, PLAYER, PAIN, END = "start", "player", "pain", "end"


@dataclass(frozen=True)
class SessionResult:
    """What the end screen shows."""

    completed: bool
    done: list[str]
    skipped: list[str]
    minutes: float
    next_steps: str


class SessionView(Protocol):
    """What the coordinator asks of the window. Every call is a complete instruction."""

    def show_screen(self, screen: str) -> None: ...  # START, PLAYER, PAIN or END
    def show_preview(self, script: Script) -> None: ...  # the start screen's program
    def show_resume(self, label: str | None) -> None: ...
    def add_notice(self, text: str) -> None: ...  # kept until dismissed or replaced
    def session_planned(self, script: Script) -> None: ...  # a new session: reset the player
    def script_changed(self, script: Script) -> None: ...  # re-planned mid-session
    def show_segment(self, seg: Segment) -> None: ...
    def show_countdown(self, seg: Segment, left: int) -> None: ...
    def show_time_left(self, elapsed: float, total: float) -> None: ...
    def show_paused(self, paused: bool, resuming: bool) -> None: ...
    def set_session_notice(self, text: str) -> None: ...  # "" clears it
    def show_stop_question(self, shown: bool) -> None: ...
    def show_hurt_choices(self, easier: bool, suggest_removal: bool) -> None: ...
    def hide_hurt_choices(self) -> None: ...
    def show_pain_question(self, question: str) -> None: ...
    def show_result(self, result: SessionResult) -> None: ...
    def set_next_steps(self, text: str) -> None: ...
    def question_open(self, is_open: bool) -> None: ...  # yes/no voice commands count
    def on_answer(self, index: int, answer: str) -> None: ...
    def on_hurt(self, exercise_id: str, choice: str) -> None: ...


Driver = Any  # ui.controller.SessionController or alike: see the module's docstring
DriverFactory = Callable[[Script, Clock, float, int], Driver]


def too_long(script: Script) -> str:
    """Why this session is too long to run (the catalogue check's limit), or ''."""
    from .catalog_sense import MAX_SESSION_MINUTES

    minutes = script.total / 60
    if minutes <= MAX_SESSION_MINUTES:
        return ""
    return (
        f"This session would last {minutes / 60:,.0f} hours; the limit is "
        f"{MAX_SESSION_MINUTES // 60} hours. Lower the repetitions, sets or holds in "
        "Settings → Program."
    )


class SessionCoordinator:
    def __init__(
        self,
        catalog: Catalog,
        view: SessionView,
        driver_factory: DriverFactory,
        *,
        speech: Any,
        settings: Any = None,
        store: Any = None,
        clock: Clock = system_clock,
        speed: float = 1.0,
        low_priority: Callable[[], object] = lambda: None,  # for the countdown numbers
    ) -> None:
        self.catalog = catalog
        self.low_priority = low_priority
        self.view = view
        self.driver_factory = driver_factory
        self.speech = speech
        self.settings = settings
        self.store = store
        self.clock = clock
        self.speed = speed
        self.controller: Driver | None = None
        self.recorder: Any = None
        self.options: ScriptOptions | None = None
        self.untimed: set[str] = set()  # lines the last plan could only estimate
        self.resume_info: Any = None
        self.ask_pain = store is not None
        self.hands_free = False  # started by --start: no question before the session
        self.program_id = self.setting("program.last", None) or catalog.default_program
        if self.program_id not in catalog.programs:
            self.program_id = catalog.default_program
        self.answers: dict[int, str] = {}
        self.hurt_count: dict[str, int] = {}
        self.confirming_stop = False
        self.hurt_choices_open = False
        self._removal_offered = False  # the choices after a second hurt offer "take it out"
        self.pain_moment = "before"
        self.progress = SessionProgress(catalog, settings, store)
        self._preamble = ""
        self._time_left_shown: int | None = None  # whole seconds last shown
        self.started_at = 0.0
        self.plans_built = 0  # how many times a script was planned (reuse keeps it low)
        self._last_plan: tuple[tuple, Script] | None = None

    def attach_store(self, store: Any) -> None:
        """The progress store, opened after the coordinator was made (the window opens it
        just after its first frame): what the store changes is planned and offered again."""
        self.store = store
        self.progress.store = store
        self.ask_pain = store is not None
        if self.controller is None:
            before = self._last_plan
            script = self.planned_script(self.program_id)  # with its grown doses
            if self._last_plan is not before:  # they changed the plan: show the new one
                self.view.show_preview(script)
            self.offer_resume()

    def setting(self, key: str, default: Any) -> Any:
        if self.settings is None:
            return default
        try:
            return self.settings.get(key)
        except Exception:  # an unknown key in an older settings module: use the default
            return default

    # ------------------------------------------------------------------ planning
    def script_options(self, program_id: str) -> ScriptOptions:
        if self.settings is not None and hasattr(self.settings, "script_options"):
            opts = self.settings.script_options(self.catalog, program_id)
        else:
            opts = ScriptOptions()
        if hasattr(self.speech, "clip_seconds"):
            opts = replace(opts, speech_seconds=self._speech_seconds(opts))
        if self.store is not None:
            with contextlib.suppress(Exception):  # a damaged table must not stop a session
                opts = replace(opts, progressed=self.store.grown_doses())
        return opts

    def _speech_seconds(self, opts: ScriptOptions) -> Callable[[str], float]:
        """Real clip lengths where the clip exists (made this run or in the disk cache),
        else an estimate; every line asked about is kept, so that preparing them makes the
        next plan exact (``plan_is_exact``)."""
        on_disk = getattr(self.speech, "cached_seconds", None)

        def seconds(text: str) -> float:
            real = self.speech.clip_seconds(text) or (on_disk(text) if on_disk else None)
            if real:
                return real
            self.untimed.add(text)
            return estimate_speech_seconds(text, opts.words_per_minute)

        return seconds

    def plan_is_exact(self) -> bool:
        """Was the last plan timed with every line's real clip?"""
        return not self.untimed

    def build_script(self, program_id: str) -> Script:
        self.untimed: set[str] = set()
        self.options = self.script_options(program_id)
        script = build_script(self.catalog, program_id, self.options)
        self.plans_built += 1
        self._last_plan = (_plan_key(program_id, self.options), script)
        if self.untimed and hasattr(self.speech, "prepare"):
            # make the clips the plan guessed at; the next plan (or the preview, re-made
            # when speech is ready) is then timed to the second
            self.speech.prepare([*_spoken_lines(script), *sorted(self.untimed)])
        return script

    def planned_script(self, program_id: str) -> Script:
        """The last plan when nothing it depends on has changed since (the preview's, at
        the start of a session: planning is tens of milliseconds on the UI thread), else a
        new one. Its options are read again and compared; a line it could only estimate
        whose clip exists now makes it plan again, to the second."""
        opts = self.script_options(program_id)
        last = self._last_plan
        clips = getattr(self.speech, "clip_seconds", None)
        arrived = clips is not None and any(clips(text) for text in self.untimed)
        if last is not None and last[0] == _plan_key(program_id, opts) and not arrived:
            self.options = opts
            return last[1]
        return self.build_script(program_id)

    def preview(self, program_id: str) -> None:
        self.program_id = program_id
        self.view.show_preview(self.build_script(program_id))

    def is_running(self) -> bool:
        """In the middle of an exercise (not paused, not over)?"""
        from .engine import Stage

        return self.controller is not None and self.controller.stage in (
            Stage.RUNNING,
            Stage.RESUMING,
        )

    # ------------------------------------------------------------------ start and end
    def start_session(
        self, program_id: str | None = None, resume_from: int = 0, *, resume: Any = None
    ) -> None:
        """Plan the session, then ask about pain (unless hands-free) and start it."""
        pid = program_id or self.program_id
        self.program_id = pid
        if self.settings is not None:
            with contextlib.suppress(Exception):
                self.settings.set("program.last", pid)
        script = self.planned_script(pid)
        if too_long(script):  # doses set far past any home program: say so, start nothing
            self.view.add_notice(too_long(script))
            return
        if hasattr(self.speech, "prepare") and not self.untimed:
            self.speech.prepare(_spoken_lines(script))
        self.answers.clear()
        self.confirming_stop = False
        self.hurt_choices_open = False
        c = self.driver_factory(script, self.clock, self.speed, resume_from)
        self.controller = c
        self.view.session_planned(script)
        if self.recorder is not None:
            self.recorder.flush(force=True)  # the last session's writes first, if any wait
        self.recorder = self._make_recorder(pid, script, resume)
        if self.recorder is not None:
            c.listeners.append(self.recorder.handle)
        c.listeners.append(self._on_events)
        if (
            self.ask_pain
            and self.store is not None
            and not self.hands_free
            and resume is None
            and not self.is_preview
        ):
            self._ask_pain("before")
        else:
            self._begin()

    def _begin(self) -> None:
        c = self.controller
        if c is None:
            return
        self.started_at = self.clock()
        c.start()
        # shown after its first step is set: the player is laid out once, not twice
        self.view.show_screen(PLAYER)

    @property
    def is_preview(self) -> bool:
        """Played faster than real time (--speed): a look at the program, not exercise."""
        return self.speed != 1.0

    def _make_recorder(self, program_id: str, script: Script, resume: Any) -> Any:
        if self.store is None:
            return None
        if self.is_preview:
            self.view.set_session_notice(
                f"Preview at {self.speed:g}× speed: the history keeps it apart and it does not "
                "count toward your streak or progress."
            )
        import sqlite3

        from .recorder import SessionRecorder
        from .store import StoreError

        try:
            return SessionRecorder(
                self.store,
                program_id,
                script,
                resume=resume,
                on_problem=self._saving_problem,
                clock=self.clock,
                speed=self.speed,
            )
        except (StoreError, sqlite3.Error, OSError) as exc:
            self.view.set_session_notice(f"Progress is not saved for this session: {exc}")
            return None

    def _saving_problem(self, text: str | None) -> None:
        """The recorder could not save (or can again): say so; the session goes on."""
        self.view.set_session_notice(text or "")

    def flush_progress(self) -> None:
        """A last try for writes a locked or full store held back (the app is closing)."""
        if self.recorder is not None:
            self.recorder.flush(force=True)

    def _ask_pain(self, moment: str, completed: bool = True) -> None:
        """The pain check-in before and after a session (one key skips it)."""
        self.pain_moment = moment
        if moment == "before":
            question = phrases.say("pain_before")
        elif completed:
            question = phrases.say("pain_after_done")
        else:
            question = phrases.say("pain_after_stopped")
        self.view.show_pain_question(question)
        self.view.show_screen(PAIN)
        self.speech.say(f"{question} {phrases.say('pain_keys')}", f"pain-{moment}")

    def pain_answered(self, value: object) -> None:
        if self.recorder is not None:
            try:
                self.recorder.record_checkin(
                    self.pain_moment, value if isinstance(value, int) else None
                )
            except Exception as exc:
                self.view.set_session_notice(f"Could not save your answer: {exc}")
        if self.pain_moment == "before":
            self._begin()
        else:
            self.view.show_screen(END)

    def offer_resume(self) -> None:
        """Offer to continue a session the app did not finish (a crash, a power cut)."""
        self.resume_info = None
        info = self.store.unfinished_session() if self.store is not None else None
        if info is not None and info.program_id in self.catalog.programs:
            from .recorder import can_resume

            if can_resume(info, self.build_script(info.program_id)):
                self.resume_info = info
        self.view.show_resume(self.resume_info.label if self.resume_info else None)
        text = self.progress.recent_changes_text()
        if text:
            self.view.add_notice(text)

    def resume_session(self) -> None:
        info = self.resume_info
        if info is None:
            return
        self.resume_info = None
        self.view.show_resume(None)
        self.start_session(info.program_id, info.resume_index, resume=info)

    def to_start(self) -> None:
        """Back to the start screen: the session (if any) is over."""
        self.controller = None
        self.hurt_choices_open = False
        self.preview(self.program_id)
        self.offer_resume()
        self.view.show_screen(START)

    # ------------------------------------------------------------------ commands
    def command(self, name: str) -> None:
        """toggle, next, back or stop (the first stop asks, the second stops)."""
        c = self.controller
        if c is None:
            return
        if name == "stop":
            if self.confirming_stop:
                self.confirming_stop = False
                self.view.show_stop_question(False)
                c.stop()
                return
            self.confirming_stop = True
            c.pause("asked to stop")
            self.speech.stop()
            self.view.show_stop_question(True)
            self.speech.say(phrases.say("stop_question"))
            return
        if self.confirming_stop:
            self.confirming_stop = False
            self.view.show_stop_question(False)
        if name == "toggle":
            c.toggle()
        elif name == "next":
            c.next()
        elif name == "back":
            c.back()

    def pause_for(self, reason: str) -> None:
        """Pause a running exercise (settings opened, and alike)."""
        from .engine import Stage

        if self.controller is not None and self.controller.stage is Stage.RUNNING:
            self.controller.pause(reason)

    # voice-command target interface (stenosis_player.voice_commands.mapping)
    def pause(self) -> None:
        if self.is_running():
            self.controller.pause()

    def resume(self) -> None:
        from .engine import Stage

        if self.hurt_choices_open:
            self.choose_after_hurt("continue")
        elif self.controller and self.controller.stage is Stage.PAUSED:
            if self.confirming_stop:
                self.confirming_stop = False
                self.view.show_stop_question(False)
            self.controller.resume()

    def next(self) -> None:
        """Next (voice commands use this); with the It-hurts choices open: skip it."""
        if self.hurt_choices_open:
            self.choose_after_hurt("skip")
        else:
            self.command("next")

    def back(self) -> None:
        if not self.hurt_choices_open:  # under the open choices the step must not move
            self.command("back")

    def stop(self) -> None:
        """Stop as Esc does: the first asks, the second stops (voice commands use this)."""
        if self.hurt_choices_open:
            self.choose_after_hurt("end")
        else:
            self.command("stop")

    # ------------------------------------------------------------------ engine events
    def _on_events(self, events: list) -> None:
        from .engine import (
            ClockJumped,
            CountdownSecond,
            SegmentFinished,
            SegmentStarted,
            SessionFinished,
            StageChanged,
        )

        for e in events:
            if (
                isinstance(e, SegmentFinished)
                and e.segment.kind is Kind.CHECK
                and e.segment.index not in self.answers
            ):
                self._record_answer(e.segment, "none")  # no answer in time: carry on,
                # saying so; the question comes again next session
                self._preamble = e.segment.no_answer or ""
        for e in events:
            if isinstance(e, SegmentStarted):
                self._on_segment(e.segment)
            elif isinstance(e, CountdownSecond):
                self._on_countdown(e.segment, e.remaining)
            elif isinstance(e, StageChanged):
                self._on_stage(e.new.value, e.reason)
            elif isinstance(e, ClockJumped):
                self.view.set_session_notice(
                    f"Paused: the computer was asleep for {round(e.gap)} seconds. "
                    "Press Space to go on."
                )
            elif isinstance(e, SessionFinished):
                self._on_finished(e.completed)
        self._tick_time_left()

    def _on_segment(self, seg: Segment) -> None:
        c = self.controller
        self.view.show_segment(seg)
        self.view.question_open(seg.kind is Kind.CHECK)
        self._update_progress()
        text = f"{self._preamble} {seg.say}" if self._preamble else seg.say
        self._preamble = ""
        self.speech.say(text, f"seg-{seg.index}")
        secs = self.speech.clip_seconds(text) if hasattr(self.speech, "clip_seconds") else None
        if not secs and text != seg.say:
            secs = estimate_speech_seconds(text)
        if secs and c is not None:
            # a line longer than planned (its clip was not made yet) still ends before the
            # segment's own countdown or answer time
            c.extend_current(secs + max(0.3, seg.speech_tail))
        if c is not None and hasattr(self.speech, "preload") and seg.index + 1 < len(c.script):
            self.speech.preload(c.script[seg.index + 1].say)  # no wait next time

    def _on_countdown(self, seg: Segment, left: int) -> None:
        self.view.show_countdown(seg, left)
        self._update_progress()
        if 0 < left <= seg.count_last:
            self.speech.say(count_word(left), f"count-{seg.index}-{left}", self.low_priority())

    def _on_stage(self, stage: str, reason: str) -> None:
        paused = stage == "paused"
        self.view.show_paused(paused, resuming=stage == "resuming")
        if paused:
            self.speech.stop()
        if stage == "resuming":
            from .engine import RESUME_COUNTDOWN_S

            self.speech.say(phrases.say("resume", secs=round(RESUME_COUNTDOWN_S)), "resume")
        if stage == "running" and reason == "resume countdown over":
            self.view.set_session_notice("")

    def _on_finished(self, completed: bool) -> None:
        c = self.controller
        if c is None:
            return
        self.speech.stop()
        self.hurt_choices_open = False
        if c.script.segments[-1].kind is Kind.DONE and completed:
            self.speech.say(c.script.segments[-1].say, "done")
        ids = c.script.exercise_ids()
        done = [
            self.catalog.exercises[i].name
            for i in ids
            if any(
                s.exercise_id == i and s.index <= c.engine.finished_through
                for s in c.script.segments
                if s.kind in (Kind.RELEASE, Kind.TIMED)
            )
        ]
        skipped = [self.catalog.exercises[i].name for i in ids]
        skipped = [name for name in skipped if name not in done]
        minutes = (self.clock() - self.started_at) * self.speed / 60
        if self.recorder is not None:
            # the session's last writes land before its history is read (bounded wait)
            self.recorder.settle()
        nxt = (
            "A preview does not change your program."
            if self.is_preview
            else self.progress.after_session(c.script, self.program_id)
        )
        if self.recorder is not None and not self.recorder.flush(force=True):
            nxt += (
                f"\n{self.recorder.problem} {self.recorder.unsaved} change(s) are kept "
                "and saved when you start the next session or close the app."
            )
        self.view.show_result(SessionResult(completed, done, skipped, minutes, nxt))
        if self.ask_pain and self.store is not None and self.recorder is not None:
            self._ask_pain("after", completed)
        else:
            self.view.show_screen(END)

    def _update_progress(self) -> None:
        c = self.controller
        if c is None:
            return
        total = c.script.total
        left = c.engine.time_left()
        self._time_left_shown = math.ceil(left)
        self.view.show_time_left(total - left, total)

    def _tick_time_left(self) -> None:
        """The session's time left and its bar move every second, not only at segment
        starts and countdown seconds: a 15-second introduction must not look frozen."""
        c = self.controller
        if c is not None and math.ceil(c.engine.time_left()) != self._time_left_shown:
            self._update_progress()

    # ------------------------------------------------------------------ questions, It hurts
    def answer(self, yes: bool) -> None:
        c = self.controller
        if c is not None and self.hurt_choices_open:
            if self._removal_offered:  # "hurt twice in a row: take it out?"
                self.choose_after_hurt("remove" if yes else "skip")
            return  # else no question is asked
        if c is None or c.current.kind is not Kind.CHECK:
            return
        seg = c.current
        self._record_answer(seg, "yes" if yes else "no")
        if not yes and seg.on_no == "remove" and seg.exercise_id:
            self._remove_exercise(seg.exercise_id)
            # said before the next segment's own words, so neither cuts the other off
            self._preamble = phrases.say("removed")
        c.next()

    def _record_answer(self, seg: Segment, answer: str) -> None:
        self.answers[seg.index] = answer
        self.view.on_answer(seg.index, answer)
        if self.recorder is not None:
            with contextlib.suppress(Exception):
                self.recorder.record_answer(seg, answer)

    def _remove_exercise(
        self, exercise_id: str, reason: str = "symptoms did not settle within a minute"
    ) -> None:
        if self.recorder is not None:  # queued with the session's writes: no wait here
            with contextlib.suppress(Exception):
                self.recorder.remove_exercise(exercise_id, reason)
        elif self.store is not None:
            with contextlib.suppress(Exception):
                self.store.remove_exercise(exercise_id, reason)
        if self.settings is None:
            return
        try:
            self.settings.set(f"exercises.{exercise_id}.removed", True)
            self.settings.save()
        except Exception as exc:
            self.view.set_session_notice(f"Could not save the change to your program: {exc}")

    def it_hurts(self) -> None:
        from .engine import Stage

        c = self.controller
        if c is None or c.stage in (Stage.FINISHED, Stage.STOPPED):
            return
        self.speech.stop()
        if self.confirming_stop:  # the choices replace the stop question
            self.confirming_stop = False
            self.view.show_stop_question(False)
        c.pause("it hurts")
        seg = c.current
        ex = self.catalog.exercises.get(seg.exercise_id or "")
        easier = self.easier_version(seg)
        name = ex.name if ex else "this exercise"
        twice = bool(seg.exercise_id) and self.progress.hurt_twice(
            seg.exercise_id,
            self.hurt_count.get(seg.exercise_id, 0),
            getattr(self.recorder, "session_id", None),
        )
        if seg.exercise_id:
            self.hurt_count[seg.exercise_id] = self.hurt_count.get(seg.exercise_id, 0) + 1
        self.hurt_choices_open = True
        self._removal_offered = twice
        self.view.show_hurt_choices(easier is not None, suggest_removal=twice)
        stop = phrases.say("hurt_stop")
        if twice:
            choices = phrases.say("hurt_twice", name=name)
            self.speech.say(f"{stop} {choices}{self._hurt_by_voice(True)}")
            self.view.question_open(True)  # "player yes" takes it out
        else:
            choices = phrases.say("hurt_choices_easier" if easier else "hurt_choices", name=name)
            self.speech.say(f"{stop} {choices}{self._hurt_by_voice()}")

    def _hurt_by_voice(self, twice: bool = False) -> str:
        """With voice commands on, how to choose without a key (someone in pain on the mat
        had only "continue": next and back moved the step under the open choices)."""
        if not self.setting("voice_commands.enabled", False):
            return ""
        from .voice_commands.commands import DEFAULT_LEADING_WORD, Command, spoken_name

        word = self.setting("voice_commands.leading_word", DEFAULT_LEADING_WORD)
        said = phrases.say(
            "hurt_twice_by_voice" if twice else "hurt_by_voice",
            skip=spoken_name(Command.NEXT, word),
            end=spoken_name(Command.STOP, word),
            go_on=spoken_name(Command.CONTINUE, word),
            remove=spoken_name(Command.YES, word),
        )
        return f" {said}"

    def easier_version(self, seg: Segment) -> str | None:
        ex = self.catalog.exercises.get(seg.exercise_id or "")
        if ex is None:
            return None
        for mod in ex.modifications:
            if mod.kind == "easier" and mod.id != seg.modification and not mod.replace_with:
                return mod.id
        return None

    def choose_after_hurt(self, choice: str) -> None:
        """skip, easier, remove, end or continue, after "It hurts"."""
        c = self.controller
        if c is None:
            return
        seg = c.current
        self.hurt_choices_open = False
        self.view.hide_hurt_choices()
        self.view.question_open(seg.kind is Kind.CHECK)  # as the step itself has it
        self.view.on_hurt(seg.exercise_id or "", choice)
        if self.recorder is not None:
            with contextlib.suppress(Exception):
                self.recorder.record_hurt(seg, choice)
        if choice == "remove" and seg.exercise_id:
            self._remove_exercise(seg.exercise_id, "it hurt twice in a row")
            self.view.set_session_notice(
                f"{seg.exercise_name} is taken out of your program. You can put it back in "
                "Settings (Ctrl+,)."
            )
            c.skip_exercise()
            c.resume()
        elif choice == "skip":
            c.skip_exercise()
            c.resume()
        elif choice == "easier":
            self._switch_to_easier(seg)
        elif choice == "end":
            c.stop()
        else:
            c.resume()

    def _switch_to_easier(self, seg: Segment) -> None:
        c = self.controller
        mod_id = self.easier_version(seg)
        if c is None or mod_id is None or seg.exercise_id is None or self.options is None:
            return
        overrides = dict(self.options.overrides)
        old = overrides.get(seg.exercise_id, DoseOverride())
        overrides[seg.exercise_id] = replace(old, modification=mod_id)
        self.options = replace(self.options, overrides=overrides)
        script = build_script(self.catalog, self.program_id, self.options)
        intro = next(s.index for s in c.script.segments if s.exercise_id == seg.exercise_id)
        c.replace_script(script, jump_to=intro)
        self._script_changed()
        c.resume()

    def _script_changed(self) -> None:
        c = self.controller
        self.view.script_changed(c.script)
        if self.recorder is not None:
            self.recorder.script = c.script

    # ------------------------------------------------------------------ after the session
    def undo_dose_changes(self) -> None:
        if self.progress.undo():
            text = "Undone: the doses stay as they were."
            self.view.set_next_steps(text)
            self.view.add_notice(text)
            self.preview(self.program_id)

    def add_offered_exercise(self) -> None:
        text = self.progress.add_offered(self.program_id)
        if text:
            self.view.set_next_steps(text)

    # ------------------------------------------------------------------ settings
    def settings_saved(self) -> None:
        """Settings changed: mid-session they apply from the next exercise."""
        if self.store is not None and self.settings is not None:
            # an exercise put back in Settings is no longer "removed" in the history either
            with contextlib.suppress(Exception):
                for ex_id in self.store.removed_exercises() - self.settings.removed_exercises():
                    self.store.restore_exercise(ex_id)
        c = self.controller
        if c is None:
            self.preview(self.program_id)
            return
        # takes effect from the next exercise: the one in progress keeps its dose
        new = self.script_options(self.program_id)
        ids = c.script.exercise_ids()
        current = c.current.exercise_id
        done = ids[: ids.index(current) + 1] if current in ids else []
        old = self.options or ScriptOptions()
        overrides = dict(new.overrides)
        for ex_id in done:
            if ex_id in old.overrides:
                overrides[ex_id] = old.overrides[ex_id]
            else:
                overrides.pop(ex_id, None)
        program = self.catalog.program(self.program_id)
        later = [i for i in resolve_items(self.catalog, program, new) if i not in done]
        merged = replace(
            new, overrides=overrides, order=(*done, *later), removed=new.removed - set(done)
        )
        try:
            c.replace_script(build_script(self.catalog, self.program_id, merged))
        except ValueError:
            self.view.set_session_notice("Your changes apply from the next session.")
            return
        self.options = merged
        self._script_changed()
        self.view.set_session_notice("Your changes apply from the next exercise.")


def _plan_key(program_id: str, opts: ScriptOptions) -> tuple:
    """What a plan depends on, comparable: the clip lengths are checked apart."""
    return (program_id, replace(opts, speech_seconds=None))


def _spoken_lines(script: Script) -> list[str]:
    """Every line a session may say, countdown numbers included, to synthesise first."""
    try:
        from .voice.lines import speech_texts

        return speech_texts(script)
    except ImportError:
        return script.texts()
