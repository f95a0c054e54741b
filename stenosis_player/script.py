"""Program + options → the session script: a flat list of segments, each one thing to do.

Computed before a session starts, so the total time is known, every spoken line can be
synthesised in advance and a physical therapist can read the whole session as text.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, field, replace
from enum import StrEnum

from . import phrases
from .catalog import Catalog, Exercise, Modification, Note, Program
from .records import Record, record

# Positions in four groups for the transition table: getting up from the floor is slowest.
POSITION_GROUP = {
    "lying": "lie",
    "side-lying": "lie",
    "prone": "lie",
    "hands-and-knees": "kneel",
    "kneeling": "kneel",
    "half-kneeling": "kneel",
    "sitting": "sit",
    "standing": "stand",
}
_FLOOR = frozenset({"lie", "kneel"})
# The app's own transition times (the articles give none), used where a catalogue has no
# ``transitions`` table: what a stiff 70-year-old needs to change position unhurried.
DEFAULT_TRANSITIONS: dict[str, float] = {
    "start": 10,
    "same": 5,
    "equipment": 10,
    "side": 10,
    "lie>kneel": 10,
    "kneel>lie": 10,
    "lie>sit": 15,
    "sit>lie": 15,
    "kneel>sit": 15,
    "sit>kneel": 15,
    "lie>stand": 20,
    "kneel>stand": 20,
    "stand>lie": 20,
    "stand>kneel": 15,
    "sit>stand": 10,
    "stand>sit": 10,
}
SPEECH_MARGIN_S = 0.3  # silence kept between the end of a line and the next thing said
# A later rep's move or release keeps its tempo: its line is the longest choice that fits
# within this much over the tempo (a slow voice may need a moment more), else a shorter one.
TEMPO_SLACK = 0.1


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


@record
class Segment(Record):
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
    side_label: str = ""  # the limb, as the catalogue names it ("Left leg behind")
    image: str | None = None  # phase of the exercise's picture: start / end
    countdown: bool = False  # show a countdown (holds, rests, position changes)
    count_last: int = 0  # speak the last N seconds aloud
    speech_bound: bool = False  # lasts at least as long as its speech
    question: str | None = None
    on_no: str | None = None
    modification: str | None = None
    cue: str = ""  # the short instruction shown large (the full one is ``show``)
    notes: tuple[str, ...] = ()  # cautions and notes shown with this segment (also said)
    say_parts: tuple[str, ...] = ()  # ``say`` as whole authored sentences or phrases
    speech_tail: float = 0.0  # time kept after the speech (a countdown said at the end)
    no_answer: str | None = None  # said when a question times out unanswered
    tempo: float = 0.0  # the phase's target length (later reps); speech is fitted to it

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
            parts.append(self.side_label or f"{self.side.capitalize()} side")
        return " · ".join(parts)


@record
class DoseOverride(Record):
    """A user's (or therapist's) change to one exercise's dose; None keeps the article's."""

    reps: int | None = None
    sets: int | None = None
    hold_s: int | None = None
    rest_s: int | None = None
    duration_s: int | None = None
    modification: str | None = None


@record
class ScriptOptions(Record):
    overrides: Mapping[str, DoseOverride] = field(default_factory=dict)
    order: tuple[str, ...] | None = None  # exercise ids to run, in order; None: the program's
    removed: frozenset[str] = frozenset()  # taken out of the home program by a safety rule
    count_aloud: bool = True
    countdown_last_s: int = 3
    change_position_s: float = 10.0  # at least this long for any change of position
    floor_to_standing_s: float = 20.0  # at least this long between the floor and standing
    words_per_minute: float = 160.0
    # Real clip lengths from the voice layer; without it speech time is estimated from words.
    speech_seconds: Callable[[str], float] | None = None
    # Doses grown by progression rules (exercise id → field → value), from the progress store.
    progressed: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    # Start doses that an article says to build up from their rule's start (10 s, not 30 s).
    use_progression: bool = True


@record
class Script(Record):
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
    return phrases.number(n)


class _Builder:
    def __init__(self, options: ScriptOptions) -> None:
        self.o = options
        self.segments: list[Segment] = []
        self.t = 0.0
        self._seconds: dict[str, float] = {}

    def speech(self, text: str) -> float:
        if not text:
            return 0.0
        if text not in self._seconds:
            if self.o.speech_seconds is not None:
                self._seconds[text] = self.o.speech_seconds(text)
            else:
                self._seconds[text] = estimate_speech_seconds(text, self.o.words_per_minute)
        return self._seconds[text]

    def fits(self, parts: list[str], room: float) -> bool:
        return self.speech(_join(parts)) + SPEECH_MARGIN_S <= room

    def within_tempo(self, choices: list[list[str]], tempo: float) -> list[str]:
        """The first of ``choices`` (longest first) said within the tempo; the last
        choice when none is."""
        for parts in choices:
            if self.fits(parts, tempo * (1 + TEMPO_SLACK)):
                return parts
        return choices[-1]

    def add(self, kind: Kind, base: float, parts: list[str], show: str, **kw: object) -> None:
        say = _join(parts)
        duration = float(base)
        if kw.get("speech_bound"):
            duration = max(duration, self.speech(say) + float(kw.get("speech_tail", 0.0)))  # type: ignore[arg-type]
        seg = Segment(
            len(self.segments),
            kind,
            self.t,
            math.ceil(duration * 1000 - 1e-6) / 1000,  # whole ms, never shorter than its line
            say,
            show,
            say_parts=tuple(p for p in parts if p),
            **kw,  # type: ignore[arg-type]
        )
        self.segments.append(seg)
        self.t = seg.end

    def countdown_pause(
        self, kind: Kind, least: float, before: list[str], show: str, **kw: object
    ) -> None:
        """A pause with a spoken countdown: ``before`` + "We start in N seconds.", where N is
        the segment's real length, long enough that the line ends before the count."""
        count = self.o.countdown_last_s if self.o.count_aloud else 0
        n = max(1, math.ceil(least))
        for _ in range(4):  # the number's own words change the line's length: settle it
            parts = [*before, phrases.say("start_in", secs=n)]
            need = self.speech(_join(parts)) + SPEECH_MARGIN_S + count + 0.5  # = its tail
            if need <= n:
                break
            n = math.ceil(need)
        tail = SPEECH_MARGIN_S + count + 0.5
        self.add(
            kind,
            n,
            parts,
            show,
            countdown=True,
            count_last=count,
            image="start",
            speech_tail=tail,
            **kw,
        )


