"""Plays two clips through QtAudioSink (the second preloaded) and prints what happened.

Run in a child process by the tests: QtMultimedia's FFmpeg backend sometimes deadlocks on
a machine without an audio device (inside QMediaPlayer, not in our code), and a child
process can be ended where a frozen test run cannot.
Usage: qt_sink_probe.py FIRST.wav SECOND.wav
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia.*=false")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

from stenosis_player.voice.sinks import QtAudioSink


def run_until(done, timeout_ms: int = 5000) -> None:
    loop = QEventLoop()
    timer = QTimer()
    timer.timeout.connect(lambda: done() and loop.quit())
    timer.start(5)
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()


def main() -> int:
    app = QCoreApplication(sys.argv[:1])
    first, second = Path(sys.argv[1]), Path(sys.argv[2])
    sink = QtAudioSink()
    errors: list[str] = []
    sink.on_error = errors.append
    log: list[str] = []
    t0 = time.perf_counter()
    sink.play(first, 0.5, lambda: log.append("started"), lambda: log.append("finished"))
    run_until(lambda: "finished" in log)
    played = time.perf_counter() - t0
    sink.preload(second)
    run_until(lambda: sink._spare.mediaStatus() == sink._spare.mediaStatus().LoadedMedia, 2000)
    t1 = time.perf_counter()
    sink.play(second, 0.5, lambda: log.append("second"), lambda: None)
    run_until(lambda: "second" in log)
    preloaded_start = time.perf_counter() - t1
    sink.stop()
    print(
        json.dumps(
            {
                "log": log,
                "errors": errors,
                "played_s": played,
                "preloaded_start_s": preloaded_start,
                "playing_after_stop": sink.is_playing(),
            }
        )
    )
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
