"""exercises.json → typed, immutable Exercise/Program objects, with precise validation.

Validation collects *every* problem, each with a location such as
``exercises[3].dose.reps.value: must be between 1 and 100``. The structural checks come
from the published JSON Schema (``data/exercises.schema.json``, validated with the
``jsonschema`` library); the cross-references (duplicate ids, unknown exercises, image
files) are checked here because a schema cannot express them.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from collections.abc import Iterable
from dataclasses import field, replace
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from . import resources, strict_json
from .catalog_sense import sense_problems
from .digest import sha256
from .picture_files import picture_problem
from .records import Record, record
from .user_files import FileProblem, decode_utf8, read_limited

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 20

Sides = Literal["none", "each", "alternating"]
Phase = Literal["start", "mid", "end"]


class CatalogError(Exception):
    """The catalogue cannot be used; ``problems`` lists every reason, one line each."""

    def __init__(self, path: Path | str, problems: list[str]) -> None:
        self.path = Path(path)
        self.problems = problems
        super().__init__(f"{path}: {len(problems)} problem(s)\n" + "\n".join(problems))


@record
class Source(Record):
    id: str
    title: str
    publisher: str | None
    author: str | None
    seed: str | None = None
    note: str | None = None
    kind: str = "article"  # article / therapist (a program written for one patient) / app

    def citation(self) -> str:
        parts = [f"“{self.title}”"]
        if self.author:
            parts.append(self.author)
        if self.publisher:
            parts.append(self.publisher)
        return ", ".join(parts)


@record
class Quantity(Record):
    """One dose number: the value used, the article's range, its words, or the app's default."""

    value: int
    range: tuple[int, int] | None = None
    quote: str | None = None
    app_default: bool = False

    def describe(self) -> str:
        if self.range:
            return f"{self.range[0]}–{self.range[1]}"
        return str(self.value) + (" (app default)" if self.app_default else "")


@record
class Dose(Record):
    sides: Sides
    reps: Quantity | None = None
    sets: Quantity = Quantity(1, app_default=True)
    hold_s: Quantity = Quantity(0, app_default=True)
    rest_s: Quantity = Quantity(0, app_default=True)  # between sets (and sides)
    duration_s: Quantity | None = None  # timed exercises (march, walk) have a duration, not reps
    rest_between_reps_s: Quantity = Quantity(0, app_default=True)

    @property
    def timed(self) -> bool:
        return self.duration_s is not None


@record
class Steps(Record):
    """Each phase's full sentence (said on the first rep) and its short cue (later reps).
    A missing cue means the full sentence is said every time: text is never cut."""

    move: str
    hold: str | None = None
    release: str | None = None
    move_cue: str | None = None
    hold_cue: str | None = None
    release_cue: str | None = None

    def cue(self, phase: str) -> str | None:
        return getattr(self, f"{phase}_cue") or getattr(self, phase)


@record
class SideCue(Record):
    """How one side is named: ``label`` on screen, ``say`` when the side starts, ``cue``
    before each rep of that side when sides alternate rep by rep."""

    label: str
    say: str
    cue: str | None = None


@record
class Note(Record):
    """A note or tip said once: with the intro, or after a given rep of the first set."""

    text: str
    source: Source
    when: str = "intro"  # intro / after-rep
    rep: int = 1


@record
class Image(Record):
    path: Path  # absolute, resolved against the catalogue's folder
    alt: str


@record
class Modification(Record):
    id: str
    name: str
    text: str
    kind: str = "easier"
    setup: tuple[str, ...] | None = None
    steps: Steps | None = None
    position: str | None = None
    replace_with: str | None = None
    images: dict[str, Image] = field(default_factory=dict)
    notes: tuple[Note, ...] | None = None  # replaces the exercise's notes (None: keeps them)
    equipment: tuple[str, ...] | None = None


@record
class ProgressionRule(Record):
    field: Literal["hold_s", "reps", "sets"]
    start: int
    target: int
    step: int
    after_sessions: int
    app_default: bool = False


@record
class Progression(Record):
    text: str
    next: str | None = None
    rules: tuple[ProgressionRule, ...] = ()  # in order: each starts when the one before is done
    text_by_app: bool = False

    @property
    def rule(self) -> ProgressionRule | None:
        """The first rule (the one whose start value a new user begins with)."""
        return self.rules[0] if self.rules else None


@record
class Check(Record):
    question: str
    on_no: Literal["remove", "note"]
    timeout_s: float = 20.0
    quote: str | None = None
    settle_s: float = 0.0  # a settle period, with a countdown, before the question
    settle_say: str | None = None


@record
class Caution(Record):
    """A caution in its article's words, with that article: the exercise's own source unless
    the catalogue names another (a caution quoted from a different article)."""

    text: str
    source: Source
    when: str = "before-move"  # intro / before-move / hold


@record
class Exercise(Record):
    id: str
    name: str
    source: Source
    position: str
    equipment: tuple[str, ...]
    setup: tuple[str, ...]
    steps: Steps
    dose: Dose
    move_s: float = 3.0
    release_s: float = 3.0
    category: str | None = None
    cautions: tuple[Caution, ...] = ()
    notes: tuple[Note, ...] = ()
    modifications: tuple[Modification, ...] = ()
    progression: Progression | None = None
    check: Check | None = None
    images: dict[str, Image] = field(default_factory=dict)
    side_cues: dict[str, SideCue] = field(default_factory=dict)
    switch_side_s: float | None = None
    # every sentence here that is the app's wording rather than its source's (marked by_app)
    app_wording: frozenset[str] = frozenset()

    def modification(self, mod_id: str | None) -> Modification | None:
        return next((m for m in self.modifications if m.id == mod_id), None)

    def image_for(self, phase: str, mod_id: str | None = None) -> Image | None:
        """The picture for a phase, the modification's own where it has one."""
        mod = self.modification(mod_id)
        if mod and phase in mod.images:
            return mod.images[phase]
        if phase in self.images:
            return self.images[phase]
        return self.images.get("start") or self.images.get("end")


