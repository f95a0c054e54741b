"""Copy a small part of the held-out evaluation set into the repository for the unit tests.

    nice -n 15 python3 bench/voice_commands/make_eval_data.py /tmp/vc-eval
    python3 bench/voice_commands/export_test_files.py /tmp/vc-eval tests/data/voice_heldout

Only the *test* split of one voice (``--voice``, default ``rms``) is taken, and the shipped
acceptance rule is tuned without that voice (``tune_acceptance.py --without rms``), so the
tests run on a voice, texts and noise the rule never saw. Taken: every phrase clean, with
babble at 10 dB, two semitones deeper in noise at 20 dB, and with a pause after the
leading word; and ordinary speech clean, in pink and in babble noise.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

CELLS = {
    ("plain", "none", "clean"),
    ("plain", "babble", "10db"),
    ("deep", None, "20db"),
    ("pause", "none", "clean"),
}
NEGATIVES = {"none", "pink", "babble"}


def wanted(e: dict, voice: str) -> bool:
    if e["split"] != "test" or e["voice"] != voice:
        return False
    if e["kind"] == "negative":
        return e["noise"] in NEGATIVES
    if not e["path"].endswith("_0_" + e["variant"] + ".wav"):
        return False  # the first utterance of each phrase only
    return any(
        e["variant"] == v and (n is None or e["noise"] == n) and e["snr"] == s for v, n, s in CELLS
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("data", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--voice", default="rms")
    ap.add_argument("--negatives", type=int, default=2, help="pieces of speech per noise kind")
    args = ap.parse_args(argv)
    manifest = json.loads((args.data / "manifest.json").read_text())
    picked, negs = [], {}
    for e in manifest:
        if not wanted(e, args.voice):
            continue
        if e["kind"] == "negative":
            if negs.get(e["noise"], 0) >= args.negatives:
                continue
            negs[e["noise"]] = negs.get(e["noise"], 0) + 1
        picked.append(e)
    if args.out.exists():
        shutil.rmtree(args.out)
    for e in picked:
        dest = args.out / e["path"]
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(args.data / e["path"], dest)
    (args.out / "manifest.json").write_text(json.dumps(picked, indent=0) + "\n")
    size = sum(p.stat().st_size for p in args.out.rglob("*.wav"))
    print(f"{args.out}: {len(picked)} files, {size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
