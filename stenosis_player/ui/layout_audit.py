"""Walk the real window through every state at every text size and check its layout.

    python -m stenosis_player.ui.layout_audit [--shots DIR] [--scales 0.75,1,1.5,2,2.5]

Run it under a real X server with a window manager (Xvfb + openbox; the test does). For
each text size and state it checks that the window and every visible widget lie inside
the screen, that no label is cut (its size hint fits its geometry), that "It hurts" is on
screen during a session, and measures the player's type sizes. It prints one JSON object
(problems, measurements, seconds taken) and, with ``--shots``, saves a screenshot of the
whole screen per state (``import -window root``, ImageMagick).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path
from typing import Any

from PySide6.QtCore import QRect
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QApplication,
    QWidget,
)

from ..catalog import load_catalog
from ..script import Kind
from ..settings import Settings
from ..store import Store
from .fit import clipped
from .main_window import MainWindow
from .speech_port import CaptionOnlySpeech

SCALES = (0.75, 1.0, 1.5, 2.0, 2.5)
ORDER = ["sustained-lumbar-extension", "straight-leg-raise", "walking"]


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _settle(app: QApplication, rounds: int = 6) -> None:
    for _ in range(rounds):
        app.processEvents()
        time.sleep(0.01)


def cap_height(widget: QWidget) -> float:
    return QFontMetricsF(widget.font()).capHeight()


def _scroll_viewport(widget: QWidget) -> QWidget | None:
    """The scroll area viewport ``widget`` is shown in, if any (not the viewport itself)."""
    parent = widget.parentWidget()
    while parent is not None:
        area = parent.parentWidget()
        if isinstance(area, QAbstractScrollArea) and parent is area.viewport():
            return parent
        parent = area
    return None


def _name(widget: QWidget) -> str:
    text = widget.text() if hasattr(widget, "text") else ""
    text = text if isinstance(text, str) else ""
    return f"{type(widget).__name__}#{widget.objectName()}“{text[:40]}”"


def audit_window(top: QWidget, screen: QRect) -> list[str]:
    """Everything wrong with ``top`` (a window or dialog) on ``screen``."""
    problems = []
    frame = top.frameGeometry()
    if not screen.contains(frame):
        problems.append(f"window {frame.getRect()} is outside the screen {screen.getRect()}")
    for w in [top, *top.findChildren(QWidget)]:
        if not w.isVisible() or w.width() <= 0 or w.height() <= 0 or w.window() is not top:
            continue
        rect = QRect(w.mapToGlobal(w.rect().topLeft()), w.size())
        view = _scroll_viewport(w)
        if view is not None:
            shown = QRect(view.mapToGlobal(view.rect().topLeft()), view.size())
            if not shown.contains(rect):
                continue  # scrolled out of view, or partly: the scroll bar reaches it
        if not screen.contains(rect):
            problems.append(f"{_name(w)} at {rect.getRect()} is off the screen")
            continue
        # inside its parent (a squeezed layout lets children spill over their parent)
        parent = w.parentWidget()
        if (
            parent is not None
            and not w.isWindow()
            and view is None
            and not parent.rect().contains(w.geometry())
        ):
            problems.append(f"{_name(w)} spills out of {_name(parent)}")
        why = clipped(w)
        if why:
            problems.append(f"{_name(w)} is cut: {why}")
    return problems


class Audit:
    def __init__(self, shots: Path | None, label: str) -> None:
        self.app = QApplication.instance() or QApplication(sys.argv[:1])
        self.shots = shots
        self.label = label
        self.problems: list[str] = []
        self.measured: dict[str, Any] = {}
        self.states = 0
        self.screen = self.app.primaryScreen().geometry()

    def check(self, name: str, top: QWidget, *, session: bool = False) -> None:
        _settle(self.app)
        self.states += 1
        found = audit_window(top, self.screen)
        if session:
            p = top.player  # type: ignore[attr-defined]
            must = [("It hurts", p.hurt_btn)]
            choices = {"hurt": ("skip", "end", "continue"), "hurt-twice": ("remove", "skip")}
            must += [(k, p.hurt_buttons[k]) for k in choices.get(name, ())]
            if name == "question":
                must += [("Yes", p.yes_btn), ("No", p.no_btn)]
            if name == "stop-question":
                must += [("Stop", p.stop_yes), ("Go on", p.stop_no)]
            for what, button in must:
                rect = QRect(button.mapToGlobal(button.rect().topLeft()), button.size())
                if not (button.isVisible() and self.screen.contains(rect)):
                    found.append(f"{what} is not fully on screen ({rect.getRect()})")
        self.problems += [f"{self.label} {name}: {p}" for p in found]
        if self.shots is not None and shutil.which("import"):
            self.shots.mkdir(parents=True, exist_ok=True)
            path = self.shots / f"{name}-{self.label}.png"
            subprocess.run(["import", "-window", "root", str(path)], check=False, timeout=30)


def _run_to(window: MainWindow, clock: _Clock, kind: Kind, extra: float = 0.0) -> None:
    c = window.controller
    for _ in range(40000):
        if c.current.kind is kind or c.stage.value in ("finished", "stopped"):
            break
        clock.now += 0.25
        c.tick()
    end = clock.now + extra
    while clock.now < end and c.stage.value == "running":
        clock.now = min(end, clock.now + 0.25)
        c.tick()


def measure_player(window: MainWindow) -> dict[str, float]:
    p = window.player
    return {
        "cue": cap_height(p.cue),
        "sentence": cap_height(p.instruction),
        "countdown": p.ring.digit_height(),
        "where": cap_height(p.where),
        "phase": cap_height(p.phase),
        "next": cap_height(p.next_label),
        "hurt_button_height": p.hurt_btn.height(),
    }


def run_scale(audit: Audit, scale: float, high_contrast: bool, data: Path) -> None:
    catalog = load_catalog()
    tag = f"{'hc-' if high_contrast else ''}x{scale:g}"
    folder = data / tag
    folder.mkdir(parents=True, exist_ok=True)
    settings = Settings(folder / "settings.json")
    settings.set("programs.step-by-step.order", ORDER)
    settings.set("display.text_scale", scale)
    settings.set("display.high_contrast", high_contrast)
    settings.set("safety.notice_seen", True)
    store = Store.open(folder / "progress.sqlite3")
    clock = _Clock()
    window = MainWindow(
        catalog, settings=settings, speech=CaptionOnlySpeech(), clock=clock, store=store
    )
    window.show_sized()
    _settle(audit.app, 10)
    label = audit.label
    audit.label = f"{label}-{tag}"
    try:
        audit.check("start", window)
        window.add_notice("The exercise file could not be read: line 3. Using the built-in one.")
        window.add_notice("Your settings file had a mistake; the defaults are used for it.")
        window.add_notice("No voice: no speech engine. The captions carry the session.", "voice")
        audit.check("start-notices", window)
        window.show_safety()
        audit.check("safety", window.safety_dialog)
        window.safety_dialog.accept()
        window.start_session()
        audit.check("pain-before", window)
        window.session.pain_answered(3)
        _run_to(window, clock, Kind.INTRO)
        audit.check("intro", window, session=True)
        _run_to(window, clock, Kind.HOLD, extra=12.3)
        audit.check("hold", window, session=True)
        if scale == 1.0:
            audit.measured[audit.label] = measure_player(window)
        window.it_hurts()
        audit.check("hurt", window, session=True)
        window.choose_after_hurt("continue")
        _run_to(window, clock, Kind.HOLD, extra=3)
        audit.check("after-hurt", window, session=True)
        window.command("stop")
        audit.check("stop-question", window, session=True)
        window.command("toggle")
        _run_to(window, clock, Kind.CHECK)
        audit.check("question", window, session=True)
        window.answer(True)
        _run_to(window, clock, Kind.HOLD)
        window.it_hurts()
        window.choose_after_hurt("continue")
        _run_to(window, clock, Kind.HOLD)
        window.it_hurts()  # twice: the removal offer
        audit.check("hurt-twice", window, session=True)
        window.choose_after_hurt("skip")
        window.set_session_notice("Your changes apply from the next exercise.")
        _run_to(window, clock, Kind.TIMED, extra=5)
        audit.check("timed-notices", window, session=True)
        _run_to(window, clock, Kind.DONE)
        _run_to(window, clock, Kind.DONE, extra=60)
        audit.check("pain-after", window)
        window.session.pain_answered(2)
        audit.check("end", window)
        window.open_history()
        audit.check("history", window)
        window.show_start()
        window.open_settings()
        audit.check("settings", window.settings_dialog)
        audit_enrolment(audit, window.settings_dialog, scale, high_contrast, folder)
        window.settings_dialog.reject()
    finally:
        audit.label = label
        window.close()
        window.deleteLater()
        store.close()
        _settle(audit.app)


def audit_enrolment(
    audit: Audit, settings_dialog: QWidget, scale: float, high_contrast: bool, folder: Path
) -> None:
    """The voice enrolment window (Settings → Voice commands): its introduction, a take
    being listened for (a silent WAV read in real time as the microphone), the summary of
    a whole enrolment with advice, and no microphone."""
    from ..voice_commands.commands import Command, phrase_table
    from ..voice_commands.enrolment import TakeResult
    from ..voice_commands.microphone import MicrophoneUnavailable, WavSource
    from .enrolment_dialog import EnrolmentDialog

    silence = folder / "silence.wav"
    with wave.open(str(silence), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(bytes(2 * 16000 * 20))

    def dialog(source_factory, get_ready_s: int = 0) -> EnrolmentDialog:
        d = EnrolmentDialog(
            "player",
            folder,
            source_factory=source_factory,
            get_ready_s=get_ready_s,
            scale=scale,
            high_contrast=high_contrast,
            parent=settings_dialog,
        )
        d.show()
        return d

    d = dialog(lambda: WavSource(silence, realtime=True), get_ready_s=10)
    audit.check("enrolment-intro", d)
    d.primary_action()
    for _ in range(100):  # the microphone opens on its thread
        if d.state == "ready":
            break
        _settle(audit.app, 1)
    audit.check("enrolment-get-ready", d)
    d.primary_action()  # begin now
    for _ in range(100):
        if "Listening" in d.heard.text():
            break
        _settle(audit.app, 1)
    audit.check("enrolment-take", d)
    table = phrase_table("player")
    heard = [("player back",), (), ("player next",)]  # a miss of each kind, then a hit
    takes = [
        TakeResult(
            cmd,
            table[cmd][0],
            n,
            heard[n - 1] if cmd is Command.NEXT else (table[cmd][0],),
            52.0,
            61.0,
        )
        for cmd in Command
        for n in (1, 2, 3)
    ]
    d.show_checking()  # every take heard again by what will listen
    audit.check("enrolment-checking", d)
    d.finish_with(takes)  # a noisy room (the voice 9 dB above it), one command missed
    audit.check("enrolment-summary", d)
    d.reject()

    def no_microphone():
        raise MicrophoneUnavailable(
            "No microphone found (Connection refused). Plug one in or choose it in the "
            "system's sound settings; the session goes on without voice commands."
        )

    d = dialog(no_microphone)
    d.primary_action()
    for _ in range(100):
        if d.state == "failed":
            break
        _settle(audit.app, 1)
    audit.check("enrolment-no-microphone", d)
    d.reject()
    _settle(audit.app)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--shots", type=Path)
    p.add_argument("--scales", default=",".join(f"{s:g}" for s in SCALES))
    p.add_argument("--high-contrast-scale", type=float, default=2.5)
    a = p.parse_args(argv)
    started = time.monotonic()
    audit = Audit(a.shots, "")
    size = audit.screen
    audit.label = f"{size.width()}x{size.height()}"
    with tempfile.TemporaryDirectory() as tmp:
        for scale in [float(s) for s in a.scales.split(",")]:
            run_scale(audit, scale, False, Path(tmp))
        if a.high_contrast_scale:
            run_scale(audit, a.high_contrast_scale, True, Path(tmp))
    print(
        json.dumps(
            {
                "screen": [size.width(), size.height()],
                "states": audit.states,
                "problems": audit.problems,
                "measured": audit.measured,
                "seconds": round(time.monotonic() - started, 1),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
