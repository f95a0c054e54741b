"""What a user runs, measured from the outside; prints numbers, asserts nothing.

    python bench/bench_app.py [--runs 7] [--sessions 3] [--seconds 12] [--speed 10]

The machine may be shared: each figure is given as median (min-max) over the runs, each
first paint against the bare window timed in the same run, with the load average.

1. First paint of the real command (``python -m stenosis_player``: settings, store, speech
   service, single instance), with a fresh data folder and with a used one, against a bare
   QMainWindow started the same way (goal: at most 1.25x the bare window). With a sound
   server running, as on a desktop. Timed twice: wall time from the start, and the CPU
   time the process had used by its first frame (which a loaded machine hardly changes).
2. A session as ``stenosis-player --start --speed N`` runs it, on a private PulseAudio
   server (tests/sound_server.py) so the voice really plays: the longest event-loop stall
   from the window's first frame on, session start included (goal 16 ms, one frame), with
   where the main thread was during the longest ones (sampled by a watchdog thread); the
   main process's resident memory (goal 90 MB) and the whole process tree's proportional
   memory (goal 100 MB), sampled from outside every 250 ms.
   Offscreen, on a 1280x800 screen (the laptop the player is designed for).
3. Say-to-audible: from ``SpeechService.say()`` to the line's first sample on the speakers'
   monitor (cross-correlated with its clip), for cached lines and for new ones.

Without pulseaudio (Debian: pulseaudio pulseaudio-utils), 1 and 2 run without a sound
server (captions only) and 3 is skipped, with a note saying so.
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
sys.path.insert(0, str(REPO / "tests"))  # sound_server.py

# The real command's entry point, with a probe: in "paint" mode the window's first frame
# prints its monotonic time and quits; in "session" mode a 5 ms heartbeat measures the
# event loop's stalls from the first frame on, printed as JSON when the time is up.
PROBE = """
import collections, json, sys, threading, time
mode, seconds = sys.argv[1], float(sys.argv[2])
from stenosis_player.ui import main_window
from PySide6.QtCore import QElapsedTimer, QTimer
from PySide6.QtWidgets import QApplication
original = main_window.MainWindow.paintEvent
original_show_event = main_window.MainWindow.showEvent
state = {"painted": None, "gaps": [], "last": None, "painted_ms": 0, "samples": [], "cpu": []}
clock = QElapsedTimer()
MAIN = threading.main_thread().ident
def where():
    # the main thread's innermost frames in our package: what it is busy with
    frame, names = sys._current_frames().get(MAIN), []
    while frame is not None and len(names) < 3:
        code = frame.f_code
        # (pyside_imports' hook runs inside every import: name the module importing)
        if "stenosis_player" in code.co_filename and "pyside_imports" not in code.co_filename:
            mod = code.co_filename.rsplit("stenosis_player/", 1)[-1]
            names.append(f"{mod}:{code.co_name}")
        frame = frame.f_back
    return " < ".join(names) or "(Qt / Python internals)"
def watchdog():
    # samples the main thread's stack whenever it is 12 ms late on its 5 ms heartbeat
    while True:
        time.sleep(0.003)
        last = state["last"]
        if clock.isValid() and last is not None and clock.elapsed() - last > 12:
            state["samples"].append((clock.elapsed(), where()))
def beat():
    now, cpu = clock.elapsed(), time.thread_time() * 1000
    if state["last"] is not None:
        state["gaps"].append((now, now - state["last"]))
        # the main thread's own CPU time in that gap: the stall less the wait for a core
        state["cpu"].append((now, cpu - state["last_cpu"], now - state["last"]))
    state["last"], state["last_cpu"] = now, cpu
def stall_where(t, g):
    found = collections.Counter(w for at, w in state["samples"] if t - g <= at <= t)
    return found.most_common(1)[0][0] if found else "(not sampled)"
def report():
    gaps, painted = state["gaps"], state["painted_ms"]
    after = sorted(((g, t) for t, g in gaps if t > painted), reverse=True)
    print(json.dumps({
        "shown_to_painted_ms": painted,
        "stall_max_ms": (after[0][0] if after else 5) - 5,
        "stall_after_2s_ms": max((g for t, g in gaps if t > painted + 2000), default=0) - 5,
        "stalls": [[g - 5, t - painted, stall_where(t, g)] for g, t in after[:3]],
        # the longest pieces of the main thread's own work (CPU ms between two beats),
        # which no load can explain away: [cpu ms, wall ms, at, where]
        "cpu_pieces": [
            [round(c, 1), g - 5, t - painted, stall_where(t, g)]
            for t, c, g in sorted(
                (x for x in state["cpu"] if x[0] > painted), key=lambda x: -x[1]
            )[:3]
        ],
        "beats": len(gaps),
    }), flush=True)
    QApplication.instance().quit()
