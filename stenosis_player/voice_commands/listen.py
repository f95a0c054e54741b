"""``stenosis-player listen [--wav FILE]``: print the voice commands heard, to check a set-up.

Nothing is recorded: the audio only passes through memory.
"""

from __future__ import annotations

import argparse
import sys
import time

from .commands import DEFAULT_LEADING_WORD, Command, phrase_table
from .microphone import MicrophoneUnavailable, open_source
from .recognizer import DEFAULT_ENGINE, ENGINES, CommandRecognizer, RecognizerError


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="stenosis-player listen",
        description="Listen for voice commands and print each one heard (Ctrl+C to stop). "
        "Audio is never stored or sent anywhere.",
    )
    ap.add_argument(
        "--wav",
        metavar="FILE",
        help="read a WAV file instead of the microphone (any sample rate or channels: it is "
        "converted to 16 kHz mono in memory)",
    )
    ap.add_argument(
        "--leading-word",
        default=DEFAULT_LEADING_WORD,
        help="word said before each command (default: %(default)s)",
    )
    ap.add_argument(
        "--engine",
        choices=ENGINES,
        default=DEFAULT_ENGINE,
        help="recognizer: pocketsphinx (sphinx, the default), the neural spotter, or the "
        "hybrid (pocketsphinx's commands confirmed by the network); see "
        "bench/voice_commands/README.md for how each does",
    )
    ap.add_argument(
        "--question",
        action="store_true",
        help="also accept yes/no, as while a question is on screen",
    )
    ap.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        help="also print what came close to a command and why it was refused, and the "
        "background noise level",
    )
    return ap


def run_listen(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    out = sys.stdout
    try:
        source = open_source(args.wav)
    except MicrophoneUnavailable as exc:
        print(f"stenosis-player listen: {exc}", file=sys.stderr)
        return 1
    try:
        rec = CommandRecognizer(leading_word=args.leading_word, engine=args.engine)
    except (RecognizerError, ValueError) as exc:
        source.close()
        print(f"stenosis-player listen: {exc}", file=sys.stderr)
        return 1
    if getattr(rec, "fallback_reason", ""):
        print(f"stenosis-player listen: using pocketsphinx: {rec.fallback_reason}", file=sys.stderr)
    rec.set_question_open(args.question)
    rec.explain_rejections = args.verbose
    table = phrase_table(args.leading_word)
    said = ", ".join(
        f'"{p}"'
        for cmd, ps in table.items()
        for p in ps[:1]
        if args.question or cmd not in (Command.YES, Command.NO)
    )
    where = args.wav or "the microphone"
    converted = getattr(source, "converted", "")
    if converted:
        where += f" (converted from {converted} to 16 kHz mono)"
    print(f"Listening to {where} (nothing is recorded). Say: {said}.", file=out, flush=True)
    started = time.monotonic()

    def report(heard) -> None:
        for h in heard:
            print(
                f"{h.time:8.2f} s  {h.phrase:18s} -> {h.command.name}  (confidence {h.confidence:.2f})",
                file=out,
                flush=True,
            )
        if args.verbose:
            while rec.rejected:
                r = rec.rejected.popleft()
                near = f"came close to {r.phrase!r}" if r.phrase != "-" else "not a command"
                print(f"{r.time:8.2f} s  ({near}; refused: {r.reason})", file=out, flush=True)

    try:
        try:
            for block in source.blocks():
                report(rec.feed(block))
            report(rec.flush())
        except KeyboardInterrupt:
            pass
        except MicrophoneUnavailable as exc:
            print(f"stenosis-player listen: {exc}", file=sys.stderr)
            return 1
    finally:
        source.close()
        rec.close()
    if args.verbose:
        print(f"Background noise: {rec.noise_floor_db:.0f} dB (90 dB = full scale).", file=out)
    if args.wav is None:
        print(f"Stopped after {time.monotonic() - started:.0f} s.", file=out)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(run_listen(sys.argv[1:]))
