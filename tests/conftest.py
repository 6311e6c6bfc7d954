"""Shared test configuration: Qt runs offscreen, with no display needed."""

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("LANG", "C.UTF-8")


@pytest.fixture(scope="session")
def qapp_cls():
    """The app's own QApplication, whose workers stand aside while it handles events."""
    from gdstudio.qt.ui_gate import GatedApplication

    return GatedApplication