@record
class ProgramItem(Record):
    exercise_id: str
    included: bool = True
    dose: dict[str, int] = field(default_factory=dict)
    modification: str | None = None
    note: str | None = None  # why it is held back, or any remark for the reader


@record
class Program(Record):
    id: str
    name: str
    source: Source | None
    items: tuple[ProgramItem, ...]


@record
class Safety(Record):
    before_starting: str
    stop_if_it_hurts: str | None = None
    app_addition: str | None = None
    source: str | None = None  # the article of before_starting (and of the rest, unless ...)
    stop_if_it_hurts_source: str | None = None  # ... stop_if_it_hurts names its own


@record
class Catalog(Record):
    path: Path
    sources: dict[str, Source]
    exercises: dict[str, Exercise]
    programs: dict[str, Program]
    default_program: str
    safety: Safety | None
    flexion_progression: tuple[str, ...] = ()
    transitions: dict[str, float] = field(default_factory=dict)
    offers: tuple[tuple[str, ...], ...] = ()  # other chains offered like the flexion order
    version: int = 2
    # loaded before its schema pass (a first start): ``check_schema_later`` runs it
    schema_pending: bool = field(default=False, compare=False)

    def program(self, program_id: str | None = None) -> Program:
        pid = program_id or self.default_program
        try:
            return self.programs[pid]
        except KeyError:
            known = ", ".join(self.programs)
            raise KeyError(f"unknown program {pid!r}; known programs: {known}") from None


# --------------------------------------------------------------------------- loading


@cache
def schema() -> dict[str, Any]:
    return json.loads(resources.schema_path().read_text(encoding="utf-8"))


def load_catalog(
    path: Path | str | None = None,
    *,
    cache_dir: Path | None = None,
    schema_later: bool = False,
) -> Catalog:
    """Read, validate and type a catalogue; raise CatalogError listing every problem.

    With ``cache_dir``, a file whose exact bytes already passed the schema skips the schema
    pass (importing and running jsonschema is most of the app's start-up cost); the
    cross-reference and image checks always run.

    ``schema_later`` (the shipped catalogue, on a first start): a file that passes those
    checks and builds is used at once, and ``check_schema_later`` must run the schema pass
    afterwards; a file that fails them, or does not build, gets the full check now, so its
    errors still name the field.
    """
    path = Path(path) if path else resources.catalog_path()
    raw = _read_bytes(path)
    data = _parse(path, raw)
    stamp = _validated_stamp(raw, cache_dir) if cache_dir else None
    stamped = stamp is not None and stamp.is_file()
    if stamped or schema_later:
        problems = (
            _nan_problems(data, [])
            or _cross_reference_problems(data, path.parent)
            or sense_problems(data)
        )
        if not problems:
            try:
                catalog = _build(data, path)
            except Exception:  # a shape only the schema can explain: say it as it does
                problems = validate(data, path.parent) or [
                    "the file does not have the shape of a catalogue"
                ]
            else:
                return catalog if stamped else replace(catalog, schema_pending=True)
    else:
        problems = validate(data, path.parent)
    if problems:
        raise CatalogError(path, problems)
    _write_stamp(stamp, path)
    return _build(data, path)


