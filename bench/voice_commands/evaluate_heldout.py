"""Held-out evaluation of the voice commands (issue 19): prints numbers, asserts nothing.

    nice -n 15 python3 bench/voice_commands/make_eval_data.py /tmp/vc-eval
    nice -n 15 python3 bench/voice_commands/evaluate_heldout.py /tmp/vc-eval

The shipped recognizer's thresholds were tuned (issue 11) on Festival slt and kal and on
eSpeak NG; ked, awb and rms were never used for tuning. So the report is in two parts: the
HELD-OUT voices (the figures the README gives), and the tuned-on voices speaking the test
split's new texts in its new noise (for comparison only). Only the *test* split is run.

``--experiment burst-grammar`` measures the experimental recognizer in burst_grammar.py with
leave-one-voice-out: for each voice its acceptance rule is tuned (``tune_acceptance.choose``)
on the *tune* split of the five others and measured on the *test* split of the one left out.

Prints recall per voice, per variant x noise x SNR, per phrase; false commands per hour of
ordinary speech per noise kind; latency from the end of the spoken command to the command
being returned; CPU while listening.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import functools
import pickle
import statistics
import sys
import time
import zlib
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import CHUNK_S, load_manifest, read_pcm

from stenosis_player.voice_commands.commands import (
    QUESTION_ONLY,
    phrase_to_command,
)
from stenosis_player.voice_commands.hybrid import HybridRecognizer, HybridSettings
from stenosis_player.voice_commands.neural import NeuralRecognizer, NeuralSettings
from stenosis_player.voice_commands.recognizer import Settings, SphinxRecognizer

HELD_OUT = ("ked", "awb", "rms")  # voices no threshold of the shipped recognizer was tuned on

_RECOGNIZER = SphinxRecognizer  # (set by --recognizer or --experiment)


@dataclasses.dataclass
class Outcome:
    entry: dict
    candidates: list[tuple[str, float, float, float, float]]  # phrase, score, snr, end, emitted
    seconds: float


def _group_key(e: dict) -> tuple:
    question = e["kind"] == "command" and phrase_to_command()[e["phrase"]] in QUESTION_ONLY
    return (e["split"], e["kind"], e["voice"], e.get("variant"), e["noise"], e["snr"], question)


def _run_group(args) -> list[Outcome]:
    """One stream of files through one recognizer, accepting every candidate (threshold at
    -inf) so that acceptance rules can be applied afterwards without running it again."""
    data, entries, settings, question = args
    rec = _RECOGNIZER(settings=settings)
    rec.set_question_open(question)
    step = int(16000 * CHUNK_S) * 2
    out = []
    for entry in entries:
        pcm = read_pcm(data / entry["path"])
        t0 = rec.stream_time
        cands = []
        chunks = [pcm[i : i + step] for i in range(0, len(pcm), step)]
        if entry is entries[-1]:
            chunks.append(None)
        for chunk in chunks:
            t = time.perf_counter()
            heard = rec.flush() if chunk is None else rec.feed(chunk)
            wall = time.perf_counter() - t
            for h in heard:
                score, snr = getattr(h, "score", h.confidence), getattr(h, "snr_db", 0.0)
                cands.append((h.phrase, score, snr, h.time - t0, rec.stream_time - t0 + wall))
        out.append(Outcome(entry, cands, len(pcm) / 32000))
    rec.close()
    return out


def run(data: Path, entries: list[dict], settings: Settings, jobs: int) -> list[Outcome]:
    groups: dict[tuple, list[dict]] = collections.defaultdict(list)
    for e in entries:
        groups[_group_key(e)].append(e)
    probe = settings
    if hasattr(settings, "accept_all"):  # (the recognizer before issue 19 has no such rule)
        probe = dataclasses.replace(settings, accept_all=True)
    args = [(data, g, probe, k[-1]) for k, g in groups.items()]
    out: list[Outcome] = []
    with ProcessPoolExecutor(jobs) as pool:
        for res in pool.map(_run_group, args):
            out += res
    return out


def accepted(o: Outcome, settings: Settings) -> list[tuple[str, float]]:
    """(phrase, time from file start to the command being returned) the rule accepts."""
    rule = getattr(settings, "accepts", lambda score, snr: True)
    return [(p, emit) for p, score, snr, _end, emit in o.candidates if rule(score, snr)]


def pct(a: int, b: int) -> str:
    return f"{100 * a / b:5.1f}% ({a}/{b})" if b else "-"


def report(outcomes: list[Outcome], rule_for, title: str) -> None:
    """*rule_for(voice)*: the Settings whose acceptance rule applies to that voice's files."""
    table = phrase_to_command()
    cells: dict[tuple, list[int]] = collections.defaultdict(lambda: [0, 0])
    by_voice: dict[tuple, list[int]] = collections.defaultdict(lambda: [0, 0])
    by_phrase: dict[tuple, list[int]] = collections.defaultdict(lambda: [0, 0])
    confusions: collections.Counter = collections.Counter()
    latencies = []
    false: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    hours: collections.Counter = collections.Counter()
    for o in outcomes:
        e = o.entry
        got = accepted(o, rule_for(e["voice"]))
        if e["kind"] == "negative":
            where = f"{e['noise']} {e['snr']}"  # kept apart: the set may hold 20 and 10 dB
            hours[where] += o.seconds / 3600
            for p, _t in got:
                false[where][table[p]] += 1
            continue
        exp = table[e["phrase"]]
        hit = [t for p, t in got if table[p] is exp]
        for p, _t in got:
            if table[p] is not exp:
                confusions[(exp.value, table[p].value)] += 1
        level = e["snr"]
        for key, t in (
            ((e["variant"], e["noise"], level), cells),
            ((e["voice"], level), by_voice),
            ((e["phrase"], level), by_phrase),
        ):
            t[key][0] += bool(hit)
            t[key][1] += 1
        if hit:
            latencies.append(hit[0] - e["speech_end_s"])
    levels = ["clean", "20db", "10db"]
    print(f"\n=== {title} ===")
    print("Recall per variant and noise (goal: 95 % at 20 dB, 85 % at 10 dB)")
    print(f"{'variant':8s} {'noise':7s}" + "".join(f"{lv:>18s}" for lv in levels))
    for variant in sorted({k[0] for k in cells}):
        for noise in ("none", "white", "pink", "babble", "tv"):
            row = [cells.get((variant, noise, lv)) for lv in levels]
            if not any(row):
                continue
            print(
                f"{variant:8s} {noise:7s}" + "".join(f"{pct(*r) if r else '-':>18s}" for r in row)
            )
    for name, t in (("voice", by_voice), ("phrase", by_phrase)):
        print(f"\nRecall per {name} (all variants and noise kinds)")
        for key in sorted({k[0] for k in t}):
            print(f"{key:16s}" + "".join(f"{pct(*t.get((key, lv), [0, 0])):>18s}" for lv in levels))
    tot = {
        lv: [
            sum(v[0] for k, v in by_voice.items() if k[1] == lv),
            sum(v[1] for k, v in by_voice.items() if k[1] == lv),
        ]
        for lv in levels
    }
    print(f"{'all':16s}" + "".join(f"{pct(*tot[lv]):>18s}" for lv in levels))
    if confusions:
        print(
            "Most common confusions (said -> heard): "
            + ", ".join(f"{a}->{b} {n}" for (a, b), n in confusions.most_common(6))
        )
    print("\nFalse commands per hour of ordinary speech (count)")
    for noise in sorted(hours):
        c = false[noise]
        shown = ", ".join(f"{k.value} {n / hours[noise]:.1f} ({n})" for k, n in c.most_common())
        print(f"  {noise:12s} [{hours[noise] * 60:.0f} min]: {shown or 'none'}")
    if latencies:
        lat = sorted(latencies)
        print(
            f"Latency, end of command -> returned ({len(lat)}): median "
            f"{1000 * statistics.median(lat):.0f} ms, p90 {1000 * lat[int(0.9 * (len(lat) - 1))]:.0f} ms, "
            f"max {1000 * lat[-1]:.0f} ms"
        )


