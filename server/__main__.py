"""``python -m server`` is the ``kigraph`` command."""

import sys

from .cli import main

sys.exit(main())
