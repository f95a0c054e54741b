"""Share a program with its adjustments: export it as a file in exercises.json's own format
(so ``stenosis-player check`` and the catalogue's schema accept it), import one back.

An exported file is a complete catalogue: the program's exercises (and any exercise they point
to through ``progression.next`` or ``replace_with``), their sources, the safety text and one
program whose items carry the user's order, left-out exercises, ``dose`` and
``modification``; ``default_program`` names it. ``images`` keys are dropped, because the
pictures are not copied beside the file and a path to them would not validate there.

Importing checks the file exactly as the catalogue is checked (the same location-style
messages), then makes its program's order and doses the user's settings for a program.

Qt-free.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import catalog as catalog_module
from .catalog import Catalog, CatalogError, validate
from .settings import (
    DOSE_FIELDS,
    Settings,
    atomic_write_text,
    baseline_dose,
    baseline_modification,
    default_order,
    effective_dose,
    effective_modification,
    exercise_key,
    program_key,
    program_rows,
    show,
)


@dataclass
class ImportResult:
    program_id: str  # the program whose settings changed
    shared_program: str  # the program's name in the file
    applied: list[str] = field(default_factory=list)  # exercise ids whose settings were set
    skipped: list[str] = field(default_factory=list)  # one message per thing left out

    def summary(self) -> str:
        text = f"Imported “{self.shared_program}”: {len(self.applied)} exercise(s) set."
        if self.skipped:
            text += " Skipped: " + "; ".join(self.skipped)
        return text


# --------------------------------------------------------------------------- export


def program_document(catalog: Catalog, settings: Settings, program_id: str) -> dict[str, Any]:
    """The adjusted program as an exercises.json document (not yet written)."""
    raw = _catalog_as_loaded(catalog)
    program = catalog.program(program_id)
    raw_program = next((p for p in raw["programs"] if p["id"] == program.id), None)
    if raw_program is None:
        raise CatalogError(
            catalog.path,
            [f"the program {show(program.id)} is no longer in the catalogue; restart the app"],
        )
    removed = settings.removed_exercises()
    items = []
    for ex_id, runs in program_rows(settings, catalog, program.id):
        item: dict[str, Any] = {"exercise": ex_id}
        if not runs or ex_id in removed:
            item["included"] = False
        item["dose"] = effective_dose(settings, catalog, program.id, ex_id)
        mod = effective_modification(settings, catalog, program.id, ex_id)
        if mod is not None:
            item["modification"] = mod
        items.append(item)

    raw_exercises = {e["id"]: e for e in raw["exercises"]}
    needed: list[str] = []
    pending = [i["exercise"] for i in items]
    while pending:  # the program's exercises and those they refer to
        ex_id = pending.pop(0)
        if ex_id in needed or ex_id not in raw_exercises:
            continue
        needed.append(ex_id)
        ex = raw_exercises[ex_id]
        pending += [m["replace_with"] for m in ex.get("modifications", []) if "replace_with" in m]
        if (ex.get("progression") or {}).get("next"):
            pending.append(ex["progression"]["next"])
    exercises = [_without_images(raw_exercises[i]) for i in raw_exercises if i in needed]

    source_ids = {e["source"] for e in exercises}
    source_ids |= {
        c["source"]
        for e in exercises
        for kind in ("cautions", "notes")
        for c in e.get(kind, [])
        if isinstance(c, dict) and "source" in c
    }
    out_program: dict[str, Any] = {"id": program.id, "name": program.name}
    if raw_program.get("source"):
        out_program["source"] = raw_program["source"]
        source_ids.add(raw_program["source"])
    out_program["exercises"] = items
    doc: dict[str, Any] = {"version": raw["version"]}
    if raw.get("safety"):
        doc["safety"] = copy.deepcopy(raw["safety"])
        for key in ("source", "stop_if_it_hurts_source"):
            if raw["safety"].get(key):
                source_ids.add(raw["safety"][key])
    doc["default_program"] = program.id
    flex = raw.get("flexion_progression")
    if flex and all(i in needed for i in flex["order"]):
        doc["flexion_progression"] = copy.deepcopy(flex)
        if flex.get("source"):
            source_ids.add(flex["source"])
    offers = [o for o in raw.get("offers", []) if all(i in needed for i in o["order"])]
    if offers:
        doc["offers"] = copy.deepcopy(offers)
        source_ids |= {o["source"] for o in offers if o.get("source")}
    if raw.get("transitions"):
        doc["transitions"] = copy.deepcopy(raw["transitions"])
    doc["sources"] = [copy.deepcopy(s) for s in raw["sources"] if s["id"] in source_ids]
    doc["exercises"] = exercises
    doc["programs"] = [out_program]
    return doc


def _catalog_as_loaded(catalog: Catalog) -> dict[str, Any]:
    """The catalogue's document, re-read with every guard the first load had (size,
    regular file, strict JSON, the schema): the file may have changed since the app started."""
    path = Path(catalog.path)
    raw = catalog_module.read_json(path)
    problems = validate(raw, path.parent)
    if problems:
        changed = "the catalogue changed on disk since the app started and now has problems:"
        raise CatalogError(path, [changed, *problems])
    return raw


def _without_images(exercise: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(exercise)
    out.pop("images", None)
    for mod in out.get("modifications", []):
        mod.pop("images", None)
    return out


def export_program(catalog: Catalog, settings: Settings, program_id: str, path: Path | str) -> Path:
    """Write the adjusted program to ``path`` (atomically). Raises CatalogError if the result
    would not validate (a bug, reported rather than written) and OSError if it cannot write."""
    path = Path(path)
    doc = program_document(catalog, settings, program_id)
    problems = validate(doc, path.parent)
    if problems:
        raise CatalogError(path, problems)
    atomic_write_text(path, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    return path


# --------------------------------------------------------------------------- import


def read_shared_program(path: Path | str) -> dict[str, Any]:
    """Parse and validate a shared program file; raise CatalogError listing every problem."""
    path = Path(path)
    data = catalog_module.read_json(path)
    problems = validate(data, path.parent)
    if problems:
        raise CatalogError(path, problems)
    return data


def import_program(
    path: Path | str, catalog: Catalog, settings: Settings, program_id: str | None = None
) -> ImportResult:
    """Make a shared program's order and doses ``settings``' values for ``program_id``
    (default: the program of the same id in ``catalog``, else the catalogue's default).

    Raises CatalogError (nothing changed) if the file is not a valid catalogue. Exercises and
    modifications ``catalog`` does not have are skipped and listed in the result.
    """
    data = read_shared_program(path)
    index = next(i for i, p in enumerate(data["programs"]) if p["id"] == data["default_program"])
    shared = data["programs"][index]
    if program_id is None:
        program_id = shared["id"] if shared["id"] in catalog.programs else catalog.default_program
    catalog.program(program_id)  # KeyError for an unknown program
    file_exercises = {e["id"]: e for e in data["exercises"]}
    result = ImportResult(program_id, shared["name"])

    changes: dict[str, Any] = {}
    order: list[str] = []
    for j, item in enumerate(shared["exercises"]):
        where = f"programs[{index}].exercises[{j}]"
        ex_id = item["exercise"]
        ex = catalog.exercises.get(ex_id)
        if ex is None:
            result.skipped.append(f"{where}.exercise: {show(ex_id)} is not in your catalogue")
            continue
        if item.get("included", True):
            order.append(ex_id)
        article = file_exercises[ex_id]["dose"]
        base = baseline_dose(catalog, program_id, ex_id)
        for f in DOSE_FIELDS:
            if f not in base:
                continue
            value = item.get("dose", {}).get(f, (article.get(f) or {}).get("value"))
            changes[exercise_key(ex_id, f)] = None if value in (None, base[f]) else value
        mod = item.get("modification")
        if mod is not None and ex.modification(mod) is None:
            result.skipped.append(
                f"{where}.modification: your catalogue has no version {show(mod)} of {ex.name}"
            )
            mod = None
        base_mod = baseline_modification(catalog, program_id, ex_id)
        changes[exercise_key(ex_id, "modification")] = None if mod == base_mod else mod
        result.applied.append(ex_id)
    changes[program_key(program_id)] = (
        None if order == default_order(catalog, program_id) else order
    )

    trial = settings.copy()  # all or nothing: a value the settings refuse changes nothing
    for key, value in changes.items():
        trial.set(key, value)
    for key, value in changes.items():
        settings.set(key, value)
    return result