def _join(parts: list[str]) -> str:
    return " ".join(p for p in parts if p)


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
    table = {**DEFAULT_TRANSITIONS, **catalog.transitions}
    b = _Builder(o)
    before: tuple[str, tuple[str, ...]] | None = None
    ids = resolve_items(catalog, program, o)
    for ex_id in ids:
        ex = catalog.exercises[ex_id]
        item = program_doses.get(ex_id)
        override = o.overrides.get(ex_id, DoseOverride())
        mod_id = override.modification or (item.modification if item else None)
        plan = _Plan.make(ex, item.dose if item else {}, override, mod_id, o)
        mod = plan.mod
        position = (mod.position if mod and mod.position else None) or ex.position
        equipment = mod.equipment if mod and mod.equipment is not None else ex.equipment
        ready = transition_seconds(table, o, before, (position, tuple(equipment)))
        _add_exercise(b, plan, ready, table, moving=_floor_move(before, position))
        before = (position, tuple(equipment))
    if not ids:
        b.add(Kind.DONE, 3, [phrases.say("empty")], "No exercises", speech_bound=True)
    else:
        count = "one exercise" if len(ids) == 1 else f"{phrases.number(len(ids))} exercises"
        b.add(
            Kind.DONE,
            4,
            [phrases.say("done", exercises=count)],
            "Session complete",
            speech_bound=True,
            image=None,
        )
    return Script(program.id, program.name, tuple(b.segments))


def _floor_move(before: tuple[str, tuple[str, ...]] | None, after: str) -> str | None:
    """ "get_up" from the floor (lying, kneeling) to sitting or standing, "get_down" the
    other way: the moves that most often hurt a stenotic back, said with how to do them."""
    if before is None:
        return None
    was, now = POSITION_GROUP[before[0]] in _FLOOR, POSITION_GROUP[after] in _FLOOR
    return None if was == now else "get_up" if was else "get_down"


