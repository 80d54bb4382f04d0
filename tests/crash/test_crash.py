"""test_crash -- crash durability: writers through nginx while bureaud's
workers and master are killed with SIGKILL at random moments.

Each round runs WRITERS threads, each signed in as its own officer,
creating projects, signing them (first contract entry), adding
payments and amendments, every write carrying a unique marker; one
process is killed with SIGKILL at a random moment of the round: a worker
(the master respawns it) or the master itself (its workers die with it;
the test starts it again, as systemd would).  After every round:

  - every write answered 2xx is in the database, once;
  - a write answered with an error (or no answer) is all there or not at
    all: every project has its creating stage entry and its audit entry;
    the ledger caches equal the ledgers' sums; the signing figures are
    the first contract entry's; each contract and payment row has its
    audit entry (same transaction);
  - PRAGMA integrity_check is ok, foreign_key_check finds nothing,
    `bureauctl audit verify` passes;
  - the portal answers again (health through nginx).
At the end a clean restart (SIGTERM, start) and a last check.

The master quarantines a plugin whose handlers "crash" a worker three
times in a minute, and a SIGKILL during a handler counts: the rounds
cycle worker, worker, master (a new master starts with a clean record),
so no plugin is quarantined by this test -- a quarantine in the log is a
failure.

Quick form: 5 rounds; BUREAU_TEST_LONG=1: 100 rounds.
"""

import os
import random
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "hostile"))

import rel  # noqa: E402
from harness import LONG, TestCase  # noqa: E402

ROUNDS = 100 if LONG else 5
WRITERS = 4
ROUND_SECONDS = 4.0


def children(pid):
    """Child pids of pid (the master's workers and probe helpers)."""
    out = []
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            try:
                with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                    out += [int(x) for x in f.read().split()]
            except OSError:
                pass
    except OSError:
        pass
    return out


class Writer(threading.Thread):
    """One officer writing until told to stop; every attempt recorded
    as (kind, marker, status or None, extra)."""

    def __init__(self, portal, username, password, name, stop):
        super().__init__(daemon=True)
        self.p = portal
        self.username = username
        self.password = password
        self.name = name
        self.stop = stop
        self.log = []
        self.seq = 0
        self.mine = []          # project ids created with a 201
        self.c = None

    def login(self):
        self.c = self.p.client(timeout=15)
        try:
            r = self.c.login(self.username, self.password)
            return r.status == 200
        except OSError:
            return False

    def call(self, kind, marker, method, path, body):
        try:
            r = self.c.request(method, path, json=body)
            status = r.status
            j = r.json
        except Exception:       # noqa: BLE001 -- reset, refused, timeout
            status, j = None, None
        self.log.append((kind, marker, status, path))
        return status, j

    def run(self):
        rnd = random.Random(self.name)
        while not self.stop.is_set():
            if self.c is None and not self.login():
                time.sleep(0.1)
                continue
            self.seq += 1
            marker = "crash-%s-%d" % (self.name, self.seq)
            choice = rnd.random()
            if not self.mine or choice < 0.4:
                st, j = self.call("project", marker, "POST",
                                  "/api/v1/projects",
                                  {"name_en": marker, "investor": "Crash Co",
                                   "investor_type": "private",
                                   "stage_effective_on": "2020-01-02"})
                if st == 201 and isinstance(j, dict):
                    self.mine.append((j["id"], False))
                elif st == 401:
                    self.c = None
            else:
                i = rnd.randrange(len(self.mine))
                pid, signed = self.mine[i]
                if not signed:
                    st, _ = self.call("contract", marker, "POST",
                                      "/api/v1/projects/%d/contracts" % pid,
                                      {"signed_on": "2021-03-05",
                                       "amount_wan": 1000, "note": marker})
                    if st == 201:
                        self.mine[i] = (pid, True)
                elif choice < 0.75:
                    st, _ = self.call("payment", marker, "POST",
                                      "/api/v1/projects/%d/payments" % pid,
                                      {"paid_on": "2021-04-01",
                                       "amount_wan": 1, "evidence": marker})
                else:
                    st, _ = self.call("contract", marker, "POST",
                                      "/api/v1/projects/%d/contracts" % pid,
                                      {"signed_on": "2021-05-01",
                                       "amount_wan": 7, "note": marker})
                if st == 401:
                    self.c = None


