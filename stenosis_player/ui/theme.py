"""Colours and type sizes for a screen read from 2 m away; a high-contrast variant."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Theme:
    background: str
    text: str
    muted: str
    accent: str
    danger: str
    danger_text: str
    ring_track: str
    caption_bg: str

    def stylesheet(self, scale: float) -> str:
        base = round(20 * scale)
        box = round(26 * scale)  # checkbox squares grow with the text
        return f"""
        QWidget {{ background: {self.background}; color: {self.text}; font-size: {base}px; }}
        QPushButton {{ border: 3px solid {self.text}; border-radius: 12px;
                       padding: {round(10 * scale)}px {round(18 * scale)}px;
                       font-size: {round(24 * scale)}px; font-weight: 600; min-height: {round(44 * scale)}px; }}
        QPushButton:focus {{ border: 5px solid {self.accent}; }}
        QPushButton:checked {{ background: {self.accent}; color: {self.background};
                               border-color: {self.accent}; }}
        QPushButton:disabled {{ color: {self.muted}; border-color: {self.muted}; }}
        QPushButton:checked:disabled {{ background: {self.muted}; color: {self.background}; }}
        QPushButton#hurt {{ background: {self.danger}; color: {self.danger_text};
                            border-color: {self.danger}; font-size: {round(30 * scale)}px; }}
        QPushButton#primary {{ background: {self.accent}; color: {self.background}; border-color: {self.accent}; }}
        QLabel#title {{ font-size: {round(54 * scale)}px; font-weight: 700; }}
        QLabel#instruction {{ font-size: {round(38 * scale)}px; font-weight: 600; }}
        QLabel#where {{ font-size: {round(32 * scale)}px; color: {self.accent}; font-weight: 700; }}
        QLabel#caption {{ font-size: {round(26 * scale)}px; font-style: italic;
                          background: {self.caption_bg}; padding: 8px; border-radius: 8px; }}
        QLabel#details {{ font-size: {round(30 * scale)}px; }}
        QLabel#muted {{ color: {self.muted}; font-size: {round(24 * scale)}px; }}
        QLabel#notice {{ color: {self.danger}; font-size: {round(20 * scale)}px; }}
        QListWidget, QTextBrowser {{ font-size: {round(24 * scale)}px; border: 2px solid {self.muted}; }}
        QListWidget {{ padding: 2px 4px; }}
        QListWidget#sections {{ font-size: {base}px; }}
        QPushButton#day {{ padding: {round(6 * scale)}px {round(8 * scale)}px; }}
        QListWidget::item:selected {{ background: {self.accent}; color: {self.background}; }}
        QListWidget::indicator {{ width: {box}px; height: {box}px; border: 3px solid {self.text};
                                  border-radius: 4px; background: {self.background}; }}
        QListWidget::indicator:checked {{ background: {self.accent}; border: 3px solid {self.text}; }}
        QProgressBar {{ border: 2px solid {self.muted}; border-radius: 8px; height: {min(28, round(22 * scale))}px;
                        text-align: center; font-size: {round(18 * scale)}px; }}
        QProgressBar::chunk {{ background: {self.accent}; border-radius: 6px; }}
        QLabel[error="true"] {{ color: {self.danger}; font-weight: 700; }}
        QCheckBox {{ spacing: {round(12 * scale)}px; }}
        QCheckBox::indicator {{ width: {box}px; height: {box}px; border: 3px solid {self.text};
                                border-radius: 4px; background: {self.background}; }}
        QCheckBox::indicator:checked {{ background: {self.accent};
                                        border: 3px solid {self.text}; }}
        QCheckBox:focus {{ color: {self.accent}; }}
        QSpinBox, QDoubleSpinBox, QTimeEdit, QLineEdit, QComboBox {{
            border: 2px solid {self.text}; border-radius: 6px; background: {self.background};
            color: {self.text}; padding: {round(4 * scale)}px {round(8 * scale)}px;
            min-height: {round(30 * scale)}px; }}
        QSpinBox:focus, QDoubleSpinBox:focus, QTimeEdit:focus, QLineEdit:focus, QComboBox:focus {{
            border: 3px solid {self.accent}; }}
        QSpinBox::up-button, QDoubleSpinBox::up-button, QSpinBox::down-button,
        QDoubleSpinBox::down-button {{ width: {round(24 * scale)}px; }}
        QSpinBox::up-arrow, QDoubleSpinBox::up-arrow, QSpinBox::down-arrow,
        QDoubleSpinBox::down-arrow {{ width: {round(12 * scale)}px; height: {round(12 * scale)}px; }}
        QComboBox QAbstractItemView {{ background: {self.background}; color: {self.text};
            selection-background-color: {self.accent}; selection-color: {self.background}; }}
        QGroupBox {{ border: 2px solid {self.muted}; border-radius: 8px;
                     margin-top: {round(18 * scale)}px; padding-top: {round(10 * scale)}px;
                     font-weight: 700; }}
        QGroupBox::title {{ subcontrol-origin: margin; left: 10px; padding: 0 4px; }}
        QTabBar::tab {{ padding: {round(8 * scale)}px {round(14 * scale)}px;
                        border: 2px solid {self.muted}; border-bottom: none;
                        background: {self.caption_bg}; color: {self.text}; }}
        QTabBar::tab:selected {{ background: {self.accent}; color: {self.background}; }}
        QTabWidget::pane {{ border: 2px solid {self.muted}; }}
        QSlider::groove:horizontal {{ height: {round(8 * scale)}px; background: {self.ring_track};
                                      border: 1px solid {self.text}; border-radius: 4px; }}
        QSlider::handle:horizontal {{ width: {round(24 * scale)}px; margin: -{round(9 * scale)}px 0;
                                      background: {self.accent}; border: 2px solid {self.text};
                                      border-radius: {round(6 * scale)}px; }}
        QHeaderView::section {{ background: {self.caption_bg}; color: {self.text};
                                border: 1px solid {self.muted}; padding: 4px 8px; font-weight: 700; }}
        QTableView, QTableWidget {{ gridline-color: {self.muted}; background: {self.background};
                                    color: {self.text}; }}
        QScrollBar:vertical {{ width: {round(18 * scale)}px; background: {self.caption_bg}; }}
        QScrollBar::handle:vertical {{ background: {self.muted}; min-height: 30px;
                                       border-radius: 6px; }}
        QMenuBar, QMenu {{ font-size: {min(base, 28)}px; }}
        QMenu::item:selected, QMenuBar::item:selected {{ background: {self.accent};
                                                         color: {self.background}; }}
        """


NORMAL = Theme(
    background="#fbfaf7",
    text="#1d2433",
    muted="#5b6475",
    accent="#1f5fa8",
    danger="#c62828",
    danger_text="#ffffff",
    ring_track="#d9dee7",
    caption_bg="#eef1f6",
)
HIGH_CONTRAST = Theme(
    background="#000000",
    text="#ffffff",
    muted="#e0e0e0",
    accent="#ffd400",
    danger="#ff4d4d",
    danger_text="#000000",
    ring_track="#444444",
    caption_bg="#1a1a1a",
)


def theme_for(high_contrast: bool) -> Theme:
    return HIGH_CONTRAST if high_contrast else NORMAL
