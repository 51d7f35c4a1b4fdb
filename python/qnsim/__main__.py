"""``python -m qnsim``: the ``qnsim`` command."""

import sys

from qnsim.cli import main

sys.exit(main())
