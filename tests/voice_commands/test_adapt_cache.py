"""The listening network's adapted last layer is cached beside the enrolment (issue 19):
the next start reads it instead of adapting again; another take, another base network or
other adaptation settings make it again; a damaged or foreign file is made again, never a
crash; "Forget my recordings" deletes it. Real network, real takes (flite rms, held out)."""

from __future__ import annotations

import shutil
import wave
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from vc_data import said_in_a_quiet_room

from stenosis_player.voice_commands import adapt, adapt_cache
from stenosis_player.voice_commands.adapt_cache import CACHE_FILE
from stenosis_player.voice_commands.commands import Command
from stenosis_player.voice_commands.enrolment import (
    EnrolmentResult,
    enrolment_folder,
    enrolment_plan,
    forget_recordings,
    load_enrolment,
    run_takes,
    save_enrolment,
)
from stenosis_player.voice_commands.kws_model import KwsModel
from stenosis_player.voice_commands.neural import NeuralRecognizer, default_model_path

WHEN = datetime(2026, 12, 1, 21, 0)


@pytest.fixture(scope="module")
def takes():
    """Six takes of flite rms ("player next" and "player back", three each), recorded as
    Settings records them."""
    plan = enrolment_plan(commands=[Command.NEXT, Command.BACK], takes=3, alternate_takes=1)
    plan = [p for p in plan if p.phrase in ("player next", "player back")]
    got = run_takes(said_in_a_quiet_room(plan, seed=5), plan)
    assert len(got) == 6
    return tuple(got)


@pytest.fixture
def counted(monkeypatch) -> list[int]:
    """How often the adaptation really runs (the real function, counted)."""
    calls: list[int] = []
    real = adapt_cache.adapt_output

    def adapt_output(model, takes, *args, **kwargs):
        calls.append(1)
        return real(model, takes, *args, **kwargs)

    monkeypatch.setattr(adapt_cache, "adapt_output", adapt_output)
    return calls


def _start(data_dir: Path, model=None) -> NeuralRecognizer:
    """What the window's listener does at each listening start."""
    return NeuralRecognizer(enrolment=load_enrolment(data_dir), cancel_echo=False, model=model)


def _layer(rec: NeuralRecognizer) -> tuple[np.ndarray, np.ndarray]:
    return rec.model.fc[1]


def _same_layer(a: NeuralRecognizer, b: NeuralRecognizer) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(_layer(a), _layer(b), strict=True))


def test_the_second_start_reads_the_layer_instead_of_adapting(tmp_path, takes, counted):
    save_enrolment(tmp_path, EnrolmentResult(WHEN, "player", takes, len(takes)))
    cache = enrolment_folder(tmp_path) / CACHE_FILE
    first = _start(tmp_path)
    assert not first.adaptation_cached and len(counted) == 1
    assert first.adapted_takes == 6 and cache.is_file()
    base = KwsModel(default_model_path())
    assert not np.array_equal(_layer(first)[0], base.fc[1][0])  # it is the adapted layer
    second = _start(tmp_path)
    assert second.adaptation_cached and len(counted) == 1  # no adaptation this time
    assert second.adapted_takes == 6 and _same_layer(first, second)
    # the layers below the last are the shipped network's, as when adapted
    assert np.array_equal(second.model.fc[0][0], base.fc[0][0])


def test_a_changed_take_makes_it_again(tmp_path, takes, counted):
    save_enrolment(tmp_path, EnrolmentResult(WHEN, "player", takes, len(takes)))
    first = _start(tmp_path)
    folder = enrolment_folder(tmp_path)
    (wav,) = [p for p in folder.glob("takes-*/next_2.wav")]
    with wave.open(str(wav), "rb") as w:
        params, pcm = w.getparams(), bytearray(w.readframes(w.getnframes()))
    pcm[4000:4002] = b"\x10\x27"  # one sample changed: the same size, another take
    with wave.open(str(wav), "wb") as w:
        w.setparams(params)
        w.writeframes(bytes(pcm))
    changed = _start(tmp_path)
    assert not changed.adaptation_cached and len(counted) == 2
    again = _start(tmp_path)  # the rewritten file fits the changed take
    assert again.adaptation_cached and len(counted) == 2 and _same_layer(changed, again)
    assert not _same_layer(first, changed)


