"""A checked lesson and its pages: plain frozen data, shared by the reader and the writer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gdstudio.io._lesson_tasks import Task

__all__ = ["Lesson", "Page"]


@dataclass(frozen=True)
class Page:
    """One page of a lesson.

    Attributes
    ----------
    title : str
        Its heading.
    text : str
        Paragraphs, ``# headings``, ``- lists`` and ``**bold**`` (see
        :func:`gdstudio.lessons.page_html`).
    experiment : mapping or None
        What the page loads: exactly the keyword arguments of :func:`gdstudio.descend`
        (with ``expression``) or :func:`gdstudio.fit` (with ``data`` and ``model``).
    speed : float or None
        Steps per second the window runs it at (``inf``: as fast as it can).
    tasks : tuple of Task
        :class:`ReachTask`, :class:`PredictTask` and :class:`ChooseTask`, in order.
    """

    title: str
    text: str
    experiment: Mapping[str, Any] | None = None
    speed: float | None = None
    tasks: tuple[Task, ...] = ()


@dataclass(frozen=True)
class Lesson:
    """A checked lesson: an id, a title, a summary and its pages.

    Attributes
    ----------
    source : str
        The file's text, as the teacher wrote it.
    origin : str
        The file's name (or ``<text>``), used in messages.
    """

    id: str
    title: str
    summary: str
    pages: tuple[Page, ...]
    source: str = ""
    origin: str = "<text>"

    @property
    def tasks(self) -> tuple[Task, ...]:
        """Every task of every page, in order."""
        return tuple(task for page in self.pages for task in page.tasks)
