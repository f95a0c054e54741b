"""What an enrolment asks the user to say: every phrase the recogniser listens for.

Each command's shown phrase is said three times, and each other way of saying it ("player
repeat" for "player back") twice, so the adaptation learns every phrase it will listen for
without making the session much longer (26 takes instead of 24 for the default set).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..commands import DEFAULT_LEADING_WORD, Command, phrase_table

TAKES_PER_COMMAND = 3  # the shown phrase
TAKES_PER_ALTERNATE = 2  # each other phrase of the same command


@dataclass(frozen=True)
class PlannedTake:
    command: Command
    phrase: str  # what the user is asked to say
    number: int  # 1 .. the command's takes, over all its phrases (names its recording)
    of_phrase: tuple[int, int] = (1, 1)  # this is take i of n of this phrase

    @property
    def again(self) -> bool:
        """Not the first take of its phrase (said as "Again: ...")."""
        return self.of_phrase[0] > 1


def enrolment_plan(
    leading_word: str = DEFAULT_LEADING_WORD,
    commands: Iterable[Command] | None = None,
    takes: int = TAKES_PER_COMMAND,
    alternate_takes: int | None = None,
) -> list[PlannedTake]:
    """Each command's shown phrase ``takes`` times in a row, then each of its other phrases
    ``alternate_takes`` times (default: one fewer, at least one), in the order of the help."""
    if alternate_takes is None:
        alternate_takes = max(1, min(takes, TAKES_PER_ALTERNATE, takes - 1))
    table = phrase_table(leading_word)
    chosen = list(commands) if commands is not None else list(Command)
    plan: list[PlannedTake] = []
    for cmd in chosen:
        number = 0
        for i, phrase in enumerate(table[cmd]):
            n = takes if i == 0 else alternate_takes
            for k in range(1, n + 1):
                number += 1
                plan.append(PlannedTake(cmd, phrase, number, (k, n)))
    return plan
