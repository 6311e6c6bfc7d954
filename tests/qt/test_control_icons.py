"""The run controls have drawn icons (no font glyphs) that show in every theme."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QApplication, QToolBar, QToolButton

from gdstudio.qt.icons import CONTROLS, control_icon
from gdstudio.qt.preferences import Preferences, apply_application_theme
from gdstudio.qt.run.pace import speed_text
from gdstudio.qt.window import SPEEDS
from tests.qt.helpers import window

__all__ = ["window"]

CONTROL_ACTIONS = ("action_run", "action_pause", "action_step", "action_step_back",
                   "action_reset")


@pytest.fixture(autouse=True)
def platform_look_restored() -> Iterator[None]:
    yield
    apply_application_theme(Preferences())


def opaque_pixels(image: QImage) -> list[QColor]:
    return [image.pixelColor(x, y) for x in range(image.width()) for y in range(image.height())
            if image.pixelColor(x, y).alpha() > 200]


def lightness_gap(a: QColor, b: QColor) -> int:
    return abs(a.lightness() - b.lightness())


@pytest.mark.parametrize("name", CONTROLS)
def test_each_control_svg_draws_in_the_colour_asked_for(qapp, name):
    pixmap = control_icon(name, "#D9D9D9").pixmap(32, 32)
    inked = opaque_pixels(pixmap.toImage())
    assert len(inked) > 60, name  # a real shape, not a dot or an empty box
    assert all(abs(c.lightness() - QColor("#D9D9D9").lightness()) < 30 for c in inked)


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("presentation", [False, True])
def test_controls_have_visible_icons_in_every_theme(qtbot, window, theme, presentation):
    window.preferences.set_preferences(Preferences(theme=theme, presentation=presentation))
    toolbar = window.findChild(QToolBar, "controlsToolBar")
    background = QApplication.palette().color(QPalette.ColorRole.Window)
    qtbot.waitUntil(lambda: window.palette().color(QPalette.ColorRole.Window) == background)
    pictures = []
    for attribute in CONTROL_ACTIONS:
        action = getattr(window, attribute)
        assert not action.icon().isNull(), attribute
        assert "▶" not in action.text() and "⏸" not in action.text()
        image = action.icon().pixmap(toolbar.iconSize()).toImage()
        inked = opaque_pixels(image)
        assert len(inked) > 0.08 * image.width() * image.height(), attribute  # a shape
        assert toolbar.iconSize().height() >= toolbar.fontMetrics().height()  # as big as text
        # Drawn in the text colour, so it stands out from the window behind it.
        assert min(lightness_gap(c, background) for c in inked) > 90, (attribute, theme)
        pictures.append(bytes(image.constBits()))
    assert len(set(pictures)) == len(CONTROL_ACTIONS)  # five different pictures
    buttons = [toolbar.widgetForAction(getattr(window, a)) for a in CONTROL_ACTIONS]
    visible = [b for b in buttons if isinstance(b, QToolButton) and b.isVisible()]
    assert visible and all(b.text() and not b.icon().isNull() for b in visible)


def test_speed_label_says_step_or_steps():
    assert speed_text(1) == "1 step/s"
    assert speed_text(2) == "2 steps/s"
    assert speed_text(0.5) == "0.5 steps/s"
    assert speed_text(float("inf")) == "fastest"


def test_speed_label_in_the_window_is_singular_at_one(window):
    window.speed_slider.setValue(SPEEDS.index(1))
    assert window.speed_value.text() == "1 step/s"
    window.speed_slider.setValue(SPEEDS.index(5))
    assert window.speed_value.text() == "5 steps/s"
    window.speed_slider.setValue(window.speed_slider.maximum())
    assert window.speed_value.text() == "fastest"
