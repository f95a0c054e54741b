"""JSON as people write it by hand, parsed strictly: what Python's ``json`` lets through and
the app cannot use is refused, with where it is.

* a key twice in one object (``json`` keeps the last one silently);
* ``NaN`` and ``Infinity`` (not JSON, but ``json`` reads them);
* a lone surrogate such as ``"\\ud800"``: valid JSON escape syntax, but not a character, so
  the text cannot be written to the database, a file or the terminal later.

Each is reported with a line and column (surrogates with their key path, ``exercises[2].name``).
The fast C parser does the normal case; a file that trips a check is parsed a second time
with the pure-Python scanner, only to find the line and column.

Qt-free.
"""

from __future__ import annotations

import json
import json.decoder
import json.scanner
import re
from collections.abc import Iterable
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")
# a JSON string, to its closing quote (or to the end of the text when it has none)
_STRING = re.compile(r'"(?:[^"\\]+|\\.)*"?', re.DOTALL)
_CONSTANT = re.compile(r"-?(?:NaN|Infinity)")


class JsonProblem(ValueError):
    """The text is not usable JSON; the message says what and where, in one line."""


class _Duplicate(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key
        self.pos: int | None = None


class _Constant(ValueError):
    pass


def line_col(text: str, pos: int) -> tuple[int, int]:
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


def where(path: Iterable[Any]) -> str:
    """A key path in the catalogue's style: ``exercises[3].dose.reps``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Duplicate(key)
        out[key] = value
    return out


def _constant(name: str) -> float:
    raise _Constant(name)


def loads(text: str) -> Any:
    """Parse ``text``; raise JsonProblem naming the first problem and where it is."""
    try:
        data = json.loads(text, object_pairs_hook=_pairs, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        raise JsonProblem(
            f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    except _Duplicate as dup:
        line, col = line_col(text, _locate_duplicate(text))
        raise JsonProblem(
            f"the key {show_text(dup.key)} appears twice in the object that starts at line "
            f"{line}, column {col} (only one is allowed)"
        ) from None
    except _Constant as const:
        line, col = line_col(text, _locate_constant(text))
        raise JsonProblem(
            f"{const} at line {line}, column {col} is not allowed: numbers must be finite"
        ) from None
    except RecursionError:
        raise JsonProblem("not valid JSON: nested too deeply") from None
    bad = first_surrogate(data)
    if bad is not None:
        raise JsonProblem(
            f"{where(bad)}: contains a lone surrogate escape (\\ud800-\\udfff), which is not "
            "a character; write the character itself or remove the escape"
        )
    return data


def first_surrogate(data: Any, path: list[Any] | None = None) -> list[Any] | None:
    """The key path of the first string (or key) holding a lone surrogate, else None."""
    path = path or []
    if isinstance(data, str):
        return path if _SURROGATE.search(data) else None
    if isinstance(data, dict):
        for key, value in data.items():
            if _SURROGATE.search(key):
                return [*path, show_text(key)]
            found = first_surrogate(value, [*path, key])
            if found is not None:
                return found
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found = first_surrogate(value, [*path, i])
            if found is not None:
                return found
    return None


def has_surrogate(text: str) -> bool:
    return bool(_SURROGATE.search(text))


def show_text(text: str, limit: int = 60) -> str:
    """A string for a message: quoted, control and surrogate characters escaped, cut at
    ``limit`` characters (the message says so)."""
    quoted = repr(text[:limit])  # repr escapes control characters and surrogates
    if len(text) > limit:
        quoted += f" (cut: {len(text):,} characters)"
    return quoted


def _locate_duplicate(text: str) -> int:
    """Where the object holding the first duplicate key starts (the pure-Python scanner
    tells each object's start)."""
    decoder = json.JSONDecoder(object_pairs_hook=_pairs, parse_constant=float)

    def parse_object(s_and_end, *args, **kwargs):  # type: ignore[no-untyped-def]
        try:
            return json.decoder.JSONObject(s_and_end, *args, **kwargs)
        except _Duplicate as dup:
            if dup.pos is None:
                dup.pos = s_and_end[1] - 1  # the '{'
            raise

    decoder.parse_object = parse_object  # type: ignore[assignment]
    decoder.scan_once = json.scanner.py_make_scanner(decoder)  # type: ignore[attr-defined]
    try:
        decoder.decode(text)
    except _Duplicate as dup:
        return dup.pos or 0
    except (ValueError, RecursionError):
        pass
    return 0


def _locate_constant(text: str) -> int:
    """Where the first NaN/Infinity outside a string is (strings blanked, same length)."""
    blanked = _STRING.sub(lambda m: " " * len(m.group()), text)
    found = _CONSTANT.search(blanked)
    return found.start() if found else 0
