"""The studio window's state as plain Python: typed change events, no Qt.

A layer of its own between the API and the Qt layer: it may import the problems and
the engine, and the Qt layer wraps it (``gdstudio.qt.model.StudioModel``) so that
widgets keep receiving Qt signals. Tests drive it without Qt.
"""

from gdstudio.state.signal import Signal
from gdstudio.state.studio import (
    DEFAULT_EXAMPLE,
    NEW_VARIABLE_START,
    DataSettingName,
    DataSettings,
    Draft,
    Mode,
    SettingName,
    StudioState,
)

__all__ = [
    "DEFAULT_EXAMPLE",
    "NEW_VARIABLE_START",
    "DataSettingName",
    "DataSettings",
    "Draft",
    "Mode",
    "SettingName",
    "Signal",
    "StudioState",
]
