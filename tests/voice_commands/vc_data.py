"""Helpers for the voice-command tests: the small generated data set in tests/data."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[1] / "data" / "voice_commands"


def read_pcm(rel: str) -> bytes:
    with wave.open(str(DATA / rel), "rb") as w:
        return w.readframes(w.getnframes())


TAKES = Path(__file__).resolve().parents[1] / "data" / "voice_enrolment"  # flite rms's takes


def take_speech(name: str) -> np.ndarray:
    """One recorded enrolment take of ``TAKES`` as float samples."""
    with wave.open(str(TAKES / name), "rb") as w:
        return np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float64)


def said_in_a_quiet_room(plan, seed: int) -> list[bytes]:
    """The planned phrases (rms's takes) said one after another, 1.5 s of a quiet room
    between them, as the microphone's 100 ms blocks."""
    rng = np.random.default_rng(seed)
    parts = []
    for p in plan:
        parts += [rng.normal(0, 30, int(1.5 * 16000))]
        parts += [take_speech(f"rms_{p.phrase.replace(' ', '_')}_{p.of_phrase[0]}.wav")]
    parts.append(rng.normal(0, 30, int(1.5 * 16000)))
    pcm = np.clip(np.concatenate(parts), -32768, 32767).astype("<i2").tobytes()
    return [pcm[i : i + 3200] for i in range(0, len(pcm), 3200)]


def feed_all(rec, pcm: bytes, chunk_s: float = 0.1) -> list:
    step = int(16000 * chunk_s) * 2
    heard = []
    for i in range(0, len(pcm), step):
        heard += rec.feed(pcm[i : i + step])
    return heard


# -- the app's voice heard through a room, for the echo-cancelling tests --------------------
RATE = 16000
APP_VOICE = "negatives/app_script/espeak_000.wav"  # eSpeak NG reading the app's script


def samples(rel: str) -> np.ndarray:
    """A test WAV as float samples in -1..1."""
    return np.frombuffer(read_pcm(rel), "<i2").astype(np.float64) / 32768.0


APP_VOICE = "negatives/app_script/espeak_000.wav"  # eSpeak NG reading the app's script


def room(latency_s: float = 0.06, seed: int = 3) -> np.ndarray:
    """Loudspeaker-to-microphone echo path: latency, direct sound, a decaying tail."""
    rng = np.random.default_rng(seed)
    latency, tail = int(latency_s * RATE), int(0.25 * RATE)
    ir = np.zeros(latency + tail)
    ir[latency] = 0.5
    ir[latency + 1 :] = rng.normal(0, 0.06, tail - 1) * np.exp(-np.arange(1, tail) / 800)
    return ir


def echo_of(played: np.ndarray, ir: np.ndarray) -> np.ndarray:
    """What the microphone hears of *played*: a slightly distorting speaker, then the room."""
    return np.convolve(np.tanh(1.2 * played) / 1.2, ir)[: len(played)]


def to_pcm(x: np.ndarray) -> bytes:
    return (np.clip(x, -1, 32767 / 32768) * 32768).astype("<i2").tobytes()


def over_the_app(command_rel: str, ratio_db: float = 0.0) -> tuple[bytes, np.ndarray]:
    """Microphone audio of the app speaking, with a command said over it at 4 s, *ratio_db*
    louder than the app's voice; and the clip the app played."""
    played = samples(APP_VOICE)
    echo = echo_of(played, room())
    command = samples(command_rel)
    at = 4 * RATE
    gain = np.sqrt(np.mean(echo**2) * 10 ** (ratio_db / 10) / np.mean(command**2))
    mic = echo.copy()
    mic[at : at + len(command)] += gain * command
    return to_pcm(mic), played


def write_wav(path: Path, pcm: bytes) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm)
    return path


def in_pink_noise(rel: str, snr_db: float, seed: int = 7) -> bytes:
    """A clean test recording with pink noise mixed in at *snr_db* (over its speech)."""
    x = samples(rel)
    rng = np.random.default_rng(seed)
    spectrum = np.fft.rfft(rng.normal(size=len(x)))
    spectrum[1:] /= np.sqrt(np.arange(1, len(spectrum)))  # 1/f power: pink
    noise = np.fft.irfft(spectrum, len(x))
    speech_power = np.mean(x[np.abs(x) > 0.01] ** 2)
    noise *= np.sqrt(speech_power / 10 ** (snr_db / 10) / np.mean(noise**2))
    return to_pcm(x + noise)