def check_schema_later(catalog: Catalog, cache_dir: Path | None) -> list[str]:
    """The schema pass ``load_catalog(schema_later=True)`` left out (run it off the UI
    thread): the problems it finds, each 'file: location: message'; none stamps the file."""
    if not getattr(catalog, "schema_pending", False):
        return []
    path = catalog.path
    try:
        raw = _read_bytes(path)
        problems = validate(_parse(path, raw), path.parent)
    except CatalogError as err:
        problems = err.problems
    if problems:
        return [f"{path}: {p}" for p in problems]
    if cache_dir is not None:
        _write_stamp(_validated_stamp(raw, cache_dir), path)
    return []


def _write_stamp(stamp: Path | None, path: Path) -> None:
    if stamp is not None and not stamp.is_file():
        with contextlib.suppress(OSError):  # only a speed-up: never fail because of it
            stamp.parent.mkdir(parents=True, exist_ok=True)
            stamp.write_text(str(path), encoding="utf-8")


_RULES_VERSION = b"strict-integers-1"  # bump when validate() changes beyond the schema


def _validated_stamp(raw: bytes, cache_dir: Path) -> Path | None:
    try:
        digest = sha256(raw + resources.schema_path().read_bytes() + _RULES_VERSION)
    except OSError:
        return None
    return cache_dir / "validated-catalogs" / digest.hexdigest()


def read_json(path: Path) -> Any:
    """Parse a catalogue-shaped JSON file with its guards (size, depth, UTF-8, NaN,
    duplicate keys); raise CatalogError naming what is wrong."""
    return _parse(path, _read_bytes(path))


def _read_bytes(path: Path) -> bytes:
    try:
        return read_limited(path, MAX_FILE_BYTES, what="catalogue")
    except FileNotFoundError:
        raise CatalogError(path, ["cannot read the file: it does not exist"]) from None
    except FileProblem as exc:
        raise CatalogError(path, [exc.reason]) from None


def _parse(path: Path, raw: bytes) -> Any:
    try:
        text = decode_utf8(raw)
    except ValueError as exc:
        raise CatalogError(path, [str(exc)]) from None
    depth = _max_depth(text)
    if depth > MAX_DEPTH:
        raise CatalogError(path, [f"nested {depth} levels deep; the limit is {MAX_DEPTH}"])
    try:
        return strict_json.loads(text)
    except strict_json.JsonProblem as exc:
        raise CatalogError(path, [str(exc)]) from None


