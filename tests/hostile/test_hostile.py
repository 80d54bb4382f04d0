"""test_hostile -- over 10,000 malformed requests (gen.py, fixed seed)
through the real nginx + bureaud with every bundled plugin and the demo
data, signed in as an admin with a valid CSRF token:

  - no worker crash (bureaud's log), bureaud and nginx still serving;
  - no 5xx, every error a JSON error {"error":{"code","message"}} --
    nginx's own error pages included (a 404 outside /api/ aside: that is
    the static site);
  - no malformed request accepted by an unsafe method (phase A), and
    the domain tables (all but the audit log, sessions and lockout
    state) unchanged after them;
  - phase B (missing, null and extra fields on every documented body):
    a refused request changed nothing, checked after each one;
  - the database passes integrity_check and foreign_key_check, the
    audit chain verifies, no ASan/UBSan report.

BUREAU_TEST_LONG=1: five times the set (another seed each round).
"""

import collections
import concurrent.futures
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import gen  # noqa: E402
import rel  # noqa: E402
from harness import LONG, TestCase  # noqa: E402

THREADS = 6
SAFE = ("GET", "HEAD", "OPTIONS")

# Per pattern prefix: SQL giving a real id (first column) of a record.
REAL_IDS = [
    ("/api/v1/projects/{id}/problems/{pid}",
     "SELECT project_id, id FROM project_problems ORDER BY id LIMIT 1"),
    ("/api/v1/projects/{id}",
     "SELECT id FROM projects WHERE stage <> 'lead' ORDER BY id LIMIT 1"),
    ("/api/v1/expos/series/{id}", "SELECT id FROM expo_series ORDER BY id"
     " LIMIT 1"),
    ("/api/v1/expos/{id}", "SELECT id FROM expo_editions ORDER BY id"
     " LIMIT 1"),
    ("/api/v1/regions/partners/{id}", "SELECT id FROM region_partners"
     " ORDER BY id LIMIT 1"),
    ("/api/v1/regions/pairs/{id}", "SELECT id FROM region_pairs ORDER BY id"
     " LIMIT 1"),
    ("/api/v1/regions/parks/{id}", "SELECT id FROM region_parks ORDER BY id"
     " LIMIT 1"),
]


