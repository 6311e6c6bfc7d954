"""The one error type of project files."""

from __future__ import annotations

from gdstudio.problems.checks import ExperimentError

__all__ = ["ProjectError", "ProjectTooLargeError"]


class ProjectError(ExperimentError):
    """A project file that cannot be opened or saved, or project data that is not valid.

    ``str(error)`` is one sentence that says what is wrong and where, e.g.
    ``"lesson.gdstudio: settings.learning_rate must be a positive number, not -1"``.

    Parameters
    ----------
    message : str
        The sentence (line breaks are folded into spaces).
    """

    __module__ = "gdstudio.io"  # where users import it from

    def __init__(self, message: str) -> None:
        self.message: str = " ".join(str(message).split())
        super().__init__(self.message)

    def __reduce__(self) -> tuple[type[ProjectError], tuple[str]]:  # type: ignore[override]
        return (type(self), (self.message,))


class ProjectTooLargeError(ProjectError):
    """A project that would exceed the size limits of a project file."""

    __module__ = "gdstudio.io"
