"""Fitting a screen to the window: the largest text factor (at most the user's text size)
at which the screen's layout fits its current size. Larger text then reflows and, where
it must, gets smaller, instead of pushing the window past the screen.

Every screen widget sets a tiny minimum size, so its layout never makes the window grow;
its ``refit`` (on resize, new text, a panel shown) keeps the content inside it instead.
"""

from __future__ import annotations

from collections.abc import Callable, Generator

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QLabel,
    QLayout,
    QListView,
    QScrollArea,
    QStackedWidget,
    QWidget,
)

FACTOR_STEP = 0.94  # each try is this much smaller than the last
SMALLEST = 0.3  # text never goes below 30% of the design size
# One ladder of factors for every text size (1.0 on it): a larger text size then never fits
# smaller than a smaller one does, as a ladder starting from each size would (×1.5 stepping
# down could land just above what fits and take the step below ×1.25's answer).
LADDER = [FACTOR_STEP**k for k in range(-16, 21) if FACTOR_STEP**k >= SMALLEST]


def layout_fits(widget: QWidget) -> bool:
    """Does ``widget``'s layout, at its current fonts, fit the widget's current size?"""
    lay = widget.layout()
    if lay is None:
        return True
    # a child's new font reaches its own layout at once, but the layouts above it only
    # when Qt's posted layout request runs: drop their cached sizes now, innermost first
    children = widget.findChildren(QWidget)
    for child in children:
        child.ensurePolished()  # a style sheet set while hidden applies at the next polish
    for child in reversed(children):
        inner = child.layout()
        if inner is not None and not child.isHidden():
            _invalidate(inner)
            child.updateGeometry()
    _invalidate(lay)
    w, h = widget.width(), widget.height()
    if lay.totalMinimumSize().width() > w:
        return False
    need = lay.totalHeightForWidth(w) if lay.hasHeightForWidth() else lay.totalSizeHint().height()
    return need <= h


def _invalidate(layout: QLayout) -> None:
    """Drop the cached sizes of ``layout`` and of the layouts nested in it."""
    for i in range(layout.count()):
        inner = layout.itemAt(i).layout()
        if inner is not None:
            _invalidate(inner)
    layout.invalidate()


def content_key(widget: QWidget) -> tuple:
    """What the fit depends on: the size, and every shown child's text and visibility.
    Equal keys need no new fit (and a fit's own relayout does not start another)."""
    parts: list[object] = [widget.width(), widget.height()]
    for child in widget.findChildren(QWidget):
        shown = child.isVisibleTo(widget)
        parts.append(shown)
        if shown and hasattr(child, "text"):
            text = child.text()
            parts.append(text if isinstance(text, str) else "")
    return tuple(parts)


def clipped(widget: QWidget) -> str | None:
    """Why ``widget``'s content does not fit its geometry, or None when it does."""
    if isinstance(widget, QLabel):
        if not widget.text():
            return None
        hint = widget.sizeHint()
        if widget.wordWrap():
            need_h = widget.heightForWidth(widget.width())
            if need_h > widget.height() + 1:
                return f"needs {need_h} px tall, has {widget.height()}"
            if widget.minimumSizeHint().width() > widget.width() + 1:
                return f"a word needs {widget.minimumSizeHint().width()} px, has {widget.width()}"
            return None
        if hint.width() > widget.width() + 1 or hint.height() > widget.height() + 1:
            return f"needs {hint.width()}x{hint.height()}, has {widget.width()}x{widget.height()}"
    elif isinstance(widget, QAbstractButton) and widget.text():
        # the text itself (a style's size hint also counts a focus frame not drawn)
        fm = widget.fontMetrics()
        need_w = fm.horizontalAdvance(widget.text().replace("&", "")) + 8
        if need_w > widget.width() or fm.height() > widget.height():
            return f"its text needs {need_w}x{fm.height()}, has {widget.width()}x{widget.height()}"
    return None


def rows_short(view: QAbstractItemView) -> bool:
    """Does a list that asks for it (property ``fitRows``: N) show fewer than its first N
    rows (or all, if fewer)? A list may scroll, but one squeezed to a row or two by large
    text hides the choice it is there for."""
    rows = view.property("fitRows")
    if not rows:
        return False
    model = view.model()
    n = min(int(rows), model.rowCount())
    view.doItemsLayout()  # the rows as wrapped at the new font and width, not as cached
    need = sum(view.visualRect(model.index(i, 0)).height() for i in range(n))
    if isinstance(view, QListView):
        need += 2 * view.spacing() * n
    return view.viewport().height() < need


