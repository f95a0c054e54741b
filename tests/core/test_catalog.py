"""The loader rejects every kind of broken catalogue with a message that names the place."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from stenosis_player.catalog import CatalogError, _max_depth, load_catalog
from stenosis_player.cli import main

REPO = Path(__file__).resolve().parents[2]


def minimal() -> dict:
    return {
        "version": 1,
        "default_program": "p",
        "sources": [{"id": "s", "title": "An article"}],
        "exercises": [
            {
                "id": "tilt",
                "name": "Pelvic tilt",
                "source": "s",
                "position": "lying",
                "equipment": [],
                "setup": ["Lie on your back."],
                "steps": {"move": "Tilt.", "hold": "Hold.", "release": "Relax."},
                "dose": {"reps": {"value": 10}, "hold_s": {"value": 3}, "sides": "none"},
                "images": {"start": {"path": "img/tilt.svg", "alt": "Lying"}},
            }
        ],
        "programs": [{"id": "p", "name": "P", "exercises": [{"exercise": "tilt"}]}],
    }


def write(tmp_path: Path, data: object) -> Path:
    (tmp_path / "img").mkdir(exist_ok=True)
    (tmp_path / "img" / "tilt.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    path = tmp_path / "exercises.json"
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return path


def problems_for(tmp_path: Path, data: object) -> list[str]:
    with pytest.raises(CatalogError) as info:
        load_catalog(write(tmp_path, data))
    return info.value.problems


def mutated(fn) -> dict:
    d = copy.deepcopy(minimal())
    fn(d)
    return d


def test_minimal_catalogue_loads(tmp_path):
    cat = load_catalog(write(tmp_path, minimal()))
    ex = cat.exercises["tilt"]
    assert ex.dose.reps.value == 10 and ex.dose.hold_s.value == 3
    assert ex.images["start"].path == (tmp_path / "img" / "tilt.svg").resolve()


def test_shipped_catalogue_is_valid_and_complete(catalog):
    names = {e.name.lower() for e in catalog.exercises.values()}
    for expected in [
        "sustained lumbar extension",
        "lumbar flexion in lying",
        "seated lumbar flexion",
        "standing lumbar flexion",
        "posterior pelvic tilt",
        "pelvic tilt",
        "straight leg raise",
        "walking",
        "cycling",
        "back flexion stretch",
        "child's pose",
        "hook-lying march",
        "curl-ups",
        "standing hip extension stretch",
        "squat with an incline board",
        "forward bend with nerve glides",
        "modified lunge with chair support",
    ]:
        assert expected in names
    seated = [e for e in catalog.exercises.values() if e.name.startswith("Seated lumbar flexion")]
    assert {(e.dose.reps.value, e.dose.sets.value) for e in seated} == {(10, 1), (8, 2)}
    assert catalog.default_program == "step-by-step"
    assert len(catalog.programs) == 3
    # ranges are kept and default to their lower end
    lunge = catalog.exercises["modified-lunge-chair"]
    assert lunge.dose.reps.range == (12, 15) and lunge.dose.reps.value == 12
    assert lunge.dose.sets.range == (2, 3) and lunge.dose.sets.value == 2
    assert lunge.dose.sides == "each"
    # every exercise is attributed to its article
    assert all(e.source.title for e in catalog.exercises.values())


STOP_IF_IT_HURTS = "If a stretch hurts or causes sciatica to worsen, stop immediately."


def test_a_caution_quoted_from_another_article_carries_that_articles_source(catalog):
    hip = catalog.exercises["standing-hip-extension-stretch"]
    assert hip.source.id == "sciatica-five"  # article 002
    [caution] = hip.cautions
    assert caution.text == STOP_IF_IT_HURTS  # the seed's words
    assert caution.source.id == "stenosis-stretch-strength"
    assert caution.source.seed.startswith("004_")
    # a caution in the exercise's own article's words is attributed to that article
    for ex in catalog.exercises.values():
        for c in ex.cautions:
            assert c.source is ex.source or c.text == STOP_IF_IT_HURTS
            assert c.source is catalog.sources[c.source.id]


def test_a_caution_may_name_its_own_source(tmp_path):
    data = minimal()
    data["sources"].append({"id": "other", "title": "Another article"})
    data["exercises"][0]["cautions"] = [
        "Go slowly.",
        {"text": "Stop if it hurts.", "source": "other"},
    ]
    ex = load_catalog(write(tmp_path, data)).exercises["tilt"]
    assert [(c.text, c.source.id) for c in ex.cautions] == [
        ("Go slowly.", "s"),
        ("Stop if it hurts.", "other"),
    ]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda d: d["exercises"][0]["dose"]["reps"].update(value=150),
            "exercises[0].dose.reps.value: must be between 1 and 100",
        ),
        (
            lambda d: d["exercises"][0]["dose"].update(sets={"value": 11}),
            "exercises[0].dose.sets.value: must be between 1 and 10",
        ),
        (
            lambda d: d["exercises"][0]["dose"]["hold_s"].update(value=601),
            "exercises[0].dose.hold_s.value: must be between 0 and 600",
        ),
        (
            lambda d: d["exercises"][0]["dose"].update(rest_s={"value": -1}),
            "exercises[0].dose.rest_s.value: must be between 0 and 600",
        ),
        (lambda d: d["exercises"][0].pop("name"), "exercises[0]: missing required key 'name'"),
        (
            lambda d: d["exercises"][0].update(name=5),
            "exercises[0].name: must be text, not a whole number (5)",
        ),
        (lambda d: d["exercises"][0].update(colour="red"), "exercises[0]: unknown key 'colour'"),
        (
            lambda d: d["exercises"][0].update(position="upside-down"),
            "exercises[0].position: must be one of",
        ),
        (lambda d: d["exercises"][0]["dose"].update(sides="both"), "exercises[0].dose.sides"),
        (lambda d: d.update(exercises=[]), "exercises: must not be empty"),
        (
            lambda d: d["exercises"].append(copy.deepcopy(d["exercises"][0])),
            "exercises[1].id: duplicate id 'tilt'",
        ),
        (
            lambda d: d["programs"][0]["exercises"].append({"exercise": "nope"}),
            "programs[0].exercises[1].exercise: unknown exercise 'nope'",
        ),
        (lambda d: d.update(default_program="other"), "default_program: unknown program 'other'"),
        (
            lambda d: d["exercises"][0]["images"]["start"].update(path="/etc/passwd"),
            "exercises[0].images.start.path: '/etc/passwd' must be a path relative",
        ),
        (
            lambda d: d["exercises"][0]["images"]["start"].update(path="../outside.svg"),
            "exercises[0].images.start.path: '../outside.svg' leaves the catalogue's folder",
        ),
        (
            lambda d: d["exercises"][0]["images"]["start"].update(path="img/missing.svg"),
            "exercises[0].images.start.path: image file 'img/missing.svg' does not exist",
        ),
        (
            lambda d: d["exercises"][0]["dose"]["reps"].update(value=2.5),
            "exercises[0].dose.reps.value: must be a whole number",
        ),
        (
            lambda d: d["exercises"][0].update(cautions=[{"text": "Stop.", "source": "nope"}]),
            "exercises[0].cautions[0].source: unknown source 'nope'",
        ),
        (
            lambda d: d.update(safety={"before_starting": "Check first.", "source": "nope"}),
            "safety.source: unknown source 'nope'",
        ),
        (
            lambda d: d.update(
                safety={
                    "before_starting": "Check first.",
                    "stop_if_it_hurts": "Stop if it hurts.",
                    "stop_if_it_hurts_source": "gone",
                }
            ),
            "safety.stop_if_it_hurts_source: unknown source 'gone'",
        ),
        (
            lambda d: d["exercises"][0].update(cautions=[{"source": "s"}]),
            "exercises[0].cautions[0]: missing required key 'text'",
        ),
        (
            lambda d: d["exercises"][0].update(cautions=[{"text": "Stop.", "source": "s", "p": 3}]),
            "exercises[0].cautions[0]: unknown key 'p'",
        ),
        (
            lambda d: d["exercises"][0].update(cautions=[""]),
            "exercises[0].cautions[0]: '' should be non-empty",
        ),
    ],
)
def test_each_rejection_names_its_location(tmp_path, mutate, expected):
    problems = problems_for(tmp_path, mutated(mutate))
    assert any(p.startswith(expected) for p in problems), problems


def test_every_problem_is_listed_not_just_the_first(tmp_path):
    def many(d):
        d["exercises"][0]["dose"]["reps"]["value"] = 0
        d["exercises"][0]["colour"] = "red"
        d["programs"][0]["name"] = 7

    problems = problems_for(tmp_path, mutated(many))
    assert len(problems) == 3, problems


def test_not_json(tmp_path):
    assert problems_for(tmp_path, '{"version": 1,')[0].startswith("not valid JSON")


def test_not_utf8(tmp_path):
    path = write(tmp_path, minimal())
    path.write_bytes(b'{"version": 1, "x": "\xff\xfe"}')
    with pytest.raises(CatalogError) as info:
        load_catalog(path)
    assert info.value.problems[0].startswith("not UTF-8 text")


def test_wrong_top_level_shape(tmp_path):
    problems = problems_for(tmp_path, [1, 2, 3])
    assert problems[0].startswith("(top level): must be an object {...}, not an array")


def test_file_over_5_mb(tmp_path):
    path = write(tmp_path, minimal())
    path.write_text(" " * (5 * 1024 * 1024 + 1))
    with pytest.raises(CatalogError) as info:
        load_catalog(path)
    assert "larger than the limit of 5 MB" in info.value.problems[0]


def test_deep_nesting(tmp_path):
    problems = problems_for(tmp_path, "[" * 5000 + "]" * 5000)
    assert "nested 5000 levels deep" in problems[0]


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ('{"a": [1, {"b": []}]}', 4),
        ('{"a": "[[[[", "b": "}}"}', 1),  # brackets inside strings do not count
        ('{"a": "say \\"[[\\" twice", "b": [[]]}', 3),  # nor after an escaped quote
        ('["a\\\\", [[]]]', 3),  # an escaped backslash ends before the closing quote
        ('[[ "unterminated [[[[', 2),  # an open string runs to the end
        ("", 0),
    ],
)
def test_nesting_depth_counts_brackets_outside_strings(text, depth):
    assert _max_depth(text) == depth


def test_nan_is_rejected(tmp_path):
    text = json.dumps(minimal()).replace('"value": 10', '"value": NaN')
    assert "NaN at line 1, column 319 is not allowed" in problems_for(tmp_path, text)[0]


def test_duplicate_key_in_an_object(tmp_path):
    text = json.dumps(minimal()).replace('"version": 1', '"version": 1, "version": 1')
    assert "key 'version' appears twice" in problems_for(tmp_path, text)[0]


def test_missing_file_is_a_clear_problem(tmp_path):
    with pytest.raises(CatalogError) as info:
        load_catalog(tmp_path / "nope.json")
    assert info.value.problems[0].startswith("cannot read the file")


def test_check_command_passes_on_the_shipped_catalogue(capsys):
    assert main(["check", str(REPO / "exercises.json")]) == 0
    assert "OK" in capsys.readouterr().out


def test_check_command_lists_problems_without_traceback(tmp_path, capsys):
    path = write(tmp_path, mutated(lambda d: d["exercises"][0]["dose"]["reps"].update(value=0)))
    assert main(["check", str(path)]) == 1
    err = capsys.readouterr().err
    assert "exercises[0].dose.reps.value: must be between 1 and 100" in err
    assert "Traceback" not in err


def test_schema_pass_is_cached_only_for_identical_bytes(tmp_path):
    cache = tmp_path / "cache"
    path = write(tmp_path, minimal())
    load_catalog(path, cache_dir=cache)
    stamps = list((cache / "validated-catalogs").iterdir())
    assert len(stamps) == 1
    load_catalog(path, cache_dir=cache)  # second load: same bytes, same stamp
    assert list((cache / "validated-catalogs").iterdir()) == stamps
    # an edited file is validated again, and its errors are still found
    path.write_text(
        json.dumps(mutated(lambda d: d["exercises"][0]["dose"]["reps"].update(value=0)))
    )
    with pytest.raises(CatalogError) as info:
        load_catalog(path, cache_dir=cache)
    assert "exercises[0].dose.reps.value: must be between 1 and 100" in info.value.problems[0]
