"""The enrolment core ("say each command three times") on generated speech: takes cut out of
a stream, recognised by the real recogniser, summed up with advice, saved and loaded.
(tests/voice_commands/test_enrolment_check.py: each take heard by the adapted network.)

The speech is Festival's slt voice (tests/data/voice_commands, recognised in quiet) and the
held-out rms voice in babble at 10 dB SNR (tests/data/voice_heldout): real WAVs of
generated speech, fed as a microphone would deliver them (100 ms blocks).
"""

from __future__ import annotations

import json
import wave
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from stenosis_player.voice_commands.commands import Command, phrase_table
from stenosis_player.voice_commands.enrolment import (
    ADVICE_MISSED,
    ADVICE_NOISE,
    ADVICE_QUIET,
    RESULT_FILE,
    EnrolmentFileProblem,
    EnrolmentResult,
    MicrophoneWatch,
    Outcome,
    PlannedTake,
    SphinxCheck,
    TakeRecorder,
    enrolment_folder,
    enrolment_plan,
    forget_recordings,
    load_enrolment,
    run_takes,
    save_enrolment,
)

pytest.importorskip("pocketsphinx")

TESTS = Path(__file__).resolve().parents[1]
CLEAN = TESTS / "data" / "voice_commands" / "commands" / "clean"
BABBLE = TESTS / "data" / "voice_heldout" / "test" / "commands" / "plain" / "babble_10db"
RATE = 16000
WHEN = datetime(2026, 12, 1, 12, 30, 0)


def pcm_of(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (RATE, 1, 2)
        return np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float64)


def noise(seconds: float, level: float, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, level, int(seconds * RATE))


def stream(*parts: np.ndarray) -> list[bytes]:
    """The parts one after another, as 100 ms blocks of 16-bit PCM."""
    pcm = np.clip(np.concatenate(parts), -32768, 32767).astype("<i2").tobytes()
    step = int(0.1 * RATE) * 2
    return [pcm[i : i + step] for i in range(0, len(pcm), step)]


def result_of(takes, planned: int = 0) -> EnrolmentResult:
    return EnrolmentResult(WHEN, "player", tuple(takes), planned or len(takes))


def three_times(path: Path, floor: float = 30.0, gain: float = 1.0) -> list[bytes]:
    """The WAV said three times with pauses, over a quiet room (``floor``: noise RMS)."""
    speech = pcm_of(path) * gain
    gap = noise(1.5, floor)
    return stream(gap, speech + noise(len(speech) / RATE, floor, 2), gap, speech, gap, speech, gap)


def test_plan_is_every_phrase_with_the_leading_word_three_times_or_twice():
    plan = enrolment_plan("computer")
    assert len(plan) == 3 * len(Command) + 2  # "computer repeat" twice
    assert plan[:3] == [PlannedTake(Command.PAUSE, "computer pause", n, (n, 3)) for n in (1, 2, 3)]
    back = [(p.phrase, p.number, p.of_phrase) for p in plan if p.command is Command.BACK]
    assert back == [
        ("computer back", 1, (1, 3)),
        ("computer back", 2, (2, 3)),
        ("computer back", 3, (3, 3)),
        ("computer repeat", 4, (1, 2)),  # numbered on: each take's recording has its own name
        ("computer repeat", 5, (2, 2)),
    ]
    assert PlannedTake(Command.IT_HURTS, "it hurts", 2, (2, 3)) in plan  # no leading word
    said = {p.phrase for p in plan}
    assert said == {p for ps in phrase_table("computer").values() for p in ps}


def test_three_clear_takes_are_heard_three_times_with_the_levels():
    plan = enrolment_plan(commands=[Command.NEXT])
    takes = run_takes(three_times(CLEAN / "slt_1.0_player_next.wav"), plan)
    assert [t.outcome for t in takes] == [Outcome.RIGHT] * 3
    assert all(t.heard == ("player next",) for t in takes)
    for t in takes:
        assert 26 <= t.noise_db <= 34  # RMS 30 is 29.5 dB
        assert t.speech_db is not None and t.speech_db > 65
        assert 0.9 <= t.speech_start_s <= 1.1  # a second of the room kept before the speech
        assert 0.4 < t.speech_end_s - t.speech_start_s < 1.5
        assert t.audio is not None and t.audio.samples().dtype == np.int16
    result = result_of(takes)
    assert result.summary_lines() == ["“player next”: heard 3 of 3"]
    assert result.advice() == ["Every command was heard. Voice commands should work well here."]
    assert result.snr_db is not None and result.snr_db > 35


