"""Adapting the neural spotter to an enrolled voice, measured on held-out voices (issue 19).

    nice -n 10 python3 bench/voice_commands/evaluate_enrolment.py /tmp/vc-eval

For each held-out voice (ked, awb, rms): its enrolment is what Settings' enrolment records
(``enrolment_plan``: each command's shown phrase 3 times, "player repeat" twice), taken from
that voice's *tune* split (plain, in quiet) and never used otherwise. The adapted spotter is
then measured on that voice's *test* split (other utterances, texts and noise) in quiet and
in white, pink and babble noise at 20 and 10 dB SNR, against the shipped spotter on the same
files. Printed per condition and voice, with false commands per hour of the voice's ordinary
speech.

It also prints what Settings would show for that enrolment: each take heard by the network
adapted to the *other* takes (leave one take out, ``enrolment.NetworkCheck.recheck``), so
one can see whether that figure predicts the held-out recall.
"""

from __future__ import annotations

import argparse
import collections
import functools
import sys
import time
import zlib
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import evaluate_heldout as ev
from common import load_manifest, read_pcm

from stenosis_player.voice_commands import adapt
from stenosis_player.voice_commands.adapt import Take
from stenosis_player.voice_commands.commands import phrase_to_command
from stenosis_player.voice_commands.enrolment import (
    NetworkCheck,
    PlannedTake,
    TakeAudio,
    enrolment_plan,
)
from stenosis_player.voice_commands.neural import NeuralRecognizer, NeuralSettings

TABLE = phrase_to_command()
NOISES = ("none", "white", "pink", "babble")
CONDITIONS = [
    ("quiet", "none", "clean"),
    ("white 20 dB", "white", "20db"),
    ("pink 20 dB", "pink", "20db"),
    ("babble 20 dB", "babble", "20db"),
    ("white 10 dB", "white", "10db"),
    ("pink 10 dB", "pink", "10db"),
    ("babble 10 dB", "babble", "10db"),
]


def enrolment_takes(data: Path, manifest: list[dict], voice: str) -> list[tuple[PlannedTake, Take]]:
    """The voice's tune-split recordings in quiet, as many of each phrase as the app asks."""
    pool: dict[str, list[dict]] = collections.defaultdict(list)
    for e in manifest:
        if (
            e["split"] == "tune"
            and e["kind"] == "command"
            and e["voice"] == voice
            and e["variant"] == "plain"
            and e["noise"] == "none"
        ):
            pool[e["phrase"]].append(e)
    out = []
    for planned in enrolment_plan():
        e = pool[planned.phrase][planned.of_phrase[0] - 1]
        start, end = int(e["speech_start_s"] * 16000), int(e["speech_end_s"] * 16000)
        out.append((planned, Take(e["phrase"], read_pcm(data / e["path"]), start, end)))
    return out


def leave_one_out(takes: list[tuple[PlannedTake, Take]]) -> tuple[int, int, float]:
    """(takes heard right, takes, seconds): what Settings shows for this enrolment."""
    check = NetworkCheck()
    audios = [(p, TakeAudio(t.pcm, t.speech_start, t.speech_end, 0.0, 60.0)) for p, t in takes]
    t0 = time.perf_counter()
    heard = check.recheck(audios)
    seconds = time.perf_counter() - t0
    right = sum(
        any(TABLE.get(h) is p.command for h in phrases)
        for (p, _), phrases in zip(takes, heard, strict=True)
    )
    return right, len(takes), seconds


_ADAPTED: dict[str, object] = {}  # voice -> adapted model, per worker process


def _set_rate(rate: float | None) -> None:
    """Try another step size for the adaptation (adapt.fit_output's ``rate``)."""
    if rate is not None and not isinstance(adapt.fit_output, functools.partial):
        adapt.fit_output = functools.partial(adapt.fit_output, rate=rate)


