"""The voice command set: what can be said, and how each command is treated.

Every command that changes the session starts with a leading word (default "player"): in
measurements, two-word phrases almost never occur in ordinary speech, while single words like
"next", "back" or "stop" do. "It hurts" has no leading word, because someone in pain should not
have to remember one. Yes and no take the leading word too ("player yes"), and count only
while a question is on screen: said alone they missed the recall goals by far (bare "no":
25-50 % at 20 and 10 dB SNR, against 100 % for "player no") and caused the only false
commands measured.
"""

from __future__ import annotations

import enum
import re

DEFAULT_LEADING_WORD = "player"


class Command(enum.Enum):
    PAUSE = "pause"
    CONTINUE = "continue"
    NEXT = "next"
    BACK = "back"
    STOP = "stop"
    IT_HURTS = "it_hurts"
    YES = "yes"
    NO = "no"


# Words after the leading word. The first phrase of a command is the one shown to users.
_LEAD_WORDS: dict[Command, tuple[str, ...]] = {
    Command.PAUSE: ("pause",),
    Command.CONTINUE: ("continue",),
    Command.NEXT: ("next",),
    Command.BACK: ("back", "repeat"),
    Command.STOP: ("stop",),
    Command.YES: ("yes",),
    Command.NO: ("no",),
}
# Phrases said without the leading word.
_BARE_PHRASES: dict[Command, tuple[str, ...]] = {
    Command.IT_HURTS: ("it hurts",),
}

#: Commands that act at once (no confirmation needed).
IMMEDIATE: frozenset[Command] = frozenset(
    {Command.PAUSE, Command.CONTINUE, Command.IT_HURTS, Command.YES, Command.NO}
)
#: Commands that change the session; the app says what it did and how to undo it.
CONFIRMED: frozenset[Command] = frozenset({Command.NEXT, Command.BACK, Command.STOP})
#: Commands still accepted while the app itself is speaking.
ALLOWED_WHILE_SPEAKING: frozenset[Command] = frozenset(
    {Command.PAUSE, Command.STOP, Command.IT_HURTS}
)
#: Commands only accepted while a yes/no question is on screen.
QUESTION_ONLY: frozenset[Command] = frozenset({Command.YES, Command.NO})

_WORD = re.compile(r"^[a-z']+$")


def validate_leading_word(word: str) -> str:
    """Return *word* normalised, or raise ValueError if it cannot be a leading word."""
    w = word.strip().lower()
    if not _WORD.match(w):
        raise ValueError(f"the leading word must be one plain word, got {word!r}")
    return w


def phrase_table(leading_word: str = DEFAULT_LEADING_WORD) -> dict[Command, tuple[str, ...]]:
    """All phrases for each command, with *leading_word* in front where one is used."""
    lead = validate_leading_word(leading_word)
    table: dict[Command, tuple[str, ...]] = {}
    for cmd in Command:
        phrases = list(_BARE_PHRASES.get(cmd, ()))
        phrases += [f"{lead} {w}" for w in _LEAD_WORDS.get(cmd, ())]
        table[cmd] = tuple(phrases)
    return table


def phrase_to_command(leading_word: str = DEFAULT_LEADING_WORD) -> dict[str, Command]:
    return {p: cmd for cmd, ps in phrase_table(leading_word).items() for p in ps}


def generic_phrase(phrase: str, leading_word: str = DEFAULT_LEADING_WORD) -> str:
    """``"player next"`` -> ``"<lead> next"``: the key used in the thresholds file."""
    lead = validate_leading_word(leading_word)
    first, _, rest = phrase.partition(" ")
    return f"<lead> {rest}" if first == lead and rest else phrase


def spoken_name(cmd: Command, leading_word: str = DEFAULT_LEADING_WORD) -> str:
    """What to tell the user to say for *cmd* (e.g. ``"player back"``)."""
    return phrase_table(leading_word)[cmd][0]


#: What each command does, in the words shown to users.
WHAT_IT_DOES: dict[Command, str] = {
    Command.PAUSE: "pause at once (works while the app is talking)",
    Command.CONTINUE: "go on after a pause",
    Command.NEXT: "skip to the next step (“{back}” undoes it)",
    Command.BACK: "go back and repeat the step",
    Command.STOP: "end the session (asks first; works while the app is talking)",
    Command.IT_HURTS: "stop and choose what to do (works while the app is talking)",
    Command.YES: "answer yes to a question on screen",
    Command.NO: "answer no to a question on screen",
}


def command_help(leading_word: str = DEFAULT_LEADING_WORD) -> list[tuple[str, str]]:
    """(what to say, what it does) for every command, in the order shown to users."""
    table = phrase_table(leading_word)
    back = table[Command.BACK][0]
    return [
        (" or ".join(f"“{p}”" for p in table[cmd]), WHAT_IT_DOES[cmd].format(back=back))
        for cmd in Command
    ]
