"""Where user data lives: platformdirs by default; ``--data-dir`` moves all three folders."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "stenosis-player"
DATA_DIR_ENV = "STENOSIS_PLAYER_DATA_DIR"


@dataclass(frozen=True)
class AppPaths:
    config_dir: Path  # settings.json
    data_dir: Path  # progress.sqlite3
    cache_dir: Path  # synthesised speech

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.json"

    @property
    def database_file(self) -> Path:
        return self.data_dir / "progress.sqlite3"

    @property
    def speech_cache_dir(self) -> Path:
        return self.cache_dir / "speech"

    def ensure(self) -> AppPaths:
        for d in (self.config_dir, self.data_dir, self.cache_dir):
            d.mkdir(parents=True, exist_ok=True)
        return self


def app_paths(data_dir: str | Path | None = None) -> AppPaths:
    """All three folders under ``data_dir`` (or $STENOSIS_PLAYER_DATA_DIR), else the platform's."""
    root = data_dir or os.environ.get(DATA_DIR_ENV)
    if root:
        base = Path(root).expanduser().resolve()
        return AppPaths(base / "config", base / "data", base / "cache")
    import platformdirs

    return AppPaths(
        Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
        Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
        Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
    )
