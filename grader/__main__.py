"""`python -m grader <subcommand>`: see grader/cli.py."""

import sys

from grader.cli import main, speed_up_imports

speed_up_imports()

sys.exit(main())