def shown(self, event):
    original_show_event(self, event)
    if mode == "session" and not clock.isValid():
        clock.start()  # the heartbeat runs from the window's showing, session start included
        timer = QTimer(QApplication.instance())
        timer.setInterval(5)
        timer.timeout.connect(beat)
        timer.start()
        beat()
        threading.Thread(target=watchdog, daemon=True).start()
main_window.MainWindow.showEvent = shown
def painted(self, event):
    original(self, event)
    if state["painted"] is None:
        state["painted"] = time.monotonic()
        if mode == "paint":
            print(state["painted"], time.process_time(), flush=True)
            # seconds > 0: stay that long, as a used folder's earlier run did (its checks
            # after the first frame, such as the catalogue's schema pass, get to finish)
            QTimer.singleShot(int(seconds * 1000), QApplication.instance().quit)
        else:
            state["painted_ms"] = clock.elapsed()
            QTimer.singleShot(int(seconds * 1000), report)
main_window.MainWindow.paintEvent = painted
from stenosis_player.cli import main
sys.exit(main(sys.argv[3:]))
"""

BARE = """
import sys, time
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow
class W(QMainWindow):
    def paintEvent(self, e):
        super().paintEvent(e)
        if not getattr(self, "done", False):
            self.done = True
            print(time.monotonic(), time.process_time(), flush=True)
            QApplication.instance().quit()
app = QApplication(sys.argv)
w = W(); w.setCentralWidget(QLabel("Hello")); w.resize(1280, 800)
w.show()
app.exec()
"""


def _offscreen_laptop() -> str:
    """Qt's offscreen platform on a 1280x800 screen, the laptop the player is designed for
    (its own default is 800x800, where the app's screens need smaller text than a user's
    laptop would: a fit that no laptop user pays)."""
    config = Path(tempfile.gettempdir()) / "bench-app-screen.json"
    screen = {"name": "laptop", "x": 0, "y": 0, "width": 1280, "height": 800}
    config.write_text(json.dumps({"screens": [{**screen, "logicalDpi": 96, "dpr": 1}]}))
    return f"offscreen:configfile={config}"


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {**os.environ, **(extra or {})}
    env.update(QT_QPA_PLATFORM=_offscreen_laptop(), PYTHONPATH=str(REPO))
    # as installed: byte-code cached (a pip install compiles it). Last: the sound server's
    # environment is a copy of ours, and put back a PYTHONDONTWRITEBYTECODE=1 popped before
    # it, which had every run compile all our modules again (some 60 ms of CPU)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "bench-app-pycache")
    return env


def _paint_ms(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time from the start to the first frame, and the process's CPU time by then
    (ms): the CPU time hardly depends on what else the machine is running."""
    t0 = time.monotonic()
    # cwd: "python -c" puts the current folder first on sys.path, before PYTHONPATH: run
    # from anywhere else, it would time whatever stenosis_player that folder holds
    out = subprocess.run(
        argv, capture_output=True, text=True, env=env, timeout=120, check=True, cwd=REPO
    )
    lines = [s for s in out.stdout.splitlines() if s.strip()]
    painted, cpu = lines[-1].split()
    return (float(painted) - t0) * 1000, float(cpu) * 1000


def first_paint(runs: int, env: dict[str, str]) -> dict[str, list[tuple[float, float]]]:
    """Each run times the bare window, then the app with a fresh and with a used data folder,
    one after the other, so that the machine's load of the moment weighs on all three."""
    bare = [sys.executable, "-c", BARE]
    _paint_ms(bare, env)  # warm the file cache
    used = tempfile.mkdtemp(prefix="bench-app-used-")
    real = [sys.executable, "-c", PROBE, "paint", "0"]
    # the used folder: settings, store, caches, from a run that lasted a few seconds
    _paint_ms([sys.executable, "-c", PROBE, "paint", "3", "--data-dir", used], env)
    out: dict[str, list[tuple[float, float]]] = {"bare": [], "fresh": [], "used": []}
    for _ in range(runs):
        out["bare"].append(_paint_ms(bare, env))
        fresh = tempfile.mkdtemp(prefix="bench-app-fresh-")
        out["fresh"].append(_paint_ms([*real, "--data-dir", fresh], env))
        out["used"].append(_paint_ms([*real, "--data-dir", used], env))
    return out


