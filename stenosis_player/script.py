"""Program + options → the session script: a flat list of segments, each one thing to do.

Computed before a session starts, so the total time is known, every spoken line can be
synthesised in advance and a physical therapist can read the whole session as text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum

from .catalog import Catalog, Exercise, Program

# Positions from lowest to highest: getting up from the floor needs the most time.
_LEVEL = {"lying": 0, "hands-and-knees": 1, "kneeling": 1, "sitting": 2, "standing": 3}
_NUMBER_WORDS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
]


class Kind(StrEnum):
    INTRO = "intro"
    GET_READY = "get-ready"
    MOVE = "move"
    HOLD = "hold"
    RELEASE = "release"
    TIMED = "timed"
    REST = "rest"
    SWITCH_SIDE = "switch-side"
    CHECK = "check"
    DONE = "done"


# Segments a "back" command returns to: the start of a rep, a timed bout or an exercise.
UNIT_STARTS = frozenset({Kind.INTRO, Kind.MOVE, Kind.TIMED, Kind.CHECK})


@dataclass(frozen=True)
class Segment:
    index: int
    kind: Kind
    start: float  # seconds from the session's start
    duration: float
    say: str  # spoken text (also the caption)
    show: str  # the instruction on screen
    exercise_id: str | None = None
    exercise_name: str = ""
    set: int = 0
    sets: int = 0
    rep: int = 0
    reps: int = 0
    side: str | None = None  # "left" / "right" for one-sided exercises
    image: str | None = None  # phase of the exercise's picture: start / end
    countdown: bool = False  # show a countdown (holds, rests, position changes)
    count_last: int = 0  # speak the last N seconds aloud
    speech_bound: bool = False  # lasts at least as long as its speech
    question: str | None = None
    on_no: str | None = None
    modification: str | None = None

    @property
    def end(self) -> float:
        return self.start + self.duration

    def progress_label(self) -> str:
        """'Rep 3 of 10 · Set 1 of 2 · Left side' (only the parts that apply)."""
        parts = []
        if self.reps:
            parts.append(f"Rep {self.rep} of {self.reps}")
        if self.sets > 1:
            parts.append(f"Set {self.set} of {self.sets}")
        if self.side:
            parts.append(f"{self.side.capitalize()} side")
        return " · ".join(parts)


@dataclass(frozen=True)
class DoseOverride:
    """A user's (or therapist's) change to one exercise's dose; None keeps the article's."""

    reps: int | None = None
    sets: int | None = None
    hold_s: int | None = None
    rest_s: int | None = None
    duration_s: int | None = None
    modification: str | None = None


@dataclass(frozen=True)
class ScriptOptions:
    overrides: Mapping[str, DoseOverride] = field(default_factory=dict)
    order: tuple[str, ...] | None = None  # exercise ids to run, in order; None: the program's
    removed: frozenset[str] = frozenset()  # taken out of the home program by a safety rule
    count_aloud: bool = True
    countdown_last_s: int = 3
    change_position_s: float = 10.0
    floor_to_standing_s: float = 20.0
    words_per_minute: float = 160.0
    # Real clip lengths from the voice layer; without it speech time is estimated from words.
    speech_seconds: Callable[[str], float] | None = None
    # Doses grown by progression rules (exercise id → field → value), from the progress store.
    progressed: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    # Start doses that an article says to build up from their rule's start (10 s, not 30 s).
    use_progression: bool = True


@dataclass(frozen=True)
class Script:
    program_id: str
    program_name: str
    segments: tuple[Segment, ...]

    @property
    def total(self) -> float:
        return self.segments[-1].end if self.segments else 0.0

    def __len__(self) -> int:
        return len(self.segments)

    def __getitem__(self, i: int) -> Segment:
        return self.segments[i]

    def exercise_ids(self) -> list[str]:
        seen: list[str] = []
        for s in self.segments:
            if s.exercise_id and s.exercise_id not in seen:
                seen.append(s.exercise_id)
        return seen

    def texts(self) -> list[str]:
        """Every distinct spoken line, in order of first use (to synthesise in advance)."""
        return list(dict.fromkeys(s.say for s in self.segments if s.say))

    def next_exercise_start(self, index: int) -> int:
        """Index of the first segment after the current exercise (skip exercise)."""
        current = self.segments[index].exercise_id
        for s in self.segments[index + 1 :]:
            if s.exercise_id != current:
                return s.index
        return len(self.segments) - 1

    def to_text(self) -> str:
        lines = [f"Program: {self.program_name} ({self.program_id})", ""]
        for s in self.segments:
            where = s.progress_label()
            lines.append(
                f"{mmss(s.start)}  {s.duration:5.1f}s  {s.kind.value:<11} "
                f"{s.exercise_name or '-':<34} {where:<30} {s.say}"
            )
        lines += ["", f"Total: {mmss(self.total)} ({len(self.segments)} segments)"]
        return "\n".join(lines)

    def to_json(self) -> str:
        return json.dumps(
            {
                "program": self.program_id,
                "name": self.program_name,
                "total_s": round(self.total, 2),
                "segments": [asdict(s) for s in self.segments],
            },
            indent=2,
            ensure_ascii=False,
        )


def mmss(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 60:02d}:{s % 60:02d}"


def estimate_speech_seconds(text: str, words_per_minute: float = 160.0) -> float:
    words = len(text.split())
    return 0.4 + words * 60.0 / words_per_minute if words else 0.0


def count_word(n: int) -> str:
    return _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) else str(n)


def _cue(text: str) -> str:
    """The first clause of a step, as a short cue for the second and later reps."""
    first = re.split(r"[.,;—]", text, maxsplit=1)[0].strip()
    return first + "."


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class _Builder:
    def __init__(self, options: ScriptOptions) -> None:
        self.o = options
        self.segments: list[Segment] = []
        self.t = 0.0

    def speech(self, text: str) -> float:
        if self.o.speech_seconds is not None:
            return self.o.speech_seconds(text)
        return estimate_speech_seconds(text, self.o.words_per_minute)

    def add(self, kind: Kind, base: float, say: str, show: str, **kw: object) -> None:
        duration = float(base)
        if kw.get("speech_bound"):
            duration = max(duration, self.speech(say))
        seg = Segment(len(self.segments), kind, self.t, round(duration, 3), say, show, **kw)  # type: ignore[arg-type]
        self.segments.append(seg)
        self.t = seg.end


def resolve_items(catalog: Catalog, program: Program, options: ScriptOptions) -> list[str]:
    """The exercise ids a session runs: the settings' order, else the program's included ones."""
    if options.order is not None:
        ids = [i for i in options.order if i in catalog.exercises]
    else:
        ids = [item.exercise_id for item in program.items if item.included]
    return [i for i in ids if i not in options.removed]


def build_script(
    catalog: Catalog, program_id: str | None = None, options: ScriptOptions | None = None
) -> Script:
    o = options or ScriptOptions()
    program = catalog.program(program_id)
    program_doses = {item.exercise_id: item for item in program.items}
    b = _Builder(o)
    previous_position: str | None = None
    ids = resolve_items(catalog, program, o)
    for ex_id in ids:
        ex = catalog.exercises[ex_id]
        item = program_doses.get(ex_id)
        override = o.overrides.get(ex_id, DoseOverride())
        mod_id = override.modification or (item.modification if item else None)
        _add_exercise(b, ex, item.dose if item else {}, override, mod_id, previous_position)
        mod = ex.modification(mod_id)
        previous_position = (mod.position if mod and mod.position else None) or ex.position
    if not ids:
        b.add(
            Kind.DONE,
            3,
            "There are no exercises in this program.",
            "No exercises",
            speech_bound=True,
        )
    else:
        b.add(
            Kind.DONE,
            4,
            f"Well done. That's the end of today's session: {_plural(len(ids), 'exercise')}.",
            "Session complete",
            speech_bound=True,
            image=None,
        )
    return Script(program.id, program.name, tuple(b.segments))


def _get_ready_seconds(o: ScriptOptions, before: str | None, after: str) -> float:
    if before is None:
        return o.change_position_s
    if before == after:
        return max(5.0, o.change_position_s / 2)
    if _LEVEL[before] <= 1 and _LEVEL[after] >= 2:
        return o.floor_to_standing_s  # getting up from the floor: never rush it
    return o.change_position_s


def _add_exercise(
    b: _Builder,
    ex: Exercise,
    program_dose: Mapping[str, int],
    ov: DoseOverride,
    mod_id: str | None,
    previous_position: str | None,
) -> None:
    o = b.o
    d = ex.dose
    mod = ex.modification(mod_id)

    grown = o.progressed.get(ex.id, {}) if o.use_progression else {}
    rule = ex.progression.rule if ex.progression and o.use_progression else None

    def pick(name: str, article: int | None) -> int:
        # the user's own value, then what progression reached, the program's, the rule's
        # start, and last the article's dose
        value = getattr(ov, name)
        if value is not None:
            return value
        if name in grown:
            return grown[name]
        if name in program_dose:
            return program_dose[name]
        if rule is not None and rule.field == name:
            return rule.start
        return article if article is not None else 0

    sets = max(1, pick("sets", d.sets.value))
    hold = pick("hold_s", d.hold_s.value)
    rest = pick("rest_s", d.rest_s.value)
    timed = d.timed
    reps = 0 if timed else max(1, pick("reps", d.reps.value if d.reps else 1))
    duration = pick("duration_s", d.duration_s.value if d.duration_s else None) if timed else 0
    sides = ["left", "right"] if d.sides == "each" else [None]
    setup = list(mod.setup) if mod and mod.setup else list(ex.setup)
    move = (mod.steps.move if mod and mod.steps and mod.steps.move else None) or ex.steps.move
    hold_text = (mod.steps.hold if mod and mod.steps and mod.steps.hold else None) or ex.steps.hold
    release = (
        mod.steps.release if mod and mod.steps and mod.steps.release else None
    ) or ex.steps.release
    position = (mod.position if mod and mod.position else None) or ex.position
    common = {"exercise_id": ex.id, "exercise_name": ex.name, "modification": mod_id}
    # a position change, rest or side switch: a spoken countdown over the start picture
    pause_kw = {
        "image": "start",
        "countdown": True,
        "count_last": o.countdown_last_s if o.count_aloud else 0,
        "speech_bound": True,
    }

    # intro: name, dose, set-up and the caution that matters most, read aloud
    dose_words = (
        f"{_plural(duration // 60, 'minute')}"
        if timed and duration >= 60 and duration % 60 == 0
        else f"{_plural(duration, 'second')}"
        if timed
        else f"one {hold}-second hold"
        if reps == 1 and hold
        else _plural(reps, "time")
    )
    if sets > 1:
        dose_words += f", {_plural(sets, 'set')}"
    if d.sides == "each":
        dose_words += ", on each side"
    intro_say = (
        f"{ex.name}{' (' + mod.name.lower() + ')' if mod else ''}. {dose_words}. " + " ".join(setup)
    )
    if d.sides == "each":
        intro_say += " Start with your left side."
    stop_caution = next((c.text for c in ex.cautions if "stop" in c.text.lower()), None)
    if stop_caution:
        intro_say += f" {stop_caution}"
    b.add(Kind.INTRO, 4, intro_say, "\n".join(setup), image="start", speech_bound=True, **common)
    ready = _get_ready_seconds(o, previous_position, position)
    b.add(
        Kind.GET_READY,
        ready,
        f"Get into position. We start in {count_word(round(ready))} seconds.",
        "Get into position",
        **pause_kw,
        **common,
    )
    for si, side in enumerate(sides):
        if si > 0:
            b.add(
                Kind.SWITCH_SIDE,
                o.change_position_s,
                f"Switch sides. Now the {side} side.",
                f"Switch sides: {side} side",
                side=side,
                **pause_kw,
                **common,
            )
        for s in range(1, sets + 1):
            where = {"set": s, "sets": sets, "side": side, **common}
            if s > 1:
                b.add(
                    Kind.REST,
                    max(rest, 3),
                    f"Rest for {count_word(max(rest, 3))} seconds. Then set {count_word(s)} of "
                    f"{count_word(sets)}.",
                    "Rest",
                    **pause_kw,
                    **where,
                )
            if timed:
                alt = " Alternate your legs." if d.sides == "alternating" else ""
                b.add(
                    Kind.TIMED,
                    duration,
                    f"{move}{alt} Keep going for {_plural(duration, 'second')}."
                    if duration < 120
                    else f"{move}{alt} Keep going for {_plural(duration // 60, 'minute')}.",
                    move,
                    image="end",
                    countdown=True,
                    count_last=o.countdown_last_s if o.count_aloud else 0,
                    **where,
                )
                continue
            for r in range(1, reps + 1):
                rep = {"rep": r, "reps": reps, **where}
                first = r == 1 and s == 1 and si == 0
                say = move if first else f"{count_word(r).capitalize()}. {_cue(move)}"
                b.add(Kind.MOVE, ex.move_s, say, move, image="end", speech_bound=True, **rep)
                if hold > 0:
                    hold_say = (hold_text or "Hold.") if first else "Hold."
                    if hold >= 5:
                        hold_say += f" {_plural(hold, 'second')}."
                    b.add(
                        Kind.HOLD,
                        hold,
                        hold_say,
                        hold_text or "Hold",
                        image="end",
                        countdown=True,
                        count_last=min(o.countdown_last_s, hold - 2)
                        if o.count_aloud and hold >= 5
                        else 0,
                        **rep,
                    )
                done_word = f"That's {count_word(r)}." if o.count_aloud else ""
                if r == reps and sets > 1:
                    done_word += f" Set {count_word(s)} done."
                rel_text = release or "And relax."
                rel_say = (rel_text if first else _cue(rel_text)) + (
                    f" {done_word}" if done_word else ""
                )
                b.add(
                    Kind.RELEASE,
                    ex.release_s,
                    rel_say.strip(),
                    rel_text,
                    image="start",
                    speech_bound=True,
                    **rep,
                )
    if ex.check:
        b.add(
            Kind.CHECK,
            ex.check.timeout_s,
            ex.check.question,
            ex.check.question,
            image=None,
            question=ex.check.question,
            on_no=ex.check.on_no,
            speech_bound=True,
            **common,
        )


def with_speech_durations(script: Script, seconds: Callable[[str], float]) -> Script:
    """The same script re-timed with real clip lengths (speech-bound segments only grow)."""
    t = 0.0
    out = []
    for s in script.segments:
        d = max(s.duration, seconds(s.say)) if s.speech_bound else s.duration
        out.append(replace(s, start=t, duration=round(d, 3)))
        t += round(d, 3)
    return replace(script, segments=tuple(out))


def shape(seg: Segment) -> tuple[object, ...]:
    """What a segment asks the user to do, without its timing."""
    return (seg.kind, seg.exercise_id, seg.set, seg.rep, seg.side, seg.modification, seg.say)


def splice(old: Script, new: Script, keep: int) -> Script:
    """``old``'s first ``keep`` segments (as planned and timed then) followed by ``new``'s
    from ``keep`` on, re-timed to follow them. Raises ValueError when ``new`` would change
    what those first segments ask of the user."""
    if len(new) < keep or [shape(s) for s in old.segments[:keep]] != [
        shape(s) for s in new.segments[:keep]
    ]:
        raise ValueError("the new plan changes segments that were already planned or done")
    t = old.segments[keep - 1].end if keep else 0.0
    tail = []
    for seg in new.segments[keep:]:
        tail.append(replace(seg, start=t))
        t += seg.duration
    return replace(new, segments=(*old.segments[:keep], *tail))
