"""The articles' progression and safety rules as a session applies them: doses that grow
after clean sessions (with the reason, and undo), the flexion order, and "It hurts twice in
a row". Qt-free; the session coordinator owns one. The rules themselves are in
``progression.py``; this module applies them to the store and settings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the rules are imported when first applied: the first frame needs none
    from .catalog import Catalog
    from .script import Script


class SessionProgress:
    """What changed after a session, undo, the offered next flexion stage, hurt history."""

    def __init__(self, catalog: Catalog, settings: Any = None, store: Any = None) -> None:
        self.catalog = catalog
        self.settings = settings
        self.store = store
        self.last_changes: list[int] = []  # dose-change ids made after the last session
        self.offered_exercise: str | None = None

    def recent_changes_text(self) -> str:
        """What progression changed after the last session, with its reason and U to undo."""
        if self.store is None:
            return ""
        try:
            recent = [(i, ch) for i, ch, undone in self.store.recent_dose_changes(5) if not undone]
        except Exception:
            return ""
        shown = [ch.describe(self.catalog) for i, ch in recent if i in self.last_changes]
        if not shown:
            return ""
        return "Changed since last time: " + "; ".join(shown) + ". Press U to undo."

    def after_session(self, script: Script, program_id: str) -> str:
        """Apply the articles' progression rules after a session; say what changed and why."""
        from .progression import active_rule, flexion_offer, next_step, offer_chains

        lines: list[str] = []
        self.last_changes = []
        self.offered_exercise = None
        if self.store is not None:
            try:
                grown = self.store.grown_doses()
                for ex_id in script.exercise_ids():
                    ex = self.catalog.exercises[ex_id]
                    rule = active_rule(ex, grown.get(ex_id, {}))
                    if rule is None or self._user_set(ex_id, rule.field):
                        continue  # the user's own value is never changed behind their back
                    current = grown.get(ex_id, {}).get(rule.field, rule.start)
                    change = next_step(ex, current, self.store.exercise_history(ex_id), rule)
                    if change is not None:
                        self.last_changes.append(self.store.record_dose_change(change))
                        lines.append("Next time: " + change.describe(self.catalog))
                history = {
                    i: self.store.exercise_history(i)
                    for chain in offer_chains(self.catalog)
                    for i in chain
                }
                offer = flexion_offer(self.catalog, script.exercise_ids(), history)
                # a stage a safety rule took out stays out until the user puts it back
                self.offered_exercise = offer if offer not in self.saved_order(program_id) else None
            except Exception as exc:
                lines.append(f"(Progression could not be checked: {exc})")
        if self.last_changes:
            lines.append("Press U to undo.")
        if self.offered_exercise:
            name = self.catalog.exercises[self.offered_exercise].name
            lines.append(f"Ready for the next step: {name}. Press A to add it to your program.")
        if not lines:
            lines.append("Next time: the same program. Adjust reps and holds in Settings (Ctrl+,).")
        return "\n".join(lines)

    def _user_set(self, exercise_id: str, field: str) -> bool:
        if self.settings is None or not hasattr(self.settings, "is_set"):
            return False
        return bool(self.settings.is_set(f"exercises.{exercise_id}.{field}"))

    def undo(self) -> bool:
        """Undo the changes progression made after the last session; True if any were."""
        if self.store is None:
            return False
        ids = self.last_changes or [
            i for i, _change, undone in self.store.recent_dose_changes(1) if not undone
        ]
        undone = [i for i in ids if self.store.undo_dose_change(i)]
        self.last_changes = []
        return bool(undone)

    def add_offered(self, program_id: str) -> str | None:
        """Put the offered flexion stage into the program; what to tell the user (or None)."""
        ex_id = self.offered_exercise
        if not ex_id or self.settings is None:
            return None
        from .progression import offer_chains

        ids = self.saved_order(program_id)
        order = next(c for c in offer_chains(self.catalog) if ex_id in c[1:])
        earlier = order[order.index(ex_id) - 1]
        at = ids.index(earlier) + 1 if earlier in ids else len(ids)
        try:
            self.settings.set(f"programs.{program_id}.order", [*ids[:at], ex_id, *ids[at:]])
            self.settings.save()
        except Exception as exc:
            return f"Could not change the program: {exc}"
        self.offered_exercise = None
        return f"{self.catalog.exercises[ex_id].name} is now part of your program."

    def saved_order(self, program_id: str) -> list[str]:
        """The program's order as settings keep it: exercises a safety rule removed keep their
        place there (the script leaves them out), so putting one back restores it in place."""
        from .settings import default_order

        saved = None
        if hasattr(self.settings, "program_order"):
            saved = self.settings.program_order(program_id)
        if saved is None:
            saved = default_order(self.catalog, program_id)
        return [i for i in saved if i in self.catalog.exercises]

    def hurt_twice(self, exercise_id: str, hurts_this_session: int, session_id: Any) -> bool:
        """Was "It hurts" already pressed on this exercise this session, or in the last
        session that had it? (Then removal is suggested.)"""
        from .progression import hurt_twice_in_a_row

        if hurts_this_session >= 1:
            return True
        if self.store is None:
            return False
        try:
            history = self.store.hurt_history(exercise_id)
        except Exception:
            return False
        earlier = [h for h in history if h.session_id != session_id]
        return hurt_twice_in_a_row(earlier)
