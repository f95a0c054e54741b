"""What every recogniser keeps of the microphone stream: its position, the capture clock
that maps the app's playback times onto it, and the echo canceller given the clips the app
plays. Shared by the pocketsphinx and the neural recognisers."""

from __future__ import annotations

SAMPLE_RATE = 16000


class StreamPosition:
    """Needs ``_pos`` (samples fed so far), ``_clock`` ((sample, monotonic time) of the last
    capture, or None) and ``_canceller`` (an EchoCanceller, or None)."""

    _pos: int
    _clock: tuple[int, float] | None
    _canceller: object | None

    def play_reference(self, samples, at: int | None = None) -> None:
        """The app plays *samples* (float numpy array, 16 kHz; see ``echo.read_reference``)
        from stream sample *at* (default: now); its echo is cancelled from then on."""
        if self._canceller is not None:
            self._canceller.add_reference(samples, self._pos if at is None else at)

    def cut_reference(self, at: int | None = None) -> None:
        """Playback stopped: no reference plays after stream sample *at* (default: now)."""
        if self._canceller is not None:
            self._canceller.cut_reference(self._pos if at is None else at)

    def stream_sample_at(self, monotonic_time: float) -> int:
        """The stream sample captured at *monotonic_time*, from the capture times given to
        ``feed`` (without them: the samples fed so far)."""
        if self._clock is None:
            return self._pos
        pos, when = self._clock
        return pos + round((monotonic_time - when) * SAMPLE_RATE)

    @property
    def stream_time(self) -> float:
        return self._pos / SAMPLE_RATE
