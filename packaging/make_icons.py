"""Render the application icon (``assets/icon.svg``) for every platform, with Qt's SVG renderer.

    python packaging/make_icons.py           # write the icons (commit the results)
    python packaging/make_icons.py --check   # exit 1 if they are missing or out of date

Writes:

- ``packaging/linux/icons/hicolor/scalable/apps/<APP_ID>.svg`` (a copy of assets/icon.svg)
- ``packaging/linux/icons/hicolor/<N>x<N>/apps/<APP_ID>.png`` for N in 16 … 512
- ``packaging/icons/stenosis-player.ico`` (Windows: PNG entries 16 … 256)
- ``packaging/icons/stenosis-player.icns`` (macOS: PNG entries 16 … 1024)

The .ico and .icns containers are written here directly (both are a short header and a
table of PNG images), so no other imaging tool is needed.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from pathlib import Path

APP_ID = "io.github.stenosis_player.StenosisPlayer"
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SOURCE = ROOT / "assets" / "icon.svg"
LINUX_ICONS = HERE / "linux" / "icons" / "hicolor"
OTHER_ICONS = HERE / "icons"
PNG_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# (icns type, pixel size): the PNG-capable entries of Apple's icon container.
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"icp6", 64),
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic09", 512),
    (b"ic10", 1024),
)


def svg_target() -> Path:
    return LINUX_ICONS / "scalable" / "apps" / f"{APP_ID}.svg"


def png_target(size: int) -> Path:
    return LINUX_ICONS / f"{size}x{size}" / "apps" / f"{APP_ID}.png"


ICO_TARGET = OTHER_ICONS / "stenosis-player.ico"
ICNS_TARGET = OTHER_ICONS / "stenosis-player.icns"


class Renderer:
    """Renders the SVG to PNG bytes at any square size (a QGuiApplication is made once)."""

    def __init__(self, svg: Path) -> None:
        if sys.platform.startswith("linux") and not os.environ.get("QT_QPA_PLATFORM"):
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from PySide6.QtGui import QGuiApplication
        from PySide6.QtSvg import QSvgRenderer

        self.app = QGuiApplication.instance() or QGuiApplication(["make_icons"])
        self.renderer = QSvgRenderer(str(svg))
        if not self.renderer.isValid():
            raise SystemExit(f"make_icons: {svg} is not a valid SVG")

    def png(self, size: int) -> bytes:
        from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt
        from PySide6.QtGui import QImage, QPainter

        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.renderer.render(painter, QRectF(0, 0, size, size))
        painter.end()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        if not image.save(buffer, "PNG"):
            raise SystemExit(f"make_icons: cannot encode a {size}px PNG")
        buffer.close()
        return bytes(data.data())


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """A Windows .ico holding PNG images (allowed since Windows Vista)."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = 6 + 16 * len(sizes)
    entries, blobs = b"", b""
    for size in sizes:
        blob = pngs[size]
        dim = 0 if size >= 256 else size  # 0 means 256
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(blob), offset)
        blobs += blob
        offset += len(blob)
    return header + entries + blobs


def icns_bytes(pngs: dict[int, bytes]) -> bytes:
    """An Apple .icns holding PNG images."""
    body = b""
    for kind, size in ICNS_TYPES:
        blob = pngs[size]
        body += kind + struct.pack(">I", 8 + len(blob)) + blob
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def wanted() -> dict[Path, bytes]:
    """Every output file and its content."""
    renderer = Renderer(SOURCE)
    sizes = sorted({*PNG_SIZES, *ICO_SIZES, *(s for _, s in ICNS_TYPES)})
    pngs = {size: renderer.png(size) for size in sizes}
    files: dict[Path, bytes] = {svg_target(): SOURCE.read_bytes()}
    for size in PNG_SIZES:
        files[png_target(size)] = pngs[size]
    files[ICO_TARGET] = ico_bytes({s: pngs[s] for s in ICO_SIZES})
    files[ICNS_TARGET] = icns_bytes(pngs)
    return files


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--check", action="store_true", help="only check the icons are up to date")
    args = p.parse_args(argv)
    if not SOURCE.is_file():
        print(f"make_icons: {SOURCE} is missing", file=sys.stderr)
        return 1
    files = wanted()
    if args.check:
        # The SVG must match exactly; PNGs may differ by Qt version, so only their presence
        # and pixel size are checked.
        stale = [p for p in files if not p.is_file()]
        if svg_target().is_file() and svg_target().read_bytes() != SOURCE.read_bytes():
            stale.append(svg_target())
        for path in stale:
            print(f"make_icons: out of date: {path.relative_to(ROOT)}", file=sys.stderr)
        if stale:
            print("make_icons: run `python packaging/make_icons.py`", file=sys.stderr)
        return 1 if stale else 0
    for path, data in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_bytes() != data:
            path.write_bytes(data)
            print(f"wrote {path.relative_to(ROOT)} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
