"""test_docs -- the documentation stays true to the code.

The API index (docs/api/README.md) must list exactly the routes of the
core's and the plugins' route tables, with their permissions, each linked
to a page that documents it; docs/api/check-index.py does the comparing.
"""

import os
import subprocess
import sys

from harness import TestCase

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


class ApiIndex(TestCase):
    def test_index_matches_route_tables(self):
        r = subprocess.run(
            [sys.executable, os.path.join(TOP, "docs", "api",
                                          "check-index.py")],
            capture_output=True, text=True, cwd=TOP, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn(" 0 problems", r.stdout)
