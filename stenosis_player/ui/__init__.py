"""The Qt layer: it adapts the Qt-free core (catalog, script, engine) to windows and keys."""

from .pyside_imports import lighten_feature_check

lighten_feature_check()  # before the modules of this package are imported
