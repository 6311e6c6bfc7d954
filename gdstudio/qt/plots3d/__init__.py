"""The 3-D room: the surface of a two-variable function or loss, with the run's path on it.

- :class:`~gdstudio.qt.plots3d.landscape.LandscapeView`: a two-variable page (map, 3-D
  or both), which falls back to the map where OpenGL is not available.
- :mod:`~gdstudio.qt.plots3d.mesh`: the mesh, colours and path heights (numpy only).
- :func:`~gdstudio.qt.plots3d.gl_check.opengl_problem`: whether OpenGL works here.

The OpenGL widget (:mod:`~gdstudio.qt.plots3d.view`) is imported only when it is shown.
"""

from gdstudio.qt.plots3d.gl_check import opengl_problem
from gdstudio.qt.plots3d.landscape import LandscapeView

__all__ = ["LandscapeView", "opengl_problem"]