def transition_seconds(
    table: Mapping[str, float],
    o: ScriptOptions,
    before: tuple[str, tuple[str, ...]] | None,
    after: tuple[str, tuple[str, ...]],
) -> float:
    """Time to get into position from the last exercise's position and equipment: the
    catalogue's transition table, never less than the user's own minimums."""
    if before is None:
        t = max(table["start"], o.change_position_s)
        return max(t, table["equipment"]) if after[1] else t
    g1, g2 = POSITION_GROUP[before[0]], POSITION_GROUP[after[0]]
    if g1 == g2:
        t = max(table["same"], o.change_position_s / 2)
    else:
        t = max(table.get(f"{g1}>{g2}", table["start"]), o.change_position_s)
    if (g1 in _FLOOR) != (g2 in _FLOOR) and "stand" in (g1, g2):
        t = max(t, o.floor_to_standing_s)  # between the floor and standing, either way
    if after[1] or before[1]:
        t = max(t, table["equipment"])  # fetch, move or turn the chair, board or step
    return t


def _dose_words(
    reps: int,
    sets: int,
    hold: int,
    sides: str,
    timed: bool,
    duration: int,
    rest: int,
    rest_reps: int,
) -> list[str]:
    if timed:
        if sets > 1:
            return [
                phrases.TABLE["timed_sets"].format(
                    Secs=phrases.seconds(duration).capitalize(),
                    n=phrases.number(sets),
                    secs=phrases.seconds(rest),
                )
            ]
        return [phrases.say("timed", Secs=duration)]
    suffix = {"none": "", "each": "_each_side", "alternating": "_alternating"}[sides]
    if reps == 1 and hold and sides != "alternating":
        first = phrases.say("one_hold" + ("_each_side" if sides == "each" else ""), secs=hold)
    elif hold and hold >= 5 and sides == "alternating":
        first = phrases.say("holds_alternating", N=reps, secs=hold)
    elif hold:
        first = phrases.say("times_holding" + suffix, N=reps, secs=hold)
    else:
        first = phrases.say("times" + suffix, N=reps)
    out = [first]
    if sets > 1:
        out.append(phrases.say("sets_each_side" if sides == "each" else "sets", N=sets))
        if rest:
            out.append(phrases.say("rest_between_sets", secs=rest))
    if rest_reps:
        out.append(phrases.say("rest_between_reps", secs=rest_reps))
    return out


@record
class _Plan(Record):
    """One exercise as this session runs it: the dose resolved (the user's value, then what
    progression reached, the program's, a rule's start, the article's), and its texts (a
    chosen version's own where it has them)."""

    ex: Exercise
    mod: Modification | None
    reps: int
    sets: int
    hold: int
    rest: int
    rest_reps: int
    duration: int
    setup: tuple[str, ...]
    notes: tuple[Note, ...]

    @classmethod
    def make(
        cls,
        ex: Exercise,
        program_dose: Mapping[str, int],
        ov: DoseOverride,
        mod_id: str | None,
        o: ScriptOptions,
    ) -> _Plan:
        d = ex.dose
        mod = ex.modification(mod_id)
        grown = o.progressed.get(ex.id, {}) if o.use_progression else {}
        rules = ex.progression.rules if ex.progression and o.use_progression else ()

        def pick(name: str, article: int | None) -> int:
            value = getattr(ov, name, None)
            if value is not None:
                return int(value)
            if name in grown:
                return int(grown[name])
            if name in program_dose:
                return int(program_dose[name])
            for rule in rules:
                if rule.field == name:
                    return rule.start
            return int(article) if article is not None else 0

        timed = d.timed
        return cls(
            ex,
            mod,
            reps=0 if timed else max(1, pick("reps", d.reps.value if d.reps else 1)),
            sets=max(1, pick("sets", d.sets.value)),
            hold=pick("hold_s", d.hold_s.value),
            rest=pick("rest_s", d.rest_s.value),
            rest_reps=pick("rest_between_reps_s", d.rest_between_reps_s.value),
            duration=pick("duration_s", d.duration_s.value if d.duration_s else None)
            if timed
            else 0,
            setup=mod.setup if mod and mod.setup else ex.setup,
            notes=mod.notes if mod and mod.notes is not None else ex.notes,
        )

    @property
    def sides_mode(self) -> str:
        return self.ex.dose.sides

    @property
    def alternating(self) -> bool:
        return self.sides_mode == "alternating" and not self.ex.dose.timed

    @property
    def sides(self) -> list[str | None]:
        return ["left", "right"] if self.sides_mode == "each" else [None]

    def step(self, phase: str, short: bool = False) -> str | None:
        """The phase's full sentence, or its short cue (the full one where it has none)."""
        for source in (self.mod.steps if self.mod else None, self.ex.steps):
            if source is not None and getattr(source, phase):
                return source.cue(phase) if short else getattr(source, phase)
        return None

    def side_label(self, side: str | None) -> str:
        cue = self.ex.side_cues.get(side or "")
        return cue.label if cue else ""

    def side_start(self, side: str, first: bool) -> str:
        cue = self.ex.side_cues.get(side)
        if cue:
            return cue.say
        return phrases.say("first_side" if first else "now_side", side=side)

    def side_rep_cue(self, side: str) -> str:
        """Said before each rep when sides alternate rep by rep."""
        cue = self.ex.side_cues.get(side)
        if cue:
            return cue.cue or phrases.say("side_cue", label=cue.label)
        return phrases.say("now_side", side=side)

    def cautions(self, when: str) -> list[str]:
        return [c.text for c in self.ex.cautions if c.when == when]

    def rep_notes(self) -> dict[int, str]:
        return {n.rep: n.text for n in self.notes if n.when == "after-rep"}