def _spread(values: list[float], fmt: str = "{:.0f}") -> str:
    """median (min-max) of the values"""
    if not values:
        return "n/a"
    med = fmt.format(statistics.median(values))
    return f"{med} ({fmt.format(min(values))}-{fmt.format(max(values))})"


def _tree(pid: int) -> list[int]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            kids.setdefault(int(stat[1]), []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def _memory(pid: int) -> dict[str, float]:
    """Resident and proportional memory (MB) of one process, from smaps_rollup."""
    values = {"Rss": 0.0, "Pss": 0.0}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in values:
                values[key] = int(rest.split()[0]) / 1024
    except OSError:
        pass
    return values


def _mark_safety_notice_read(data: str) -> None:
    sys.path.insert(0, str(REPO))
    from stenosis_player.paths import app_paths
    from stenosis_player.settings import load_settings

    settings = load_settings(app_paths(data).settings_file).settings
    settings.set("safety.notice_seen", True)
    settings.save()


def session(seconds: float, speed: float, env: dict[str, str]) -> dict[str, float]:
    """A session in a used data folder (settings, store and the catalogue's check made by
    an earlier run; speech not cached, so its synthesis is measured)."""
    data = tempfile.mkdtemp(prefix="bench-app-session-")
    _paint_ms([sys.executable, "-c", PROBE, "paint", "3", "--data-dir", data], env)
    for clip in Path(data).rglob("*.wav"):
        clip.unlink()
    _mark_safety_notice_read(data)  # else --start waits for the first run's notice
    argv = [sys.executable, "-c", PROBE, "session", str(seconds), "--data-dir", data]
    argv += ["--start", "--speed", str(speed)]
    proc = subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=REPO
    )
    main_rss, tree_pss, tree_rss, procs = [], [], [], []
    while proc.poll() is None:
        time.sleep(0.25)
        pids = _tree(proc.pid)
        mems = [_memory(p) for p in pids]
        if not mems or mems[0]["Rss"] == 0:
            continue
        main_rss.append(mems[0]["Rss"])
        tree_pss.append(sum(m["Pss"] for m in mems))
        tree_rss.append(sum(m["Rss"] for m in mems))
        procs.append(len(pids))
    out = proc.stdout.read() if proc.stdout else ""
    lines = [s for s in out.splitlines() if s.startswith("{")]
    result = json.loads(lines[-1]) if lines else {}
    last = len(main_rss) // 2  # the second half: speech made, workers gone
    result.update(
        main_rss_max=max(main_rss, default=float("nan")),
        main_rss_late=max(main_rss[last:], default=float("nan")),
        tree_pss_max=max(tree_pss, default=float("nan")),
        tree_pss_late=max(tree_pss[last:], default=float("nan")),
        tree_rss_max=max(tree_rss, default=float("nan")),
        procs_max=max(procs, default=0),
        procs_late=max(procs[last:], default=0),
    )
    return result


