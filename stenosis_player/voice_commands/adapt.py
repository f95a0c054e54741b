"""Adapting the neural spotter to one user's voice from their enrolment takes (numpy only).

Settings' enrolment records every phrase two or three times (the enrolment package). Each take gives
windows the network should call that command (ending 0.15-0.6 s after the speech) and windows
it should call filler (the phrase cut off, the room before it, long after it). Only the last
layer is retrained on them, a few hundred plain gradient steps pulled back towards the shipped
weights (so ordinary speech stays filler), which takes well under a second.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .commands import DEFAULT_LEADING_WORD
from .features import LogMel, normalise
from .kws_model import KwsModel

SAMPLE_RATE = 16000
POSITIVE_AFTER_S = (0.15, 0.25, 0.35, 0.45, 0.6)  # window end this long after the speech
FILLER_AT_S = (-0.35, -0.2, 1.4)  # ... and these give filler (cut off; long past)


@dataclass(frozen=True)
class Take:
    phrase: str  # what was asked, e.g. "player next"
    pcm: bytes  # 16 kHz mono s16 little-endian
    speech_start: int  # samples
    speech_end: int


@dataclass(frozen=True)
class Adaptation:
    model: KwsModel  # the adapted copy
    takes_used: int
    phrases: tuple[str, ...]


def takes_from_enrolment(enrolment) -> list[Take]:
    """The takes of an ``enrolment.EnrolmentResult`` (anything with ``takes_with_phrases``)."""
    out = []
    for _cmd, phrase, audio in enrolment.takes_with_phrases():
        out.append(Take(phrase, audio.pcm, audio.speech_start, audio.speech_end))
    return out


def _padded(spec, take: Take) -> tuple[np.ndarray, int, np.ndarray] | None:
    """The take padded on both sides with its own room (so no window runs off the
    recording), where its speech ends in that, and the speech itself; None without speech."""
    audio = np.frombuffer(take.pcm, "<i2").astype(np.float32) / 32768.0
    start, end = int(take.speech_start), int(take.speech_end)
    if not 0 < end <= len(audio) or start >= end:
        return None
    # The quietest part of the take (before the speech) is the room.
    room = audio[: max(0, start - 800)]
    if len(room) < 1600:
        room = np.zeros(1600, dtype=np.float32)
    pad = spec.window_samples + 2 * SAMPLE_RATE
    filled = np.tile(room, int(np.ceil(pad / len(room))))[:pad]
    padded = np.concatenate([filled, audio, filled])
    return padded, end + pad, audio[max(0, start) : end]


def _cut(logmel: LogMel, spec, padded: np.ndarray, end: int, offsets) -> list[np.ndarray]:
    """Normalised windows of *padded* ending *offsets* seconds after sample *end*."""
    out = []
    for offset in offsets:
        stop = end + int(offset * SAMPLE_RATE)
        frames = logmel.frames(padded[stop - spec.window_samples : stop])
        if len(frames) == spec.window_frames:
            out.append(normalise(frames))
    return out


def _windows(model: KwsModel, take: Take) -> list[tuple[np.ndarray, bool]]:
    """(window, is the command) pairs cut from one take, padded with its own room noise."""
    spec = model.spec
    made = _padded(spec, take)
    if made is None:
        return []
    padded, end, _speech = made
    logmel = LogMel(spec)
    out = [(w, True) for w in _cut(logmel, spec, padded, end, POSITIVE_AFTER_S)]
    out += [(w, False) for w in _cut(logmel, spec, padded, end, FILLER_AT_S)]
    # the room alone
    out.append((normalise(logmel.frames(padded[: spec.window_samples])), False))
    return out


# -- noise copies ------------------------------------------------------------------------------
# The takes are recorded in a quiet room, so a last layer fitted to them alone never hears the
# user's voice in noise. Each take therefore also gives copies mixed with noise made here
# (never a recording): white, pink, and babble made from the take's own speech (several
# copies, reversed so no word is recognisable, shifted and summed). The babble comes from the
# take itself, not the user's other takes, so each take's windows depend on that take alone:
# the leave-one-take-out check (enrolment.NetworkCheck) then fits exactly what listening fits.
NOISE_KINDS = ("white", "pink", "babble")
NOISE_SNR_DB = (5.0, 20.0)  # each copy's speech-to-noise ratio, drawn per take and kind
NOISY_POSITIVE_AFTER_S = (0.15, 0.35, 0.6)
NOISY_FILLER_AT_S = (-0.2,)
BABBLE_TALKERS = 5
#: Whether adaptation adds the noise copies: on, as held-out voices heard more in noise with
#: them and no more false commands (evaluate_enrolment.py, modes enrolled and noisy).
NOISE_COPIES = True
#: The last layer's fit (fit_output): gradient steps, step size, pull towards the shipped weights.
FIT_STEPS = 300
FIT_RATE = 1.0
FIT_PULL = 0.003
# -- delivery copies -------------------------------------------------------------------------
# The takes are said as the app shows them: at the user's normal pace, "player" run into the
# command. People pause after "player" or slow down when they are tired or unsure, and those
# variants are the furthest from the goals (bench/voice_commands/enrolment_results.txt). Each
# take can therefore also give copies said otherwise, made from the take itself: room sound
# inserted at the quietest point between "player" and the command word (a pause), and the
# take played slower (resampled: slower and a little deeper, as a tired voice).
#: Whether adaptation adds the delivery copies: off. On the training voices slt and kal
#: (evaluate_enrolment.py --voices slt,kal --modes noisy,delivery) they heard 702 instead of
#: 698 of 1074 commands (a pause after "player" 84 instead of 80 of 144) with 4 instead of 6
#: false commands in 95 minutes, but Settings' check heard 21 instead of 23 of slt's 26 takes:
#: a few commands either way, not a gain to ship (bench/voice_commands/enrolment_results.txt).
DELIVERY_COPIES = False
PAUSE_S = (0.2, 0.5)  # the inserted pause, drawn per take
SLOW_FACTOR = 1.15  # the slower copy lasts this much longer (and is this much lower)
DELIVERY_POSITIVE_AFTER_S = (0.15, 0.35, 0.6)
#: Raise when the adaptation changes in a way the values in adaptation_parameters() do not
#: show: an adapted layer cached under the old version is then made again (adapt_cache.py).
ADAPT_VERSION = 1


def _pink(n: int, rng: np.random.Generator) -> np.ndarray:
    spectrum = np.fft.rfft(rng.standard_normal(n))
    spectrum /= np.sqrt(np.maximum(np.arange(len(spectrum)), 1.0))
    return np.fft.irfft(spectrum, n)


def _babble(n: int, speech: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    backwards = speech[::-1].astype(np.float64)
    loop = np.tile(backwards, int(np.ceil(n / len(backwards))) + 1)
    out = np.zeros(n)
    for _ in range(BABBLE_TALKERS):
        shift = int(rng.integers(0, len(backwards)))
        out += loop[shift : shift + n] * rng.uniform(0.6, 1.0)
    return out


def make_noise(kind: str, n: int, speech: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """*n* samples of *kind* noise ("white", "pink" or "babble" of *speech*), unit RMS."""
    if kind == "white":
        noise = rng.standard_normal(n)
    elif kind == "pink":
        noise = _pink(n, rng)
    elif kind == "babble":
        noise = _babble(n, speech, rng)
    else:
        raise ValueError(f"unknown noise kind {kind!r}")
    return noise / (float(np.sqrt(np.mean(noise**2))) + 1e-12)


def _seed(take: Take) -> int:
    """The same take always gets the same noise (adaptation is repeatable)."""
    return int.from_bytes(hashlib.blake2b(take.pcm, digest_size=8).digest(), "little")


def word_gap(take: Take) -> int | None:
    """The sample (in the take) at the quietest point between its leading word and the
    command word: the lowest 30 ms energy in 30-55 % of the speech (in flite rms's takes
    that is the end of "player" or the closure of the command's first stop consonant, as in
    "player b|ack"; a pause there still splits the phrase after "player" or early in the
    command word). None for a phrase without a leading word."""
    if not take.phrase.startswith(DEFAULT_LEADING_WORD + " "):
        return None  # "it hurts": no leading word to pause after
    audio = np.frombuffer(take.pcm, "<i2").astype(np.float64)
    start, end = int(take.speech_start), int(take.speech_end)
    lo, hi = start + int(0.3 * (end - start)), start + int(0.55 * (end - start))
    frame, hop = 480, 160
    if hi - lo < frame:
        return None
    energy = [float(np.mean(audio[i : i + frame] ** 2)) for i in range(lo, hi - frame, hop)]
    return lo + int(np.argmin(energy)) * hop + frame // 2


def delivery_takes(take: Take) -> list[tuple[Take, int | None]]:
    """Copies of *take* said otherwise (see DELIVERY_COPIES), each with the sample where the
    leading word alone has been said (the end of the pause) or None: with a pause after the
    leading word (the take's own room sound, PAUSE_S long, at word_gap), and SLOW_FACTOR
    slower."""
    audio = np.frombuffer(take.pcm, "<i2")
    start, end = int(take.speech_start), int(take.speech_end)
    if not 0 < end <= len(audio) or start >= end:
        return []
    rng = np.random.default_rng(_seed(take) ^ 0x5EED)
    out: list[tuple[Take, int | None]] = []
    gap = word_gap(take)
    room = audio[: max(0, start - 800)]
    if gap is not None and len(room) >= 1600:
        n = int(rng.uniform(*PAUSE_S) * SAMPLE_RATE)
        pause = np.tile(room, int(np.ceil(n / len(room))))[:n]
        pcm = np.concatenate([audio[:gap], pause, audio[gap:]]).tobytes()
        out.append((Take(take.phrase, pcm, start, end + n), gap + n))
    n = int(len(audio) * SLOW_FACTOR)
    slow = np.interp(np.arange(n) / SLOW_FACTOR, np.arange(len(audio)), audio.astype(np.float64))
    pcm = np.round(slow).astype("<i2").tobytes()
    out.append((Take(take.phrase, pcm, int(start * SLOW_FACTOR), int(end * SLOW_FACTOR)), None))
    return out


def delivery_windows(model: KwsModel, take: Take) -> list[tuple[np.ndarray, bool]]:
    """(window, is the command) pairs from *take*'s delivery copies: the command a little
    after its end; filler where it is cut off and, with a pause, right after "player" alone."""
    spec = model.spec
    logmel = LogMel(spec)
    out = []
    for copy, lead_end in delivery_takes(take):
        made = _padded(spec, copy)
        if made is None:
            continue
        padded, end, _speech = made
        out += [(w, True) for w in _cut(logmel, spec, padded, end, DELIVERY_POSITIVE_AFTER_S)]
        out += [(w, False) for w in _cut(logmel, spec, padded, end, NOISY_FILLER_AT_S)]
        if lead_end is not None:  # (padded's samples are the copy's shifted by end - speech end)
            at = lead_end + end - copy.speech_end
            out += [(w, False) for w in _cut(logmel, spec, padded, at, (0.0,))]
    return out


def noisy_windows(model: KwsModel, take: Take) -> list[tuple[np.ndarray, bool]]:
    """(window, is the command) pairs from copies of *take* mixed with each noise kind at an
    SNR drawn from NOISE_SNR_DB: the command a little after its end, the command cut off,
    and the noise over the room alone (filler: noise is not a command)."""
    spec = model.spec
    made = _padded(spec, take)
    if made is None:
        return []
    padded, end, speech = made
    level = float(np.sqrt(np.mean(speech.astype(np.float64) ** 2)))
    if level <= 0:
        return []
    rng = np.random.default_rng(_seed(take))
    logmel = LogMel(spec)
    out = []
    for kind in NOISE_KINDS:
        snr = rng.uniform(*NOISE_SNR_DB)
        noise = make_noise(kind, len(padded), speech, rng) * level / 10 ** (snr / 20)
        mixed = (padded + noise).astype(np.float32)
        out += [(w, True) for w in _cut(logmel, spec, mixed, end, NOISY_POSITIVE_AFTER_S)]
        out += [(w, False) for w in _cut(logmel, spec, mixed, end, NOISY_FILLER_AT_S)]
        out.append((normalise(logmel.frames(mixed[: spec.window_samples])), False))
    return out


@dataclass(frozen=True)
class TakeWindows:
    """One take's training windows as the network's last hidden layer sees them (the layers
    before it never change, so these are computed once per take and reused by every fit)."""

    phrase: str
    hidden: np.ndarray  # (windows, hidden units)
    labels: np.ndarray  # class index per window (0: filler)


def take_windows(
    model: KwsModel, take: Take, noise_copies: bool | None = None
) -> TakeWindows | None:
    """*take*'s windows (with its noise copies unless *noise_copies* is False; default
    NOISE_COPIES), or None when the model does not know its phrase or it has no speech."""
    classes = {c: i for i, c in enumerate(model.classes)}
    if take.phrase not in classes:
        return None
    pairs = _windows(model, take)
    if not pairs:
        return None
    if NOISE_COPIES if noise_copies is None else noise_copies:
        pairs += noisy_windows(model, take)
    if DELIVERY_COPIES:
        pairs += delivery_windows(model, take)
    hidden = np.stack([model.embedding(w) for w, _ in pairs]).astype(np.float64)
    labels = np.array([classes[take.phrase] if positive else 0 for _, positive in pairs])
    return TakeWindows(take.phrase, hidden, labels)


def fit_output(
    model: KwsModel,
    windows: Sequence[TakeWindows],
    steps: int = FIT_STEPS,
    rate: float = FIT_RATE,
    pull: float = FIT_PULL,
) -> KwsModel:
    """A copy of *model* whose last layer also fits *windows* (*model* itself if none)."""
    if not windows:
        return model
    h = np.concatenate([t.hidden for t in windows])
    y = np.concatenate([t.labels for t in windows])
    w0, b0 = (a.astype(np.float64) for a in model.fc[1])
    w, b = w0.copy(), b0.copy()
    onehot = np.eye(len(model.classes))[y]
    # a stable step for a softmax layer on inputs of this size: 1 / |h|^2
    step_w = rate / (float(np.mean(np.sum(h**2, axis=1))) + 1e-9)
    for _ in range(steps):
        z = h @ w + b
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        g = (p - onehot) / len(y)  # mean cross-entropy gradient
        w -= step_w * (h.T @ g) + pull * (w - w0)
        b -= rate * g.sum(axis=0) + pull * (b - b0)
    return model.with_output(w, b)


def adapt_output(
    model: KwsModel,
    takes: Iterable[Take],
    steps: int = FIT_STEPS,
    rate: float = FIT_RATE,
    pull: float = FIT_PULL,
    noise_copies: bool | None = None,
) -> Adaptation:
    """A copy of *model* whose last layer also fits *takes* (and their noise copies, see
    take_windows). Takes of phrases the model does not know, or without speech, are left
    out; with none left the model is returned as is."""
    windows = [w for w in (take_windows(model, t, noise_copies) for t in takes) if w is not None]
    if not windows:
        return Adaptation(model, 0, ())
    adapted = fit_output(model, windows, steps, rate, pull)
    return Adaptation(adapted, len(windows), tuple(sorted({w.phrase for w in windows})))


def adaptation_parameters() -> dict:
    """Everything adapt_output's result depends on besides the takes and the base network, as
    it is set now (the adapted-layer cache is keyed by it)."""
    params = {
        "version": ADAPT_VERSION,
        "steps": FIT_STEPS,
        "rate": FIT_RATE,
        "pull": FIT_PULL,
        "positive_after_s": POSITIVE_AFTER_S,
        "filler_at_s": FILLER_AT_S,
        "noise_copies": NOISE_COPIES,
        "noise_kinds": NOISE_KINDS,
        "noise_snr_db": NOISE_SNR_DB,
        "noisy_positive_after_s": NOISY_POSITIVE_AFTER_S,
        "noisy_filler_at_s": NOISY_FILLER_AT_S,
        "babble_talkers": BABBLE_TALKERS,
    }
    if DELIVERY_COPIES:  # (only then: layers cached without them stay valid)
        params["delivery"] = {
            "pause_s": PAUSE_S,
            "slow_factor": SLOW_FACTOR,
            "positive_after_s": DELIVERY_POSITIVE_AFTER_S,
        }
    return params