def _add_exercise(
    b: _Builder,
    plan: _Plan,
    ready: float,
    table: Mapping[str, float],
    moving: str | None = None,
) -> None:
    o, ex, mod = b.o, plan.ex, plan.mod
    common = {
        "exercise_id": ex.id,
        "exercise_name": ex.name,
        "modification": mod.id if mod else None,
    }
    dose_words = _dose_words(
        plan.reps,
        plan.sets,
        plan.hold,
        plan.sides_mode,
        ex.dose.timed,
        plan.duration,
        plan.rest,
        plan.rest_reps,
    )
    intro_notes = [n.text for n in plan.notes if n.when == "intro"]
    intro_cautions = plan.cautions("intro")

    # intro: the name, the dose, and what must be known before starting
    name = (
        phrases.say("name_version", name=ex.name, label=mod.name)
        if mod
        else phrases.say("name", name=ex.name)
    )
    b.add(
        Kind.INTRO,
        3,
        [name, *dose_words, *intro_cautions, *intro_notes],
        "\n".join([" ".join(dose_words), *intro_cautions, *intro_notes]),  # shown as said
        image="start",
        speech_bound=True,
        notes=(*intro_cautions, *intro_notes),
        **common,
    )
    # get ready: set-up, which side first, the warnings that come before the movement
    each = plan.sides_mode == "each"
    move_cautions = plan.cautions("before-move")
    up = [phrases.say(moving)] if moving else []  # how to get up from or down to the floor
    after_setup = [plan.side_start("left", True) if each else "", *move_cautions]
    b.countdown_pause(
        Kind.GET_READY,
        ready,
        [*up, *plan.setup, *after_setup],
        # on screen: how to get there, then the side and the cautions (the start picture
        # shows the set-up), or the set-up where there are none; a wall of text would
        # shrink the screen's type
        "\n".join([*up, *([p for p in after_setup if p] or plan.setup)]),
        cue="Get into position",
        side="left" if each else None,
        side_label=plan.side_label("left") if each else "",
        speech_bound=True,
        notes=tuple(move_cautions),
        **common,
    )
    switch_s = max(ex.switch_side_s or table["side"], o.change_position_s)
    for si, side in enumerate(plan.sides):
        if si > 0:
            b.countdown_pause(
                Kind.SWITCH_SIDE,
                switch_s,
                [phrases.say("switch_sides"), plan.side_start(side or "", False)],
                plan.side_start(side or "", False),
                cue="Switch sides",
                side=side,
                side_label=plan.side_label(side),
                speech_bound=True,
                **common,
            )
        for s in range(1, plan.sets + 1):
            where = {
                "set": s,
                "sets": plan.sets,
                "side": side,
                "side_label": plan.side_label(side),
                **common,
            }
            if s > 1:
                _add_rest(
                    b,
                    max(plan.rest, 3),
                    [phrases.rest_then_set(plan.rest, s, plan.sets)] if plan.rest else [],
                    where,
                )
            if ex.dose.timed:
                _add_timed(b, plan, s, where)
            else:
                _add_reps(b, plan, s, si, side, where)
    if ex.check:
        _add_check(b, plan, common)


