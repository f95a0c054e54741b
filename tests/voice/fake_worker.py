"""A misbehaving speech worker, to inject failures through the real worker protocol.

Usage: fake_worker.py MODE [ARGS]
  no-espeak   the real worker, but the eSpeak NG library cannot be loaded
  hang N      the first N processes hang on their first request; later ones are real
  die         handshake, then exit on the first request
  raise       the real worker with an engine whose save_to_file raises
"""

from __future__ import annotations

import ctypes
import json
import os
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from stenosis_player.voice import worker


def main() -> int:
    mode = sys.argv[1]
    if mode == "no-espeak":

        def refuse(name: str):
            raise OSError(f"{name}: cannot open shared object file")

        ctypes.cdll.LoadLibrary = refuse  # type: ignore[method-assign]
        return worker.main()
    if mode == "hang":
        hangs, counter = int(sys.argv[2]), Path(sys.argv[3])
        started = int(counter.read_text()) if counter.exists() else 0
        counter.write_text(str(started + 1))
        if started >= hangs:
            return worker.main()
        print(json.dumps({"ready": True, "engine": "fake"}), flush=True)
        sys.stdin.readline()
        threading.Event().wait()  # hang until killed
        return 0
    if mode == "die":
        print(json.dumps({"ready": True, "engine": "fake"}), flush=True)
        sys.stdin.readline()
        os._exit(9)
    if mode == "raise":

        def engine():
            eng = worker.open_engine()

            def explode(text: str, path: str) -> None:
                raise RuntimeError("engine exploded")

            eng.save_to_file = explode
            return eng

        out = os.fdopen(os.dup(1), "w", encoding="utf-8")
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
        return worker.serve(sys.stdin, out, engine_factory=engine)
    raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    sys.exit(main())
