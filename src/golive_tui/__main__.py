"""`python -m golive_tui` is the same as the `golive` command."""

import sys

from golive_tui.cli import main

sys.exit(main())
