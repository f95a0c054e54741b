"""How long planning a session takes: the script timed by estimates, by real clips from a
warm cache (what the window, `script` and `export-audio` do on every run after the first),
and by clips made cold (the first run with a new voice). Prints numbers; asserts nothing.

    python bench/bench_script.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stenosis_player.catalog import load_catalog
from stenosis_player.script import ScriptOptions, build_script
from stenosis_player.voice.synth import Synthesizer, default_workers
from stenosis_player.voice.timing import ClipTimer


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    catalog = load_catalog()
    for program_id in catalog.programs:
        estimated = []
        for _ in range(args.runs):
            t = time.perf_counter()
            script = build_script(catalog, program_id)
            estimated.append(time.perf_counter() - t)
        with (
            tempfile.TemporaryDirectory() as cache,
            Synthesizer(cache, workers=default_workers()) as synth,
        ):
            t = time.perf_counter()
            cold_timer = ClipTimer(synth)
            cold = build_script(catalog, program_id, ScriptOptions(speech_seconds=cold_timer))
            cold_s = time.perf_counter() - t
            warm = []
            for _ in range(args.runs):
                t = time.perf_counter()
                build_script(catalog, program_id, ScriptOptions(speech_seconds=ClipTimer(synth)))
                warm.append(time.perf_counter() - t)
        lines = len(cold.texts())
        print(
            f"{program_id:24} {len(script):4} segments, {lines:3} distinct lines | "
            f"estimated {ms(statistics.median(estimated))} | "
            f"real clips, warm cache {ms(statistics.median(warm))} | "
            f"cold (synthesising {cold_timer.measured} candidate lines) {cold_s:.2f} s | "
            f"total {cold.total / 60:.2f} min real vs {script.total / 60:.2f} min estimated"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
