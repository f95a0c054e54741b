"""Progress files that are not ours, or ours but not openable here, through the real
`history` command in a subprocess and through the window's opening step: a clear message,
exit status 1, nothing moved aside, every byte left as it was. Only real damage counts as
corruption (that case keeps its own tests in test_store_db.py)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from stenosis_player.store import Store
from stenosis_player.ui.app import open_store

REPO = Path(__file__).resolve().parents[2]


def history(data: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stenosis_player", "--data-dir", str(data), "history"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=60,
    )


def snapshot(folder: Path) -> dict[str, bytes | str]:
    out: dict[str, bytes | str] = {}
    for p in sorted(folder.rglob("*")):
        key = str(p.relative_to(folder))
        out[key] = p.read_bytes() if p.is_file() else "folder"
    return out


def refused(data: Path, *expected: str) -> None:
    before = snapshot(data)
    done = history(data)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    for text in expected:
        assert text in done.stderr
    store, notices = open_store(data / "data" / "progress.sqlite3")  # as the window opens it
    assert store is None
    assert notices[0].startswith("Progress will not be saved: ")
    assert all(text in notices[0] for text in expected)
    after = snapshot(data)
    # SQLite's own empty -wal/-shm beside a WAL file may appear on reading; nothing else
    new = {k: v for k, v in after.items() if k not in before}
    assert all(k.endswith(("-wal", "-shm")) for k in new), new
    assert {k: after[k] for k in before} == before  # nothing moved aside, not one byte


def database(data: Path) -> Path:
    (data / "data").mkdir(parents=True)
    return data / "data" / "progress.sqlite3"


def test_a_version_3_file_with_a_missing_table_is_not_ours(tmp_path):
    db = database(tmp_path)
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE sessions (id INTEGER PRIMARY KEY, program_id TEXT)")
    con.execute("PRAGMA user_version = 3")
    con.commit()
    con.close()
    refused(tmp_path, "is not a Stenosis Player progress file", "'sessions' has no column")


def test_a_version_3_file_missing_one_table_is_not_ours(tmp_path):
    db = database(tmp_path)
    Store.open(db).close()
    con = sqlite3.connect(db)
    con.execute("DROP TABLE dose_changes")
    con.commit()
    con.close()
    refused(tmp_path, "its table 'dose_changes' is missing", "It was not changed")


def test_another_programs_tables_at_version_0_are_refused_before_any_write(tmp_path):
    db = database(tmp_path)
    con = sqlite3.connect(db)  # a rollback-journal file: its header says so
    con.execute("CREATE TABLE contacts (name TEXT)")
    con.execute("INSERT INTO contacts VALUES ('Ann')")
    con.commit()
    con.close()
    refused(tmp_path, "holds another program's tables (contacts)")
    assert db.read_bytes()[18:20] == b"\x01\x01"  # still not switched to WAL


def test_a_folder_where_the_progress_file_should_be(tmp_path):
    database(tmp_path).mkdir()
    refused(tmp_path, "progress.sqlite3 is a folder, not a file")


def test_a_healthy_database_with_an_unopenable_wal_is_left_alone(tmp_path):
    db = database(tmp_path)
    store = Store.open(db)
    sid = store.begin_session("step-by-step")
    store.close()
    Path(f"{db}-wal").mkdir()  # as a stray tool or a sync program might leave it
    refused(tmp_path, "cannot be opened for writing", "The file was not changed")
    assert not list(db.parent.glob("*.corrupt-*"))
    Path(f"{db}-wal").rmdir()
    with Store.open(db) as again:  # the history is all still there
        assert again.session_outcome(sid) == "in-progress"


@pytest.fixture
def read_only_disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip() or 'not root'}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_read_only_folder_is_not_called_damaged(read_only_disk):
    db = database(read_only_disk)
    store = Store.open(db)
    store.begin_session("step-by-step")
    store.close()
    subprocess.run(["mount", "-o", "remount,ro", str(read_only_disk)], check=True)
    refused(read_only_disk, "cannot write in the folder", "read-only")
    done = history(read_only_disk)
    assert "damaged" not in done.stderr


SYSTEM_PYTHON = Path("/usr/bin/python3")
NOBODY = 65534


@pytest.mark.skipif(
    not (hasattr(os, "geteuid") and os.geteuid() == 0 and SYSTEM_PYTHON.exists()),
    reason="needs root (to leave a root-owned -shm, as one sudo run does) and /usr/bin/python3",
)
def test_a_shm_file_left_by_sudo_is_not_called_damage(tmp_path):
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="stenosis-shm-"))  # reachable for nobody
    try:
        data = folder / "data"
        data.mkdir()
        db = data / "progress.sqlite3"
        store = Store.open(db)
        store.begin_session("step-by-step")
        reader = sqlite3.connect(db)  # a second connection keeps the -shm when one closes
        reader.execute("SELECT count(*) FROM sessions").fetchone()
        shutil.copy(f"{db}-shm", folder / "shm")
        reader.close()
        store.close()
        (folder / "shm").rename(f"{db}-shm")  # root's, mode 600: the user cannot open it
        os.chmod(f"{db}-shm", 0o600)
        for p in (folder, data, db):
            os.chown(p, NOBODY, NOBODY)
        before = db.read_bytes()
        as_nobody = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
        opening = f"from stenosis_player.store import Store; Store.open({str(db)!r})"
        done = subprocess.run(
            [*as_nobody, str(SYSTEM_PYTHON), "-c", opening],
            capture_output=True,
            text=True,
            env={"PYTHONPATH": str(REPO), "PATH": os.environ["PATH"]},
            timeout=60,
        )
        assert done.returncode == 1
        assert "StoreError: cannot open the progress file" in done.stderr
        assert "-shm files cannot be opened for writing" in done.stderr
        assert "The file was not changed" in done.stderr
        assert db.read_bytes() == before
        assert not list(data.glob("*.corrupt-*"))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
