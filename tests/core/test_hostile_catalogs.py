"""Hostile catalogues through the real command line (`check`, `script`) in a subprocess:
each gives exit status 1 and one clear, short line naming the problem and its limit, never
a traceback or a hang, and leaves the user's files byte for byte as they were. What `check`
passes, `script` plays."""

from __future__ import annotations

import copy
import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_catalog import minimal, write

from stenosis_player.catalog import CatalogError, load_catalog
from stenosis_player.picture_files import MAX_ELEMENTS

REPO = Path(__file__).resolve().parents[2]


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, "-m", "stenosis_player", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,  # a hang fails the test instead of blocking the suite
    )


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def refused(path: Path | str, *expected: str, command: str = "check") -> str:
    """Run ``command`` on ``path``; assert it refused with every ``expected`` text."""
    if command == "check":
        done = run_cli("check", str(path))
    else:
        done = run_cli("--exercises", str(path), command, "--no-settings")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    for text in expected:
        assert text in done.stderr
    assert all(len(line) <= 400 for line in done.stderr.splitlines()), "an uncapped message"
    return done.stderr


def catalogue_text(tmp_path: Path, change) -> Path:
    data = copy.deepcopy(minimal())
    text = change(data) if change else None
    return write(tmp_path, text if isinstance(text, str) else data)


@pytest.mark.parametrize(
    ("special", "expected"),
    [
        ("/dev/zero", "the catalogue is a device, not a regular file"),
        ("folder", "the catalogue is a folder"),
        ("fifo", "the catalogue is a named pipe (FIFO), not a regular file"),
    ],
)
def test_special_files_are_refused_without_reading_them(tmp_path, special, expected):
    path = Path(special)
    if special == "folder":
        path = tmp_path / "exercises.json"
        path.mkdir()
    elif special == "fifo":
        path = tmp_path / "exercises.json"
        os.mkfifo(path)  # nobody writes to it: reading would block forever
    refused(path, expected)
    refused(path, expected, command="script")


@pytest.mark.parametrize("written", ["10.0", "1e1"])
def test_a_whole_number_written_with_a_point_or_exponent_is_refused_by_check_and_script(
    tmp_path, written
):
    path = catalogue_text(
        tmp_path,
        lambda d: json.dumps(d).replace('"reps": {"value": 10}', f'"reps": {{"value": {written}}}'),
    )
    before = snapshot(tmp_path)
    message = "must be a whole number written without a decimal point or exponent"
    refused(path, "exercises[0].dose.reps.value: " + message, "(10, not 10.0)")
    refused(path, message, command="script")
    assert snapshot(tmp_path) == before


def test_a_lone_surrogate_is_refused_with_its_place(tmp_path):
    path = catalogue_text(tmp_path, lambda d: d["exercises"][0].update(name="Pelvic \ud800 tilt"))
    assert "\\ud800" in path.read_text(encoding="utf-8")  # json.dumps wrote the escape
    before = snapshot(tmp_path)
    refused(path, "exercises[0].name: contains a lone surrogate escape")
    refused(path, "lone surrogate", command="script")
    assert snapshot(tmp_path) == before


def test_huge_values_give_short_messages_that_name_the_limit(tmp_path):
    def huge(d):
        d["exercises"][0]["steps"]["move"] = "x" * 1_000_000
        d["programs"][0]["exercises"] = [{"exercise": "tilt"}] * 10_000

    path = catalogue_text(tmp_path, huge)
    err = refused(
        path,
        "exercises[0].steps.move: is 1,000,000 characters long; the limit is 2,000",
        "programs[0].exercises: has 10,000 items; the limit is 100",
    )
    assert len(err) < 2000


def test_duplicate_keys_and_nan_are_refused_with_line_and_column(tmp_path):
    text = json.dumps(minimal(), indent=1)
    dup = text.replace('"name": "Pelvic tilt",', '"name": "Pelvic tilt",\n "name": "Other",', 1)
    path = write(tmp_path, dup)
    refused(path, "the key 'name' appears twice in the object that starts at line")
    nan = text.replace('"value": 10', '"value": NaN')
    refused(write(tmp_path, nan), "NaN at line", "is not allowed: numbers must be finite")


def test_a_byte_order_mark_is_accepted(tmp_path):
    path = write(tmp_path, "\ufeff" + json.dumps(minimal()))
    done = run_cli("check", str(path))
    assert done.returncode == 0, done.stderr
    assert "OK" in done.stdout


