"""Voice settings the synthesis layer needs: engine, voice, rate, volume."""

from __future__ import annotations

from dataclasses import dataclass

ENGINES = ("pyttsx3",)


@dataclass(frozen=True)
class VoiceConfig:
    """What voice to synthesise with. Part of every cache key: changing it re-synthesises.

    ``voice`` is an engine voice id (``stenosis-player voices`` lists them); None keeps the
    engine's default. ``rate`` is in words per minute, ``volume`` from 0.0 to 1.0.
    """

    engine: str = "pyttsx3"
    voice: str | None = None
    rate: int = 150
    volume: float = 1.0

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ValueError(f"unknown speech engine {self.engine!r}; known: {', '.join(ENGINES)}")
        if not 50 <= self.rate <= 400:
            raise ValueError(f"speech rate must be 50–400 words per minute, not {self.rate}")
        if not 0.0 <= self.volume <= 1.0:
            raise ValueError(f"speech volume must be between 0.0 and 1.0, not {self.volume}")
