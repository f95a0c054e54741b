"""Widgets sized for reading from the floor: a big countdown ring and the exercise picture."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QSizePolicy, QWidget

from .plain import plain_tip
from .theme import NORMAL, Theme


class CountdownRing(QWidget):
    """Seconds left as large digits inside a ring that empties as time passes; a minute or
    more reads as m:ss (595 → 9:55). The digits fill the ring's inside."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.theme: Theme = NORMAL
        self.total = 0.0
        self.left = 0.0
        self.label = ""
        self.setMinimumSize(QSize(120, 120))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return self.minimumSize()

    def set_time(self, left: float, total: float, label: str = "") -> None:
        self.left, self.total, self.label = max(0.0, left), max(total, 0.001), label
        self.setAccessibleName(f"{self.text()} left" if self.text() else "")
        self.update()

    def clear(self) -> None:
        self.set_time(0, 0, "")

    def text(self) -> str:
        if self.total <= 0.001:
            return ""
        secs = round(self.left)
        return f"{secs // 60}:{secs % 60:02d}" if secs >= 60 else str(secs)

    def _geometry(self) -> tuple[QRectF, float]:
        side = max(1.0, min(self.width(), self.height()) - 8.0)
        rect = QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)
        return rect, max(6.0, side / 22)

    def digit_font(self) -> QFont:
        """The digits' font: as large as fits inside the ring (its diagonal on the circle)."""
        rect, width = self._geometry()
        font = QFont(self.font())
        font.setBold(True)
        font.setPixelSize(100)
        box = QFontMetricsF(font).tightBoundingRect(self.text() or "88")
        diagonal = (box.width() ** 2 + box.height() ** 2) ** 0.5
        inner = rect.width() - 2 * width
        font.setPixelSize(max(12, int(100 * 0.94 * inner / max(1.0, diagonal))))
        return font

    def digit_height(self) -> float:
        """How tall the digits are drawn, in pixels (for layout checks)."""
        return QFontMetricsF(self.digit_font()).tightBoundingRect("0123456789").height()

    def paintEvent(self, _event) -> None:
        if not self.text():
            return
        rect, width = self._geometry()
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        track = rect.adjusted(width / 2, width / 2, -width / 2, -width / 2)
        p.setPen(QPen(QColor(self.theme.ring_track), width))
        p.drawEllipse(track)
        p.setPen(QPen(QColor(self.theme.accent), width, c=Qt.PenCapStyle.RoundCap))
        span = int(-360 * 16 * min(1.0, self.left / self.total))
        p.drawArc(track, 90 * 16, span)
        p.setPen(QColor(self.theme.text))
        font = self.digit_font()
        p.setFont(font)
        # centred on the digits' own box, not the line's (which has room for descenders)
        box = QFontMetricsF(font).tightBoundingRect(self.text())
        centre = rect.center()
        p.drawText(
            QPointF(centre.x() - box.center().x(), centre.y() - box.center().y()), self.text()
        )
        p.end()


class ExerciseImage(QWidget):
    """Paints an SVG scaled to fit, keeping its aspect ratio; nothing when there is none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._renderer: QSvgRenderer | None = None
        self._renderers: dict[Path, QSvgRenderer | None] = {}
        self._pixmaps: dict[tuple[object, ...], QPixmap] = {}
        self._heavy: dict[Path, bytes] = {}  # pictures drawn off the UI thread: their SVG
        self._background: Any = None  # picture_render.BackgroundRender, made when needed
        self.path: Path | None = None
        self.setMinimumSize(QSize(0, 0))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_image(self, path: Path | None, alt: str = "") -> bool:
        """Show ``path``; returns False (and shows nothing) when it is missing or invalid."""
        if path == self.path and self._renderer is not None:
            return True
        self.path = path
        self._renderer = None
        if path is not None:
            # parsed once per picture: a session flips between start and end every rep
            if path not in self._renderers:
                self._renderers[path] = self._load(Path(path))
            self._renderer = self._renderers.get(path)
        self.setAccessibleName(alt)
        self.setToolTip(plain_tip(alt))
        self.setVisible(self._renderer is not None)
        self.update()
        return self._renderer is not None

    def _load(self, path: Path) -> QSvgRenderer | None:
        from ..picture_files import svg_bytes
        from ..user_files import FileProblem

        try:
            data = svg_bytes(path)  # bounded: a .svgz bomb is refused, not inflated
        except FileProblem:
            return None
        renderer = QSvgRenderer(QByteArray(data), self)
        if not renderer.isValid():
            return None
        from ..picture_files import is_heavy

        if is_heavy(data):
            self._heavy[path] = data
        return renderer

    def render_pending(self) -> bool:
        """Whether a heavy picture is still being drawn off the UI thread."""
        return bool(self._background is not None and self._background.pending)

    def _draw_in_background(self, key: tuple[object, ...], w: int, h: int) -> None:
        if self._background is None:
            from .picture_render import BackgroundRender

            self._background = BackgroundRender(self)
            self._background.rendered.connect(self._rendered)
        ratio = key[3]
        self._background.start(key, self._heavy[key[0]], round(w * ratio), round(h * ratio))

    def _rendered(self, key: tuple[object, ...], image) -> None:
        self._background.finished(key)
        pixmap = QPixmap.fromImage(image)
        pixmap.setDevicePixelRatio(key[3])
        self._pixmaps[key] = pixmap
        self.update()

    def has_image(self) -> bool:
        return self._renderer is not None

    def sizeHint(self) -> QSize:
        return QSize(0, 0)  # it takes the room left over, never asks for it

    def paintEvent(self, _event) -> None:
        if self._renderer is None or self.height() < 60:
            return
        size = self._renderer.defaultSize()
        if size.isEmpty():
            size = QSize(4, 3)
        scale = min(self.width() / size.width(), self.height() / size.height())
        w, h = max(1, round(size.width() * scale)), max(1, round(size.height() * scale))
        # drawn once per picture and size, then blitted: repainting every rep stays cheap
        ratio = self.devicePixelRatioF()
        key = (self.path, w, h, ratio)
        pixmap = self._pixmaps.get(key)
        if pixmap is None and self.path in self._heavy:
            self._draw_in_background(key, w, h)  # shown when done; the window goes on
            return
        if pixmap is None:
            pixmap = QPixmap(round(w * ratio), round(h * ratio))
            pixmap.setDevicePixelRatio(ratio)
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            self._renderer.render(painter, QRectF(0, 0, w, h))
            painter.end()
            if len(self._pixmaps) > 16:  # the window was resized: drop the old sizes
                self._pixmaps.clear()
            self._pixmaps[key] = pixmap
        p = QPainter(self)
        p.drawPixmap((self.width() - w) // 2, (self.height() - h) // 2, pixmap)
        p.end()
