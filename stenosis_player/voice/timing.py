"""Real clip lengths for planning a script (Qt-free).

``build_script`` fits every line into its time with ``speech_seconds``; given real lengths,
the plan that ``script``, ``export-audio``, ``--self-test`` and the player show is the one
that is heard, to the second. Lengths come from the speech cache (a WAV header read) or are
synthesised on first use, which takes about a second for a whole program.
"""

from __future__ import annotations

import sys

from ..script import estimate_speech_seconds
from .synth import SynthesisError, Synthesizer, clip_seconds


class ClipTimer:
    """``timer(text)`` → the clip's real length in seconds; estimated (and counted in
    ``estimated``) only where a clip cannot be made."""

    def __init__(self, synth: Synthesizer, words_per_minute: float = 160.0) -> None:
        self.synth = synth
        self.words_per_minute = words_per_minute
        self.estimated = 0
        self.problem: str | None = None
        self._seconds: dict[str, float] = {}

    @property
    def measured(self) -> int:
        """How many distinct lines were timed (every candidate a plan considered)."""
        return len(self._seconds)

    def __call__(self, text: str) -> float:
        if text not in self._seconds:
            self._seconds[text] = self._measure(text)
        return self._seconds[text]

    def _measure(self, text: str) -> float:
        if self.problem is None:
            try:
                path = self.synth.cached(text) or self.synth.synthesize(text)
                return clip_seconds(path)
            except (SynthesisError, OSError, EOFError) as exc:
                self.problem = str(exc)  # one failure: estimate the rest, say so once
        self.estimated += 1
        return estimate_speech_seconds(text, self.words_per_minute)


def report_estimates(timer: ClipTimer, prog: str = "stenosis-player") -> None:
    if timer.estimated:
        print(
            f"{prog}: {timer.estimated} line(s) timed by estimate, not by their real clip "
            f"({timer.problem})",
            file=sys.stderr,
        )
