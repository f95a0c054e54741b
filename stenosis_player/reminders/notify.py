"""Show one reminder and wait for the answer.

The desktop's own notification through ``desktop-notifier`` (freedesktop Notifications
over D-Bus on Linux, the notification centre on macOS and Windows), with the buttons
Start, In 30 minutes and Not today; clicking the notification itself opens the player.
Where no notification with buttons can be shown (no session bus, no notification server,
a server without actions), a small window asks the same (``window.py``).

Why not QtDBus: PySide6 passes every Python int as a D-Bus int32, and Notify's
``replaces_id`` must be a uint32; servers built on GDBus (dunst, GNOME) refuse the call
("Type of message, '(sisssasa{sv}i)', does not match expected type '(susssasa{sv}i)'").

Answers: "start", "snooze", "skip", "open", "closed" (dismissed), "timeout" (nobody
answered in ``timeout_s``: the notification is taken away), "terminated" (stopped, e.g.
by ``remind --remove``: the notification is taken away too)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from .message import Reminder

ANSWERS = ("start", "snooze", "skip", "open", "closed", "timeout", "terminated")
BUTTONS = (("start", "Start"), ("snooze", "In 30 minutes"), ("skip", "Not today"))
APP_NAME = "Stenosis Player"
DEFAULT_TIMEOUT_S = 4 * 3600.0
SEND_TIMEOUT_S = 10.0


class NotificationsUnavailable(RuntimeError):
    """No notification with buttons can be shown here; the message says why."""


def _event_loop_policy() -> None:
    """macOS delivers notification clicks through the main thread's CFRunLoop: run asyncio
    on it (rubicon-objc, which desktop-notifier brings along there)."""
    if sys.platform == "darwin":
        with contextlib.suppress(ImportError):
            from rubicon.objc.eventloop import EventLoopPolicy

            asyncio.set_event_loop_policy(EventLoopPolicy())


def show_notification(
    reminder: Reminder,
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    icon: str | None = None,
    on_sent: Callable[[str], None] | None = None,
) -> str:
    """Send the notification and block until it is answered (see the module's answers).
    Raises NotificationsUnavailable when it cannot be shown with its buttons."""
    _event_loop_policy()
    return asyncio.run(_show(reminder, timeout_s, icon, on_sent))


async def _show(
    reminder: Reminder, timeout_s: float, icon: str | None, on_sent: Callable[[str], None] | None
) -> str:
    try:
        from desktop_notifier import Button, Capability, DesktopNotifier, Icon, Urgency
    except ImportError as exc:
        raise NotificationsUnavailable(f"desktop-notifier is not installed ({exc})") from exc
    # the library logs a failed send instead of raising: quiet, we check for ourselves
    logging.getLogger("desktop_notifier").setLevel(logging.CRITICAL)
    notifier = DesktopNotifier(app_name=APP_NAME, app_icon=Icon(path=Path(icon)) if icon else None)
    try:
        capabilities = await notifier.get_capabilities()
    except Exception as exc:  # no session bus, no server: the library's errors vary
        raise NotificationsUnavailable(f"no desktop notifications here ({exc})") from exc
    if Capability.BUTTONS not in capabilities:
        raise NotificationsUnavailable("the notification server here shows no buttons")

    loop = asyncio.get_running_loop()
    answer: asyncio.Future[str] = loop.create_future()
    dispatched = asyncio.Event()

    def settle_here(value: str) -> None:
        if not answer.done():
            answer.set_result(value)

    def settle(value: str) -> None:
        # the Windows backend calls back on a thread of its own
        loop.call_soon_threadsafe(settle_here, value)

    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows: no handlers
            loop.add_signal_handler(signum, settle, "terminated")
    buttons = [Button(title, lambda key=key: settle(key), identifier=key) for key, title in BUTTONS]
    try:
        identifier = await notifier.send(
            reminder.title,
            reminder.body,
            urgency=Urgency.Normal,
            buttons=buttons,
            on_dispatched=dispatched.set,
            on_clicked=lambda: settle("open"),
            on_dismissed=lambda: settle("closed"),
            timeout=0,  # stays until answered: an older person may be away from the screen
        )
    except Exception as exc:
        raise NotificationsUnavailable(f"the notification could not be sent ({exc})") from exc
    try:  # the library logs a failed send instead of raising: wait for it to say "sent"
        await asyncio.wait_for(dispatched.wait(), SEND_TIMEOUT_S)
    except TimeoutError as exc:
        raise NotificationsUnavailable("the notification server did not take it") from exc
    if on_sent is not None:
        on_sent(identifier)
    try:
        result = await asyncio.wait_for(answer, timeout_s)
    except TimeoutError:
        result = "timeout"
    if result in ("timeout", "terminated"):
        with contextlib.suppress(Exception):
            await notifier.clear(identifier)
    return result
