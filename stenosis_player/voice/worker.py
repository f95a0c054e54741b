"""The synthesis worker process: owns the pyttsx3 engine, serves one request at a time.

Run as ``python -m stenosis_player.voice.worker``; it speaks JSON lines on stdin/stdout.
Why a process and not a thread: eSpeak NG can be initialised only once per process, so an
engine that hangs inside the C library can only be recovered by ending its process; and
the eSpeak driver prints to stdout, which a process keeps away from the app's own output.

Protocol (one JSON object per line). The worker first sends
``{"ready": true, "engine": ...}`` or ``{"ready": false, "error": "why; what to install"}``.
Requests carry an ``id`` that the reply repeats:

- ``{"op": "synth", "text", "path", "voice", "rate", "volume"}`` → ``{"ok": true}`` once the
  ``finished-utterance`` callback came and the WAV at ``path`` is complete;
- ``{"op": "say", ...}`` speaks directly (the fallback where files cannot be made);
- ``{"op": "voices"}`` → ``{"ok": true, "voices": [{"id", "name", "languages"}]}``.

Failures reply ``{"ok": false, "error": "..."}``; the worker keeps serving.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import sys
import threading
import time
import wave
from typing import Any, TextIO

SYNTH_ATTEMPTS = 3
ESPEAK_LIBRARIES = ("libespeak-ng.so.1", "libespeak.so.1", "libespeak-ng.1.dylib")


def espeak_missing_message() -> str | None:
    """Why eSpeak NG cannot be used here (and what to install), or None when it can."""
    if sys.platform in ("win32", "darwin"):
        return None  # pyttsx3 uses SAPI5 / NSSpeechSynthesizer there
    for name in ESPEAK_LIBRARIES:
        try:
            ctypes.cdll.LoadLibrary(name)
            return None
        except OSError:
            continue
    return (
        "eSpeak NG library not found: install the Debian package libespeak-ng1 "
        "(sudo apt install libespeak-ng1)"
    )


def open_engine() -> Any:
    """The pyttsx3 engine, or SystemExit-free failure as a RuntimeError with a clear message."""
    missing = espeak_missing_message()
    if missing:
        raise RuntimeError(missing)
    try:
        import pyttsx3
    except ImportError:
        raise RuntimeError("pyttsx3 is not installed: pip install pyttsx3") from None
    try:
        return pyttsx3.init()
    except Exception as exc:
        raise RuntimeError(f"the speech engine failed to start: {exc}") from exc


class Server:
    """Serves requests on one engine, strictly one at a time."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.finished = threading.Event()
        self.error: str | None = None
        self.props: dict[str, Any] = {}
        self._voice_ids: set[str] | None = None
        self.idle_waits = 0
        self.retries = 0
        engine.connect("finished-utterance", self._on_finished)
        engine.connect("error", self._on_error)
        # An empty run takes the driver out of its initial busy state, so that property
        # changes from now on are applied at once instead of being queued (see _apply).
        engine.runAndWait()

    def _on_finished(self, name: Any = None, completed: bool = True) -> None:
        self.finished.set()

    def _on_error(self, name: Any = None, exception: BaseException | None = None) -> None:
        self.error = str(exception) if exception else "unknown engine error"

    def voices(self) -> list[dict[str, Any]]:
        out = []
        for v in self.engine.getProperty("voices") or []:
            langs = [
                lang.decode(errors="replace") if isinstance(lang, bytes) else str(lang)
                for lang in (getattr(v, "languages", None) or [])
            ]
            out.append({"id": v.id, "name": v.name or v.id, "languages": langs})
        return out

    def _apply(self, req: dict[str, Any]) -> None:
        voice = req.get("voice")
        if voice and voice != self.props.get("voice"):
            if self._voice_ids is None:
                self._voice_ids = {v["id"] for v in self.voices()}
            if voice not in self._voice_ids:
                raise ValueError(f"unknown voice {voice!r} (stenosis-player voices lists them)")
        for name in ("voice", "rate", "volume"):
            value = req.get(name)
            if value is not None and self.props.get(name) != value:
                self.engine.setProperty(name, value)
                self.props[name] = value
                # eSpeak queues the change on its own thread; until that thread is idle the
                # driver's next runAndWait() would Cancel() it (and the change be lost).
                self._wait_idle()

    def _run(self) -> None:
        self.finished.clear()
        self.error = None
        self.engine.runAndWait()
        # runAndWait() can return before synthesis ends: the callback is the real signal.
        if not self.finished.wait(30.0):
            raise RuntimeError(self.error or "the engine never reported the utterance finished")
        if self.error:
            raise RuntimeError(self.error)
        self._wait_idle()

    def _wait_idle(self) -> None:
        """Wait until eSpeak's own thread is idle, not just past the utterance's end.

        eSpeak NG's retrieval mode is asynchronous: ``IsPlaying()`` is true while its thread
        has queued work (a parameter change, the end of an utterance). The driver's next
        ``runAndWait`` calls ``Cancel()`` when it sees that, which throws the queued rate or
        voice change away and can cut the next clip short (we saw empty clips and rates
        that were ignored). Waiting for idle prevents both.
        """
        espeak = sys.modules.get("pyttsx3.drivers._espeak")
        is_playing = getattr(espeak, "IsPlaying", None)
        if is_playing is None:
            return
        deadline = time.monotonic() + 5.0
        while is_playing() and time.monotonic() < deadline:
            self.idle_waits += 1
            time.sleep(0.0005)

    def synth(self, req: dict[str, Any]) -> dict[str, Any]:
        self._apply(req)
        path = req["path"]
        for attempt in range(1, SYNTH_ATTEMPTS + 1):
            self.engine.save_to_file(req["text"], path)
            self._run()
            try:
                frames, rate = check_wav(path)
            except (OSError, EOFError, wave.Error, RuntimeError):
                # eSpeak's asynchronous callbacks occasionally end an utterance before its
                # samples arrive (about 1 in 2000 short lines on a busy machine): again.
                if attempt == SYNTH_ATTEMPTS:
                    raise
                self.retries += 1
                continue
            return {"frames": frames, "rate": rate, "attempts": attempt}
        raise AssertionError("unreachable")

    def say(self, req: dict[str, Any]) -> dict[str, Any]:
        self._apply(req)
        self.engine.say(req["text"])
        self._run()
        return {}

    def handle(self, req: dict[str, Any]) -> dict[str, Any]:
        op = req.get("op")
        try:
            if op == "synth":
                result = self.synth(req)
            elif op == "say":
                result = self.say(req)
            elif op == "voices":
                result = {"voices": self.voices()}
            elif op == "ping":
                result = {}
            else:
                raise ValueError(f"unknown request {op!r}")
        except Exception as exc:
            return {"id": req.get("id"), "ok": False, "error": f"{type(exc).__name__}: {exc}"}
        return {"id": req.get("id"), "ok": True, **result}


