"""The animation room: a run as an animated GIF, drawn by the real plots frame by frame.

- :mod:`~gdstudio.qt.animation.frames`: which rows each frame shows (numpy only).
- :mod:`~gdstudio.qt.animation.gif`: the GIF encoder (Pillow, one palette, deltas).
- :mod:`~gdstudio.qt.animation.render`: grabbing frames in slices; encoding in a thread.
- :mod:`~gdstudio.qt.animation.dialog`: File ▸ Export ▸ Animation….
- :mod:`~gdstudio.qt.animation.offscreen`: the command line's ``--animate``.
"""
