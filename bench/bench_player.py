"""Player window benchmarks; prints numbers, asserts nothing.

    python bench/bench_player.py [--speed 25] [--seconds 60] [--refit-only]

0. The player's refit on each new step of the default program at text sizes x1 to x2.5
   (1280x760): its main-thread CPU per step (goal 16 ms, one frame) and its layout tries.
1. Start-up: process start → first painted frame, the player vs a bare QMainWindow with
   one QLabel started the same way (goal: within 1.5x of the bare window).
2. During a real session (default program, the real speech service, offscreen, played
   --speed times faster): resident memory (goal < 90 MB), the longest event-loop stall
   (goal < 20 ms), and how late each segment ends against its deadline (goal: p99 < 15 ms,
   no drift: the last end lands on the planned total).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CACHE = tempfile.mkdtemp(prefix="bench-player-cache-")

# Both programs print the monotonic time of their first painted frame, then quit.
FIRST_PAINT = """
import sys, time
from pathlib import Path
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow
{imports}
class W({base}):
    def paintEvent(self, e):
        super().paintEvent(e)
        if not getattr(self, "done", False):
            self.done = True
            print(time.monotonic(), flush=True)
            QApplication.instance().quit()
app = QApplication(sys.argv)
{make}
w.show()
app.exec()
"""
BARE = FIRST_PAINT.format(
    imports="",
    base="QMainWindow",
    make='w = W(); w.setCentralWidget(QLabel("Hello")); w.resize(1280, 800)',
)
# as the app does: the catalogue's schema pass is cached once the file has passed it
PLAYER = FIRST_PAINT.format(
    imports="from stenosis_player.catalog import load_catalog\nfrom stenosis_player.ui.main_window import MainWindow",
    base="MainWindow",
    make="w = W(load_catalog(cache_dir=Path(sys.argv[1])))",
)


def first_frame_ms(code: str, runs: int = 7) -> tuple[float, float]:
    # As installed: byte-code cached (a pip install compiles it; this machine may set
    # PYTHONDONTWRITEBYTECODE, which would charge every start for compiling our modules).
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = os.path.join(CACHE, "pycache")
    times = []
    subprocess.run([sys.executable, "-c", code, CACHE], env=env, capture_output=True, check=True)
    for _ in range(runs):
        t0 = time.monotonic()
        out = subprocess.run(
            [sys.executable, "-c", code, CACHE], capture_output=True, text=True, env=env, check=True
        )
        painted = float(out.stdout.strip().splitlines()[-1])
        times.append((painted - t0) * 1000)
    return statistics.median(times), min(times)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def session_run(speed: float, seconds: float, with_voice: bool = True) -> dict[str, float]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(REPO))
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from stenosis_player.catalog import load_catalog
    from stenosis_player.engine import SegmentFinished
    from stenosis_player.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    speech = None
    try:
        from stenosis_player.voice.service import SpeechService

        if with_voice:
            speech = SpeechService(cache_dir=Path(tempfile.mkdtemp()) / "speech")
    except Exception as exc:
        print(f"(no speech service: {exc}; measuring with captions only)")
    window = MainWindow(load_catalog(), speech=speech, speed=speed)
    window.show()
    lateness: list[float] = []
    drift: list[float] = []  # deadline vs the plan, in session seconds (speech may lengthen)
    stalls: list[float] = []
    rss: list[float] = []
    steady: list[float] = []
    t0 = [0.0]

    def on_events(events: list) -> None:
        c = window.controller
        if c is None:
            return
        now = c.clock()
        for e in events:
            if isinstance(e, SegmentFinished) and e.deadline is not None:
                lateness.append((now - e.deadline) * 1000)
                drift.append((e.deadline - t0[0]) * speed - e.segment.end)

    window.start_session()
    c = window.controller
    assert c is not None
    t0[0] = c.clock()
    c.listeners.append(on_events)
    probe = QElapsedTimer()
    probe.start()
    last = [probe.elapsed()]

    def beat() -> None:
        now = probe.elapsed()
        stalls.append(now - last[0])
        if now > 2000:  # after the session's first two seconds (start-up work done)
            steady.append(now - last[0])
        last[0] = now
        if len(stalls) % 200 == 0:
            rss.append(rss_mb())

    heartbeat = QTimer()
    heartbeat.setInterval(5)
    heartbeat.timeout.connect(beat)
    heartbeat.start()
    QTimer.singleShot(int(seconds * 1000), app.quit)
    app.exec()
    heartbeat.stop()
    lat = sorted(lateness)
    return {
        "segments": len(lat),
        "late_p50_ms": lat[len(lat) // 2] if lat else float("nan"),
        "late_p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else float("nan"),
        "late_max_ms": lat[-1] if lat else float("nan"),
        "plan_shift_s": drift[-1] if drift else float("nan"),
        "stall_max_ms": max(stalls) - 5 if stalls else float("nan"),
        "stall_steady_ms": max(steady) - 5 if steady else float("nan"),
        "stall_p99_ms": sorted(steady)[int(len(steady) * 0.99)] - 5 if steady else float("nan"),
        "rss_max_mb": max(rss) if rss else rss_mb(),
        "session_minutes_covered": seconds * speed / 60,
    }


REFIT = """
import json, statistics, sys, time
from PySide6.QtWidgets import QApplication
app = QApplication([])
from stenosis_player.catalog import load_catalog
from stenosis_player.script import build_script
from stenosis_player.ui import player_view
from stenosis_player.ui.player_view import PlayerView
cat = load_catalog(schema_later=True)
script = build_script(cat, cat.default_program)
tries = [0]
real = player_view.layout_fits
def counted(widget):
    tries[0] += 1
    return real(widget)
