"""Stopping a thread that reads an audio source: shared by the window's voice-command
listener (qt_listener.py) and the enrolment window's microphone worker."""

from __future__ import annotations

import threading
from typing import Any


class StoppableReader:
    """Mixin for an object that reads ``self._source`` on ``self._thread``; ``self._lock``
    guards the source, ``self._stop`` asks the thread to end (the object sets all four)."""

    _stop: threading.Event
    _lock: threading.Lock
    _source: Any
    _thread: threading.Thread | None

    def stop(self, timeout: float = 2.0) -> None:
        """Ask the thread to end, close the source (that ends a read in progress), and wait
        up to *timeout* s for the thread (a device stuck in a read may keep it longer)."""
        self._stop.set()
        with self._lock:
            if self._source is not None:
                self._source.close()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