class Hostile(TestCase):

    @classmethod
    def setUpClass(cls):
        cls.a = rel.Admin("hostile")
        cls.p = cls.a.p
        cls.target_pw = cls.p.add_user("hostile_target", "officer")
        cls.target_id = cls.p.sql("SELECT id FROM users WHERE username ="
                                  " 'hostile_target'")[0][0]
        cls.ids_cache = {}
        cls.before = rel.domain_checksums(cls.p.db_path)
        cls.audit_before = cls.p.sql("SELECT count(*) FROM audit_log")[0][0]
        rounds = 5 if LONG else 1
        cls.results = []        # (req, response or None, error text)
        cls.slow = []
        cls.phase_b = []
        cls.t0 = time.time()
        routes = rel.routes(["core"] + cls.a.plugins)
        bodies = rel.doc_bodies()
        for rnd in range(rounds):
            g = gen.Gen(routes, bodies, cls.ids, seed=9 + rnd)
            reqs = g.phase_a()
            with concurrent.futures.ThreadPoolExecutor(THREADS) as pool:
                for req, resp, err in pool.map(cls.send, reqs,
                                               chunksize=16):
                    cls.results.append((req, resp, err))
        cls.after_a = rel.domain_checksums(cls.p.db_path)
        cls.run_phase_b(gen.Gen(routes, bodies, cls.ids, seed=9).phase_b())
        cls.elapsed = time.time() - cls.t0

    @classmethod
    def tearDownClass(cls):
        cls.a.stop()

    # --- ids -------------------------------------------------------------
    @classmethod
    def ids(cls, pattern, name, real):
        if not real:
            return {"name": "nosuchplugin", "year": "2099"}.get(
                name, "999999999")
        if name == "year":
            return "2021"
        if name == "name":
            return "projects"
        if pattern.startswith("/api/v1/staff/"):
            return str(cls.target_id)
        for prefix, sql in REAL_IDS:
            if pattern.startswith(prefix):
                if prefix not in cls.ids_cache:
                    try:
                        cls.ids_cache[prefix] = cls.p.sql(sql)[0]
                    except Exception:       # noqa: BLE001 -- no table
                        cls.ids_cache[prefix] = ("1", "1")
                row = cls.ids_cache[prefix]
                if name == "pid" and len(row) > 1:
                    return str(row[1])
                return str(row[0])
        return "1"

    # --- sending -------------------------------------------------------------
    @classmethod
    def headers_for(cls, req):
        hs = []
        auth = cls.a.auth_headers() if req.auth else []
        special = {k: v for k, v in req.headers if k.startswith("@")}
        for k, v in auth:
            if k == "X-CSRF-Token" and "@nocsrf" in special:
                continue
            if k == "X-CSRF-Token" and "@csrf" in special:
                v = special["@csrf"]
            if k == "Origin" and "@origin" in special:
                v = special["@origin"]
            hs.append((k, v))
        hs += [(k, v) for k, v in req.headers if not k.startswith("@")]
        return hs

    @classmethod
    def send(cls, req, target=None):
        if req.raw is not None:
            data = req.raw
        else:
            data = rel.build(req.method, target or req.target,
                             cls.headers_for(req), req.body,
                             port=cls.p.port)
        t0 = time.time()
        try:
            resp = rel.send_raw(cls.p.port, data, timeout=40)
        except OSError as e:
            return req, None, "connection: %s" % e
        cls.slow.append((time.time() - t0, req.describe()[:150]))
        return req, resp, cls.check(req, resp)

    @classmethod
    def check(cls, req, resp):
        """What is wrong with this answer, or None."""
        if resp is None:
            # nginx may drop a connection that is not HTTP at all.
            return None if req.cat == "protocol" else "no answer"
        if resp.status == 503 and resp.headers.get("retry-after") and \
                (resp.json() or {}).get("error", {}).get("code") == "busy":
            return None         # the hash cap, as designed
        if resp.status >= 500:
            return "status %d: %r" % (resp.status, resp.body[:300])
        target = req.target if isinstance(req.target, str) else \
            req.target.decode("latin-1")
        api = target.startswith("/api/") or req.raw is not None
        if resp.status >= 400:
            if resp.status == 404 and not api:
                return None             # the static site's 404
            if not resp.content_type.startswith("application/json"):
                if req.method == "HEAD" and not resp.body:
                    return None
                return "error %d not JSON (%s): %r" % (
                    resp.status, resp.content_type, resp.body[:200])
            if req.method == "HEAD":
                return None
            j = resp.json()
            err = j.get("error") if isinstance(j, dict) else None
            if not (isinstance(err, dict) and isinstance(err.get("code"),
                                                         str)
                    and isinstance(err.get("message"), str)):
                return "error %d not in the documented shape: %r" % (
                    resp.status, resp.body[:200])
        elif req.phase == "A" and req.method not in SAFE and \
                req.raw is None and 200 <= resp.status < 300:
            return "malformed request accepted: %d %r" % (
                resp.status, resp.body[:200])
        return None

    @classmethod
    def run_phase_b(cls, reqs):
        base = rel.domain_checksums(cls.p.db_path)
        for req in reqs:
            target = cls.fill_b(req)
            body = req.body
            if b'"version"' in body:
                ver = cls.current_version(target)
                if ver is not None:
                    body = re.sub(rb'"version": *\d+',
                                  b'"version": %d' % ver, body)
            req.body = body
            req.target = target
            _, resp, err = cls.send(req, target)
            now = rel.domain_checksums(cls.p.db_path)
            changed = rel.diff_checksums(base, now)
            if changed and (resp is None or resp.status >= 300):
                err = (err or "") + " refused (%s) but changed %s" % (
                    resp.status if resp else "-", ", ".join(changed))
            base = now
            cls.phase_b.append((req, resp, err, target))

    @classmethod
    def fill_b(cls, req):
        g = gen.Gen([], {}, cls.ids)
        t = g.fill(req.route[1], real=True)
        if t.endswith("/import"):
            t += "?mode=dry_run"
        return t

    @classmethod
    def current_version(cls, path):
        r = cls.a.c.get(path)
        if r.status == 200 and isinstance(r.json, dict):
            for v in [r.json] + [x for x in r.json.values()
                                 if isinstance(x, dict)]:
                if isinstance(v.get("version"), int):
                    return v["version"]
        return None

    # --- the checks ------------------------------------------------------
    def failures(self, cat=None):
        return [(req, err) for req, resp, err in self.results
                if err and (cat is None or req.cat == cat)]

    def report(self, bad, limit=12):
        lines = ["%d bad answers, first %d:" % (len(bad), min(limit,
                                                              len(bad)))]
        for req, err in bad[:limit]:
            lines.append("  %s\n    -> %s" % (req.describe(), err))
        return "\n".join(lines)

    def test_00_enough_requests(self):
        n = len(self.results) + len(self.phase_b)
        counts = collections.Counter(req.cat for req, _, _ in self.results)
        print("\n    %d requests in %.0fs: %s" % (
            n, self.elapsed, ", ".join("%s %d" % kv for kv in
                                       sorted(counts.items()))))
        for dt, what in sorted(self.slow, reverse=True)[:8]:
            print("    slowest: %.1fs %s" % (dt, what))
        self.assertGreaterEqual(n, 10000)

    def _category(self, cat):
        n = sum(1 for req, _, _ in self.results if req.cat == cat)
        self.assertGreater(n, 0, "no %s requests generated" % cat)
        bad = self.failures(cat)
        self.assertEqual(len(bad), 0, self.report(bad))

    def test_json_broken(self):
        self._category("json_broken")

    def test_json_nested(self):
        self._category("json_nested")

    def test_json_dupkeys(self):
        self._category("json_dupkeys")

    def test_utf8(self):
        self._category("utf8")

    def test_nul(self):
        self._category("nul")

    def test_numbers(self):
        self._category("numbers")

    def test_types(self):
        self._category("types")

    def test_long(self):
        self._category("long")

    def test_ctype(self):
        self._category("ctype")

    def test_oversize(self):
        self._category("oversize")

    def test_traversal(self):
        self._category("traversal")

    def test_methods(self):
        self._category("methods")

    def test_headers(self):
        self._category("headers")

    def test_noauth(self):
        self._category("noauth")

    def test_query(self):
        self._category("query")

    def test_protocol(self):
        self._category("protocol")

    def test_fields_phase_b(self):
        self.assertTrue(self.phase_b)
        bad = [(req, err) for req, resp, err, _ in self.phase_b if err]
        self.assertEqual(len(bad), 0, self.report(bad))
        accepted = sum(1 for _, resp, _, _ in self.phase_b
                       if resp is not None and resp.status < 300)
        print("\n    phase B: %d requests, %d accepted" % (
            len(self.phase_b), accepted))

    def test_user_agent_bytes(self):
        """A login whose User-Agent is not UTF-8, or is cut mid-character
        by the session table's limit, leaves the sessions list (JSON)
        working -- it answered 500 before core/auth.c cleaned it."""
        for ua in (b"Mozilla/5.0 \xff\xfe\xc0\xaf", "浏览器".encode() * 90,
                   b"ua\x01\x7f"):
            body = b'{"username": "hostile_target", "password": "%s"}' % (
                self.target_pw.encode())
            raw = rel.build("POST", "/api/v1/auth/login", [
                ("Content-Type", "application/json"),
                ("Origin", self.p.origin), ("User-Agent", ua)], body,
                port=self.p.port)
            r = rel.send_raw(self.p.port, raw)
            self.assertEqual(r.status, 200, r)
        r = self.a.c.get("/api/v1/staff/%d/sessions" % self.target_id)
        self.assertEqual(r.status, 200, r)
        for s in r.json["items"]:
            s["user_agent"].encode("utf-8")

    def test_zz_domain_unchanged_by_phase_a(self):
        changed = rel.diff_checksums(self.before, self.after_a)
        self.assertFalse(changed, "malformed requests changed %s" % changed)

    def test_zz_no_worker_crash(self):
        lines = rel.crash_lines(self.p)
        self.assertFalse(lines, "\n".join(lines[:10]))
        self.assertIsNone(self.p.bureaud.poll(), "bureaud exited")
        self.assertIsNone(self.p.nginx.poll(), "nginx exited")
        r = self.a.c.get("/api/v1/health")
        self.assertEqual(r.status, 200, r)
        r = self.a.c.get("/api/v1/auth/me")
        self.assertEqual(r.status, 200, "the admin's session is gone: %r"
                         % (r,))

    def test_zz_database_consistent(self):
        ic, fk = rel.integrity(self.p.db_path)
        self.assertEqual(ic, [("ok",)])
        self.assertEqual(fk, [])
        r = self.p.bureauctl("audit", "verify")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_zz_no_sanitizer_report(self):
        self.assertEqual(self.p.sanitizer_reports(), [])
