"""The hidden player's fit after the first frame runs one layout try per event-loop turn
(the whole fit is 20-30 ms of CPU, more than a frame), lands where a fit in one piece
lands, and gives way to a real fit at once when the player is shown meanwhile."""

from __future__ import annotations

import pytest

from stenosis_player.script import build_script
from stenosis_player.ui import player_view
from stenosis_player.ui.fit import best_factor, layout_fits
from stenosis_player.ui.player_view import PlayerView

SIZE = (1280, 760)  # the stack of a maximised window on a 1280x800 laptop


@pytest.fixture
def first_step(catalog):
    return build_script(catalog, catalog.default_program)[0]


def hidden_player(qtbot, catalog, scale: float) -> PlayerView:
    p = PlayerView(catalog)
    qtbot.addWidget(p)
    p.scale = scale
    return p


@pytest.mark.parametrize("scale", [1.5, 2.0])
def test_each_step_of_the_prefit_makes_at_most_one_layout_try(
    qtbot, catalog, first_step, monkeypatch, scale
):
    tries: list[int] = [0]
    real = player_view.layout_fits

    def counted(widget):
        tries[0] += 1
        return real(widget)

    monkeypatch.setattr(player_view, "layout_fits", counted)
    p = hidden_player(qtbot, catalog, scale)
    per_step = []
    for _ in p.prefit_steps(first_step, SIZE):
        per_step.append(tries[0])
        tries[0] = 0
    per_step.append(tries[0])  # the last piece: the chosen size laid out
    assert not p.isVisible()
    assert len(per_step) >= 3, per_step  # really split
    assert max(per_step) <= 2, per_step  # a try, or the final layout and a try
    assert sum(per_step) <= 12, per_step

    # the same answer as one bisection in a piece on this very screen
    assert p.factor == best_factor(p._apply, lambda: layout_fits(p), p.scale)


def test_the_stepwise_prefit_lands_where_the_whole_fit_does(qtbot, catalog, first_step):
    stepwise = hidden_player(qtbot, catalog, 1.5)
    for _ in stepwise.prefit_steps(first_step, SIZE):
        pass
    whole = hidden_player(qtbot, catalog, 1.5)
    whole.prefit(first_step, SIZE)
    assert stepwise.factor == whole.factor
    assert stepwise.factor < 1.5  # x1.5 does not fit this step at this size: a real search


def test_a_player_shown_mid_prefit_is_fitted_at_once(qtbot, catalog, first_step):
    p = hidden_player(qtbot, catalog, 2.0)
    steps = p.prefit_steps(first_step, SIZE)
    next(steps)
    next(steps)  # the bisection is half way
    p.show()  # a session started meanwhile
    qtbot.waitExposed(p)
    with pytest.raises(StopIteration):
        next(steps)  # it stops, and the shown player is fitted there and then
    shown = p.factor
    other = hidden_player(qtbot, catalog, 2.0)
    other.resize(*SIZE)
    other.show_segment(first_step)
    other.show()
    qtbot.waitExposed(other)
    assert shown == other.factor
    assert layout_fits(p)
