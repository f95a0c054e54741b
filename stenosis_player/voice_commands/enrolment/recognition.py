"""Recording and recognising the takes: :class:`TakeListener` records the take asked for
from a stream of blocks and has it heard by a checker (:mod:`.check`: the recogniser that
will listen), :func:`run_takes` does a whole plan from one stream, :class:`MicrophoneWatch`
notices a microphone that stopped delivering."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace

from ..commands import DEFAULT_LEADING_WORD, validate_leading_word
from .check import TakeChecker, checker_for
from .levels import TakeAudio, TakeRecorder, level_db
from .plan import PlannedTake
from .results import TakeResult, take_result


class TakeListener:
    """Feeds on a stream of blocks (all of it, for the level meter) and records the take it
    is asked for with :meth:`listen`; :meth:`feed` returns that take's result once it is
    recorded and recognised. ``listen`` and ``cancel`` may be called from another thread."""

    def __init__(
        self,
        leading_word: str = DEFAULT_LEADING_WORD,
        *,
        recorder_factory: Callable[[], TakeRecorder] = TakeRecorder,
        checker: TakeChecker | None = None,
    ) -> None:
        """*checker*: hears each take (default :func:`.check.checker_for`: the recogniser
        that will listen)."""
        self.leading_word = validate_leading_word(leading_word)
        self._recorder_factory = recorder_factory
        self.checker = checker if checker is not None else checker_for(self.leading_word)
        self._asked: PlannedTake | None = None
        self._taking: tuple[PlannedTake, TakeRecorder] | None = None
        self.level_db = 0.0

    def listen(self, planned: PlannedTake) -> None:
        self._asked = planned

    def cancel(self) -> None:
        self._asked = None

    @property
    def busy(self) -> bool:
        return self._asked is not None

    def feed(self, pcm: bytes) -> TakeResult | None:
        self.level_db = level_db(pcm)
        asked = self._asked
        if asked is None:
            self._taking = None
            return None
        if self._taking is None or self._taking[0] is not asked:
            self._taking = (asked, self._recorder_factory())
        audio = self._taking[1].feed(pcm)
        return None if audio is None else self._done(asked, audio)

    def end_of_stream(self) -> TakeResult | None:
        """The source ended: the take asked for, as far as it got (None if none was)."""
        asked = self._asked
        if asked is None:
            return None
        if self._taking is None or self._taking[0] is not asked:
            self._taking = (asked, self._recorder_factory())
        return self._done(asked, self._taking[1].finish())

    def _done(self, asked: PlannedTake, audio: TakeAudio) -> TakeResult:
        heard = () if audio.timed_out else self.checker.hear(audio, asked)
        if self._asked is asked:
            self._asked = None
        self._taking = None
        return take_result(asked, audio, heard, self.leading_word, self.checker.engine)


def recheck(takes: Sequence[TakeResult], checker: TakeChecker) -> list[TakeResult]:
    """*takes* as *checker* hears them with all of them known (for the adapted network: each
    one left out of the adaptation it is tested with); takes without a recording, or without
    speech, stay as they are."""
    with_audio = [
        (i, t) for i, t in enumerate(takes) if t.audio is not None and not t.audio.timed_out
    ]
    plan = [PlannedTake(t.command, t.phrase, t.number) for _, t in with_audio]
    heard = checker.recheck(list(zip(plan, [t.audio for _, t in with_audio], strict=True)))
    out = list(takes)
    if heard is None:
        return out
    for (i, t), phrases in zip(with_audio, heard, strict=True):
        out[i] = replace(t, heard=phrases, heard_by=checker.engine)
    return out


def run_takes(
    blocks: Iterable[bytes],
    plan: list[PlannedTake],
    leading_word: str = DEFAULT_LEADING_WORD,
    **listener_options,
) -> list[TakeResult]:
    """Record the planned takes one after another from one stream (a WAV with the takes in a
    row, say), then :func:`recheck` them. Takes the stream does not reach are left out."""
    listener = TakeListener(leading_word, **listener_options)
    it: Iterator[bytes] = iter(blocks)
    results: list[TakeResult] = []
    for planned in plan:
        listener.listen(planned)
        for block in it:
            result = listener.feed(block)
            if result is not None:
                results.append(result)
                break
        else:
            last = listener.end_of_stream()
            if last is not None and last.audio is not None and last.audio.pcm:
                results.append(last)
            break
    return recheck(results, listener.checker)


class MicrophoneWatch:
    """Notices a microphone that stopped delivering sound, on an injected monotonic clock:
    call :meth:`block_arrived` per block, ask :meth:`stalled` from a timer. While the reader
    is busy hearing a take (:meth:`working`: seconds on a slow machine) no block is read, and
    that is not the microphone's fault."""

    def __init__(self, clock: Callable[[], float], limit_s: float = 3.0) -> None:
        self.clock = clock
        self.limit_s = limit_s
        self._last = clock()
        self._working = False

    def block_arrived(self) -> None:
        self._last = self.clock()

    @contextlib.contextmanager
    def working(self) -> Iterator[None]:
        self._working = True
        try:
            yield
        finally:
            self._working = False
            self.block_arrived()  # the silence is counted from now

    def silent_for(self) -> float:
        return 0.0 if self._working else self.clock() - self._last

    def stalled(self) -> bool:
        return self.silent_for() > self.limit_s
