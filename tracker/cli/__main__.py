"""`python -m tracker.cli`: the `tracker` command without the installed script."""

import sys

from tracker.cli import main

sys.exit(main())
