#!/usr/bin/env python3
"""portal_stack.py -- the real stack for the browser tests.

Started by stack.mjs: uses the integration harness (tests/integration/
harness.py) to run bureaud + nginx in a temporary directory, loads the demo
dataset, adds one user per role, prints one JSON line

    {"ready": true, "base_url": ..., "users": {"admin": {...}, ...},
     "demo": {"rc": 0, "out": "..."}, "plugins": [...]}

and then serves commands, one JSON object per line on stdin, each answered
by one JSON line on stdout:

    {"op": "bureauctl", "args": [...], "input": "..."} -> {"rc", "stdout", "stderr"}
    {"op": "add_user", "username": ..., "role": ...}  -> {"password": ...}
    {"op": "sql", "query": ...}                        -> {"rows": [...]}
    {"op": "set_clock", "offset": seconds}             -> {"ok": true}  (injected clock)
    {"op": "stop"} or end of input                     -> stops and exits

Arguments: the plugins to enable (default: staff projects expos regions,
those that are built); --crashes-expected when the test crashes a worker on
purpose (hello's /api/v1/hello/crash): the harness then accepts the reports
a deliberate crash leaves in the logs.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import harness  # noqa: E402

ROLES = ("admin", "officer", "viewer", "auditor")


def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main():
    args = sys.argv[1:]
    crashes = "--crashes-expected" in args
    wanted = [a for a in args if not a.startswith("--")] or [
        "staff", "projects", "expos", "regions"]
    built = harness.built_plugins()
    names = set(built) if isinstance(built, dict) else {
        (b[0] if isinstance(b, (list, tuple)) else os.path.basename(str(b)).split(".")[0])
        for b in built}
    plugins = [p for p in wanted if p in names]
    p = harness.Portal(plugins=plugins, tls=False, clock=True,
                       crashes_expected=crashes, name="browser")
    users = {}
    try:
        demo = p.bureauctl("demo")
        for role in ROLES:
            name = "ui" + role
            users[role] = {"username": name, "password": p.add_user(name, role)}
        p.start()
        reply({"ready": True, "base_url": p.base_url, "users": users,
               "plugins": plugins, "missing_plugins": [x for x in wanted if x not in plugins],
               "dir": p.dir,
               "demo": {"rc": demo.returncode,
                        "out": (demo.stdout + demo.stderr)[-2000:]}})
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            try:
                cmd = json.loads(line)
                op = cmd.get("op")
                if op == "stop":
                    break
                if op == "bureauctl":
                    r = p.bureauctl(*cmd.get("args", []), input=cmd.get("input"))
                    reply({"rc": r.returncode, "stdout": r.stdout, "stderr": r.stderr})
                elif op == "add_user":
                    reply({"password": p.add_user(cmd["username"], cmd["role"], cmd.get("password"))})
                elif op == "sql":
                    reply({"rows": [list(r) for r in p.sql(cmd["query"], tuple(cmd.get("params", ())))]})
                elif op == "set_clock":
                    p.set_clock(int(cmd["offset"]))
                    reply({"ok": True})
                elif op == "log":
                    reply({"log": p.log_tail(int(cmd.get("lines", 60)))})
                else:
                    reply({"error": "unknown op %r" % op})
            except Exception as e:  # report, keep serving
                reply({"error": "%s: %s" % (type(e).__name__, e)})
    except Exception as e:
        reply({"ready": False, "error": "%s: %s" % (type(e).__name__, e)})
        raise
    finally:
        try:
            p.stop()
        except AssertionError as e:  # sanitizer reports in the logs
            sys.stderr.write("portal_stack: %s\n" % e)
        except Exception as e:
            sys.stderr.write("portal_stack: stop: %s\n" % e)
        try:
            p.cleanup()
        except Exception:
            pass


if __name__ == "__main__":
    main()
