"""Qt-free clip playback straight to the sound server through libpulse-simple (ctypes).

Why not QtMultimedia: to play a 22 kHz WAV it loads its FFmpeg backend, QtQuick, QtQml and
QtNetwork into the process (about 20 MB resident, see bench/bench_app.py); PortAudio
(sounddevice) loads every ALSA plugin (with the system's FFmpeg) as it lists devices, about
as much again. libpulse-simple is one small library that every Linux desktop has
(PulseAudio, or PipeWire's pulse server), and Debian's ``libpulse0`` package that Qt
already needed.

One thread owns the connection and writes each clip in 10 ms pieces into a 40 ms buffer;
``stop()`` is seen before the next piece and flushes the server's buffer, so the sound ends
within about 10 ms. The connection is made on the first clip (nothing is opened before the
window's first frame), follows the default output device, is dropped after a few idle
seconds, and is made again on the next clip, which is how the voice comes back after the
sound server restarted or a device returned.

Callbacks come on the playback thread: ``on_started(token, when)``, ``on_finished(token)``,
``on_error(token, message)`` (the clip did not play to its end; the message is for a user).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PIECE_S = 0.01  # written at a time: how soon a stop is seen
BUFFER_S = 0.04  # queued in the server: enough to ride over a busy moment
IDLE_CLOSE_S = 5.0  # an unused connection is closed after this long

_PA_SAMPLE_S16LE = 3
_PA_STREAM_PLAYBACK = 1
_PA_STREAM_RECORD = 2


class _SampleSpec(ctypes.Structure):
    _fields_ = (("format", ctypes.c_int), ("rate", ctypes.c_uint32), ("channels", ctypes.c_uint8))


class _BufferAttr(ctypes.Structure):
    _fields_ = (
        ("maxlength", ctypes.c_uint32),
        ("tlength", ctypes.c_uint32),
        ("prebuf", ctypes.c_uint32),
        ("minreq", ctypes.c_uint32),
        ("fragsize", ctypes.c_uint32),
    )


class PulseUnavailable(RuntimeError):
    """libpulse-simple cannot be loaded here (not Linux, or libpulse0 missing)."""


_lib: tuple[ctypes.CDLL, ctypes.CDLL] | None = None


def pulse_server_reachable() -> bool:
    """Whether a PulseAudio (or PipeWire-pulse) server's socket is there: a cheap look at
    the file, so that nothing connects before the window's first frame."""
    server = os.environ.get("PULSE_SERVER", "")
    if server:
        path = server.removeprefix("unix:")
        return not path.startswith("/") or Path(path).exists()
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if not runtime and hasattr(os, "getuid"):
        runtime = f"/run/user/{os.getuid()}"
    return bool(runtime) and Path(runtime, "pulse", "native").exists()


def load_library() -> tuple[ctypes.CDLL, ctypes.CDLL]:
    """libpulse-simple and libpulse (for error texts), with their signatures declared."""
    global _lib
    if _lib is not None:
        return _lib
    # find_library only where the usual name fails: it runs ldconfig (a subprocess; it
    # was most of the slice that opens the sound output)
    names = ("libpulse-simple.so.0", lambda: ctypes.util.find_library("pulse-simple"))
    simple = None
    for name in names:
        name = name() if callable(name) else name
        if not name:
            continue
        try:
            simple = ctypes.CDLL(name)
            break
        except OSError:
            continue
    if simple is None:
        raise PulseUnavailable("libpulse-simple not found (Debian: libpulse0)")
    try:
        pulse = ctypes.CDLL("libpulse.so.0")
    except OSError as exc:
        raise PulseUnavailable(f"libpulse not found: {exc}") from exc
    p, i = ctypes.c_void_p, ctypes.POINTER(ctypes.c_int)
    simple.pa_simple_new.restype = p
    simple.pa_simple_new.argtypes = (
        ctypes.c_char_p,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_char_p,
        ctypes.POINTER(_SampleSpec),
        p,
        ctypes.POINTER(_BufferAttr),
        i,
    )
    simple.pa_simple_write.argtypes = (p, ctypes.c_void_p, ctypes.c_size_t, i)
    simple.pa_simple_read.argtypes = (p, ctypes.c_void_p, ctypes.c_size_t, i)
    simple.pa_simple_flush.argtypes = (p, i)
    simple.pa_simple_free.argtypes = (p,)
    simple.pa_simple_get_latency.restype = ctypes.c_uint64
    simple.pa_simple_get_latency.argtypes = (p, i)
    pulse.pa_strerror.restype = ctypes.c_char_p
    pulse.pa_strerror.argtypes = (ctypes.c_int,)
    _lib = (simple, pulse)
    return _lib


