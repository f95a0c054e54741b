"""Hearing the takes as the recogniser that will listen hears them.

With the leading word the neural spotter knows ("player") the window listens, once enrolled,
with the network adapted to the user's takes (``recognizer.engine_for``). So a take is
checked by that network, adapted to the *other* takes (it must not have learnt the take it is
tested on):

- while the enrolment runs, each new take is heard by the network adapted to the takes
  recorded before it (the first one by the shipped network);
- at the end, :meth:`NetworkCheck.recheck` hears every take again, leaving it out of the
  adaptation (leave one take out): each command's result then says how the recogniser that
  will listen hears this user, in this room.

The network's layers before the last one never change, so each window's hidden layer is
computed once (``_SharedLayers``) and every re-fit costs only the last layer: rechecking 26
takes takes a second or two, not half a minute.

With another leading word, or without a usable model, pocketsphinx listens, and
:class:`SphinxCheck` hears each take with it as before.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from ..commands import DEFAULT_LEADING_WORD
from ..kws_model import KwsModel, KwsModelError
from .levels import SAMPLE_RATE, TakeAudio
from .plan import PlannedTake

BLOCK = int(0.1 * SAMPLE_RATE) * 2  # bytes fed at a time, as a microphone delivers them


class TakeChecker(Protocol):
    engine: str  # "sphinx" or "neural": the recogniser whose hearing the results are

    def hear(self, audio: TakeAudio, planned: PlannedTake) -> tuple[str, ...]: ...

    def recheck(
        self, takes: Sequence[tuple[PlannedTake, TakeAudio]]
    ) -> list[tuple[str, ...]] | None:
        """What each take is heard as, all takes known; None: as heard while recording."""
        ...


def _hear_with(recognizer, pcm: bytes) -> tuple[str, ...]:
    """The phrases *recognizer* hears in *pcm* (yes and no count: a question is open)."""
    try:
        recognizer.set_question_open(True)
        heard = []
        for i in range(0, len(pcm), BLOCK):
            heard += recognizer.feed(pcm[i : i + BLOCK])
        heard += recognizer.flush()
    finally:
        recognizer.close()
    return tuple(h.phrase for h in heard)


def recognise_take(
    audio: TakeAudio, leading_word: str = DEFAULT_LEADING_WORD, recognizer_factory=None
) -> tuple[str, ...]:
    """The phrases a fresh pocketsphinx recogniser hears in the take. Raises RecognizerError
    when pocketsphinx is missing."""
    if recognizer_factory is None:
        from ..recognizer import CommandRecognizer

        recognizer_factory = CommandRecognizer
    return _hear_with(recognizer_factory(leading_word=leading_word), audio.pcm)


class SphinxCheck:
    """Each take heard by pocketsphinx (what listens with another leading word)."""

    engine = "sphinx"

    def __init__(self, leading_word: str = DEFAULT_LEADING_WORD) -> None:
        self.leading_word = leading_word

    def hear(self, audio: TakeAudio, planned: PlannedTake) -> tuple[str, ...]:
        return recognise_take(audio, self.leading_word)

    def recheck(self, takes: Sequence[tuple[PlannedTake, TakeAudio]]) -> None:
        return None  # pocketsphinx does not adapt: what it heard while recording stands


def _key(pcm: bytes) -> bytes:
    return hashlib.blake2b(pcm, digest_size=16).digest()


class _SharedLayers(KwsModel):
    """A model with its own last layer whose earlier layers' output per window comes from a
    cache shared by all the models of one check."""

    def __init__(self, base: KwsModel, cache: dict[bytes, np.ndarray]) -> None:
        self.__dict__.update(base.__dict__)
        self._cache = cache

    def embedding(self, window: np.ndarray) -> np.ndarray:
        key = _key(np.ascontiguousarray(window).tobytes())
        hidden = self._cache.get(key)
        if hidden is None:
            hidden = self._cache[key] = super().embedding(window)
        return hidden


class NetworkCheck:
    """Each take heard by the neural spotter adapted to the other takes (see the module's
    docstring). Thread-safe: one take at a time."""

    engine = "neural"

    def __init__(self, model=None, settings=None) -> None:
        """*model*: a ``KwsModel`` (default: the shipped one); raises KwsModelError when it
        cannot be loaded."""
        from ..neural import NeuralSettings, default_model_path

        self.model = model if isinstance(model, KwsModel) else KwsModel(default_model_path())
        self.settings = settings or NeuralSettings.load()
        self._cache: dict[bytes, np.ndarray] = {}  # window -> hidden layer
        self._windows: dict[bytes, object] = {}  # take's audio -> adapt.TakeWindows | None
        self._order: list[bytes] = []  # takes in the order heard
        self._lock = threading.Lock()

    def _take_windows(self, phrase: str, audio: TakeAudio):
        from ..adapt import Take, take_windows

        key = _key(audio.pcm)
        if key not in self._windows:
            take = Take(phrase, audio.pcm, audio.speech_start, audio.speech_end)
            self._windows[key] = take_windows(self.model, take)
            self._order.append(key)
        return key

    def _hear(self, audio: TakeAudio, leave_out: bytes | None, keys: Sequence[bytes]):
        from ..adapt import fit_output
        from ..neural import NeuralRecognizer

        fit = [self._windows[k] for k in keys if k != leave_out and self._windows[k] is not None]
        model = _SharedLayers(fit_output(self.model, fit), self._cache)
        recognizer = NeuralRecognizer(settings=self.settings, model=model, cancel_echo=False)
        return _hear_with(recognizer, audio.pcm)

    def hear(self, audio: TakeAudio, planned: PlannedTake) -> tuple[str, ...]:
        """*audio* heard by the network adapted to the takes heard before it."""
        with self._lock:
            before = list(self._order)
            heard = self._hear(audio, None, before)
            self._take_windows(planned.phrase, audio)
            return heard

    def recheck(self, takes: Sequence[tuple[PlannedTake, TakeAudio]]) -> list[tuple[str, ...]]:
        """Each take heard by the network adapted to all the others (leave one take out)."""
        with self._lock:
            keys = [self._take_windows(p.phrase, a) for p, a in takes]
            return [
                self._hear(audio, key, keys) for (_, audio), key in zip(takes, keys, strict=True)
            ]


def checker_for(leading_word: str = DEFAULT_LEADING_WORD) -> TakeChecker:
    """The check that matches what will listen once the enrolment is saved: the adapted
    network with the leading word it knows, pocketsphinx otherwise (or without a usable
    model, as the recogniser itself falls back)."""
    from ..recognizer import ENROLLED_ENGINE

    if leading_word == DEFAULT_LEADING_WORD and ENROLLED_ENGINE == "neural":
        try:
            return NetworkCheck()
        except (KwsModelError, OSError, ValueError):
            pass
    return SphinxCheck(leading_word)
