"""Audio capture for the voice commands, off the UI thread, in memory only.

Sources yield 16 kHz mono int16 PCM in blocks of about 100 ms. :class:`Microphone` reads the
default input device with ``sounddevice`` (PortAudio); :class:`WavSource` plays a WAV file (for
tests and ``stenosis-player listen --wav``). Nothing is ever written to disk.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
import wave
from collections import deque
from collections.abc import Iterator
from pathlib import Path

SAMPLE_RATE = 16000
BLOCK_S = 0.1

INSTALL_HINT = (
    "install the sound libraries (Debian/Ubuntu: apt-get install libportaudio2; "
    "Python: pip install sounddevice)"
)


class MicrophoneUnavailable(RuntimeError):
    """No usable microphone; the message says what is wrong and what to do."""


class AudioSource:
    """A stream of PCM blocks. ``blocks()`` is meant to run on a worker thread; ``close()``
    may be called from any thread and makes ``blocks()`` end."""

    #: Monotonic time at which the last block yielded ended, where the source knows it; it
    #: places the app's speech clips in the stream for the echo canceller.
    captured_at: float | None = None

    def blocks(self) -> Iterator[bytes]:  # pragma: no cover - interface
        raise NotImplementedError

    def close(self) -> None:  # pragma: no cover - interface
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class WavSource(AudioSource):
    """Reads a PCM WAV file (any sample rate, mono or more channels, 8/16/24/32-bit; other
    than 16 kHz mono 16-bit it is converted in memory). With ``realtime=True`` it paces the
    blocks like a microphone would."""

    def __init__(self, path: str | Path, realtime: bool = False, block_s: float = BLOCK_S):
        self.path = Path(path)
        self.realtime = realtime
        self.block_s = block_s
        self._closed = threading.Event()
        #: How the file was converted ("" if it was already 16 kHz mono 16-bit).
        self.converted = ""
        self._pcm: bytes | None = None
        try:
            with wave.open(str(self.path), "rb") as w:
                fmt = (w.getframerate(), w.getnchannels(), w.getsampwidth())
                if fmt != (SAMPLE_RATE, 1, 2):
                    raw = w.readframes(w.getnframes())
        except (OSError, wave.Error, EOFError) as exc:
            raise MicrophoneUnavailable(
                f"Cannot read {self.path}: {exc} (a PCM WAV file is needed; convert others "
                f"with: sox {self.path} -r 16000 -c 1 -b 16 out.wav)"
            ) from exc
        if fmt != (SAMPLE_RATE, 1, 2):
            self._pcm = _to_16k_mono(raw, *fmt, self.path)
            self.converted = f"{fmt[0]} Hz, {fmt[1]} channel(s), {8 * fmt[2]}-bit"

    def _read(self, n: int) -> Iterator[bytes]:
        if self._pcm is not None:
            for i in range(0, len(self._pcm), 2 * n):
                yield self._pcm[i : i + 2 * n]
            return
        with wave.open(str(self.path), "rb") as w:
            while data := w.readframes(n):
                yield data

    def blocks(self) -> Iterator[bytes]:
        n = int(SAMPLE_RATE * self.block_s)
        t0 = time.monotonic()
        sent = 0
        for data in self._read(n):
            if self._closed.is_set():
                return
            if self.realtime:
                delay = t0 + sent / SAMPLE_RATE - time.monotonic()
                if delay > 0 and self._closed.wait(delay):
                    return
            sent += len(data) // 2
            if self.realtime:
                self.captured_at = t0 + sent / SAMPLE_RATE
            yield data

    def close(self) -> None:
        self._closed.set()


def _to_16k_mono(raw: bytes, rate: int, channels: int, width: int, path: Path) -> bytes:
    """PCM of any rate, channel count and sample width as 16 kHz mono 16-bit."""
    try:
        import numpy as np

        from .echo import resample
    except ImportError as exc:  # pragma: no cover - numpy is a dependency
        raise MicrophoneUnavailable(f"Cannot convert {path}: {exc}") from exc
    if width == 1:  # 8-bit WAV is unsigned
        x = (np.frombuffer(raw, np.uint8).astype(np.float32) - 128) / 128
    elif width == 2:
        x = np.frombuffer(raw, "<i2").astype(np.float32) / 32768
    elif width == 3:
        b = np.frombuffer(raw, np.uint8).reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        x = (np.where(v >= 1 << 23, v - (1 << 24), v) / float(1 << 23)).astype(np.float32)
    elif width == 4:
        x = np.frombuffer(raw, "<i4").astype(np.float32) / 2**31
    else:
        raise MicrophoneUnavailable(f"{path}: {8 * width}-bit samples are not supported")
    x = x[: len(x) // channels * channels].reshape(-1, channels).mean(axis=1)
    y = resample(x, rate, SAMPLE_RATE)
    return (np.clip(y, -1, 32767 / 32768) * 32768).astype("<i2").tobytes()


def _import_sounddevice():
    try:
        import sounddevice
    except ImportError as exc:
        raise MicrophoneUnavailable(
            f"Voice commands need the sounddevice package: {INSTALL_HINT}."
        ) from exc
    except OSError as exc:  # PortAudio library missing
        raise MicrophoneUnavailable(
            f"The PortAudio library is missing ({exc}): {INSTALL_HINT}."
        ) from exc
    return sounddevice


def no_microphone(exc: BaseException) -> str:
    """What to do first; the sound system's own words last, for whoever helps (they read
    "Error querying device -1" in the middle of the sentence a user needs)."""
    return (
        "No microphone found. Plug one in or choose it in the system's sound settings; the "
        f"session goes on without voice commands. (The sound system said: {exc}.)"
    )


class Microphone(AudioSource):
    """The default input device, read by PortAudio's own thread into a queue."""

    def __init__(self, device: int | str | None = None, block_s: float = BLOCK_S):
        sd = _import_sounddevice()
        self._queue: queue.Queue[tuple[bytes, float] | None] = queue.Queue(maxsize=100)
        self._closed = threading.Event()
        try:
            info = sd.query_devices(device, kind="input")
        except Exception as exc:  # sounddevice raises ValueError or PortAudioError
            raise MicrophoneUnavailable(no_microphone(exc)) from exc
        self.device_name = str(info.get("name", "microphone"))
        try:
            self._stream = sd.RawInputStream(
                samplerate=SAMPLE_RATE,
                blocksize=int(SAMPLE_RATE * block_s),
                device=device,
                channels=1,
                dtype="int16",
                callback=self._callback,
            )
            self._stream.start()
        except Exception as exc:
            raise MicrophoneUnavailable(
                f"The microphone {self.device_name!r} cannot be opened at 16 kHz mono ({exc})."
            ) from exc

    def _callback(self, indata, frames, time_info, status) -> None:
        # If the recogniser fell behind, drop audio rather than let the queue grow.
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait((bytes(indata), time.monotonic()))

    def blocks(self) -> Iterator[bytes]:
        while not self._closed.is_set():
            try:
                block = self._queue.get(timeout=0.5)
            except queue.Empty:
                if not self._stream.active:
                    raise MicrophoneUnavailable(
                        "The microphone stopped delivering sound."
                    ) from None
                continue
            if block is None:
                return
            data, self.captured_at = block
            yield data

    def close(self) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        with contextlib.suppress(Exception):
            self._stream.stop()
            self._stream.close()
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(None)


