"""``stenosis-player --self-test``: does this install work? One line out, exit 0 or 1.

Checks, in order, what a session needs: the catalogue loads and validates, the default
program's script builds, one sentence is synthesised to a WAV clip through the voice
layer (and Qt Multimedia can open it, as the player will), and the main window paints
(offscreen when there is no display). Prints

    self-test OK: catalogue 18 exercises, script 201 segments 24:58, speech 1.9 s WAV, …

or ``self-test FAILED: <what>`` naming what to install or fix. Everything it writes goes
under ``--data-dir`` (a temporary folder otherwise, removed afterwards): it never touches
the user's settings, progress or speech cache. Used by packaging checks and by people
asking "does it work on my machine?".
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SENTENCE = "Stenosis Player self-test. Breathe out and relax."
MIN_CLIP_SECONDS = 0.3
# Qt's own messages while the checks run (e.g. the offscreen plugin's notes): kept out of
# the one-line answer, shown on stderr only when the self-test fails.
_qt_messages: list[str] = []


class SelfTestFailure(Exception):
    """A check failed; the message says what, and what to install or fix."""


def run_self_test(args: argparse.Namespace) -> int:
    data_dir = getattr(args, "data_dir", None)
    temporary = None
    if not data_dir:
        temporary = tempfile.mkdtemp(prefix="stenosis-player-selftest-")
        data_dir = temporary
    try:
        parts = _checks(Path(data_dir), getattr(args, "exercises", None))
    except SelfTestFailure as exc:
        return _failed(str(exc))
    except Exception as exc:  # an unexpected error is a failure too, never a traceback
        return _failed(f"unexpected {type(exc).__name__}: {exc}")
    finally:
        if temporary:
            shutil.rmtree(temporary, ignore_errors=True)
    print("self-test OK: " + ", ".join(parts), flush=True)
    return 0


def _failed(what: str) -> int:
    for message in _qt_messages[-20:]:
        print(f"  (Qt: {message})", file=sys.stderr)
    print(f"self-test FAILED: {what}", flush=True)
    return 1


def _checks(data_dir: Path, exercises: str | None) -> list[str]:
    catalog = check_catalog(exercises)
    parts = [f"catalogue {len(catalog.exercises)} exercises"]
    work = data_dir / "cache" / "self-test"
    try:
        seconds, wav = check_speech(work)
        parts.append(check_script(catalog, work))
        parts.append(f"speech {seconds:.1f} s WAV")
        app = qt_application()
        check_qt_audio(app, wav)
        parts.append(check_window(app, catalog))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return parts


def check_catalog(path: str | None) -> Any:
    from .catalog import CatalogError, load_catalog

    try:
        catalog = load_catalog(path)
    except CatalogError as err:
        first = err.problems[0] if err.problems else "unreadable"
        raise SelfTestFailure(
            f"catalogue {err.path}: {len(err.problems)} problem(s), first: {first}"
        ) from None
    if not catalog.exercises:
        raise SelfTestFailure(f"catalogue {catalog.path}: no exercises")
    return catalog


def check_script(catalog: Any, cache: Path | None = None) -> str:
    """Plan the default program, timed by its real clips (made in ``cache``) as the
    ``script`` command and the player time it."""
    from .script import ScriptOptions, build_script, mmss

    options = ScriptOptions()
    if cache is not None:
        from .voice.synth import Synthesizer
        from .voice.timing import ClipTimer

        with Synthesizer(cache) as synth:
            timer = ClipTimer(synth)
            script = build_script(
                catalog, catalog.default_program, ScriptOptions(speech_seconds=timer)
            )
        if timer.estimated:
            raise SelfTestFailure(
                f"script: {timer.estimated} line(s) could not be timed: {timer.problem}"
            )
    else:
        script = build_script(catalog, catalog.default_program, options)
    if len(script) < 2 or script.total <= 0:
        raise SelfTestFailure(f"script for {catalog.default_program!r} is empty")
    return f"script {len(script)} segments {mmss(script.total)}"


def check_speech(work: Path) -> tuple[float, Path]:
    """Synthesise SENTENCE into a fresh cache under ``work``: (clip seconds, WAV path)."""
    try:
        from .voice.synth import SynthesisError, SynthesisUnavailable, Synthesizer, clip_seconds
    except ImportError as exc:
        raise SelfTestFailure(f"speech: the voice module cannot be imported: {exc}") from None
    shutil.rmtree(work, ignore_errors=True)
    try:
        with Synthesizer(work, workers=1) as synth:
            wav = synth.synthesize(SENTENCE)
            seconds = clip_seconds(wav)
    except SynthesisUnavailable as exc:
        raise SelfTestFailure(f"speech unavailable: {exc}") from None
    except SynthesisError as exc:
        raise SelfTestFailure(f"speech: {exc}") from None
    except (OSError, EOFError) as exc:  # wave.Error is an EOFError/Error subclass
        raise SelfTestFailure(f"speech: the WAV clip is unreadable: {exc}") from None
    except Exception as exc:
        raise SelfTestFailure(f"speech: {type(exc).__name__}: {exc}") from None
    if seconds < MIN_CLIP_SECONDS:
        raise SelfTestFailure(
            f"speech: the WAV clip is {seconds:.2f} s long (silent engine?); "
            "check `stenosis-player voices` and the eSpeak NG install (libespeak-ng1)"
        )
    return seconds, wav


def qt_application() -> Any:
    """The QApplication, offscreen when there is no display to show a window on."""
    if (
        sys.platform.startswith("linux")
        and not os.environ.get("QT_QPA_PLATFORM")
        and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    ):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    try:
        from PySide6.QtCore import QLoggingCategory, qInstallMessageHandler
        from PySide6.QtWidgets import QApplication
    except ImportError as exc:
        raise SelfTestFailure(f"Qt: PySide6 cannot be imported: {exc}") from None
    qInstallMessageHandler(lambda _mode, _context, message: _qt_messages.append(message))
    # The multimedia backend lists every optional library it does not find: not failures.
    QLoggingCategory.setFilterRules("qt.multimedia.*=false")
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "stenosis"])
    if app is None:  # pragma: no cover - QApplication raises instead
        raise SelfTestFailure("Qt: no QApplication")
    return app


def check_qt_audio(app: Any, wav: Path, timeout_s: float = 10.0) -> None:
    """Qt Multimedia (which plays the clips in a session) opens the WAV and knows its length."""
    try:
        from PySide6.QtCore import QUrl
        from PySide6.QtMultimedia import QMediaPlayer
    except ImportError as exc:
        raise SelfTestFailure(
            f"Qt Multimedia cannot be imported ({exc}): install PySide6-Addons"
        ) from None
    player = QMediaPlayer()
    try:
        player.setSource(QUrl.fromLocalFile(str(wav)))
        done = (QMediaPlayer.MediaStatus.LoadedMedia, QMediaPlayer.MediaStatus.InvalidMedia)
        deadline = time.monotonic() + timeout_s
        while player.mediaStatus() not in done and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.01)
        status = player.mediaStatus()
        if status != QMediaPlayer.MediaStatus.LoadedMedia or player.duration() <= 0:
            why = player.errorString() or status.name
            raise SelfTestFailure(
                f"Qt Multimedia cannot open the speech clip ({why}); "
                "its FFmpeg backend plugin (PySide6-Addons, plugins/multimedia) is missing?"
            )
    finally:
        player.setSource(QUrl())
        player.deleteLater()


def check_window(app: Any, catalog: Any) -> str:
    """Build the main window, paint it offscreen, and check the picture is not blank."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImageReader

    formats = {bytes(f).decode().lower() for f in QImageReader.supportedImageFormats()}
    if "svg" not in formats:
        raise SelfTestFailure(
            "Qt cannot read SVG images: the imageformats/qsvg plugin (PySide6) is missing"
        )
    try:
        from .ui.main_window import MainWindow
    except ImportError as exc:
        raise SelfTestFailure(f"window: the UI cannot be imported: {exc}") from None
    window = MainWindow(catalog)
    try:
        window.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        window.show()
        app.processEvents()
        image = window.grab().toImage()
    finally:
        window.close()
        window.deleteLater()
        app.processEvents()
    w, h = image.width(), image.height()
    if w < 100 or h < 100:
        raise SelfTestFailure(f"window: painted only {w}x{h} pixels")
    colours = distinct_colours(image)
    if colours < 8:
        raise SelfTestFailure(f"window: painted {w}x{h} but it is blank ({colours} colours)")
    return f"window {w}x{h} painted"


def distinct_colours(image: Any, step: int = 7, limit: int = 64) -> int:
    """How many distinct colours a grid of sample pixels has (stops counting at ``limit``)."""
    seen: set[int] = set()
    for y in range(0, image.height(), step):
        for x in range(0, image.width(), step):
            seen.add(image.pixel(x, y))
            if len(seen) >= limit:
                return len(seen)
    return len(seen)
