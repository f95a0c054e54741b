"""The neural spotter's model file and its faults (issue 19): the shipped file loads and runs in
numpy; a missing or damaged file gives a message naming it, and the app falls back to
pocketsphinx instead of losing voice commands."""

from __future__ import annotations

import numpy as np
import pytest

from stenosis_player.voice_commands.commands import Command
from stenosis_player.voice_commands.features import FeatureSpec, LogMel, normalise
from stenosis_player.voice_commands.kws_model import KwsModel, KwsModelError
from stenosis_player.voice_commands.neural import NeuralRecognizer, default_model_path
from stenosis_player.voice_commands.recognizer import CommandRecognizer, SphinxRecognizer


def test_the_shipped_model_loads_and_gives_probabilities():
    model = KwsModel(default_model_path())
    assert model.classes[0] == "filler" and "player next" in model.classes
    assert default_model_path().stat().st_size < 2_500_000
    window = normalise(np.zeros((model.spec.window_frames, model.spec.n_mels), np.float32))
    p = model.probabilities(window)
    assert p.shape == (len(model.classes),)
    assert abs(float(p.sum()) - 1) < 1e-5
    assert int(np.argmax(p)) == 0, "silence must be filler"


def test_streamed_features_do_not_depend_on_chunk_size():
    rng = np.random.default_rng(0)
    audio = rng.normal(size=16000).astype(np.float32) * 0.1
    whole = LogMel(FeatureSpec()).frames(audio)
    streamed = LogMel(FeatureSpec())
    parts = [streamed.push(audio[i : i + 777]) for i in range(0, len(audio), 777)]
    assert np.allclose(np.concatenate(parts), whole, atol=1e-4)


def test_a_missing_model_names_the_file(tmp_path):
    path = tmp_path / "kws_player.npz"
    with pytest.raises(KwsModelError, match=r"kws_player\.npz is missing"):
        KwsModel(path)


def test_a_damaged_model_names_the_file(tmp_path):
    path = tmp_path / "kws_player.npz"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(KwsModelError, match=r"kws_player\.npz cannot be read"):
        KwsModel(path)


def test_a_model_with_wrong_layers_names_the_file(tmp_path):
    good = dict(np.load(default_model_path()))
    good["fc0_w"] = good["fc0_w"][:10]
    path = tmp_path / "odd.npz"
    np.savez(path, **good)
    with pytest.raises(KwsModelError, match=r"odd\.npz is not a usable model"):
        KwsModel(path)
    del good["conv2_b"]
    np.savez(path, **good)
    with pytest.raises(KwsModelError, match=r"odd\.npz is not a usable model"):
        KwsModel(path)


def test_without_a_usable_model_the_app_falls_back_to_pocketsphinx(tmp_path):
    path = tmp_path / "kws_player.npz"
    path.write_bytes(b"garbage")
    rec = CommandRecognizer(engine="neural", model=path)
    try:
        assert isinstance(rec, SphinxRecognizer)
        assert "kws_player.npz" in rec.fallback_reason
        assert rec.feed(b"\0\0" * 1600) == []  # and it listens
    finally:
        rec.close()


def test_another_leading_word_uses_pocketsphinx():
    rec = CommandRecognizer(leading_word="coach", engine="neural")
    try:
        assert isinstance(rec, SphinxRecognizer)
        assert "player" in rec.fallback_reason
    finally:
        rec.close()


def test_the_default_leading_word_uses_the_neural_spotter():
    rec = CommandRecognizer(engine="neural")
    assert isinstance(rec, NeuralRecognizer)
    assert rec.fallback_reason == ""


def test_disabled_commands_are_never_heard():
    rec = NeuralRecognizer(commands={Command.PAUSE})
    assert set(rec._phrase_cmd.values()) == {Command.PAUSE}


def _twin_model(a: str, b: str) -> KwsModel:
    """The shipped network with phrase *b*'s output made a copy of phrase *a*'s: whenever the
    network hears *a* it is exactly as sure of *b* (a confusable pair, made certain)."""
    model = KwsModel(default_model_path())
    w2, b2 = (x.copy() for x in model.fc[1])
    i, j = model.classes.index(a), model.classes.index(b)
    w2[:, j], b2[j] = w2[:, i], b2[i]
    return model.with_output(w2, b2)


def test_two_phrases_equally_likely_give_no_command_but_a_reason(manifest):
    from dataclasses import replace

    from vc_data import feed_all, read_pcm

    from stenosis_player.voice_commands.neural import NeuralSettings

    entry = next(e for e in manifest if e["phrase"] == "player stop" and e["voice"] == "slt")
    pcm = read_pcm(entry["path"])
    model = _twin_model("player stop", "player back")
    # the twins share what the network gives "player stop": half each, so lower thresholds
    base = NeuralSettings.load()
    base = replace(base, thresholds={**base.thresholds, "player stop": 0.3, "player back": 0.3})
    plain = NeuralRecognizer(model=model, cancel_echo=False, settings=base)
    heard = feed_all(plain, pcm) + plain.flush()
    # without a margin one of the twins fires (the control: the audio is heard as that pair)
    assert [h.command for h in heard] in ([Command.STOP], [Command.BACK])
    settings = replace(base, margin=0.1)
    rec = NeuralRecognizer(model=model, cancel_echo=False, settings=settings)
    heard = feed_all(rec, pcm) + rec.flush()
    assert heard == []
    reasons = [r.reason for r in rec.rejected if r.phrase in ("player stop", "player back")]
    assert any("ahead of another phrase" in r for r in reasons), reasons
    # a clear lead still fires with the margin: the shipped network on the same audio
    clear = NeuralRecognizer(cancel_echo=False, settings=settings)
    assert [h.command for h in feed_all(clear, pcm) + clear.flush()] == [Command.STOP]
