"""Adapting the neural spotter to an enrolled voice (issue 19): takes of a voice it never
learnt from (flite rms, tests/data/voice_heldout) make those commands more likely, and
ordinary speech in that voice still gives no command."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import numpy as np
import pytest

from stenosis_player.voice_commands.adapt import Take, _windows, adapt_output
from stenosis_player.voice_commands.commands import QUESTION_ONLY, phrase_to_command
from stenosis_player.voice_commands.kws_model import KwsModel
from stenosis_player.voice_commands.neural import NeuralRecognizer, default_model_path

DATA = Path(__file__).resolve().parents[1] / "data" / "voice_heldout"
TABLE = phrase_to_command()


@pytest.fixture(scope="module")
def heldout() -> list[dict]:
    return json.loads((DATA / "manifest.json").read_text())


def _pcm(entry: dict) -> bytes:
    with wave.open(str(DATA / entry["path"]), "rb") as w:
        return w.readframes(w.getnframes())


def _takes(heldout) -> list[Take]:
    return [
        Take(
            e["phrase"],
            _pcm(e),
            int(e["speech_start_s"] * 16000),
            int(e["speech_end_s"] * 16000),
        )
        for e in heldout
        if e["kind"] == "command" and e["variant"] == "plain" and e["noise"] == "none"
    ]


def test_adapting_raises_the_enrolled_commands(heldout):
    model = KwsModel(default_model_path())
    takes = _takes(heldout)
    assert len(takes) == 9
    adapted = adapt_output(model, takes)
    assert adapted.takes_used == 9
    before, after = [], []
    for take in takes:
        i = model.classes.index(take.phrase)
        for window, positive in _windows(model, take):
            if positive:
                before.append(model.probabilities(window)[i])
                after.append(adapted.model.probabilities(window)[i])
    assert np.mean(after) > np.mean(before) + 0.02, (np.mean(before), np.mean(after))
    assert adapted.model is not model and model.fc[1][0] is not adapted.model.fc[1][0]


def test_unknown_phrases_and_empty_takes_are_left_out():
    model = KwsModel(default_model_path())
    silent = Take("player next", b"\0\0" * 16000, 0, 0)  # no speech found
    other = Take("coach next", b"\0\0" * 16000, 100, 8000)
    adapted = adapt_output(model, [silent, other])
    assert adapted.takes_used == 0 and adapted.model is model


@pytest.mark.parametrize("noise", ["none", "pink", "babble"])
def test_after_adapting_ordinary_speech_still_gives_no_command(heldout, noise):
    rec = NeuralRecognizer(enrolment=_takes(heldout))
    assert rec.adapted_takes == 9
    heard = []
    for e in heldout:
        if e["kind"] == "negative" and e["noise"] == noise:
            pcm = _pcm(e)
            for i in range(0, len(pcm), 3200):
                heard += rec.feed(pcm[i : i + 3200])
    heard += rec.flush()
    assert heard == []


def test_enrolled_recognizer_hears_the_voice_in_noise(heldout):
    """Commands of the enrolled voice in babble at 10 dB and deeper in noise: at least as
    many heard as without the enrolment."""
    entries = [
        e
        for e in heldout
        if e["kind"] == "command"
        and (e["variant"], e["snr"]) in (("plain", "10db"), ("deep", "20db"))
    ]

    def hits(rec) -> int:
        n = 0
        for e in entries:
            rec.set_question_open(TABLE[e["phrase"]] in QUESTION_ONLY)
            pcm = _pcm(e)
            got = []
            for i in range(0, len(pcm), 3200):
                got += rec.feed(pcm[i : i + 3200])
            got += rec.flush()
            n += any(h.command is TABLE[e["phrase"]] for h in got)
        return n

    shipped = hits(NeuralRecognizer())
    enrolled = hits(NeuralRecognizer(enrolment=_takes(heldout)))
    assert enrolled >= shipped, (shipped, enrolled)
