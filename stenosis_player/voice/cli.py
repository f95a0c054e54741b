"""``stenosis-player voices``: the speech engines and voices on this machine."""

from __future__ import annotations

import argparse
import sys
import tempfile

from .synth import SynthesisError, Synthesizer


def run_voices(args: argparse.Namespace) -> int:
    """Print one line per voice (id, name, languages); exit 1 with the reason if none."""
    with tempfile.TemporaryDirectory(prefix="stenosis-voices-") as tmp, Synthesizer(tmp) as synth:
        try:
            voices = synth.voices()
        except SynthesisError as exc:
            print(f"stenosis-player: no speech engine: {exc}", file=sys.stderr)
            return 1
        engine = synth.engine_name or "?"
    if not voices:
        print(f"stenosis-player: the {engine} engine has no voices", file=sys.stderr)
        return 1
    print(f"engine pyttsx3 (driver {engine}): {len(voices)} voices")
    width = max(len(v.id) for v in voices)
    for v in voices:
        langs = ", ".join(v.languages) or "-"
        print(f"  {v.id:<{width}}  {v.name}  [{langs}]")
    return 0