def test_another_command_heard_instead_is_named_with_the_advice_to_say_it_slower():
    # pocketsphinx (what listens with another leading word): the adapted network would learn
    # that this user's "player next" sounds like that
    plan = enrolment_plan(commands=[Command.NEXT])
    takes = run_takes(three_times(CLEAN / "slt_1.0_player_back.wav"), plan, checker=SphinxCheck())
    assert [t.outcome for t in takes] == [Outcome.OTHER] * 3
    assert {t.heard_by for t in takes} == {"sphinx"}
    result = result_of(takes)
    assert result.heard_by == "sphinx"
    assert result.summary_lines() == ["“player next”: heard 0 of 3 (3 times as “player back”)"]
    (advice,) = result.advice()
    assert "“player next”" in advice and ADVICE_MISSED in advice


def test_a_take_with_nothing_said_times_out_and_counts_as_nothing():
    plan = [
        PlannedTake(Command.STOP, "player stop", 1),
        PlannedTake(Command.STOP, "player stop", 2),
    ]
    blocks = stream(noise(8.0, 30.0), noise(0.5, 30.0), pcm_of(CLEAN / "slt_1.0_player_stop.wav"))
    takes = run_takes(blocks + stream(noise(1.5, 30.0)), plan)
    assert takes[0].outcome is Outcome.NOTHING and takes[0].speech_db is None
    assert takes[0].audio is not None and abs(takes[0].audio.seconds - 7.0) < 0.05  # the timeout
    assert takes[1].outcome is Outcome.RIGHT  # the stream goes on into the next take
    assert result_of(takes).summary_lines() == ["“player stop”: heard 1 of 2 (once not at all)"]


def test_a_noisy_room_gives_the_noise_advice():
    """The held-out voice in babble at 10 dB SNR: the measured SNR says so, whatever the
    recogniser made of it."""
    takes = []
    for cmd, name in ((Command.NEXT, "player_next"), (Command.STOP, "player_stop")):
        wav = BABBLE / f"test_rms_{name}_0_plain.wav"
        takes += run_takes(stream(pcm_of(wav)), [PlannedTake(cmd, f"player {cmd.value}", 1)])
    result = result_of(takes)
    assert all(t.speech_db is not None for t in takes)
    assert result.noise_db is not None and result.noise_db > 55
    assert result.snr_db is not None and 5 < result.snr_db < 15
    assert result.noise_is_high() and not result.speech_is_quiet()
    assert any(ADVICE_NOISE in line for line in result.advice())
    assert result.advice()[0].startswith("The room is too noisy for voice commands")
    assert result.level_text() == (
        "A loud room (as loud as a voice); your voice was hardly louder than the noise"
    )


def test_a_quiet_voice_in_a_quiet_room_gives_the_move_closer_advice():
    plan = enrolment_plan(commands=[Command.PAUSE])
    # 30 dB down (a voice far from the microphone), over a very quiet room
    takes = run_takes(three_times(CLEAN / "slt_1.0_player_pause.wav", 4.0, gain=0.03), plan)
    assert len(takes) == 3 and all(t.speech_db is not None for t in takes)
    result = result_of(takes)
    assert result.speech_db is not None and result.speech_db < 50
    assert result.speech_is_quiet() and not result.noise_is_high()
    assert any(ADVICE_QUIET in line for line in result.advice())


def test_no_speech_at_all_says_to_check_the_microphone():
    plan = enrolment_plan(commands=[Command.YES], takes=2)
    takes = run_takes(stream(noise(15.0, 20.0)), plan)
    assert [t.outcome for t in takes] == [Outcome.NOTHING] * 2
    assert "No speech reached the microphone" in result_of(takes).advice()[0]


