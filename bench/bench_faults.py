"""What the fault guards cost, and how long the worst stall is when the store fails.

    PYTHONPATH=. python bench/bench_faults.py

Prints:
* the longest single recorder call while another program holds the database's write lock
  (each try waits at most store.WRITE_WAIT_MS; tries are 5 s apart, doubling to 60 s), over a
  whole session driven by a fake clock, and how many calls waited at all;
* loading the shipped catalogue with the strict JSON guards against plain ``json.loads``;
* how long refusing /dev/zero and a FIFO as a catalogue takes.
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from stenosis_player import strict_json  # noqa: E402
from stenosis_player.catalog import CatalogError, load_catalog  # noqa: E402
from stenosis_player.engine import Engine  # noqa: E402
from stenosis_player.recorder import SessionRecorder  # noqa: E402
from stenosis_player.script import build_script  # noqa: E402
from stenosis_player.store import Store  # noqa: E402


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def locked_session(catalog) -> tuple[float, int, int]:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "progress.sqlite3"
        store = Store.open(db)
        clock = Clock()
        script = build_script(catalog, catalog.default_program)
        engine = Engine(script, clock)
        recorder = SessionRecorder(store, catalog.default_program, script, clock=clock)
        other = sqlite3.connect(db, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        longest, waited, calls = 0.0, 0, 0
        events = engine.start()
        while True:
            t0 = time.perf_counter()
            recorder.handle(events)
            spent = time.perf_counter() - t0
            calls += 1
            longest = max(longest, spent)
            waited += spent > 0.05
            if engine.stage.value == "finished":
                break
            clock.now += 0.5
            events = engine.tick()
        other.execute("ROLLBACK")
        other.close()
        recorder.flush(force=True)
        assert recorder.unsaved == 0
        store.close()
    return longest, waited, calls


def best_of(fn, n: int = 7) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    path = REPO / "exercises.json"
    catalog = load_catalog(path)
    longest, waited, calls = locked_session(catalog)
    print(f"locked database, whole session: {calls} recorder calls, {waited} waited")
    print(f"  longest single call: {longest * 1000:.0f} ms (before: up to 5000 ms each)")
    text = path.read_text(encoding="utf-8")
    plain = best_of(lambda: json.loads(text))
    strict = best_of(lambda: strict_json.loads(text))
    print(f"catalogue JSON parse: plain {plain * 1000:.1f} ms, strict {strict * 1000:.1f} ms")
    print(
        f"whole catalogue load (schema, pictures): {best_of(lambda: load_catalog(path)) * 1000:.0f} ms"
    )

    def refuse(special: str) -> None:
        try:
            load_catalog(special)
        except CatalogError:
            return
        raise AssertionError("accepted")

    print(f"refusing /dev/zero: {best_of(lambda: refuse('/dev/zero')) * 1000:.2f} ms")
    with tempfile.TemporaryDirectory() as folder:
        fifo = Path(folder) / "fifo.json"
        os.mkfifo(fifo)
        print(f"refusing a FIFO: {best_of(lambda: refuse(str(fifo))) * 1000:.2f} ms")


if __name__ == "__main__":
    main()