def _run(args):
    data, entries, question, voice, takes, rate = args
    _set_rate(rate)
    if takes is None:
        ev._RECOGNIZER = NeuralRecognizer
    else:
        if voice not in _ADAPTED:
            _ADAPTED[voice] = NeuralRecognizer(enrolment=takes).model
        model = _ADAPTED[voice]
        ev._RECOGNIZER = lambda settings: NeuralRecognizer(settings=settings, model=model)
    return ev._run_group((data, entries, NeuralSettings.load(), question))


def _cell(a: int, n: int) -> str:
    return f"{100 * a / n:5.1f}% ({a}/{n})" if n else "-"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("data", nargs="?", default="/tmp/vc-eval", type=Path)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--subset", type=int, default=1, help="keep 1 in N test files (by path)")
    ap.add_argument(
        "--negative-subset", type=int, default=2, help="keep 1 in N ordinary-speech files"
    )
    ap.add_argument("--rate", type=float, help="the adaptation's step size (default: adapt's)")
    args = ap.parse_args(argv)
    _set_rate(args.rate)
    manifest = load_manifest(args.data)
    jobs, keys = [], []
    predicted: dict[str, tuple[int, int, float]] = {}
    for voice in ev.HELD_OUT:
        planned_takes = enrolment_takes(args.data, manifest, voice)
        takes = [t for _, t in planned_takes]
        predicted[voice] = leave_one_out(planned_takes)
        test = [
            e
            for e in manifest
            if e["split"] == "test"
            and e["voice"] == voice
            and e["noise"] in NOISES
            and e.get("variant", "plain") == "plain"
            and zlib.crc32(e["path"].encode())
            % (args.negative_subset if e["kind"] == "negative" else args.subset)
            == 0
        ]
        groups: dict[tuple, list[dict]] = collections.defaultdict(list)
        for e in test:
            groups[ev._group_key(e)].append(e)
        for key, entries in groups.items():
            for mode, t in (("shipped", None), ("enrolled", takes)):
                jobs.append((args.data, entries, key[-1], voice, t, args.rate))
                keys.append((voice, mode))
        right, n, secs = predicted[voice]
        print(
            f"{voice}: enrolled with {len(takes)} takes; Settings would show {right} of {n} "
            f"heard (leave one take out, {secs:.1f} s); {len(test)} test files",
            flush=True,
        )
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
            for who in (voice, "all"):
                hits[(who, mode, e["noise"], e["snr"])][0] += ok
                hits[(who, mode, e["noise"], e["snr"])][1] += 1
    print("\nCommands heard, per condition (shipped spotter -> adapted to the voice's enrolment)")
    for who in (*ev.HELD_OUT, "all"):
        print(f"\n{who}")
        for name, noise, snr in CONDITIONS:
            a = hits[(who, "shipped", noise, snr)]
            b = hits[(who, "enrolled", noise, snr)]
            print(f"  {name:13s}{_cell(*a):>20s}{_cell(*b):>20s}")
    print("\nLeave-one-take-out (what Settings shows) against the held-out recall, adapted")
    for voice in ev.HELD_OUT:
        right, n, _ = predicted[voice]
        quiet = hits[(voice, "enrolled", "none", "clean")]
        at20 = [hits[(voice, "enrolled", k, "20db")] for k in ("white", "pink", "babble")]
        at10 = [hits[(voice, "enrolled", k, "10db")] for k in ("white", "pink", "babble")]
        print(
            f"  {voice}: Settings {_cell(right, n)}; held-out quiet {_cell(*quiet)}, "
            f"20 dB {_cell(sum(a for a, _ in at20), sum(b for _, b in at20))}, "
            f"10 dB {_cell(sum(a for a, _ in at10), sum(b for _, b in at10))}"
        )
    print(
        "\nFalse commands per hour of the voice's ordinary speech (quiet, white/pink/babble 20 dB)"
    )
    for voice in ev.HELD_OUT:
        cells = []
        for mode in ("shipped", "enrolled"):
            h = hours[(voice, mode)]
            cells.append(f"{false[(voice, mode)] / h:.1f} ({false[(voice, mode)]})" if h else "-")
        print(
            f"  {voice}: shipped {cells[0]}, enrolled {cells[1]} [{hours[(voice, 'enrolled')] * 60:.0f} min]"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
