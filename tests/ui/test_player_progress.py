"""The session's progress bar follows the time, painted with the rest of the next frame:
QProgressBar.setValue repaints at once, which was 2-3 ms of each step's change."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject

from stenosis_player.ui.player_view import PlayerView


class Paints(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def test_the_progress_bar_moves_on_the_next_frame_not_at_once(qtbot, catalog):
    p = PlayerView(catalog)
    qtbot.addWidget(p)
    p.resize(1280, 760)
    p.show()
    qtbot.waitExposed(p)
    paints = Paints()
    p.progress.installEventFilter(paints)
    qtbot.wait(50)
    before = paints.count
    p.set_time_left(300.0, 600.0)
    assert p.progress.value() == 500
    assert paints.count == before  # not painted inside the call
    assert p.progress.updatesEnabled()
    qtbot.waitUntil(lambda: paints.count > before, timeout=2000)  # the next frame has it
    p.set_time_left(300.0, 600.0)  # no change: nothing asked
    assert p.progress.value() == 500
    p.set_time_left(600.0, 600.0)
    assert p.progress.value() == 1000
    p.set_time_left(0.0, 0.0)  # no plan yet
    assert p.progress.value() == 0
