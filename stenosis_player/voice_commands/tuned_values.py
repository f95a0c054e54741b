"""Reading a recogniser's tuned values (thresholds and rules chosen by the benchmarks in
bench/voice_commands/) from their JSON file into a settings dataclass."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def load_tuned(cls: type[T], resource: str, path: str | Path | None = None) -> T:
    """*cls* built from *path*, or from the packaged ``stenosis_player.data`` *resource*;
    keys *cls* does not know are ignored (an older or newer file still loads), and a
    missing packaged file gives the defaults."""
    if path is None:
        try:
            text = resources.files("stenosis_player.data").joinpath(resource).read_text("utf-8")
        except (FileNotFoundError, ModuleNotFoundError):
            return cls()
    else:
        text = Path(path).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    known = set(cls.__dataclass_fields__)  # type: ignore[attr-defined]
    return cls(**{k: v for k, v in data.items() if k in known})
