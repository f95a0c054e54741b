"""A tiny app for the single-instance tests: ``python si_proc.py KEY [LOCK_DIR]``.

Prints ``primary`` (then waits to be asked forward: prints ``activated`` and exits 0) or
``secondary notified=True|False`` and exits 3.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from PySide6.QtCore import QCoreApplication, QTimer

from stenosis_player.single_instance import SingleInstance


def main() -> int:
    app = QCoreApplication(sys.argv[:1])
    lock_dir = sys.argv[2] if len(sys.argv) > 2 else None
    instance = SingleInstance(sys.argv[1], lock_dir=lock_dir)
    if not instance.acquire():
        print(f"secondary notified={instance.notified}", flush=True)
        return 3

    def activated() -> None:
        print("activated", flush=True)
        app.quit()

    instance.activation_requested.connect(activated)
    QTimer.singleShot(30_000, app.quit)  # never hang a test run
    print("primary", flush=True)
    app.exec()
    instance.release()
    return 0


if __name__ == "__main__":
    sys.exit(main())
