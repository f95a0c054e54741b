"""Speech: synthesis to cached WAV clips (Qt-free), playback and captions (Qt).

Qt-free: ``config`` (VoiceConfig), ``synth`` (Synthesizer, clip_seconds, errors),
``export`` (one WAV of a whole session). Qt: ``service`` (SpeechService), ``sinks``.
Import the Qt modules directly; this package's ``__init__`` never imports Qt.
"""

from __future__ import annotations

from .config import VoiceConfig

__all__ = ["VoiceConfig"]
