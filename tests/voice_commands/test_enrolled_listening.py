"""Once the user has taught it their voice, the window's listener uses the network adapted
to their takes (issue 19); without an enrolment, with another leading word or with the
recordings forgotten, pocketsphinx as before."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np

from stenosis_player.voice_commands.commands import Command
from stenosis_player.voice_commands.enrolment import (
    EnrolmentResult,
    enrolment_plan,
    forget_recordings,
    load_enrolment,
    run_takes,
    save_enrolment,
)
from stenosis_player.voice_commands.microphone import WavSource
from stenosis_player.voice_commands.qt_listener import VoiceCommandListener
from stenosis_player.voice_commands.recognizer import engine_for

CLEAN = Path(__file__).resolve().parents[1] / "data" / "voice_commands" / "commands" / "clean"
RATE = 16000
WHEN = datetime(2026, 12, 1, 12, 30, 0)


def _blocks(path: Path, times: int) -> list[bytes]:
    import wave

    with wave.open(str(path), "rb") as w:
        speech = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float64)
    rng = np.random.default_rng(1)
    parts = []
    for _ in range(times):
        parts += [rng.normal(0, 30, int(1.5 * RATE)), speech]
    parts.append(rng.normal(0, 30, int(1.5 * RATE)))
    pcm = np.clip(np.concatenate(parts), -32768, 32767).astype("<i2").tobytes()
    step = int(0.1 * RATE) * 2
    return [pcm[i : i + step] for i in range(0, len(pcm), step)]


def _enrol(data_dir: Path, leading_word: str = "player") -> None:
    plan = enrolment_plan(commands=[Command.PAUSE, Command.NEXT], takes=2)
    blocks = _blocks(CLEAN / "slt_1.0_player_pause.wav", 2)
    blocks += _blocks(CLEAN / "slt_1.0_player_next.wav", 2)
    takes = run_takes(blocks, plan)
    assert len(takes) == 4
    save_enrolment(data_dir, EnrolmentResult(WHEN, leading_word, tuple(takes), len(plan)))


def test_the_engine_follows_the_enrolment(tmp_path):
    assert engine_for("player", None) == "sphinx"
    _enrol(tmp_path)
    enrolment = load_enrolment(tmp_path)
    assert engine_for("player", enrolment) == "neural"
    assert engine_for("spieler", enrolment) == "sphinx"  # the network knows only "player"
    forget_recordings(tmp_path, datetime(2026, 12, 2))
    assert engine_for("player", load_enrolment(tmp_path)) == "sphinx"


def test_the_listener_adapts_to_the_enrolment_and_still_hears_commands(qtbot, tmp_path):
    _enrol(tmp_path)
    wav = CLEAN / "slt_1.0_player_pause.wav"
    listener = VoiceCommandListener(
        source_factory=lambda: WavSource(wav, realtime=False),
        enrolment_loader=lambda: load_enrolment(tmp_path),
    )
    heard = []
    listener.command_heard.connect(heard.append)
    listener.start()
    qtbot.waitUntil(lambda: listener._recognizer is not None, timeout=20000)
    rec = listener._recognizer
    assert rec.engine == "neural" and rec.adapted_takes > 0
    qtbot.waitUntil(lambda: bool(heard), timeout=20000)
    assert heard[0] == "pause"
    listener.stop()
