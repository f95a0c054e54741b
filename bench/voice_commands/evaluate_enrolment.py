"""Adapting the neural spotter to an enrolled voice, measured on held-out voices (issue 19).

    nice -n 10 python3 bench/voice_commands/evaluate_enrolment.py /tmp/vc-eval

For each held-out voice (ked, awb, rms): its enrolment is three takes of every command from
its *tune* split (plain, in quiet: what Settings' enrolment records), never used otherwise;
the adapted spotter is then measured on that voice's *test* split (other utterances, texts and
noise), against the shipped spotter on the same files. Prints recall per noise level and
variant, and false commands per hour of that voice's ordinary speech.
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
import zlib
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import evaluate_heldout as ev
from common import load_manifest, read_pcm

from stenosis_player.voice_commands.adapt import Take
from stenosis_player.voice_commands.commands import phrase_to_command
from stenosis_player.voice_commands.neural import NeuralRecognizer, NeuralSettings

TABLE = phrase_to_command()


def enrolment_takes(data: Path, manifest: list[dict], voice: str) -> list[Take]:
    out = []
    for e in manifest:
        if (
            e["split"] == "tune"
            and e["kind"] == "command"
            and e["voice"] == voice
            and e["variant"] == "plain"
            and e["noise"] == "none"
        ):
            start, end = int(e["speech_start_s"] * 16000), int(e["speech_end_s"] * 16000)
            out.append(Take(e["phrase"], read_pcm(data / e["path"]), start, end))
    return out


_ADAPTED: dict[str, object] = {}  # voice -> adapted model, per worker process


def _run(args):
    data, entries, question, voice, takes = args
    if takes is None:
        ev._RECOGNIZER = NeuralRecognizer
    else:
        if voice not in _ADAPTED:
            _ADAPTED[voice] = NeuralRecognizer(enrolment=takes).model
        model = _ADAPTED[voice]
        ev._RECOGNIZER = lambda settings: NeuralRecognizer(settings=settings, model=model)
    return ev._run_group((data, entries, NeuralSettings.load(), question))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("data", nargs="?", default="/tmp/vc-eval", type=Path)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--subset", type=int, default=1, help="keep 1 in N test files (by path)")
    args = ap.parse_args(argv)
    manifest = load_manifest(args.data)
    jobs, keys = [], []
    for voice in ev.HELD_OUT:
        takes = enrolment_takes(args.data, manifest, voice)
        test = [
            e
            for e in manifest
            if e["split"] == "test"
            and e["voice"] == voice
            and zlib.crc32(e["path"].encode()) % args.subset == 0
        ]
        groups: dict[tuple, list[dict]] = collections.defaultdict(list)
        for e in test:
            groups[ev._group_key(e)].append(e)
        for key, entries in groups.items():
            for mode, t in (("shipped", None), ("enrolled", takes)):
                jobs.append((args.data, entries, key[-1], voice, t))
                keys.append((voice, mode))
        print(f"{voice}: enrolled with {len(takes)} takes; {len(test)} test files", flush=True)
    t0 = time.time()
    with ProcessPoolExecutor(args.jobs) as pool:
        results = list(pool.map(_run, jobs))
    print(f"ran in {time.time() - t0:.0f} s")
    hits: dict[tuple, list[int]] = collections.defaultdict(lambda: [0, 0])
    false: collections.Counter = collections.Counter()
    hours: collections.Counter = collections.Counter()
    for (voice, mode), outs in zip(keys, results, strict=True):
        for o in outs:
            e = o.entry
            got = [c[0] for c in o.candidates]
            if e["kind"] == "negative":
                hours[(voice, mode)] += o.seconds / 3600
                false[(voice, mode)] += len(got)
                continue
            ok = any(TABLE[p] is TABLE[e["phrase"]] for p in got)
            for key in ((voice, mode, e["snr"]), ("all", mode, e["snr"])):
                hits[key][0] += ok
                hits[key][1] += 1
            hits[("all", mode, e["variant"] + " " + e["snr"])][0] += ok
            hits[("all", mode, e["variant"] + " " + e["snr"])][1] += 1
    print(f"\n{'':22s}{'shipped':>20s}{'enrolled':>20s}")
    rows = sorted({(k[0], k[2]) for k in hits})
    for who, level in rows:
        cells = []
        for mode in ("shipped", "enrolled"):
            a, n = hits[(who, mode, level)]
            cells.append(f"{100 * a / n:5.1f}% ({a}/{n})" if n else "-")
        print(f"{who:6s} {level:15s}" + "".join(f"{c:>20s}" for c in cells))
    print("\nFalse commands per hour of the voice's ordinary speech (all noise kinds)")
    for voice in ev.HELD_OUT:
        cells = []
        for mode in ("shipped", "enrolled"):
            h = hours[(voice, mode)]
            cells.append(f"{false[(voice, mode)] / h:.1f} ({false[(voice, mode)]})" if h else "-")
        print(f"  {voice}: shipped {cells[0]}, enrolled {cells[1]} [{h * 60:.0f} min]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