def test_no_speech_found_in_a_loud_room_blames_the_noise_not_the_microphone():
    plan = enrolment_plan(commands=[Command.YES], takes=2)
    takes = run_takes(stream(noise(15.0, 1500.0)), plan)  # steady noise at about 63 dB
    assert [t.speech_db for t in takes] == [None, None]
    (advice,) = result_of(takes).advice()
    assert ADVICE_NOISE in advice and "microphone" not in advice


def test_a_long_burst_is_cut_at_the_longest_a_command_can_take():
    rec = TakeRecorder(max_speech_s=2.0)
    loud = noise(10.0, 3000.0)
    audio = None
    for block in stream(noise(1.0, 30.0), loud):
        audio = rec.feed(block)
        if audio is not None:
            break
    assert audio is not None and not audio.timed_out
    assert abs((audio.speech_end - audio.speech_start) / RATE - 2.0) < 0.1


def test_the_microphone_watch_notices_missing_blocks_on_its_clock():
    now = [100.0]
    watch = MicrophoneWatch(lambda: now[0], limit_s=3.0)
    now[0] += 2.9
    assert not watch.stalled()
    watch.block_arrived()
    now[0] += 3.1
    assert watch.stalled() and watch.silent_for() == pytest.approx(3.1)
    with watch.working():  # hearing a take (seconds on a slow machine): no block is read
        now[0] += 10.0
        assert not watch.stalled()
    assert not watch.stalled()  # counted again from the end of the work
    now[0] += 3.1
    assert watch.stalled()


# ------------------------------------------------------------------ files


@pytest.fixture
def enrolled(tmp_path):
    plan = enrolment_plan(commands=[Command.NEXT, Command.BACK], takes=2, alternate_takes=0)
    blocks = three_times(CLEAN / "slt_1.0_player_next.wav")[:-15]  # two takes of next ...
    blocks += three_times(CLEAN / "slt_1.0_player_back.wav")  # ... then back
    takes = run_takes(blocks, plan)
    assert len(takes) == 4
    result = EnrolmentResult(WHEN, "player", tuple(takes), len(plan))
    save_enrolment(tmp_path, result)
    return tmp_path, result


def test_saved_enrolment_loads_with_its_recordings(enrolled):
    data_dir, result = enrolled
    folder = enrolment_folder(data_dir)
    saved = load_enrolment(data_dir)
    assert saved is not None and saved == result
    assert saved.summary_lines() == result.summary_lines()
    by_command = saved.takes_by_command()
    assert set(by_command) == {Command.NEXT, Command.BACK}
    for original, audio in zip(
        result.takes, by_command[Command.NEXT] + by_command[Command.BACK], strict=True
    ):
        assert original.audio is not None and audio.pcm == original.audio.pcm
        assert audio.speech_start == original.audio.speech_start
    phrases = [(c, p) for c, p, _audio in saved.takes_with_phrases()]
    assert phrases == [(Command.NEXT, "player next")] * 2 + [(Command.BACK, "player back")] * 2
    (takes_dir,) = [p for p in folder.iterdir() if p.is_dir()]
    wavs = sorted(p.name for p in takes_dir.iterdir())
    assert wavs == ["back_1.wav", "back_2.wav", "next_1.wav", "next_2.wav"]
    with wave.open(str(takes_dir / "next_1.wav")) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (RATE, 1, 2)
    assert (folder.stat().st_mode & 0o077) == 0  # the user's voice: private


def test_a_new_enrolment_replaces_the_old_one_and_its_recordings(enrolled):
    data_dir, result = enrolled
    folder = enrolment_folder(data_dir)
    (old,) = [p for p in folder.iterdir() if p.is_dir()]
    again = EnrolmentResult(datetime(2026, 12, 2, 9, 0), "player", result.takes[:2], 2)
    save_enrolment(data_dir, again)
    (new,) = [p for p in folder.iterdir() if p.is_dir()]
    assert new != old and not old.exists()
    saved = load_enrolment(data_dir)
    assert saved is not None and saved.created == datetime(2026, 12, 2, 9, 0)
    assert len(saved.takes) == 2


