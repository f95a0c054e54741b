"""A dialog's sections as a list down its left side instead of a row of tabs.

A row of eight tabs did not fit a laptop-sized dialog: at the default text size on a
1280×800 screen "Reminders" sat behind two 10-pixel scroll arrows, and at twice the text
"Voice commands" too. A list shows every section at every text size (its rows are counted
by the screen's fit, which makes the text smaller before a row is hidden).

The ``QTabWidget`` stays the dialog's model of its pages (its tab bar is hidden), so code
and tests keep using ``tabs.setCurrentWidget`` and friends; the list follows it both ways.
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QListWidget, QTabWidget, QWidget


class SectionList(QListWidget):
    """The tabs of ``tabs`` as rows; Alt + a section's underlined letter selects it."""

    def __init__(self, tabs: QTabWidget, shortcuts_on: QWidget) -> None:
        super().__init__()
        self.tabs = tabs
        self.setObjectName("sections")
        self.setAccessibleName("Sections")
        tabs.tabBar().hide()
        self.setProperty("horizontalScrollBarPolicy", "ScrollBarAlwaysOff")
        self._shortcuts: list[QShortcut] = []
        self._owner = shortcuts_on
        self.currentRowChanged.connect(self._row_chosen)
        tabs.currentChanged.connect(self._tab_shown)
        self.sync()

    def sync(self) -> None:
        """Rows (and shortcuts) from the tabs' titles: after tabs are added or replaced."""
        self.blockSignals(True)
        self.clear()
        for shortcut in self._shortcuts:
            shortcut.setEnabled(False)
            shortcut.deleteLater()
        self._shortcuts = []
        for index in range(self.tabs.count()):
            title = self.tabs.tabText(index)
            self.addItem(title.replace("&", ""))
            at = title.find("&")
            if 0 <= at < len(title) - 1:
                key = QKeySequence(f"Alt+{title[at + 1].upper()}")
                # a list row cannot underline its letter: the key is said on hovering
                self.item(index).setToolTip(key.toString(QKeySequence.SequenceFormat.NativeText))
                shortcut = QShortcut(key, self._owner)
                shortcut.activated.connect(lambda i=index: self.tabs.setCurrentIndex(i))
                self._shortcuts.append(shortcut)
        self.setCurrentRow(self.tabs.currentIndex())
        self.setProperty("fitRows", self.count())  # the screen's fit keeps every row shown
        self.blockSignals(False)
        self.updateGeometry()

    def _row_chosen(self, row: int) -> None:
        if row >= 0:
            self.tabs.setCurrentIndex(row)

    def _tab_shown(self, index: int) -> None:
        if index != self.currentRow():
            self.setCurrentRow(index)

    def sizeHint(self) -> QSize:
        # as wide as its longest title at the current font (a list's own hint is fixed)
        width = self.sizeHintForColumn(0) + 2 * self.frameWidth() + 12
        return QSize(width, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        return QSize(self.sizeHint().width(), super().minimumSizeHint().height())

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        self.updateGeometry()  # a new font (the text size) changes the width it needs
