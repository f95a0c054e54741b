"""Guards against a PySide6 refcount bug that aborts a long session.

PySide6 6.12.0 on Python 3.11 returns ``True`` from ``Signal.emit()`` without taking a
reference: after a few thousand emits Python aborts with "deallocating True or False".
pyproject.toml pins PySide6 below 6.12; this test fails if an installed version has the bug.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    fired = Signal(object, int)


def test_emitting_signals_keeps_reference_counts(qapp):
    emitter = _Emitter()
    emitter.fired.connect(lambda _obj, _n: None)
    before_true, before_none = sys.getrefcount(True), sys.getrefcount(None)
    for i in range(500):
        emitter.fired.emit(None, i)
    assert abs(sys.getrefcount(True) - before_true) < 50
    assert abs(sys.getrefcount(None) - before_none) < 50
