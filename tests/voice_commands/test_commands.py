import pytest

from stenosis_player.voice_commands.commands import (
    ALLOWED_WHILE_SPEAKING,
    CONFIRMED,
    IMMEDIATE,
    QUESTION_ONLY,
    Command,
    command_help,
    generic_phrase,
    phrase_table,
    phrase_to_command,
    spoken_name,
)


def test_default_phrases_use_leading_word():
    table = phrase_table()
    assert table[Command.PAUSE] == ("player pause",)
    assert table[Command.BACK] == ("player back", "player repeat")
    assert table[Command.IT_HURTS] == ("it hurts",)
    assert table[Command.YES] == ("player yes",)
    assert spoken_name(Command.NO) == "player no"


def test_custom_leading_word():
    table = phrase_table("Coach")
    assert table[Command.NEXT] == ("coach next",)
    assert table[Command.IT_HURTS] == ("it hurts",)
    assert phrase_to_command("coach")["coach stop"] is Command.STOP
    assert generic_phrase("coach stop", "coach") == "<lead> stop"
    assert generic_phrase("it hurts", "coach") == "it hurts"


@pytest.mark.parametrize("bad", ["", "two words", "pl@yer"])
def test_bad_leading_word(bad):
    with pytest.raises(ValueError):
        phrase_table(bad)


def test_every_phrase_is_unique():
    phrases = [p for ps in phrase_table().values() for p in ps]
    assert len(phrases) == len(set(phrases))


def test_command_classes():
    assert IMMEDIATE.isdisjoint(CONFIRMED)
    assert set(Command) == IMMEDIATE | CONFIRMED
    assert {Command.PAUSE, Command.IT_HURTS} <= IMMEDIATE
    assert {Command.PAUSE, Command.STOP, Command.IT_HURTS} == ALLOWED_WHILE_SPEAKING
    assert {Command.YES, Command.NO} == QUESTION_ONLY


def test_help_lists_every_command_with_the_leading_word():
    rows = dict(command_help("coach"))
    assert len(rows) == len(Command)
    assert rows["“coach next”"] == "skip to the next step (“coach back” undoes it)"
    assert "“coach back” or “coach repeat”" in rows
    assert "“it hurts”" in rows
