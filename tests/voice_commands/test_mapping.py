import pytest

from stenosis_player.voice_commands.commands import Command
from stenosis_player.voice_commands.mapping import apply_command


class Recorder:
    def __init__(self):
        self.calls = []

    def pause(self):
        self.calls.append("pause")

    def resume(self):
        self.calls.append("resume")

    def next(self):
        self.calls.append("next")

    def back(self):
        self.calls.append("back")

    def stop(self):
        self.calls.append("stop")

    def it_hurts(self):
        self.calls.append("it_hurts")

    def answer(self, yes):
        self.calls.append(("answer", yes))


@pytest.mark.parametrize(
    ("cmd", "call"),
    [
        (Command.PAUSE, "pause"),
        (Command.CONTINUE, "resume"),
        (Command.NEXT, "next"),
        (Command.BACK, "back"),
        (Command.STOP, "stop"),
        (Command.IT_HURTS, "it_hurts"),
        (Command.YES, ("answer", True)),
        (Command.NO, ("answer", False)),
    ],
)
def test_each_command_calls_one_method(cmd, call):
    r = Recorder()
    apply_command(cmd, r)
    assert r.calls == [call]


def test_session_changes_are_confirmed_with_undo():
    r = Recorder()
    assert apply_command(Command.NEXT, r) == "Skipping ahead. Say player back to undo."
    assert "player back" in apply_command(Command.STOP, r)
    assert apply_command(Command.BACK, r)
    assert "coach back" in apply_command(Command.NEXT, r, leading_word="coach")


def test_immediate_commands_need_no_confirmation():
    r = Recorder()
    assert apply_command(Command.IT_HURTS, r) is None
    assert apply_command(Command.YES, r) is None
    assert "player continue" in apply_command(Command.PAUSE, r)
