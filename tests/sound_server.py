"""A private PulseAudio sound server for the real-audio tests and benchmarks.

There is no sound card on the test machines, but PulseAudio runs as a user daemon with null
sinks as devices, which gives Qt and PortAudio real outputs and inputs:

- ``speakers``: a null sink, the default output; its monitor is what the user would hear;
- ``micsink`` + ``mic``: a second null sink whose monitor is remapped as the default input,
  so sound played into ``micsink`` is what the user says into the microphone.

The daemon gets its own runtime folder (a user's own sound server is never touched), is
started with no configuration file (``-n``) and is stopped by the PID it writes there.
``SoundServer.env`` is what a client needs to reach it; ``activate()`` puts that into
``os.environ`` for the clients in this process (Qt, PortAudio, our playback).

Qt-free and pytest-free, so ``bench/`` uses it too.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import wave
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

PACKAGES = "pulseaudio pulseaudio-utils"
TOOLS = ("pulseaudio", "pactl", "parec", "paplay")


def missing_tools() -> list[str]:
    """The sound-server programs this machine lacks ([] when all are there)."""
    return [t for t in TOOLS if shutil.which(t) is None]


class SoundServerError(RuntimeError):
    """The daemon would not start or a ``pactl`` command failed (the message says which)."""


@dataclass
class Recording:
    """What a source captured, with the monotonic time of its first sample."""

    samples: np.ndarray  # float32 in [-1, 1], mono
    rate: int
    t0: float  # time.monotonic() at samples[0]

    def at(self, t: float) -> int:
        """Sample index at monotonic time ``t`` (clamped to the recording)."""
        return int(min(max(0.0, (t - self.t0) * self.rate), len(self.samples)))

    def time_of(self, index: int) -> float:
        return self.t0 + index / self.rate

    def rms(self, start: float, end: float) -> float:
        """Root mean square between two monotonic times (0.0 when the span is empty)."""
        part = self.samples[self.at(start) : self.at(end)]
        return float(np.sqrt(np.mean(part * part))) if len(part) else 0.0


@dataclass
class _Recorder:
    proc: subprocess.Popen
    rate: int
    chunks: list[tuple[float, bytes]] = field(default_factory=list)
    thread: threading.Thread | None = None


class Recorder:
    """``parec`` reading a source in the background; ``stop()`` returns the Recording.

    The time of each sample is worked out from when its chunk arrived: a chunk can only
    arrive after its last sample was captured, so the earliest (arrival − samples so far)
    over all chunks bounds the first sample's time within the recorder's latency (10 ms)."""

    def __init__(self, env: dict[str, str], source: str, rate: int = 22050) -> None:
        self._r = _Recorder(
            subprocess.Popen(
                [
                    "parec",
                    f"--device={source}",
                    f"--rate={rate}",
                    "--channels=1",
                    "--format=s16le",
                    "--latency-msec=10",
                    "--raw",
                ],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                stdin=subprocess.DEVNULL,
            ),
            rate,
        )
        self._r.thread = threading.Thread(target=self._read, daemon=True, name="parec")
        self._r.thread.start()

    def _read(self) -> None:
        out = self._r.proc.stdout
        assert out is not None
        while True:
            data = out.read1(4096)  # type: ignore[attr-defined]
            if not data:
                return
            self._r.chunks.append((time.monotonic(), data))

    def wait_started(self, timeout: float = 5.0) -> None:
        """Block until the first audio arrived (the stream is connected and running)."""
        deadline = time.monotonic() + timeout
        while not self._r.chunks:
            if time.monotonic() > deadline or self._r.proc.poll() is not None:
                raise SoundServerError("parec delivered no audio")
            time.sleep(0.01)

    def snapshot(self) -> Recording:
        """What was captured so far (recording goes on)."""
        chunks = list(self._r.chunks)
        raw = b"".join(d for _, d in chunks)
        raw = raw[: len(raw) // 2 * 2]
        samples = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
        t0 = time.monotonic()
        total = 0
        for arrived, data in chunks:
            total += len(data) // 2
            t0 = min(t0, arrived - total / self._r.rate)
        return Recording(samples, self._r.rate, t0)

    def stop(self) -> Recording:
        self._r.proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._r.proc.wait(timeout=5)
        if self._r.proc.poll() is None:
            self._r.proc.kill()
            self._r.proc.wait()
        if self._r.thread is not None:
            self._r.thread.join(timeout=5)
        return self.snapshot()


class SoundServer:
    """A private PulseAudio daemon with speakers and a virtual microphone (see the module)."""

    def __init__(self, mic: bool = True) -> None:
        self.mic = mic
        # A short path of our own: the socket path must fit in 108 bytes.
        self.runtime_dir = Path(tempfile.mkdtemp(prefix="stenosis-pa-"))
        self.env = {
            **os.environ,
            "XDG_RUNTIME_DIR": str(self.runtime_dir),
            "PULSE_SERVER": f"unix:{self.runtime_dir / 'pulse' / 'native'}",
            "PULSE_RUNTIME_PATH": str(self.runtime_dir / "pulse"),
            "PULSE_STATE_PATH": str(self.runtime_dir / "state"),
            "PULSE_COOKIE": str(self.runtime_dir / "cookie"),
        }
        self.pid: int | None = None
        self._saved_env: dict[str, str | None] = {}

    # ------------------------------------------------------------------ life
    def start(self, timeout: float = 10.0) -> SoundServer:
        modules = [
            "module-native-protocol-unix auth-anonymous=1",
            "module-null-sink sink_name=speakers rate=44100",
        ]
        if self.mic:
            modules += [
                "module-null-sink sink_name=micsink rate=16000 channels=1",
                "module-remap-source source_name=mic master=micsink.monitor",
            ]
        argv = [
            "pulseaudio",
            "-n",
            "--daemonize=yes",
            "--exit-idle-time=-1",
            "--disable-shm=yes",
            "--use-pid-file=yes",
            "--log-target=file:" + str(self.runtime_dir / "pulseaudio.log"),
            *(f"--load={m}" for m in modules),
        ]
        done = subprocess.run(
            argv, env=self.env, capture_output=True, text=True, timeout=timeout, check=False
        )
        pid_file = self.runtime_dir / "pulse" / "pid"
        deadline = time.monotonic() + timeout
        while not pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        if done.returncode != 0 or not pid_file.exists():
            self.stop()
            raise SoundServerError(
                f"pulseaudio did not start (exit {done.returncode}): "
                f"{(done.stderr or '').strip() or self.log_tail()}"
            )
        self.pid = int(pid_file.read_text().split()[0])
        self.wait_ready(timeout)
        self.pactl("set-default-sink", "speakers")
        if self.mic:
            self.pactl("set-default-source", "mic")
        return self

    def wait_ready(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            probe = subprocess.run(
                ["pactl", "info"], env=self.env, capture_output=True, text=True, check=False
            )
            if probe.returncode == 0:
                return
            if time.monotonic() > deadline:
                raise SoundServerError(f"pulseaudio does not answer: {probe.stderr.strip()}")
            time.sleep(0.05)

    def log_tail(self, lines: int = 5) -> str:
        try:
            text = (self.runtime_dir / "pulseaudio.log").read_text(errors="replace")
        except OSError:
            return ""
        return " | ".join(text.strip().splitlines()[-lines:])

    def alive(self) -> bool:
        if self.pid is None:
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def kill(self) -> None:
        """End the daemon at once (a crash, as the app sees it)."""
        if self.pid is not None and self.alive():
            os.kill(self.pid, signal.SIGKILL)
            self._wait_gone(5.0)
        self.pid = None

    def restart(self) -> None:
        """Start the daemon again in the same runtime folder (clients find it again)."""
        self.kill()
        with contextlib.suppress(FileNotFoundError):
            (self.runtime_dir / "pulse" / "pid").unlink()
        self.start()

    def _wait_gone(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.alive() and time.monotonic() < deadline:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid or -1, os.WNOHANG)
            time.sleep(0.02)

    def stop(self) -> None:
        """End the daemon by its PID and remove its runtime folder."""
        self.deactivate()
        if self.pid is not None and self.alive():
            os.kill(self.pid, signal.SIGTERM)
            self._wait_gone(5.0)
            if self.alive():
                os.kill(self.pid, signal.SIGKILL)
                self._wait_gone(2.0)
        self.pid = None
        shutil.rmtree(self.runtime_dir, ignore_errors=True)

    def __enter__(self) -> SoundServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ this process
    def activate(self) -> None:
        """Point this process's sound clients at this server (undone by ``deactivate``)."""
        for key in ("XDG_RUNTIME_DIR", "PULSE_SERVER", "PULSE_RUNTIME_PATH", "PULSE_COOKIE"):
            self._saved_env.setdefault(key, os.environ.get(key))
            os.environ[key] = self.env[key]

    def deactivate(self) -> None:
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env.clear()

    # ------------------------------------------------------------------ control
    def pactl(self, *args: str) -> str:
        done = subprocess.run(
            ["pactl", *args], env=self.env, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise SoundServerError(f"pactl {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def load_module(self, name: str, *args: str) -> int:
        return int(self.pactl("load-module", name, *args).strip())

    def module_of_sink(self, sink: str) -> int:
        for line in self.pactl("list", "short", "modules").splitlines():
            parts = line.split("\t")
            if len(parts) >= 3 and f"sink_name={sink}" in parts[2]:
                return int(parts[0])
        raise SoundServerError(f"no module made the sink {sink!r}")

    def sinks(self) -> list[str]:
        return [
            line.split("\t")[1]
            for line in self.pactl("list", "short", "sinks").splitlines()
            if line.strip()
        ]

    def sink_inputs(self) -> list[str]:
        """One line per stream playing into a sink: 'index sink-index ...'."""
        return [s for s in self.pactl("list", "short", "sink-inputs").splitlines() if s.strip()]

    def record(self, source: str = "speakers.monitor", rate: int = 22050) -> Recorder:
        """Start recording ``source``; ``stop()`` the result to get the Recording."""
        recorder = Recorder(self.env, source, rate)
        recorder.wait_started()
        return recorder

    def say_into_mic(self, wav: str | os.PathLike[str]) -> subprocess.Popen:
        """Play a WAV file into the virtual microphone (returns the running ``paplay``)."""
        return subprocess.Popen(
            ["paplay", "--device=micsink", os.fspath(wav)],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )


def read_wav(path: str | os.PathLike[str]) -> tuple[np.ndarray, int]:
    """A 16-bit WAV file as mono float32 samples and its rate."""
    with wave.open(os.fspath(path), "rb") as w:
        rate, channels = w.getframerate(), w.getnchannels()
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32)
    if channels > 1:
        data = data.reshape(-1, channels).mean(axis=1)
    return data / 32768.0, rate


def find_onset(
    recording: Recording, clip: np.ndarray, near: float, before: float = 0.3, after: float = 0.6
) -> tuple[float, float]:
    """Where ``clip`` (same rate as the recording) starts in it, searched from ``near -
    before`` to ``near + after`` seconds: (monotonic time, normalised correlation 0..1)."""
    probe = clip[: int(0.4 * recording.rate)]
    probe = probe - probe.mean()
    lo = recording.at(near - before)
    hi = min(len(recording.samples), recording.at(near + after) + len(probe))
    window = recording.samples[lo:hi]
    if len(window) < len(probe) or not np.any(probe):
        return float("nan"), 0.0
    corr = np.correlate(window, probe, mode="valid")
    # normalise by the energy of each window position, so loud noise does not win
    energy = np.convolve(window * window, np.ones(len(probe)), mode="valid")
    norm = corr / (np.sqrt(np.maximum(energy, 1e-12)) * np.linalg.norm(probe))
    best = int(np.argmax(norm))
    return recording.time_of(lo + best), float(norm[best])


def last_heard(
    recording: Recording, clip: np.ndarray, onset: float, frame_s: float = 0.01
) -> float:
    """The monotonic time at which ``clip``, playing from ``onset``, was last heard in the
    recording. A frame counts as the clip's when it has the clip's shape (correlation over
    0.7) and its loudness (within a factor 1.4): the next line, in the same voice and at the
    same pitch, can correlate by chance with a frame but not at the same loudness as well."""
    start = recording.at(onset)
    n = int(frame_s * recording.rate)
    last = onset
    for i in range(0, len(clip) - n, n):
        got = recording.samples[start + i : start + i + n]
        want = clip[i : i + n]
        if len(got) < n:
            break
        g, w = float(np.linalg.norm(got)), float(np.linalg.norm(want))
        if w < 1e-2:
            continue  # a pause inside the clip: nothing to match
        match = float(np.dot(got, want) / (g * w + 1e-9))
        if match > 0.7 and 1 / 1.4 < g / w < 1.4:
            last = recording.time_of(start + i + n)
    return last