class CrashDurability(TestCase):

    @classmethod
    def setUpClass(cls):
        cls.a = rel.Admin("crash", demo=False, crashes_expected=True)
        cls.p = cls.a.p
        cls.users = []
        for i in range(WRITERS):
            pw = cls.p.add_user("writer%d" % i, "officer")
            cls.users.append(("writer%d" % i, pw))
        cls.rng = random.Random(1)
        cls.kills = {"worker": 0, "master": 0}
        cls.writes = {"ok": 0, "error": 0}
        cls.round_failures = []

    @classmethod
    def tearDownClass(cls):
        cls.a.stop()

    # --- one round -------------------------------------------------------
    def ensure_running(self):
        if self.p.bureaud.poll() is not None:
            self.p.start_bureaud(wait=True)
        else:
            self.p.wait_healthy(timeout=60)

    def kill(self, what):
        if what == "master":
            os.kill(self.p.bureaud.pid, signal.SIGKILL)
            self.p.bureaud.wait(10)
            self.kills["master"] += 1
            # Workers die with it (PR_SET_PDEATHSIG); a new master is
            # what systemd would start.
            time.sleep(self.rng.uniform(0.0, 0.5))
            self.p.start_bureaud(wait=False)
            return
        kids = children(self.p.bureaud.pid)
        if kids:
            try:
                os.kill(self.rng.choice(kids), signal.SIGKILL)
                self.kills["worker"] += 1
            except ProcessLookupError:
                pass

    def run_round(self, n):
        stop = threading.Event()
        writers = [Writer(self.p, u, pw, "r%dw%d" % (n, i), stop)
                   for i, (u, pw) in enumerate(self.users)]
        for w in writers:
            w.start()
        what = "master" if n % 3 == 2 else "worker"
        time.sleep(self.rng.uniform(0.3, ROUND_SECONDS - 1.0))
        self.kill(what)
        time.sleep(max(0.5, ROUND_SECONDS - 1.0))
        stop.set()
        for w in writers:
            w.join(30)
        self.ensure_running()
        log = [x for w in writers for x in w.log]
        for _, _, st, _ in log:
            self.writes["ok" if st is not None and st < 300
                        else "error"] += 1
        return log

    # --- checks ----------------------------------------------------------
    def verify(self, log):
        """Everything acknowledged is there once; nothing is half there.
        Set-based queries: the database grows with every round."""
        bad = []
        q = self.p.sql
        counts = {}
        for kind, sql in (
                ("project", "SELECT name_en, count(*) FROM projects"
                 " WHERE name_en LIKE 'crash-%' GROUP BY 1"),
                ("contract", "SELECT note, count(*) FROM project_contracts"
                 " WHERE note LIKE 'crash-%' GROUP BY 1"),
                ("payment", "SELECT evidence, count(*) FROM project_payments"
                 " WHERE evidence LIKE 'crash-%' GROUP BY 1")):
            counts[kind] = dict(q(sql))
        for kind, marker, st, path in log:
            n = counts[kind].get(marker, 0)
            if st is not None and 200 <= st < 300 and n != 1:
                bad.append("%s %s answered %s but %d rows" % (
                    kind, marker, st, n))
            elif n > 1:
                bad.append("%s %s applied %d times" % (kind, marker, n))

        def mismatch(rows_sql, audit_action):
            # Per project: ledger rows and their audit entries, both ways.
            return ("SELECT pid FROM (SELECT pid, sum(r) r, sum(a) a FROM ("
                    " SELECT project_id pid, 1 r, 0 a FROM %s"
                    " UNION ALL SELECT entity_id, 0, 1 FROM audit_log"
                    " WHERE action %s) GROUP BY pid) WHERE r <> a"
                    % (rows_sql, audit_action))
        checks = {
            "project without its creating stage entry":
                "SELECT id FROM projects p WHERE NOT EXISTS (SELECT 1 FROM"
                " project_stages s WHERE s.project_id = p.id AND"
                " s.from_stage IS NULL)",
            "project without its audit entry":
                "SELECT id FROM projects WHERE id NOT IN (SELECT entity_id"
                " FROM audit_log WHERE action = 'project.create')",
            "contracted cache differs from the ledger":
                "SELECT p.id FROM projects p LEFT JOIN (SELECT project_id,"
                " sum(amount_wan) s FROM project_contracts GROUP BY 1) c"
                " ON c.project_id = p.id WHERE p.contracted_wan <>"
                " coalesce(c.s, 0)",
            "paid-in cache differs from the ledger":
                "SELECT p.id FROM projects p LEFT JOIN (SELECT project_id,"
                " sum(amount_wan) s FROM project_payments GROUP BY 1) c"
                " ON c.project_id = p.id WHERE p.paid_in_wan <>"
                " coalesce(c.s, 0)",
            "signing figures not the first entry's":
                "SELECT p.id FROM projects p JOIN project_contracts c ON"
                " c.project_id = p.id AND c.kind = 'signing' WHERE"
                " p.signed_on IS NOT c.signed_on OR p.signing_wan <>"
                " c.amount_wan OR p.stage <> 'signed'",
            "contract entries and their audit entries differ":
                mismatch("project_contracts", "= 'project.contract'"),
            "payment entries and their audit entries differ":
                mismatch("project_payments", "LIKE 'project.payment%'"),
        }
        for what, sql in checks.items():
            rows = q(sql)
            if rows:
                bad.append("%s: %s" % (what, rows[:5]))
        ic, fk = rel.integrity(self.p.db_path)
        if ic != [("ok",)]:
            bad.append("integrity_check: %s" % ic[:5])
        if fk:
            bad.append("foreign_key_check: %s" % fk[:5])
        r = self.p.bureauctl("audit", "verify")
        if r.returncode != 0:
            bad.append("audit verify: %s %s" % (r.stdout, r.stderr))
        return bad

    def test_rounds(self):
        t0 = time.time()
        for n in range(ROUNDS):
            log = self.run_round(n)
            bad = self.verify(log)
            if bad:
                self.round_failures.append((n, bad))
                break
        print("\n    %d rounds in %.0fs: %d worker and %d master kills, "
              "%d writes answered 2xx, %d errors" % (
                  n + 1, time.time() - t0, self.kills["worker"],
                  self.kills["master"], self.writes["ok"],
                  self.writes["error"]))
        self.assertEqual(self.round_failures, [])
        self.assertGreater(self.writes["ok"], 0)
        self.assertGreater(self.kills["master"] + self.kills["worker"], 0)

    def test_z_clean_restart(self):
        self.p.restart()
        r = self.p.client().get("/api/v1/health")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.verify([]), [])
        quarantined = [ln for ln in self.p.log_text().splitlines()
                       if "quarantining" in ln]
        self.assertEqual(quarantined, [])
