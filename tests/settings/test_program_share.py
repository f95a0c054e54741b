"""Export an adjusted program as a catalogue file, import it back: same session."""

from __future__ import annotations

import json

import pytest

from stenosis_player.catalog import CatalogError, load_catalog, validate
from stenosis_player.program_share import export_program, import_program
from stenosis_player.script import Kind, build_script
from stenosis_player.settings import Settings


def adjusted(catalog) -> Settings:
    s = Settings()
    s.catalog = catalog
    s.set(
        "programs.sciatica-five.order",
        ["squat-incline-board", "seated-lumbar-flexion-sciatica", "modified-lunge-chair"],
    )
    s.set("exercises.squat-incline-board.reps", 4)
    s.set("exercises.squat-incline-board.modification", "partial-squat")
    s.set("exercises.modified-lunge-chair.sets", 3)
    s.set("exercises.modified-lunge-chair.hold_s", 20)
    return s


def test_exported_file_is_a_catalogue_the_schema_accepts(catalog, tmp_path):
    out = export_program(catalog, adjusted(catalog), "sciatica-five", tmp_path / "mine.json")
    data = json.loads(out.read_text(encoding="utf-8"))
    assert validate(data, out.parent) == []
    shared = load_catalog(out)  # the catalogue loader takes it as it is
    assert shared.default_program == "sciatica-five" and list(shared.programs) == ["sciatica-five"]
    items = {i.exercise_id: i for i in shared.program().items}
    assert [i.exercise_id for i in shared.program().items if i.included] == [
        "squat-incline-board",
        "seated-lumbar-flexion-sciatica",
        "modified-lunge-chair",
    ]
    assert not items["forward-bend-nerve-glides"].included  # left out, still listed
    assert items["squat-incline-board"].dose["reps"] == 4
    assert items["squat-incline-board"].modification == "partial-squat"
    assert items["modified-lunge-chair"].dose["sets"] == 3
    used = {e.source.id for e in shared.exercises.values()} | {data["safety"]["source"]}
    used |= {c.source.id for e in shared.exercises.values() for c in e.cautions}
    assert {s["id"] for s in data["sources"]} == used  # the sources it needs, no others
    # a caution quoted from another article keeps its attribution in the shared file
    [caution] = shared.exercises["standing-hip-extension-stretch"].cautions
    assert caution.source.id == "stenosis-stretch-strength"
    assert all("images" not in e for e in data["exercises"])  # pictures are not shared


def test_export_then_import_gives_the_same_script(catalog, tmp_path):
    mine = adjusted(catalog)
    mine.set("exercises.walking.duration_s", 900)
    mine.set("exercises.sustained-lumbar-extension.removed", True)
    for pid in catalog.programs:
        out = export_program(catalog, mine, pid, tmp_path / f"{pid}.json")
        theirs = Settings()
        result = import_program(out, catalog, theirs, pid)
        assert result.skipped == []
        assert build_script(catalog, pid, theirs.script_options(catalog, pid)) == build_script(
            catalog, pid, mine.script_options(catalog, pid)
        ), pid


def test_import_sets_only_what_differs_from_the_program(catalog, tmp_path):
    out = export_program(catalog, adjusted(catalog), "sciatica-five", tmp_path / "mine.json")
    theirs = Settings()
    import_program(out, catalog, theirs)
    assert sorted(theirs.explicit_keys()) == [
        "exercises.modified-lunge-chair.hold_s",
        "exercises.modified-lunge-chair.sets",
        "exercises.squat-incline-board.modification",
        "exercises.squat-incline-board.reps",
        "programs.sciatica-five.order",
    ]


def exported(catalog, tmp_path) -> tuple[dict, object]:
    out = export_program(catalog, adjusted(catalog), "sciatica-five", tmp_path / "mine.json")
    return json.loads(out.read_text(encoding="utf-8")), out


def test_import_rejects_a_program_naming_an_unknown_exercise(catalog, tmp_path):
    data, out = exported(catalog, tmp_path)
    data["programs"][0]["exercises"][1]["exercise"] = "handstand"
    out.write_text(json.dumps(data), encoding="utf-8")
    theirs = Settings()
    with pytest.raises(CatalogError) as info:
        import_program(out, catalog, theirs)
    assert info.value.problems == [
        "programs[0].exercises[1].exercise: unknown exercise 'handstand'"
    ]
    assert theirs.explicit_keys() == []  # nothing changed


def test_import_rejects_a_bad_value_with_its_location(catalog, tmp_path):
    data, out = exported(catalog, tmp_path)
    data["programs"][0]["exercises"][0]["dose"]["reps"] = 500
    data["programs"][0]["exercises"][2]["dose"]["sets"] = "three"
    out.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CatalogError) as info:
        import_program(out, catalog, Settings())
    assert info.value.problems == [
        "programs[0].exercises[0].dose.reps: must be between 1 and 100 (found 500)",
        "programs[0].exercises[2].dose.sets: must be a whole number, not text ('three')",
    ]


def test_import_rejects_a_file_that_is_not_json(catalog, tmp_path):
    bad = tmp_path / "shared.json"
    bad.write_text("{ not json", encoding="utf-8")
    with pytest.raises(CatalogError) as info:
        import_program(bad, catalog, Settings())
    assert info.value.problems[0].startswith("not valid JSON")


def test_import_skips_and_reports_exercises_this_catalogue_lacks(catalog, tmp_path):
    data, out = exported(catalog, tmp_path)
    extra = json.loads(json.dumps(data["exercises"][0]))
    extra["id"] = "wall-slide"
    extra["name"] = "Wall slide"
    extra.pop("modifications", None)
    extra.pop("progression", None)
    data["exercises"].append(extra)
    data["programs"][0]["exercises"].insert(0, {"exercise": "wall-slide", "dose": {"reps": 5}})
    out.write_text(json.dumps(data), encoding="utf-8")
    theirs = Settings()
    result = import_program(out, catalog, theirs)
    assert result.skipped == [
        'programs[0].exercises[0].exercise: "wall-slide" is not in your catalogue'
    ]
    assert "wall-slide" not in theirs.program_order("sciatica-five")
    assert theirs.get("exercises.squat-incline-board.reps") == 4
    script = build_script(catalog, "sciatica-five", theirs.script_options(catalog, "sciatica-five"))
    assert script.exercise_ids()[0] == "squat-incline-board"
    assert any(s.kind is Kind.MOVE for s in script.segments)
