"""Screenshots of the main screens at given window sizes, for review.

    python -m stenosis_player.ui.screenshots OUT_DIR [--sizes 1280x800,1920x1080]

Runs the real window with a fake clock (so it reaches a hold, a question and the end
screen at once) and saves ``<screen>-<W>x<H>.png`` for start, hold, question, hurt, end.
Works under Xvfb (a real X11 window) and offscreen.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from ..catalog import load_catalog
from ..script import Kind
from ..settings import Settings
from .main_window import MainWindow
from .speech_port import CaptionOnlySpeech


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _run_to(window: MainWindow, clock: _Clock, kind: Kind, extra: float = 0.0) -> None:
    c = window.controller
    assert c is not None
    for _ in range(20000):
        if c.current.kind is kind:
            break
        clock.now += 0.25
        c.tick()
    end = clock.now + extra
    while clock.now < end:  # small steps: a big one would look like the laptop slept
        clock.now = min(end, clock.now + 0.25)
        c.tick()


def capture(
    out_dir: Path,
    sizes: list[tuple[int, int]],
    high_contrast: bool = False,
    text_scale: float = 1.0,
) -> list[Path]:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    out_dir.mkdir(parents=True, exist_ok=True)
    catalog = load_catalog()
    saved: list[Path] = []
    for w, h in sizes:
        clock = _Clock()
        settings = Settings(out_dir / "settings.json")
        settings.set(
            "programs.step-by-step.order", ["sustained-lumbar-extension", "seated-lumbar-flexion"]
        )
        settings.set("display.high_contrast", high_contrast)
        settings.set("display.text_scale", text_scale)
        speech = CaptionOnlySpeech()
        window = MainWindow(catalog, settings=settings, speech=speech, clock=clock)
        window.resize(w, h)
        window.show()
        suffix = f"{'hc-' if high_contrast else ''}{'' if text_scale == 1 else f'x{text_scale:g}-'}{w}x{h}"

        def shot(name: str, window: MainWindow = window, suffix: str = suffix) -> None:
            for _ in range(5):
                app.processEvents()
            path = out_dir / f"{name}-{suffix}.png"
            window.grab().save(str(path))
            saved.append(path)

        shot("start")
        window.start_session()
        _run_to(window, clock, Kind.HOLD, extra=12.3)
        shot("hold")
        _run_to(window, clock, Kind.CHECK)
        shot("question")
        window.answer(True)
        _run_to(window, clock, Kind.MOVE)
        window.it_hurts()
        shot("hurt")
        window.choose_after_hurt("continue")
        _run_to(window, clock, Kind.DONE)
        _run_to(window, clock, Kind.DONE, extra=60)
        shot("end")
        window.close()
        window.deleteLater()
    return saved


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out", type=Path)
    p.add_argument("--sizes", default="1280x800,1920x1080")
    p.add_argument("--high-contrast", action="store_true")
    p.add_argument("--text-scale", type=float, default=1.0, help="the Settings text size")
    a = p.parse_args(argv)
    sizes = [tuple(int(v) for v in s.split("x")) for s in a.sizes.split(",")]
    for path in capture(a.out, sizes, a.high_contrast, a.text_scale):  # type: ignore[arg-type]
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
