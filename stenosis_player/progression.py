"""Safety and progression rules from the articles, as plain functions over past sessions.

- Progression: a dose the article says to build up (holds "start at 10–15 s and build to
  30 s"; curl-ups "as strength builds, 2 sets of 10") grows by the rule stated in
  exercises.json — ``step`` after ``after_sessions`` completed sessions in a row without
  an "It hurts" for that exercise — and never beyond the rule's target.
- Flexion order: lying → seated → standing is offered as the user completes sessions.
- It hurts twice in a row on one exercise: suggest taking it out of the program.

Qt-free; the store supplies the history, the window shows the outcome and offers undo.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from .catalog import Catalog, Exercise, ProgressionRule


@dataclass(frozen=True)
class ExerciseSession:
    """One past session that planned this exercise (newest first in lists)."""

    session_id: int
    completed: bool  # every planned rep (or timed bout) done
    hurt: bool  # "It hurts" was pressed during it


@dataclass(frozen=True)
class DoseChange:
    exercise_id: str
    field: str  # hold_s / reps / sets
    old: int
    new: int
    reason: str

    def describe(self, catalog: Catalog) -> str:
        ex = catalog.exercises.get(self.exercise_id)
        name = ex.name if ex else self.exercise_id
        unit = {"hold_s": " s hold", "reps": " reps", "sets": " sets"}[self.field]
        return f"{name}: {self.old} → {self.new}{unit} ({self.reason})"


def progression_start(ex: Exercise) -> dict[str, int]:
    """The value a rule starts from, used while no progression has happened yet."""
    rule = ex.progression.rule if ex.progression else None
    return {rule.field: rule.start} if rule else {}


def clean_streak(history: Sequence[ExerciseSession]) -> int:
    """Completed sessions without a hurt, counted back from the newest."""
    n = 0
    for s in history:
        if not s.completed or s.hurt:
            break
        n += 1
    return n


def active_rule(ex: Exercise, current: dict[str, int]) -> ProgressionRule | None:
    """The rule now in force: the first whose field has not reached its target (curl-ups
    grow to 10 reps, then to 2 sets). ``current``: field → value now (grown or started)."""
    for rule in ex.progression.rules if ex.progression else ():
        if current.get(rule.field, rule.start) < rule.target:
            return rule
    return None


def next_step(
    ex: Exercise,
    current: int,
    history: Sequence[ExerciseSession],
    rule: ProgressionRule | None = None,
) -> DoseChange | None:
    """The rule's next step for this exercise, if it is due. ``history``: sessions since
    the last change (newest first), so each step needs its own run of clean sessions.
    ``rule``: the rule in force (default: the exercise's first)."""
    rule = rule or (ex.progression.rule if ex.progression else None)
    if rule is None or current >= rule.target:
        return None
    streak = clean_streak(history)
    if streak < rule.after_sessions:
        return None
    new = min(current + rule.step, rule.target)
    return DoseChange(
        ex.id,
        rule.field,
        current,
        new,
        f"{streak} sessions in a row without pain; the article's target is {rule.target}",
    )


def offer_chains(catalog: Catalog) -> tuple[tuple[str, ...], ...]:
    """The orders exercises are offered in: flexion lying → seated → standing, and the
    catalogue's other ``offers`` (pelvic tilt → the more advanced hook-lying march)."""
    chains = (catalog.flexion_progression, *catalog.offers)
    return tuple(c for c in chains if c)


def flexion_offer(
    catalog: Catalog,
    planned: Iterable[str],
    history_of: dict[str, Sequence[ExerciseSession]],
    after_sessions: int = 3,
) -> str | None:
    """The next exercise of an offer chain (flexion lying → seated → standing first) to
    offer, or None.

    Offered when the program runs an earlier stage but not the next one, and the earlier
    stage has ``after_sessions`` clean sessions in a row.
    """
    planned = list(planned)
    for order in offer_chains(catalog):
        for earlier, later in pairwise(order):
            ready = clean_streak(history_of.get(earlier, ())) >= after_sessions
            if earlier in planned and later not in planned and ready:
                return later
    return None


def hurt_twice_in_a_row(history: Sequence[ExerciseSession], hurt_now: bool = True) -> bool:
    """True when the previous session with this exercise also had an "It hurts" on it."""
    return hurt_now and bool(history) and history[0].hurt