def say_to_audible(server) -> dict[str, list[float]]:
    """say() → first sample on the speakers' monitor, for cached and new lines (ms)."""
    from sound_server import find_onset, read_wav

    os.environ.setdefault("QT_QPA_PLATFORM", _offscreen_laptop())
    sys.path.insert(0, str(REPO))
    from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

    from stenosis_player.voice.service import SpeechService

    app = QCoreApplication.instance() or QCoreApplication([])
    speech = SpeechService(cache_dir=Path(tempfile.mkdtemp()) / "speech")

    def wait(ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    cached = [f"Slowly bend forward, number {n}." for n in range(1, 9)]
    fresh = [f"And slowly come back up, number {n}." for n in range(1, 9)]
    speech.prepare(cached)
    for _ in range(300):
        if speech.is_ready():
            break
        wait(100)
    recorder = server.record("speakers.monitor")
    asked: list[tuple[str, float]] = []
    for text in [*cached, *fresh]:
        asked.append((text, time.monotonic()))
        speech.say(text)
        wait(1800)
    recording = recorder.stop()
    out: dict[str, list[float]] = {"cached": [], "new": []}
    for text, at in asked:
        clip = speech.clip_seconds(text)
        if clip is None:
            continue
        samples, _ = read_wav(speech._clips[text][0])
        onset, score = find_onset(recording, samples, at, before=0.05, after=1.5)
        if score > 0.8:
            out["cached" if text in cached else "new"].append((onset - at) * 1000)
    speech.close()
    del app
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=7, help="first-paint runs")
    p.add_argument("--sessions", type=int, default=3, help="session runs")
    p.add_argument("--seconds", type=float, default=12)
    p.add_argument("--speed", type=float, default=10)
    p.add_argument("--skip-paint", action="store_true")
    p.add_argument("--skip-audible", action="store_true")
    a = p.parse_args()
    from sound_server import SoundServer, missing_tools

    server = None
    if missing_tools():
        print(f"(no pulseaudio here: {', '.join(missing_tools())} missing; captions only)")
    else:
        server = SoundServer(mic=False).start()
    print(f"load average at the start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    try:
        env = _env(server.env if server else None)
        if not a.skip_paint:
            paint = first_paint(a.runs, env)
            print(
                f"first paint ({a.runs} runs, each against the bare window of the same run; "
                "median (min-max)):"
            )
            for i, what in ((0, "wall"), (1, "CPU")):
                print(f"  {what} time to the first frame:")
                bare = [run[i] for run in paint["bare"]]
                print(f"    bare window           : {_spread(bare)} ms")
                for kind in ("fresh", "used"):
                    ours = [run[i] for run in paint[kind]]
                    ratios = [x / b for x, b in zip(ours, bare, strict=True)]
                    print(
                        f"    stenosis-player {kind:5} : {_spread(ours)} ms = "
                        f"{_spread(ratios, '{:.2f}')}x the bare window (goal <= 1.25x)"
                    )
        runs = [session(a.seconds, a.speed, env) for _ in range(a.sessions)]
        print(
            f"session --start --speed {a.speed:g} for {a.seconds:g} s, "
            f"{'real audio' if server else 'no sound server'}, {a.sessions} runs, "
            "median (min-max):"
        )

        def figures(key: str) -> list[float]:
            return [r[key] for r in runs if key in r]

        print(
            f"  window shown -> first frame: {_spread(figures('shown_to_painted_ms'))} ms "
            "(a session started before its first frame is hidden in this time)"
        )
        print(
            "  longest stall from the first frame, session start included: "
            f"{_spread(figures('stall_max_ms'))} ms (goal 16); after its first 2 s: "
            f"{_spread(figures('stall_after_2s_ms'))} ms"
        )
        for i, r in enumerate(runs, 1):
            for ms, at, where in r.get("stalls", [])[:2]:
                print(
                    f"    run {i}: {ms:4.0f} ms at {at / 1000:5.2f} s after the first frame, in {where}"
                )
        print(
            "  main thread's own work, longest piece between two heartbeats (CPU time, "
            f"not waiting for a core): {_spread([r['cpu_pieces'][0][0] for r in runs if r.get('cpu_pieces')], '{:.1f}')} ms"
        )
        for i, r in enumerate(runs, 1):
            for cpu, wall, at, where in r.get("cpu_pieces", [])[:2]:
                print(
                    f"    run {i}: {cpu:5.1f} ms CPU ({wall:.0f} ms wall) at {at / 1000:5.2f} s, in {where}"
                )
        print(
            f"  main process resident: max {_spread(figures('main_rss_max'))} MB, second half "
            f"{_spread(figures('main_rss_late'))} MB (goal 90)"
        )
        print(
            f"  whole tree proportional: max {_spread(figures('tree_pss_max'))} MB, second half "
            f"{_spread(figures('tree_pss_late'))} MB (goal 100); processes max "
            f"{_spread(figures('procs_max'))}"
        )
        if server is not None and not a.skip_audible:
            server.activate()
            lat = say_to_audible(server)
            for kind, values in lat.items():
                if values:
                    print(
                        f"  say -> audible ({kind:6} lines): median {statistics.median(values):.0f} ms, "
                        f"max {max(values):.0f} ms ({len(values)} lines)"
                    )
                else:
                    print(f"  say -> audible ({kind} lines): not heard")
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
