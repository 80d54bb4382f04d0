"""The staff plugin through nginx + bureaud: list, create (one-time
password), get, patch with version, the last-admin rule, deactivation,
password reset, unlock, sessions, audit of every change, demo staff."""

import re

from harness import Portal, TestCase

STAFF = "/api/v1/staff"
ME = "/api/v1/auth/me"
PASSWORD = "/api/v1/auth/password"
TEMP_RE = r"^[a-z0-9]{4}(-[a-z0-9]{4}){3}$"


class Staff(TestCase):
    @classmethod
    def setUpClass(cls):
        cls.p = Portal(plugins=["staff"], clock=True, name="staff")
        cls.p.start()
        cls.admin_pw = cls.p.add_user("root1", "admin")
        cls.n = 0

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()

    def tearDown(self):
        self.p.set_clock(0)
        self.p.sql("DELETE FROM login_ip_failures")

    def admin(self):
        c = self.p.client()
        self.assertStatus(c.login("root1", self.admin_pw), 200)
        return c

    def create(self, c, role="viewer", **extra):
        type(self).n += 1
        body = {"username": "staff%d" % type(self).n,
                "display_name": "Staff %d" % type(self).n, "role": role}
        body.update(extra)
        r = c.post(STAFF, json=body)
        self.assertStatus(r, 201)
        return r.json["user"], r.json["password"]

    def audit_rows(self, action, uid):
        return self.p.sql("SELECT actor, before, after FROM audit_log"
                          " WHERE action = ? AND entity_id = ?"
                          " ORDER BY id", (action, uid))

    # --- list, create, get -------------------------------------------
    def test_list(self):
        c = self.admin()
        self.create(c, title="Clerk")
        r = c.get(STAFF)
        self.assertStatus(r, 200)
        self.assertEqual(r.json["total"], len(r.json["items"]))
        names = [u["username"] for u in r.json["items"]]
        self.assertIn("root1", names)
        self.assertEqual(names, sorted(names))
        for u in r.json["items"]:
            self.assertNotIn("password_hash", u)
        r = c.get(STAFF + "?role=admin")
        self.assertTrue(all(u["role"] == "admin" for u in r.json["items"]))
        r = c.get(STAFF + "?q=Clerk")
        self.assertGreaterEqual(r.json["total"], 1)
        r = c.get(STAFF + "?limit=1&offset=0")
        self.assertEqual(len(r.json["items"]), 1)
        self.assertGreaterEqual(r.json["total"], 2)
        self.assertError(c.get(STAFF + "?role=boss"), 400,
                         "validation_failed", "role")
        self.assertError(c.get(STAFF + "?limit=500"), 400,
                         "validation_failed", "limit")

    def test_search_wildcards_are_literal(self):
        # q is a substring, not a LIKE pattern: "%" and "_" match only
        # themselves.
        c = self.admin()
        u, _ = self.create(c, title="Head_of 100% desk")
        self.create(c, title="HeadXof 100 desk")
        r = c.get(STAFF + "?q=" + "Head_of")
        self.assertStatus(r, 200)
        self.assertEqual([x["id"] for x in r.json["items"]], [u["id"]])
        r = c.get(STAFF + "?q=" + "100%25")
        self.assertEqual([x["id"] for x in r.json["items"]], [u["id"]])
        self.assertEqual(r.json["total"], 1)
        self.assertEqual(c.get(STAFF + "?q=%25").json["total"], 1)
        self.assertEqual(c.get(STAFF + "?q=%5C").json["total"], 0)

    def test_create_gives_one_time_password(self):
        c = self.admin()
        u, pw = self.create(c, role="officer", title="Project officer",
                            department="Investment", language="en")
        self.assertRegex(pw, TEMP_RE)
        self.assertEqual(u["role"], "officer")
        self.assertEqual(u["title"], "Project officer")
        self.assertEqual(u["department"], "Investment")
        self.assertEqual(u["language"], "en")
        self.assertTrue(u["must_change_password"])
        self.assertTrue(u["active"])
        self.assertIsNotNone(u["password_expires_at"])
        # The password is never shown again.
        r = c.get("%s/%d" % (STAFF, u["id"]))
        self.assertStatus(r, 200)
        self.assertNotIn(pw, r.text)
        self.assertNotIn('"password"', r.text)
        self.assertNotIn("hash", r.text)
        # It signs in, and must be changed first.
        s = self.p.client()
        r = s.login(u["username"], pw)
        self.assertStatus(r, 200)
        self.assertTrue(r.json["user"]["must_change_password"])
        self.assertError(s.patch(ME, json={"language": "en"}), 403,
                         "password_change_required")
        self.assertStatus(s.post(PASSWORD, json={
            "current": pw, "new": "blue-river-bridge-at-night"}), 200)
        self.assertStatus(s.patch(ME, json={"language": "en"}), 200)
        # Audited without the password or its hash.
        rows = self.audit_rows("staff.create", u["id"])
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0][0], "root1")
        self.assertNotIn(pw, rows[0][2])
        self.assertNotIn("argon2", rows[0][2])

    def test_create_answer_is_what_was_written(self):
        # The answer is built from what was written, not read back: it
        # must still be exactly what GET shows.
        c = self.admin()
        u, _ = self.create(c, role="auditor", title="审计员",
                           department="Audit", language="en")
        r = c.get("%s/%d" % (STAFF, u["id"]))
        self.assertStatus(r, 200)
        self.assertEqual(u, r.json["user"])

    def test_create_answers_201_when_read_back_would_fail(self):
        # Before, the account was read back after the commit: when that
        # failed, the create was committed but answered 500 and its
        # one-time password was lost.  A trigger the test plants leaves
        # the stored row unreadable as JSON (a department that is not
        # UTF-8), as a failing read-back would.
        c = self.admin()
        self.p.sql("CREATE TRIGGER staff_test_garble AFTER INSERT ON users"
                   " BEGIN UPDATE users SET department ="
                   " CAST(x'ff' AS TEXT) WHERE id = new.id; END")
        try:
            type(self).n += 1
            name = "staff%d" % type(self).n
            r = c.post(STAFF, json={"username": name, "display_name": "G",
                                    "department": "Ops", "role": "viewer"})
            self.assertStatus(r, 201)
            pw = r.json["password"]
            self.assertRegex(pw, TEMP_RE)
            self.assertEqual(r.json["user"]["username"], name)
            self.assertEqual(r.json["user"]["department"], "Ops")
            self.assertEqual(
                self.p.sql("SELECT count(*) FROM users WHERE username = ?",
                           (name,))[0][0], 1)
        finally:
            self.p.sql("DROP TRIGGER staff_test_garble")
            self.p.sql("UPDATE users SET department = 'Ops' WHERE"
                       " CAST(department AS BLOB) = x'ff'")
        # The password shown is the account's.
        s = self.p.client()
        r = s.login(name, pw)
        self.assertStatus(r, 200)
        self.assertTrue(r.json["user"]["must_change_password"])

    def test_create_validation(self):
        c = self.admin()
        ok = {"username": "valid.name", "display_name": "V", "role": "viewer"}
        for field, bad in (("username", "A"), ("username", "has space"),
                           ("username", "-dash"), ("display_name", ""),
                           ("role", "root"), ("language", "de"),
                           ("title", "x" * 101), ("nickname", "x")):
            body = dict(ok)
            body[field] = bad
            self.assertError(c.post(STAFF, json=body), 400,
                             "validation_failed", field)
        self.assertError(c.post(STAFF, json={"username": "x1",
                                             "role": "viewer"}),
                         400, "validation_failed", "display_name")
        u, _ = self.create(c)
        body = dict(ok, username=u["username"])
        self.assertError(c.post(STAFF, json=body), 409, "conflict",
                         "username")
        self.assertError(c.get(STAFF + "/999999"), 404, "not_found")

    # --- patch --------------------------------------------------------
    def test_patch_and_version(self):
        c = self.admin()
        u, _ = self.create(c)
        path = "%s/%d" % (STAFF, u["id"])
        r = c.patch(path, json={"title": "Analyst", "version": u["version"]})
        self.assertStatus(r, 200)
        v2 = r.json["user"]
        self.assertEqual(v2["title"], "Analyst")
        self.assertEqual(v2["version"], u["version"] + 1)
        # Stale version: refused, nothing changed.
        self.assertError(c.patch(path, json={"title": "Other",
                                             "version": u["version"]}),
                         409, "conflict")
        self.assertEqual(c.get(path).json["user"]["title"], "Analyst")
        self.assertError(c.patch(path, json={"password_hash": "x"}), 400,
                         "validation_failed", "password_hash")
        self.assertError(c.patch(path, json={"active": "no"}), 400,
                         "validation_failed", "active")
        self.assertError(c.patch(path, json={"role": "superuser"}), 400,
                         "validation_failed", "role")
        self.assertError(c.patch(STAFF + "/999999", json={"title": "x"}),
                         404, "not_found")
        rows = self.audit_rows("staff.update", u["id"])
        self.assertEqual(len(rows), 1, rows)
        self.assertEqual(rows[0][1], '{"title":""}')
        self.assertEqual(rows[0][2], '{"title":"Analyst"}')

    def test_role_change_takes_effect(self):
        c = self.admin()
        u, pw = self.create(c, role="viewer")
        s = self.p.client()
        self.assertStatus(s.login(u["username"], pw), 200)
        self.assertStatus(s.post(PASSWORD, json={
            "current": pw, "new": "quiet-yangtze-morning"}), 200)
        self.assertError(s.get("/api/v1/audit"), 403, "forbidden")
        self.assertStatus(c.patch("%s/%d" % (STAFF, u["id"]),
                                  json={"role": "auditor"}), 200)
        self.assertStatus(s.get("/api/v1/audit"), 200)

    def test_deactivate_signs_out(self):
        c = self.admin()
        u, pw = self.create(c)
        s = self.p.client()
        self.assertStatus(s.login(u["username"], pw), 200)
        r = c.patch("%s/%d" % (STAFF, u["id"]), json={"active": False})
        self.assertStatus(r, 200)
        self.assertFalse(r.json["user"]["active"])
        self.assertError(s.get(ME), 401, "unauthenticated")
        self.assertError(self.p.client().login(u["username"], pw), 401,
                         "invalid_credentials")
        self.assertStatus(c.patch("%s/%d" % (STAFF, u["id"]),
                                  json={"active": True}), 200)
        self.assertStatus(self.p.client().login(u["username"], pw), 200)

    def test_last_admin(self):
        c = self.admin()
        me = c.get(ME).json["user"]["id"]
        path = "%s/%d" % (STAFF, me)
        admins = [u for u in c.get(STAFF + "?role=admin&active=true")
                  .json["items"]]
        # Make root1 the only active admin for this test.
        for a in admins:
            if a["id"] != me:
                self.assertStatus(c.patch("%s/%d" % (STAFF, a["id"]),
                                          json={"active": False}), 200)
        self.assertError(c.patch(path, json={"role": "officer"}), 409,
                         "last_admin")
        self.assertError(c.patch(path, json={"active": False}), 409,
                         "last_admin")
        self.assertEqual(c.get(path).json["user"]["role"], "admin")
        # With a second admin, one of them may step down -- but then the
        # other is the last one.
        other, opw = self.create(c, role="admin")
        o = self.p.client()
        self.assertStatus(o.login(other["username"], opw), 200)
        self.assertStatus(o.post(PASSWORD, json={
            "current": opw, "new": "second-admin-keeps-watch"}), 200)
        self.assertStatus(o.patch(path, json={"role": "officer"}), 200)
        self.assertError(o.patch("%s/%d" % (STAFF, other["id"]),
                                 json={"role": "viewer"}), 409, "last_admin")
        # Restore root1 for the other tests.
        self.assertStatus(o.patch(path, json={"role": "admin"}), 200)

    # --- reset, unlock, sessions -------------------------------------
    def test_reset_password(self):
        c = self.admin()
        u, pw = self.create(c)
        s = self.p.client()
        self.assertStatus(s.login(u["username"], pw), 200)
        r = c.post("%s/%d/reset-password" % (STAFF, u["id"]))
        self.assertStatus(r, 200)
        temp = r.json["password"]
        self.assertRegex(temp, TEMP_RE)
        self.assertNotEqual(temp, pw)
        self.assertIn("password_expires_at", r.json)
        self.assertError(s.get(ME), 401, "unauthenticated")
        self.assertError(self.p.client().login(u["username"], pw), 401,
                         "invalid_credentials")
        r = self.p.client().login(u["username"], temp)
        self.assertStatus(r, 200)
        self.assertTrue(r.json["user"]["must_change_password"])
        rows = self.audit_rows("staff.reset_password", u["id"])
        self.assertEqual(len(rows), 1)
        self.assertNotIn(temp, rows[0][2] or "")
        # Expires after 24 h.
        r = c.post("%s/%d/reset-password" % (STAFF, u["id"]))
        temp = r.json["password"]
        self.p.set_clock(24 * 3600 + 30)
        self.assertError(self.p.client().login(u["username"], temp), 401,
                         "invalid_credentials")

    def test_unlock(self):
        c = self.admin()
        u, pw = self.create(c)
        for _ in range(5):
            self.p.client().login(u["username"], "wrong-password-123")
        self.assertError(self.p.client().login(u["username"], pw), 401,
                         "invalid_credentials")
        r = c.get("%s/%d" % (STAFF, u["id"]))
        self.assertTrue(r.json["user"]["locked"])
        r = c.post("%s/%d/unlock" % (STAFF, u["id"]))
        self.assertStatus(r, 200)
        self.assertFalse(r.json["user"]["locked"])
        self.assertStatus(self.p.client().login(u["username"], pw), 200)
        self.assertEqual(len(self.audit_rows("staff.unlock", u["id"])), 1)

    def signed_in_twice(self):
        """An admin client, a new account signed in from two clients, and
        the path of its sessions."""
        c = self.admin()
        u, pw = self.create(c)
        s1, s2 = self.p.client(), self.p.client()
        self.assertStatus(s1.login(u["username"], pw), 200)
        self.assertStatus(s2.login(u["username"], pw), 200)
        return c, u, s1, s2, "%s/%d/sessions" % (STAFF, u["id"])

    def test_sessions_list_and_sign_out_everywhere(self):
        c, u, s1, s2, path = self.signed_in_twice()
        r = c.get(path)
        self.assertStatus(r, 200)
        self.assertEqual(r.json["total"], 2)
        for s in r.json["items"]:
            self.assertEqual(set(s), {"id", "created_at", "last_seen",
                                      "auth_time", "ip", "user_agent",
                                      "current"})
            self.assertIs(s["current"], False)   # the admin's aren't here
        r = c.delete(path)
        self.assertStatus(r, 200)
        self.assertEqual(r.json["revoked"], 2)
        self.assertError(s1.get(ME), 401, "unauthenticated")
        self.assertError(s2.get(ME), 401, "unauthenticated")
        self.assertEqual(c.get(path).json["total"], 0)
        self.assertEqual(
            len(self.audit_rows("staff.sessions_revoke", u["id"])), 1)
        self.assertError(c.get(STAFF + "/999999/sessions"), 404,
                         "not_found")

    def test_end_one_session(self):
        c, u, s1, s2, path = self.signed_in_twice()
        ids = sorted(s["id"] for s in c.get(path).json["items"])
        self.assertEqual(len(ids), 2)
        # The first login's session (s1): only that browser is out.
        r = c.delete("%s/%d" % (path, ids[0]))
        self.assertStatus(r, 200)
        self.assertEqual(r.json["revoked"], 1)
        self.assertError(s1.get(ME), 401, "unauthenticated")
        self.assertNotEqual(s2.get(ME).status, 401)
        self.assertEqual([s["id"] for s in c.get(path).json["items"]],
                         ids[1:])
        rows = self.audit_rows("staff.session_revoke", u["id"])
        self.assertEqual(len(rows), 1)
        # Ended already, another user's, the admin's own: refused.
        self.assertError(c.delete("%s/%d" % (path, ids[0])), 404,
                         "not_found", "sid")
        me = c.get(ME).json["user"]["id"]
        mine = [s["id"] for s in c.get("%s/%d/sessions" % (STAFF, me))
                .json["items"] if s["current"]][0]
        # The session one is using is refused whatever the account.
        for uid in (u["id"], me):
            self.assertError(c.delete("%s/%d/sessions/%d" % (STAFF, uid,
                                                            mine)),
                             409, "current_session", "sid")
        self.assertStatus(c.get(ME), 200)
        self.assertError(c.delete("%s/999999/sessions/%d" % (STAFF,
                                                           ids[1])), 404,
                         "not_found")
        self.assertNotEqual(s2.get(ME).status, 401)

    def test_sessions_mark_the_callers_own(self):
        a, b = self.admin(), self.admin()
        me = a.get(ME).json["user"]["id"]
        path = "%s/%d/sessions" % (STAFF, me)
        ra, rb = a.get(path), b.get(path)
        self.assertStatus(ra, 200)
        cur_a = [s["id"] for s in ra.json["items"] if s["current"]]
        cur_b = [s["id"] for s in rb.json["items"] if s["current"]]
        self.assertEqual(len(cur_a), 1, ra.json)
        self.assertEqual(len(cur_b), 1, rb.json)
        self.assertNotEqual(cur_a, cur_b)
        self.assertIn(cur_b[0], [s["id"] for s in ra.json["items"]])

    def test_no_hashes_anywhere_in_audit(self):
        rows = self.p.sql("SELECT coalesce(before,'') || coalesce(after,'')"
                          " FROM audit_log")
        for (text,) in rows:
            self.assertNotIn("argon2", text)
            self.assertNotIn("password_hash", text)


class Demo(TestCase):
    def test_demo_staff(self):
        p = Portal(plugins=["staff"], name="staff-demo")
        try:
            r = p.bureauctl("demo")
            self.assertEqual(r.returncode, 0, r.stderr)
            rows = p.sql("SELECT username, display_name, title, role,"
                         " must_change_password FROM users ORDER BY id")
            self.assertEqual(rows, [
                ("zhoubo", "Zhou Bo", "Director", "officer", 1),
                ("xiexiaogang", "Xie Xiaogang", "Deputy Director",
                 "officer", 1),
                ("yangzixuan", "Yang Zixuan", "Deputy Director", "viewer",
                 1)])
            acts = p.sql("SELECT count(*) FROM audit_log WHERE"
                         " action = 'staff.create'")
            self.assertEqual(acts[0][0], 3)
            r = p.bureauctl("audit", "verify")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        finally:
            p.cleanup()
