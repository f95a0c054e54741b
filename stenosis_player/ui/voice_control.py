"""Voice commands for the main window: listen (opt-in), act on what is heard, confirm
aloud. A mixin of MainWindow, kept apart so the window's own file stays about screens."""

from __future__ import annotations

import time
from typing import Any


class VoiceControl:
    """Needs the window's ``player``, ``start_view``, ``speech``, ``controller``, ``stack``,
    ``confirming_stop``, ``_setting`` and the command methods (pause, resume, stop, …)."""

    def start_voice_commands(self, source_factory: Any = None, autostart: bool = True) -> None:
        """Listen for spoken commands (opt-in in Settings); failures become a notice."""
        try:
            from ..voice_commands.qt_listener import VoiceCommandListener
        except ImportError as exc:
            self._voice_commands_failed(f"Voice commands are not available: {exc}")
            return
        self.leading_word = self._setting("voice_commands.leading_word", "player") or "player"
        kwargs: dict[str, Any] = {"leading_word": self.leading_word, "parent": self}
        if source_factory is not None:
            kwargs["source_factory"] = source_factory
        self.listener = VoiceCommandListener(**kwargs)
        self.listener.command_heard.connect(self.voice_command)
        self.last_heard = ""
        self.listener.listening_changed.connect(
            lambda on: self.player.set_listening(on, self.last_heard, self._voice_hint())
        )
        self.listener.failed.connect(self._voice_commands_failed)
        # while the app speaks only pause, stop and "it hurts" count, and not when the app
        # itself says those words (the caption holds the line being spoken)
        if hasattr(self.speech, "clip_started") and not getattr(self, "_voice_wired", False):
            self.speech.clip_started.connect(self._app_voice_started)
            self.speech.clip_finished.connect(self._app_voice_finished)
            self._voice_wired = True  # once, however often listening is restarted
        if autostart:
            self.listener.start()

    def _voice_hint(self) -> str:
        from ..voice_commands.commands import Command, spoken_name

        word = getattr(self, "leading_word", "player")
        return f"say “{spoken_name(Command.PAUSE, word)}” or “{spoken_name(Command.IT_HURTS)}”"

    def _app_voice_started(self, _id: str = "") -> None:
        # the clip itself lets the recogniser cancel its echo (when it is really audible)
        if getattr(self, "listener", None) is not None:
            self.listener.set_app_speaking(
                True,
                self.player.caption.text(),
                getattr(self.speech, "audible_clip", None),
                time.monotonic(),
            )

    def _app_voice_finished(self, _id: str = "") -> None:
        if getattr(self, "listener", None) is not None:
            self.listener.set_app_speaking(False, stopped_at=time.monotonic())

    def stop_voice_commands(self) -> None:
        listener = getattr(self, "listener", None)
        if listener is not None:
            listener.stop()
            self.listener = None
            self.player.set_listening(False)

    def _voice_commands_failed(self, text: str) -> None:
        self.player.set_listening(False)
        self.start_view.set_notice(text)
        self.player.set_voice_status(text)

    def voice_command(self, value: str) -> None:
        """A command heard by the recogniser: act, show it, and confirm by voice."""
        from ..voice_commands.commands import Command, spoken_name
        from ..voice_commands.mapping import apply_command

        try:
            cmd = Command(value)
        except ValueError:
            return
        word = getattr(self, "leading_word", "player")
        self.last_heard = spoken_name(cmd, word)
        self.player.set_listening(True, self.last_heard)
        if self.controller is None or self.stack.currentWidget() is not self.player:
            return
        if cmd is Command.STOP:
            was_confirming = self.confirming_stop
            self.stop()
            if not was_confirming and self.confirming_stop:
                self.speech.say(
                    f"Say {spoken_name(Command.STOP, word)} again to end the session, or "
                    f"{spoken_name(Command.CONTINUE, word)} to go on."
                )
            return
        text = apply_command(cmd, self, word)
        if text:
            self.speech.say(text, "voice-command")