def _add_rest(b: _Builder, seconds: float, parts: list[str], where: Mapping[str, object]) -> None:
    count_last = b.o.countdown_last_s if b.o.count_aloud else 0
    b.add(
        Kind.REST,
        seconds,
        parts,
        "Rest",
        cue="Rest",
        image="start",
        countdown=True,
        count_last=count_last,
        speech_bound=True,
        speech_tail=count_last + SPEECH_MARGIN_S,
        **where,
    )


def _add_timed(b: _Builder, plan: _Plan, s: int, where: Mapping[str, object]) -> None:
    count_last = b.o.countdown_last_s if b.o.count_aloud else 0
    text = plan.step("move", short=s > 1) or ""
    parts = [text, phrases.say("keep_going", secs=plan.duration)]
    if not b.fits(parts, plan.duration - count_last):
        parts = [text]
    b.add(
        Kind.TIMED,
        plan.duration,
        parts,
        plan.step("move") or "",
        cue=plan.step("move", True) or "",
        image="end",
        countdown=True,
        count_last=count_last,
        **where,
    )


def _add_check(b: _Builder, plan: _Plan, common: Mapping[str, object]) -> None:
    """The settle period (a countdown) and the question, as the article's rule asks."""
    chk = plan.ex.check
    assert chk is not None
    count_last = b.o.countdown_last_s if b.o.count_aloud else 0
    if chk.settle_s:
        b.add(
            Kind.REST,
            chk.settle_s,
            [chk.settle_say or "", phrases.say("settle_ask_in", secs=round(chk.settle_s))],
            chk.settle_say or "Rest",
            cue="Rest and notice",
            image=None,
            countdown=True,
            count_last=count_last,
            speech_bound=True,
            speech_tail=count_last + SPEECH_MARGIN_S,
            **common,
        )
    b.add(
        Kind.CHECK,
        chk.timeout_s,
        [chk.question],
        chk.question,
        cue="Question",
        image=None,
        question=chk.question,
        on_no=chk.on_no,
        countdown=True,
        speech_bound=True,
        speech_tail=5.0,  # time to answer after the question ends
        no_answer=phrases.say("no_answer"),
        **common,
    )


def _hold_lines(b: _Builder, plan: _Plan, first: bool) -> tuple[list[str], list[str]]:
    """(what the hold says, what goes at the end of the move instead): a hold's line must
    end before its clock does, so a long one is said before the clock starts."""
    hold, hold_word = plan.hold, phrases.say("hold")
    count_last = b.o.countdown_last_s if b.o.count_aloud else 0
    room = hold - (min(count_last, hold - 2) if hold >= 5 else 0)
    if not first:
        short = [hold_word]
        if hold >= 8 and b.fits([phrases.say("hold_for", secs=hold)], room):
            short = [phrases.say("hold_for", secs=hold)]
        return (short if b.fits(short, room) else []), []
    full = [plan.step("hold") or hold_word, *plan.cautions("hold")]
    if hold >= 5:
        full.append(phrases.say("timed", Secs=hold))
    if b.fits(full, room):
        return full, []
    before_clock = [p for p in full if p != hold_word]
    return ([hold_word] if b.fits([hold_word], hold) else []), before_clock


def _add_phase(
    b: _Builder,
    plan: _Plan,
    kind: Kind,
    parts: list[str],
    tempo: float,
    first: bool,
    image: str,
    rep: Mapping[str, object],
) -> None:
    """A move or release: its full sentence shown, its cue shown large; it lasts its tempo,
    or on the first rep as long as the full instruction takes."""
    phase = kind.value
    b.add(
        kind,
        tempo,
        parts,
        plan.step(phase) or "",
        cue=plan.step(phase, True) or "",
        image=image,
        speech_bound=True,
        tempo=0.0 if first else tempo,
        **rep,
    )


