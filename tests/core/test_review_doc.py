"""The clinical review document is generated from the catalogue and kept current."""

from __future__ import annotations

from pathlib import Path

from stenosis_player.catalog import load_catalog
from stenosis_player.cli import main
from stenosis_player.review import review_markdown

REPO = Path(__file__).resolve().parents[2]


def test_the_committed_review_is_the_generated_one():
    committed = (REPO / "docs" / "clinical-review.md").read_text(encoding="utf-8")
    assert committed == review_markdown(load_catalog()), (
        "docs/clinical-review.md is stale: run `stenosis-player review --out "
        "docs/clinical-review.md`"
    )


def test_every_app_sentence_and_app_default_is_marked(catalog):
    text = review_markdown(catalog)
    for ex in catalog.exercises.values():
        for sentence in ex.app_wording:
            assert f"{sentence} *(app's wording)*" in text, sentence
    assert text.count("**app default**") >= sum(
        q.app_default for ex in catalog.exercises.values() for q in (ex.dose.sets, ex.dose.rest_s)
    )


def test_review_command_writes_the_file(tmp_path, capsys):
    out = tmp_path / "review.md"
    assert main(["review", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("# Clinical review")
    assert main(["review", "--out", str(out / "under-a-file.md")]) == 1
    assert "cannot write" in capsys.readouterr().err
