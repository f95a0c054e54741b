"""What the app does at start-up when a file it needs is broken: it says so and goes on."""

from __future__ import annotations

from stenosis_player.ui.app import load_catalog_with_fallback, open_store


def test_a_broken_user_catalogue_falls_back_to_the_shipped_one(tmp_path):
    broken = tmp_path / "mine.json"
    broken.write_text('{"version": 1, "exercises": [', encoding="utf-8")
    catalog, notices = load_catalog_with_fallback(str(broken), tmp_path / "cache")
    assert catalog is not None and len(catalog.exercises) >= 18  # the shipped one
    assert str(broken) in notices[0] and "not valid JSON" in notices[0]
    assert "came with the app" in notices[1]


def test_a_damaged_progress_file_is_set_aside_with_a_notice(tmp_path):
    db = tmp_path / "progress.sqlite3"
    db.write_bytes(b"this is not a database" * 100)
    store, notices = open_store(db)
    try:
        assert store is not None
        assert notices and ".corrupt-" in notices[0]
        assert any(p.name.startswith("progress.sqlite3.corrupt-") for p in tmp_path.iterdir())
    finally:
        store.close()
