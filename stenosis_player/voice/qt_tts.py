"""QtTextToSpeech as a second engine: measured, and not used.

What we found (PySide6 6.12, Debian 12): the engines on Linux are ``speechd`` and
``mock``. ``speechd`` needs a running speech-dispatcher daemon (absent on a plain
desktop install and in CI: "Text to speech engine not initialized", no voices) and it
cannot synthesise to a buffer (no ``Synthesize`` capability), so we could not know a
line's length before saying it, cache it, or export a session. eSpeak NG through
pyttsx3 does all of that on every Linux machine with ``libespeak-ng1``. On Windows and
macOS QtTextToSpeech would give the system voices, which may earn it a place there
later; it is only reported by ``stenosis-player voices`` for now.
"""

from __future__ import annotations


def describe_qt_engines() -> list[str]:
    """One line per QtTextToSpeech engine and its state (empty without the module)."""
    try:
        from PySide6.QtCore import QCoreApplication
        from PySide6.QtTextToSpeech import QTextToSpeech
    except ImportError:
        return []
    if QCoreApplication.instance() is None:
        return ["QtTextToSpeech engines (not used): " + ", ".join(QTextToSpeech.availableEngines())]
    lines = []
    for name in QTextToSpeech.availableEngines():
        if name == "mock":
            continue
        tts = QTextToSpeech(name)
        voices = len(tts.availableVoices())
        state = tts.errorString() or tts.state().name
        lines.append(f"QtTextToSpeech engine {name} (not used): {voices} voices; {state}")
        tts.deleteLater()
    return lines
