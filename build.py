#!/usr/bin/env python3
"""Build clinic handouts: `python build.py --help`. A thin entry point over handouts.cli."""

from handouts.cli import leave, main

if __name__ == "__main__":
    leave(main())
