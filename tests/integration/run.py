#!/usr/bin/env python3
"""run.py -- runs bureau's integration tests (tests/integration/test_*.py).

    python3 tests/integration/run.py                 # all
    python3 tests/integration/run.py foundation tls  # modules matching
    python3 tests/integration/run.py test_foundation.Routing.test_405
    python3 tests/integration/run.py -k query        # test ids containing
    python3 tests/integration/run.py --dir tests/hostile   # another suite

A pattern matches a module name (with or without "test_") or the start of
a test id.  Prints one line per test, the traceback and the bureaud/nginx
log tails of each failure, and last a line "N passed, N failed[, N
skipped]"; exits 1 on any failure.  The build comes from $BUREAU_BUILDDIR
(default <repo>/build).
"""

import argparse
import io
import os
import sys
import time
import traceback
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402


def iter_tests(suite):
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from iter_tests(t)
        else:
            yield t


def select(tests, patterns, keywords):
    out = []
    for t in tests:
        tid = t.id()
        module = tid.split(".", 1)[0]
        if patterns:
            ok = False
            for p in patterns:
                p = p[:-3] if p.endswith(".py") else p
                p = os.path.basename(p)
                if (module == p or module == "test_" + p
                        or tid.startswith(p) or tid.startswith("test_" + p)):
                    ok = True
            if not ok:
                continue
        if keywords and not any(k in tid for k in keywords):
            continue
        out.append(t)
    return out


class Result(unittest.TestResult):
    """Prints as it goes; keeps counts."""

    def __init__(self, stream):
        super().__init__()
        self.stream = stream
        self.passed = 0
        self.failed_ids = []
        self.t0 = {}
        self.portals_before = set()

    def _line(self, test, word, extra=""):
        dt = time.time() - self.t0.get(test.id(), time.time())
        self.stream.write("%-5s %s (%.1fs)%s\n" % (word, test.id(), dt,
                                                     extra))
        self.stream.flush()

    def startTest(self, test):
        super().startTest(test)
        self.t0[test.id()] = time.time()
        self.test_start = time.time()

    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed += 1
        self._line(test, "ok")

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._line(test, "skip", " -- " + reason)

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self.passed += 1
        self._line(test, "xfail")

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self.failed_ids.append(test.id())
        self._line(test, "XPASS")

    def _report(self, test, err, word):
        self.failed_ids.append(test.id())
        self._line(test, word)
        w = self.stream.write
        w("-" * 70 + "\n")
        w("".join(traceback.format_exception(*err)))
        start = getattr(self, "test_start", 0) - 0.2
        for p in harness.ALL:
            # The portals that were alive during this test.
            if p.started_at is None:
                continue
            if p.stopped_at is not None and p.stopped_at < start:
                continue
            w("\n[portal %s]\n%s\n" % (p.dir, p.log_tail(40)))
        w("-" * 70 + "\n")
        self.stream.flush()

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._report(test, err, "FAIL")

    def addError(self, test, err):
        super().addError(test, err)
        self._report(test, err, "ERROR")

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            if issubclass(err[0], test.failureException):
                self._report(subtest, err, "FAIL")
            else:
                self._report(subtest, err, "ERROR")


def run_parallel(args, tests):
    """Each module in a process of its own, N at a time; their output is
    printed whole as each finishes."""
    import concurrent.futures
    import re
    import subprocess
    modules = []
    for t in tests:
        m = t.id().split(".", 1)[0]
        if m not in modules:
            modules.append(m)
    ids = {t.id() for t in tests}

    def one(module):
        cmd = [sys.executable, os.path.abspath(__file__), "--dir", args.dir,
               "-j", "1"]
        # Only the selected tests of this module.
        for tid in sorted(ids):
            if tid.split(".", 1)[0] == module:
                cmd.append(tid)
        t0 = time.time()
        r = subprocess.run(cmd, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        return module, r.returncode, r.stdout, time.time() - t0

    passed = failed = skipped = 0
    failed_modules = []
    t0 = time.time()
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as ex:
        for module, rc, out, dt in ex.map(one, modules):
            lines = out.splitlines()
            sys.stdout.write("=== %s (%.0fs)\n" % (module, dt))
            sys.stdout.write("\n".join(lines[1:]) + "\n")
            sys.stdout.flush()
            m = None
            for line in reversed(lines):
                m = re.match(r"^(\d+) passed, (\d+) failed(?:, (\d+) "
                             r"skipped)?$", line)
                if m:
                    break
            if m is None:
                failed += 1
                failed_modules.append(module)
                continue
            passed += int(m.group(1))
            failed += int(m.group(2))
            skipped += int(m.group(3) or 0)
            if rc != 0:
                failed_modules.append(module)
                if int(m.group(2)) == 0:
                    failed += 1
    print("\n%.0fs" % (time.time() - t0))
    if failed_modules:
        print("modules with failures: " + " ".join(failed_modules))
    line = "%d passed, %d failed" % (passed, failed)
    if skipped:
        line += ", %d skipped" % skipped
    print(line, flush=True)
    return 1 if failed else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("patterns", nargs="*")
    ap.add_argument("-k", dest="keywords", action="append", default=[],
                    help="only test ids containing this (repeatable)")
    ap.add_argument("--dir", default=HERE,
                    help="directory of test_*.py (default: this one)")
    ap.add_argument("--list", action="store_true", help="list test ids")
    ap.add_argument("-j", dest="jobs", type=int,
                    default=int(os.environ.get("BUREAU_TEST_JOBS", "1")),
                    help="run this many test modules at once, each in its "
                    "own process (default $BUREAU_TEST_JOBS or 1)")
    args = ap.parse_args()

    start_dir = os.path.abspath(args.dir)
    if start_dir not in sys.path:
        sys.path.insert(0, start_dir)
    loader = unittest.TestLoader()
    suite = loader.discover(start_dir, pattern="test_*.py",
                            top_level_dir=start_dir)
    tests = select(list(iter_tests(suite)), args.patterns, args.keywords)
    if args.list:
        for t in tests:
            print(t.id())
        return 0

    print("bureau integration tests: %d tests, build %s"
          % (len(tests), harness.BUILDDIR), flush=True)
    if args.jobs > 1:
        return run_parallel(args, tests)
    # Import errors show up as failing _FailedTest entries: counted.
    result = Result(sys.stdout)
    t0 = time.time()
    unittest.TestSuite(tests).run(result)
    harness._cleanup_all()
    failed = len(result.failed_ids)
    skipped = len(result.skipped)
    print("\n%.0fs" % (time.time() - t0))
    if failed:
        print("failed:")
        for tid in result.failed_ids:
            print("  " + tid)
    line = "%d passed, %d failed" % (result.passed, failed)
    if skipped:
        line += ", %d skipped" % skipped
    print(line, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
