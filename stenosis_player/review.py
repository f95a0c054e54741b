"""The clinical review document: per program, each exercise with its dose, where each number
comes from (the article's words or the app's default), and every sentence the app wrote
itself. Generated from the catalogue (``stenosis-player review``), so it never goes stale:
``docs/clinical-review.md`` is this output, and a test checks it is current. Qt-free.
"""

from __future__ import annotations

from collections.abc import Iterator

from . import phrases
from .catalog import Catalog, Exercise, Quantity
from .script import DEFAULT_TRANSITIONS, ScriptOptions, build_script, mmss

_APP = "*(app's wording)*"


def review_markdown(catalog: Catalog) -> str:
    return "\n".join(_document(catalog)) + "\n"


def _document(catalog: Catalog) -> Iterator[str]:
    yield "# Clinical review of the shipped programs"
    yield ""
    yield (
        "Generated from `exercises.json` by `stenosis-player review`; do not edit by hand. "
        "For each program: every exercise with its dose and where each number comes from "
        "(a quote from the article, or **app default** where the article gives none), the "
        "sentences that are spoken, and every sentence the app wrote itself, marked "
        f"{_APP}. Times are planned with estimated speech; `stenosis-player script` gives "
        "the exact plan with the real voice."
    )
    yield ""
    yield "## Sources"
    yield ""
    for s in catalog.sources.values():
        yield f"- `{s.id}` ({s.kind}): {s.citation()}" + (f". {s.note}" if s.note else "")
    if catalog.safety:
        yield ""
        yield "## Safety text shown before the first session"
        yield ""
        yield f"- {catalog.safety.before_starting} (source `{catalog.safety.source}`)"
        if catalog.safety.stop_if_it_hurts:
            yield (
                f"- {catalog.safety.stop_if_it_hurts} "
                f"(source `{catalog.safety.stop_if_it_hurts_source}`)"
            )
        if catalog.safety.app_addition:
            yield f"- {catalog.safety.app_addition}"
    for program in catalog.programs.values():
        script = build_script(catalog, program.id, ScriptOptions())
        yield ""
        yield f"## Program: {program.name} (`{program.id}`)"
        yield ""
        source = program.source.citation() if program.source else "none given"
        yield f"Source: {source}. Planned length about {mmss(script.total)} (estimated speech)."
        for item in program.items:
            ex = catalog.exercises[item.exercise_id]
            yield ""
            state = "" if item.included else " — **not in the session at first**"
            yield f"### {ex.name}{state}"
            yield ""
            if item.note:
                yield f"*{item.note}*"
                yield ""
            yield from _exercise(ex, item.dose)
    yield ""
    yield "## Time to change position (all app defaults)"
    yield ""
    table = {**DEFAULT_TRANSITIONS, **catalog.transitions}
    yield "| change | seconds |"
    yield "|---|---|"
    for key, value in table.items():
        yield f"| {key} | {value:g} |"
    yield ""
    yield (
        "Positions are grouped lie (lying, side-lying, prone), kneel (hands-and-knees, "
        "kneeling, half-kneeling), sit and stand. The user's 'time to change position' and "
        "'from the floor to standing' settings are minimums for every change."
    )
    yield ""
    yield "## Everything else the app says in its own words"
    yield ""
    yield "Counting, countdowns, doses, rests, side switches and answers (`phrases.py`):"
    yield ""
    for key, template in phrases.TABLE.items():
        yield f"- `{key}`: {template}"


