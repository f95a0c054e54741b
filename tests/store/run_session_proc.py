"""A stand-in for the player window in the crash test: a real Engine and SessionRecorder
on the real clock, played fast. Prints ``finished N`` after each segment is committed.

    python tests/store/run_session_proc.py DATA_DIR [--program ID] [--speed N] [--resume]
        [--wait-after N]

With --resume it first prints ``resume N LABEL`` (or ``resume none``) and continues an
unfinished session from there, the way the window will offer to.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from stenosis_player.catalog import load_catalog  # noqa: E402
from stenosis_player.engine import Engine, SegmentFinished, Stage, system_clock  # noqa: E402
from stenosis_player.paths import app_paths  # noqa: E402
from stenosis_player.recorder import SessionRecorder  # noqa: E402
from stenosis_player.script import build_script  # noqa: E402
from stenosis_player.store import Store  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("data_dir")
    p.add_argument("--program", default="step-by-step")
    p.add_argument("--speed", type=float, default=100.0)
    p.add_argument("--resume", action="store_true")
    # stop still (reading stdin) after this many segments, so a kill from outside lands at
    # a known point however slowly the test reads our output
    p.add_argument("--wait-after", type=int, default=0)
    args = p.parse_args()

    catalog = load_catalog(REPO / "exercises.json")
    script = build_script(catalog, args.program)
    store = Store.open(app_paths(args.data_dir).database_file)
    start_at, resume = 0, None
    if args.resume:
        resume = store.unfinished_session()
        if resume is None:
            print("resume none", flush=True)
        else:
            start_at = resume.resume_index
            print(f"resume {resume.resume_index} {resume.label}", flush=True)
    engine = Engine(script, system_clock, resume_from=start_at, speed=args.speed)
    recorder = SessionRecorder(store, args.program, script, resume=resume)
    recorder.handle(engine.start())
    finished = 0
    while engine.stage is Stage.RUNNING:
        deadline = engine.next_deadline()
        if deadline is not None:
            time.sleep(max(0.0, deadline - system_clock()))
        # one event at a time: a late tick can finish several segments, and the kill after
        # the Nth must find none of the later ones written
        for e in engine.tick():
            recorder.handle([e])
            if isinstance(e, SegmentFinished):
                recorder.settle()  # the writer thread has committed it before it is printed
                print(f"finished {e.segment.index}", flush=True)
                finished += 1
                if finished == args.wait_after:
                    sys.stdin.readline()  # the test kills us here
    print(f"outcome {store.session_outcome(recorder.session_id)}", flush=True)
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
