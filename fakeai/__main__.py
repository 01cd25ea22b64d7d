"""``python -m fakeai serve`` and ``python -m fakeai validate``."""

import sys

from .cli import main

sys.exit(main())
