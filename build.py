#!/usr/bin/env python3
"""Build clinic handouts: `python build.py --help`. A thin entry point over handouts.cli."""

import sys

from handouts.cli import main

if __name__ == "__main__":
    sys.exit(main())
