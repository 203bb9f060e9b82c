"""``python -m workbook`` is the ``ip-workbook`` command (see :mod:`workbook.cli`)."""

import sys

from workbook.cli import main

sys.exit(main())
