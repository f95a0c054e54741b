"""Pictures that would block the window: a compressed bomb is refused (`check` refuses one
with too many shapes: tests/core/test_hostile_catalogs.py), and a heavy one (thousands of translucent shapes took Qt
50 s) is drawn off the UI thread while the window goes on. The real widget, real files."""

from __future__ import annotations

import gzip

import pytest

from stenosis_player.picture_files import HEAVY_ELEMENTS
from stenosis_player.ui.widgets import ExerciseImage


def shapes(n: int) -> bytes:
    """An SVG of ``n`` translucent triangles (slow for Qt to draw)."""
    paths = "".join(
        f"<path d='M{i % 400} {i % 397} L{(i * 7) % 400} {(i * 13) % 300} L{(i * 3) % 400} 5 Z'"
        f" fill='#{i % 4096:03x}' opacity='0.5'/>"
        for i in range(n)
    )
    return f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 400 300'>{paths}</svg>".encode()


@pytest.fixture
def image(qtbot):
    widget = ExerciseImage()
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    widget.show()
    return widget


def test_a_heavy_picture_is_drawn_off_the_ui_thread(qtbot, image, tmp_path):
    path = tmp_path / "busy.svg"
    path.write_bytes(shapes(HEAVY_ELEMENTS * 4))
    assert image.set_image(path, "A busy drawing")
    first = image.grab().toImage()  # paints at once: nothing yet, it is drawn elsewhere
    assert image.render_pending()
    points = [(x, y) for x in range(0, 400, 20) for y in (50, 150, 250)]
    background = first.pixelColor(0, 0)
    assert all(first.pixelColor(x, y) == background for x, y in points)
    qtbot.waitUntil(lambda: not image.render_pending(), timeout=120_000)
    drawn = image.grab().toImage()
    assert any(drawn.pixelColor(x, y) != background for x, y in points)


def test_the_apps_own_drawings_are_drawn_at_once(image, catalog):
    picture = next(iter(catalog.exercises.values())).images["start"].path
    assert image.set_image(picture, "start")
    image.grab()
    assert not image.render_pending()


def test_a_compressed_bomb_is_not_shown(image, tmp_path):
    path = tmp_path / "bomb.svgz"
    body = b"<svg xmlns='http://www.w3.org/2000/svg'>" + b" " * (64 << 20) + b"</svg>"
    path.write_bytes(gzip.compress(body, 9))
    assert image.set_image(path, "bomb") is False
    assert not image.isVisible()
