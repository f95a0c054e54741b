"""A new step whose shape the player fitted before (a rep, a set, a side again) gets that
size once a try shows it still fits: at large text it is the same layout as the search from
the full size gives, in fewer tries; one that no longer fits is searched again."""

from __future__ import annotations

import pytest

from stenosis_player.script import build_script
from stenosis_player.ui import player_view
from stenosis_player.ui.fit import LADDER
from stenosis_player.ui.player_view import PlayerView

SIZE = (1280, 760)  # the stack of a maximised window on a 1280x800 laptop


def fitted_steps(qtbot, catalog, scale: float, remember: bool, monkeypatch):
    """Every step of the default program shown in turn on a real, shown player: the
    factor and caption each was fitted to, and how many layout tries that took."""
    tries = [0]
    real = player_view.layout_fits

    def counted(widget):
        tries[0] += 1
        return real(widget)

    monkeypatch.setattr(player_view, "layout_fits", counted)
    p = PlayerView(catalog)
    qtbot.addWidget(p)
    p.remember_fits = remember
    p.resize(*SIZE)
    p.set_text_scale(scale)
    p.show()
    qtbot.waitExposed(p)
    script = build_script(catalog, catalog.default_program)
    fits = []
    for seg in script.segments:
        p.show_segment(seg)
        p.set_caption(seg.say or "")
        p.refit()
        fits.append((seg.index, p.factor, p.caption.isVisible()))
    monkeypatch.setattr(player_view, "layout_fits", real)
    return fits, tries[0]


@pytest.mark.parametrize("scale", [1.5, 2.0])
def test_remembered_fits_give_the_same_layout_in_fewer_tries(qtbot, catalog, monkeypatch, scale):
    searched, tries_searched = fitted_steps(qtbot, catalog, scale, False, monkeypatch)
    remembered, tries_remembered = fitted_steps(qtbot, catalog, scale, True, monkeypatch)
    assert remembered == searched  # every step: the same text size and caption
    assert len({f for _, f, _ in searched}) > 1  # large text really had to be fitted
    if scale == 2.0:  # where most steps need the search (x1.5: most fit at once)
        assert tries_remembered < 0.75 * tries_searched, (tries_remembered, tries_searched)


def test_a_remembered_fit_that_no_longer_fits_is_searched_again(qtbot, catalog):
    p = PlayerView(catalog)
    qtbot.addWidget(p)
    p.resize(*SIZE)
    p.set_text_scale(2.0)
    p.show()
    qtbot.waitExposed(p)
    seg = next(s for s in build_script(catalog, catalog.default_program) if len(s.show) > 60)
    p.show_segment(seg)
    p.refit()
    truth = p.factor
    too_large = max(f for f in LADDER if truth < f < 2.0 * 0.99)
    p._fit_memory = dict.fromkeys(p._fit_memory, too_large)  # as if the text had grown
    p.show_segment(seg)
    p.refit()
    assert p.factor == truth
    assert player_view.layout_fits(p)
