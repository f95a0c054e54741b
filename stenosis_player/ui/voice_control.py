"""Voice commands for the main window: listen (opt-in), act on what is heard, confirm
aloud. The window owns one; what a command does is the session coordinator's."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .main_window import MainWindow


class VoiceControl:
    """Wires a VoiceCommandListener to the window's player screen and the session."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.listener: Any = None
        self.leading_word = "player"
        self.last_heard = ""
        self._voice_wired = False
        self._held = False  # listening was stopped for the voice enrolment
        self._source_factory: Any = None
        self._question_open = False  # yes/no count (a question on screen)

    def start(self, source_factory: Any = None, autostart: bool = True) -> None:
        """Listen for spoken commands (opt-in in Settings); failures become a notice."""
        w = self.window
        try:
            from ..voice_commands.qt_listener import VoiceCommandListener
        except ImportError as exc:
            self.failed(f"Voice commands are not available: {exc}")
            return
        self._source_factory = source_factory  # the same source again after a hold
        self.leading_word = w.session.setting("voice_commands.leading_word", "player") or "player"
        kwargs: dict[str, Any] = {"leading_word": self.leading_word, "parent": w}
        if source_factory is not None:
            kwargs["source_factory"] = source_factory
        if w.data_dir is not None:  # the user's enrolment, if any, tunes the recogniser
            from ..voice_commands.enrolment import load_enrolment

            data_dir = w.data_dir
            kwargs["enrolment_loader"] = lambda: load_enrolment(data_dir)
        self.listener = VoiceCommandListener(**kwargs)
        self.listener.command_heard.connect(self.command)
        self.last_heard = ""
        self.listener.listening_changed.connect(
            lambda on: w.player.set_listening(on, self.last_heard, self.hint())
        )
        self.listener.failed.connect(self.failed)
        # while the app speaks only pause, stop and "it hurts" count, and not when the app
        # itself says those words (the caption holds the line being spoken)
        if hasattr(w.speech, "clip_started") and not self._voice_wired:
            w.speech.clip_started.connect(self._app_voice_started)
            w.speech.clip_finished.connect(self._app_voice_finished)
            self._voice_wired = True  # once, however often listening is restarted
        if self._question_open:  # a question was open before listening (re)started
            self.listener.set_question_open(True)
        if autostart:
            self.listener.start()

    def hint(self) -> str:
        from ..voice_commands.commands import Command, spoken_name

        word = self.leading_word
        return f"say “{spoken_name(Command.PAUSE, word)}” or “{spoken_name(Command.IT_HURTS)}”"

    def _app_voice_started(self, _id: str = "") -> None:
        # the clip itself lets the recogniser cancel its echo (when it is really audible)
        if self.listener is not None:
            self.listener.set_app_speaking(
                True,
                self.window.player.caption.text(),
                getattr(self.window.speech, "audible_clip", None),
                time.monotonic(),
            )

    def _app_voice_finished(self, _id: str = "") -> None:
        if self.listener is not None:
            self.listener.set_app_speaking(False, stopped_at=time.monotonic())

    def hold(self, on: bool) -> None:
        """While the voice enrolment has the microphone, the takes it asks for ("player
        stop", "player continue") must not reach the session: stop listening, and listen
        again afterwards if the app was listening before."""
        if on:
            self._held = self._held or self.listener is not None
            self.stop()
        elif self._held:
            self._held = False
            self.start(self._source_factory)

    def stop(self) -> None:
        if self.listener is not None:
            self.listener.stop()
            self.listener = None
            self.window.player.set_listening(False)

    def set_question_open(self, is_open: bool) -> None:
        self._question_open = is_open  # kept for a listener started later
        if self.listener is not None:
            self.listener.set_question_open(is_open)  # yes/no only then

    def failed(self, text: str) -> None:
        w = self.window
        w.player.set_listening(False)
        w.add_notice(text, "microphone")

    def command(self, value: str) -> None:
        """A command heard by the recogniser: act, show it, and confirm by voice."""
        from ..voice_commands.commands import Command, spoken_name
        from ..voice_commands.mapping import apply_command

        try:
            cmd = Command(value)
        except ValueError:
            return
        w = self.window
        session = w.session
        word = self.leading_word
        self.last_heard = spoken_name(cmd, word)
        w.player.set_listening(True, self.last_heard)
        if session.controller is None or w.stack.currentWidget() is not w.player:
            return
        if cmd is Command.STOP:
            was_confirming = session.confirming_stop
            session.stop()
            if not was_confirming and session.confirming_stop:
                w.speech.say(
                    f"Say {spoken_name(Command.STOP, word)} again to end the session, or "
                    f"{spoken_name(Command.CONTINUE, word)} to go on."
                )
            return
        text = apply_command(cmd, session, word)
        if text:
            w.speech.say(text, "voice-command")
