"""``python -m fuzz``: the same as ``python -m fuzz.run``."""

import sys

from fuzz.run import main

sys.exit(main())