class CaptureClock:
    """When each sample was captured, from when the blocks holding it arrived.

    A block arrives some time after its last sample was captured, and how long after varies
    with how busy the machine is (here 36-156 ms apart for 100 ms blocks under load, when
    they should be 100 ms apart). The earliest arrival over the last ``window_s``, less the
    samples that came since, is the best bound: the sound server's own fixed latency stays,
    which the echo canceller finds from the sound. The window is short enough for the two
    clocks' drift (a sound card's clock is off by up to ~100 ppm: 1 ms in 10 s)."""

    def __init__(self, rate: int = SAMPLE_RATE, window_s: float = 10.0) -> None:
        self.rate = rate
        self._offsets: deque[tuple[int, float]] = deque()  # (samples so far, arrival - them)
        self._window = int(window_s * rate)

    def captured(self, samples: int, arrived: float) -> float:
        """The monotonic time the *samples*-th sample was captured; its block arrived at
        *arrived*."""
        offset = arrived - samples / self.rate
        while self._offsets and self._offsets[-1][1] >= offset:  # a later arrival: never
            self._offsets.pop()  # the earliest again (a running minimum, kept short)
        self._offsets.append((samples, offset))
        while self._offsets[0][0] < samples - self._window:
            self._offsets.popleft()
        return self._offsets[0][1] + samples / self.rate


class PulseMicrophone(AudioSource):
    """The default input, read straight from the sound server (libpulse-simple) on a thread
    of its own into a queue. On Linux it replaces PortAudio, whose device scan loads every
    ALSA plugin (about 23 MB, see ``voice.pulse``); same blocks, same ``captured_at``."""

    def __init__(self, block_s: float = BLOCK_S) -> None:
        from ..voice.pulse import PulseRecorder, PulseUnavailable

        self.device_name = "the default microphone"
        try:
            self._recorder = PulseRecorder(SAMPLE_RATE, block_s)
        except (OSError, PulseUnavailable) as exc:
            raise MicrophoneUnavailable(no_microphone(exc)) from exc
        self._queue: queue.Queue[tuple[bytes, float, float] | None] = queue.Queue(maxsize=100)
        self._closed = threading.Event()
        self._failed: str | None = None
        #: When the last block reached this process (``captured_at`` is when it was heard).
        self.arrived_at: float | None = None
        self._thread = threading.Thread(target=self._read, name="pulse-microphone", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        clock, read = CaptureClock(), 0
        try:
            while not self._closed.is_set():
                try:
                    data = self._recorder.read()
                except OSError as exc:
                    self._failed = str(exc)
                    break
                arrived = time.monotonic()
                read += len(data) // 2
                with contextlib.suppress(queue.Full):  # the recogniser fell behind: drop
                    self._queue.put_nowait((data, clock.captured(read, arrived), arrived))
        finally:
            self._recorder.close()
            with contextlib.suppress(queue.Full):
                self._queue.put_nowait(None)

    def blocks(self) -> Iterator[bytes]:
        while True:
            block = self._queue.get()
            if block is None:
                if self._failed and not self._closed.is_set():
                    raise MicrophoneUnavailable(
                        f"The microphone stopped delivering sound ({self._failed})."
                    )
                return
            data, self.captured_at, self.arrived_at = block
            yield data

    def close(self) -> None:
        self._closed.set()  # the reading thread ends after its current block (100 ms)


def default_microphone() -> AudioSource:
    """The default input: straight from the sound server where there is one (Linux),
    else through PortAudio. Raises MicrophoneUnavailable."""
    from ..voice.pulse import PulseUnavailable, load_library, pulse_server_reachable

    if pulse_server_reachable():
        try:
            load_library()
        except PulseUnavailable:  # no libpulse here: PortAudio
            return Microphone()
        return PulseMicrophone()
    return Microphone()


def open_source(wav: str | Path | None = None, realtime: bool = False) -> AudioSource:
    """A WAV file if given, else the default microphone. Raises MicrophoneUnavailable."""
    if wav is not None:
        return WavSource(wav, realtime=realtime)
    return default_microphone()
