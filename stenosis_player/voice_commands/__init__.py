"""Offline, opt-in voice commands ("player pause", "it hurts", ...) recognised with pocketsphinx.

Nothing here imports Qt except :mod:`.qt_listener`. Audio stays in memory; nothing is recorded
or sent anywhere.
"""

from .commands import DEFAULT_LEADING_WORD, Command, phrase_table

__all__ = ["DEFAULT_LEADING_WORD", "Command", "phrase_table"]
