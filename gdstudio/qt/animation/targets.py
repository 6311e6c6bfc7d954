"""The window's plots that can be animated: the main plot, the 3-D surface, the loss."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from gdstudio.qt.animation.render import AnimationTarget
from gdstudio.qt.host import HasDataMode, PlotsHost
from gdstudio.qt.plots3d import LandscapeView

__all__ = ["AnimationHost", "window_targets"]


@runtime_checkable
class AnimationHost(PlotsHost, HasDataMode, Protocol):
    """What is read of the main window: the plot in the centre (a data page among them)
    and the loss trace (not imported: the window imports the exports)."""


def window_targets(window: AnimationHost) -> list[AnimationTarget]:
    """The plots of ``window`` that can be animated now, main plot first.

    The 3-D surface is offered while it is shown (OpenGL draws only what is on screen).
    """
    page: Any = window.plot_stack.currentWidget()
    targets: list[AnimationTarget] = []
    landscape: LandscapeView | None = None
    if isinstance(page, LandscapeView):
        landscape = page
        targets.append(AnimationTarget("Main plot (map)", page.plot, page.set_history))
    elif page is getattr(window.data_mode, "view", None):
        landscape = page.loss_page if page.loss_stack.currentWidget() is page.loss_page else None

        def draw_data(history: Any, view: Any = page) -> None:
            view.set_history(history)
            view.draw_now()

        targets.append(AnimationTarget("Main plot (data and loss)", page, draw_data))
    elif page is not None and hasattr(page, "set_history"):
        targets.append(AnimationTarget("Main plot", page, page.set_history))
    surface = landscape.surface if landscape is not None else None
    if surface is not None and surface.isVisible():
        targets.append(AnimationTarget("3-D surface", surface, landscape.set_history))
    loss = window.traces.loss_plot
    targets.append(AnimationTarget("Loss", loss, loss.set_history))
    return targets