def nothing_cut(widget: QWidget) -> bool:
    """Laid out at its current size, does every shown label and button fit its text, and
    the layout's minimum fit the widget? (Lists and scroll areas may shrink: they scroll.)"""
    lay = widget.layout()
    if lay is None:
        return True
    layout_fits(widget)  # drops the stale cached sizes
    if lay.totalMinimumSize().width() > widget.width():
        return False
    if lay.totalMinimumSize().height() > widget.height():
        return False
    lay.activate()
    for child in widget.findChildren(QWidget):
        if not child.isVisibleTo(widget):
            continue
        if clipped(child):
            return False
        if isinstance(child, QAbstractItemView) and rows_short(child):
            return False
        parent = child.parentWidget()
        if (
            parent is not None
            and not child.isWindow()
            and parent.objectName() != "qt_scrollarea_viewport"  # scrolled content is larger
            and not parent.rect().contains(child.geometry())
        ):
            return False  # squeezed below its minimum: it spills over its neighbours
    # a page that scrolls may be taller than its room, never wider: every page of a dialog
    # (shown or not, so one text size serves them all) fits its width or the text shrinks
    for area in widget.findChildren(QScrollArea):
        inner = area.widget()
        if area.widgetResizable() and inner is not None:
            room = _page_width(area) - area.verticalScrollBar().sizeHint().width()
            if inner.minimumSizeHint().width() > room:
                return False
    return True


def _page_width(area: QScrollArea) -> int:
    """The width ``area`` shows its content in. A hidden page of a stack (a dialog's
    other tabs) keeps the size it had when last shown, or none: it gets its stack's."""
    stack = area.parentWidget()
    if not area.isVisible() and isinstance(stack, QStackedWidget):
        return stack.width() - 2 * area.frameWidth()
    return area.maximumViewportSize().width()


def best_factor(
    apply: Callable[[float], None],
    fits: Callable[[], bool],
    largest: float,
    last: float | None = None,
    climb: bool = True,
) -> float:
    """The largest factor that fits among ``largest`` and the ``LADDER`` steps below it, by
    bisection (at most ~6 tries); the smallest when none does. Leaves it applied."""
    steps = best_factor_steps(apply, fits, largest, last, climb)
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


def best_factor_steps(
    apply: Callable[[float], None],
    fits: Callable[[], bool],
    largest: float,
    last: float | None = None,
    climb: bool = True,
) -> Generator[None, None, float]:
    """:func:`best_factor`, pausing after each try (a layout pass of a few ms): a hidden
    screen can then be fitted one try per turn of the event loop. Returns the factor."""
    factors = [largest] + [f for f in LADDER if f < largest * 0.99]
    if last is not None and last in factors[1:]:
        # the last fit first: new text of about the same length usually fits it still
        k = factors.index(last)
        apply(factors[k])
        if fits():
            if not climb:  # new text only (the size is the same): keep what fits
                return factors[k]
            yield
            apply(factors[k - 1])
            if not fits():
                apply(factors[k])
                return factors[k]
        yield
    apply(factors[0])
    if fits():
        return factors[0]
    yield
    lo, hi = 1, len(factors) - 1  # factors[lo - 1] does not fit
    apply(factors[hi])
    if not fits():
        return factors[hi]
    while lo < hi:
        yield
        mid = (lo + hi) // 2
        apply(factors[mid])
        if fits():
            hi = mid
        else:
            lo = mid + 1
    apply(factors[hi])
    return factors[hi]


class ScreenFit(QObject):
    """Keeps one screen (start, end, pain check-in, history) inside its size: on every
    resize or show it gives the screen the theme's style sheet at the largest text factor
    (at most the user's) that fits. The screen's minimum size is made tiny, so its layout
    never makes the window grow."""

    def __init__(self, screen: QWidget, stylesheet: Callable[[float], str]) -> None:
        super().__init__(screen)
        self.screen = screen
        self.stylesheet = stylesheet
        self.scale = 1.0
        self.factor = 1.0
        self._applied: float | None = None
        self._busy = False
        self._key: tuple | None = None
        screen.setMinimumSize(1, 1)
        screen.installEventFilter(self)

    def set_scale(self, scale: float, stylesheet: Callable[[float], str] | None = None) -> None:
        self.scale = scale
        if stylesheet is not None:
            self.stylesheet = stylesheet
        self._applied = None
        self._key = None
        self.refit()

    def _apply(self, f: float) -> None:
        if f != self._applied:
            self._applied = f
            sheet = self.stylesheet(f)
            if sheet != self.screen.styleSheet():  # setting it again restyles every child
                self.screen.setStyleSheet(sheet)
        self.factor = f

    def refit(self) -> None:
        if self._busy or not self.screen.isVisible():
            return
        key = content_key(self.screen)
        if key == self._key:
            return
        self._busy = True
        try:
            best_factor(self._apply, lambda: nothing_cut(self.screen), self.scale)
            nothing_cut(self.screen)  # lay out at the chosen size (the last try may differ)
        finally:
            self._busy = False
            self._key = content_key(self.screen)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # new text or a line shown or hidden reaches the screen as a layout request
        if watched is self.screen and event.type() in _REFIT_EVENTS:
            self.refit()
        return False


_REFIT_EVENTS = (QEvent.Type.Resize, QEvent.Type.Show, QEvent.Type.LayoutRequest)
