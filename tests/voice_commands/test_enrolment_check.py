"""The enrolment's result is what will listen (issue 19): with the leading word "player" each
take is heard by the neural spotter adapted to the *other* takes, as the window will listen
once enrolled; with another leading word pocketsphinx, which listens then.

The takes are flite's rms voice (tests/data/voice_enrolment, made by its make.sh): a voice
the network never learnt from, each phrase at the speeds a person varies between takes,
fed as a microphone delivers them (100 ms blocks over a quiet room).
"""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from vc_data import said_in_a_quiet_room

from stenosis_player.voice_commands.adapt import Take
from stenosis_player.voice_commands.commands import Command, phrase_to_command
from stenosis_player.voice_commands.enrolment import (
    EnrolmentResult,
    NetworkCheck,
    SphinxCheck,
    checker_for,
    enrolment_plan,
    load_enrolment,
    recheck,
    run_takes,
    save_enrolment,
)
from stenosis_player.voice_commands.neural import NeuralRecognizer

WHEN = datetime(2026, 12, 1, 15, 0)
COMMANDS = [Command.NEXT, Command.BACK, Command.YES]


def _hear(recognizer, pcm: bytes) -> tuple[str, ...]:
    recognizer.set_question_open(True)
    heard = []
    for i in range(0, len(pcm), 3200):
        heard += recognizer.feed(pcm[i : i + 3200])
    heard += recognizer.flush()
    return tuple(h.phrase for h in heard)


@pytest.fixture(scope="module")
def enrolled():
    plan = enrolment_plan(commands=COMMANDS)
    check = NetworkCheck()
    return plan, run_takes(said_in_a_quiet_room(plan, seed=3), plan, checker=check), check


def test_with_player_the_network_checks_and_another_leading_word_pocketsphinx():
    assert isinstance(checker_for("player"), NetworkCheck)
    assert isinstance(checker_for("computer"), SphinxCheck)


def test_every_phrase_is_recorded_and_the_alternate_twice(enrolled):
    plan, takes, _ = enrolled
    assert [(t.phrase, t.number) for t in takes] == [(p.phrase, p.number) for p in plan]
    assert [t.phrase for t in takes].count("player repeat") == 2
    assert all(t.audio is not None and not t.audio.timed_out for t in takes)


def test_each_take_is_heard_by_the_network_adapted_to_the_other_takes(enrolled):
    """Computed independently: adapt_output on the other takes (NeuralRecognizer's own
    adaptation, as the window does once enrolled), then that recogniser on the take."""
    _plan, takes, _ = enrolled
    assert {t.heard_by for t in takes} == {"neural"}
    as_takes = [
        Take(t.phrase, t.audio.pcm, t.audio.speech_start, t.audio.speech_end) for t in takes
    ]
    for i, t in enumerate(takes):
        others = as_takes[:i] + as_takes[i + 1 :]
        listening = NeuralRecognizer(enrolment=others, cancel_echo=False)
        assert listening.adapted_takes == len(takes) - 1
        assert t.heard == _hear(listening, t.audio.pcm), (i, t.phrase)


def test_the_summary_is_per_phrase_with_what_each_miss_was_taken_for(enrolled):
    _plan, takes, _ = enrolled
    result = EnrolmentResult(WHEN, "player", tuple(takes), len(takes))
    command = phrase_to_command()
    lines = result.summary_lines()
    assert [line.split(":")[0] for line in lines] == [
        "“player next”",
        "“player back”",
        "“player repeat”",
        "“player yes”",
    ]
    for summary, line in zip(result.commands(), lines, strict=True):
        right = sum(summary.command in {command[p] for p in t.heard} for t in summary.takes)
        assert f"heard {right} of {len(summary.takes)}" in line
        for t in summary.takes:
            if t.heard and summary.command not in {command[p] for p in t.heard}:
                assert f"as “{t.heard[0]}”" in line  # what it was taken for instead
    assert result.right == sum(c.right for c in result.commands())


def test_a_recheck_reuses_the_networks_lower_layers(enrolled):
    """The window re-checks every take when the last one is in: the network's layers below
    the last are kept from the takes' first hearing, so only the last layer is refitted
    (bench/bench_enrolment.py times it)."""
    _plan, takes, check = enrolled
    windows = len(check._cache)
    assert windows > 10 * len(takes)  # every look at every take
    again = recheck(takes, check)
    assert len(check._cache) == windows  # not one window computed again
    assert [t.heard for t in again] == [t.heard for t in takes]


def test_pocketsphinx_results_stand_where_it_will_listen(enrolled):
    _plan, takes, _ = enrolled
    sphinx = [t for t in recheck(takes, SphinxCheck())]
    assert [t.heard for t in sphinx] == [t.heard for t in takes]  # nothing to re-check


def test_the_recogniser_that_heard_is_saved_and_older_files_say_pocketsphinx(enrolled, tmp_path):
    _plan, takes, _ = enrolled
    save_enrolment(tmp_path, EnrolmentResult(WHEN, "player", tuple(takes), len(takes)))
    loaded = load_enrolment(tmp_path)
    assert loaded is not None and loaded.heard_by == "neural"
    assert [t.heard for t in loaded.takes] == [t.heard for t in takes]
    assert "player repeat" in {phrase for _, phrase, _ in loaded.takes_with_phrases()}
    # the window adapts to every phrase taught, "player repeat" too
    listening = NeuralRecognizer(enrolment=loaded)
    assert listening.adapted_takes == len(takes)
    path = tmp_path / "voice_enrolment" / "enrolment.json"
    text = path.read_text(encoding="utf-8")
    assert text.count('"heard_by": "neural"') == len(takes)
    path.write_text(re.sub(r'\n *"heard_by": "neural",', "", text), encoding="utf-8")
    older = load_enrolment(tmp_path)
    assert older is not None and older.heard_by == "sphinx"
