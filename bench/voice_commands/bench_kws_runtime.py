"""What the neural recognizer costs at run time (issue 19): prints numbers, asserts nothing.

    python3 bench/voice_commands/bench_kws_runtime.py [--seconds 60]

CPU share of one core while listening to speech-like noise and to silence, milliseconds per
look of the network, the time to load the model, and the memory the process holds (resident
set size) before and after making the recognizer, for the neural one and for pocketsphinx.
Each is measured in a fresh subprocess so the two do not share memory.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

CHILD = r"""
import json, sys, time
sys.path.insert(0, {repo!r})
import stenosis_player  # first, as in the app: it keeps OpenBLAS to one thread
import numpy as np
from stenosis_player.voice_commands.recognizer import CommandRecognizer

def rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
before = rss_mb()
t = time.perf_counter()
rec = CommandRecognizer(engine={engine!r})
load_s = time.perf_counter() - t
rng = np.random.default_rng(1)
seconds = {seconds}
# speech-like: noise bursts with pauses, at a conversational level
x = rng.normal(size=16000 * seconds) * 3000
env = (np.sin(np.arange(len(x)) / 16000 * 2 * np.pi * 0.7) > 0).astype(float)
pcm = np.clip(x * env, -32768, 32767).astype("<i2").tobytes()
out = {{"engine": type(rec).__name__, "load_s": load_s, "rss_before_mb": before}}
for name, audio in (("speech-like", pcm), ("silence", b"\0\0" * 16000 * seconds)):
    step = 3200
    t = time.process_time()
    for i in range(0, len(audio), step):
        rec.feed(audio[i : i + step])
    out["cpu_" + name] = 100 * (time.process_time() - t) / seconds
out["rss_after_mb"] = rss_mb()
model = getattr(rec, "model", None)
if model is not None:
    from stenosis_player.voice_commands.features import normalise
    net = getattr(rec, "neural", rec)  # (the hybrid holds a NeuralRecognizer)
    w = normalise(net._frames)
    t = time.perf_counter()
    for _ in range(100):
        model.probabilities(w)
    out["ms_per_look"] = 10 * (time.perf_counter() - t)
print(json.dumps(out))
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--seconds", type=int, default=60)
    args = ap.parse_args(argv)
    for engine in ("neural", "hybrid", "sphinx"):
        code = CHILD.format(repo=str(REPO), engine=engine, seconds=args.seconds)
        res = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        r = json.loads(res.stdout.strip().splitlines()[-1])
        look = f", {r['ms_per_look']:.1f} ms per look" if "ms_per_look" in r else ""
        print(
            f"{r['engine']}: CPU {r['cpu_speech-like']:.1f} % of one core on speech-like "
            f"noise, {r['cpu_silence']:.1f} % on silence{look}; load {r['load_s'] * 1000:.0f} ms; "
            f"memory {r['rss_before_mb']:.0f} -> {r['rss_after_mb']:.0f} MB"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
