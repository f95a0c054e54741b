"""Choose the acceptance rule (the garbage path's weight, for quiet and for noisy bursts) on
the *tune* split of the held-out evaluation data.

    nice -n 15 python3 bench/voice_commands/make_eval_data.py /tmp/vc-eval
    nice -n 15 python3 bench/voice_commands/tune_acceptance.py /tmp/vc-eval [--write]

Every burst is decoded at the probe weights (``Settings.probe_weights``), so any rule
can be scored without running the recognizer again. The rule chosen is the one with the best
recall on the tuning commands among those with no false command at all in the tuning
speech (if none has none: the fewest). ``evaluate_heldout.py`` calls :func:`choose` once per
voice left out; ``--write`` stores the rule chosen on every voice's tune split in
stenosis_player/data/voice_command_thresholds.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import REPO, load_manifest

from stenosis_player.voice_commands.commands import phrase_to_command
from stenosis_player.voice_commands.recognizer import Settings

OUT = REPO / "stenosis_player" / "data" / "voice_command_thresholds.json"


def score_rule(outcomes, rule: Settings) -> tuple[int, int, int]:
    """(false commands in ordinary speech, commands found, commands said)."""
    from evaluate_heldout import accepted

    table = phrase_to_command()
    false = hits = total = 0
    for o in outcomes:
        got = [table[p] for p, _t in accepted(o, rule)]
        if o.entry["kind"] == "negative":
            false += len(got)
        else:
            total += 1
            hits += table[o.entry["phrase"]] in got
    return false, hits, total


def choose(outcomes, base: Settings) -> Settings:
    best = None
    for quiet in base.probe_weights:
        for noisy in base.probe_weights:
            rule = dataclasses.replace(
                base, garbage_weight=quiet, garbage_weight_noisy=noisy, accept_all=False
            )
            false, hits, _total = score_rule(outcomes, rule)
            key = (-false, hits, quiet + noisy)  # on a tie: the stricter (higher) weights
            if best is None or key > best[0]:
                best = (key, rule)
    return best[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("data", nargs="?", default="/tmp/vc-eval", type=Path)
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument(
        "--without",
        default="",
        help="voices left out of tuning (comma-separated), e.g. the one the unit tests use",
    )
    args = ap.parse_args(argv)
    left_out = set(filter(None, args.without.split(",")))
    from evaluate_heldout import run

    manifest = [
        e for e in load_manifest(args.data) if e["split"] == "tune" and e["voice"] not in left_out
    ]
    base = Settings.load()
    outcomes = run(args.data, manifest, base, args.jobs)
    rule = choose(outcomes, base)
    false, hits, total = score_rule(outcomes, rule)
    print(
        f"chosen without {sorted(left_out) or 'no voice'}: {rule.describe()}: tuning recall "
        f"{hits}/{total}, false commands {false}"
    )
    if args.write:
        data = json.loads(OUT.read_text()) if OUT.exists() else {}
        data.update(
            garbage_weight=rule.garbage_weight,
            garbage_weight_noisy=rule.garbage_weight_noisy,
            tuned_without=sorted(left_out),
        )
        OUT.write_text(json.dumps(data, indent=1) + "\n")
        print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
