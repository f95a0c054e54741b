"""Catalogue checks a schema cannot state: values that are each in bounds but make no sense
together, and programs too long to plan. Run on a document the schema already passed;
each problem is 'location: message', like the rest of ``catalog.validate``.

* a range that starts above where it ends (``"range": [10, 1]``);
* a progression rule whose start is above its target;
* a progression or an easier version that points at the exercise itself;
* a program whose session would last longer than :data:`MAX_SESSION_MINUTES` (1000
  exercises at the largest doses made a 2-million-minute session, and planning it blocked
  the start for 15 s with 380 MB).

Qt-free.
"""

from __future__ import annotations

from typing import Any

MAX_SESSION_MINUTES = 240  # four hours: far beyond any home program, short enough to plan
_DOSE_FIELDS = ("reps", "sets", "hold_s", "rest_s", "duration_s", "rest_between_reps_s")


def sense_problems(data: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    exercises = {e["id"]: e for e in data["exercises"]}
    for i, ex in enumerate(data["exercises"]):
        where = f"exercises[{i}]"
        for name, q in ex["dose"].items():
            if isinstance(q, dict) and "range" in q and q["range"][0] > q["range"][1]:
                lo, hi = q["range"]
                problems.append(
                    f"{where}.dose.{name}.range: [{lo}, {hi}] starts above where it ends"
                )
        prog = ex.get("progression") or {}
        rules = [("rule", prog["rule"])] if prog.get("rule") else []
        rules += [(f"rules[{k}]", r) for k, r in enumerate(prog.get("rules", []))]
        for key, rule in rules:
            if rule["start"] > rule["target"]:
                problems.append(
                    f"{where}.progression.{key}: starts at {rule['start']}, above its target "
                    f"{rule['target']} (a rule only grows a dose)"
                )
        if prog.get("next") == ex["id"]:
            problems.append(f"{where}.progression.next: points at the exercise itself")
        for j, mod in enumerate(ex.get("modifications", [])):
            if mod.get("replace_with") == ex["id"]:
                problems.append(
                    f"{where}.modifications[{j}].replace_with: points at the exercise itself"
                )
    for i, prog in enumerate(data["programs"]):
        minutes = session_minutes_bound(prog, exercises)
        if minutes > MAX_SESSION_MINUTES:
            problems.append(
                f"programs[{i}]: a session would last up to about {minutes:,.0f} minutes; "
                f"the limit is {MAX_SESSION_MINUTES} minutes (fewer exercises or smaller doses)"
            )
    return problems


def _value(q: Any, default: float) -> float:
    if q is None:
        return default
    return float(q["value"] if isinstance(q, dict) else q)


def session_minutes_bound(program: dict[str, Any], exercises: dict[str, Any]) -> float:
    """An upper estimate of a program's session length from its doses (before planning)."""
    total = 0.0
    for item in program["exercises"]:
        ex = exercises.get(item["exercise"])
        if ex is None or item.get("included", True) is False:
            continue
        dose = {**ex["dose"], **{k: v for k, v in item.get("dose", {}).items() if v is not None}}
        d = {f: _value(dose.get(f), 0.0) for f in _DOSE_FIELDS}
        sides = 1 if dose.get("sides", "none") == "none" else 2
        sets = max(1.0, d["sets"])
        pacing = ex.get("pacing", {})
        if d["duration_s"]:
            bout = d["duration_s"]
        else:
            per_rep = pacing.get("move_s", 3.0) + d["hold_s"] + pacing.get("release_s", 3.0)
            bout = max(1.0, d["reps"]) * (per_rep + d["rest_between_reps_s"])
        total += sets * sides * bout + (sets - 1) * d["rest_s"] + 60  # + intro and get-ready
    return total / 60
