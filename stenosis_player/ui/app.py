"""Start the GUI: load what the window needs, degrade gracefully where something is broken.

Each piece (catalogue, settings, speech, progress store) that fails says so in a notice on
the start screen and the app keeps going with what works.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal  # not Qt: touching it costs ~20 ms
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from .. import resources
from ..catalog import Catalog, CatalogError, check_schema_later, load_catalog
from ..paths import app_paths
from .main_window import MainWindow
from .speech_port import CaptionOnlySpeech


def load_catalog_with_fallback(
    path: str | None, cache_dir: Path | None = None
) -> tuple[Catalog | None, list[str]]:
    """The user's catalogue, else the shipped one with a notice; None if both fail."""
    try:
        # the shipped file's schema pass waits for the first frame (check_schema_soon)
        return load_catalog(path, cache_dir=cache_dir, schema_later=path is None), []
    except CatalogError as err:
        notice = [f"{err.path}: " + "; ".join(err.problems[:5])]
        if path is None:
            return None, notice
        try:
            return load_catalog(cache_dir=cache_dir, schema_later=True), [
                *notice,
                "Using the exercises that came with the app.",
            ]
        except CatalogError as err2:
            return None, [*notice, f"{err2.path}: " + "; ".join(err2.problems[:5])]


class SchemaCheck(QObject):
    """The schema pass of a catalogue loaded before it (``schema_later``), on a thread:
    importing and running jsonschema is ~80 ms, more than a few frames. What it finds (only
    a damaged install can fail it) comes back as a notice on the window."""

    problems = Signal(list)

    def __init__(self, catalog: Catalog, cache_dir: Path | None, parent: QObject) -> None:
        super().__init__(parent)
        self.catalog, self.cache_dir = catalog, cache_dir

    def start(self) -> None:
        if self.catalog.schema_pending:
            threading.Thread(target=self._run, name="catalog-schema", daemon=True).start()

    def _run(self) -> None:
        try:
            found = check_schema_later(self.catalog, self.cache_dir)
        except Exception as exc:  # the check itself broke: say so, the session still runs
            found = [f"{self.catalog.path}: could not be checked ({exc})"]
        if found:
            self.problems.emit(found)


def make_speech(settings: Any, cache_dir) -> tuple[Any, list[str]]:
    try:
        from ..voice.service import SpeechService
    except ImportError as exc:
        return CaptionOnlySpeech(f"No voice: {exc}"), [f"No voice: {exc}"]
    try:
        config = settings.voice_config() if hasattr(settings, "voice_config") else None
        # its sound output and worker start just after the first frame (the window asks)
        kwargs = {"cache_dir": cache_dir, "start_later": True}
        if config is not None:
            kwargs["config"] = config
        return SpeechService(**kwargs), []
    except Exception as exc:
        reason = f"No voice ({exc}); the session shows captions instead."
        return CaptionOnlySpeech(reason), [reason]


def quit_on_terminate(app: QApplication) -> None:
    """A logout or ``kill`` sends SIGTERM: close as Quit does (progress flushed, the store
    closed, the lock file removed) instead of dying mid-write. Python runs the handler at
    its next bytecode; the collector's timer gives it one at least every second."""
    if not hasattr(signal, "SIGTERM"):
        return

    def close(*_: object) -> None:
        QTimer.singleShot(0, lambda: (app.closeAllWindows(), app.quit()))

    signal.signal(signal.SIGTERM, close)


def already_running_text(data_dir) -> str:
    return (
        "Stenosis Player is already running for this data folder "
        f"({data_dir}), but its window could not be brought forward. Switch to it, or "
        "close it before starting another copy."
    )


def already_running_box(text: str) -> QMessageBox:
    from PySide6.QtCore import Qt  # only here: the Qt namespace is slow to touch at start

    box = QMessageBox(QMessageBox.Icon.Information, "Stenosis Player", text)
    box.setTextFormat(Qt.TextFormat.PlainText)
    return box


def import_store() -> None:
    """The store's modules, a slice before it opens (each slice stays short)."""
    with contextlib.suppress(ImportError):
        from .. import store, store_writer  # noqa: F401


def import_network() -> None:
    """QtNetwork, for the single-instance socket opened in the next slice."""
    with contextlib.suppress(ImportError):
        from PySide6 import QtNetwork  # noqa: F401


def open_store(database_file) -> tuple[Any, list[str]]:
    try:
        from ..store import Store, StoreError
    except ImportError:
        return None, []
    try:
        store = Store.open(database_file)
    except StoreError as exc:
        return None, [f"Progress will not be saved: {exc}"]
    notices = [n for n in [getattr(store, "opened_notice", None)] if n]
    if hasattr(store, "writer_thread"):
        # every write runs on the store's writer thread (no commit on the UI thread); it
        # starts at the first write, or now when the last run left writes to replay
        writer = store.writer_thread()
        if writer is not None and writer.journal_notice:
            notices.append(writer.journal_notice)
    return store, notices