def test_another_base_network_or_adaptation_makes_it_again(tmp_path, takes, counted, monkeypatch):
    save_enrolment(tmp_path, EnrolmentResult(WHEN, "player", takes, len(takes)))
    _start(tmp_path)
    # another model file: the shipped one with one output bias moved
    with np.load(default_model_path(), allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["fc1_b"] = arrays["fc1_b"] + np.float32(0.01)
    other = tmp_path / "other_model.npz"
    np.savez(other, **arrays)
    moved = _start(tmp_path, model=other)
    assert not moved.adaptation_cached and len(counted) == 2
    assert _start(tmp_path, model=other).adaptation_cached and len(counted) == 2
    # the shipped network again: the cache is now the other one's, so adapt again
    assert not _start(tmp_path).adaptation_cached and len(counted) == 3
    # the adaptation's settings changed (noise copies off)
    monkeypatch.setattr(adapt, "NOISE_COPIES", False)
    plain = _start(tmp_path)
    assert not plain.adaptation_cached and len(counted) == 4


def test_a_damaged_or_foreign_file_is_made_again(tmp_path, takes, counted):
    save_enrolment(tmp_path, EnrolmentResult(WHEN, "player", takes, len(takes)))
    first = _start(tmp_path)
    cache = enrolment_folder(tmp_path) / CACHE_FILE
    good = cache.read_bytes()
    for n, damage in enumerate(["garbage", "truncated", "foreign npz", "wrong shape"], 2):
        cache.write_bytes(good)
        if damage == "garbage":
            cache.write_bytes(b"not a numpy file at all\n" * 10)
        elif damage == "truncated":
            cache.write_bytes(good[:300])
        elif damage == "foreign npz":
            shutil.copyfile(default_model_path(), cache)  # an npz, but no key or layer
        else:  # our key, a layer of another size
            with np.load(cache, allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files}
            arrays["w"] = arrays["w"][:, :3]
            np.savez(cache, **arrays)
        again = _start(tmp_path)  # no crash: adapted again, the file rewritten
        assert not again.adaptation_cached and len(counted) == n, damage
        assert _same_layer(first, again), damage
        assert cache.read_bytes() != b"" and _start(tmp_path).adaptation_cached, damage
        assert len(counted) == n, damage


def test_forget_my_recordings_and_a_new_enrolment_delete_it(tmp_path, takes):
    save_enrolment(tmp_path, EnrolmentResult(WHEN, "player", takes, len(takes)))
    cache = enrolment_folder(tmp_path) / CACHE_FILE
    _start(tmp_path)
    assert cache.is_file()
    save_enrolment(tmp_path, EnrolmentResult(WHEN, "player", takes[:3], 3))  # taught again
    assert not cache.exists()
    _start(tmp_path)
    assert cache.is_file()
    forget_recordings(tmp_path, datetime(2026, 12, 2))
    assert not cache.exists()
    assert sorted(p.name for p in enrolment_folder(tmp_path).iterdir()) == ["enrolment.json"]


def test_an_unwritable_folder_still_listens_adapted(tmp_path, takes, counted, monkeypatch):
    save_enrolment(tmp_path, EnrolmentResult(WHEN, "player", takes, len(takes)))

    def refuse(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(adapt_cache, "save_cached", refuse)
    rec = _start(tmp_path)
    assert rec.adapted_takes == 6 and not rec.adaptation_cached
    assert not (enrolment_folder(tmp_path) / CACHE_FILE).exists()
