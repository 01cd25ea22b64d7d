"""``python -m fakeai serve``."""

import sys

from .cli import main

sys.exit(main())
