"""`python -m qspace.cli` runs the command line (the same as the `qspace` script)."""

import sys

from qspace.cli import main

sys.exit(main())
