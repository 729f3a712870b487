#!/usr/bin/env python3
"""Classic AGI entry point of pbx-controller: AGI(pbx-agi.py,<route>,<arg>...).

Asterisk runs it when the FastAGI server cannot be reached; see controller/agi/classic.py.
Install it with `pbxctl agi install-classic`, which points the first line at the Python
that has the controller installed.
"""

import sys

from controller.agi.classic import main

if __name__ == "__main__":
    sys.exit(main())
