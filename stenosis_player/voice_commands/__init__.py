"""Offline, opt-in voice commands ("player pause", "it hurts", ...) recognised with pocketsphinx.

Nothing here imports Qt except :mod:`.qt_listener`. Audio is never sent anywhere, and stays in
memory except the takes of an enrolment the user asks for (:mod:`.enrolment`: kept in the
data folder until "Forget my recordings").
"""

from .commands import DEFAULT_LEADING_WORD, Command, phrase_table

__all__ = ["DEFAULT_LEADING_WORD", "Command", "phrase_table"]
