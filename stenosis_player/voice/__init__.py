"""Speech: synthesis to cached WAV clips (Qt-free), playback and captions (Qt).

Qt-free: ``config`` (VoiceConfig), ``synth`` (Synthesizer, clip_seconds, the errors),
``lines`` (Priority, countdown_text, speech_texts), ``export`` (one WAV of a session),
``worker`` (the process that owns the pyttsx3 engine), ``cli`` (``voices``).
Qt: ``service`` (SpeechService, what the window uses) and ``sinks`` (AudioSink,
QtAudioSink, SilentSink). This package's ``__init__`` never imports Qt.

The window's part, in short::

    speech = SpeechService(cache_dir=paths.speech_cache_dir, config=settings.voice_config())
    speech.caption.connect(show_caption); speech.notice.connect(show_notice)
    speech.prepare(speech_texts(script))            # at session start, in the background
    speech.say(seg.say, f"seg-{seg.index}")         # on SegmentStarted
    speech.preload(next_seg.say)                    # so the next line starts at once
    speech.say(countdown_text(n), f"count-{n}", Priority.LOW)   # on CountdownSecond
    speech.stop()                                   # pause, stop, "it hurts"
    speech.close()                                  # on quit
"""

from __future__ import annotations

from .config import VoiceConfig

__all__ = ["VoiceConfig"]
