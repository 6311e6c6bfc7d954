"""``python -m gdstudio`` opens the app."""

import sys

from gdstudio.app import main

sys.exit(main())
