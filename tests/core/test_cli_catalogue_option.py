"""``--exercises FILE`` after ``script``, ``review`` or ``export-audio`` (as the catalogue
guide writes it for a therapist) reads FILE, like the same option before the command."""

from __future__ import annotations

import json
import shutil

import pytest

from stenosis_player import resources
from stenosis_player.cli import main


@pytest.fixture
def renamed(tmp_path):
    raw = json.loads(resources.catalog_path().read_text(encoding="utf-8"))
    raw["exercises"][0]["name"] = "Marked exercise for this test"
    path = tmp_path / "my.json"
    shutil.copytree(resources.catalog_path().parent / "assets", tmp_path / "assets")
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path, raw


@pytest.mark.parametrize("where", ["after", "before"])
def test_script_and_review_read_the_named_catalogue(renamed, where, capsys):
    path, raw = renamed
    first = raw["exercises"][0]["id"]
    program = next(
        p["id"] for p in raw["programs"] if any(e["exercise"] == first for e in p["exercises"])
    )
    for command in (["script", "--estimate", "--program", program], ["review"]):
        args = (
            [*command, "--exercises", str(path)]
            if where == "after"
            else ["--exercises", str(path), *command]
        )
        assert main(args) == 0
        assert "Marked exercise for this test" in capsys.readouterr().out


def test_a_missing_catalogue_after_the_command_is_named(tmp_path, capsys):
    missing = tmp_path / "none.json"
    assert main(["script", "--estimate", "--exercises", str(missing)]) == 1
    err = capsys.readouterr().err
    assert str(missing) in err and "does not exist" in err
