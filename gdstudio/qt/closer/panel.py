"""The Curvature panel: an inspected point's numbers and what they say, in words."""

from __future__ import annotations

import html
import math

import numpy as np
from PySide6.QtWidgets import QTextBrowser, QWidget

from gdstudio.engine.explain import format_number
from gdstudio.problems.inspect import PointInspection

__all__ = ["CurvaturePanel", "inspection_html"]

_HINT = ("Turn on Inspect (Ctrl+I) and click the plot, or use Run ▸ Inspect Current Point "
         "(Ctrl+Shift+I): the value, the gradient, the Hessian and its eigenvalues there, "
         "what kind of point it is, and the local quadratic model drawn on the plot. "
         "Esc clears it.")


def _vector(values: np.ndarray) -> str:
    return "(" + ", ".join(format_number(v + 0.0) for v in values) + ")"  # no −0


def _matrix(matrix: np.ndarray) -> str:
    if matrix.shape == (1, 1):
        return format_number(matrix[0, 0])
    return "[" + "; ".join("  ".join(format_number(v + 0.0) for v in row) for row in matrix) + "]"


def _limit_sentence(limit: float | None, formula: str, method: str) -> str:
    if limit is None:
        return "no simple stable learning rate here (the Hessian is not available)"
    if math.isinf(limit):
        return f"{method}: no learning rate overshoots here (λmax ≤ 0)"
    return f"{method} is stable here while α &lt; {formula} = {format_number(limit)}"


def inspection_html(
    inspection: PointInspection, limit: float | None, formula: str, method: str
) -> str:
    """The inspection as the panel shows it (HTML): words first, then the numbers.

    Parameters
    ----------
    inspection : PointInspection
        What :func:`~gdstudio.problems.inspect.inspect_objective` found.
    limit : float or None
        The stable learning rate there (``math.inf`` where λmax ≤ 0).
    formula : str
        How the limit is written, e.g. ``2/λmax``.
    method : str
        The optimizer it is for, in words.
    """
    names = inspection.param_names
    one = len(names) == 1
    where = ", ".join(f"{n} = {format_number(v)}" for n, v in zip(names, inspection.point,
                                                                    strict=True))
    rows = [("f", format_number(inspection.value))]
    if one:
        rows += [("f′", format_number(inspection.gradient[0])),
                 ("f″", format_number(inspection.hessian[0, 0]))]
    else:
        rows += [("∇f", _vector(inspection.gradient)), ("H", _matrix(inspection.hessian))]
        for index, value in enumerate(inspection.eigenvalues):
            rows.append((f"λ{'₁₂₃₄₅₆₇₈₉'[index] if index < 9 else index + 1}",
                         f"{format_number(value)} along "
                         f"{_vector(inspection.eigenvectors[:, index])}"))
    model = inspection.quadratic_model()
    stationary = model.stationary_point
    if stationary is not None:
        place = format_number(stationary[0]) if one else _vector(stationary)
        word = "bottom" if inspection.kind == "minimum" else (
            "top" if inspection.kind == "maximum" else "centre")
        rows.append(("model", f"its {word} is at {place}"
                     + (" (where Newton's full step goes)" if inspection.kind == "minimum"
                        else "")))
    rows.append(("rate", _limit_sentence(limit, formula, method)))
    table = "".join(f"<tr><td><b>{html.escape(key)}</b>&nbsp;</td><td>{value}</td></tr>"
                    for key, value in rows)
    return (f"<p><b>At {html.escape(where)}: {html.escape(inspection.description)}.</b></p>"
            f"<table cellspacing='2'>{table}</table>")


class CurvaturePanel(QTextBrowser):
    """What the Inspect tool found, or one sentence saying why it found nothing."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("curvaturePanel")
        self.setAccessibleName("Curvature at the inspected point")
        self.setToolTip("The second-order view of the inspected point")
        font = self.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.setFont(font)
        self.show_hint()

    def show_hint(self) -> None:
        """How to inspect a point."""
        self.setPlainText(_HINT)

    def show_inspection(self, text_html: str) -> None:
        """Show an inspection (see :func:`inspection_html`)."""
        self.setHtml(text_html)

    def show_problem(self, sentence: str) -> None:
        """Say in one sentence why nothing could be inspected."""
        self.setPlainText(sentence)
