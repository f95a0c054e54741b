"""Delivery copies of the enrolment takes (issue 19): each take also said with a pause after
"player" and slower, made from the take itself."""

from __future__ import annotations

import numpy as np
import pytest

from stenosis_player.voice_commands import adapt
from stenosis_player.voice_commands.adapt import Take
from stenosis_player.voice_commands.kws_model import KwsModel
from stenosis_player.voice_commands.neural import default_model_path

RATE = 16000


def _voiced(seconds: float, f0: float, rng: np.random.Generator) -> np.ndarray:
    """A vowel-like sound: harmonics of *f0* with a little noise, at speech level."""
    t = np.arange(int(seconds * RATE)) / RATE
    x = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 8))
    return 6000 * x / np.max(np.abs(x)) + rng.normal(0, 50, len(t))


def _two_words(dip_at: float = 0.5) -> tuple[Take, int]:
    """A take of two 'words' (voiced sounds) in a quiet room, with a 40 ms near-silent dip
    between them *dip_at* of the way through the speech; and where the dip is."""
    rng = np.random.default_rng(7)
    speech_s = 0.6
    first = _voiced(dip_at * speech_s - 0.02, 140, rng)
    dip = rng.normal(0, 50, int(0.04 * RATE))
    second = _voiced((1 - dip_at) * speech_s - 0.02, 120, rng)
    room = rng.normal(0, 30, int(0.5 * RATE))
    x = np.concatenate([room, first, dip, second, room])
    start = len(room)
    end = start + len(first) + len(dip) + len(second)
    pcm = np.clip(x, -32768, 32767).astype("<i2").tobytes()
    return Take("player back", pcm, start, end), start + len(first) + len(dip) // 2


@pytest.mark.parametrize("dip_at", [0.35, 0.45, 0.5])
def test_the_pause_goes_where_the_words_meet(dip_at):
    take, dip = _two_words(dip_at)
    gap = adapt.word_gap(take)
    assert gap is not None and abs(gap - dip) <= 0.02 * RATE, (gap, dip)
    # "it hurts" has no leading word to pause after
    assert adapt.word_gap(Take("it hurts", take.pcm, take.speech_start, take.speech_end)) is None


def test_the_pause_copy_is_the_take_with_its_own_room_inserted_and_repeatable():
    take, _ = _two_words()
    gap = adapt.word_gap(take)
    copies = adapt.delivery_takes(take)
    assert len(copies) == 2
    (paused, lead_end), (_slow, none) = copies
    assert none is None and adapt.delivery_takes(take) == copies  # the same every time
    n = lead_end - gap
    assert adapt.PAUSE_S[0] * RATE <= n <= adapt.PAUSE_S[1] * RATE
    before = np.frombuffer(take.pcm, "<i2")
    after = np.frombuffer(paused.pcm, "<i2")
    assert len(after) == len(before) + n
    assert np.array_equal(after[:gap], before[:gap])
    assert np.array_equal(after[gap + n :], before[gap:])
    inserted = after[gap : gap + n].astype(float)
    assert np.sqrt(np.mean(inserted**2)) < 60  # room level, not speech
    assert (paused.speech_start, paused.speech_end) == (take.speech_start, take.speech_end + n)


def test_the_slow_copy_lasts_longer_and_keeps_its_speech_bounds():
    take, _ = _two_words()
    slow = adapt.delivery_takes(take)[1][0]
    samples = len(slow.pcm) // 2
    assert samples == int(len(take.pcm) // 2 * adapt.SLOW_FACTOR)
    assert slow.speech_end - slow.speech_start == pytest.approx(
        (take.speech_end - take.speech_start) * adapt.SLOW_FACTOR, abs=2
    )
    audio = np.frombuffer(slow.pcm, "<i2").astype(float)
    speech = audio[slow.speech_start : slow.speech_end]
    room = audio[: slow.speech_start - 800]
    assert np.sqrt(np.mean(speech**2)) > 50 * np.sqrt(np.mean(room**2))


def test_delivery_windows_are_the_command_after_its_end_and_player_alone_is_filler(monkeypatch):
    model = KwsModel(default_model_path())
    take, _ = _two_words()
    windows = adapt.delivery_windows(model, take)
    positives = len(adapt.DELIVERY_POSITIVE_AFTER_S)
    fillers = len(adapt.NOISY_FILLER_AT_S)
    # the pause copy: positives, the cut-off filler and "player" alone; the slow copy: no
    # pause, so no "player alone" window
    assert len(windows) == 2 * (positives + fillers) + 1
    assert sum(p for _, p in windows) == 2 * positives
    plain = adapt.take_windows(model, take)
    monkeypatch.setattr(adapt, "DELIVERY_COPIES", True)
    more = adapt.take_windows(model, take)
    assert len(more.labels) == len(plain.labels) + len(windows)


def test_the_cache_key_changes_with_the_delivery_copies_and_only_then(monkeypatch):
    monkeypatch.setattr(adapt, "DELIVERY_COPIES", False)
    off = adapt.adaptation_parameters()
    monkeypatch.setattr(adapt, "PAUSE_S", (0.1, 0.3))
    assert adapt.adaptation_parameters() == off  # a layer cached without them stays valid
    monkeypatch.setattr(adapt, "DELIVERY_COPIES", True)
    on = adapt.adaptation_parameters()
    assert on != off
    monkeypatch.setattr(adapt, "PAUSE_S", (0.2, 0.5))
    assert adapt.adaptation_parameters() != on
