"""Kept so that `python -m pirounet.sweep` still works; see pirounet/run/sweep.py."""
import sys

from pirounet.run.sweep import main

if __name__ == "__main__":
    sys.exit(main())
