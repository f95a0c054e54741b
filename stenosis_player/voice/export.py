"""Render a whole guided session into one WAV file (Qt-free).

The script is first re-timed with the real clip lengths, then every segment's clip is
placed at its start time, with silence elsewhere. The countdown numbers are placed in
the last whole seconds of segments with ``count_last``. Overlaps follow the live
interrupt rule: a segment's line cuts off the line before it; a countdown number is
dropped while a line is still being said.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import wave
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..durable_files import durable_replace
from ..script import Script, mmss, with_speech_durations
from .config import VoiceConfig
from .lines import Priority, countdown_text, speech_texts
from .synth import SynthesisError, Synthesizer, clip_seconds, default_workers

_SILENCE_CHUNK_FRAMES = 22050


@dataclass
class _Placement:
    start: int  # frame
    end: int  # frame (exclusive), after any cut
    path: Path


def export_session_audio(
    script: Script,
    out_path: str | os.PathLike[str],
    synth: Synthesizer,
    on_cut: Callable[[str], None] | None = None,
) -> float:
    """Write the session to ``out_path`` as one WAV; returns its length in seconds (which
    equals the re-timed script's total). ``on_cut`` hears each line cut short by the next
    (none, for a script planned with real clip lengths). Raises SynthesisError when lines
    cannot be made."""
    out = Path(out_path)
    tmp = out.with_name(f".{out.name}.part")
    with open(tmp, "wb") as fh:  # an unwritable destination shows up before any work
        try:
            seconds = _render(script, fh, synth, on_cut)
        except BaseException:
            fh.close()
            tmp.unlink(missing_ok=True)
            raise
    durable_replace(tmp, out)
    return seconds


def _render(
    script: Script, fh, synth: Synthesizer, on_cut: Callable[[str], None] | None = None
) -> float:
    texts = speech_texts(script)
    clips = synth.synthesize_all(texts)
    missing = [t for t in texts if t not in clips]
    if missing:
        raise SynthesisError(
            f"{len(missing)} line(s) could not be synthesised, e.g. {missing[0]!r}"
        )
    seconds = {t: clip_seconds(p) for t, p in clips.items()}
    timed = with_speech_durations(script, lambda text: seconds.get(text, 0.0))

    with wave.open(str(next(iter(clips.values()))), "rb") as w:
        params = (w.getnchannels(), w.getsampwidth(), w.getframerate())
    channels, width, rate = params
    total = round(timed.total * rate)

    wanted: list[tuple[int, Priority, str]] = []
    for seg in timed.segments:
        if seg.say:
            wanted.append((round(seg.start * rate), Priority.NORMAL, seg.say))
        for k in range(seg.count_last, 0, -1):
            at = seg.end - k
            if at > seg.start:
                wanted.append((round(at * rate), Priority.LOW, countdown_text(k)))
    wanted.sort(key=lambda w: w[0])

    plan: list[_Placement] = []
    for start, priority, text in wanted:
        length = round(seconds[text] * rate)
        if plan and start < plan[-1].end:
            if priority is Priority.LOW:
                if on_cut is not None:
                    on_cut(f"countdown {text!r} dropped at {start / rate:.1f} s")
                continue  # something is still being said
            if on_cut is not None:
                on_cut(f"line cut at {start / rate:.1f} s by {text!r}")
            plan[-1].end = start  # the new line interrupts the one before
        plan.append(_Placement(start, min(start + length, total), clips[text]))

    with wave.open(fh, "wb") as dst:
        dst.setnchannels(channels)
        dst.setsampwidth(width)
        dst.setframerate(rate)
        cursor = 0
        for p in plan:
            _write_silence(dst, p.start - cursor, channels * width)
            with wave.open(str(p.path), "rb") as src:
                if (src.getnchannels(), src.getsampwidth(), src.getframerate()) != params:
                    raise SynthesisError(f"clip {p.path.name} has a different audio format")
                dst.writeframes(src.readframes(p.end - p.start))
            cursor = p.end
        _write_silence(dst, total - cursor, channels * width)
    return total / rate


def _write_silence(dst: wave.Wave_write, frames: int, frame_bytes: int) -> None:
    chunk = bytes(_SILENCE_CHUNK_FRAMES * frame_bytes)
    while frames > 0:
        n = min(frames, _SILENCE_CHUNK_FRAMES)
        dst.writeframes(chunk[: n * frame_bytes])
        frames -= n


def _voice_config(args: argparse.Namespace, settings_file: Path) -> VoiceConfig | None:
    """The user's voice settings (None: the defaults, also when settings cannot be read)."""
    if getattr(args, "no_settings", False):
        return None
    try:
        from ..settings import load_settings

        return load_settings(settings_file).settings.voice_config()
    except Exception:  # settings problems are reported by the script options already
        return None


@contextlib.contextmanager
def user_synthesizer(args: argparse.Namespace) -> Iterator[Synthesizer]:
    """A synthesizer with the user's voice and speech cache (a temporary folder when the
    cache cannot be written), for commands that time or render a session."""
    from ..paths import app_paths

    paths = app_paths(args.data_dir)
    config = _voice_config(args, paths.settings_file)
    cache = paths.speech_cache_dir
    try:
        cache.mkdir(parents=True, exist_ok=True)
        probe = cache / f".probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        print(
            f"stenosis-player: the speech cache {cache} cannot be written "
            f"({exc.strerror or exc}); using a temporary folder",
            file=sys.stderr,
        )
        with (
            tempfile.TemporaryDirectory(prefix="stenosis-speech-") as tmp,
            Synthesizer(tmp, config, workers=default_workers()) as synth,
        ):
            yield synth
        return
    with Synthesizer(cache, config, workers=default_workers()) as synth:
        yield synth


def run_export_audio(args: argparse.Namespace) -> int:
    """``stenosis-player export-audio OUT.wav [--program ID]``: the script is planned with
    the real clip lengths (as ``script`` plans it), then rendered."""
    from ..cli import script_or_report
    from .timing import ClipTimer, report_estimates

    out = Path(args.out)
    probe = out.with_name(f".{out.name}.part")
    try:  # an unwritable destination is said before any speech is made
        probe.touch()
        probe.unlink()
    except OSError as exc:
        print(f"stenosis-player: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    try:
        with user_synthesizer(args) as synth:
            timer = ClipTimer(synth)
            script = script_or_report(args, timer)
            if script is None:
                return 1
            report_estimates(timer)
            seconds = export_session_audio(script, args.out, synth)
    except SynthesisError as exc:
        print(f"stenosis-player: cannot make the speech: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"stenosis-player: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"{args.out}: {mmss(seconds)} ({seconds:.1f} s), program {script.program_id}")
    return 0