def test_forget_my_recordings_deletes_the_audio_and_keeps_the_results(enrolled):
    data_dir, result = enrolled
    folder = enrolment_folder(data_dir)
    forgotten = forget_recordings(data_dir, datetime(2026, 12, 3, 8, 0))
    assert forgotten is not None
    assert not any(p.is_dir() for p in folder.iterdir())
    assert not list(folder.rglob("*.wav"))
    saved = load_enrolment(data_dir)
    assert saved is not None and not saved.has_recordings and saved.takes_by_command() == {}
    assert saved.recordings_forgotten == datetime(2026, 12, 3, 8, 0)
    assert saved.summary_lines() == result.summary_lines()


@pytest.mark.parametrize(
    "text, says",
    [
        ("{not json", "cannot be used"),
        ('{"format": 1}', "“created” is missing"),
        ("[1, 2]", "expected a JSON object"),
        ('{"format": 7}', "newer version"),
    ],
)
def test_a_damaged_results_file_is_named_and_left_as_it_is(tmp_path, text, says):
    folder = enrolment_folder(tmp_path)
    folder.mkdir()
    path = folder / RESULT_FILE
    path.write_text(text)
    with pytest.raises(EnrolmentFileProblem) as err:
        load_enrolment(tmp_path)
    assert str(path) in str(err.value) and says in str(err.value)
    assert path.read_text() == text  # never rewritten


def test_a_wrong_value_in_a_take_names_the_take(enrolled):
    data_dir, _ = enrolled
    path = enrolment_folder(data_dir) / RESULT_FILE
    data = json.loads(path.read_text())
    data["takes"][2]["command"] = "jump"
    path.write_text(json.dumps(data))
    with pytest.raises(EnrolmentFileProblem, match=r"takes\[2\]\.command: 'jump' is not a command"):
        load_enrolment(data_dir)


def test_saving_over_a_damaged_file_keeps_it_under_another_name(enrolled):
    data_dir, result = enrolled
    path = enrolment_folder(data_dir) / RESULT_FILE
    path.write_text("{damaged")
    report = save_enrolment(data_dir, result)
    assert report.set_aside is not None and report.set_aside.read_text() == "{damaged"
    assert load_enrolment(data_dir) == result


def test_a_missing_recording_loses_only_that_take(enrolled):
    data_dir, result = enrolled
    folder = enrolment_folder(data_dir)
    (takes_dir,) = [p for p in folder.iterdir() if p.is_dir()]
    (takes_dir / "back_2.wav").unlink()
    (takes_dir / "next_1.wav").write_bytes(b"RIFF nonsense")
    saved = load_enrolment(data_dir)
    assert saved is not None and saved.summary_lines() == result.summary_lines()
    assert len(saved.problems) == 2
    assert any("back_2.wav is missing" in p for p in saved.problems)
    assert any("next_1.wav is not a WAV file" in p for p in saved.problems)
    assert [len(v) for v in saved.takes_by_command().values()] == [1, 1]


def test_nothing_saved_yet_is_none(tmp_path):
    assert load_enrolment(tmp_path) is None
    assert forget_recordings(tmp_path, WHEN) is None


def test_the_enrolment_core_runs_with_qt_blocked(tmp_path):
    import subprocess
    import sys

    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('PySide6', 'shiboken6'):\n"
        "            raise ImportError('Qt is blocked in the core')\n"
        "sys.meta_path.insert(0, Block())\n"
        "from datetime import datetime\n"
        "from stenosis_player.voice_commands import enrolment as e\n"
        "from stenosis_player.voice_commands.microphone import WavSource\n"
        f"src = WavSource({str(CLEAN / 'slt_1.0_player_yes.wav')!r})\n"
        "plan = e.enrolment_plan(commands=[e.Command.YES], takes=1)\n"
        "takes = e.run_takes(list(src.blocks()) + [bytes(32000)], plan)\n"
        "r = e.EnrolmentResult(datetime(2026, 1, 1), 'player', tuple(takes), 1)\n"
        f"e.save_enrolment({str(tmp_path)!r}, r)\n"
        f"print(e.load_enrolment({str(tmp_path)!r}).summary_lines()[0])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "“player yes”: heard 1 of 1"
