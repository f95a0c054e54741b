#!/usr/bin/env python3
"""Draw the Stenosis Player exercise illustrations as SVG files.

Pure Python (standard library only). Every figure is built from a *pose
description*: the position of the hip joint plus the absolute angle of each body
segment (or a target point for a foot or a hand, solved with two-bone inverse
kinematics), together with props (mat, chair, step stool, incline board,
cushion, exercise bike, table), an arrow showing the movement, and a marker for
the working leg of one-sided exercises.

Conventions used in the pose table
----------------------------------
* World units are centimetres. ``x`` grows to the right, ``y`` grows *up*, the
  floor is ``y = 0`` and ``x = 0`` is the middle of the picture.
* Angles are degrees, measured counter-clockwise from "pointing right":
  0 = right, 90 = up, 180 = left, 270 (or -90) = down.
* People are drawn in profile facing right (lying people have their head on the
  left). The limbs nearest the viewer are ``near_*`` (the person's right side),
  the others ``far_*``.
* A segment angle is the direction from the joint nearer the body to the joint
  further away (hip -> knee for the thigh, knee -> ankle for the shin, ...).
  The torso has two segments: ``pelvis`` (hip -> waist) and ``chest``
  (waist -> neck). ``neck`` is the direction from the neck to the head centre.

Usage::

    python3 assets/draw_figures.py                 # writes assets/exercises/*.svg
    python3 assets/draw_figures.py --out /tmp/figs # somewhere else
    python3 assets/draw_figures.py --write-catalog exercises.json
                                                   # also add "images" keys

The output is deterministic: the same input always gives byte-identical files.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "exercises"

# ---------------------------------------------------------------------------
# Canvas and style
# ---------------------------------------------------------------------------

VIEW_W, VIEW_H = 800, 600  # landscape 4:3, shared by every figure
# How the world maps onto the picture. A figure may zoom in with its own "view"
# (lying people are long and low, so they are drawn larger).
DEFAULT_VIEW = {"scale": 2.9, "cx": 0.0, "floor": 565.0}  # px per cm, world x at centre, px
_view = dict(DEFAULT_VIEW)
MAT_H = 4.0  # exercise mat thickness in cm (drawn a little thicker than real)

OUTLINE_PX = 4.0  # width of the dark outline around every shape

COLOURS = {
    "outline": "#1d2330",
    "skin": "#f3c7a0",
    "skin_far": "#dba67c",
    "hair": "#c9ced6",
    "shirt": "#2a9d8f",
    "shirt_far": "#1f7167",
    "trousers": "#3d5a80",
    "trousers_far": "#2b405c",
    "shoe": "#4a4f5a",
    "shoe_far": "#363a43",
    "accent": "#f4a011",  # working leg
    "accent_far": "#c47f06",
    "arrow": "#d9480f",
    "ghost_fill": "#e6e9ee",
    "ghost_line": "#b4bcc8",
    "floor": "#eceff3",
    "floor_line": "#9aa3af",
    "mat": "#9ecbf0",
    "wood": "#c98b4f",
    "wood_dark": "#a56c36",
    "stool": "#8d99ae",
    "wedge": "#e9c46a",
    "cushion": "#c77dff",
    "bike": "#5c6b7a",
    "bike_light": "#aab5c1",
    "text": "#1d2330",
}

# Segment lengths (cm) and half-thicknesses (cm) of an adult about 173 cm tall.
L = {
    "pelvis": 18.0,
    "chest": 34.0,
    "neck": 4.0,
    "thigh": 43.0,
    "shin": 43.0,
    "upper_arm": 31.0,
    "forearm": 26.0,
}
R = {
    "pelvis": 13.5,
    "chest": 14.5,
    "neck": 5.5,
    "head": 12.0,
    "thigh": 8.5,
    "shin": 6.5,
    "foot": 4.2,
    "upper_arm": 6.0,
    "forearm": 4.8,
    "hand": 5.6,
}
ANKLE_HEIGHT = 9.0  # ankle joint above the sole when the foot is flat
SHOULDER_DROP = 7.0  # shoulder joint sits this far below the top of the chest
STAND_HIP = L["thigh"] + L["shin"] + ANKLE_HEIGHT - 0.4  # relaxed standing hip height


# ---------------------------------------------------------------------------
# Geometry helpers
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class P:
    """A 2-D point or vector in world centimetres."""

    x: float
    y: float

    def __add__(self, o: P) -> P:
        return P(self.x + o.x, self.y + o.y)

    def __sub__(self, o: P) -> P:
        return P(self.x - o.x, self.y - o.y)

    def __mul__(self, k: float) -> P:
        return P(self.x * k, self.y * k)

    def length(self) -> float:
        return math.hypot(self.x, self.y)

    def angle(self) -> float:
        return math.degrees(math.atan2(self.y, self.x))


def polar(length: float, angle_deg: float) -> P:
    a = math.radians(angle_deg)
    return P(length * math.cos(a), length * math.sin(a))


def wrap(angle: float) -> float:
    """Normalise an angle difference to (-180, 180]."""
    a = (angle + 180.0) % 360.0 - 180.0
    return 180.0 if a == -180.0 else a


def two_bone_ik(root: P, target: P, l1: float, l2: float, bend: int) -> tuple[float, float]:
    """Angles of two segments from ``root`` reaching ``target``.

    ``bend=+1`` bends like a knee of a right-facing person (the joint points
    forward), ``bend=-1`` like an elbow (the joint points backward). Targets out
    of reach give a straight limb pointing at the target.
    """
    d_vec = target - root
    d = min(max(d_vec.length(), abs(l1 - l2) + 1e-6), l1 + l2 - 1e-6)
    base = d_vec.angle()
    cos_a = (l1 * l1 + d * d - l2 * l2) / (2 * l1 * d)
    a = math.degrees(math.acos(max(-1.0, min(1.0, cos_a))))
    upper = base + bend * a
    mid = root + polar(l1, upper)
    lower = (root + polar(d, base) - mid).angle()
    return upper, lower


def px(p: P) -> tuple[float, float]:
    s = _view["scale"]
    return VIEW_W / 2 + (p.x - _view["cx"]) * s, _view["floor"] - p.y * s


def world_x(px_x: float) -> float:
    """World x (cm) of a pixel column in the current view."""
    return _view["cx"] + (px_x - VIEW_W / 2) / _view["scale"]


def fmt(v: float) -> str:
    s = f"{v:.1f}"
    if s.endswith(".0"):
        s = s[:-2]
    return "0" if s == "-0" else s


def pts(points: Iterable[P]) -> str:
    return " ".join(f"{fmt(a)},{fmt(b)}" for a, b in (px(p) for p in points))


# ---------------------------------------------------------------------------
# Body model
# ---------------------------------------------------------------------------


@dataclass
class Body:
    """Solved joint positions of one pose (world cm)."""

    joints: dict[str, P]

    def __getitem__(self, name: str) -> P:
        return self.joints[name]


def solve_pose(pose: dict) -> Body:
    """Turn a pose description into joint positions."""
    hip_x, hip_y = pose["hip"]
    j: dict[str, P] = {}
    hip = P(hip_x, hip_y if hip_y is not None else 0.0)
    pelvis_a, chest_a = pose["torso"]
    j["hip"] = hip
    j["waist"] = hip + polar(L["pelvis"], pelvis_a)
    j["neck"] = j["waist"] + polar(L["chest"], chest_a)
    j["chest_top"] = j["waist"] + polar(L["chest"] - R["chest"] * 0.55, chest_a)
    j["shoulder"] = j["waist"] + polar(L["chest"] - SHOULDER_DROP, chest_a)
    neck_a = pose.get("neck", chest_a)
    j["head"] = j["neck"] + polar(L["neck"] + R["head"], neck_a)
    j["head_dir"] = polar(1.0, neck_a)
    for side in ("near", "far"):
        leg = pose[f"{side}_leg"]
        if "sole" in leg:  # (x, y, foot angle, "heel"|"toe"): that point rests on (x, y)
            leg = {**leg, "ankle": ankle_for_contact(*leg["sole"]), "foot": leg["sole"][2]}
        if "ankle" in leg:
            thigh_a, shin_a = two_bone_ik(hip, P(*leg["ankle"]), L["thigh"], L["shin"], +1)
        else:
            thigh_a, shin_a = leg["thigh"], leg["shin"]
        knee = hip + polar(L["thigh"], thigh_a)
        ankle = knee + polar(L["shin"], shin_a)
        if "ankle" in leg:
            j[f"_miss_{side}_leg"] = P((ankle - P(*leg["ankle"])).length(), 0.0)
        foot_a = leg.get("foot", shin_a + 90.0)
        heel, toe = foot_points(ankle, foot_a)
        j[f"{side}_knee"], j[f"{side}_ankle"] = knee, ankle
        j[f"{side}_heel"], j[f"{side}_toe"] = heel, toe
        j[f"{side}_angles_leg"] = P(thigh_a, shin_a)
        j[f"{side}_foot_a"] = P(foot_a, 0)

        arm = pose[f"{side}_arm"]
        sh = j["shoulder"]
        target = None
        if "hand" in arm:  # absolute world point
            target = P(*arm["hand"])
        elif "hand_on" in arm:  # offset from an already solved joint
            name, dx, dy = arm["hand_on"]
            target = j[name] + P(dx, dy)
        elif "hand_torso" in arm:  # (along the chest toward the head, out of the front)
            along, front = arm["hand_torso"]
            up = polar(1.0, chest_a)
            target = sh + up * along + P(up.y, -up.x) * front
        if target is not None:
            up_a, fo_a = two_bone_ik(sh, target, L["upper_arm"], L["forearm"], -1)
        else:
            up_a, fo_a = arm["upper"], arm["fore"]
        elbow = sh + polar(L["upper_arm"], up_a)
        wrist = elbow + polar(L["forearm"], fo_a)
        if target is not None:
            j[f"_miss_{side}_arm"] = P((wrist - target).length(), 0.0)
        j[f"{side}_elbow"], j[f"{side}_wrist"] = elbow, wrist
        j[f"{side}_hand"] = wrist + polar(R["hand"] * 0.6, fo_a)
        j[f"{side}_angles_arm"] = P(up_a, fo_a)
    j["_torso_angles"] = P(pelvis_a, chest_a)

    if hip_y is None:  # rest the lowest part of the body on the given surface
        surface = pose.get("ground", 0.0)
        lowest = min(_body_extents(j))
        shift = P(0.0, surface - lowest)
        j = {
            k: (
                v + shift
                if not k.startswith("_")
                and "angles" not in k
                and k not in ("head_dir",)
                and not k.endswith("foot_a")
                else v
            )
            for k, v in j.items()
        }
    return Body(j)


def foot_points(ankle: P, foot_a: float) -> tuple[P, P]:
    """Centres of the heel and toe ends of the shoe capsule."""
    heel = ankle + polar(ANKLE_HEIGHT - R["foot"], foot_a - 90.0) + polar(-3.0, foot_a)
    return heel, heel + polar(21.0, foot_a)


def ankle_for_contact(x: float, y: float, foot_a: float, which: str = "heel") -> tuple:
    """Ankle position so that the sole under the heel (or toe) touches (x, y)."""
    heel, toe = foot_points(P(0.0, 0.0), foot_a)
    end = heel if which == "heel" else toe
    sole = end + polar(R["foot"], foot_a - 90.0)
    return (x - sole.x, y - sole.y)


def _body_extents(j: dict[str, P]) -> list[float]:
    """Lowest y of each drawn part (used to rest a body on the floor)."""
    out = [j["hip"].y - R["pelvis"], j["waist"].y - R["chest"], j["chest_top"].y - R["chest"]]
    out.append(j["head"].y - R["head"])
    for side in ("near", "far"):
        out += [j[f"{side}_knee"].y - R["thigh"], j[f"{side}_heel"].y - R["foot"]]
        out += [j[f"{side}_toe"].y - R["foot"], j[f"{side}_hand"].y - R["hand"]]
        out.append(j[f"{side}_elbow"].y - R["upper_arm"])
    return out


def joint_ranges(body: Body, pose: dict) -> dict[str, float]:
    """Anatomical joint angles (degrees) for plausibility checks.

    Positive knee/elbow/hip values are flexion in the natural direction.
    """
    j = body.joints
    pelvis_a = j["_torso_angles"].x
    out: dict[str, float] = {}
    for side in ("near", "far"):
        thigh_a, shin_a = j[f"{side}_angles_leg"].x, j[f"{side}_angles_leg"].y
        out[f"{side}_knee"] = wrap(thigh_a - shin_a)
        out[f"{side}_hip"] = wrap(thigh_a - (pelvis_a + 180.0))
        out[f"{side}_ankle"] = wrap(j[f"{side}_foot_a"].x - shin_a)
        up_a, fo_a = j[f"{side}_angles_arm"].x, j[f"{side}_angles_arm"].y
        out[f"{side}_elbow"] = wrap(fo_a - up_a)
    # flexion (bending forward) is positive for the spine and the neck
    out["spine"] = wrap(pelvis_a - j["_torso_angles"].y)
    out["neck"] = wrap(j["_torso_angles"].y - pose.get("neck", j["_torso_angles"].y))
    return out


# Allowed anatomical ranges (degrees). Knees and elbows only bend one way.
JOINT_LIMITS = {
    "knee": (-5.0, 172.0),
    "elbow": (-5.0, 160.0),
    "hip": (-35.0, 160.0),
    "ankle": (0.0, 185.0),
    "spine": (-40.0, 80.0),
    "neck": (-60.0, 70.0),
}


def check_pose(pose: dict) -> list[str]:
    """Return a list of anatomical problems of a pose (empty when plausible)."""
    body = solve_pose(pose)
    problems = []
    for name, value in joint_ranges(body, pose).items():
        lo, hi = JOINT_LIMITS[name.split("_")[-1]]
        if not lo <= value <= hi:
            problems.append(f"{name} {value:.0f} deg outside [{lo:.0f}, {hi:.0f}]")
    if min(_body_extents(body.joints)) < -1.0:
        problems.append("body goes through the floor")
    for key, miss in body.joints.items():
        if key.startswith("_miss_") and miss.x > 4.0:
            problems.append(f"{key[6:]} misses its target by {miss.x:.0f} cm")
    return problems


# ---------------------------------------------------------------------------
# SVG drawing of a person
# ---------------------------------------------------------------------------


def _stroke_path(points: list[P], width_cm: float, colour: str, extra: str = "") -> str:
    w = width_cm * _view["scale"]
    if len(points) == 1 or all(p == points[0] for p in points):
        x, y = px(points[0])
        return f'<circle cx="{fmt(x)}" cy="{fmt(y)}" r="{fmt(w / 2)}" fill="{colour}"{extra}/>'
    return (
        f'<polyline points="{pts(points)}" fill="none" stroke="{colour}" '
        f'stroke-width="{fmt(w)}" stroke-linecap="round" stroke-linejoin="round"{extra}/>'
    )


def _capsules(parts: list[tuple[list[P], float, str]], outline: str, ol_px: float) -> list[str]:
    """Draw a group of capsules: all outlines first, then all fills (seamless joints)."""
    out = [_stroke_path(p, r * 2 + 2 * ol_px / _view["scale"], outline) for p, r, _ in parts]
    out += [_stroke_path(p, r * 2, c) for p, r, c in parts]
    return out


def _circle(c: P, r_cm: float, fill: str, outline: str, ol_px: float) -> str:
    x, y = px(c)
    return (
        f'<circle cx="{fmt(x)}" cy="{fmt(y)}" r="{fmt(r_cm * _view["scale"])}" fill="{fill}" '
        f'stroke="{outline}" stroke-width="{fmt(ol_px)}"/>'
    )


def draw_person(
    body: Body, working: str | None = None, ghost: bool = False, torso_front: bool = False
) -> list[str]:
    """SVG elements of a person.

    ``working`` is "near_leg"/"far_leg" to highlight; ``torso_front`` draws the
    near limbs behind the torso and head (for folded poses such as child's pose).
    """
    j = body.joints
    C = COLOURS
    ol = OUTLINE_PX
    line = C["outline"]
    if ghost:
        ol = 3.0
        line = C["ghost_line"]

    def col(name: str, side: str = "near") -> str:
        if ghost:
            return C["ghost_fill"]
        key = name if side == "near" else f"{name}_far"
        return C.get(key, C[name])

    def leg(side: str) -> list[str]:
        trousers = "accent" if working == f"{side}_leg" else "trousers"
        parts = [
            ([j["hip"], j[f"{side}_knee"]], R["thigh"], col(trousers, side)),
            ([j[f"{side}_knee"], j[f"{side}_ankle"]], R["shin"], col(trousers, side)),
            ([j[f"{side}_heel"], j[f"{side}_toe"]], R["foot"], col("shoe", side)),
        ]
        return _capsules(parts, line, ol)

    def arm(side: str) -> list[str]:
        parts = [
            ([j[f"{side}_elbow"], j[f"{side}_wrist"]], R["forearm"], col("skin", side)),
            ([j["shoulder"], j[f"{side}_elbow"]], R["upper_arm"], col("shirt", side)),
        ]
        out = _capsules(parts, line, ol)
        out.append(_circle(j[f"{side}_hand"], R["hand"], col("skin", side), line, ol))
        # the sleeve is drawn over the forearm, so redraw the sleeve fill only
        return out

    def torso() -> list[str]:
        parts = [
            ([j["neck"], j["head"]], R["neck"], col("skin")),
            ([j["hip"], j["waist"]], R["pelvis"], col("trousers")),
            ([j["waist"], j["chest_top"]], R["chest"], col("shirt")),
        ]
        out = _capsules(parts[:1], line, ol)
        out += _capsules(parts[1:], line, ol)
        # waistband so that shirt and trousers meet cleanly
        out.append(
            _stroke_path(
                [j["waist"] + (j["hip"] - j["waist"]) * 0.25, j["waist"]],
                R["pelvis"] * 2,
                col("shirt"),
            )
        )
        return out

    def head() -> list[str]:
        c = j["head"]
        up = j["head_dir"]  # unit vector from neck to head centre
        fwd = P(up.y, -up.x)  # facing direction (right of "up" for a right-facing person)
        r = R["head"]
        out = []
        if not ghost:
            out.append(
                _circle(c + fwd * (r * 0.92) + up * (-0.05 * r), r * 0.22, C["skin"], line, ol)
            )
            # hair: slightly larger circle shifted back and up
            out.append(
                _circle(c + fwd * (-0.12 * r) + up * (0.1 * r), r * 1.02, C["hair"], line, ol)
            )
            out.append(
                _circle(c + fwd * (0.06 * r) + up * (-0.06 * r), r * 0.93, C["skin"], "none", 0)
            )
            # re-outline the face side
            x, y = px(c + fwd * (0.06 * r) + up * (-0.06 * r))
            out.append(
                f'<path d="{_arc_d(x, y, r * 0.93 * _view["scale"], fwd, up, 150)}" fill="none" '
                f'stroke="{line}" stroke-width="{fmt(ol)}" stroke-linecap="round"/>'
            )
            e = c + fwd * (0.5 * r) + up * (0.22 * r)
            ex, ey = px(e)
            out.append(f'<circle cx="{fmt(ex)}" cy="{fmt(ey)}" r="{fmt(2.6)}" fill="{line}"/>')
        else:
            out.append(_circle(c, r, col("skin"), line, ol))
        return out

    elements = []
    elements += arm("far")
    elements += leg("far")
    if torso_front:
        elements += leg("near")
        elements += arm("near")
    elements += torso()
    elements += head()
    if not torso_front:
        elements += leg("near")
        elements += arm("near")
    if ghost:
        return ['<g opacity="0.75">', *elements, "</g>"]
    return elements


def _arc_d(cx: float, cy: float, r: float, fwd: P, up: P, span: float) -> str:
    """Pixel-space arc path around the front of a head (``span`` degrees)."""
    # facing direction in pixel space (y flipped)
    base = math.degrees(math.atan2(-fwd.y, fwd.x))
    a0, a1 = math.radians(base - span / 2), math.radians(base + span / 2)
    x0, y0 = cx + r * math.cos(a0), cy + r * math.sin(a0)
    x1, y1 = cx + r * math.cos(a1), cy + r * math.sin(a1)
    return f"M{fmt(x0)},{fmt(y0)} A{fmt(r)},{fmt(r)} 0 0 1 {fmt(x1)},{fmt(y1)}"


# ---------------------------------------------------------------------------
# Props
# ---------------------------------------------------------------------------


def _rect(x0: float, y0: float, x1: float, y1: float, fill: str, rx: float = 3.0) -> str:
    """Rectangle between two world corners (cm), outlined."""
    (ax, ay), (bx, by) = px(P(x0, max(y0, y1))), px(P(x1, min(y0, y1)))
    return (
        f'<rect x="{fmt(min(ax, bx))}" y="{fmt(ay)}" width="{fmt(abs(bx - ax))}" '
        f'height="{fmt(by - ay)}" rx="{fmt(rx)}" fill="{fill}" '
        f'stroke="{COLOURS["outline"]}" stroke-width="3"/>'
    )


def _poly(points: list[P], fill: str, width: float = 3.0) -> str:
    return (
        f'<polygon points="{pts(points)}" fill="{fill}" stroke="{COLOURS["outline"]}" '
        f'stroke-width="{fmt(width)}" stroke-linejoin="round"/>'
    )


def _bar(a: P, b: P, w_cm: float, fill: str) -> list[str]:
    return _capsules([([a, b], w_cm / 2, fill)], COLOURS["outline"], 3.0)


def draw_prop(prop: dict, body: Body | None = None) -> list[str]:
    kind = prop["kind"]
    C = COLOURS
    if kind == "mat":
        x0, x1 = prop.get("x0", world_x(24)), prop.get("x1", world_x(VIEW_W - 24))
        return [_rect(x0, 0, x1, MAT_H, C["mat"], rx=5)]
    if kind == "chair" and prop.get("view") == "front":
        # seen from the front: the backrest rises straight above the seat
        x, h, w, back_h = prop["x"], prop.get("seat", 46.0), 44.0, 44.0
        return [
            *_bar(P(x - w / 2 + 3, h), P(x - w / 2 + 3, h + back_h), 4.5, C["wood_dark"]),
            *_bar(P(x + w / 2 - 3, h), P(x + w / 2 - 3, h + back_h), 4.5, C["wood_dark"]),
            _rect(x - w / 2, h + back_h - 14, x + w / 2, h + back_h, C["wood"], rx=2),
            *_bar(P(x - w / 2 + 3, 0), P(x - w / 2 + 3, h), 4.5, C["wood_dark"]),
            *_bar(P(x + w / 2 - 3, 0), P(x + w / 2 - 3, h), 4.5, C["wood_dark"]),
            _rect(x - w / 2 - 1, h - 5, x + w / 2 + 1, h, C["wood"]),
        ]
    if kind == "chair":
        # side view; "facing" is where a seated person would look
        x, h, depth, back_h = prop["x"], prop.get("seat", 46.0), 42.0, 44.0
        s = 1 if prop.get("facing", "right") == "right" else -1
        back_x = x - s * depth / 2
        front_x = x + s * depth / 2
        out = [
            *_bar(P(back_x, 0), P(back_x, h + back_h), 4.5, C["wood_dark"]),
            *_bar(P(front_x, 0), P(front_x, h), 4.5, C["wood_dark"]),
            _rect(min(back_x, front_x) - 2, h - 4, max(back_x, front_x) + 2, h, C["wood"]),
            _rect(back_x - 2.5, h + back_h - 14, back_x + 2.5, h + back_h, C["wood"], rx=2),
        ]
        return out
    if kind == "table":
        x, h, w = prop["x"], prop.get("h", 75.0), prop.get("w", 70.0)
        return [
            *_bar(P(x - w / 2 + 4, 0), P(x - w / 2 + 4, h), 5, C["wood_dark"]),
            *_bar(P(x + w / 2 - 4, 0), P(x + w / 2 - 4, h), 5, C["wood_dark"]),
            _rect(x - w / 2, h - 5, x + w / 2, h, C["wood"]),
        ]
    if kind == "stool":
        x, h, w = prop["x"], prop.get("h", 23.0), prop.get("w", 38.0)
        return [
            _poly(
                [P(x - w / 2, 0), P(x - w / 2 + 5, h), P(x + w / 2 - 5, h), P(x + w / 2, 0)],
                C["stool"],
            ),
            _rect(x - w / 2 + 2, h - 3, x + w / 2 - 2, h, "#b8c2d1", rx=2),
        ]
    if kind == "wedge" and "under" in prop:
        # an incline board fitted under the sole of a solved foot
        assert body is not None
        side = prop["under"]
        heel, toe = body[f"{side}_heel"], body[f"{side}_toe"]
        foot_a = (toe - heel).angle()
        n = polar(R["foot"] + 0.3, foot_a - 90.0)
        a, b = heel + n, toe + n  # sole line, heel to toe
        slope = (b - a) * (1.0 / (b - a).length())
        if a.y > b.y:  # heel is higher: board rises toward the back
            low = a + slope * ((0.0 - a.y) / slope.y) if slope.y else b
            high = a - slope * 12.0
        else:  # toes higher: board rises toward the front
            low = a + slope * ((0.0 - a.y) / slope.y) if slope.y else a
            high = b + slope * 12.0
        return [_poly([low, P(high.x, 0.0), high], C["wedge"])]
    if kind == "wedge":
        # high end is where the thick end of the board is
        x0, x1, h = prop["x0"], prop["x1"], prop.get("h", 7.0)
        base = prop.get("base", 0.0)
        top = P(x1, base + h) if prop.get("high", "right") == "right" else P(x0, base + h)
        return [_poly([P(x0, base), P(x1, base), top], C["wedge"])]
    if kind == "cushion":
        x, w, h = prop["x"], prop.get("w", 26.0), prop.get("h", 7.0)
        base = prop.get("base", 0.0)
        return [_rect(x - w / 2, base, x + w / 2, base + h, C["cushion"], rx=8)]
    if kind == "bike":
        return _draw_bike(prop)
    raise ValueError(f"unknown prop {kind!r}")


def bike_geometry(prop: dict) -> dict[str, P]:
    cx = prop["x"]
    return {
        "crank": P(cx, 26.0),
        "saddle": P(cx - 22.0, 90.0),
        "bars": P(cx + 36.0, 112.0),
        "wheel": P(cx + 50.0, 28.0),
    }


def pedal(prop: dict, angle: float) -> P:
    """Pedal position for a crank angle (degrees, world convention)."""
    return bike_geometry(prop)["crank"] + polar(17.0, angle)


def _draw_bike(prop: dict) -> list[str]:
    C = COLOURS
    g = bike_geometry(prop)
    cx = prop["x"]
    out = []
    out += _bar(P(cx - 45, 3), P(cx + 70, 3), 6, C["bike"])  # floor bar
    out += _bar(P(cx - 35, 3), g["crank"], 7, C["bike"])
    out += _bar(g["crank"], g["saddle"] + P(2, -10), 7, C["bike"])
    out += _bar(g["crank"], g["wheel"], 7, C["bike"])
    out += _bar(g["wheel"], g["bars"] + P(-4, -10), 7, C["bike"])
    out.append(_circle(g["wheel"], 20.0, C["bike_light"], C["outline"], 3))
    out.append(_circle(g["wheel"], 5.0, C["bike"], C["outline"], 3))
    out += _bar(g["bars"] + P(-4, -10), g["bars"], 5, C["bike"])
    out += _bar(g["bars"] + P(-6, 0), g["bars"] + P(6, 0), 5, "#2d333b")
    out += _bar(g["saddle"] + P(-9, 0), g["saddle"] + P(9, 0), 6, "#2d333b")
    out.append(_circle(g["crank"], 7.0, C["bike_light"], C["outline"], 3))
    if "crank" in prop:  # angle of the near pedal; the far pedal is opposite
        for a in (prop["crank"] + 180.0, prop["crank"]):
            p = pedal(prop, a)
            out += _bar(g["crank"], p, 4, C["bike"])
            out += _bar(p + P(-6, 0), p + P(6, 0), 4, "#2d333b")
    return out


# ---------------------------------------------------------------------------
# Arrows, labels and the floor
# ---------------------------------------------------------------------------


ARROW_PX = 10.0  # shaft width
ARROW_HEAD_PX = 34.0  # arrowhead length


def _arrow_head(tip: P, direction_deg: float) -> list[P]:
    size = ARROW_HEAD_PX / _view["scale"]
    back = direction_deg + 180.0
    return [
        tip + polar(size * 0.3, direction_deg),
        tip + polar(size, back + 30),
        tip + polar(size, back - 30),
    ]


def _arrow_from_points(path: list[P]) -> list[str]:
    """Thick arrow along a polyline of world points with a head at the end."""
    C = COLOURS
    s = _view["scale"]
    end, before = path[-1], path[-2]
    direction = (end - before).angle()
    shaft = [*path[:-1], end - polar(ARROW_HEAD_PX * 0.5 / s, direction)]
    head = _arrow_head(end, direction)
    return [
        _stroke_path(shaft, (ARROW_PX + 7) / s, "#ffffff"),
        _poly(head, "#ffffff", 8),
        _stroke_path(shaft, ARROW_PX / s, C["arrow"]),
        f'<polygon points="{pts(head)}" fill="{C["arrow"]}" stroke="{C["arrow"]}" '
        f'stroke-width="2" stroke-linejoin="round"/>',
    ]


def arrow_points(spec: dict, start: Body | None, end: Body) -> list[P]:
    kind = spec["type"]
    if kind == "arc":
        # arc around a pivot joint following a moving joint from start to end
        pivot = end[spec["pivot"]] if "pivot" in spec else P(*spec["centre"])
        a0 = (start[spec["joint"]] - pivot).angle() if start else spec["from"]
        a1 = (end[spec["joint"]] - pivot).angle() if start else spec["to"]
        if "from" in spec:
            a0, a1 = spec["from"], spec["to"]
        d = wrap(a1 - a0) if not spec.get("long") else spec["to"] - spec["from"]
        radius = spec.get("radius") or (end[spec["joint"]] - pivot).length() + spec.get("pad", 14)
        trim = spec.get("trim", 0.0)
        a0, d = a0 + math.copysign(trim, d), d - math.copysign(2 * trim, d)
        n = max(8, int(abs(d) / 4))
        return [pivot + polar(radius, a0 + d * i / n) for i in range(n + 1)]
    if kind == "move":
        # straight arrow following a joint from start to end, shifted by "offset"
        off = P(*spec.get("offset", (0, 0)))
        a, b = start[spec["joint"]] + off, end[spec["joint"]] + off
        shorten = spec.get("trim", 0.0)
        v = b - a
        u = v * (1.0 / max(v.length(), 1e-6))
        return [a + u * shorten, b - u * shorten]
    if kind == "line":
        return [P(*p) for p in spec["points"]]
    raise ValueError(kind)


def draw_label(text: str, at: P, to: P | None, colour: str) -> list[str]:
    x, y = px(at)
    out = []
    if to is not None:
        tx, ty = px(to)
        out.append(
            f'<line x1="{fmt(x)}" y1="{fmt(y)}" x2="{fmt(tx)}" y2="{fmt(ty)}" '
            f'stroke="{COLOURS["outline"]}" stroke-width="3" stroke-linecap="round"/>'
        )
        out.append(f'<circle cx="{fmt(tx)}" cy="{fmt(ty)}" r="5" fill="{COLOURS["outline"]}"/>')
    w = 15.5 * len(text) + 26
    out.append(
        f'<rect x="{fmt(x - w / 2)}" y="{fmt(y - 22)}" width="{fmt(w)}" height="44" rx="22" '
        f'fill="{colour}" stroke="{COLOURS["outline"]}" stroke-width="3"/>'
    )
    out.append(
        f'<text x="{fmt(x)}" y="{fmt(y + 9)}" font-family="DejaVu Sans, Arial, sans-serif" '
        f'font-size="26" font-weight="bold" text-anchor="middle" '
        f'fill="{COLOURS["text"]}">{text}</text>'
    )
    return out


def draw_floor() -> list[str]:
    C = COLOURS
    return [
        f'<rect x="0" y="{fmt(_view["floor"])}" width="{VIEW_W}" '
        f'height="{fmt(VIEW_H - _view["floor"])}" '
        f'fill="{C["floor"]}"/>',
        f'<line x1="0" y1="{fmt(_view["floor"])}" x2="{VIEW_W}" y2="{fmt(_view["floor"])}" '
        f'stroke="{C["floor_line"]}" stroke-width="4"/>',
    ]


# ---------------------------------------------------------------------------
# Whole figures
# ---------------------------------------------------------------------------


def render_figure(fig: dict, phase: str, title: str) -> str:
    """SVG text of one phase ("start", "end", ...) of a figure description."""
    spec = fig["phases"][phase]
    _view.clear()
    _view.update(DEFAULT_VIEW)
    _view.update(fig.get("view", {}))
    pose = resolve_pose(spec["pose"])
    body = solve_pose(pose)
    props = spec.get("props", fig.get("props", []))
    working = spec.get("working", fig.get("working"))
    el: list[str] = []
    el += draw_floor()
    back = [p for p in props if p.get("layer", "back") == "back"]
    front = [p for p in props if p.get("layer") == "front"]
    for p in back:
        el += draw_prop(p, body)
    ghost_of = spec.get("ghost")
    start_body = solve_pose(resolve_pose(fig["phases"][ghost_of]["pose"])) if ghost_of else None
    if start_body is not None and spec.get("show_ghost", True):
        ghost_pose = resolve_pose(fig["phases"][ghost_of]["pose"])
        el += draw_person(start_body, ghost=True, torso_front=ghost_pose.get("torso_front", False))
    el += draw_person(body, working=working, torso_front=pose.get("torso_front", False))
    for p in front:
        el += draw_prop(p, body)
    for arrow in spec.get("arrows", []):
        el += _arrow_from_points(arrow_points(arrow, start_body, body))
    for lab in spec.get("labels", []):
        to = lab.get("to")
        to = body[to] if isinstance(to, str) else (P(*to) if to is not None else None)
        colour = COLOURS["accent"] if lab.get("accent", True) else "#ffffff"
        el += draw_label(lab["text"], P(*lab["at"]), to, colour)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {VIEW_W} {VIEW_H}" '
        f'width="{VIEW_W}" height="{VIEW_H}">\n'
        f"<title>{title}</title>\n"
        f'<rect x="0" y="0" width="{VIEW_W}" height="{VIEW_H}" fill="#ffffff"/>\n'
    )
    return head + "\n".join(el) + "\n</svg>\n"


def resolve_pose(pose: str | dict) -> dict:
    """A pose is either a name in POSES or a dict, optionally with a "base" name."""
    if isinstance(pose, str):
        return resolve_pose(POSES[pose])
    if "base" in pose:
        merged = dict(resolve_pose(pose["base"]))
        merged.update({k: v for k, v in pose.items() if k != "base"})
        return merged
    return pose


# ===========================================================================
# POSE TABLE (data only; the functions above draw whatever is described here)
# ===========================================================================
#
# A pose: "hip" (x, y) in cm, "torso" (pelvis angle, chest angle), "neck" angle,
# and for near_leg / far_leg either {"thigh": a, "shin": b, "foot": c},
# {"ankle": (x, y), "foot": c} or {"sole": (x, y, foot angle, "heel"|"toe")};
# for near_arm / far_arm either {"upper": a, "fore": b}, {"hand": (x, y)},
# {"hand_on": (joint, dx, dy)} or {"hand_torso": (along, front)}.
# {"base": name, ...} copies another pose and replaces the keys given.

SUPINE_HIP_Y = MAT_H + R["chest"] - 1.5  # hip joint height when lying on the mat
FOOT_ON_MAT = MAT_H + ANKLE_HEIGHT  # ankle height with the foot flat on the mat
KNEE_ON_MAT = MAT_H + R["shin"] + 0.5  # knee joint height when kneeling on the mat
HAND_ON_MAT = MAT_H + R["hand"]  # hand centre resting on the mat

BIKE = {"kind": "bike", "x": 5.0}
SEAT = 46.0  # chair seat height


def on_pedal(angle: float, foot_a: float = -8.0) -> tuple:
    """ "sole" value putting the ball of the foot on the bike pedal at ``angle``."""
    p = pedal(BIKE, angle)
    return (p.x + 5.0, p.y + 2.0, foot_a, "toe")


POSES: dict[str, dict] = {
    # ---- standing -------------------------------------------------------
    "stand": {
        "hip": (0.0, STAND_HIP),
        "torso": (90.0, 90.0),
        "neck": 88.0,
        "near_leg": {"ankle": (3.0, ANKLE_HEIGHT), "foot": 0.0},
        "far_leg": {"ankle": (-2.0, ANKLE_HEIGHT), "foot": 0.0},
        "near_arm": {"upper": 268.0, "fore": 278.0},
        "far_arm": {"upper": 272.0, "fore": 282.0},
    },
    "stand_hands_on_back": {
        "base": "stand",
        "near_arm": {"hand_on": ("waist", -16.0, -4.0)},
        "far_arm": {"hand_on": ("waist", -14.0, -6.0)},
    },
    "stand_bend_back": {
        "base": "stand_hands_on_back",
        "hip": (9.0, STAND_HIP - 4.0),
        "torso": (103.0, 122.0),
        "neck": 132.0,
    },
    "stand_bend_forward": {
        "base": "stand",
        "hip": (-10.0, STAND_HIP - 3.0),
        "torso": (28.0, -38.0),
        "neck": -70.0,
        "near_arm": {"hand": (22.0, 28.0)},
        "far_arm": {"hand": (17.0, 26.0)},
    },
    # toes raised on an incline board (forward bend with nerve glides)
    "stand_toes_up": {
        "base": "stand",
        "hip": (-4.0, STAND_HIP + 1.0),
        "near_leg": {"sole": (-7.0, 0.0, 20.0, "heel")},
        "far_leg": {"sole": (-7.0, 0.0, 20.0, "heel")},
    },
    "bend_toes_up": {
        "base": "stand_toes_up",
        "hip": (-16.0, STAND_HIP - 3.0),
        "torso": (22.0, -50.0),
        "neck": -80.0,
        "near_arm": {"hand": (14.0, 26.0)},
        "far_arm": {"hand": (10.0, 24.0)},
    },
    "bend_toes_up_knees": {
        "base": "stand_toes_up",
        "hip": (-10.0, STAND_HIP - 1.0),
        "torso": (45.0, -5.0),
        "neck": -40.0,
        "near_arm": {"hand_on": ("near_knee", 7.0, 2.0)},
        "far_arm": {"hand_on": ("far_knee", 5.0, 0.0)},
    },
    # heels raised on an incline board, holding the back of a chair
    "squat_stand": {
        "base": "stand",
        "hip": (7.0, STAND_HIP + 3.5),
        "torso": (90.0, 88.0),
        "near_leg": {"sole": (24.0, 0.0, -18.0, "toe")},
        "far_leg": {"sole": (24.0, 0.0, -18.0, "toe")},
        "near_arm": {"hand": (31.0, 91.0)},
        "far_arm": {"hand": (28.0, 92.0)},
    },
    "squat_low": {
        "base": "squat_stand",
        "hip": (-24.0, 56.0),
        "torso": (62.0, 70.0),
        "neck": 62.0,
    },
    "squat_partial": {
        "base": "squat_stand",
        "hip": (-16.0, 72.0),
        "torso": (72.0, 78.0),
        "neck": 72.0,
    },
    # one foot up on a chair seat (front view of the chair), other leg behind
    "hip_ext_start": {
        "hip": (-14.0, 90.0),
        "torso": (90.0, 90.0),
        "neck": 88.0,
        "far_leg": {"sole": (24.0, SEAT, 0.0, "heel")},
        "near_leg": {"sole": (-36.0, 0.0, -28.0, "toe")},
        "near_arm": {"hand": (24.0, 92.0)},
        "far_arm": {"hand": (30.0, 93.0)},
    },
    "hip_ext_end": {
        "base": "hip_ext_start",
        "hip": (-3.0, 86.0),
        "torso": (94.0, 92.0),
    },
    "hip_ext_step_start": {
        "base": "hip_ext_start",
        "hip": (-16.0, 92.0),
        "far_leg": {"sole": (12.0, 23.0, 0.0, "heel")},
        "near_leg": {"sole": (-36.0, 0.0, -28.0, "toe")},
        "near_arm": {"hand": (8.0, 90.0)},
        "far_arm": {"hand": (14.0, 91.0)},
    },
    "hip_ext_step_end": {
        "base": "hip_ext_step_start",
        "hip": (-4.0, 88.0),
        "torso": (94.0, 92.0),
    },
    # ---- walking --------------------------------------------------------
    "walk_a": {
        "hip": (-22.0, STAND_HIP - 3.0),
        "torso": (88.0, 87.0),
        "neck": 86.0,
        "near_leg": {"sole": (-4.0, 0.0, 18.0, "heel")},
        "far_leg": {"sole": (-40.0, 0.0, -32.0, "toe")},
        "near_arm": {"upper": 255.0, "fore": 268.0},
        "far_arm": {"upper": 285.0, "fore": 310.0},
    },
    "walk_b": {
        "base": "walk_a",
        "hip": (14.0, STAND_HIP - 3.0),
        "far_leg": {"sole": (32.0, 0.0, 18.0, "heel")},
        "near_leg": {"sole": (-4.0, 0.0, -32.0, "toe")},
        "far_arm": {"upper": 255.0, "fore": 268.0},
        "near_arm": {"upper": 285.0, "fore": 310.0},
    },
    # ---- sitting --------------------------------------------------------
    "sit_upright": {
        "hip": (-30.0, SEAT + 11.0),
        "torso": (92.0, 90.0),
        "neck": 88.0,
        "near_leg": {"ankle": (18.0, ANKLE_HEIGHT), "foot": 0.0},
        "far_leg": {"ankle": (14.0, ANKLE_HEIGHT), "foot": 0.0},
        "near_arm": {"hand_on": ("near_knee", -12.0, 9.0)},
        "far_arm": {"hand_on": ("far_knee", -14.0, 9.0)},
    },
    "sit_bend": {
        "base": "sit_upright",
        "torso": (52.0, -26.0),
        "neck": -72.0,
        "near_arm": {"hand": (30.0, 12.0)},
        "far_arm": {"hand": (26.0, 11.0)},
    },
    "sit_relaxed": {
        "base": "sit_upright",
        "torso": (98.0, 84.0),
        "neck": 80.0,
        "near_leg": {"ankle": (16.0, ANKLE_HEIGHT), "foot": 0.0},
        "far_leg": {"ankle": (12.0, ANKLE_HEIGHT), "foot": 0.0},
    },
    "sit_bend_between": {
        "base": "sit_relaxed",
        "torso": (50.0, -30.0),
        "neck": -78.0,
        "near_arm": {"hand": (8.0, 12.0)},
        "far_arm": {"hand": (4.0, 11.0)},
    },
    # ---- cycling on an exercise bike --------------------------------------
    "cycle_a": {
        "hip": (bike_geometry(BIKE)["saddle"].x + 1.0, bike_geometry(BIKE)["saddle"].y + 9.0),
        "torso": (74.0, 70.0),
        "neck": 74.0,
        "near_leg": {"sole": on_pedal(-45.0)},
        "far_leg": {"sole": on_pedal(135.0)},
        "near_arm": {"hand": (bike_geometry(BIKE)["bars"].x, bike_geometry(BIKE)["bars"].y + 1.0)},
        "far_arm": {"hand": (bike_geometry(BIKE)["bars"].x - 3, bike_geometry(BIKE)["bars"].y + 1)},
    },
    "cycle_b": {
        "base": "cycle_a",
        "near_leg": {"sole": on_pedal(135.0)},
        "far_leg": {"sole": on_pedal(-45.0)},
    },
    # ---- kneeling: half-kneeling lunge with a hand on a chair seat -------
    "lunge_kneel": {
        "hip": (-22.0, 54.0),
        "torso": (86.0, 84.0),
        "neck": 84.0,
        "near_leg": {"sole": (16.0, MAT_H, 0.0, "heel")},
        "far_leg": {"sole": (-64.0, MAT_H, 285.0, "toe")},
        "far_arm": {"hand_on": ("near_knee", -6.0, 10.0)},
        "near_arm": {"hand": (-38.0, SEAT + 5.0)},
    },
    "lunge_kneel_cushion": {
        "base": "lunge_kneel",
        "hip": (-22.0, 60.0),
        "far_leg": {"sole": (-66.0, MAT_H, 285.0, "toe")},
        "near_arm": {"hand": (-38.0, SEAT + 5.0)},
    },
    "lunge_up": {
        "base": "lunge_kneel",
        "hip": (-21.0, 63.0),
        "torso": (78.0, 84.0),
        "neck": 80.0,
        "near_arm": {"hand": (-35.0, SEAT + 5.0)},
    },
    "lunge_stand": {
        "hip": (-14.0, 72.0),
        "torso": (86.0, 86.0),
        "neck": 86.0,
        "near_leg": {"sole": (22.0, 0.0, 0.0, "heel")},
        "far_leg": {"sole": (-56.0, 0.0, -40.0, "toe")},
        "far_arm": {"upper": 285.0, "fore": 300.0},
        "near_arm": {"hand": (-34.0, 79.0)},
    },
    "lunge_stand_up": {
        "base": "lunge_stand",
        "hip": (-10.0, 84.0),
        "torso": (84.0, 84.0),
    },
    # ---- lying on the back (head to the left) ----------------------------
    "supine": {
        "hip": (15.0, SUPINE_HIP_Y),
        "torso": (180.0, 180.0),
        "neck": 182.0,
        "near_leg": {"thigh": -4.0, "shin": -3.0},
        "far_leg": {"thigh": -3.5, "shin": -3.0},
        "near_arm": {"upper": -8.0, "fore": -2.0},
        "far_arm": {"upper": -6.0, "fore": 0.0},
    },
    "hook_lying": {
        "base": "supine",
        "near_leg": {"ankle": (66.0, FOOT_ON_MAT), "foot": 0.0},
        "far_leg": {"ankle": (62.0, FOOT_ON_MAT), "foot": 0.0},
    },
    "hook_arched": {  # small hollow under the low back
        "base": "hook_lying",
        "torso": (169.0, 187.0),
    },
    "hook_flat": {  # pelvis rolled back, low back pressed into the mat
        "base": "hook_lying",
        "hip": (15.0, SUPINE_HIP_Y + 1.5),
        "torso": (184.0, 179.0),
    },
    "hook_arched_hands": {
        "base": "hook_arched",
        "near_arm": {"hand_on": ("waist", 10.0, 16.0)},
        "far_arm": {"hand_on": ("waist", 14.0, 15.0)},
    },
    "hook_flat_hands": {
        "base": "hook_flat",
        "near_arm": {"hand_on": ("waist", 10.0, 16.0)},
        "far_arm": {"hand_on": ("waist", 14.0, 15.0)},
    },
    "knees_to_chest": {
        "base": "supine",
        "hip": (15.0, SUPINE_HIP_Y + 1.5),
        "torso": (183.0, 180.0),
        "near_leg": {"thigh": 120.0, "shin": 2.0},
        "far_leg": {"thigh": 124.0, "shin": 6.0},
        "near_arm": {"hand_on": ("near_knee", 9.0, 2.0)},
        "far_arm": {"hand_on": ("far_knee", 7.0, 0.0)},
    },
    "slr_start": {
        "base": "supine",
        "far_leg": {"ankle": (62.0, FOOT_ON_MAT), "foot": 0.0},
    },
    "slr_up": {
        "base": "slr_start",
        "near_leg": {"thigh": 36.0, "shin": 36.0},
    },
    "march_up": {
        "base": "hook_flat",
        "near_leg": {"ankle": (60.0, FOOT_ON_MAT + 10.0), "foot": -6.0},
    },
    "curl_start": {
        "base": "hook_flat",
        "near_arm": {"hand_torso": (-4.0, 17.0)},
        "far_arm": {"hand_torso": (-2.0, 16.0)},
    },
    "curl_up": {
        "base": "curl_start",
        "torso": (182.0, 152.0),
        "neck": 140.0,
    },
    # ---- hands and knees ---------------------------------------------------
    "quadruped": {
        "hip": (-20.0, 53.0),
        "torso": (8.0, 4.0),
        "neck": -22.0,
        "near_leg": {"thigh": 271.0, "shin": 181.0, "foot": 196.0},
        "far_leg": {"thigh": 270.0, "shin": 181.0, "foot": 196.0},
        "near_arm": {"hand": (30.0, HAND_ON_MAT)},
        "far_arm": {"hand": (27.0, HAND_ON_MAT)},
    },
    "childs_pose": {
        "base": "quadruped",
        "hip": (-57.0, 31.0),
        "torso": (-2.0, -9.0),
        "torso_front": True,
        "neck": -38.0,
        "near_leg": {"thigh": -23.0, "shin": 181.0, "foot": 196.0},
        "far_leg": {"thigh": -24.0, "shin": 181.0, "foot": 196.0},
        "near_arm": {"hand": (44.0, HAND_ON_MAT)},
        "far_arm": {"hand": (41.0, HAND_ON_MAT)},
    },
}

MAT = {"kind": "mat"}
LYING_VIEW = {"scale": 3.7, "cx": 25.0, "floor": 470.0}
KNEELING_VIEW = {"scale": 3.5, "cx": -20.0, "floor": 480.0}
GHOST = "start"  # end pictures show the start pose faintly behind

# Figures per exercise. Each phase names a pose and may add props, arrows, a
# "ghost" (a faint copy of another phase drawn behind) and labels. "alt" is the
# text alternative written into exercises.json. "mods" holds drawings for
# modifications whose position differs a lot.
FIGURES: dict[str, dict] = {
    "sustained-lumbar-extension": {
        "phases": {
            "start": {"pose": "stand_hands_on_back"},
            "end": {
                "pose": "stand_bend_back",
                "ghost": GHOST,
                "arrows": [{"type": "arc", "pivot": "hip", "joint": "head", "pad": 18}],
            },
        },
        "alt": {
            "start": "Side view of a person standing upright, feet apart, with both hands "
            "on the lower back.",
            "end": "The person leans the upper body backward, hands still supporting the "
            "lower back. An arrow shows the backward bend.",
        },
    },
    "lumbar-flexion-lying": {
        "view": LYING_VIEW,
        "props": [MAT],
        "phases": {
            "start": {"pose": "hook_lying"},
            "end": {
                "pose": "knees_to_chest",
                "ghost": GHOST,
                "arrows": [{"type": "arc", "pivot": "hip", "joint": "near_knee", "pad": 16}],
            },
        },
        "alt": {
            "start": "Side view of a person lying on their back on a mat, knees bent and "
            "feet flat on the mat, arms by the sides.",
            "end": "The person has pulled both knees up toward the chest and holds them "
            "with the hands, curled up like a ball. An arrow shows the knees moving to the "
            "chest.",
        },
    },
    "seated-lumbar-flexion": {
        "props": [{"kind": "chair", "x": -30.0, "seat": SEAT}],
        "phases": {
            "start": {"pose": "sit_upright"},
            "end": {
                "pose": "sit_bend",
                "ghost": GHOST,
                "arrows": [{"type": "arc", "pivot": "hip", "joint": "head", "pad": 18}],
            },
        },
        "alt": {
            "start": "Side view of a person sitting upright on a firm chair, both feet flat "
            "on the floor, hands resting on the thighs.",
            "end": "The person bends forward from the chair, head down, hands reaching "
            "toward the floor in front of the feet. An arrow shows the forward bend.",
        },
    },
    "standing-lumbar-flexion": {
        "phases": {
            "start": {"pose": "stand"},
            "end": {
                "pose": "stand_bend_forward",
                "ghost": GHOST,
                "arrows": [{"type": "arc", "pivot": "hip", "joint": "head", "pad": 18}],
            },
        },
        "alt": {
            "start": "Side view of a person standing upright with feet apart and arms relaxed.",
            "end": "The person bends forward from the waist, head down, reaching toward "
            "the floor. An arrow shows the forward bend.",
        },
    },
    "posterior-pelvic-tilt": {
        "view": LYING_VIEW,
        "props": [MAT],
        "phases": {
            "start": {"pose": "hook_arched"},
            "end": {
                "pose": "hook_flat",
                "arrows": [{"type": "line", "points": [(-4.0, 62.0), (-4.0, 38.0)]}],
                "labels": [{"text": "flatten low back", "at": (-20.0, 78.0), "accent": False}],
            },
        },
        "alt": {
            "start": "Side view of a person lying on their back on a mat with knees bent "
            "and feet flat; there is a small hollow under the lower back.",
            "end": "The person rolls the pelvis back so the lower back lies flat on the "
            "mat. An arrow points down at the lower back.",
        },
    },
    "straight-leg-raise": {
        "view": LYING_VIEW,
        "props": [MAT],
        "working": "near_leg",
        "phases": {
            "start": {
                "pose": "slr_start",
                "labels": [{"text": "working leg", "at": (100.0, 55.0), "to": "near_knee"}],
            },
            "end": {
                "pose": "slr_up",
                "ghost": GHOST,
                "arrows": [{"type": "arc", "pivot": "hip", "joint": "near_ankle", "pad": 10}],
                "labels": [{"text": "working leg", "at": (-40.0, 100.0), "to": "near_knee"}],
            },
        },
        "alt": {
            "start": "Side view of a person lying on their back on a mat, one knee bent "
            "with the foot flat, the other leg straight on the mat. The straight leg is "
            "the working leg, shown in orange.",
            "end": "The straight leg is lifted, kept straight, to about the height of the "
            "bent knee. An arrow shows the leg lifting. Then switch legs.",
        },
    },
    "walking": {
        "phases": {
            "start": {"pose": "walk_a"},
            "end": {
                "pose": "walk_b",
                "arrows": [{"type": "line", "points": [(52.0, 128.0), (100.0, 128.0)]}],
            },
        },
        "alt": {
            "start": "Side view of a person walking upright, one foot stepping forward and "
            "the arms swinging.",
            "end": "The person takes the next step with the other foot. An arrow points in "
            "the walking direction.",
        },
    },
    "cycling": {
        "phases": {
            "start": {"pose": "cycle_a", "props": [{**BIKE, "crank": -45.0}]},
            "end": {
                "pose": "cycle_b",
                "props": [{**BIKE, "crank": 135.0}],
                "arrows": [
                    {
                        "type": "arc",
                        "centre": (BIKE["x"], 26.0),
                        "radius": 30.0,
                        "from": 10.0,
                        "to": -220.0,
                        "long": True,
                    }
                ],
            },
        },
        "alt": {
            "start": "Side view of a person sitting on an exercise bike, leaning slightly "
            "forward with hands on the handlebars and feet on the pedals.",
            "end": "The person pedals; the pedals have turned half a circle. A circular "
            "arrow shows the pedalling.",
        },
    },
    "seated-lumbar-flexion-sciatica": {
        "props": [{"kind": "chair", "x": -30.0, "seat": SEAT}],
        "phases": {
            "start": {"pose": "sit_relaxed"},
            "end": {
                "pose": "sit_bend_between",
                "ghost": GHOST,
                "arrows": [{"type": "arc", "pivot": "hip", "joint": "head", "pad": 18}],
            },
        },
        "alt": {
            "start": "Side view of a person sitting relaxed on a chair, knees slightly "
            "apart, feet on the floor, hands on the thighs.",
            "end": "The person looks down and bends forward, reaching both hands toward "
            "the floor between the legs. An arrow shows the forward bend.",
        },
    },
    "standing-hip-extension-stretch": {
        "props": [{"kind": "chair", "x": 34.0, "seat": SEAT, "view": "front"}],
        "working": "near_leg",
        "phases": {
            "start": {
                "pose": "hip_ext_start",
                "labels": [{"text": "working leg", "at": (-88.0, 60.0), "to": "near_knee"}],
            },
            "end": {
                "pose": "hip_ext_end",
                "ghost": GHOST,
                "arrows": [{"type": "move", "joint": "hip", "offset": (-30.0, 4.0)}],
                "labels": [{"text": "working leg", "at": (-88.0, 60.0), "to": "near_knee"}],
            },
        },
        "alt": {
            "start": "Side view of a person standing beside a sturdy chair, holding the "
            "chair back, with one foot up on the chair seat and the other leg behind. The "
            "back leg is the working leg, shown in orange.",
            "end": "The person shifts the pelvis forward, stretching the front of the hip "
            "of the back leg. An arrow shows the pelvis moving forward. Then switch legs.",
        },
        "mods": {
            "lower-step": {
                "props": [
                    {"kind": "table", "x": 24.0, "h": 88.0, "w": 56.0},
                    {"kind": "stool", "x": 24.0, "h": 23.0},
                ],
                "working": "near_leg",
                "phases": {
                    "end": {
                        "pose": "hip_ext_step_end",
                        "ghost": "_start",
                        "arrows": [{"type": "move", "joint": "hip", "offset": (-30.0, 4.0)}],
                        "labels": [{"text": "working leg", "at": (-90.0, 60.0), "to": "near_knee"}],
                    },
                    "_start": {"pose": "hip_ext_step_start"},
                },
                "alt": {
                    "end": "Easier version: one foot is up on a low step stool instead of a "
                    "chair, a hand on a table for balance; the pelvis shifts forward to "
                    "stretch the front of the hip of the back leg (the working leg, in "
                    "orange).",
                },
            },
        },
    },
    "squat-incline-board": {
        "props": [
            {"kind": "chair", "x": 54.0, "seat": SEAT},
            {"kind": "wedge", "under": "near"},
        ],
        "phases": {
            "start": {"pose": "squat_stand"},
            "end": {
                "pose": "squat_low",
                "ghost": GHOST,
                "arrows": [{"type": "move", "joint": "hip", "offset": (-26.0, 0.0)}],
            },
        },
        "alt": {
            "start": "Side view of a person standing with the heels raised on a small "
            "incline board, hands holding the back of a chair for balance.",
            "end": "The person lowers into a squat, hips back and knees bent, weight in "
            "the heels, still holding the chair. An arrow shows the hips moving down.",
        },
        "mods": {
            "partial-squat": {
                "props": [
                    {"kind": "chair", "x": 54.0, "seat": SEAT},
                    {"kind": "wedge", "under": "near"},
                ],
                "phases": {
                    "end": {
                        "pose": "squat_partial",
                        "ghost": "_start",
                        "arrows": [{"type": "move", "joint": "hip", "offset": (-26.0, 0.0)}],
                    },
                    "_start": {"pose": "squat_stand"},
                },
                "alt": {
                    "end": "Easier version: the person lowers only about a third to halfway "
                    "into the squat, heels on the incline board, holding the chair.",
                },
            },
        },
    },
    "forward-bend-nerve-glides": {
        "props": [{"kind": "wedge", "under": "near"}],
        "phases": {
            "start": {"pose": "stand_toes_up"},
            "end": {
                "pose": "bend_toes_up",
                "ghost": GHOST,
                "arrows": [{"type": "arc", "pivot": "hip", "joint": "head", "pad": 18}],
            },
        },
        "alt": {
            "start": "Side view of a person standing upright with the toes raised on a small "
            "incline board, heels on the floor.",
            "end": "The person looks down and bends forward, reaching the hands toward the "
            "feet. An arrow shows the forward bend.",
        },
        "mods": {
            "reach-to-knees": {
                "props": [{"kind": "wedge", "under": "near"}],
                "phases": {
                    "end": {
                        "pose": "bend_toes_up_knees",
                        "ghost": "_start",
                        "arrows": [{"type": "arc", "pivot": "hip", "joint": "head", "pad": 18}],
                    },
                    "_start": {"pose": "stand_toes_up"},
                },
                "alt": {
                    "end": "Easier version: with the toes on the incline board, the person "
                    "bends forward only until the hands reach the knees.",
                },
            },
        },
    },
    "modified-lunge-chair": {
        "props": [MAT, {"kind": "chair", "x": -52.0, "seat": SEAT}],
        "working": "near_leg",
        "phases": {
            "start": {
                "pose": "lunge_kneel",
                "labels": [{"text": "working leg", "at": (75.0, 95.0), "to": "near_knee"}],
            },
            "end": {
                "pose": "lunge_up",
                "ghost": GHOST,
                "arrows": [{"type": "move", "joint": "hip", "offset": (-28.0, 0.0)}],
                "labels": [{"text": "working leg", "at": (75.0, 95.0), "to": "near_knee"}],
            },
        },
        "alt": {
            "start": "Side view of a person in a half-kneeling lunge on a mat: front foot "
            "flat, back knee on the mat, one hand on a chair seat beside them. The front "
            "leg is the working leg, shown in orange.",
            "end": "Leaning slightly forward and pushing down on the chair, the person "
            "rises about halfway up; the back knee leaves the mat. An arrow shows the hips "
            "rising. Then switch legs.",
        },
        "mods": {
            "knee-cushion": {
                "props": [
                    MAT,
                    {"kind": "chair", "x": -52.0, "seat": SEAT},
                    {"kind": "cushion", "x": -18.0, "w": 30.0, "h": 7.0, "base": MAT_H},
                ],
                "working": "near_leg",
                "phases": {
                    "start": {
                        "pose": "lunge_kneel_cushion",
                        "labels": [
                            {
                                "text": "cushion",
                                "at": (-95.0, 45.0),
                                "to": (-28.0, 8.0),
                                "accent": False,
                            }
                        ],
                    }
                },
                "alt": {
                    "start": "Half-kneeling lunge with a small cushion under the back "
                    "knee for comfort, one hand on a chair seat.",
                },
            },
            "standing-lunge": {
                "props": [{"kind": "table", "x": -52.0, "h": 76.0, "w": 50.0}],
                "working": "near_leg",
                "phases": {
                    "start": {"pose": "lunge_stand"},
                    "end": {
                        "pose": "lunge_stand_up",
                        "ghost": GHOST,
                        "arrows": [{"type": "move", "joint": "hip", "offset": (-28.0, 0.0)}],
                    },
                },
                "alt": {
                    "start": "Easier version: a standing lunge, one foot forward and one "
                    "back, both knees off the floor, one hand on a table for balance. The "
                    "front leg, in orange, is the working leg.",
                    "end": "From the standing lunge the person rises partway up, still "
                    "holding the table. An arrow shows the hips rising.",
                },
            },
        },
    },
    "back-flexion-stretch": {
        "view": LYING_VIEW,
        "props": [MAT],
        "phases": {
            "start": {"pose": "supine"},
            "end": {
                "pose": "knees_to_chest",
                "ghost": GHOST,
                "arrows": [{"type": "arc", "pivot": "hip", "joint": "near_knee", "pad": 16}],
            },
        },
        "alt": {
            "start": "Side view of a person lying flat on their back on a mat, legs "
            "straight, arms by the sides.",
            "end": "The person gently pulls both knees to the chest with the hands. An "
            "arrow shows the knees coming up to the chest.",
        },
    },
    "childs-pose": {
        "view": KNEELING_VIEW,
        "props": [MAT],
        "phases": {
            "start": {"pose": "quadruped"},
            "end": {
                "pose": "childs_pose",
                "ghost": GHOST,
                "arrows": [{"type": "arc", "pivot": "near_knee", "joint": "hip", "pad": 20}],
            },
        },
        "alt": {
            "start": "Side view of a person on hands and knees on a mat, hands under the "
            "shoulders and knees under the hips.",
            "end": "The person sits back on the heels and bends forward, forehead resting "
            "on the mat, arms stretched out in front. An arrow shows the hips moving back "
            "toward the heels.",
        },
    },
    "pelvic-tilt-abdominal": {
        "view": LYING_VIEW,
        "props": [MAT],
        "phases": {
            "start": {"pose": "hook_arched_hands"},
            "end": {
                "pose": "hook_flat_hands",
                "arrows": [{"type": "line", "points": [(-4.0, 66.0), (-4.0, 40.0)]}],
                "labels": [{"text": "tighten stomach", "at": (-30.0, 82.0), "accent": False}],
            },
        },
        "alt": {
            "start": "Side view of a person lying on their back on a mat, both knees bent, "
            "feet flat, hands resting on the lower stomach.",
            "end": "The person tightens the lower stomach muscles and presses the lower "
            "back flat into the mat. An arrow points down at the stomach.",
        },
    },
    "hook-lying-march": {
        "view": LYING_VIEW,
        "props": [MAT],
        "working": "near_leg",
        "phases": {
            "start": {"pose": "hook_flat"},
            "end": {
                "pose": "march_up",
                "ghost": GHOST,
                "arrows": [{"type": "line", "points": [(92.0, 14.0), (92.0, 36.0)]}],
                "labels": [{"text": "alternate legs", "at": (20.0, 100.0), "to": "near_knee"}],
            },
        },
        "alt": {
            "start": "Side view of a person lying on their back on a mat, both knees bent, "
            "feet flat, lower back pressed flat.",
            "end": "One foot, shown in orange, is lifted a few inches off the mat with the "
            "knee still bent. An arrow shows the foot lifting. Legs take turns, like "
            "marching.",
        },
    },
    "curl-ups": {
        "view": LYING_VIEW,
        "props": [MAT],
        "phases": {
            "start": {"pose": "curl_start"},
            "end": {
                "pose": "curl_up",
                "ghost": GHOST,
                "arrows": [{"type": "arc", "pivot": "waist", "joint": "head", "pad": 14}],
            },
        },
        "alt": {
            "start": "Side view of a person lying on their back on a mat, knees bent, arms "
            "folded across the chest.",
            "end": "The person raises the head and shoulders off the mat, arms still folded "
            "on the chest. An arrow shows the upper body curling up.",
        },
    },
}


def figure_files() -> list[tuple[str, dict, str]]:
    """(file stem, figure description, phase) of every SVG to write, in order."""
    out = []
    for ex_id, fig in FIGURES.items():
        for phase in fig["phases"]:
            if not phase.startswith("_"):
                out.append((f"{ex_id}-{phase}", fig, phase))
        for mod_id, mod in fig.get("mods", {}).items():
            for phase in mod["phases"]:
                if not phase.startswith("_"):
                    out.append((f"{ex_id}--{mod_id}-{phase}", mod, phase))
    return out


def _images(stem: str, fig: dict) -> dict:
    return {
        phase: {"path": f"assets/exercises/{stem}-{phase}.svg", "alt": fig["alt"][phase]}
        for phase in fig["phases"]
        if not phase.startswith("_")
    }


def add_images_to_catalog(catalog: dict) -> dict:
    """Add the "images" key to every exercise (and drawn modification) of a catalogue.

    Only the "images" keys are touched; everything else, including key order, is kept.
    """
    for ex in catalog["exercises"]:
        fig = FIGURES.get(ex["id"])
        if fig is None:
            raise KeyError(f"no figure for exercise {ex['id']!r}; add one to FIGURES")
        ex["images"] = _images(ex["id"], fig)
        for mod in ex.get("modifications", []):
            mod_fig = fig.get("mods", {}).get(mod["id"])
            if mod_fig is not None:
                mod["images"] = _images(f"{ex['id']}--{mod['id']}", mod_fig)
            else:
                mod.pop("images", None)
    return catalog


def write_catalog(path: Path) -> None:
    """Re-read ``path`` and write it back with the "images" keys added."""
    data = json.loads(path.read_text(encoding="utf-8"))
    add_images_to_catalog(data)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


ICON = {
    "pose": "stand_bend_forward",
    "props": [{"kind": "mat", "x0": -62.0, "x1": 62.0}],
    "crop": (186.0, 118.0, 470.0),  # x, y, size of the square cut from the 800x600 canvas
}


def render_icon() -> str:
    """The application icon: a person bending forward on a mat, square viewBox."""
    _view.clear()
    _view.update(DEFAULT_VIEW)
    body = solve_pose(resolve_pose(ICON["pose"]))
    x, y, size = ICON["crop"]
    el = [
        f'<rect x="{fmt(x + 8)}" y="{fmt(y + 8)}" width="{fmt(size - 16)}" '
        f'height="{fmt(size - 16)}" rx="{fmt(size * 0.2)}" fill="#d8f1ec" '
        f'stroke="{COLOURS["shirt"]}" stroke-width="12"/>'
    ]
    for p in ICON["props"]:
        el += draw_prop(p, body)
    el += draw_person(body)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{fmt(x)} {fmt(y)} {fmt(size)} '
        f'{fmt(size)}" width="256" height="256">\n<title>Stenosis Player</title>\n'
        + "\n".join(el)
        + "\n</svg>\n"
    )


def write_all(out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, fig, phase in figure_files():
        path = out_dir / f"{stem}.svg"
        path.write_text(render_figure(fig, phase, stem), encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    ap.add_argument("--check", action="store_true", help="only check the poses")
    ap.add_argument(
        "--icon",
        type=Path,
        default=None,
        help="write the app icon here (default: with the default output folder, assets/icon.svg)",
    )
    ap.add_argument(
        "--write-catalog",
        type=Path,
        metavar="EXERCISES_JSON",
        help='also add the "images" keys to this exercises.json',
    )
    args = ap.parse_args(argv)
    bad = 0
    for name in POSES:
        for problem in check_pose(resolve_pose(name)):
            print(f"pose {name}: {problem}", file=sys.stderr)
            bad += 1
    if args.check:
        return 1 if bad else 0
    files = write_all(args.out)
    print(f"wrote {len(files)} SVG files to {args.out}")
    icon = args.icon or (HERE / "icon.svg" if args.out == DEFAULT_OUT else None)
    if icon is not None:
        icon.write_text(render_icon(), encoding="utf-8")
        print(f"wrote {icon}")
    if args.write_catalog:
        write_catalog(args.write_catalog)
        print(f"updated images in {args.write_catalog}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
