"""Branches: "what if" runs forked from any step, drawn and listed beside the main run."""

from gdstudio.qt.branches.controller import BranchesController

__all__ = ["BranchesController"]
