"""The audit log through nginx + bureaud: an entry for every login
(success and failure), logout, password change and change; GET
/api/v1/audit with its filters and permission; no way to delete; the
hash chain verified by `bureauctl audit verify`, which catches a row
altered behind the triggers' back."""

import csv
import datetime
import io
import json
import time

from harness import Portal, TestCase

AUDIT = "/api/v1/audit"


def shanghai_today():
    return (datetime.datetime.now(datetime.timezone.utc) +
            datetime.timedelta(hours=8)).strftime("%Y-%m-%d")


class Audit(TestCase):
    @classmethod
    def setUpClass(cls):
        cls.p = Portal(plugins=["staff"], name="audit")
        cls.p.start()
        cls.pw = {r: cls.p.add_user("a-" + r, r)
                  for r in ("admin", "officer", "viewer", "auditor")}

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()

    def login(self, role):
        c = self.p.client()
        self.assertStatus(c.login("a-" + role, self.pw[role]), 200)
        return c

    def entries(self, action, actor=None):
        q = "SELECT actor, actor_id, ip, entity_type, entity_id, before," \
            " after FROM audit_log WHERE action = ?"
        args = [action]
        if actor is not None:
            q += " AND actor = ?"
            args.append(actor)
        return self.p.sql(q + " ORDER BY id", args)

    def test_login_success_and_failure(self):
        c = self.login("viewer")
        uid = c.get("/api/v1/auth/me").json["user"]["id"]
        rows = self.entries("auth.login", "a-viewer")
        self.assertTrue(rows)
        actor, actor_id, ip, etype, eid, before, after = rows[-1]
        self.assertEqual((actor_id, etype, eid), (uid, "user", uid))
        self.assertEqual(ip, "127.0.0.1")

        secret = "not-the-password-4711"
        self.p.client().login("a-viewer", secret)
        self.p.client().login("nobody-at-all", secret)
        fails = self.entries("auth.login_failed")
        # An unknown name is kept only as its keyed digest and length:
        # it may be a password typed into the name field.
        after = json.loads(fails[-1][6])
        self.assertEqual(after["reason"], "unknown_user")
        self.assertNotIn("username", after)
        self.assertEqual(after["username_length"], len("nobody-at-all"))
        self.assertRegex(after["username_hash"], "^[0-9a-f]{32}$")
        self.assertIsNone(fails[-1][0])       # unknown: no actor
        self.assertIsNone(fails[-1][1])
        # A known name is that account's name: kept as typed.
        self.assertEqual(fails[-2][0], "a-viewer")
        self.assertIn('"username":"a-viewer"', fails[-2][6])
        self.assertIn('"reason":"bad_password"', fails[-2][6])
        dump = self.p.sql("SELECT group_concat(coalesce(before,'') ||"
                          " coalesce(after,''), '') FROM audit_log")[0][0]
        self.assertNotIn(secret, dump)
        self.assertNotIn(self.pw["viewer"], dump)
        self.assertNotIn("nobody-at-all", dump)

    def test_password_typed_as_username_is_not_stored(self):
        # The classic slip: the password typed into the name field.
        pw = self.pw["officer"]
        for _ in range(2):
            r = self.p.client().login(pw, "whatever-else-1")
            self.assertError(r, 401, "invalid_credentials")
        # "Zhoubo" in Chinese: lengths are characters, not bytes.
        self.assertError(self.p.client().login("周波博", "x" * 12), 401,
                         "invalid_credentials")
        dump = self.p.sql("SELECT group_concat(coalesce(before,'') ||"
                          " coalesce(after,''), '') FROM audit_log")[0][0]
        self.assertNotIn(pw, dump)
        self.assertNotIn(pw[:8], dump)
        self.assertNotIn("周波博", dump)
        self.assertNotIn("\\u5468", dump)     # nor JSON-escaped
        fails = [json.loads(a) for *_, a in
                 self.entries("auth.login_failed")[-3:]]
        self.assertEqual(fails[0], fails[1])   # same name, same digest
        self.assertEqual(fails[0]["username_length"], len(pw))
        self.assertEqual(fails[2]["username_length"], 3)
        self.assertNotEqual(fails[2]["username_hash"],
                            fails[0]["username_hash"])
        # The key holder can check a suspected name.
        r = self.p.bureauctl("audit", "name-hash", pw, check=True)
        self.assertEqual(r.stdout.strip(), fails[0]["username_hash"])
        r = self.p.bureauctl("audit", "name-hash", "周波博", check=True)
        self.assertEqual(r.stdout.strip(), fails[2]["username_hash"])
        r = self.p.bureauctl("audit", "name-hash", "周波", check=True)
        self.assertNotEqual(r.stdout.strip(), fails[2]["username_hash"])
        self.assertNotEqual(self.p.bureauctl("audit", "name-hash").returncode,
                            0)

    def test_logout_password_change_and_profile(self):
        name = "a-pwchange"
        pw = self.p.add_user(name, "officer")
        c = self.p.client()
        self.assertStatus(c.login(name, pw), 200)
        self.assertStatus(c.patch("/api/v1/auth/me",
                                  json={"language": "en"}), 200)
        new = "harbour-lights-at-chaotianmen"
        self.assertStatus(c.post("/api/v1/auth/password",
                                 json={"current": pw, "new": new}), 200)
        self.assertStatus(c.logout(), 200)
        self.assertEqual(len(self.entries("user.update_self", name)), 1)
        self.assertEqual(self.entries("user.update_self", name)[0][5],
                         '{"display_name":"a-pwchange","language":"zh-CN"}')
        self.assertEqual(len(self.entries("auth.password_change", name)), 1)
        self.assertEqual(len(self.entries("auth.logout", name)), 1)
        self.assertEqual(len(self.p.sql(
            "SELECT 1 FROM audit_log WHERE action = 'user.create' AND"
            " actor LIKE 'bureauctl:%' AND after LIKE ?",
            ('%"username":"' + name + '"%',))), 1)
        dump = self.p.sql("SELECT group_concat(coalesce(before,'') ||"
                          " coalesce(after,''), '') FROM audit_log")[0][0]
        self.assertNotIn(new, dump)

    def test_read_permission(self):
        self.assertError(self.p.client().get(AUDIT), 401, "unauthenticated")
        self.assertError(self.login("viewer").get(AUDIT), 403, "forbidden")
        self.assertError(self.login("officer").get(AUDIT), 403, "forbidden")
        self.assertStatus(self.login("auditor").get(AUDIT), 200)
        self.assertStatus(self.login("admin").get(AUDIT), 200)

    def test_list_and_filters(self):
        c = self.login("auditor")
        r = c.get(AUDIT)
        self.assertStatus(r, 200)
        items, total = r.json["items"], r.json["total"]
        self.assertGreater(total, 0)
        ids = [i["id"] for i in items]
        self.assertEqual(ids, sorted(ids, reverse=True))   # newest first
        self.assertEqual(set(items[0]), {"id", "at", "actor_id", "actor",
                                         "ip", "action", "entity_type",
                                         "entity_id", "before", "after",
                                         "hash"})
        self.assertRegex(items[0]["at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

        r = c.get(AUDIT + "?action=auth.login&actor=a-auditor")
        self.assertTrue(r.json["items"])
        for i in r.json["items"]:
            self.assertEqual((i["action"], i["actor"]),
                             ("auth.login", "a-auditor"))
        uid = c.get("/api/v1/auth/me").json["user"]["id"]
        r = c.get(AUDIT + "?entity_type=user&entity_id=%d" % uid)
        self.assertTrue(all(i["entity_id"] == uid for i in r.json["items"]))

        today = shanghai_today()
        r = c.get(AUDIT + "?from=%s&to=%s" % (today, today))
        self.assertGreater(r.json["total"], 0)
        r = c.get(AUDIT + "?from=2001-01-01&to=2001-12-31")
        self.assertEqual(r.json, {"items": [], "total": 0})

        r = c.get(AUDIT + "?limit=2")
        self.assertEqual(len(r.json["items"]), 2)
        r2 = c.get(AUDIT + "?limit=2&offset=2")
        self.assertEqual(r2.json["items"][0]["id"],
                         r.json["items"][1]["id"] - 1)
        for q, field in (("from=2024-02-30", "from"), ("to=yesterday", "to"),
                         ("limit=0", "limit"), ("limit=201", "limit"),
                         ("offset=-1", "offset"), ("entity_id=x",
                                                    "entity_id")):
            self.assertError(c.get(AUDIT + "?" + q), 400,
                             "validation_failed", field)

    def test_export_csv(self):
        c = self.login("auditor")
        uid = c.get("/api/v1/auth/me").json["user"]["id"]
        r = c.get(AUDIT + "/export.csv?action=auth.login&actor=a-auditor")
        self.assertStatus(r, 200)
        self.assertEqual(r.headers["content-type"],
                         "text/csv; charset=utf-8")
        self.assertRegex(r.headers["content-disposition"],
                         r'attachment; filename="audit-log-\d{4}-\d\d-\d\d'
                         r'\.csv"')
        self.assertTrue(r.body.startswith(b"\xef\xbb\xbf"))   # Excel's BOM
        rows = list(csv.reader(io.StringIO(r.body[3:].decode("utf-8"),
                                           newline="")))
        self.assertEqual(rows[0], ["id", "at", "actor_id", "actor", "ip",
                                   "action", "entity_type", "entity_id",
                                   "before", "after", "hash"])
        body = rows[1:]
        self.assertTrue(body)
        ids = [int(x[0]) for x in body]
        self.assertEqual(ids, sorted(ids))                 # oldest first
        for x in body:
            self.assertEqual((x[3], x[5], x[7]), ("a-auditor", "auth.login",
                                                  str(uid)))
        # The same rows, hashes and JSON as the database holds.
        db = self.p.sql("SELECT id, actor, action, after, hash FROM audit_log"
                        " WHERE action = 'auth.login' AND actor = 'a-auditor'"
                        " ORDER BY id")
        self.assertEqual([(int(x[0]), x[3], x[5], x[9], x[10]) for x in body],
                         [tuple(d) for d in db])
        self.assertEqual(json.loads(body[-1][9])["session_id"] > 0, True)

        # Filters as the list's, checked the same way.
        r = c.get(AUDIT + "/export.csv?from=2001-01-01&to=2001-12-31")
        self.assertStatus(r, 200)
        self.assertEqual(len(r.body[3:].decode().strip().split("\r\n")), 1)
        self.assertError(c.get(AUDIT + "/export.csv?to=yesterday"), 400,
                         "validation_failed", "to")
        # Readers of the log only.
        self.assertError(self.login("officer").get(AUDIT + "/export.csv"), 403,
                         "forbidden")
        self.assertError(self.p.client().get(AUDIT + "/export.csv"), 401,
                         "unauthenticated")

    def test_no_api_deletes(self):
        c = self.login("admin")
        for m in ("DELETE", "PUT", "PATCH", "POST"):
            r = c.request(m, AUDIT, json={})
            self.assertError(r, 405)
        r = c.delete(AUDIT + "/1")
        self.assertIn(r.status, (404, 405))

    def test_chain_verifies_and_head(self):
        r = self.p.bureauctl("audit", "verify", "--no-record")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("intact", r.stdout)
        r = self.p.bureauctl("audit", "head")
        self.assertEqual(r.returncode, 0, r.stderr)
        hid, hhash = r.stdout.split()
        row = self.p.sql("SELECT id, hash FROM audit_log ORDER BY id DESC"
                         " LIMIT 1")[0]
        self.assertEqual((int(hid), hhash), (row[0], row[1]))
        self.assertIn("audit: chain head id=", self.p.log_text())


class DailyHead(TestCase):
    """The chain head reaches the system log at least once a (UTC) day,
    on days without a single audit entry too: the first request of a day
    logs it (each worker looks at most once a minute), one line a day
    between all the workers."""

    HEAD = "audit: chain head id="

    @classmethod
    def setUpClass(cls):
        cls.p = Portal(plugins=["staff"], clock=True, name="audit-daily")
        cls.p.start()

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()

    def at(self, stamp):
        """Moves the clock to a UTC time "YYYY-MM-DDTHH:MM"."""
        t = datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M").replace(
            tzinfo=datetime.timezone.utc).timestamp()
        self.p.set_clock(t - time.time())

    def heads_after(self, mark):
        return [l for l in self.p.log_text()[mark:].splitlines()
                if self.HEAD in l]

    def reads(self, n=12):
        """Requests that write nothing, spread over the workers."""
        for _ in range(n):
            self.assertStatus(self.p.client().get("/api/v1/health"), 200)

    def marker(self):
        rows = self.p.sql("SELECT value FROM settings WHERE key ="
                          " 'audit_head_logged_on'")
        return rows[0][0] if rows else None

    def test_head_logged_daily_without_writes(self):
        entries = self.p.sql("SELECT count(*) FROM audit_log")[0][0]
        head = self.p.bureauctl("audit", "head", check=True).stdout.split()
        want = "%s%s hash=%s" % (self.HEAD, head[0], head[1])
        for day in ("2031-03-01", "2031-03-02", "2031-03-04"):
            with self.subTest(day=day):
                mark = len(self.p.log_text())
                self.at(day + "T09:00")
                self.reads()
                lines = self.heads_after(mark)
                self.assertEqual(len(lines), 1, lines)
                self.assertIn(want, lines[0])
                self.assertEqual(self.marker(), day)
                # Later that day: the workers look again (a minute has
                # passed) but the day's line is there already.
                mark = len(self.p.log_text())
                self.at(day + "T15:30")
                self.reads()
                self.assertEqual(self.heads_after(mark), [])
        # Nothing was written to the audit log to get there.
        self.assertEqual(self.p.sql("SELECT count(*) FROM audit_log")[0][0],
                         entries)


class Tamper(TestCase):
    def test_verify_catches_altered_row(self):
        p = Portal(plugins=["staff"], name="audit-tamper")
        p.start()
        try:
            pw = p.add_user("tim", "admin")
            for _ in range(3):
                c = p.client()
                self.assertStatus(c.login("tim", pw), 200)
                self.assertStatus(c.logout(), 200)
            r = p.bureauctl("audit", "verify")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            # The triggers stop an UPDATE; whoever drops them can change a
            # row, but not its keyed hash.
            victim = p.sql("SELECT id FROM audit_log WHERE action ="
                           " 'auth.logout' ORDER BY id LIMIT 1")[0][0]
            with self.assertRaises(Exception):
                p.sql("UPDATE audit_log SET actor = 'mallory' WHERE id = ?",
                      (victim,))
            p.sql("DROP TRIGGER audit_no_update")
            p.sql("UPDATE audit_log SET actor = 'mallory' WHERE id = ?",
                  (victim,))
            r = p.bureauctl("audit", "verify")
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            self.assertIn("BROKEN at entry %d" % victim, r.stdout)
            # New entries keep being appended; the break stays reported.
            c = p.client()
            self.assertStatus(c.login("tim", pw), 200)
            r = p.bureauctl("audit", "verify", "--no-record")
            self.assertEqual(r.returncode, 1)
            self.assertIn("entry %d" % victim, r.stdout)
        finally:
            p.stop()
            p.cleanup()

    def test_permission_nobody_holds_is_denied(self):
        p = Portal(plugins=[], name="audit-perm")
        p.start()
        try:
            pw = p.add_user("amy", "admin")
            c = p.client()
            self.assertStatus(c.login("amy", pw), 200)
            self.assertStatus(c.get(AUDIT), 200)
            p.sql("DELETE FROM role_permissions WHERE permission ="
                  " 'audit.read'")
            self.assertError(c.get(AUDIT), 403, "forbidden")
            self.assertNotIn("audit.read",
                             c.get("/api/v1/auth/me").json["permissions"])
        finally:
            p.stop()
            p.cleanup()