def _add_reps(
    b: _Builder, plan: _Plan, s: int, si: int, side: str | None, where: Mapping[str, object]
) -> None:
    o, ex = b.o, plan.ex
    reps = plan.reps
    per_rep = ("left", "right") if plan.alternating else (side,)
    units = [(r, u) for r in range(1, reps + 1) for u in per_rep]
    count_last = o.countdown_last_s if o.count_aloud else 0
    rep_notes = plan.rep_notes()
    for k, (r, unit_side) in enumerate(units):
        # the full sentences on the first rep of a side, the short cues after
        first = s == 1 and r == 1  # (so again after a side switch)
        last_unit = k == len(units) - 1
        rep: dict[str, object] = {**where, "rep": r, "reps": reps}
        side_cue = ""
        if plan.alternating:
            rep.update(side=unit_side, side_label=plan.side_label(unit_side))
            side_cue = plan.side_rep_cue(unit_side or "")
        hold_parts, move_extra = _hold_lines(b, plan, first) if plan.hold > 0 else ([], [])

        if first:
            move_parts = [side_cue, plan.step("move") or "", *move_extra]
        else:
            cue = plan.step("move", True) or ""
            lead = (
                phrases.say("last_one") if last_unit and s == plan.sets and len(units) > 2 else ""
            )
            # the cue never gives way: it is the signal to move, so with a voice too slow
            # for the tempo the phase grows to it (a silent move left the user waiting, at
            # 100-110 words a minute). Nor does "Last one": said once an exercise, it may
            # lengthen that move by a second (dropped to keep the tempo, half the exercises
            # of a program ended without it at the default rate)
            move_parts = [lead, side_cue, cue]
        _add_phase(b, plan, Kind.MOVE, move_parts, ex.move_s, first, "end", rep)
        if plan.hold > 0:
            said = b.speech(_join(hold_parts)) + SPEECH_MARGIN_S if hold_parts else 0.0
            b.add(
                Kind.HOLD,
                plan.hold,
                hold_parts,
                plan.step("hold") or "Hold",
                cue=plan.step("hold", True) or "Hold",
                image="end",
                countdown=True,
                count_last=max(0, min(count_last, math.floor(plan.hold - said)))
                if o.count_aloud and plan.hold >= 5
                else 0,
                **rep,
            )

        # release, with the count: the cue and count must fit the tempo on later reps
        counted = (unit_side == "right" or not plan.alternating) and reps > 1 and o.count_aloud
        count = [phrases.say("count", n=r)] if counted else []
        last_of_set = counted and r == reps and plan.sets > 1
        set_done = [phrases.say("set_done", n=s)] if last_of_set else []
        # a note is said once: after its rep of the first set and side (the pair's second
        # half when sides alternate)
        once = (
            s == 1 and si == 0 and r in rep_notes and (not plan.alternating or unit_side == "right")
        )
        note = [rep_notes[r]] if once else []
        if first:
            release = [plan.step("release") or "", *count, *set_done, *note]
        elif note:
            release = [plan.step("release", True) or "", *count, *set_done, *note]
        elif last_of_set or last_unit:
            # the cue brings them out of the position before a rest or the next exercise:
            # it was dropped for "That's eight. Set one done." and left them bent forward.
            # Nothing keeps time after it, so the phase may grow to the whole line
            release = [plan.step("release", True) or "", *count, *set_done]
        else:  # the count matters more than a cue they have heard, and is always said
            cue = plan.step("release", True) or ""
            release = b.within_tempo(
                [[cue, *count, *set_done], [*count, *set_done], count or [cue]], ex.release_s
            )
        _add_phase(b, plan, Kind.RELEASE, release, ex.release_s, first, "start", rep)
        if plan.rest_reps and not last_unit:
            _add_rest(b, plan.rest_reps, [phrases.say("rest")], rep)


def with_speech_durations(script: Script, seconds: Callable[[str], float]) -> Script:
    """The same script re-timed with real clip lengths (speech-bound segments only grow)."""
    t = 0.0
    out = []
    for s in script.segments:
        d = max(s.duration, seconds(s.say) + s.speech_tail) if s.speech_bound else s.duration
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
