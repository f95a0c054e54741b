"""Every sentence the app says in its own words: counting, countdowns, doses, side switches,
transitions, rests, the settle period and the end of a session.

Exercise content (set-up, steps, cues, cautions, notes, side cues, questions) is authored in
the catalogue; everything else that is spoken comes from the table below, so a reviewer
reads it in one place and the script lint (``matches``) can tell an authored sentence from
a cut or invented one. Numbers are always said as words ("twenty-one", never "21").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

# key -> template. Slots: {n} {N} (a number in words; N capitalised), {secs} {Secs}
# (a length of time in words), {side} (left / right), {name} (an exercise or version
# name from the catalogue), {label} (a side label from the catalogue), {exercises}.
TABLE: dict[str, str] = {
    "name": "{name}.",
    "name_version": "{name}: {label}.",
    "times": "{N} times.",
    "times_each_side": "{N} times on each side.",
    "times_alternating": "{N} times on each side, alternating sides.",
    "times_holding": "{N} times, holding {secs} each.",
    "times_holding_each_side": "{N} times on each side, holding {secs} each.",
    "times_holding_alternating": "{N} times on each side, alternating sides, holding {secs} each.",
    "one_hold": "One hold of {secs}.",
    "one_hold_each_side": "One hold of {secs} on each side.",
    "holds_alternating": "{N} holds of {secs} on each side, alternating sides.",
    "sets": "{N} sets.",
    "sets_each_side": "{N} sets on each side.",
    "rest_between_sets": "Rest {secs} between sets.",
    "rest_between_reps": "Rest {secs} between repetitions.",
    "timed": "{Secs}.",
    "timed_sets": "{Secs}, {n} times, with {secs} of rest in between.",
    "start_in": "We start in {secs}.",
    "hold": "Hold.",
    "hold_for": "Hold for {secs}.",
    "count": "That's {n}.",
    "last_one": "Last one.",
    "set_done": "Set {n} done.",
    "side_done": "That side is done.",
    "rest": "Rest.",
    "rest_then_set": "Rest for {secs}. Then set {n} of {n}.",
    "switch_sides": "Switch sides.",
    # from the floor to sitting or standing (the app's own advice: the articles give none)
    "get_up": "Take your time getting up: roll onto your side, then push yourself up with "
    "your arms.",
    "get_down": "Take your time getting down to the floor.",
    "first_side": "Start with your {side} side.",
    "now_side": "Now the {side} side.",
    "side_cue": "{label}.",
    "keep_going": "Keep going for {secs}.",
    "settle_ask_in": "I will ask you about it in {secs}.",
    "no_answer": "No answer, so this exercise stays in for today. I will ask again next session.",
    "done": "Well done. That's the end of today's session: {exercises}.",
    "empty": "There are no exercises in this program.",
    "countdown": "{n}",
    # said in answer to the user, outside the planned script
    "resume": "Get ready. Continuing in {secs}.",
    "pain_before": "Before we start: how is your pain right now?",
    "pain_after_done": "All done. How is your pain now?",
    "pain_after_stopped": "The session is over. How is your pain now?",
    "pain_keys": "Press a number from 0 to 10, or S to skip.",
    "stop_question": "Press Escape again to stop, or Space to go on.",
    "removed": "Thank you. This exercise is now taken out of your home program. "
    "You can put it back in Settings.",
    # first what to do with the body: the choices were said to someone still in the hold
    "hurt_stop": "Stopped. Ease out of it gently, and rest.",
    "hurt_choices_easier": "Skip {name}, try an easier version, or end the session?",
    "hurt_choices": "Skip {name}, or end the session?",
    "hurt_by_voice": "Or say {skip} to skip it, {end} to end, or {go_on} to go on.",
    "hurt_twice": "{name} has hurt twice in a row. Press R to take it out of your "
    "program, or S to skip it today.",
    "hurt_twice_by_voice": "Or say {remove} to take it out, or {skip} to skip it today.",
}

_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def number(n: int) -> str:
    """0–9999 in words: 21 → 'twenty-one', 115 → 'one hundred and fifteen'."""
    if n < 0:
        return "minus " + number(-n)
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_ONES[hundreds]} hundred" + (f" and {number(rest)}" if rest else "")
    thousands, rest = divmod(n, 1000)
    tail = "" if not rest else (f" and {number(rest)}" if rest < 100 else f" {number(rest)}")
    return f"{number(thousands)} thousand{tail}"


def seconds(total: int) -> str:
    """A length of time in words: 'one second', 'thirty seconds', 'ten minutes',
    'one minute and thirty seconds'."""
    minutes, secs = divmod(total, 60)
    if minutes == 0 or (total < 120 and secs):
        return _unit(total, "second")
    if secs == 0:
        return _unit(minutes, "minute")
    return f"{_unit(minutes, 'minute')} and {_unit(secs, 'second')}"


def _unit(n: int, word: str) -> str:
    return f"{number(n)} {word}" + ("" if n == 1 else "s")


def say(key: str, **slots: object) -> str:
    """One phrase of the table with its slots filled (numbers and times given as ints)."""
    template = TABLE[key]
    values: dict[str, str] = {}
    for name, value in slots.items():
        if name in ("n", "N"):
            word = number(int(value))  # type: ignore[call-overload]
            values[name] = word.capitalize() if name == "N" else word
        elif name in ("secs", "Secs"):
            word = seconds(int(value))  # type: ignore[call-overload]
            values[name] = word.capitalize() if name == "Secs" else word
        else:
            values[name] = str(value)
    return _fill(template, values)


def _fill(template: str, values: dict[str, str]) -> str:
    # templates may use {n} twice ("set {n} of {n}"): values for repeats come as n, n2, ...
    seen: dict[str, int] = {}

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        k = seen.get(name, 0)
        seen[name] = k + 1
        return values[name if k == 0 else f"{name}{k + 1}"]

    return re.sub(r"\{(\w+)\}", one, template)


def rest_then_set(rest: int, set_no: int, sets: int) -> str:
    return _fill(
        TABLE["rest_then_set"], {"secs": seconds(rest), "n": number(set_no), "n2": number(sets)}
    )


# --------------------------------------------------------------------------- for the lint


@cache
def _number_words() -> frozenset[str]:
    return frozenset(number(i) for i in range(0, 10000))


@cache
def _time_words() -> frozenset[str]:
    return frozenset(seconds(i) for i in range(1, 7201))


def _slot_pattern(name: str) -> str:
    return rf"(?P<{name}>.+?)"


def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{\w+\})", template)
    out = ""
    counts: dict[str, int] = {}
    for part in parts:
        m = re.fullmatch(r"\{(\w+)\}", part)
        if m:
            name = m.group(1)
            counts[name] = counts.get(name, 0) + 1
            out += _slot_pattern(f"{name}_{counts[name]}")
        else:
            out += re.escape(part)
    return re.compile(out)


@cache
def _regexes() -> dict[str, re.Pattern[str]]:
    """Each template as a regex, compiled on first use (the review and the lint use them;
    compiling all 46 at import was ~2 ms of the window's start-up)."""
    return {key: _template_regex(t) for key, t in TABLE.items()}


def matches(sentence: str, names: Iterable[str] = (), labels: Iterable[str] = ()) -> str | None:
    """The table key whose template produces ``sentence`` with valid slot values, or None.
    ``names`` and ``labels`` are the catalogue's exercise/version names and side labels."""
    names, labels = set(names), set(labels)
    for key, regex in _regexes().items():
        m = regex.fullmatch(sentence)
        if m and all(
            _valid(k.rsplit("_", 1)[0], v, names, labels) for k, v in m.groupdict().items()
        ):
            return key
    return None


def _valid(slot: str, value: str, names: set[str], labels: set[str]) -> bool:
    if slot in ("n", "N"):
        return value.lower() in _number_words() and (slot == "n") == (value == value.lower())
    if slot in ("secs", "Secs"):
        return value.lower() in _time_words() and (slot == "secs") == (value == value.lower())
    if slot == "side":
        return value in ("left", "right")
    if slot == "name":
        return value in names
    if slot == "label":
        return value in labels
    if slot == "exercises":
        return re.fullmatch(r"(one exercise|[a-z -]+ exercises)", value) is not None
    return False
