"""PySide6's per-import check reads each file's bytes instead of keeping its source."""

from __future__ import annotations

import importlib
import linecache
import sys
from pathlib import Path

import stenosis_player.ui  # noqa: F401 - installs the lighter check
from stenosis_player.ui.pyside_imports import uses_pyside


def test_pyside_uses_the_lighter_check():
    feature = sys.modules["shibokensupport.feature"]
    assert feature._mod_uses_pyside is uses_pyside


def test_it_answers_as_pyside_would():
    import json

    from stenosis_player.ui import theme

    assert uses_pyside(importlib.import_module("stenosis_player.ui.start_view"))
    assert not uses_pyside(json)
    assert not uses_pyside(sys)  # built in: no source
    assert uses_pyside(theme) == ("PySide6" in Path(theme.__file__).read_text())


def test_importing_a_module_keeps_no_source_lines(tmp_path, monkeypatch):
    (tmp_path / "fresh_module_for_the_check.py").write_text("from PySide6 import QtCore\nX = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    exec("import fresh_module_for_the_check")  # an import statement, as PySide6 watches
    module = sys.modules["fresh_module_for_the_check"]
    feature = sys.modules["shibokensupport.feature"]
    assert feature.pyside_feature_dict.get("fresh_module_for_the_check") == 0  # uses PySide
    assert module.__file__ not in linecache.cache