@dataclass(frozen=True)
class Clip:
    """A WAV clip in memory, as 16-bit PCM."""

    pcm: bytes
    rate: int
    channels: int

    @property
    def seconds(self) -> float:
        return len(self.pcm) / (2 * self.channels * self.rate)

    @classmethod
    def load(cls, path: str | Path) -> Clip:
        with wave.open(str(path), "rb") as w:
            if w.getsampwidth() != 2:
                raise ValueError(f"{path}: only 16-bit clips can be played")
            return cls(w.readframes(w.getnframes()), w.getframerate(), w.getnchannels())


Started = Callable[[object, float], None]
Finished = Callable[[object], None]
Failed = Callable[[object, str], None]


class PulsePlayer:
    """Plays one clip at a time on the default output (see the module docstring)."""

    def __init__(
        self,
        on_started: Started,
        on_finished: Finished,
        on_error: Failed,
        app_name: str = "Stenosis Player",
    ) -> None:
        self._simple, self._pulse = load_library()
        self._on_started, self._on_finished, self._on_error = on_started, on_finished, on_error
        self._app_name = app_name.encode()
        self._cond = threading.Condition()
        self._next: tuple[object, Clip] | None = None
        self._stop_asked = False
        self._closed = False
        self._handle: int | None = None
        self._format: tuple[int, int] | None = None
        self._blocked_since: float | None = None  # inside a call to the server since
        self._thread = threading.Thread(target=self._run, name="pulse-playback", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ any thread
    def play(self, token: object, clip: Clip) -> None:
        """Play ``clip`` now, cutting the one in progress."""
        with self._cond:
            self._next = (token, clip)
            self._stop_asked = True
            self._cond.notify()

    def stop(self) -> None:
        """Silence at once (no callback for the clip that was cut)."""
        with self._cond:
            self._next = None
            self._stop_asked = True
            self._cond.notify()

    def blocked_for(self) -> float:
        """How long the playback thread has been inside a call to the sound server (0 when
        it is not): a server that stopped answering keeps it there."""
        since = self._blocked_since
        return 0.0 if since is None else time.monotonic() - since

    def close(self, timeout: float = 1.0) -> None:
        with self._cond:
            self._closed = True
            self._next = None
            self._stop_asked = True
            self._cond.notify()
        self._thread.join(timeout)

    # ------------------------------------------------------------------ playback thread
    def _run(self) -> None:
        while True:
            with self._cond:
                idle_since = time.monotonic()
                while self._next is None and not self._closed:
                    left = IDLE_CLOSE_S - (time.monotonic() - idle_since)
                    if self._handle is not None and left <= 0:
                        self._disconnect()
                    self._cond.wait(left if self._handle is not None and left > 0 else None)
                if self._closed:
                    self._disconnect()
                    return
                token, clip = self._next  # type: ignore[misc]
                self._next = None
                self._stop_asked = False
            self._play(token, clip)

    def _play(self, token: object, clip: Clip) -> None:
        try:
            self._connect(clip.rate, clip.channels)
        except OSError as exc:
            self._on_error(token, str(exc))
            return
        frame = 2 * clip.channels
        piece = max(frame, int(PIECE_S * clip.rate) * frame)
        started = False
        for offset in range(0, len(clip.pcm), piece):
            if self._stop_asked:
                self._flush()
                return
            if not self._write(clip.pcm[offset : offset + piece], token):
                return
            if not started:
                started = True
                self._on_started(token, time.monotonic() + self._latency())
        # all written: wait out what is still queued, still ready to be cut
        with self._cond:
            self._cond.wait_for(lambda: self._stop_asked, timeout=self._latency())
            cut = self._stop_asked
        if cut:
            self._flush()
        else:
            self._on_finished(token)

    def _connect(self, rate: int, channels: int) -> None:
        if self._handle is not None and self._format == (rate, channels):
            return
        self._disconnect()
        spec = _SampleSpec(_PA_SAMPLE_S16LE, rate, channels)
        bytes_per_s = rate * channels * 2
        unset = 0xFFFFFFFF
        attr = _BufferAttr(
            unset, int(BUFFER_S * bytes_per_s), unset, int(PIECE_S * bytes_per_s), unset
        )
        error = ctypes.c_int(0)
        self._blocked_since = time.monotonic()
        handle = self._simple.pa_simple_new(
            None,
            self._app_name,
            _PA_STREAM_PLAYBACK,
            None,  # the default output, followed when it changes
            b"voice",
            ctypes.byref(spec),
            None,
            ctypes.byref(attr),
            ctypes.byref(error),
        )
        self._blocked_since = None
        if not handle:
            raise OSError(f"cannot reach the sound output: {self._why(error.value)}")
        self._handle, self._format = handle, (rate, channels)

    def _write(self, data: bytes, token: object) -> bool:
        error = ctypes.c_int(0)
        self._blocked_since = time.monotonic()
        written = self._simple.pa_simple_write(self._handle, data, len(data), ctypes.byref(error))
        self._blocked_since = None
        if written < 0:
            self._disconnect()
            self._on_error(token, f"the sound output was lost: {self._why(error.value)}")
            return False
        return True

    def _latency(self) -> float:
        error = ctypes.c_int(0)
        self._blocked_since = time.monotonic()
        usec = self._simple.pa_simple_get_latency(self._handle, ctypes.byref(error))
        self._blocked_since = None
        return usec / 1e6 if usec != 2**64 - 1 else BUFFER_S

    def _flush(self) -> None:
        if self._handle is not None:
            error = ctypes.c_int(0)
            self._blocked_since = time.monotonic()
            flushed = self._simple.pa_simple_flush(self._handle, ctypes.byref(error))
            self._blocked_since = None
            if flushed < 0:
                self._disconnect()

    def _disconnect(self) -> None:
        if self._handle is not None:
            self._simple.pa_simple_free(self._handle)
        self._handle, self._format = None, None

    def _why(self, code: int) -> str:
        text = self._pulse.pa_strerror(code)
        return text.decode(errors="replace") if text else f"error {code}"


class PulseRecorder:
    """The default input, 16-bit mono at ``rate``, read ``block_s`` at a time (blocks).

    For the voice commands' microphone on Linux: PortAudio would list every ALSA device to
    open it, which loads each ALSA plugin (the system's FFmpeg among them), about 23 MB."""

    def __init__(self, rate: int, block_s: float, app_name: str = "Stenosis Player") -> None:
        self._simple, self._pulse = load_library()
        self.block_bytes = int(rate * block_s) * 2
        spec = _SampleSpec(_PA_SAMPLE_S16LE, rate, 1)
        unset = 0xFFFFFFFF
        attr = _BufferAttr(unset, unset, unset, unset, self.block_bytes)
        error = ctypes.c_int(0)
        handle = self._simple.pa_simple_new(
            None,
            app_name.encode(),
            _PA_STREAM_RECORD,
            None,  # the default input
            b"voice commands",
            ctypes.byref(spec),
            None,
            ctypes.byref(attr),
            ctypes.byref(error),
        )
        if not handle:
            raise OSError(self._why(error.value))
        self._handle: int | None = handle
        self._buffer = ctypes.create_string_buffer(self.block_bytes)

    def read(self) -> bytes:
        """The next block (blocks until it is there); OSError when the input is gone."""
        if self._handle is None:
            raise OSError("closed")
        error = ctypes.c_int(0)
        if (
            self._simple.pa_simple_read(
                self._handle, self._buffer, self.block_bytes, ctypes.byref(error)
            )
            < 0
        ):
            raise OSError(self._why(error.value))
        return self._buffer.raw

    def close(self) -> None:
        """Free the stream (call from the thread that reads, once it stopped reading)."""
        if self._handle is not None:
            self._simple.pa_simple_free(self._handle)
            self._handle = None

    def _why(self, code: int) -> str:
        text = self._pulse.pa_strerror(code)
        return text.decode(errors="replace") if text else f"error {code}"
