"""What fitting the screens to the window costs; prints numbers, asserts nothing.

    python bench/bench_layout.py [--size 1280x800]

Offscreen, the real window with a fake clock: (1) the player's refit per segment change
over a whole session (new texts each time: the one cost a session pays), (2) a resize of
the window on the player, the start screen and the end screen, at text sizes 1 and 2.5.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", default="1280x800")
    a = p.parse_args()
    width, height = (int(v) for v in a.size.split("x"))
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(REPO))
    from PySide6.QtWidgets import QApplication

    from stenosis_player.catalog import load_catalog
    from stenosis_player.script import Kind
    from stenosis_player.settings import Settings
    from stenosis_player.ui.main_window import MainWindow
    from stenosis_player.ui.player_view import PlayerView
    from stenosis_player.ui.speech_port import CaptionOnlySpeech

    app = QApplication.instance() or QApplication([])
    catalog = load_catalog()
    for scale in (1.0, 2.5):
        now = [100.0]
        settings = Settings(Path(tempfile.mkdtemp()) / "settings.json")
        settings.set("display.text_scale", scale)
        w = MainWindow(
            catalog, settings=settings, speech=CaptionOnlySpeech(), clock=lambda n=now: n[0]
        )
        w.resize(width, height)
        w.show()
        app.processEvents()
        times: list[float] = []
        original = PlayerView.show_segment

        def timed(self, seg, _orig=original, times=times):
            t = time.perf_counter()
            _orig(self, seg)
            times.append((time.perf_counter() - t) * 1000)

        PlayerView.show_segment = timed  # type: ignore[method-assign]
        try:
            w.start_session()
            c = w.controller
            while c.stage.value in ("running", "resuming") and c.current.kind is not Kind.DONE:
                now[0] += 0.5
                c.tick()
        finally:
            PlayerView.show_segment = original  # type: ignore[method-assign]
        times.sort()
        print(
            f"text size {scale}: segment change (with refit) over {len(times)} segments: "
            f"median {statistics.median(times):.1f} ms, p95 {times[int(len(times) * 0.95)]:.1f} ms, "
            f"max {times[-1]:.1f} ms"
        )
        for name, show in (("player", None), ("start", w.show_start)):
            if show is not None:
                show()
            app.processEvents()
            runs = []
            for i in range(10):
                t = time.perf_counter()
                w.resize(width - 40 * (i % 2), height - 30 * (i % 2))
                app.processEvents()
                runs.append((time.perf_counter() - t) * 1000)
            print(
                f"text size {scale}: resize on the {name} screen: median {statistics.median(runs):.1f} ms"
            )
        w.close()
        w.deleteLater()
        app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
