"""Speech benchmarks: print numbers, assert nothing.

  python bench/bench_voice.py

1. Warm cache: time from a segment's start (``say()``) to its clip starting to play,
   with the silent sink and with QtMultimedia (QMediaPlayer on Qt's default output; on
   a machine without a sound card Qt still plays to a null device). Goal < 20 ms.
2. Cold cache: synthesising every line of the default program's script (worker start
   included), with one and with two worker processes. Goal < 2 s.
3. The longest Qt event-loop stall while ``SpeechService.prepare`` synthesises that
   script in the background (a 1 ms QTimer, the largest gap between its ticks).
   Goal < 20 ms.
"""

from __future__ import annotations

import itertools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia.*=false")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QCoreApplication, QElapsedTimer, QEventLoop, Qt, QTimer

from stenosis_player.catalog import load_catalog
from stenosis_player.script import build_script
from stenosis_player.voice.lines import speech_texts
from stenosis_player.voice.service import SpeechService
from stenosis_player.voice.sinks import QtAudioSink, SilentSink, audio_outputs
from stenosis_player.voice.synth import Synthesizer, default_workers


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def wait_for(signal, timeout_ms: int = 10_000) -> bool:
    loop = QEventLoop()
    fired = []
    signal.connect(lambda *a: (fired.append(a), loop.quit()))
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    return bool(fired)


def measure_starts(service: SpeechService, lines: list[str], preload: bool) -> list[float]:
    """Seconds from say() to clip_started for each line (the next line preloaded or not)."""
    samples: list[float] = []
    started_at: list[float] = []
    service.clip_started.connect(lambda _id: started_at.append(time.perf_counter()))
    for text, following in itertools.pairwise(lines):
        started_at.clear()
        t0 = time.perf_counter()
        service.say(text, "bench")
        if preload:  # what the window does: the next segment's line
            service.preload(following)
        if not started_at:
            wait_for(service.clip_started, 5000)
        if started_at:
            samples.append(started_at[0] - t0)
        pause = QEventLoop()  # let the clip play a moment, as in a session
        QTimer.singleShot(30, pause.quit)
        pause.exec()
        service.stop()
    return samples


def bench_warm_latency(texts: list[str], cache: Path, sinks: tuple[str, ...]) -> None:
    synth = Synthesizer(cache, workers=default_workers())
    synth.synthesize_all(texts)
    make = {
        "silent sink": lambda: (SilentSink(), False),
        "QtMultimedia": lambda: (QtAudioSink(), False),
        "QtMultimedia, next line preloaded": lambda: (QtAudioSink(), True),
    }
    for label in sinks:
        sink, preload = make[label]()
        service = SpeechService(synth, sink)
        service.prepare(texts)
        if not service.is_ready():
            wait_for(service.ready_changed)
        samples = measure_starts(service, texts[:41], preload)
        service.synth = Synthesizer(cache)  # keep the shared one open for the next sink
        service.close()
        if samples:
            samples.sort()
            print(
                f"   {label:<34} n={len(samples)}  median {ms(statistics.median(samples))}  "
                f"p90 {ms(samples[int(len(samples) * 0.9) - 1])}  max {ms(samples[-1])}",
                flush=True,
            )
        else:
            print(f"   {label:<34} never started (no audio output?)", flush=True)
    synth.close()


def bench_warm_latency_qt(cache: Path) -> None:
    """QtMultimedia in a child process: its FFmpeg backend sometimes deadlocks inside
    QMediaPlayer on a machine without a sound card, and a child can be ended."""
    try:
        done = subprocess.run(
            [sys.executable, __file__, "--qt-latency", str(cache)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        print(done.stdout, end="")
        if done.returncode:
            print(f"   QtMultimedia run failed: {done.stderr.strip().splitlines()[-1:]}")
    except subprocess.TimeoutExpired as exc:
        print(exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or "", end="")
        print("   QtMultimedia deadlocked inside QMediaPlayer (no sound card here); ended")
    outputs = audio_outputs()
    print(f"   audio outputs Qt sees: {outputs or 'none (QtMultimedia played to a null device)'}")


def bench_cold(texts: list[str]) -> None:
    words = sum(len(t.split()) for t in texts)
    print(
        f"2. cold cache: {len(texts)} lines, {words} words of the default program "
        f"(the app uses {default_workers()} worker(s))"
    )
    for workers in (1, 2):
        tmp = Path(tempfile.mkdtemp(prefix="bench-voice-"))
        try:
            t0 = time.perf_counter()
            with Synthesizer(tmp, workers=workers) as synth:
                synth.warm_up()
                t1 = time.perf_counter()
                done = synth.synthesize_all(texts)
                t2 = time.perf_counter()
            print(
                f"   {workers} worker(s): {t2 - t0:.2f} s total "
                f"(worker start {t1 - t0:.2f} s, synthesis {t2 - t1:.2f} s), "
                f"{len(done)} clips"
            )
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def longest_gap(run_until_done) -> float:
    """Run the event loop with a 1 ms timer until ``run_until_done`` says stop."""
    clock = QElapsedTimer()
    clock.start()
    last = [clock.nsecsElapsed()]
    worst = [0]

    def tick() -> None:
        now = clock.nsecsElapsed()
        worst[0] = max(worst[0], now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.timeout.connect(tick)
    timer.start(1)
    run_until_done()
    timer.stop()
    return worst[0] / 1e9


def bench_stall(texts: list[str]) -> None:
    print("3. event-loop stall (1 ms QTimer, largest gap)")

    def idle() -> None:
        loop = QEventLoop()
        QTimer.singleShot(1000, loop.quit)
        loop.exec()

    print(f"   idle for 1 s:                {ms(longest_gap(idle))}")
    tmp = Path(tempfile.mkdtemp(prefix="bench-voice-"))
    try:
        service = SpeechService(
            Synthesizer(tmp, workers=default_workers()), SilentSink(), fallback_sink=SilentSink()
        )
        t0 = []

        def prepare() -> None:
            t0.append(time.perf_counter())
            service.prepare(texts)
            wait_for(service.ready_changed, 30_000)
            t0.append(time.perf_counter())

        gap = longest_gap(prepare)
        print(
            f"   while preparing {len(texts)} lines: {ms(gap)} "
            f"(prepare took {t0[1] - t0[0]:.2f} s, ready={service.is_ready()})"
        )
        service.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])
    script = build_script(load_catalog())
    texts = speech_texts(script)
    if sys.argv[1:2] == ["--qt-latency"]:
        bench_warm_latency(texts, Path(sys.argv[2]), QT_SINKS)
        return
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, program {script.program_id}")
    bench_cold(texts)
    bench_stall(texts)
    cache = Path(tempfile.mkdtemp(prefix="bench-voice-"))
    try:
        print("1. warm cache: say() → clip started")
        bench_warm_latency(texts, cache, ("silent sink",))
        bench_warm_latency_qt(cache)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    del app


QT_SINKS = ("QtMultimedia", "QtMultimedia, next line preloaded")


if __name__ == "__main__":
    main()
