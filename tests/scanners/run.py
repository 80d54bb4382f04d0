#!/usr/bin/env python3
"""run.py -- the scanner suite (tests/scanners/test_*.py), run by
tests/integration/run.py's runner: one line per check, the log tails of
each failure, a last line "N passed, N failed".  BUREAU_TEST_LONG=1 (or
scripts/test --long) for the long form.  Arguments as for
tests/integration/run.py (patterns, -k).
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
RUNNER = os.path.join(HERE, "..", "integration", "run.py")
os.execv(sys.executable, [sys.executable, RUNNER, "--dir", HERE] +
         sys.argv[1:])
