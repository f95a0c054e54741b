"""The exercise illustrations: catalogue entries, SVG validity, and the draw script."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

REPO = Path(__file__).resolve().parent.parent
CATALOG = REPO / "exercises.json"
ASSETS = REPO / "assets"
DRAW_SCRIPT = ASSETS / "draw_figures.py"


def _catalog() -> dict:
    return json.loads(CATALOG.read_text(encoding="utf-8"))


def _all_images() -> list[tuple[str, str, dict]]:
    """(owner id, phase, image entry) for every exercise and modification image."""
    out = []
    for ex in _catalog()["exercises"]:
        for phase, img in ex.get("images", {}).items():
            out.append((ex["id"], phase, img))
        for mod in ex.get("modifications", []):
            for phase, img in mod.get("images", {}).items():
                out.append((f"{ex['id']}--{mod['id']}", phase, img))
    return out


IMAGES = _all_images()
IMAGE_IDS = [f"{owner}:{phase}" for owner, phase, _ in IMAGES]


def _load_draw_module():
    spec = importlib.util.spec_from_file_location("draw_figures", DRAW_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("draw_figures", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def gui_app(qapp):
    # pytest-qt's QApplication: a bare QGuiApplication made here would outlive this module
    # and abort the first widget test that follows it in the same run
    return qapp


@pytest.fixture(scope="module")
def draw():
    return _load_draw_module()


def test_every_exercise_has_start_and_end_images():
    exercises = _catalog()["exercises"]
    assert len(exercises) >= 18
    for ex in exercises:
        assert "images" in ex, ex["id"]
        assert {"start", "end"} <= set(ex["images"]), ex["id"]


def test_named_modifications_have_their_own_drawing():
    mods = {(ex["id"], m["id"]): m for ex in _catalog()["exercises"] for m in ex["modifications"]}
    for key in [
        ("modified-lunge-chair", "standing-lunge"),
        ("squat-incline-board", "partial-squat"),
        ("standing-hip-extension-stretch", "lower-step"),
        ("forward-bend-nerve-glides", "reach-to-knees"),
    ]:
        assert key in mods, key
        assert mods[key].get("images"), key


@pytest.mark.parametrize(("owner", "phase", "img"), IMAGES, ids=IMAGE_IDS)
def test_image_path_inside_repo_and_exists(owner, phase, img):
    rel = img["path"]
    assert not Path(rel).is_absolute()
    path = (CATALOG.parent / rel).resolve()
    assert path.is_relative_to(REPO), rel
    assert path.is_file(), rel
    assert path.name == f"{owner}-{phase}.svg"


@pytest.mark.parametrize(("owner", "phase", "img"), IMAGES, ids=IMAGE_IDS)
def test_image_has_alt_text(owner, phase, img):
    alt = img.get("alt", "")
    assert isinstance(alt, str)
    assert len(alt.strip()) >= 20, f"{owner} {phase}: alt text too short"


def _viewbox(svg_text: str) -> tuple[float, float, float, float]:
    m = re.search(r'viewBox="([^"]+)"', svg_text)
    assert m, "no viewBox"
    x, y, w, h = (float(v) for v in m.group(1).replace(",", " ").split())
    return x, y, w, h


@pytest.mark.parametrize(("owner", "phase", "img"), IMAGES, ids=IMAGE_IDS)
def test_svg_is_valid_4_by_3_and_not_blank(gui_app, owner, phase, img):
    path = CATALOG.parent / img["path"]
    text = path.read_text(encoding="utf-8")
    _, _, w, h = _viewbox(text)
    assert w / h == pytest.approx(4 / 3), "expected a landscape 4:3 viewBox"

    renderer = QSvgRenderer(str(path))
    assert renderer.isValid()
    assert renderer.viewBoxF().width() / renderer.viewBoxF().height() == pytest.approx(4 / 3)

    image = QImage(200, 150, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    renderer.render(painter, QRectF(0, 0, 200, 150))
    painter.end()
    white = QColor("white").rgba()
    samples = [image.pixelColor(x, y) for y in range(0, 150, 2) for x in range(0, 200, 2)]
    non_white = sum(1 for c in samples if c.rgba() != white)
    # "ink": clearly darker or more colourful than the white page and the pale floor
    ink = sum(1 for c in samples if c.lightness() < 200 or c.hsvSaturation() > 80)
    assert non_white > 0.10 * len(samples), f"{path.name} looks blank ({non_white})"
    assert ink > 0.03 * len(samples), f"{path.name} has almost no drawing ({ink})"


def test_all_pictures_share_one_viewbox():
    boxes = {_viewbox((CATALOG.parent / img["path"]).read_text("utf-8")) for _, _, img in IMAGES}
    assert len(boxes) == 1


def test_poses_are_anatomically_plausible(draw):
    problems = {}
    for name in draw.POSES:
        found = [
            p for p in draw.check_pose(draw.resolve_pose(name)) if "misses its target" not in p
        ]
        if found:
            problems[name] = found
    assert not problems


def test_knee_bends_the_right_way(draw):
    # a knee bent backwards would be reported by check_pose
    bad = {
        "hip": (0.0, 90.0),
        "torso": (90.0, 90.0),
        "neck": 90.0,
        "near_leg": {"thigh": 250.0, "shin": 290.0},
        "far_leg": {"thigh": 270, "shin": 270},
        "near_arm": {"upper": 270, "fore": 270},
        "far_arm": {"upper": 270, "fore": 270},
    }
    assert any("near_knee" in p for p in draw.check_pose(bad))


def test_every_catalog_exercise_has_a_figure(draw):
    for ex in _catalog()["exercises"]:
        assert ex["id"] in draw.FIGURES, ex["id"]


def test_catalog_images_match_draw_script(draw):
    data = _catalog()
    expected = draw.add_images_to_catalog(json.loads(json.dumps(data)))
    assert expected == data, "run: python3 assets/draw_figures.py --write-catalog exercises.json"


def test_draw_script_is_deterministic(draw, tmp_path):
    written = draw.write_all(tmp_path)
    committed = sorted(p.name for p in (ASSETS / "exercises").glob("*.svg"))
    assert sorted(p.name for p in written) == committed
    for path in written:
        assert path.read_bytes() == (ASSETS / "exercises" / path.name).read_bytes(), path.name


def test_draw_script_cli_out_option(tmp_path):
    import subprocess

    out = tmp_path / "figs"
    subprocess.run(
        [sys.executable, str(DRAW_SCRIPT), "--out", str(out)], check=True, capture_output=True
    )
    assert len(list(out.glob("*.svg"))) == len(IMAGES)


def test_contact_sheet_renders_png_of_expected_size(gui_app, tmp_path):
    from stenosis_player import contact_sheet

    out = contact_sheet.render_contact_sheet(CATALOG, tmp_path / "sheet.png", columns=3)
    assert out.is_file()
    image = QImage(str(out))
    assert not image.isNull()
    expected = contact_sheet.sheet_size(len(IMAGES), 3)
    assert (image.width(), image.height()) == expected
    cols = 3
    rows = -(-len(IMAGES) // cols)
    assert image.width() == contact_sheet.MARGIN + cols * (
        contact_sheet.CELL_W + contact_sheet.MARGIN
    )
    assert image.height() > rows * contact_sheet.CELL_IMG_H


def test_icon_is_square_and_valid(gui_app):
    icon = ASSETS / "icon.svg"
    _, _, w, h = _viewbox(icon.read_text(encoding="utf-8"))
    assert w == h
    assert QSvgRenderer(str(icon)).isValid()
