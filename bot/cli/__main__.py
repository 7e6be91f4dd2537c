"""`python -m bot.cli`, as the `pcso-bot` console script."""

import sys

from bot.cli import main

sys.exit(main())
