"""Both recognizers on one stream: pocketsphinx's commands checked by the network (issue 19).

Measured on held-out voices, pocketsphinx finds more commands in quiet while the neural
spotter almost never fires on ordinary speech and keeps working with a TV on. Here each
hears the same (echo-cancelled) audio:

* a command pocketsphinx hears counts only if the network gave that phrase at least
  ``verify`` probability in the looks around it (this is what removes pocketsphinx's false
  commands from sentences such as "if it hurts, stop");
* a command the network hears on its own counts as it is (its thresholds are strict);
* one utterance gives one command: a second within ``same_utterance_s`` is dropped.

Same interface as the other two recognizers.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .commands import DEFAULT_LEADING_WORD, Command
from .neural import NeuralRecognizer, NeuralSettings
from .recognizer import Heard, Rejected, Settings, SphinxRecognizer

HYBRID_SETTINGS_RESOURCE = "kws_thresholds.json"  # its "verify" entry


@dataclass(frozen=True)
class ScoredHeard(Heard):
    """A command with the score the acceptance rule is applied to (for tuning)."""

    score: float = 2.0  # the network's own commands: 2; pocketsphinx's: the network's score
    source: str = "neural"


@dataclass
class HybridSettings:
    verify: float = 0.05
    wait_s: float = 0.8  # how long a pocketsphinx command waits for the network
    own_commands: bool = True  # also the commands the network hears that pocketsphinx missed
    same_utterance_s: float = 1.5
    # For tuning only: every pocketsphinx command is returned with the network's score.
    emit_all: bool = False

    def accepts(self, score: float, snr: float = 0.0) -> bool:
        """The acceptance rule applied afterwards to what ``emit_all`` returned."""
        return score >= self.verify and (self.own_commands or score <= 1.0)

    @classmethod
    def load(cls) -> HybridSettings:
        try:
            text = (
                resources.files("stenosis_player.data")
                .joinpath(HYBRID_SETTINGS_RESOURCE)
                .read_text(encoding="utf-8")
            )
            data = json.loads(text)
        except (FileNotFoundError, ModuleNotFoundError, ValueError):
            return cls()
        out = cls()
        if "verify" in data:
            out.verify = float(data["verify"])
        if "own_commands" in data:
            out.own_commands = bool(data["own_commands"])
        return out


class HybridRecognizer:
    engine = "hybrid"

    def __init__(
        self,
        leading_word: str = DEFAULT_LEADING_WORD,
        settings: HybridSettings | None = None,
        commands: set[Command] | frozenset[Command] | None = None,
        cancel_echo: bool = True,
        model=None,
        enrolment=None,
        neural_settings: NeuralSettings | None = None,
        sphinx_settings: Settings | None = None,
    ) -> None:
        self.settings = settings or HybridSettings.load()
        # the network first: a bad model file raises before pocketsphinx is set up
        self.neural = NeuralRecognizer(
            leading_word, neural_settings, commands, False, model=model, enrolment=enrolment
        )
        self.sphinx = SphinxRecognizer(leading_word, sphinx_settings, commands, cancel_echo)
        self.leading_word = leading_word
        self.model = self.neural.model
        self.adapted_takes = self.neural.adapted_takes
        self.echo_unavailable = self.sphinx.echo_unavailable
        self.fallback_reason = ""
        self.explain_rejections = False
        self.rejected: deque[Rejected] = deque(maxlen=200)
        self._given: deque[Heard] = deque(maxlen=10)
        self._pending: list[Heard] = []  # pocketsphinx's, waiting for the network

    # -- state from the app: both hear it ---------------------------------------------------
    def set_app_speaking(self, speaking: bool, text: str = "") -> None:
        self.sphinx.set_app_speaking(speaking, text)
        self.neural.set_app_speaking(speaking, text)

    def set_question_open(self, is_open: bool) -> None:
        self.sphinx.set_question_open(is_open)
        self.neural.set_question_open(is_open)

    def play_reference(self, samples, at: int | None = None) -> None:
        self.sphinx.play_reference(samples, at)

    def cut_reference(self, at: int | None = None) -> None:
        self.sphinx.cut_reference(at)

    def stream_sample_at(self, monotonic_time: float) -> int:
        return self.sphinx.stream_sample_at(monotonic_time)

    @property
    def stream_time(self) -> float:
        return self.sphinx.stream_time

    @property
    def noise_floor_db(self) -> float:
        return self.sphinx.noise_floor_db

    # -- audio --------------------------------------------------------------------------------
    def feed(self, pcm: bytes, captured_at: float | None = None) -> list[Heard]:
        self._pending += self.sphinx.feed(pcm, captured_at)
        from_net = self.neural.feed(self.sphinx.last_cancelled)
        out: list[Heard] = []
        for h in from_net:  # the network's own (score 2: above any verify value)
            if self.settings.own_commands or self.settings.emit_all:
                out += self._give(h, 2.0, "neural")
        out += self._verify()
        for r in (*self.sphinx.rejected, *self.neural.rejected):
            self.rejected.append(r)
        self.sphinx.rejected.clear()
        self.neural.rejected.clear()
        return out

    def _verify(self) -> list[Heard]:
        """pocketsphinx's commands the network has confirmed; those it has not after
        ``wait_s`` (its look peaks 0.1-0.7 s after the phrase) are refused."""
        s = self.settings
        out: list[Heard] = []
        keep = []
        for h in self._pending:
            score = self.neural.recent_score(h.phrase, h.start - 0.2)
            done = self.stream_time >= h.time + s.wait_s
            # (tuning, emit_all: every one, with its best score once the wait is over)
            if (done and s.emit_all) or (score >= s.verify and not s.emit_all):
                out += self._give(h, score, "sphinx")
            elif done:
                self.rejected.append(
                    Rejected(h.phrase, f"the network's score {score:.3f} is too low", h.time)
                )
            else:
                keep.append(h)
        self._pending = keep
        return out

    def flush(self) -> list[Heard]:
        return self.feed(b"\0\0" * int(16000 * 1.6))

    def close(self) -> None:
        self.sphinx.close()
        self.neural.close()

    def _give(self, h: Heard, score: float, source: str) -> list[Heard]:
        for g in self._given:
            if abs(g.time - h.time) < self.settings.same_utterance_s:
                if g.command is not h.command:
                    self.rejected.append(
                        Rejected(h.phrase, f"overlaps {g.phrase!r}, given", h.time)
                    )
                return []
        out = ScoredHeard(h.command, h.phrase, h.confidence, h.time, h.start, score, source)
        self._given.append(out)
        return [out]


def hybrid_settings_path() -> Path:
    return Path(str(resources.files("stenosis_player.data").joinpath(HYBRID_SETTINGS_RESOURCE)))