def cpu(data: Path, manifest: list[dict], settings: Settings, seconds: float = 180) -> None:
    negs = [
        e
        for e in manifest
        if e["kind"] == "negative" and e["split"] == "test" and e["noise"] in ("none", "babble")
    ]
    print("\nCPU while listening (share of one core, this machine, under load from others)")
    for noise in ("none", "babble"):
        pcm = b""
        for e in negs:
            if e["noise"] == noise:
                pcm += read_pcm(data / e["path"])
            if len(pcm) >= seconds * 32000:
                break
        for title, audio in ((f"speech, noise {noise}", pcm), ("silence", b"\0\0" * 16000 * 30)):
            if title == "silence" and noise != "none":
                continue
            rec = _RECOGNIZER(settings=settings)
            step = int(16000 * CHUNK_S) * 2
            t = time.process_time()
            for i in range(0, len(audio), step):
                rec.feed(audio[i : i + step])
            used = time.process_time() - t
            rec.close()
            print(
                f"  {title}: {100 * used / (len(audio) / 32000):.1f}% ({len(audio) / 32000:.0f} s)"
            )


def judge(path: Path, settings: NeuralSettings) -> int:
    """Report outcomes saved by --probe-to, keeping each rise whose peak passes its phrase's
    threshold."""
    outcomes = pickle.loads(path.read_bytes())
    for o in outcomes:
        o.candidates = [c for c in o.candidates if c[1] >= settings.threshold(c[0])]
    print(
        f"judged {len(outcomes)} saved outcomes at {settings.thresholds} (lead {settings.margin})"
    )
    for title, held in (("HELD-OUT voices (never tuned on), test split", True), ("others", False)):
        shown = [o for o in outcomes if (o.entry["voice"] in HELD_OUT) == held]
        if shown:
            report(shown, lambda v: None, title)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("data", nargs="?", default="/tmp/vc-eval", type=Path)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument(
        "--experiment",
        choices=["burst-grammar"],
        help="measure the experimental recognizer in burst_grammar.py, its rule tuned with "
        "each voice left out, instead of the shipped one",
    )
    ap.add_argument("--no-cpu", action="store_true")
    ap.add_argument(
        "--recognizer",
        choices=["hybrid", "neural", "sphinx"],
        default="neural",
        help="the neural keyword spotter (shipped thresholds, run as a black box) or the "
        "pocketsphinx recognizer",
    )
    ap.add_argument(
        "--subset",
        type=int,
        default=1,
        help="keep every N-th file of each condition (quick runs while iterating)",
    )
    ap.add_argument(
        "--verified-only-too",
        action="store_true",
        help="(hybrid) also report the rule that takes none of the network's own commands",
    )
    ap.add_argument(
        "--model", type=Path, help="(neural) this model file instead of the shipped one"
    )
    ap.add_argument(
        "--thresholds", type=Path, help="(neural) this thresholds file instead of the shipped one"
    )
    ap.add_argument(
        "--held-out-only",
        action="store_true",
        help="run the held-out voices only (not the tuned-on voices' comparison)",
    )
    ap.add_argument(
        "--negatives-at",
        metavar="SNR",
        help="only the ordinary speech at this level (e.g. 10db): false commands, no command files",
    )
    ap.add_argument(
        "--lead", type=float, help="(neural) NeuralSettings.margin instead of the shipped one"
    )
    ap.add_argument(
        "--probe-to",
        type=Path,
        help="(neural) run with every rise returned (emit_all) and save the outcomes here, to "
        "be judged later with --judge (while the thresholds are still being chosen)",
    )
    ap.add_argument(
        "--judge",
        type=Path,
        help="(neural) report saved --probe-to outcomes at the --thresholds file's thresholds "
        "(no refractory time between rises: an approximation of the streaming rule)",
    )
    args = ap.parse_args(argv)
    if args.judge:
        return judge(args.judge, NeuralSettings.load(args.thresholds))

    global _RECOGNIZER
    manifest = load_manifest(args.data)
    settings = Settings.load()
    if args.experiment:
        import burst_grammar

        _RECOGNIZER, settings = burst_grammar.CommandRecognizer, burst_grammar.Settings()
    else:  # nothing of the shipped recognizer is tuned on the tune split: skip it
        manifest = [e for e in manifest if e["split"] == "test"]
        if args.held_out_only:
            manifest = [e for e in manifest if e["voice"] in HELD_OUT]
        if args.recognizer == "neural":
            _RECOGNIZER, settings = NeuralRecognizer, NeuralSettings.load(args.thresholds)
            if args.model:
                _RECOGNIZER = functools.partial(NeuralRecognizer, model=args.model)
            if args.lead is not None:
                settings = dataclasses.replace(settings, margin=args.lead)
            if args.probe_to:
                settings = dataclasses.replace(settings, emit_all=True)
        elif args.recognizer == "hybrid":
            _RECOGNIZER, settings = HybridRecognizer, HybridSettings.load()
        else:
            _RECOGNIZER = SphinxRecognizer
    if args.negatives_at:
        manifest = [
            e for e in manifest if e["kind"] == "negative" and e["snr"] == args.negatives_at
        ]
    if args.subset > 1:  # by a hash of the path, so every condition keeps its share
        manifest = [e for e in manifest if zlib.crc32(e["path"].encode()) % args.subset == 0]
    t = time.time()
    outcomes = run(args.data, manifest, settings, args.jobs)
    print(f"ran {len(outcomes)} files in {time.time() - t:.0f} s")
    if args.probe_to:
        args.probe_to.write_bytes(pickle.dumps(outcomes))
        print(f"saved {len(outcomes)} outcomes to {args.probe_to}")
        return 0
    tune = [o for o in outcomes if o.entry["split"] == "tune"]
    test = [o for o in outcomes if o.entry["split"] == "test"]
    voices = sorted({o.entry["voice"] for o in outcomes})
    if not args.experiment:
        for title, voices_shown in (
            ("HELD-OUT voices (never tuned on), test split", HELD_OUT),
            ("voices the thresholds were tuned on (slt, kal, espeak), new texts and noise", ()),
        ):
            shown = [o for o in test if (o.entry["voice"] in HELD_OUT) == bool(voices_shown)]
            if not shown:
                continue
            report(shown, lambda v: settings, title)
            if args.recognizer == "hybrid" and args.verified_only_too:
                # the same run, counting only pocketsphinx's commands the network confirmed
                only = dataclasses.replace(settings, own_commands=False)
                report(shown, lambda v, r=only: r, title + ", pocketsphinx's commands only")
    else:
        from tune_acceptance import choose

        rules = {}
        for v in voices:
            rules[v] = choose([o for o in tune if o.entry["voice"] != v], settings)
            print(f"rule without {v}: {rules[v].describe()}")
        report(test, rules.__getitem__, "test split, each voice held out from tuning")
    if not args.no_cpu:
        cpu(args.data, manifest, settings)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