# a JSON string, to its closing quote (or to the end of the text when it has none)
_STRING = re.compile(r'"(?:[^"\\]+|\\.)*"?', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


def _max_depth(text: str) -> int:
    """Bracket depth outside strings, measured before parsing (json recursion can blow up).
    The strings are cut out first, so Python loops over the brackets only."""
    depth = deepest = 0
    for bracket in _BRACKET.findall(_STRING.sub("", text)):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def location(path: Iterable[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def validate(data: Any, base_dir: Path) -> list[str]:
    """Every problem in a parsed catalogue, each 'location: message', sorted by location."""
    import jsonschema

    validator = _strict_validator(jsonschema)(schema())
    errors = [e for err in validator.iter_errors(data) for e in _branch_errors(err)]
    problems = list(
        dict.fromkeys(
            f"{location(err.absolute_path)}: {cap_message(_friendly(err))}"
            for err in sorted(errors, key=lambda e: list(map(str, e.absolute_path)))
        )
    )
    problems += _nan_problems(data, [])
    if isinstance(data, dict) and not problems:
        problems += _cross_reference_problems(data, base_dir)
        problems += sense_problems(data)
    return problems


def _branch_errors(err: Any) -> list[Any]:
    """For a value that may take several shapes (a number or a dose object, a string or a
    text object), the errors of the shape it has, not 'not valid under any schema'."""
    if err.validator != "anyOf" or not err.context:
        return [err]
    same_shape = [
        e for e in err.context if not (e.validator == "type" and list(e.relative_path) == [])
    ]
    if not same_shape:  # no shape fits its type: say what the first shape wants
        return [err.context[0]]
    return [e for sub in same_shape for e in _branch_errors(sub)]


MAX_MESSAGE = 300  # characters of one problem line; longer ones are cut and say so


def cap_message(text: str, limit: int = MAX_MESSAGE) -> str:
    """One problem line, at most ``limit`` characters (a 1 MB value is not echoed whole)."""
    if len(text) <= limit:
        return text
    return text[: limit - 40].rstrip() + f" … (message cut at {limit} characters)"


@cache
def _strict_validator(jsonschema: Any) -> Any:
    """The schema's validator where "integer" means a JSON number written as a whole number:
    jsonschema counts 10.0 and 1e1 as integers, which the script builder cannot use."""

    def is_integer(_checker: Any, value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool)

    base = jsonschema.Draft202012Validator
    checker = base.TYPE_CHECKER.redefine("integer", is_integer)
    return jsonschema.validators.extend(base, type_checker=checker)


# JSON's own names for Python's types, for messages
_JSON_TYPE = {
    "NoneType": "null",
    "bool": "true/false",
    "int": "a whole number",
    "float": "a number",
    "str": "text",
    "list": "an array",
    "dict": "an object",
}


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return strict_json.show_text(value)
    if isinstance(value, dict | list):
        return f"{_JSON_TYPE[type(value).__name__]} of {len(value):,} item(s)"
    return json.dumps(value)


def _friendly(err: Any) -> str:
    """jsonschema's messages, reworded for a person editing the file."""
    v, s = err.validator, err.schema
    if v in ("minimum", "maximum") and "minimum" in s and "maximum" in s:
        return f"must be between {s['minimum']} and {s['maximum']} (found {_shown(err.instance)})"
    if v == "maxLength":
        n = len(err.instance)
        return f"is {n:,} characters long; the limit is {s['maxLength']:,}"
    if v == "maxItems":
        return f"has {len(err.instance):,} items; the limit is {s['maxItems']:,}"
    if v == "maxProperties":
        return f"has {len(err.instance):,} keys; the limit is {s['maxProperties']:,}"
    if v == "additionalProperties":
        extra = sorted(set(err.instance) - set(s.get("properties", {})))
        return "unknown key" + ("s " if len(extra) > 1 else " ") + ", ".join(map(repr, extra))
    if v == "required":
        return f"missing required key {err.message.split(' ')[0]}"
    if v == "type":
        types = [s["type"]] if isinstance(s["type"], str) else s["type"]
        inst = err.instance
        if "integer" in types and isinstance(inst, float) and inst.is_integer():
            return (
                f"must be a whole number written without a decimal point or exponent "
                f"({int(inst)}, not {_shown(inst)})"
            )
        want = " or ".join(_SCHEMA_TYPE.get(t, t) for t in types)
        found = _JSON_TYPE.get(type(inst).__name__, "something else")
        return f"must be {want}, not {found} ({_shown(inst)})"
    if v == "enum":
        return f"must be one of {', '.join(map(repr, s['enum']))} (found {_shown(err.instance)})"
    if v == "minItems" and s["minItems"] == 1:
        return "must not be empty"
    if v == "pattern":
        return f"{_shown(err.instance)} is not a valid id (lowercase letters, digits and dashes)"
    return err.message


_SCHEMA_TYPE = {
    "null": "null",
    "boolean": "true or false",
    "integer": "a whole number",
    "number": "a number",
    "string": "text",
    "array": "an array [...]",
    "object": "an object {...}",
}


def _nan_problems(data: Any, path: list[Any]) -> list[str]:
    if isinstance(data, float) and not math.isfinite(data):
        return [f"{location(path)}: must be a finite number"]
    if isinstance(data, dict):
        return [p for k, v in data.items() for p in _nan_problems(v, [*path, k])]
    if isinstance(data, list):
        return [p for i, v in enumerate(data) for p in _nan_problems(v, [*path, i])]
    return []


def _cross_reference_problems(data: dict[str, Any], base_dir: Path) -> list[str]:
    problems: list[str] = []

    def dupes(kind: str, items: list[dict[str, Any]]) -> set[str]:
        seen: set[str] = set()
        for i, item in enumerate(items):
            if item["id"] in seen:
                problems.append(f"{kind}[{i}].id: duplicate id {item['id']!r}")
            seen.add(item["id"])
        return seen

    inside = base_dir.resolve()  # where every picture must stay
    source_ids = dupes("sources", data["sources"])
    exercise_ids = dupes("exercises", data["exercises"])
    program_ids = dupes("programs", data["programs"])
    if data["default_program"] not in program_ids:
        problems.append(f"default_program: unknown program {data['default_program']!r}")
    for i, ex in enumerate(data["exercises"]):
        where = f"exercises[{i}]"
        if ex["source"] not in source_ids:
            problems.append(f"{where}.source: unknown source {ex['source']!r}")
        nxt = (ex.get("progression") or {}).get("next")
        if nxt and nxt not in exercise_ids:
            problems.append(f"{where}.progression.next: unknown exercise {nxt!r}")
        for kind in ("cautions", "notes"):
            for j, item in enumerate(ex.get(kind, [])):
                ref = item.get("source") if isinstance(item, dict) else None
                if ref is not None and ref not in source_ids:
                    problems.append(f"{where}.{kind}[{j}].source: unknown source {ref!r}")
        problems += _image_problems(ex.get("images", {}), f"{where}.images", base_dir, inside)
        for j, mod in enumerate(ex.get("modifications", [])):
            mwhere = f"{where}.modifications[{j}]"
            if mod.get("replace_with") and mod["replace_with"] not in exercise_ids:
                problems.append(f"{mwhere}.replace_with: unknown exercise {mod['replace_with']!r}")
            problems += _image_problems(mod.get("images", {}), f"{mwhere}.images", base_dir, inside)
    mods = {ex["id"]: {m["id"] for m in ex.get("modifications", [])} for ex in data["exercises"]}
    for i, prog in enumerate(data["programs"]):
        if prog.get("source") and prog["source"] not in source_ids:
            problems.append(f"programs[{i}].source: unknown source {prog['source']!r}")
        for j, item in enumerate(prog["exercises"]):
            where = f"programs[{i}].exercises[{j}]"
            if item["exercise"] not in exercise_ids:
                problems.append(f"{where}.exercise: unknown exercise {item['exercise']!r}")
            elif item.get("modification") and item["modification"] not in mods[item["exercise"]]:
                problems.append(
                    f"{where}.modification: unknown modification {item['modification']!r}"
                )
    for key in ("source", "stop_if_it_hurts_source"):
        ref = (data.get("safety") or {}).get(key)
        if ref and ref not in source_ids:
            problems.append(f"safety.{key}: unknown source {ref!r}")
    chains = [("flexion_progression", data.get("flexion_progression"))]
    chains += [(f"offers[{i}]", o) for i, o in enumerate(data.get("offers", []))]
    for where, chain in chains:
        for k, ex_id in enumerate(chain["order"] if chain else []):
            if ex_id not in exercise_ids:
                problems.append(f"{where}.order[{k}]: unknown exercise {ex_id!r}")
        if chain and chain.get("source") and chain["source"] not in source_ids:
            problems.append(f"{where}.source: unknown source {chain['source']!r}")
    return problems


def _image_problems(
    images: dict[str, Any], where: str, base_dir: Path, inside: Path | None = None
) -> list[str]:
    """``inside``: ``base_dir.resolve()``, once per catalogue (each picture resolving it
    again was a ``realpath`` of every folder on the way: ~1 ms of a start)."""
    problems = []
    if inside is None and images:
        inside = base_dir.resolve()
    for phase, img in images.items():
        rel = img["path"]
        loc = f"{where}.{phase}.path"
        pure = PurePosixPath(rel.replace("\\", "/"))
        if pure.is_absolute() or Path(rel).is_absolute() or (len(rel) > 1 and rel[1] == ":"):
            problems.append(f"{loc}: {rel!r} must be a path relative to the catalogue's folder")
        elif ".." in pure.parts:
            problems.append(f"{loc}: {rel!r} leaves the catalogue's folder")
        elif not (base_dir / pure).is_file():
            problems.append(f"{loc}: image file {rel!r} does not exist in {base_dir}")
        elif not (base_dir / pure).resolve().is_relative_to(inside):
            # a symlinked file or folder: what it points at must stay inside too
            problems.append(f"{loc}: {rel!r} is a link that leads outside the catalogue's folder")
        elif why := picture_problem(base_dir / pure):
            problems.append(f"{loc}: {why}")
    return problems


# --------------------------------------------------------------------------- typing


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    """A version-1 catalogue in version 2's shape (version 1 files keep loading).

    Version 1 marked app-written steps with one ``steps_by_app`` flag and had a single
    progression ``rule``; its strings stay valid version-2 texts."""
    if data.get("version", 2) >= 2:
        return data
    out = json.loads(json.dumps(data))
    for ex in out["exercises"]:
        if ex.pop("steps_by_app", False):
            ex["setup"] = [_by_app(t) for t in ex["setup"]]
            ex["steps"] = {k: _by_app(v) for k, v in ex["steps"].items()}
        prog = ex.get("progression")
        if prog and "rule" in prog:
            prog["rules"] = [prog.pop("rule")]
    out["version"] = 2
    return out


def _by_app(value: Any) -> dict[str, Any]:
    return {**value, "by_app": True} if isinstance(value, dict) else {"text": value, "by_app": True}


class _Texts:
    """Reads text fields (a string, or an object with ``text`` and ``by_app``) and keeps
    the set of sentences the app wrote itself, for the clinical review and the lint."""

    def __init__(self) -> None:
        self.by_app: set[str] = set()

    def text(self, value: Any, key: str = "text", flag: str = "by_app") -> str:
        if isinstance(value, str):
            return value
        if value.get(flag):
            self.by_app.add(value[key])
        return value[key]

    def steps(self, d: dict[str, Any] | None) -> Steps | None:
        if not d:
            return None
        full: dict[str, str | None] = {}
        for phase in ("move", "hold", "release"):
            value = d.get(phase)
            full[phase] = self.text(value) if value is not None else None
            cue = value.get("cue") if isinstance(value, dict) else None
            if cue and value.get("cue_by_app"):
                self.by_app.add(cue)
            full[f"{phase}_cue"] = cue
        return Steps(full["move"] or "", **{k: v for k, v in full.items() if k != "move"})


def _qty(d: dict[str, Any] | int | None) -> Quantity | None:
    if d is None:
        return None
    if isinstance(d, int):
        return Quantity(d)
    rng = tuple(d["range"]) if "range" in d else None
    return Quantity(d["value"], rng, d.get("quote"), d.get("app_default", False))  # type: ignore[arg-type]


def _images(d: dict[str, Any] | None, base: Path) -> dict[str, Image]:
    return {k: Image((base / v["path"]).resolve(), v["alt"]) for k, v in (d or {}).items()}


def _dose_value(v: Any) -> int:
    """A program's dose number, written as a bare number or like an exercise's dose."""
    return int(v["value"] if isinstance(v, dict) else v)


def _exercise(e: dict[str, Any], sources: dict[str, Source], base: Path) -> Exercise:
    texts = _Texts()
    own = sources[e["source"]]
    dose_d = e["dose"]
    dose = Dose(
        sides=dose_d["sides"],
        reps=_qty(dose_d.get("reps")),
        sets=_qty(dose_d.get("sets")) or Quantity(1, app_default=True),
        hold_s=_qty(dose_d.get("hold_s")) or Quantity(0, app_default=True),
        rest_s=_qty(dose_d.get("rest_s")) or Quantity(0, app_default=True),
        duration_s=_qty(dose_d.get("duration_s")),
        rest_between_reps_s=_qty(dose_d.get("rest_between_reps_s"))
        or Quantity(0, app_default=True),
    )
    if dose.reps is None and dose.duration_s is None:
        dose = replace(dose, reps=Quantity(1, app_default=True))
    prog = e.get("progression")
    chk = e.get("check")
    pacing = e.get("pacing", {})

    def caution(c: Any) -> Caution:
        if isinstance(c, str):
            return Caution(c, own)
        return Caution(
            texts.text(c), sources[c.get("source", own.id)], c.get("when", "before-move")
        )

    def note(n: Any) -> Note:
        if isinstance(n, str):
            return Note(n, own)
        return Note(
            texts.text(n), sources[n.get("source", own.id)], n.get("when", "intro"), n.get("rep", 1)
        )

    def side(d: dict[str, Any]) -> SideCue:
        if d.get("by_app"):
            texts.by_app.update(t for t in (d["say"], d.get("cue")) if t)
        return SideCue(d["label"], d["say"], d.get("cue"))

    mods = tuple(
        Modification(
            m["id"],
            m["name"],
            m["text"],
            m.get("kind", "easier"),
            tuple(texts.text(t) for t in m["setup"]) if "setup" in m else None,
            texts.steps(m.get("steps")),
            m.get("position"),
            m.get("replace_with"),
            _images(m.get("images"), base),
            tuple(note(n) for n in m["notes"]) if "notes" in m else None,
            tuple(m["equipment"]) if "equipment" in m else None,
        )
        for m in e.get("modifications", [])
    )
    check = None
    if chk:
        if chk.get("question_by_app"):
            texts.by_app.add(chk["question"])
        check = Check(
            chk["question"],
            chk["on_no"],
            chk.get("timeout_s", 20.0),
            chk.get("quote"),
            chk.get("settle_s", 0.0),
            texts.text(chk["settle_say"]) if "settle_say" in chk else None,
        )
    progression = None
    if prog:
        rules = prog.get("rules") or ([prog["rule"]] if "rule" in prog else [])
        progression = Progression(
            prog["text"],
            prog.get("next"),
            tuple(ProgressionRule(**r) for r in rules),
            prog.get("text_by_app", False),
        )
        if progression.text_by_app:
            texts.by_app.add(progression.text)
    return Exercise(
        id=e["id"],
        name=e["name"],
        source=own,
        position=e["position"],
        equipment=tuple(e["equipment"]),
        setup=tuple(texts.text(t) for t in e["setup"]),
        steps=texts.steps(e["steps"]) or Steps(""),
        dose=dose,
        move_s=pacing.get("move_s", 3.0),
        release_s=pacing.get("release_s", 3.0),
        category=e.get("category"),
        cautions=tuple(caution(c) for c in e.get("cautions", ())),
        notes=tuple(note(n) for n in e.get("notes", ())),
        modifications=mods,
        progression=progression,
        check=check,
        images=_images(e.get("images"), base),
        side_cues={k: side(v) for k, v in e.get("side_cues", {}).items()},
        switch_side_s=pacing.get("switch_side_s"),
        app_wording=frozenset(texts.by_app),
    )


def _build(data: dict[str, Any], path: Path) -> Catalog:
    version = data.get("version", 2)
    data = migrate(data)
    base = path.parent
    sources = {
        s["id"]: Source(
            s["id"],
            s["title"],
            s.get("publisher"),
            s.get("author"),
            s.get("seed"),
            s.get("note"),
            s.get("kind", "article"),
        )
        for s in data["sources"]
    }
    exercises = {e["id"]: _exercise(e, sources, base) for e in data["exercises"]}
    programs = {
        p["id"]: Program(
            p["id"],
            p["name"],
            sources.get(p.get("source", "")),
            tuple(
                ProgramItem(
                    i["exercise"],
                    i.get("included", True),
                    {k: _dose_value(v) for k, v in i.get("dose", {}).items()},
                    i.get("modification"),
                    i.get("note"),
                )
                for i in p["exercises"]
            ),
        )
        for p in data["programs"]
    }
    safety = data.get("safety")
    flex = data.get("flexion_progression")
    return Catalog(
        path=path,
        sources=sources,
        exercises=exercises,
        programs=programs,
        default_program=data["default_program"],
        safety=Safety(
            safety["before_starting"],
            safety.get("stop_if_it_hurts"),
            safety.get("app_addition"),
            safety.get("source"),
            safety.get("stop_if_it_hurts_source") or safety.get("source"),
        )
        if safety
        else None,
        flexion_progression=tuple(flex["order"]) if flex else (),
        transitions=dict((data.get("transitions") or {}).get("seconds", {})),
        offers=tuple(tuple(o["order"]) for o in data.get("offers", ())),
        version=version,
    )
