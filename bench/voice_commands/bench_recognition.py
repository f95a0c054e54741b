"""Voice-command benchmark: prints numbers, asserts nothing.

    python3 bench/voice_commands/make_test_data.py /tmp/vc-data
    python3 bench/voice_commands/bench_recognition.py /tmp/vc-data

Prints
* recall per voice and noise level (goal: >=95 % at 20 dB SNR, >=85 % at 10 dB), and per phrase;
* false commands per hour of ordinary speech, per command (goal: <=1 for next/back/stop,
  <=3 for pause), with the app silent, with a question open (yes/no), and over the app's own
  voice;
* latency from the end of the spoken command to the moment the command is returned
  (goal: <=400 ms), with audio arriving in 100 ms blocks as from a microphone;
* CPU used while listening, as a share of one core (goal: <=15 %).

Files of the same voice, speed and noise level are played one after another through one
recognizer, as a live stream would be.
"""

from __future__ import annotations

import argparse
import collections
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    CHUNK_S,
    Settings,
    expected_command,
    load_manifest,
    read_pcm,
    run_all,
)

from stenosis_player.voice_commands.commands import (
    QUESTION_ONLY,
    Command,
    generic_phrase,
)
from stenosis_player.voice_commands.recognizer import CommandRecognizer

SNR_ORDER = ["clean", "20db", "10db", "5db", "app+6db", "app0db", "app-6db"]


def pct(a: int, b: int) -> str:
    return f"{100 * a / b:5.1f}% ({a}/{b})" if b else "   -"


def recall(data: Path, manifest: list[dict], settings: Settings, jobs: int):
    # (files of phrases no longer in use, e.g. a bare "yes" in older data, are left out)
    cmds = [e for e in manifest if e["kind"] == "command" and expected_command(e)]
    over_app = [e for e in cmds if e.get("over_app")]
    cmds = [e for e in cmds if not e.get("over_app")]
    plain = [e for e in cmds if expected_command(e) not in QUESTION_ONLY]
    question = [e for e in cmds if expected_command(e) in QUESTION_ONLY]
    results = run_all(data, plain, settings, "normal", jobs)
    results += run_all(data, question, settings, "question", jobs)
    # Said over the app's voice: the recognizer knows the app is speaking, and what it says.
    results += run_all(data, over_app, settings, "echo", jobs)
    by_cond: dict[tuple, list[int]] = collections.defaultdict(lambda: [0, 0, 0])
    by_phrase: dict[tuple, list[int]] = collections.defaultdict(lambda: [0, 0, 0])
    latencies: list[float] = []
    for r in results:
        e = r.entry
        exp = expected_command(e)
        hit = [i for i, h in enumerate(r.heard) if h.command is exp]
        wrong = any(h.command is not exp for h in r.heard)
        for key, table in (
            ((e["voice"], e["snr"]), by_cond),
            ((generic_phrase(e["phrase"]), e["snr"]), by_phrase),
        ):
            table[key][0] += bool(hit)
            table[key][1] += 1
            table[key][2] += wrong
        if hit:
            latencies.append(r.emitted[hit[0]] - e["speech_end_s"])
    return by_cond, by_phrase, latencies


def print_recall(by_cond, by_phrase) -> None:
    voices = sorted({v for v, _ in by_cond})
    snrs = [s for s in SNR_ORDER if any(k[1] == s for k in by_cond)]
    print(
        "\nRecall per voice and noise level (pink noise at that SNR; app+6db/app0db: pause, stop"
        "\nand it hurts said over the app's voice, 6 dB louder / as loud). 'wrong cmd': files in"
        "\nwhich another command was heard as well."
    )
    print(f"{'voice':10s}" + "".join(f"{s:>22s}" for s in snrs))
    for v in voices:
        print(f"{v:10s}" + "".join(f"{pct(*by_cond[(v, s)][:2]):>22s}" for s in snrs))
    print("(recall at clean..5db covers all phrases of each voice at 3 speeds (eSpeak: 2))")
    tot = {s: [sum(by_cond[(v, s)][i] for v in voices) for i in range(3)] for s in snrs}
    print(f"{'all':10s}" + "".join(f"{pct(*tot[s][:2]):>22s}" for s in snrs))
    print(f"{'wrong cmd':10s}" + "".join(f"{pct(tot[s][2], tot[s][1]):>22s}" for s in snrs))
    print("\nRecall per phrase (all voices and speeds)")
    phrases = sorted({p for p, _ in by_phrase})
    print(f"{'phrase':16s}" + "".join(f"{s:>18s}" for s in snrs))
    for p in phrases:
        print(f"{p:16s}" + "".join(f"{pct(*by_phrase[(p, s)][:2]):>18s}" for s in snrs))


