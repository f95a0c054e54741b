"""The Qt speech service: says lines, emits captions, never blocks the window.

Synthesis runs on background threads (each driving one worker process, see ``synth``);
results come back to the UI thread through a queued Qt signal. Playback goes through an
``AudioSink`` (``sinks``). Without a voice — no eSpeak NG, no audio output, an engine that
fails — every line is still emitted as ``caption`` and clip_started/clip_finished still
come on time (estimated from the words), so the session logic is the same; the reason is
emitted once as ``notice``.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import queue
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

from ..script import estimate_speech_seconds
from .clip_index import ClipLengths
from .config import VoiceConfig
from .lines import Priority, countdown_text, speech_texts
from .synth import (
    CacheUnwritable,
    SynthesisError,
    SynthesisUnavailable,
    Synthesizer,
    clip_seconds,
)

if TYPE_CHECKING:
    from .sinks import AudioSink

log = logging.getLogger(__name__)  # --verbose: clips started and stopped

# One worker process for the window (export-audio uses ``default_workers()``): a second one
# made a cold program's clips in ~1.0 s instead of ~1.9 s (bench_voice, a loaded 2-core
# machine), but took the process tree to ~107 MB proportional while both ran (goal 100)
# and a core from the window. A session needs its lines faster than real time only, and
# ``say`` jumps the queue.
WINDOW_WORKERS = 1

__all__ = [
    "Priority",
    "SpeechService",
    "countdown_text",
    "speech_texts",
]


@dataclass
class _Utterance:
    id: str
    text: str
    asked_at: float = field(default_factory=time.monotonic)
    started: bool = False


_URGENT, _PREPARE = 0, 1


class SpeechService(QObject):
    """Says lines of the session; one utterance at a time.

    Interrupt rule: a NORMAL ``say`` stops the utterance in progress (playing, or still
    being synthesised) and says the new one; a LOW ``say`` (countdown numbers) is dropped
    if anything is being said. ``stop()`` silences at once.

    Signals:
    - ``caption(text)``: the line being said, emitted by every ``say`` that is not dropped,
      with or without audio;
    - ``clip_started(id)`` / ``clip_finished(id)``: the utterance's sound began / ended
      (also when it is interrupted or stopped). Without audio they still come, timed by
      the clip's real length (or an estimate from the words when there is no clip);
    - ``notice(text)``: why there is no voice and what to install, once per reason; an
      empty text when the voice is back after its sound output failed;
    - ``ready_changed(ready)``: True once every text given to ``prepare`` has its clip.

    Nothing here blocks: ``say`` on an uncached line asks a background thread and plays
    when the clip arrives (lines asked by ``say`` jump ahead of ``prepare``'s queue); a
    clip that arrives more than ``late_after_s`` after its ``say`` is not played (the
    caption was shown, and the clip's time still passes before clip_finished).
    """

    late_after_s = 1.5  # a clip ready later than this after say() is not played
    # Worker processes are ended once synthesis has been idle this long (the script's lines
    # are all made at the start; a later line, such as an answer, starts one again).
    release_workers_after_ms = 3000

    clip_started = Signal(str)
    clip_finished = Signal(str)
    caption = Signal(str)
    notice = Signal(str)
    ready_changed = Signal(bool)
    # internal: from the synthesis threads to the UI thread (queued connection)
    _synthesised = Signal(object, object, object, object, object)
    _job_done = Signal()
    _released = Signal(int)

    def __init__(
        self,
        synth: Synthesizer | None = None,
        sink: AudioSink | None = None,
        parent: QObject | None = None,
        *,
        cache_dir: str | os.PathLike[str] | None = None,
        config: VoiceConfig | None = None,
        fallback_sink: AudioSink | None = None,
        start_later: bool = False,
    ) -> None:
        """``start_later``: the sound output is opened, and the lines ``prepare`` asked
        for are synthesised, from ``start()`` on (the window calls it just after its first
        frame: finding the sound server or Qt's audio devices is 15-40 ms, and a speech
        worker starting takes a core), or when a line is said before that."""
        super().__init__(parent)
        if synth is None:
            if cache_dir is None:
                from ..paths import app_paths

                cache_dir = app_paths().speech_cache_dir
            synth = Synthesizer(cache_dir, config, workers=WINDOW_WORKERS)
        self.synth = synth
        self.config = config or synth.config
        self._notices_sent: set[str] = set()
        self._pending_notices: list[str] = []
        self._sink: AudioSink | None = sink
        self._held = start_later  # prepare()'s jobs wait for start()
        if sink is None and not start_later:
            self.open_output()
        # lines without a clip are "played" here, timed by an estimate from their words
        # the silent sink, made on first use: its module (QUrl's enums, three QObject
        # classes) is 2-5 ms of the window's first frame, and most runs never need it
        self._silent_sink: AudioSink | None = fallback_sink
        #: The WAV file whose sound is playing now (set as each clip starts; None when the
        #: line is only shown, or played on the silent sink). Voice commands cancel its echo.
        self.audible_clip: Path | None = None
        self._clips: dict[str, tuple[Path, float]] = {}
        self._lengths = ClipLengths(self.synth.cache_dir)
        self._lengths_timer = QTimer(self)  # saves the index a while after it changed
        self._lengths_timer.setSingleShot(True)
        self._lengths_timer.setInterval(2000)
        self._lengths_timer.timeout.connect(self._lengths.save_in_background)
        self._disk_seconds: dict[str, float] = {}  # lengths read from the disk cache
        self._current: _Utterance | None = None
        self._mode = "clips"  # "clips" | "direct" (cache unwritable) | "captions" (no engine)
        self._ready = False
        self._prepare_all: list[str] = []
        self._prepare_left: set[str] = set()
        self._generation = 0
        self._seq = itertools.count()
        self._jobs: queue.PriorityQueue = queue.PriorityQueue()
        self._threads: list[threading.Thread] = []
        self._closed = False
        self._synthesised.connect(self._on_synthesised)
        self._job_done.connect(self._on_job_done)
        self._released.connect(self._on_released)
        self._outstanding = 0  # synthesis jobs asked for and not answered yet
        self._release_timer = QTimer(self)
        self._release_timer.setSingleShot(True)
        self._release_timer.timeout.connect(self._release_workers)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.close)

    @property
    def sink(self) -> AudioSink:
        """Where clips play; opened on first use when it was left for later."""
        if self._sink is None:
            self.open_output()
        assert self._sink is not None
        return self._sink

    @property
    def _silent(self) -> AudioSink:
        if self._silent_sink is None:
            from .sinks import SilentSink

            self._silent_sink = SilentSink(self)
        return self._silent_sink

    @property
    def output_open(self) -> bool:
        return self._sink is not None

    def start(self) -> None:
        """Open the sound output and synthesise what was prepared (see ``start_later``)."""
        self.open_output()
        self._held = False
        if self._outstanding and not self._threads and not self._closed:
            self._start_threads()

    def import_output(self) -> None:
        """Import what :meth:`open_output` will use (ctypes, libpulse's binding, the sinks):
        about half of opening it, so the window can give it an idle slice of its own."""
        if self._sink is not None:
            return
        from . import sinks  # noqa: F401

        with contextlib.suppress(ImportError):
            from . import pulse  # noqa: F401

    def open_output(self) -> None:
        """Open the sound output now, if it is not open yet (a notice when there is none)."""
        if self._sink is not None:
            return
        from .sinks import make_sink

        sink, why = make_sink(self)
        if why:
            self._post_notice("no-output", why)
        on_error = getattr(sink, "on_error", False)
        if on_error is None:
            sink.on_error = lambda msg: self._post_notice("playback", msg)  # type: ignore[attr-defined]
        self._sink = sink

    # ------------------------------------------------------------------ public API
    def say(self, text: str, utterance_id: str = "", priority: Priority = Priority.NORMAL) -> None:
        """Say ``text`` now (see the interrupt rule in the class docstring)."""
        if self._closed or not text.strip():
            return
        if priority == Priority.LOW and self.is_speaking():
            return
        self._interrupt()
        utterance = _Utterance(utterance_id, text)
        self._current = utterance
        self.caption.emit(text)
        clip = self._clips.get(text)
        if clip is not None:
            self._play(utterance, clip[0], clip[1])
        elif self._mode == "captions":
            self._play(utterance, None, self._estimate(text))
        elif self._mode == "direct":
            self._fallback_play(utterance)
        else:
            self._submit(_URGENT, text)

    def preload(self, text: str) -> None:
        """A hint: ``text`` is likely the next line (call it with the next segment's line
        when a segment starts). Its clip is loaded now, so it starts within a millisecond."""
        clip = self._clips.get(text)
        preload = getattr(self.sink, "preload", None)
        if clip is not None and preload is not None:
            preload(clip[0])

    def stop(self) -> None:
        """Silence at once (the utterance in progress gets its clip_finished)."""
        self._interrupt()

    def is_speaking(self) -> bool:
        """True while an utterance is playing or waiting for its clip."""
        return self._current is not None

    def clip_seconds(self, text: str) -> float | None:
        """The clip's real length, once it has been synthesised (else None)."""
        clip = self._clips.get(text)
        return clip[1] if clip else None

    def cached_seconds(self, text: str) -> float | None:
        """The length of a clip already in the disk cache (a stat and a WAV header), so a
        session planned at start-up is timed by the clips of earlier runs."""
        if text in self._disk_seconds:  # a cached clip never changes for one voice
            return self._disk_seconds[text]
        try:
            # the index beside the clips (clip_index) spares reading each header at start-up
            seconds = self._lengths.seconds(self.synth.path_for(text))
        except (OSError, EOFError):  # a damaged clip is made again when it is needed
            return None
        if seconds is None:
            return None
        self._disk_seconds[text] = seconds
        self._save_lengths_soon()
        return seconds

    def _save_lengths_soon(self) -> None:
        """Write the clip-length index once the burst of look-ups or new clips is over."""
        if self._lengths.changed and not self._lengths_timer.isActive():
            self._lengths_timer.start()

    def speech_seconds(self, text: str) -> float:
        """Real length when known, else an estimate from the words (for re-timing a script)."""
        seconds = self.clip_seconds(text)
        return seconds if seconds is not None else self._estimate(text)

    def prepare(self, texts: list[str]) -> None:
        """Synthesise these lines in the background, first lines first."""
        if self._closed:
            return
        self._generation += 1
        todo = [t for t in dict.fromkeys(texts) if t.strip() and t not in self._clips]
        self._prepare_all = [t for t in dict.fromkeys(texts) if t.strip()]
        self._prepare_left = set(todo)
        if self._mode == "captions":
            self._set_ready(False)
            return
        if not todo:
            self._set_ready(True)
            return
        self._set_ready(False)
        for text in todo:
            self._submit(_PREPARE, text)

    def is_ready(self) -> bool:
        return self._ready

    def set_config(self, config: VoiceConfig) -> None:
        """Use another voice, rate or volume from now on (clips are re-synthesised)."""
        if config == self.config:
            return
        self.stop()
        self.config = config
        self.synth.config = config
        self._clips.clear()
        self._disk_seconds.clear()
        self._set_ready(False)
        if hasattr(self._sink, "set_volume"):  # a sink opened later starts at 1.0
            self._sink.set_volume(1.0)  # the volume is in the clip itself

    @property
    def mode(self) -> str:
        """'clips' (normal), 'direct' (engine speaks itself) or 'captions' (no voice)."""
        return self._mode

    def close(self) -> None:
        """End the background threads and worker processes (call before quitting)."""
        if self._closed:
            return
        self._closed = True
        self._lengths_timer.stop()
        self._lengths.save()
        self._interrupt()
        for _ in self._threads:
            self._jobs.put((-1, next(self._seq), None, None, 0))
        self.synth.close()
        for thread in self._threads:
            thread.join(timeout=2.0)
        if self._sink is not None:
            self._sink.close()

    # ------------------------------------------------------------------ playback
    def _play(self, utterance: _Utterance, path: Path | None, seconds: float) -> None:
        sink = self.sink if path is not None else self._silent

        def started() -> None:
            if self._current is utterance and not utterance.started:
                utterance.started = True
                self.audible_clip = path if getattr(sink, "name", "") != "silent" else None
                if log.isEnabledFor(logging.INFO):
                    self._log_clip(utterance, "started", seconds, heard=self.audible_clip)
                if sink is self.sink and getattr(sink, "failing", True) is False:
                    self._playback_back()
                self.clip_started.emit(utterance.id)

        def finished() -> None:
            if self._current is utterance:
                self._current = None
                if utterance.started:
                    if log.isEnabledFor(logging.INFO):
                        self._log_clip(utterance, "finished")
                    self.clip_finished.emit(utterance.id)

        sink.play(path, seconds, started, finished)

    def _interrupt(self) -> None:
        utterance, self._current = self._current, None
        if self._sink is not None:  # nothing plays on an output not opened yet
            self._sink.stop()
        if self._silent_sink is not None:
            self._silent_sink.stop()
        if utterance is not None and utterance.started:
            if log.isEnabledFor(logging.INFO):
                self._log_clip(utterance, "stopped")
            self.clip_finished.emit(utterance.id)

    def _log_clip(
        self, utterance: _Utterance, what: str, seconds: float = 0.0, heard: Path | None = None
    ) -> None:
        from ..event_log import quote

        detail = ""
        if what == "started":
            detail = f" ({seconds:.1f} s{'' if heard else ', caption only'})"
        name = utterance.id or "line"
        log.info(f"clip {name} {what}{detail} {quote(utterance.text)}")

    def _estimate(self, text: str) -> float:
        return estimate_speech_seconds(text, self.config.rate)

    # ------------------------------------------------------------------ synthesis
    def _submit(self, urgency: int, text: str) -> None:
        self._release_timer.stop()
        self._outstanding += 1
        self._jobs.put((urgency, next(self._seq), text, self.config, self._generation))
        if urgency == _URGENT:
            self._held = False  # a line said now: nothing waits any more
        if not self._threads and not self._held:
            self._start_threads()

    def _start_threads(self) -> None:
        for i in range(self.synth.workers):
            thread = threading.Thread(target=self._run_jobs, name=f"speech-{i}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def _run_jobs(self) -> None:
        """Background thread: synthesise one job at a time, report to the UI thread."""
        while True:
            urgency, _, text, config, generation = self._jobs.get()
            if text is None or self._closed:
                return
            try:
                self._run_job(urgency, text, config, generation)
            finally:
                if not self._closed:
                    self._job_done.emit()

    def _run_job(self, urgency: int, text: str, config, generation: int) -> None:
        """Synthesise one job (on a background thread); the result goes to the UI thread."""
        if urgency == _PREPARE and generation != self._generation:
            return  # a newer prepare() replaced this one
        path: Path | None = None
        error: BaseException | None = None
        seconds = 0.0
        try:
            if self._mode == "direct":
                if urgency == _URGENT:
                    self.synth.say_direct(text, config)
                return
            path = self.synth.synthesize(text, config)
            seconds = clip_seconds(path)
        except (SynthesisError, OSError, EOFError, ValueError) as exc:
            path, error = None, exc
        except Exception as exc:  # an engine bug must not end this thread
            path, error = None, SynthesisError(f"{type(exc).__name__}: {exc}")
        if self._closed:
            return
        self._synthesised.emit(text, config, path, seconds, error)

    def _on_job_done(self) -> None:
        self._outstanding = max(0, self._outstanding - 1)
        if self._outstanding == 0 and not self._closed:
            self._release_timer.start(self.release_workers_after_ms)

    def _on_synthesised(self, text: str, config, path, seconds, error) -> None:
        if self._closed or config != self.config:
            return
        if path is not None:
            self._clips[text] = (path, float(seconds))
            self._lengths.record(path, float(seconds))
            self._save_lengths_soon()
        else:
            self._failed(error)
        current = self._current
        if current is not None and current.text == text and not current.started:
            late = time.monotonic() - current.asked_at
            if path is None:
                self._fallback_play(current)
            elif late > self.late_after_s:
                # an instruction heard seconds late misleads: the caption carries it
                self._play(current, None, max(0.0, float(seconds) - late))
            else:
                self._play(current, path, float(seconds))
        if text in self._prepare_left:
            self._prepare_left.discard(text)
            if not self._prepare_left:
                self._set_ready(all(t in self._clips for t in self._prepare_all))

    def _release_workers(self) -> None:
        if self._outstanding or self._closed:
            return
        release = getattr(self.synth, "release_idle", None)
        if release is None or not hasattr(self.synth, "live_workers"):
            return

        def run() -> None:  # ending a process waits for it: off the UI thread
            release()
            self._released.emit(self.synth.live_workers())

        threading.Thread(target=run, name="speech-release", daemon=True).start()

    def _on_released(self, still_running: int) -> None:
        if still_running and not self._outstanding and not self._closed:
            self._release_timer.start(self.release_workers_after_ms)  # one was busy

    def _fallback_play(self, utterance: _Utterance) -> None:
        if self._mode == "direct":
            self._submit(_URGENT, utterance.text)
        self._play(utterance, None, self._estimate(utterance.text))

    def _failed(self, error: BaseException | None) -> None:
        if isinstance(error, SynthesisUnavailable):
            self._mode = "captions"
            self._post_notice("unavailable", f"No voice: {error}. Captions only.")
        elif isinstance(error, CacheUnwritable):
            if self._mode == "clips":
                self._mode = "direct"
            self._post_notice(
                "cache",
                f"{error}. Speaking directly instead (free some disk space to get the "
                "normal voice back).",
            )
        else:
            self._post_notice(
                "failed",
                f"A spoken line could not be made ({error}); the speech engine was "
                "restarted. Captions carry on.",
            )

    def _set_ready(self, ready: bool) -> None:
        if ready != self._ready:
            self._ready = ready
            self.ready_changed.emit(ready)

    def _post_notice(self, key: str, text: str) -> None:
        """Emit a notice once per reason (deferred, so a listener connected right after
        construction still gets the ones found while constructing)."""
        if key in self._notices_sent:
            return
        self._notices_sent.add(key)
        self._pending_notices.append(text)
        QTimer.singleShot(0, self._flush_notices)

    def _playback_back(self) -> None:
        """Sound plays again after a playback failure: take its notice down (an empty
        notice) and let a new failure be told again."""
        if "playback" in self._notices_sent:
            self._notices_sent.discard("playback")
            self._pending_notices.append("")
            QTimer.singleShot(0, self._flush_notices)

    def _flush_notices(self) -> None:
        pending, self._pending_notices = self._pending_notices, []
        for text in pending:
            self.notice.emit(text)
