"""Write the gallery's examples as project files for teachers: resources/examples/*.gdstudio.

Run it again after changing ``gdstudio/problems/gallery.py``; the files are committed, and
``tests/problems/test_gallery.py`` checks that each one opens and equals its example.

    python resources/make_examples.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from gdstudio.io.project import SUFFIX, Project, save_project
from gdstudio.problems.gallery import EXAMPLES

FOLDER = Path(__file__).resolve().parent / "examples"


def main() -> int:
    """Write one file per example and remove files of examples that no longer exist."""
    FOLDER.mkdir(exist_ok=True)
    wanted = {item.key + SUFFIX for item in EXAMPLES}
    for item in EXAMPLES:
        save_project(Project.from_example(item), FOLDER / (item.key + SUFFIX))
    for stale in FOLDER.glob("*" + SUFFIX):
        if stale.name not in wanted:
            stale.unlink()
    print(f"wrote {len(wanted)} example projects to {FOLDER}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