def false_alarms(
    data: Path, manifest: list[dict], settings: Settings, jobs: int, app_only: bool = False
) -> None:
    negs = [e for e in manifest if e["kind"] == "negative"]
    ordinary = [e for e in negs if e["source"] != "app_script"]
    app = [e for e in negs if e["source"] == "app_script"]
    runs = [
        ("ordinary speech (articles + near misses), app silent", ordinary, "normal"),
        ("ordinary speech, a yes/no question open all the time", ordinary, "question"),
        ("the app's own script, recognizer not told the app speaks", app, "normal"),
        ("the app's own script, while the app speaks", app, "speaking"),
        ("the app's own script, while speaking, with its text", app, "echo"),
        ("the app's own script through a loudspeaker and room, echo cancelled", app, "room"),
    ]
    if app_only:  # over the app's own voice only: what over_app_margin_db could change
        runs = [r for r in runs if r[1] is app and r[2] != "normal"]
    print("\nFalse commands per hour (count in brackets)")
    for title, entries, mode in runs:
        if not entries:
            continue
        results = run_all(data, entries, settings, mode, jobs)
        hours = sum(r.seconds for r in results) / 3600
        count = collections.Counter(h.command for r in results for h in r.heard)
        near = collections.Counter(
            h.command for r in results if r.entry["source"] == "near_miss" for h in r.heard
        )
        shown = ", ".join(
            f"{c.value} {count[c] / hours:.1f} ({count[c]})" for c in Command if count[c]
        )
        print(f"  {title} [{hours * 60:.0f} min]: {shown or 'none'}")
        if near:
            print(
                "    of which in the near-miss sentences: "
                + ", ".join(f"{c.value} {n}" for c, n in near.items())
            )


def cpu(data: Path, manifest: list[dict], settings: Settings, seconds: float = 300) -> None:
    """CPU time per second of audio, in one process: speech, then silence."""
    negs = [e for e in manifest if e["kind"] == "negative" and e["source"] == "articles"]
    pcm = b""
    for e in negs:
        pcm += read_pcm(data / e["path"])
        if len(pcm) >= seconds * 32000:
            break
    pcm = pcm[: int(seconds * 32000)]
    silence = b"\0\0" * (16000 * 60)
    step = int(16000 * CHUNK_S) * 2
    print("\nCPU while listening (share of one core; this machine)")
    for title, audio in (
        ("continuous speech", pcm),
        ("silence", silence),
        ("the app speaking all the time, its echo cancelled", pcm),
    ):
        rec = CommandRecognizer(settings=settings)
        if title.startswith("the app"):
            rec.set_app_speaking(True)
            rec.play_reference(np.frombuffer(audio, "<i2") / 32768.0)
        t = time.process_time()
        for i in range(0, len(audio), step):
            rec.feed(audio[i : i + step])
        used = time.process_time() - t
        rec.close()
        print(
            f"  {title}: {100 * used / (len(audio) / 32000):.1f}% "
            f"({len(audio) / 32000:.0f} s of audio)"
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("data", nargs="?", default="/tmp/vc-data", type=Path)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--skip-false-alarms", action="store_true")
    ap.add_argument(
        "--app-false-alarms",
        action="store_true",
        help="only the false commands from the app's own script played into the microphone",
    )
    args = ap.parse_args(argv)
    settings = Settings.load()
    manifest = load_manifest(args.data)
    if args.app_false_alarms:
        false_alarms(args.data, manifest, settings, args.jobs, app_only=True)
        return 0
    print(
        f"data: {args.data}; thresholds: "
        + ", ".join(f"{p} {t:.0e}" for p, t in sorted(settings.thresholds.items()))
    )

    by_cond, by_phrase, latencies = recall(args.data, manifest, settings, args.jobs)
    print_recall(by_cond, by_phrase)
    if latencies:
        lat = sorted(latencies)
        print(
            f"\nLatency, end of spoken command -> command returned ({len(lat)} commands): "
            f"median {1000 * statistics.median(lat):.0f} ms, "
            f"90th percentile {1000 * lat[int(0.9 * (len(lat) - 1))]:.0f} ms, "
            f"max {1000 * lat[-1]:.0f} ms"
        )
    if not args.skip_false_alarms:
        false_alarms(args.data, manifest, settings, args.jobs)
    cpu(args.data, manifest, settings)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