def test_pictures_linked_from_outside_the_catalogue_folder_are_refused(tmp_path):
    outside = tmp_path / "private"
    outside.mkdir()
    (outside / "secret.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    cat = tmp_path / "catalogue"
    cat.mkdir()
    path = write(cat, minimal())
    (cat / "img" / "tilt.svg").unlink()
    (cat / "img" / "tilt.svg").symlink_to(outside / "secret.svg")  # a file link
    before = snapshot(tmp_path)
    refused(path, "exercises[0].images.start.path: 'img/tilt.svg' is a link that leads outside")
    (cat / "img" / "tilt.svg").unlink()
    (cat / "img").rmdir()
    (cat / "img").symlink_to(outside)  # a folder link
    (outside / "tilt.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    refused(path, "is a link that leads outside the catalogue's folder")
    assert {k: v for k, v in snapshot(tmp_path).items() if k in before} == before


def test_a_compressed_picture_that_inflates_past_the_limit_is_refused(tmp_path):
    path = write(tmp_path, minimal())
    bomb = b"<svg xmlns='http://www.w3.org/2000/svg'>" + b" " * (64 * 1024 * 1024) + b"</svg>"
    (tmp_path / "img" / "tilt.svg").unlink()
    (tmp_path / "img" / "tilt.svgz").write_bytes(gzip.compress(bomb, 9))
    assert (tmp_path / "img" / "tilt.svgz").stat().st_size < 200_000
    path.write_text(path.read_text().replace("img/tilt.svg", "img/tilt.svgz"))
    refused(path, "the compressed picture inflates to more than 4 MB, the limit for a picture")


def test_control_characters_never_reach_the_terminal(tmp_path):
    path = catalogue_text(
        tmp_path, lambda d: d["exercises"][0]["steps"].update(move="Tilt.\x1b]0;pwned\x07")
    )
    done = run_cli("--exercises", str(path), "script", "--no-settings")
    assert done.returncode == 0, done.stderr  # what check passes, script plays
    assert "\x1b" not in done.stdout and "\x07" not in done.stdout
    assert "Tilt.\\x1b]0;pwned\\x07" in done.stdout


def test_values_that_make_no_sense_together_are_refused(tmp_path):
    def nonsense(d):
        ex = d["exercises"][0]
        ex["dose"]["reps"] = {"value": 5, "range": [10, 1]}
        ex["progression"] = {
            "text": "Hold longer.",
            "next": "tilt",
            "rule": {"field": "hold_s", "start": 30, "target": 10, "step": 5, "after_sessions": 3},
        }
        ex["modifications"] = [{"id": "e", "name": "E", "text": "Easier.", "replace_with": "tilt"}]

    err = refused(
        catalogue_text(tmp_path, nonsense),
        "exercises[0].dose.reps.range: [10, 1] starts above where it ends",
        "exercises[0].progression.rule: starts at 30, above its target 10",
        "exercises[0].progression.next: points at the exercise itself",
        "exercises[0].modifications[0].replace_with: points at the exercise itself",
    )
    assert err.count("\n  ") == 4


def test_a_program_too_long_to_plan_is_refused_before_planning(tmp_path):
    def enormous(d):
        base = d["exercises"][0]
        base["dose"] = {
            "reps": {"value": 100},
            "sets": {"value": 10},
            "hold_s": {"value": 600},
            "sides": "each",
        }
        d["exercises"] = [{**base, "id": f"ex-{i}"} for i in range(100)]
        d["programs"][0]["exercises"] = [{"exercise": f"ex-{i}"} for i in range(100)]

    path = catalogue_text(tmp_path, enormous)
    refused(path, "programs[0]: a session would last up to about", "the limit is 240 minutes")
    refused(path, "the limit is 240 minutes", command="script")


def test_check_refuses_a_picture_with_too_many_shapes(tmp_path):
    path = write(tmp_path, minimal())
    (tmp_path / "img" / "tilt.svg").write_bytes(svg_with_shapes(MAX_ELEMENTS + 10))
    with pytest.raises(CatalogError) as info:
        load_catalog(path)
    assert info.value.problems == [
        "exercises[0].images.start.path: the picture has 5,011 elements; the limit is 5,000 "
        "(simplify it, or save it as plain SVG with fewer shapes)"
    ]


def svg_with_shapes(n: int) -> bytes:
    paths = "".join(f"<path d='M{i % 400} 0 L0 {i % 300} Z'/>" for i in range(n))
    return f"<svg xmlns='http://www.w3.org/2000/svg'>{paths}</svg>".encode()
