"""What the voice enrolment costs; prints numbers, asserts nothing.

    python bench/bench_enrolment.py

On the test WAVs (Festival slt in quiet; the held-out rms voice in babble at 10 dB):
(1) cutting takes out of the stream (TakeRecorder) as a share of one core at real time,
(2) the wait after a take ends: a fresh recogniser set up and decoding the take, for
    pocketsphinx and for the network adapted to the takes before it (what checks with "player"),
(3) the SNR it estimates on held-out files mixed at a known SNR,
(4) a whole enrolment (every phrase: 26 takes): the wait for "Checking how well it hears
    you" (every take heard again, left out of its own adaptation), then saving and loading
    it and its size on disk, and adapting the listening network to it (noise copies off/on),
(5) a listening start once enrolled: the first adapts and caches the layer, the next reads it.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import wave
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CLEAN = REPO / "tests" / "data" / "voice_commands" / "commands" / "clean"
BABBLE = REPO / "tests" / "data" / "voice_heldout" / "test" / "commands" / "plain" / "babble_10db"
RATE = 16000


def pcm(path: Path) -> bytes:
    with wave.open(str(path)) as w:
        return w.readframes(w.getnframes())


def main() -> int:
    sys.path.insert(0, str(REPO))
    import stenosis_player  # noqa: F401  (one BLAS thread, as in the app)
    from stenosis_player.voice_commands.commands import Command, phrase_to_command
    from stenosis_player.voice_commands.enrolment import (
        EnrolmentResult,
        NetworkCheck,
        PlannedTake,
        TakeListener,
        TakeRecorder,
        enrolment_plan,
        load_enrolment,
        recheck,
        recognise_take,
        run_takes,
        save_enrolment,
    )

    files = {
        "quiet (slt)": sorted(CLEAN.glob("*.wav")),
        "babble 10 dB (rms)": sorted(BABBLE.glob("*.wav")),
    }
    step = int(0.1 * RATE) * 2
    TakeRecorder().feed(bytes(step))  # imports and first calls out of the figures
    for name, paths in files.items():
        cut, decode, network, audio_s = [], [], [], 0.0
        check = NetworkCheck()
        command = phrase_to_command()
        for path in paths:
            data = pcm(path) + bytes(2 * RATE)
            rec = TakeRecorder()
            t0 = time.perf_counter()
            take = None
            for i in range(0, len(data), step):
                audio_s += len(data[i : i + step]) / 2 / RATE  # only the audio it was fed
                take = rec.feed(data[i : i + step])
                if take is not None:
                    break
            take = take or rec.finish()
            cut.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            recognise_take(take)
            decode.append(time.perf_counter() - t0)
            phrase = path.stem.split("_", 2)[-1].replace("_", " ")
            planned = PlannedTake(command.get(phrase, Command.YES), phrase, 1)
            t0 = time.perf_counter()
            check.hear(take, planned)
            network.append(time.perf_counter() - t0)
        share = 100 * sum(cut) / audio_s
        print(f"{name}: {len(paths)} takes")
        print(f"  cutting the takes: {share:.2f} % of one core at real time")
        for who, times in (("pocketsphinx", decode), ("adapted network", network)):
            print(
                f"  after a take ends, {who} set-up + decoding: median "
                f"{1000 * statistics.median(times):.0f} ms, max {1000 * max(times):.0f} ms"
            )

    # the SNR estimate against the SNR the held-out files were mixed at (speech RMS over
    # noise RMS, where our estimate is the burst's level over the level before it)
    import json

    heldout = REPO / "tests" / "data" / "voice_heldout"
    cells: dict[str, list[float]] = {}
    for e in json.loads((heldout / "manifest.json").read_text()):
        if e["kind"] != "command" or e["snr"] == "clean":
            continue
        take = run_takes([pcm(heldout / e["path"])], enrolment_plan(commands=[Command.NEXT]))[0]
        if take.snr_db is not None:
            cells.setdefault(f"{e['variant']} {e['noise']} {e['snr']}", []).append(take.snr_db)
    for cell, values in sorted(cells.items()):
        print(
            f"estimated SNR, {cell}: median {statistics.median(values):.1f} dB "
            f"(range {min(values):.1f} to {max(values):.1f}, {len(values)} takes)"
        )

    plan = enrolment_plan()
    blocks = []
    for planned in plan:
        data = pcm(CLEAN / f"slt_1.0_{planned.phrase.replace(' ', '_')}.wav")
        blocks += [bytes(RATE), data, bytes(2 * RATE)]
    listener = TakeListener()  # as the window's worker: each take heard as it comes in
    takes = []
    for planned, block in zip(plan, blocks[1::3], strict=True):
        listener.listen(planned)
        for b in (bytes(RATE), block, bytes(2 * RATE)):
            got = listener.feed(b)
            if got is not None:
                takes.append(got)
                break
    t0, c0 = time.perf_counter(), time.process_time()
    takes = recheck(takes, listener.checker)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"checking a whole enrolment again ({len(takes)} takes, each left out of its own "
        f"adaptation): {wall:.2f} s ({cpu:.2f} s of CPU)"
    )
    result = EnrolmentResult(datetime(2026, 12, 1, 12, 0), "player", tuple(takes), len(plan))
    from stenosis_player.voice_commands import adapt
    from stenosis_player.voice_commands.neural import NeuralRecognizer

    shipped = adapt.NOISE_COPIES
    for copies in (False, True):  # what starting to listen costs once enrolled
        adapt.NOISE_COPIES = copies
        t0, c0 = time.perf_counter(), time.process_time()
        rec = NeuralRecognizer(enrolment=result, cancel_echo=False)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        print(
            f"adapting the listening network to {rec.adapted_takes} takes, noise copies "
            f"{'on' if copies else 'off'}: {wall:.2f} s ({cpu:.2f} s of CPU)"
        )
    adapt.NOISE_COPIES = shipped
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        save_enrolment(tmp, result)
        saved = time.perf_counter() - t0
        t0 = time.perf_counter()
        loaded = load_enrolment(tmp)
        read = time.perf_counter() - t0
        size = sum(p.stat().st_size for p in Path(tmp).rglob("*") if p.is_file())
        assert loaded is not None
        # listening starts as the window's listener does (load the enrolment, then the
        # recogniser): the first start adapts and writes the layer, the next ones read it
        for start in ("first (adapts, saves the layer)", "next (reads the layer)"):
            t0, c0 = time.perf_counter(), time.process_time()
            rec = NeuralRecognizer(enrolment=load_enrolment(tmp), cancel_echo=False)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            print(
                f"listening start, {start}: {wall:.2f} s ({cpu:.2f} s of CPU), "
                f"{rec.adapted_takes} takes, from the cache: {rec.adaptation_cached}"
            )
    print(
        f"a whole enrolment ({len(takes)} takes): saved in {1000 * saved:.0f} ms (fsync per file), "
        f"loaded in {1000 * read:.0f} ms, {size / 1024:.0f} KB on disk"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
