"""Entry point of the PyInstaller bundle (``packaging/stenosis-player.spec``).

The voice layer runs its synthesis worker as ``sys.executable -m stenosis_player.voice.worker``.
In a bundle ``sys.executable`` is this program, not a Python interpreter, so that one
``-m`` form is handled here; everything else goes to the normal command line.
"""

from __future__ import annotations

import multiprocessing
import runpy
import sys

RUNNABLE_MODULES = ("stenosis_player.voice.worker",)


def main() -> int:
    if sys.argv[1:2] == ["--voice-worker"]:  # how the voice layer starts its worker when frozen
        from stenosis_player.voice.worker import main as worker_main

        return worker_main()
    if len(sys.argv) >= 3 and sys.argv[1] == "-m" and sys.argv[2] in RUNNABLE_MODULES:
        module = sys.argv[2]
        sys.argv = [sys.argv[0], *sys.argv[3:]]
        runpy.run_module(module, run_name="__main__", alter_sys=True)
        return 0
    from stenosis_player.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
