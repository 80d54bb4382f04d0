#!/usr/bin/env python3
"""run.py -- builds the libFuzzer targets (`make fuzz`) and runs each.

    python3 tests/fuzz/run.py                  # smoke: ~12 s per target
    python3 tests/fuzz/run.py --long           # >= 10 M executions each
    python3 tests/fuzz/run.py fuzz_query --seconds 60
    BUREAU_TEST_LONG=1 python3 tests/fuzz/run.py   # same as --long

Each target starts from its committed seeds (tests/fuzz/corpus/NAME,
copied: the committed corpus never changes) with its dictionary, under
ASan+UBSan.  A target passes when libFuzzer exits 0 and left no crash,
leak, timeout or out-of-memory artifact; a failure prints the finding's
report and keeps the input in BUILD/tests/fuzz/findings/.  The long form
runs every target to --runs executions (default 10,000,000, capped by
--hours per target), at low priority, adds each target's figures to
BUILD/tests/fuzz/long-run.json as it finishes (a campaign may be run
target by target; the file keeps each target's last run with its commit)
and prints them all as a Markdown table (docs/RELIABILITY.md records it).  Two targets run at a time on a machine with two
cores or more.  Ends with "N passed, N failed[, N skipped]".

Environment: BUREAU_BUILDDIR (default <repo>/build), BUREAU_FUZZ_SECONDS
(smoke seconds per target), FUZZ_CC (clang).
"""

import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
BUILD = os.path.abspath(os.environ.get("BUREAU_BUILDDIR") or
                        os.path.join(REPO, "build"))
OUT = os.path.join(BUILD, "tests", "fuzz")

# target -> dictionary; the request-level targets restore their database
# less often in long runs (FZ_RESTORE_EVERY, see fz.c) to reach 10 M.
TARGETS = {
    "fuzz_query": None,
    "fuzz_path": "http.dict",
    "fuzz_cookies": None,
    "fuzz_media_type": None,
    "fuzz_router": "http.dict",
    "fuzz_config": None,
    "fuzz_fcgi": "http.dict",
    "fuzz_projects": "json.dict",
    "fuzz_staff": "json.dict",
    "fuzz_expos": "json.dict",
    "fuzz_regions": "json.dict",
    "fuzz_import": None,
}
SLOW = {"fuzz_fcgi", "fuzz_projects", "fuzz_staff", "fuzz_expos",
        "fuzz_regions", "fuzz_import"}
ARTIFACT_RE = re.compile(r"^(crash|leak|timeout|oom|slow-unit)-")


def log(msg):
    print(msg, flush=True)


def build():
    if shutil.which(os.environ.get("FUZZ_CC", "clang")) is None:
        return "skip", "clang not installed (Debian package clang)"
    if not os.path.exists(os.path.join(BUILD, "Makefile")):
        return "fail", "no configured build in %s" % BUILD
    t0 = time.time()
    jobs = str(min(2, os.cpu_count() or 1))
    r = subprocess.run(["make", "-C", BUILD, "-s", "-j" + jobs, "fuzz"] +
                       (["FUZZ_CC=" + os.environ["FUZZ_CC"]]
                        if os.environ.get("FUZZ_CC") else []),
                       capture_output=True, text=True)
    if r.returncode != 0:
        return "fail", "make fuzz failed:\n" + (r.stdout + r.stderr)[-4000:]
    return "ok", "built in %.0fs" % (time.time() - t0)


def run_target(name, seconds, runs, hours, long_run, work):
    exe = os.path.join(OUT, name)
    seeds = os.path.join(HERE, "corpus", name)
    corpus = os.path.join(work, "corpus-" + name)
    arts = os.path.join(work, "artifacts-" + name)
    os.makedirs(corpus)
    os.makedirs(arts)
    cmd = ["nice", "-n", "19" if long_run else "5", exe,
           "-timeout=25", "-rss_limit_mb=2560", "-print_final_stats=1",
           "-artifact_prefix=" + arts + "/", "-close_fd_mask=1"]
    if TARGETS[name]:
        cmd.append("-dict=" + os.path.join(HERE, TARGETS[name]))
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:allocator_may_return_null=1")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    if long_run:
        cmd += ["-runs=%d" % runs, "-max_total_time=%d" % int(hours * 3600)]
        if name in SLOW:
            env.setdefault("FZ_RESTORE_EVERY", "32")
    else:
        cmd.append("-max_total_time=%d" % seconds)
    cmd += [corpus, seeds]
    logf = os.path.join(work, name + ".log")
    t0 = time.time()
    with open(logf, "wb") as lf:
        rc = subprocess.call(cmd, stdout=lf, stderr=subprocess.STDOUT,
                             env=env, cwd=work,
                             timeout=(hours * 3600 + 600) if long_run
                             else seconds + 300)
    dt = time.time() - t0
    with open(logf, "rb") as lf:
        text = lf.read().decode("utf-8", "replace")
    execs = re.findall(r"stat::number_of_executed_units: (\d+)", text)
    rate = re.findall(r"stat::average_exec_per_sec:\s+(\d+)", text)
    cov = re.findall(r"cov: (\d+) ft: (\d+) corp: (\d+)", text)
    found = sorted(f for f in os.listdir(arts) if ARTIFACT_RE.match(f))
    res = {
        "target": name, "rc": rc, "seconds": round(dt),
        "execs": int(execs[-1]) if execs else 0,
        "exec_per_sec": int(rate[-1]) if rate else 0,
        "cov": int(cov[-1][0]) if cov else 0,
        "features": int(cov[-1][1]) if cov else 0,
        "corpus": int(cov[-1][2]) if cov else 0,
        "findings": found,
        "env": {k: env[k] for k in ("FZ_RESTORE_EVERY",) if k in env},
    }
    if rc != 0 or found:
        keep = os.path.join(OUT, "findings")
        os.makedirs(keep, exist_ok=True)
        for f in found:
            shutil.copy(os.path.join(arts, f),
                        os.path.join(keep, name + "-" + f))
        res["report"] = "\n".join(text.splitlines()[-60:])
    return res


