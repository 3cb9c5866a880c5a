"""``python -m faults`` (with ``tests`` on the path): the fault suite, see run.py."""

import sys

from faults.run import main

sys.exit(main())
