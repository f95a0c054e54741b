"""Echo alignment on the real sound path: prints numbers, asserts nothing.

    python bench/voice_commands/bench_echo_alignment.py [--clips 24] [--load 2]

On a private PulseAudio server (tests/sound_server.py) the app's real playback (PulseSink,
on a Qt event loop as in the window) plays speech clips while the real microphone
(PulseMicrophone) records. Each clip is placed in the microphone stream the way the voice
listener places it for the echo canceller, and the true place of its sound in the stream is
found by cross-correlation. Two sound paths:

* ``direct``: the microphone is the speakers' monitor, so the sound has no room delay and the
  true offset is the placement error alone;
* ``loopback``: as in the real-audio test, the speakers' monitor looped into the virtual
  microphone 20 dB down by ``module-loopback`` (latency 60 ms: the "room").

Placements compared (offset = echo in the stream - where the reference was placed, ms; the
canceller's filter can follow an echo from 0 to ~128 ms after its reference, not before):

* ``before``: the clip's start as the UI thread sees the clip_started signal, mapped through
  the arrival time of the last microphone block (the code before this benchmark);
* ``after``: the playback's own audible time (PulseSink.audible_at) through the microphone's
  capture time (``captured_at``, corrected for the server's capture latency).

ERLE (echo.erle_db) is the canceller run over the recorded loopback stream with each
placement, over every clip after the first four (the filter has learned the path by then).
``--load N`` runs N CPU burners (at the bench's own priority) during the measurement.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))  # sound_server.py
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from sound_server import SoundServer, missing_tools  # noqa: E402

LINES = [
    "Lie on your back with your knees bent and your feet flat on the floor.",
    "Slowly bring one knee up towards your chest, then the other.",
    "Hold your knees with your hands and breathe out gently.",
    "Let your lower back relax into the floor. Hold it there.",
    "Now slowly lower one leg, then the other, back to the start.",
    "Rest for a moment. We start the next one in ten seconds.",
]
RATE = 16000
BLOCK = 1600


@dataclass
class Block:
    end: int  # stream sample after this block
    arrived: float  # when it reached this process
    captured: float | None  # the microphone's captured_at


@dataclass
class Played:
    text: str
    ui_time: float  # time.monotonic() in the clip_started handler (UI thread)
    audible_at: float | None  # PulseSink.audible_at
    placed_after_block: int = -1  # index of the last block fed before it was placed


@dataclass
class Tap:
    """Reads the real microphone on a thread, as the voice listener does, and keeps it all."""

    mic: object
    pcm: list[bytes] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    pending: list[Played] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self) -> None:
        pos = 0
        for data in self.mic.blocks():
            with self.lock:  # placed before the block is fed, like _place_clips
                for p in self.pending:
                    p.placed_after_block = len(self.blocks) - 1
                self.pending.clear()
            pos += len(data) // 2
            self.pcm.append(data)
            m = self.mic
            self.blocks.append(Block(pos, m.arrived_at, m.captured_at))

    def place(self, played: Played) -> None:
        with self.lock:
            self.pending.append(played)


def burn() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def placement(tap: Tap, p: Played, variant: str) -> int | None:
    """The stream sample where *variant* places the clip (None: not placeable)."""
    if p.placed_after_block < 0:
        return None
    b = tap.blocks[p.placed_after_block]
    if variant == "before":
        t, clock = p.ui_time, b.arrived
    elif variant == "after":
        t, clock = p.ui_time, b.captured
    elif variant == "audible_at":
        t, clock = p.audible_at, b.captured
    else:
        raise ValueError(variant)
    if t is None or clock is None:
        return None
    return b.end + round((t - clock) * RATE)


def true_onset(mic: np.ndarray, ref: np.ndarray, near: int, span: int = 8000) -> int | None:
    """Where *ref* starts in *mic*, searched within *span* samples of *near*."""
    probe = ref[: RATE * 1]
    lo, hi = max(0, near - span), min(len(mic), near + span + len(probe))
    window = mic[lo:hi]
    if len(window) < len(probe) + 10 or not np.any(probe):
        return None
    n = 1 << int(np.ceil(np.log2(len(window) + len(probe))))
    corr = np.fft.irfft(np.fft.rfft(window, n) * np.conj(np.fft.rfft(probe, n)), n)
    corr = corr[: len(window) - len(probe) + 1]
    energy = np.convolve(window * window, np.ones(len(probe)), mode="valid")
    norm = corr / (np.sqrt(np.maximum(energy, 1e-12)) * np.linalg.norm(probe))
    k = int(np.argmax(norm))
    return lo + k if norm[k] > 0.5 else None


def run_path(
    path: str,
    clips: int,
    load: int,
    synth_paths: dict[str, Path],
    save: Path | None = None,
    compare: Path | None = None,
) -> dict:
    from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

    from stenosis_player.voice.sinks import PulseSink
    from stenosis_player.voice_commands.echo import read_reference
    from stenosis_player.voice_commands.microphone import PulseMicrophone

    _app = QCoreApplication.instance() or QCoreApplication([])  # the sink's events
    server = SoundServer(mic=True).start()
    server.activate()
    burners: list[subprocess.Popen] = []
    try:
        if path == "direct":
            server.pactl("set-default-source", "speakers.monitor")
        else:
            server.load_module(
                "module-loopback", "source=speakers.monitor", "sink=micsink", "latency_msec=60"
            )
            deadline = time.monotonic() + 5
            while not any("loopback" in i for i in server.sink_inputs()):
                if time.monotonic() > deadline:
                    raise RuntimeError("the loopback did not start")
                time.sleep(0.05)
            for line in server.sink_inputs():
                if "loopback" in line:
                    server.pactl("set-sink-input-volume", line.split("\t")[0], "-20dB")
        errors: list[str] = []
        sink = PulseSink(on_error=errors.append)
        mic = PulseMicrophone()
        tap = Tap(mic)
        reader = threading.Thread(target=tap.run, daemon=True)
        reader.start()
        burners = [burn() for _ in range(load)]
        played: list[Played] = []
        loop = QEventLoop()
        texts = list(synth_paths)

        def play_next() -> None:
            if len(played) >= clips:
                loop.quit()
                return
            text = texts[len(played) % len(texts)]

            def started() -> None:
                p = Played(text, time.monotonic(), sink.audible_at)
                played.append(p)
                tap.place(p)

            sink.play(synth_paths[text], 0.0, started, lambda: QTimer.singleShot(400, play_next))

        QTimer.singleShot(300, play_next)
        QTimer.singleShot(int(clips * 8000), loop.quit)  # never hang
        loop.exec()
        time.sleep(0.6)  # the last echo reaches the microphone
        mic.close()
        reader.join(2)
        sink.close()
    finally:
        for b in burners:
            b.kill()
            b.wait()
        server.stop()
    stream = np.frombuffer(b"".join(tap.pcm), "<i2").astype(np.float32) / 32768.0
    refs = {t: read_reference(p) for t, p in synth_paths.items()}
    variants = ("before", "after", "audible_at")
    offsets: dict[str, list[float]] = {v: [] for v in variants}
    places: dict[str, list[tuple[int, str]]] = {v: [] for v in variants}
    for p in played:
        ref = refs[p.text]
        guess = placement(tap, p, "after")
        if guess is None:
            continue
        onset = true_onset(stream, ref, guess)
        for v in variants:
            at = placement(tap, p, v)
            if at is None:
                continue
            places[v].append((at, p.text))
            if onset is not None:
                offsets[v].append(1000 * (onset - at) / RATE)
    gaps = np.diff([b.arrived for b in tap.blocks])
    result = {
        "path": path,
        "played": len(played),
        "found": len(offsets["after"]),
        "offsets": offsets,
        "block_gap_ms": (1000 * gaps.min(), 1000 * gaps.max()) if len(gaps) else None,
        "errors": errors,
    }
    result["erle"] = {"after": erle(stream, refs, places["after"], load_canceller(None))}
    if compare is not None:
        result["erle"]["before"] = erle(stream, refs, places["before"], load_canceller(compare))
    if save:
        np.savez(
            save / f"echo-{path}.npz",
            stream=stream,
            **{f"ref_{i}": refs[t] for i, t in enumerate(refs)},
            texts=np.array(list(refs)),
            **{
                f"at_{v}": np.array([(a, list(refs).index(t)) for a, t in places[v]])
                for v in places
            },
        )
    return result


def load_canceller(path: Path | None):
    """EchoCanceller from this checkout, or from another copy of echo.py (for before/after)."""
    if path is None:
        from stenosis_player.voice_commands.echo import EchoCanceller

        return EchoCanceller
    import importlib.util

    spec = importlib.util.spec_from_file_location("echo_compared", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.EchoCanceller


def erle(stream, refs, places, canceller_class):
    """Run a canceller over the stream with the clips placed there. Returns the ERLE of each
    clip after the fourth (dB; from 0.5 s into it, once the clip is found), and for each
    clip the reference's place in the filter at its middle (ms after the true onset)."""
    from stenosis_player.voice_commands.echo import erle_db

    canceller = canceller_class()
    pcm = (np.clip(stream, -1, 32767 / 32768) * 32768).astype("<i2")
    pending = sorted(places)
    mids = {at + len(refs[text]) // 2: (at, text) for at, text in pending}
    where: dict[int, int] = {}
    out = []
    for i in range(0, len(pcm), BLOCK):
        while pending and pending[0][0] < i + BLOCK:  # given as its sound starts, as in the app
            at, text = pending.pop(0)
            canceller.add_reference(refs[text], at)
        cleaned = canceller.process(pcm[i : i + BLOCK].tobytes())
        out.append(np.frombuffer(cleaned, "<i2").astype(np.float32) / 32768.0)
        for mid, (at, _text) in mids.items():
            if i <= mid < i + BLOCK:
                where[at] = at + getattr(canceller, "delay", 0)
    cleaned = np.concatenate(out)[256:]  # the canceller delays by one block
    per_clip, residual = [], []
    for k, (at, text) in enumerate(sorted(places)):
        ref = refs[text]
        a, b = at + RATE // 2, at + len(ref)
        if k >= 4 and b + 256 <= len(cleaned):
            per_clip.append(erle_db(stream[a:b], cleaned[a:b]))
        half = len(ref) // 2
        found = true_onset(stream, ref[half:], at + half)
        if found is not None and at in where:
            residual.append(1000 * (found - half - where[at]) / RATE)
    return per_clip, residual


def summary(values: list[float]) -> str:
    if not values:
        return "none found"
    a = np.abs(values)
    return (
        f"median {statistics.median(values):+6.1f}, min {min(values):+6.1f}, "
        f"max {max(values):+6.1f}, worst |err| {a.max():5.1f}, spread {np.ptp(values):5.1f}"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--clips", type=int, default=24)
    ap.add_argument("--load", type=int, default=0, help="CPU burners during the measurement")
    ap.add_argument("--path", choices=("direct", "loopback", "both"), default="both")
    ap.add_argument("--save", type=Path, help="keep each path's stream and placements (npz)")
    ap.add_argument(
        "--compare",
        type=Path,
        help="another echo.py (e.g. git show 44e361f:stenosis_player/voice_commands/echo.py) "
        "run with the 'before' placement",
    )
    args = ap.parse_args(argv)
    if missing_tools():
        print(f"no PulseAudio here ({', '.join(missing_tools())} missing)")
        return 1
    from stenosis_player.voice.synth import Synthesizer

    with tempfile.TemporaryDirectory(prefix="echo-align-") as tmp:
        synth = Synthesizer(Path(tmp))
        try:
            paths = {t: synth.synthesize(t) for t in LINES}
        finally:
            synth.close()
        print(
            f"{args.clips} clips per path, {args.load} CPU burner(s); load average "
            f"{os.getloadavg()[0]:.1f}; offsets in ms (echo in the stream - placed reference; "
            "positive: the echo comes after its reference)"
        )
        for path in ("direct", "loopback") if args.path == "both" else (args.path,):
            r = run_path(path, args.clips, args.load, paths, args.save, args.compare)
            print(f"\n[{path}] {r['found']} of {r['played']} clips found in the microphone")
            for v, offs in r["offsets"].items():
                print(f"  {v:16s} {summary(offs)}")
            if r["block_gap_ms"]:
                print(
                    "  gap between microphone blocks' arrival: "
                    f"{r['block_gap_ms'][0]:.1f}-{r['block_gap_ms'][1]:.1f} ms (100 ms blocks)"
                )
            for v, (per_clip, residual) in sorted(r["erle"].items(), reverse=True):
                print(
                    f"  {v}: ERLE per clip (after the 4th, from 0.5 s in): "
                    + (
                        f"median {statistics.median(per_clip):.1f} dB, worst {min(per_clip):.1f} dB"
                        if per_clip
                        else "none"
                    )
                )
                print(
                    f"  {v}: mid-clip, echo - reference as the canceller reads it: "
                    + summary(residual)
                )
            if r["errors"]:
                print(f"  playback errors: {r['errors']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
