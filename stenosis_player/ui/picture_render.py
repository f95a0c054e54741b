"""Drawing a heavy exercise picture off the UI thread, so the window keeps counting and
listening while Qt works through thousands of shapes (see picture_files.is_heavy).

Each job parses its own QSvgRenderer from the SVG bytes (a renderer is not shared between
threads) and paints into a QImage, which is safe outside the GUI thread; ``rendered``
arrives on the UI thread (a queued signal), where the image becomes a pixmap.
"""

from __future__ import annotations

import contextlib
import threading

from PySide6.QtCore import QByteArray, QObject, QRectF, Signal
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgRenderer


class BackgroundRender(QObject):
    rendered = Signal(object, QImage)  # the caller's key, the finished image

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pending: set[object] = set()

    def start(self, key: object, svg: bytes, width: int, height: int) -> None:
        """Draw ``svg`` at ``width`` x ``height`` pixels; once per key at a time."""
        if key in self.pending:
            return
        self.pending.add(key)
        rendered = self.rendered

        def work() -> None:
            image = QImage(max(1, width), max(1, height), QImage.Format.Format_ARGB32_Premultiplied)
            image.fill(0)
            renderer = QSvgRenderer(QByteArray(svg))
            painter = QPainter(image)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            renderer.render(painter, QRectF(0, 0, width, height))
            painter.end()
            with contextlib.suppress(RuntimeError):  # the window went away meanwhile
                rendered.emit(key, image)

        # a daemon thread: quitting never waits for a picture nobody will see
        threading.Thread(target=work, daemon=True, name="picture-render").start()

    def finished(self, key: object) -> None:
        self.pending.discard(key)