class MainThreadGarbageCollector(QObject):
    """Python's collector runs on whichever thread happens to allocate; freeing a Qt object
    with timers on a worker thread (voice commands, speech) makes Qt warn and can crash.
    So automatic collection is switched off and done here, on the main thread."""

    def __init__(self, interval_ms: int = 1000, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(interval_ms)

    def check(self) -> None:
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self.threshold[generation]:
                gc.collect(generation)
                return


def run_app(args: argparse.Namespace) -> int:
    if getattr(args, "verbose", False):
        from ..event_log import enable_verbose

        enable_verbose()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    collector = MainThreadGarbageCollector(parent=app)  # noqa: F841 - lives with the app
    app.setApplicationName("Stenosis Player")
    app.setDesktopFileName("io.github.stenosis_player.StenosisPlayer")
    icon = resources.assets_dir() / "icon.svg"
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))
    paths = app_paths(args.data_dir)
    try:
        paths.ensure()
    except OSError as exc:
        print(f"stenosis-player: cannot create the data folders: {exc}", file=sys.stderr)
        return 1

    instance = None
    try:
        from ..single_instance import SingleInstance

        instance = SingleInstance(SingleInstance.key_for(paths.data_dir), lock_dir=paths.data_dir)
        # the lock now (a second copy never gets a window); its socket after the first frame
        if not instance.acquire(start=args.start, listen=False):
            if getattr(instance, "notified", False):
                print("stenosis-player is already running; its window was brought forward.")
                return 0
            text = already_running_text(paths.data_dir)
            print(f"stenosis-player: {text}", file=sys.stderr)
            box = already_running_box(text)
            box.finished.connect(app.quit)
            box.open()  # a desktop launch has no terminal: say it in a window
            app.exec()
            return 1
    except ImportError:
        pass
    except OSError as exc:  # the lock file cannot be made: still run, say why
        print(f"stenosis-player: {exc}; not checking for another copy", file=sys.stderr)

    catalog, notices = load_catalog_with_fallback(args.exercises, paths.cache_dir)
    if catalog is None:
        from PySide6.QtCore import Qt

        box = QMessageBox(QMessageBox.Icon.Critical, "Stenosis Player", "\n".join(notices))
        box.setTextFormat(Qt.TextFormat.PlainText)  # the file's own words, as written
        box.exec()
        print("stenosis-player: " + "\n".join(notices), file=sys.stderr)
        return 1

    settings = None
    try:
        from ..settings import load_settings

        loaded = load_settings(paths.settings_file)
        settings = loaded.settings
        settings.catalog = catalog
        notices += [*loaded.problems, *loaded.notices, *settings.catalog_problems(catalog)]
    except ImportError:
        pass

    speech, speech_notices = make_speech(settings, paths.speech_cache_dir)
    notices += speech_notices

    window = MainWindow(
        catalog, settings=settings, speech=speech, speed=args.speed, notices=notices
    )
    window.data_dir = paths.data_dir
    # the store opens just after the first frame, or before it when a session starts first
    window.open_store_later(lambda: open_store(paths.database_file), warm_up=import_store)
    if instance is not None and hasattr(instance, "listen"):
        window.when_built(import_network)  # a turn of its own: half of opening the socket
        window.when_built(instance.listen)
    if instance is not None and hasattr(instance, "activation_requested"):
        instance.activation_requested.connect(
            lambda: (window.showNormal(), window.raise_(), window.activateWindow())
        )
    if instance is not None and hasattr(instance, "start_requested"):
        instance.start_requested.connect(lambda pid: start_when_idle(window, catalog, pid))
    if args.fullscreen or (settings is not None and settings.get("display.fullscreen")):
        window.showFullScreen()
    else:
        window.show_sized()
    schema = SchemaCheck(catalog, paths.cache_dir, window)
    schema.problems.connect(
        lambda found: window.add_notice(
            "The exercises file that came with the app is damaged; reinstall the app. "
            + "; ".join(found[:3])
        )
    )
    window.when_built(schema.start)
    first_run = settings is not None and not settings.get("safety.notice_seen")
    window.safety_first = first_run  # every session start waits for the notice to be read
    if args.start is not None:
        program = args.start or None
        if program and program not in catalog.programs:
            window.add_notice(f"Unknown program {program!r}; known: {', '.join(catalog.programs)}")
        elif first_run:
            # the very first session waits for the safety notice to be read (Enter)
            window.hands_free = True
            window.when_built(lambda: window.start_session(program))
        else:
            window.hands_free = True  # no questions before the session: it just starts
            # after the first frame, with the player screen built (not on the way to it)
            window.when_built(lambda: window.start_session(program))
    elif first_run:
        window.when_built(window.show_safety)
    quit_on_terminate(app)
    code = app.exec()
    if hasattr(speech, "close"):
        speech.close()
    store = window.store  # None when it never opened (or could not)
    if store is not None:
        store.close()  # writes what is queued; a stuck disk: kept in a journal, bounded wait
        if getattr(store, "close_notice", None):
            print(f"stenosis-player: {store.close_notice}", file=sys.stderr)
    if instance is not None and hasattr(instance, "release"):
        instance.release()  # last: the lock guards the database until it is closed
    return code


def start_when_idle(window: Any, catalog: Any, program_id: str) -> None:
    """A second copy was started with ``--start`` (a reminder's Start): begin the session
    here, unless one is already under way (then the window only comes forward)."""
    session = window.session
    if session.controller is not None and session.controller.stage.value not in (
        "finished",
        "stopped",
    ):
        window.set_session_notice("A session is already under way in this window.")
        return
    if program_id and program_id not in catalog.programs:
        window.add_notice(f"Unknown program {program_id!r}; known: {', '.join(catalog.programs)}")
        return
    window.hands_free = True  # started from outside: no questions first
    window.start_session(program_id or None)
