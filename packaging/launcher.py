"""Entry point of the frozen app: PyInstaller runs this file as ``__main__``.

It is also what the expression helper process runs: ``multiprocessing``'s ``spawn``
re-executes the frozen executable with ``--multiprocessing-fork`` arguments, and
:func:`gdstudio.app.main` calls :func:`multiprocessing.freeze_support` before anything
else, which turns that process into the helper instead of a second window.
"""

import sys

from gdstudio.app import main

if __name__ == "__main__":
    sys.exit(main())
