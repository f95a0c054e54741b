"""Tune the keyphrase threshold of each command phrase on generated data.

    python3 bench/voice_commands/make_test_data.py /tmp/vc-data
    python3 bench/voice_commands/tune_thresholds.py /tmp/vc-data [--write]

For each threshold in a sweep, every phrase gets that threshold; the command files and the
ordinary speech are run through the recognizer (with a question open, so that yes/no count too).
Then each phrase gets, of the thresholds at which it raised no false command in ordinary
speech, the one with the best recall (on a tie the stricter one; if none, the strictest tried). With --write the result goes to
stenosis_player/data/voice_command_thresholds.json (other settings in it are kept).
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import REPO, expected_command, load_manifest, run_all

from stenosis_player.voice_commands.commands import generic_phrase
from stenosis_player.voice_commands.recognizer import Settings

SWEEP = [1e-20, 1e-30, 1e-40, 1e-50]
OUT = REPO / "stenosis_player" / "data" / "voice_command_thresholds.json"


def evaluate(data_dir: Path, manifest: list[dict], settings: Settings, jobs: int):
    cmds = [
        e
        for e in manifest
        if e["kind"] == "command" and not e.get("over_app") and expected_command(e)
    ]
    negs = [e for e in manifest if e["kind"] == "negative"]
    hits: collections.Counter = collections.Counter()
    totals: collections.Counter = collections.Counter()
    for r in run_all(data_dir, cmds, settings, "question", jobs):
        p = generic_phrase(r.entry["phrase"])
        totals[p] += 1
        if any(h.command == expected_command(r.entry) for h in r.heard):
            hits[p] += 1
    false: collections.Counter = collections.Counter()
    seconds = 0.0
    for r in run_all(data_dir, negs, settings, "question", jobs):
        seconds += r.seconds
        for h in r.heard:
            false[generic_phrase(h.phrase)] += 1
    return hits, totals, false, seconds


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("data", nargs="?", default="/tmp/vc-data", type=Path)
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--results", type=Path, help="save/load sweep results (JSON)")
    args = ap.parse_args(argv)
    manifest = load_manifest(args.data)
    base = Settings.load()

    if args.results and args.results.exists():
        table = json.loads(args.results.read_text())
    else:
        table = {}
        for thr in SWEEP:
            s = dataclasses.replace(base, thresholds={}, default_threshold=thr)
            hits, totals, false, seconds = evaluate(args.data, manifest, s, args.jobs)
            table[str(thr)] = {
                p: {"hits": hits[p], "total": totals[p], "false": false[p]} for p in totals
            } | {"_seconds": seconds}
            print(
                f"threshold {thr:.0e}: "
                + ", ".join(f"{p} {hits[p]}/{totals[p]} fa={false[p]}" for p in sorted(totals)),
                flush=True,
            )
        if args.results:
            args.results.write_text(json.dumps(table, indent=1))

    phrases = sorted(p for p in next(iter(table.values())) if not p.startswith("_"))
    chosen = {}
    for p in phrases:
        ok = [t for t, row in table.items() if not t.startswith("_") and row[p]["false"] == 0]
        if ok:  # most recall without a false alarm; on a tie, the stricter threshold
            best = max(ok, key=lambda t: (table[t][p]["hits"], float(t)))
        else:
            best = max(table, key=float)
        chosen[p] = float(best)
        row = table[best][p]
        print(
            f"{p:16s} threshold {chosen[p]:.0e}  recall {row['hits']}/{row['total']}  "
            f"false {row['false']}"
        )
    if args.write:
        data = json.loads(OUT.read_text()) if OUT.exists() else dataclasses.asdict(base)
        data["thresholds"] = chosen
        OUT.write_text(json.dumps(data, indent=1) + "\n")
        print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