player_view.layout_fits = counted
out = {}
for scale in map(float, sys.argv[1:]):
    p = PlayerView(cat)
    p.resize(1280, 760)  # the stack of a maximised window on a 1280x800 laptop
    p.set_text_scale(scale)
    p.show()
    app.processEvents()
    cpu, n = [], []
    for seg in script.segments:
        tries[0] = 0
        t = time.thread_time()
        p.show_segment(seg)
        p.refit()
        app.processEvents()
        cpu.append((time.thread_time() - t) * 1000)
        n.append(tries[0])
    out[scale] = [len(cpu), statistics.median(cpu), sorted(cpu)[int(0.9 * len(cpu))], max(cpu),
                  statistics.median(n), max(n)]
    p.close()
print(json.dumps(out))
"""


def refit_costs(scales: list[float]) -> dict[str, list[float]]:
    """The player's refit on each new step of the default program, at each text size: its
    main-thread CPU (ms) and how many layout tries it took."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run(
        [sys.executable, "-c", REFIT, *map(str, scales)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=True,
        cwd=REPO,
    )
    return json.loads(out.stdout.splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--speed", type=float, default=25)
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--skip-session", action="store_true")
    p.add_argument("--no-voice", action="store_true", help="captions only (to isolate speech)")
    p.add_argument(
        "--refit-only", action="store_true", help="only the refit per new step, x1 to x2.5"
    )
    a = p.parse_args()
    print("player refit per new step (default program, 1280x760, offscreen):")
    for scale, (steps, med, p90, top, tries, most) in refit_costs([1.0, 1.5, 2.0, 2.5]).items():
        print(
            f"  text x{float(scale):<4g}: CPU median {med:4.1f} ms, p90 {p90:4.1f}, max {top:4.1f} "
            f"(goal 16); layout tries median {tries:g}, max {most} ({steps} steps)"
        )
    if a.refit_only:
        return
    bare_med, bare_min = first_frame_ms(BARE)
    player_med, player_min = first_frame_ms(PLAYER)
    print(f"first frame, bare window : median {bare_med:6.0f} ms (best {bare_min:.0f})")
    print(f"first frame, player      : median {player_med:6.0f} ms (best {player_min:.0f})")
    print(f"ratio player / bare      : {player_med / bare_med:.2f}x (goal <= 1.5x)")
    if a.skip_session:
        return
    r = session_run(a.speed, a.seconds, with_voice=not a.no_voice)
    print(
        f"session at {a.speed:g}x for {a.seconds:g} s (= {r['session_minutes_covered']:.0f} session minutes)"
    )
    print(f"segments ended           : {r['segments']:.0f}")
    print(
        f"segment end lateness     : p50 {r['late_p50_ms']:.1f} ms, p99 {r['late_p99_ms']:.1f} ms, max {r['late_max_ms']:.1f} ms (goal p99 < 15)"
    )
    print(
        f"last deadline vs plan    : {r['plan_shift_s']:+.1f} s of session time (speech longer than planned lengthens speech-bound segments)"
    )
    print(f"longest event-loop stall : {r['stall_max_ms']:.1f} ms (goal < 20)")
    print(
        f"  after the first 2 s    : {r['stall_steady_ms']:.1f} ms (p99 {r['stall_p99_ms']:.1f} ms)"
    )
    print(f"resident memory (max)    : {r['rss_max_mb']:.0f} MB (goal < 90)")


if __name__ == "__main__":
    main()
