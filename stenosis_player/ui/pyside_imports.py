"""Make every later import cheaper in memory and time under PySide6.

PySide6 (6.4 and later, PYSIDE-2029) checks each module imported after it for the word
"PySide6" with ``inspect.getsource``, which tokenises the file and keeps every line of it
in ``linecache`` for the rest of the process: measured here, 5-7 MB of the app's memory
(about 200 modules' source) and part of its start-up. The same check reading the file's
bytes, keeping nothing, gives PySide6 the same answer. PySide6 looks the helper up by name
at each import, so replacing it is enough; where it is not there (another version), nothing
is changed.
"""

from __future__ import annotations

import sys
from types import ModuleType


def uses_pyside(module: ModuleType) -> bool:
    """Whether a module's source mentions PySide6 (False for modules without a source)."""
    path = getattr(module, "__file__", None)
    if not isinstance(path, str) or not path.endswith(".py"):
        return False
    try:
        with open(path, "rb") as f:
            return b"PySide6" in f.read()
    except OSError:
        return False


def lighten_feature_check() -> bool:
    """Install ``uses_pyside`` as PySide6's check; True when it was installed."""
    import PySide6  # noqa: F401 - sets up the import hook this replaces

    feature = sys.modules.get("shibokensupport.feature")
    if feature is None or not callable(getattr(feature, "_mod_uses_pyside", None)):
        return False
    feature._mod_uses_pyside = uses_pyside
    return True
