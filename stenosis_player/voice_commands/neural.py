"""Command recognition with the small neural keyword spotter (numpy only; no Qt, no device).

Same interface as the pocketsphinx recognizer (``recognizer.SphinxRecognizer``): feed 16 kHz
mono int16 PCM, get :class:`~.recognizer.Heard` back. Audio is held in memory for ~2 s only.

Every 100 ms the network (kws_model.py) looks at the last ~2 s of log-mel frames and gives the
probability of each phrase *having just been said on its own* (it was trained with commands run
into other speech, cut off, or long past as "filler", so that rule is in the network, not in
pause detection). A phrase is heard when its probability, averaged over the last
``smooth_steps`` looks, passes its threshold; then nothing more for ``refractory_s``. The
thresholds were chosen on the tuning split of training voices (bench/voice_commands/tune_kws.py).

The app's own rules stay as they were: yes/no only while a question is open; while the app
speaks only pause, stop and "it hurts", and not when the app itself is saying those words; the
app's voice is taken out of the microphone signal by the echo canceller first.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from .commands import (
    ALLOWED_WHILE_SPEAKING,
    DEFAULT_LEADING_WORD,
    QUESTION_ONLY,
    Command,
    phrase_table,
)
from .features import LogMel, normalise
from .kws_model import MODEL_RESOURCE, KwsModel, KwsModelError
from .recognizer import Heard, Rejected, _words
from .stream import StreamPosition

SAMPLE_RATE = 16000
NEURAL_SETTINGS_RESOURCE = "kws_thresholds.json"


@dataclass
class NeuralSettings:
    thresholds: dict[str, float] = field(default_factory=dict)  # phrase -> probability
    default_threshold: float = 0.8
    step_frames: int = 10  # look every 100 ms
    smooth_steps: int = 2
    refractory_s: float = 1.2
    # The network fires 0.12-0.7 s after the end of the phrase; the phrase's end is put this
    # long before the moment it was heard.
    end_before_s: float = 0.2
    near_miss: float = 0.5  # share of the threshold above which a refusal is reported
    # A phrase fires only when it leads every other phrase by this much: two phrases close
    # together ("player yes" and "player next" on a voice never trained on) are a miss, not
    # a wrong command.
    margin: float = 0.0
    # For tuning only: every rise above this is returned, with its peak as the score.
    emit_all: bool = False
    probe: float = 0.2
    tuned_on_voices: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, path: str | Path | None = None) -> NeuralSettings:
        from .tuned_values import load_tuned

        return load_tuned(cls, NEURAL_SETTINGS_RESOURCE, path)

    def threshold(self, phrase: str) -> float:
        return self.thresholds.get(phrase, self.default_threshold)


def default_model_path() -> Path:
    return Path(str(resources.files("stenosis_player.data").joinpath(MODEL_RESOURCE)))


@dataclass
class _Event:
    phrase: str
    start_step: int
    peak: float
    fired: bool = False
    unclear: float = 0.0  # highest score that passed its threshold without the margin


class NeuralRecognizer(StreamPosition):
    """Spots the commands said with the leading word "player" (the word the model was trained
    on). Not thread-safe: feed it from one thread; :meth:`set_app_speaking` and
    :meth:`set_question_open` may be called from another (they only set flags)."""

    engine = "neural"

    def __init__(
        self,
        leading_word: str = DEFAULT_LEADING_WORD,
        settings: NeuralSettings | None = None,
        commands: set[Command] | frozenset[Command] | None = None,
        cancel_echo: bool = True,
        model: KwsModel | str | Path | None = None,
        enrolment=None,
    ) -> None:
        """*enrolment*: the user's enrolment (``enrolment.load_enrolment``) or a list of
        ``adapt.Take``: the last layer is adapted to those takes (see adapt.py)."""
        if isinstance(model, KwsModel):
            self.model = model
        else:
            self.model = KwsModel(model or default_model_path())
        #: How many enrolment takes the model was adapted to (0: the shipped model as is).
        self.adapted_takes = 0
        #: Whether that adaptation was read from the enrolment folder (adapt_cache.py).
        self.adaptation_cached = False
        if enrolment is not None:
            self._adapt(enrolment, leading_word)
        self.settings = settings or NeuralSettings.load()
        self.leading_word = leading_word
        table = phrase_table(leading_word)
        enabled = set(commands) if commands is not None else set(Command)
        self._phrase_cmd = {p: c for c, ps in table.items() if c in enabled for p in ps}
        missing = [p for p in self._phrase_cmd if p not in self.model.classes]
        if missing:
            raise KwsModelError(
                f"the voice-command model {self.model.path} does not know {missing}"
            )
        self.echo_unavailable = "" if cancel_echo else "turned off"
        self._canceller = None
        if cancel_echo:
            from .echo import EchoCanceller

            self._canceller = EchoCanceller()
        self.explain_rejections = False
        self.fallback_reason = ""  # (the pocketsphinx one says why it is used instead)
        self.rejected: deque[Rejected] = deque(maxlen=200)
        self._clock: tuple[int, float] | None = None
        self._pos = 0
        self._logmel = LogMel(self.model.spec)
        spec = self.model.spec
        self._frames = np.zeros((spec.window_frames, spec.n_mels), dtype=np.float32)
        self._frames[:] = math.log(spec.eps)
        self._new_frames = 0
        self._levels: deque[float] = deque(maxlen=400)  # frame levels, last 4 s
        self._n_frames = 0  # frames made so far
        self.floor_db = 0.0
        self._history: deque[np.ndarray] = deque(maxlen=max(1, self.settings.smooth_steps))
        #: (stream time, smoothed probability per class) of the last 3 s of looks
        self.recent: deque[tuple[float, np.ndarray]] = deque(maxlen=30)
        self._step = 0
        self._quiet_until_step = -1
        self._events: dict[str, _Event] = {}
        self._app_speaking = False
        self._app_text: list[str] = []
        self._app_speaking_until = -1.0
        self._question_open = False
        self._class_index = {c: i for i, c in enumerate(self.model.classes)}

    def recent_score(self, phrase: str, since: float) -> float:
        """The highest probability of *phrase* in the looks since stream time *since*."""
        i = self._class_index.get(phrase)
        if i is None:
            return 0.0
        return max((float(p[i]) for t, p in self.recent if t >= since), default=0.0)

    def _adapt(self, enrolment, leading_word: str) -> None:
        from .adapt import takes_from_enrolment
        from .adapt_cache import cached_adaptation

        folder = None
        if hasattr(enrolment, "takes_with_phrases"):
            if getattr(enrolment, "leading_word", leading_word) != leading_word:
                return  # said with another leading word: nothing here fits them
            takes = takes_from_enrolment(enrolment)
            folder = getattr(enrolment, "folder", None)  # a saved one: its layer is cached there
        else:
            takes = list(enrolment)
        adaptation, self.adaptation_cached = cached_adaptation(self.model, takes, folder)
        self.model = adaptation.model
        self.adapted_takes = adaptation.takes_used

    # -- state from the app -------------------------------------------------------------------
    def set_app_speaking(self, speaking: bool, text: str = "") -> None:
        now = self._pos / SAMPLE_RATE
        if speaking:
            self._app_speaking = True
            self._app_text = _words(text)
            self._app_speaking_until = float("inf")
        else:
            self._app_speaking = False
            self._app_speaking_until = now + 0.4

    def set_question_open(self, is_open: bool) -> None:
        self._question_open = is_open

    @property
    def noise_floor_db(self) -> float:
        """The background level (16-bit: 90 dB = full scale)."""
        return self.floor_db

    # -- audio --------------------------------------------------------------------------------
    def feed(self, pcm: bytes, captured_at: float | None = None) -> list[Heard]:
        if len(pcm) % 2:
            raise ValueError("PCM chunks must hold whole 16-bit samples")
        if captured_at is not None:
            self._clock = (self._pos + len(pcm) // 2, captured_at)
        if self._canceller is not None:
            pcm = self._canceller.process(pcm)
        audio = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
        self._pos += len(audio)
        new = self._logmel.push(audio)
        heard: list[Heard] = []
        step = self.settings.step_frames
        spec = self.model.spec
        for i in range(0, len(new), step):
            block = new[i : i + step]
            self._track_level(block)
            self._frames = np.concatenate([self._frames[len(block) :], block])
            self._new_frames += len(block)
            # frames still to come in this chunk: the window ends that long before "now"
            lag = (len(new) - i - len(block)) * spec.hop / SAMPLE_RATE
            while self._new_frames >= step:
                self._new_frames -= step
                heard += self._look(self.stream_time - lag)
        return heard

    def flush(self) -> list[Heard]:
        """End of stream: add silence so a command just said is decided, and return it."""
        return self.feed(b"\0\0" * int(SAMPLE_RATE * 0.8))

    def close(self) -> None:
        pass

    # -- internals ----------------------------------------------------------------------------
    def _track_level(self, frames: np.ndarray) -> None:
        # log-mel to a rough frame level in 16-bit dB (for the noise estimate only)
        power = np.exp(frames).sum(axis=1) * (32768.0**2) / self.model.spec.n_fft
        for p in power:
            self._levels.append(10 * math.log10(float(p) + 1.0))
        self._n_frames += len(frames)
        ordered = sorted(self._levels)
        self.floor_db = ordered[len(ordered) // 10]

    def _speech_end(self, now: float) -> float:
        """When the speech just heard ended: the last of the last second's frames well above
        the noise floor (stream s); *now* minus a typical lag if none is."""
        spec = self.model.spec
        levels = list(self._levels)[-100:]
        last = self._n_frames - 1  # index of the newest frame
        for back, level in enumerate(reversed(levels)):
            if level > self.floor_db + 8.0:
                end = ((last - back) * spec.hop + spec.frame_len) / SAMPLE_RATE
                return min(now, end)
        return now - self.settings.end_before_s

    def _look(self, now: float) -> list[Heard]:
        s = self.settings
        probs = self.model.probabilities(normalise(self._frames))
        self._history.append(probs)
        self._step += 1
        score = np.mean(self._history, axis=0)
        self.recent.append((now, score))
        out: list[Heard] = []
        # Only the likeliest phrase may fire ("player back" rises with "player pause"), and
        # only when it leads the next likeliest by the margin.
        ranked = sorted(self._phrase_cmd, key=lambda ph: -score[self._class_index[ph]])
        best = ranked[0]
        lead = float(score[self._class_index[best]])
        if len(ranked) > 1:
            lead -= float(score[self._class_index[ranked[1]]])
        clear = lead >= s.margin
        for phrase, cmd in self._phrase_cmd.items():
            p = float(score[self._class_index[phrase]])
            thr = s.threshold(phrase)
            ev = self._events.get(phrase)
            low = s.probe if s.emit_all else min(thr, s.near_miss * thr)
            if p >= low:
                if ev is None:
                    ev = self._events[phrase] = _Event(phrase, self._step, 0.0)
                # (for tuning, the peak counts only the looks that could have fired)
                if not s.emit_all or (phrase == best and clear):
                    ev.peak = max(ev.peak, p)
                if not s.emit_all and not ev.fired and p >= thr and phrase == best:
                    if not clear:
                        ev.unclear = max(ev.unclear, p)
                        continue
                    ev.fired = True
                    if self._step > self._quiet_until_step:
                        heard = self._decide(cmd, phrase, p, now)
                        if heard is not None:
                            out.append(heard)
                            self._quiet_until_step = self._step + round(
                                s.refractory_s * SAMPLE_RATE / (s.step_frames * self.model.spec.hop)
                            )
            elif ev is not None:  # the rise is over
                del self._events[phrase]
                if s.emit_all:
                    h = self._decide(cmd, phrase, ev.peak, now) if ev.peak >= s.probe else None
                    if h is not None:
                        out.append(h)
                elif not ev.fired:
                    why = f"score {ev.peak:.2f} below {thr:.2f}"
                    if ev.unclear:
                        why = (
                            f"score {ev.unclear:.2f}, but less than {s.margin:.2f} "
                            "ahead of another phrase"
                        )
                    self.rejected.append(Rejected(phrase, why, now))
        return out

    def _decide(self, cmd: Command, phrase: str, score: float, now: float) -> Heard | None:
        t1 = self._speech_end(now)
        t0 = t1 - 0.8
        reason = None
        if cmd in QUESTION_ONLY and not self._question_open:
            reason = "no question open"
        elif self._app_speaking or t0 < self._app_speaking_until:
            if cmd not in ALLOWED_WHILE_SPEAKING:
                reason = "app speaking"
            elif self._echo(phrase):
                reason = "the app said it"
        if reason:
            self.rejected.append(Rejected(phrase, reason, t1))
            return None
        return Heard(cmd, phrase, round(score, 3), round(t1, 3), round(t0, 3))

    def _echo(self, phrase: str) -> bool:
        words = phrase.split()
        text = self._app_text
        return any(text[i : i + len(words)] == words for i in range(len(text) - len(words) + 1))
