"""Render every exercise illustration into one PNG "contact sheet".

Used to review the drawings at a glance::

    QT_QPA_PLATFORM=offscreen python -m stenosis_player.contact_sheet /tmp/contact.png

Only the standard library and PySide6 (QtGui + QtSvg) are used; the catalogue is
read with plain :mod:`json` so this module does not depend on the rest of the
package.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter, QPen
from PySide6.QtSvg import QSvgRenderer

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CATALOG = REPO_ROOT / "exercises.json"

CELL_W = 400  # width of one picture in the sheet (pixels)
CELL_IMG_H = 300  # height of one picture (4:3)
CELL_TEXT_H = 64  # room for the exercise name and phase label below the picture
MARGIN = 16
HEADER_H = 56


@dataclass(frozen=True)
class SheetItem:
    """One picture on the sheet."""

    svg_path: Path
    title: str
    phase: str


def catalog_items(catalog_json_path: str | Path) -> list[SheetItem]:
    """All images listed in the catalogue, in catalogue order.

    Each exercise contributes its own phases (start, end, ...) followed by the
    phases of any modification that has its own drawing.
    """
    catalog_path = Path(catalog_json_path)
    data = json.loads(catalog_path.read_text(encoding="utf-8"))
    base = catalog_path.resolve().parent
    items: list[SheetItem] = []
    for ex in data.get("exercises", []):
        for phase, img in (ex.get("images") or {}).items():
            items.append(SheetItem(base / img["path"], ex.get("name", ex["id"]), phase))
        for mod in ex.get("modifications", []):
            for phase, img in (mod.get("images") or {}).items():
                title = f"{ex.get('name', ex['id'])}: {mod.get('name', mod['id'])}"
                items.append(SheetItem(base / img["path"], title, phase))
    return items


def sheet_size(n_items: int, columns: int) -> tuple[int, int]:
    """Pixel size of a sheet holding ``n_items`` pictures in ``columns`` columns."""
    rows = max(1, math.ceil(n_items / columns))
    width = MARGIN + columns * (CELL_W + MARGIN)
    height = HEADER_H + MARGIN + rows * (CELL_IMG_H + CELL_TEXT_H + MARGIN)
    return width, height


def _ensure_gui_app() -> QGuiApplication:
    app = QGuiApplication.instance()
    if app is None:
        app = QGuiApplication(sys.argv[:1])
    return app  # type: ignore[return-value]


def render_items(
    items: list[SheetItem], out_png: str | Path, columns: int = 4, heading: str = ""
) -> Path:
    """Draw ``items`` into a grid and save it as PNG; returns the output path."""
    _ensure_gui_app()
    width, height = sheet_size(len(items), columns)
    image = QImage(width, height, QImage.Format.Format_ARGB32)
    image.fill(QColor("#d5d9df"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    title_font = QFont("DejaVu Sans")
    title_font.setPixelSize(20)
    title_font.setBold(True)
    phase_font = QFont("DejaVu Sans")
    phase_font.setPixelSize(17)
    painter.setFont(title_font)
    painter.setPen(QColor("#1d2330"))
    painter.drawText(
        QRectF(MARGIN, 0, width - 2 * MARGIN, HEADER_H),
        Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
        heading or f"Stenosis Player illustrations ({len(items)} pictures)",
    )
    for i, item in enumerate(items):
        row, col = divmod(i, columns)
        x = MARGIN + col * (CELL_W + MARGIN)
        y = HEADER_H + MARGIN + row * (CELL_IMG_H + CELL_TEXT_H + MARGIN)
        cell = QRectF(x, y, CELL_W, CELL_IMG_H)
        painter.fillRect(QRectF(x, y, CELL_W, CELL_IMG_H + CELL_TEXT_H), QColor("#ffffff"))
        renderer = QSvgRenderer(str(item.svg_path))
        if renderer.isValid():
            renderer.render(painter, cell)
        else:
            painter.setPen(QPen(QColor("#c00000"), 4))
            painter.drawLine(cell.topLeft(), cell.bottomRight())
            painter.drawLine(cell.topRight(), cell.bottomLeft())
        painter.setPen(QPen(QColor("#9aa3af"), 1))
        painter.drawRect(QRectF(x, y, CELL_W, CELL_IMG_H + CELL_TEXT_H))
        painter.setPen(QColor("#1d2330"))
        painter.setFont(title_font)
        text_rect = QRectF(x + 8, y + CELL_IMG_H + 2, CELL_W - 16, 30)
        elided = painter.fontMetrics().elidedText(
            item.title, Qt.TextElideMode.ElideRight, int(text_rect.width())
        )
        painter.drawText(
            text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, elided
        )
        painter.setFont(phase_font)
        painter.setPen(QColor("#4b5563"))
        painter.drawText(
            QRectF(x + 8, y + CELL_IMG_H + 32, CELL_W - 16, 26),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            f"{item.phase}  ·  {item.svg_path.name}",
        )
    painter.end()
    out = Path(out_png)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(out), "PNG"):
        raise OSError(f"could not write {out}")
    return out


def render_contact_sheet(
    catalog_json_path: str | Path = DEFAULT_CATALOG,
    out_png: str | Path = "contact.png",
    columns: int = 4,
) -> Path:
    """Render every exercise image named in ``catalog_json_path`` into ``out_png``."""
    items = catalog_items(catalog_json_path)
    return render_items(items, out_png, columns=columns)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else Path("contact_sheet.png")
    path = render_contact_sheet(DEFAULT_CATALOG, out)
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
