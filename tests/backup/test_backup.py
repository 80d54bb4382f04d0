"""test_backup -- the backup drill: `bureauctl backup` of a portal with
every bundled plugin and the demo data while writers keep writing, then
`bureauctl restore` into a fresh instance (its own directory, sockets
and port), which must serve the same figures.

  1. Under load: officers create projects (the current year's leads)
     while the backup runs.  Restored: every project answered 201 before
     the backup started is there, the database is intact (integrity,
     foreign keys, `bureauctl check`), the audit chain verifies with the
     original's key (a restore brings back the key file with the
     database), and the report cards of the demo years, untouched by the
     writers, are identical to the original's.
  2. Quiescent: a second backup after the writers stop, restored into
     another fresh instance: every figure identical -- report cards,
     project list totals and sums, expos and regions summaries.
"""

import json
import os
import shutil
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "hostile"))

import rel  # noqa: E402
from harness import Portal, TestCase  # noqa: E402

YEARS = (2019, 2020, 2021)
# Figures read from each instance: path -> what to compare.
FIGURES = ["/api/v1/report-card?year=%d" % y for y in YEARS] + [
    "/api/v1/projects?limit=200&sort=id",
    "/api/v1/problems?status=all&limit=200",
    "/api/v1/expos",
    "/api/v1/regions/summary",
    "/api/v1/regions/partners",
    "/api/v1/regions/parks",
]


def figures(client, paths):
    out = {}
    for p in paths:
        r = client.get(p)
        if r.status == 404:
            continue                    # plugin not built
        assert r.status == 200, (p, r)
        out[p] = strip_volatile(r.json)
    return out


def strip_volatile(j):
    """Drops what differs between instances for the same data: none of
    the figures, only request-time values (today's date, ages)."""
    if isinstance(j, dict):
        return {k: strip_volatile(v) for k, v in j.items()
                if k not in ("as_of_today", "generated_at", "age_days",
                             "request_id")}
    if isinstance(j, list):
        return [strip_volatile(v) for v in j]
    return j


class Writers:
    def __init__(self, portal, n=3):
        self.p = portal
        self.stop_ev = threading.Event()
        self.acked = []                 # (time answered, project id)
        self.errors = []
        self.threads = []
        self.users = [("bw%d" % i, portal.add_user("bw%d" % i, "officer"))
                      for i in range(n)]

    def run(self, user, pw):
        c = self.p.client(timeout=30)
        for _ in range(50):
            st = c.login(user, pw).status
            if st != 503:               # the hash cap: busy, retry
                break
            time.sleep(0.2)
        if st != 200:
            self.errors.append("login %s: %d" % (user, st))
            return
        i = 0
        while not self.stop_ev.is_set():
            i += 1
            r = c.post("/api/v1/projects", json={
                "name_en": "drill %s %d" % (user, i), "investor": "Drill",
                "investor_type": "private"})
            if r.status == 201:
                self.acked.append((time.time(), r.json["id"]))
            else:
                self.errors.append(repr(r))

    def start(self):
        for u, pw in self.users:
            t = threading.Thread(target=self.run, args=(u, pw), daemon=True)
            t.start()
            self.threads.append(t)
        return self

    def stop(self):
        self.stop_ev.set()
        for t in self.threads:
            t.join(30)


class BackupDrill(TestCase):

    @classmethod
    def setUpClass(cls):
        cls.a = rel.Admin("backup-src")
        cls.p = cls.a.p
        cls.others = []

    @classmethod
    def tearDownClass(cls):
        for o in cls.others:
            try:
                o.stop()
            except Exception:   # noqa: BLE001
                pass
        cls.a.stop()

    def restore_fresh(self, backup, name):
        """A new instance (same plugins, its own everything) whose
        database is the backup; started."""
        r = Portal(plugins=self.a.plugins, name=name)
        self.others.append(r)
        res = r.bureauctl("restore", backup)
        self.assertEqual(res.returncode, 0, res.stdout + res.stderr)
        # The audit chain's key travels with the database.
        shutil.copyfile(self.p.config["auth"]["audit_key"],
                        r.config["auth"]["audit_key"])
        r.start()
        c = r.client()
        self.assertEqual(c.login("root_admin", self.a.password).status, 200)
        return r, c

    def check_instance(self, r):
        ic, fk = rel.integrity(r.db_path)
        self.assertEqual(ic, [("ok",)])
        self.assertEqual(fk, [])
        for args in (("check",), ("audit", "verify")):
            res = r.bureauctl(*args)
            self.assertEqual(res.returncode, 0, "%s: %s %s" % (
                args, res.stdout, res.stderr))

    def test_1_backup_under_load(self):
        base = figures(self.a.c, FIGURES)
        w = Writers(self.p).start()
        try:
            deadline = time.time() + 30
            while len(w.acked) < 30 and time.time() < deadline:
                time.sleep(0.05)
            t0 = time.time()
            dest = os.path.join(self.p.dir, "drill-load.db")
            res = self.p.bureauctl("backup", dest)
            t1 = time.time()
            time.sleep(0.5)
        finally:
            w.stop()
        self.assertEqual(res.returncode, 0, res.stdout + res.stderr)
        self.assertEqual(w.errors, [])
        during = [i for t, i in w.acked if t0 < t < t1]
        print("\n    backup under load: %.2fs, %d projects written while "
              "it ran, %d in all" % (t1 - t0, len(during), len(w.acked)))
        r, c = self.restore_fresh(dest, "backup-restored")
        self.check_instance(r)
        ids = {row[0] for row in r.sql("SELECT id FROM projects")}
        missing = {i for t, i in w.acked if t < t0} - ids
        self.assertEqual(missing, set(), "acknowledged before the backup, "
                         "missing after the restore")
        got = figures(c, [p for p in FIGURES if "report-card" in p])
        want = {p: v for p, v in base.items() if "report-card" in p}
        self.assertEqual(got, want)

    def test_2_quiescent_backup_identical(self):
        dest = os.path.join(self.p.dir, "drill-quiet.db")
        res = self.p.bureauctl("backup", dest)
        self.assertEqual(res.returncode, 0, res.stdout + res.stderr)
        want = figures(self.a.c, FIGURES)
        r, c = self.restore_fresh(dest, "backup-restored2")
        self.check_instance(r)
        got = figures(c, FIGURES)
        self.assertEqual(sorted(got), sorted(want))
        for p in want:
            self.assertEqual(got[p], want[p], p)
        print("\n    quiescent backup: %d figure sets identical (%s)" % (
            len(want), ", ".join(sorted(p.split("?")[0] for p in want))))