def check_wav(path: str) -> tuple[int, int]:
    """(frames, sample rate) of a complete WAV file; raises if missing, empty or still growing."""
    size = os.stat(path).st_size
    with wave.open(path, "rb") as w:
        frames, rate = w.getnframes(), w.getframerate()
        data = frames * w.getsampwidth() * w.getnchannels()
    if frames <= 0:
        raise RuntimeError("the engine wrote an empty clip")
    if size < data + 44 or os.stat(path).st_size != size:
        raise RuntimeError("the clip file is incomplete")
    return frames, rate


def serve(stdin: TextIO, out: TextIO, engine_factory=open_engine) -> int:
    def send(obj: dict[str, Any]) -> None:
        out.write(json.dumps(obj) + "\n")
        out.flush()

    try:
        server = Server(engine_factory())
    except Exception as exc:
        send({"ready": False, "error": str(exc)})
        return 3
    send({"ready": True, "engine": getattr(server.engine, "driver_name", "?"), "pid": os.getpid()})
    for line in stdin:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
        except ValueError:
            send({"ok": False, "error": "bad request"})
            continue
        send(server.handle(req))
    return 0


def end_with_parent(parent: int | None = None) -> None:
    """End this process when the app that started it is gone, even while the engine hangs
    (a hung worker never reads the end of its input). The app passes its pid in
    STENOSIS_PLAYER_PARENT_PID."""
    if parent is None:
        try:
            parent = int(os.environ.get("STENOSIS_PLAYER_PARENT_PID", ""))
        except ValueError:
            return
    # Not PR_SET_PDEATHSIG: it fires when the *thread* that started us ends, and the app
    # starts workers from short-lived threads. An orphan is re-parented, so poll for that.
    if os.name != "posix":
        return
    if os.getppid() != parent:  # it died already
        os._exit(0)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


# How much lower than the window a worker runs: a cold session's lines are made while the
# window lays out its first screens, and on two cores two workers at the same priority
# starved it for 100-200 ms at a time. Synthesis takes only what the window leaves.
WORKER_NICENESS = 10


def lower_priority(by: int = WORKER_NICENESS) -> None:
    """Run this process ``by`` steps nicer (POSIX; elsewhere, or when refused, as it is)."""
    if hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(by)


def main() -> int:
    end_with_parent()
    lower_priority()
    # Keep the protocol channel for ourselves: the eSpeak driver prints to stdout.
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115
    return serve(sys.stdin, out)


if __name__ == "__main__":
    sys.exit(main())