def _exercise(ex: Exercise, program_dose: dict[str, int]) -> Iterator[str]:
    yield (
        f"Source `{ex.source.id}`. Position: {ex.position}. "
        f"Equipment: {', '.join(ex.equipment) or 'none'}."
    )
    yield ""
    yield "| dose | value | where it comes from |"
    yield "|---|---|---|"
    d = ex.dose
    rows: list[tuple[str, Quantity | None]] = [
        ("repetitions", d.reps if not d.timed else None),
        ("sets", d.sets),
        ("hold (s)", d.hold_s if not d.timed else None),
        ("rest between sets (s)", d.rest_s),
        ("rest between reps (s)", d.rest_between_reps_s if not d.timed else None),
        ("duration (s)", d.duration_s),
    ]
    fields = {
        "repetitions": "reps",
        "sets": "sets",
        "hold (s)": "hold_s",
        "rest between sets (s)": "rest_s",
    }
    for label, q in rows:
        if q is None or (q.value == 0 and q.app_default and label.startswith("rest between reps")):
            continue
        value = str(program_dose.get(fields.get(label, ""), q.value))
        if q.range:
            value += f" (article's range {q.range[0]}–{q.range[1]})"
        yield f"| {label} | {value} | {_where(q)} |"
    yield f"| sides | {d.sides} | {'article' if d.sides != 'none' else '—'} |"
    yield (
        f"| tempo (s) | move {ex.move_s:g}, release {ex.release_s:g} | "
        "**app default** (a target each later rep keeps) |"
    )
    if ex.switch_side_s:
        yield f"| switching sides (s) | {ex.switch_side_s:g} | **app default** |"
    for rule in ex.progression.rules if ex.progression else ():
        origin = "**app default**" if rule.app_default else "article"
        yield (
            f"| progression of {rule.field} | starts at {rule.start}, +{rule.step} after "
            f"{rule.after_sessions} sessions without pain, up to {rule.target} | {origin} |"
        )
    yield ""
    if ex.progression:
        text = ex.progression.text
        said = f"{text} {_APP}" if text in ex.app_wording else f"article: “{text}”"
        nxt = f" Next stage: `{ex.progression.next}`." if ex.progression.next else ""
        yield f"Progression: {said}{nxt}"
        yield ""
    yield "Spoken, in order:"
    yield ""
    mark = lambda text: f"{text} {_APP}" if text in ex.app_wording else text  # noqa: E731
    for c in ex.cautions:
        if c.when == "intro":
            yield f"- with the name (caution, `{c.source.id}`): {mark(c.text)}"
    for n in ex.notes:
        if n.when == "intro":
            yield f"- with the name (note): {mark(n.text)}"
    for text in ex.setup:
        yield f"- set-up: {mark(text)}"
    for side, cue in ex.side_cues.items():
        yield f"- {side} side (“{cue.label}”): {mark(cue.say)}"
    for c in ex.cautions:
        if c.when != "intro":
            yield f"- before the movement (caution, `{c.source.id}`): {mark(c.text)}"
    for phase in ("move", "hold", "release"):
        full = getattr(ex.steps, phase)
        if full:
            yield f"- {phase}, first rep: {mark(full)}"
            cue = getattr(ex.steps, f"{phase}_cue")
            if cue:
                yield f"- {phase}, later reps: {mark(cue)}"
    for n in ex.notes:
        if n.when == "after-rep":
            yield f"- once, after rep {n.rep}: {mark(n.text)}"
    if ex.check:
        if ex.check.settle_s:
            settle = mark(ex.check.settle_say or "")
            yield f"- then {ex.check.settle_s:g} s to settle, with a countdown: {settle}"
        yield (
            f"- question ({ex.check.timeout_s:g} s, answered by Y/N or voice): "
            f"{mark(ex.check.question)} — “no” takes the exercise out of the home program; "
            "no answer keeps it and asks again next session"
        )
        if ex.check.quote:
            yield f"- the rule behind the question, in the article's words: “{ex.check.quote}”"
    for m in ex.modifications:
        yield f"- version “{m.name}” ({m.kind}): {m.text}"
        for text in m.setup or ():
            yield f"  - its set-up: {mark(text)}"
        for phase in ("move", "hold", "release"):
            for label, text in (
                ("first rep", getattr(m.steps, phase, None)),
                ("later reps", getattr(m.steps, f"{phase}_cue", None)),
            ):
                if text:
                    yield f"  - its {phase}, {label}: {mark(text)}"


def _where(q: Quantity) -> str:
    if q.app_default:
        return "**app default**"
    if q.quote:
        return f"article: “{q.quote}”"
    return "article"
