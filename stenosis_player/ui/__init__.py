"""The Qt layer: it adapts the Qt-free core (catalog, script, engine) to windows and keys."""