def source_commit():
    try:
        r = subprocess.run(["git", "-C", REPO, "rev-parse", "--short=12",
                            "HEAD"], capture_output=True, text=True)
        return r.stdout.strip() if r.returncode == 0 else "?"
    except OSError:
        return "?"


def record_long(result, runs_goal, commit):
    """Adds one target's long-run figures to BUILD/tests/fuzz/long-run.json
    as soon as it finishes, so a campaign cut short (or run target by
    target over several sittings) keeps what it did."""
    path = os.path.join(OUT, "long-run.json")
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError):
        data = {"runs_goal": runs_goal, "results": []}
    r = dict(result, commit=commit,
             date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
    if r["rc"] == 0 and not r.get("findings"):
        r.pop("report", None)
    data["results"] = [x for x in data["results"]
                       if x["target"] != r["target"]] + [r]
    data["runs_goal"] = runs_goal
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=1)
    os.replace(tmp, path)
    return data


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("targets", nargs="*")
    ap.add_argument("--long", action="store_true",
                    default=os.environ.get("BUREAU_TEST_LONG") == "1")
    ap.add_argument("--seconds", type=int,
                    default=int(os.environ.get("BUREAU_FUZZ_SECONDS", "12")))
    ap.add_argument("--runs", type=int, default=10_000_000)
    ap.add_argument("--hours", type=float, default=6.0,
                    help="long form: time cap per target")
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    args = ap.parse_args()
    names = args.targets or list(TARGETS)
    for n in names:
        if n not in TARGETS:
            log("unknown target %s (known: %s)" % (n, " ".join(TARGETS)))
            return 2

    state, msg = build()
    log("fuzz: %s" % msg)
    if state == "skip":
        log("0 passed, 0 failed, %d skipped" % len(names))
        return 0
    if state == "fail":
        log("0 passed, 1 failed")
        return 1

    work = tempfile.mkdtemp(prefix="bureau-fuzz-")
    passed = failed = 0
    results = []
    commit = source_commit()
    try:
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            futs = {pool.submit(run_target, n, args.seconds, args.runs,
                                args.hours, args.long, work): n
                    for n in names}
            for fut in concurrent.futures.as_completed(futs):
                n = futs[fut]
                try:
                    r = fut.result()
                except Exception as e:          # noqa: BLE001
                    r = {"target": n, "rc": -1, "findings": [],
                         "report": repr(e), "execs": 0, "seconds": 0,
                         "exec_per_sec": 0, "cov": 0}
                results.append(r)
                if args.long:
                    record_long(r, args.runs, commit)
                ok = r["rc"] == 0 and not r["findings"]
                line = ("%-5s %s: %d execs in %ds (%d/s), cov %d"
                        % ("ok" if ok else "FAIL", n, r["execs"],
                           r["seconds"], r["exec_per_sec"], r["cov"]))
                if args.long and ok and r["execs"] < args.runs:
                    line += "  (time cap reached before %d)" % args.runs
                log(line)
                if ok:
                    passed += 1
                else:
                    failed += 1
                    log("-" * 70 + "\n" + r.get("report", "") + "\n" +
                        "-" * 70)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    results.sort(key=lambda r: names.index(r["target"]))
    if args.long:
        # Every target recorded so far in this build directory, this
        # campaign's and earlier ones' (each with its commit and date).
        path = os.path.join(OUT, "long-run.json")
        with open(path) as f:
            done = json.load(f)["results"]
        order = list(TARGETS)
        done.sort(key=lambda r: order.index(r["target"])
                  if r["target"] in order else len(order))
        log("\n| target | executions | exec/s | coverage | seconds | "
            "findings | commit, date |\n|---|---:|---:|---:|---:|---|---|")
        for r in done:
            log("| %s | %s | %d | %d | %d | %s | %s, %s |"
                % (r["target"], "{:,}".format(r["execs"]),
                   r["exec_per_sec"], r["cov"], r["seconds"],
                   ", ".join(r["findings"]) or
                   ("none" if r["rc"] == 0 else "exit %d" % r["rc"]),
                   r.get("commit", "?"), r.get("date", "?")))
        log("(figures in %s)" % path)
    log("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
