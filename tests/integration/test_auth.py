"""Accounts through the real nginx + bureaud: login, logout, me, password
change, cookies, token rotation, expiry with the injected clock, CSRF,
lockout, uniform refusals with the dummy hash, temporary passwords,
re-authentication, rehash on parameter change, the hash cap."""

import json
import re
import threading
import time

from harness import Portal, TestCase

LOGIN = "/api/v1/auth/login"
ME = "/api/v1/auth/me"
PASSWORD = "/api/v1/auth/password"
COOKIE_DEV = "bureau_session"
COOKIE_TLS = "__Host-bureau_session"


def cookie_attrs(set_cookie):
    parts = [p.strip() for p in set_cookie.split(";")]
    name, _, value = parts[0].partition("=")
    attrs = {}
    for p in parts[1:]:
        k, _, v = p.partition("=")
        attrs[k.strip().lower()] = v.strip()
    return name, value, attrs


class AuthBase(TestCase):
    @classmethod
    def setUpClass(cls):
        # Debug log: the tests read "login: dummy verify" from it.
        cls.p = Portal(plugins=["staff"], clock=True,
                       config={"log.level": "debug"}, name="auth")
        cls.p.start()
        cls.n = 0

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()

    def tearDown(self):
        self.p.set_clock(0)
        # The per-address limit counts every failure from 127.0.0.1;
        # each test starts with a clean slate (IpLimit tests the limit).
        self.p.sql("DELETE FROM login_ip_failures")

    def user(self, role="officer"):
        """A fresh account: (username, password)."""
        type(self).n += 1
        name = "%s%d" % (role, type(self).n)
        return name, self.p.add_user(name, role)

    def signed_in(self, role="officer"):
        name, pw = self.user(role)
        c = self.p.client()
        r = c.login(name, pw)
        self.assertStatus(r, 200)
        return c, name, pw


class Login(AuthBase):
    def test_login_me_logout(self):
        name, pw = self.user("officer")
        c = self.p.client()
        r = c.login(name, pw)
        self.assertStatus(r, 200)
        u = r.json["user"]
        self.assertEqual(u["username"], name)
        self.assertEqual(u["role"], "officer")
        self.assertEqual(set(u), {"id", "username", "display_name", "title",
                                  "role", "language",
                                  "must_change_password"})
        self.assertFalse(u["must_change_password"])
        self.assertRegex(r.json["csrf_token"], r"^[A-Za-z0-9_-]{43}$")
        self.assertNotIn('"password"', r.text)
        self.assertNotIn("hash", r.text)

        r = c.get(ME)
        self.assertStatus(r, 200)
        self.assertEqual(r.json["user"]["username"], name)
        self.assertEqual(r.json["csrf_token"], c.csrf_token)
        self.assertIsInstance(r.json["permissions"], list)
        self.assertNotIn("staff.admin", r.json["permissions"])
        self.assertNotIn("audit.read", r.json["permissions"])

        saved = dict(c.cookies)
        r = c.logout()
        self.assertStatus(r, 200)
        self.assertEqual(len(r.cookies_set), 1)
        cname, value, attrs = cookie_attrs(r.cookies_set[0])
        self.assertEqual(cname, COOKIE_DEV)
        self.assertEqual(value, "")
        self.assertEqual(attrs.get("max-age"), "0")
        # The old token is dead server-side, not only in the browser.
        c.cookies = saved
        self.assertError(c.get(ME), 401, "unauthenticated")

    def test_dev_cookie_attributes(self):
        name, pw = self.user()
        r = self.p.client().login(name, pw)
        self.assertStatus(r, 200)
        self.assertEqual(len(r.cookies_set), 1)
        cname, value, attrs = cookie_attrs(r.cookies_set[0])
        self.assertEqual(cname, COOKIE_DEV)
        self.assertRegex(value, r"^[A-Za-z0-9_-]{43}$")
        self.assertIn("httponly", attrs)
        self.assertEqual(attrs.get("samesite"), "Strict")
        self.assertEqual(attrs.get("path"), "/")
        self.assertNotIn("domain", attrs)
        self.assertNotIn("secure", attrs)   # plain-HTTP dev mode

    def test_only_token_hash_stored(self):
        name, pw = self.user()
        c = self.p.client()
        self.assertStatus(c.login(name, pw), 200)
        token = c.cookies[COOKIE_DEV]
        rows = self.p.sql("SELECT s.token_hash FROM sessions s JOIN users u"
                          " ON u.id = s.user_id WHERE u.username = ?",
                          (name,))
        self.assertEqual(len(rows), 1)
        self.assertEqual(len(rows[0][0]), 32)
        self.assertNotIn(token.encode(), bytes(rows[0][0]))

    def test_token_rotates_at_login(self):
        name, pw = self.user()
        c = self.p.client()
        self.assertStatus(c.login(name, pw), 200)
        first = c.cookies[COOKIE_DEV]
        csrf1 = c.csrf_token
        self.assertStatus(c.login(name, pw), 200)
        second = c.cookies[COOKIE_DEV]
        self.assertNotEqual(first, second)
        self.assertNotEqual(csrf1, c.csrf_token)
        # The token sent along with the second login was revoked.
        old = self.p.client()
        old.cookies = {COOKIE_DEV: first}
        self.assertError(old.get(ME), 401, "unauthenticated")
        self.assertStatus(c.get(ME), 200)

    def test_garbage_cookie_is_no_session(self):
        c = self.p.client()
        c.cookies = {COOKIE_DEV: "x" * 43}
        self.assertError(c.get(ME), 401, "unauthenticated")
        c.cookies = {COOKIE_DEV: "not-a-token"}
        self.assertError(c.get(ME), 401, "unauthenticated")

    def test_bad_bodies(self):
        c = self.p.client()
        self.assertError(c.post(LOGIN, json={"username": "x"}), 400,
                         "validation_failed", "password")
        self.assertError(c.post(LOGIN, json={"password": "x"}), 400,
                         "validation_failed", "username")
        self.assertStatus(c.post(LOGIN, json=["x"]), 400)

    def test_me_patch(self):
        c, name, _ = self.signed_in()
        r = c.patch(ME, json={"display_name": "周 测试", "language": "en"})
        self.assertStatus(r, 200)
        self.assertEqual(r.json["user"]["display_name"], "周 测试")
        self.assertEqual(r.json["user"]["language"], "en")
        self.assertEqual(c.get(ME).json["user"]["language"], "en")
        self.assertError(c.patch(ME, json={"language": "fr"}), 400,
                         "validation_failed", "language")
        self.assertError(c.patch(ME, json={"display_name": ""}), 400,
                         "validation_failed", "display_name")
        self.assertError(c.patch(ME, json={"display_name": "   "}), 400,
                         "validation_failed", "display_name")
        self.assertError(c.patch(ME, json={"display_name": "x" * 101}), 400,
                         "validation_failed", "display_name")
        self.assertError(c.patch(ME, json={"role": "admin"}), 400,
                         "validation_failed", "role")
        self.assertError(c.patch(ME, json={}), 400, "validation_failed")
        self.assertEqual(c.get(ME).json["user"]["role"], "officer")


class Refusals(AuthBase):
    def failure_body(self, r):
        self.assertError(r, 401, "invalid_credentials")
        return r.json

    def dummy_count(self):
        return self.p.log_text().count("login: dummy verify")

    def test_uniform_and_dummy_hash(self):
        name, pw = self.user()
        off, off_pw = self.user()
        self.assertEqual(self.p.bureauctl("user", "disable", off).returncode,
                         0)
        c = self.p.client()

        before = self.dummy_count()
        unknown = self.failure_body(c.login("nobody-here", "whatever-12345"))
        # The unknown user ran the dummy hash (read from the debug log).
        deadline = time.time() + 5
        while self.dummy_count() != before + 1 and time.time() < deadline:
            time.sleep(0.05)
        self.assertEqual(self.dummy_count(), before + 1)

        wrong = self.failure_body(c.login(name, pw + "x"))
        disabled = self.failure_body(c.login(off, off_pw))
        self.assertEqual(unknown, wrong)
        self.assertEqual(unknown, disabled)
        # Known users verify their own hash, not the dummy one.
        self.assertEqual(self.dummy_count(), before + 1)
        self.assertEqual(c.cookies, {})

    def test_lockout_after_five_and_unlock(self):
        name, pw = self.user()
        c = self.p.client()
        for _ in range(5):
            self.failure_body(c.login(name, "wrong-password-123"))
        rows = self.p.sql("SELECT locked_until FROM users WHERE username=?",
                          (name,))
        self.assertIsNotNone(rows[0][0])
        # Locked: even the right password is refused, the same way.
        locked = self.failure_body(c.login(name, pw))
        self.assertEqual(locked["error"]["code"], "invalid_credentials")
        self.assertEqual(self.p.bureauctl("user", "unlock", name).returncode,
                         0)
        self.assertStatus(c.login(name, pw), 200)

    def test_unusable_hash_runs_the_dummy(self):
        # A row whose hash is no Argon2 string (set by hand) must cost a
        # full hash too, or its fast failure would tell it apart.
        name, pw = self.user()
        self.p.sql("UPDATE users SET password_hash = '!' WHERE username = ?",
                   (name,))
        before = self.dummy_count()
        self.failure_body(self.p.client().login(name, pw))
        deadline = time.time() + 5
        while self.dummy_count() != before + 1 and time.time() < deadline:
            time.sleep(0.05)
        self.assertEqual(self.dummy_count(), before + 1)

    def test_lock_expires(self):
        name, pw = self.user()
        c = self.p.client()
        for _ in range(5):
            self.failure_body(c.login(name, "wrong-password-123"))
        self.failure_body(c.login(name, pw))
        self.p.set_clock(15 * 60 + 5)
        self.assertStatus(c.login(name, pw), 200)

    def test_failures_outside_window_do_not_lock(self):
        name, pw = self.user()
        c = self.p.client()
        for _ in range(4):
            self.failure_body(c.login(name, "wrong-password-123"))
        self.p.set_clock(16 * 60)
        for _ in range(4):
            self.failure_body(c.login(name, "wrong-password-123"))
        self.assertStatus(c.login(name, pw), 200)

    def test_success_resets_counter(self):
        name, pw = self.user()
        c = self.p.client()
        for _ in range(4):
            self.failure_body(c.login(name, "wrong-password-123"))
        self.assertStatus(c.login(name, pw), 200)
        for _ in range(4):
            self.failure_body(c.login(name, "wrong-password-123"))
        self.assertStatus(c.login(name, pw), 200)


class Expiry(AuthBase):
    def test_idle_timeout(self):
        c, _, _ = self.signed_in()
        self.p.set_clock(20 * 60)
        self.assertStatus(c.get(ME), 200)           # touches last_seen
        self.p.set_clock(40 * 60)                    # 20 min idle: fine
        self.assertStatus(c.get(ME), 200)
        self.p.set_clock(40 * 60 + 31 * 60)          # 31 min idle
        self.assertError(c.get(ME), 401, "unauthenticated")

    def test_last_seen_written_at_most_once_a_minute(self):
        c, name, _ = self.signed_in()
        q = ("SELECT s.last_seen FROM sessions s JOIN users u ON"
             " u.id = s.user_id WHERE u.username = ? AND revoked_at IS NULL")
        first = self.p.sql(q, (name,))[0][0]
        self.p.set_clock(30)
        self.assertStatus(c.get(ME), 200)
        self.assertEqual(self.p.sql(q, (name,))[0][0], first)
        self.p.set_clock(90)
        self.assertStatus(c.get(ME), 200)
        self.assertGreaterEqual(self.p.sql(q, (name,))[0][0], first + 90)

    def test_absolute_timeout(self):
        c, _, _ = self.signed_in()
        t = 0
        # Active all the time (every 25 min), still out after 12 h.
        while t + 25 * 60 < 12 * 3600:
            t += 25 * 60
            self.p.set_clock(t)
            self.assertStatus(c.get(ME), 200)
        self.p.set_clock(12 * 3600 + 60)
        self.assertError(c.get(ME), 401, "unauthenticated")


class PasswordChange(AuthBase):
    def test_change_revokes_other_sessions(self):
        c1, name, pw = self.signed_in()
        c2 = self.p.client()
        self.assertStatus(c2.login(name, pw), 200)
        new = "grey-heron-walks-at-dawn"
        r = c1.post(PASSWORD, json={"current": pw, "new": new})
        self.assertStatus(r, 200)
        self.assertFalse(r.json["user"]["must_change_password"])
        self.assertError(c2.get(ME), 401, "unauthenticated")
        self.assertStatus(c1.get(ME), 200)
        self.assertError(self.p.client().login(name, pw), 401,
                         "invalid_credentials")
        self.assertStatus(self.p.client().login(name, new), 200)

    def test_wrong_current_and_rules(self):
        c, name, pw = self.signed_in()
        self.assertError(c.post(PASSWORD, json={"current": pw + "x",
                                                "new": "grey-heron-walks"}),
                         400, "invalid_credentials", "current")
        self.assertError(c.post(PASSWORD, json={"current": pw,
                                                "new": "short"}),
                         400, "validation_failed", "new")
        self.assertError(c.post(PASSWORD, json={"current": pw,
                                                "new": "password1234"}),
                         400, "validation_failed", "new")
        self.assertError(c.post(PASSWORD, json={"current": pw, "new": pw}),
                         400, "validation_failed", "new")
        self.assertError(c.post(PASSWORD, json={"current": pw,
                                                "new": "x" * 129}),
                         400, "validation_failed", "new")
        # 12 Chinese characters are 12 code points: long enough.
        r = c.post(PASSWORD, json={"current": pw,
                                   "new": "重庆招商投资促进局两江新区"})
        self.assertStatus(r, 200)
        self.assertStatus(self.p.client().login(
            name, "重庆招商投资促进局两江新区"), 200)


    def test_locked_account_is_no_password_oracle(self):
        # A stolen session cannot go on guessing the current password
        # through the change form once the account is locked: even the
        # right one is refused, like the wrong ones, until the lock ends.
        c, name, pw = self.signed_in()
        for _ in range(5):
            self.assertError(c.post(PASSWORD, json={
                "current": "wrong-guess-123", "new": "grey-heron-walks"}),
                400, "invalid_credentials", "current")
        locked = self.p.sql("SELECT locked_until FROM users WHERE"
                            " username = ?", (name,))[0][0]
        self.assertIsNotNone(locked)
        self.assertError(c.post(PASSWORD, json={
            "current": pw, "new": "grey-heron-walks"}),
            400, "invalid_credentials", "current")
        # More attempts do not extend the lock.
        self.assertEqual(self.p.sql("SELECT locked_until FROM users WHERE"
                                    " username = ?", (name,))[0][0], locked)
        self.p.set_clock(15 * 60 + 5)
        self.assertStatus(c.post(PASSWORD, json={
            "current": pw, "new": "grey-heron-walks"}), 200)


SESSIONS = "/api/v1/auth/sessions"


class OwnSessions(AuthBase):
    """Every user's own sessions: listed with the current one marked,
    the others ended one by one or all at once; never anyone else's."""

    def second(self, name, pw):
        c = self.p.client()
        self.assertStatus(c.login(name, pw), 200)
        return c

    def test_list_marks_current_and_hides_the_dead(self):
        a, name, pw = self.signed_in()
        b = self.second(name, pw)
        stale = self.second(name, pw)
        self.second(name, pw).logout()              # revoked: not listed
        other, _, _ = self.signed_in()              # another user's
        self.p.set_clock(20 * 60)
        self.assertStatus(a.get(ME), 200)           # touches last_seen
        self.assertStatus(b.get(ME), 200)
        self.assertStatus(other.get(ME), 200)
        self.p.set_clock(40 * 60)                   # stale: 40 min idle
        r = a.get(SESSIONS)
        self.assertStatus(r, 200)
        items = r.json["items"]
        self.assertEqual(r.json["total"], 2, items)
        self.assertEqual([s["current"] for s in items].count(True), 1)
        for s in items:
            self.assertEqual(set(s), {"id", "created_at", "last_seen",
                                      "auth_time", "expires_at", "ip",
                                      "user_agent", "current"})
            self.assertRegex(s["expires_at"],
                             r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        mine = [s for s in items if s["current"]][0]["id"]
        theirs = [s["id"] for s in b.get(SESSIONS).json["items"]
                  if s["current"]]
        self.assertEqual(len(theirs), 1)
        self.assertNotEqual(mine, theirs[0])
        self.assertError(stale.get(ME), 401, "unauthenticated")
        ids = {s["id"] for s in other.get(SESSIONS).json["items"]}
        self.assertNotIn(mine, ids)

    def test_end_one_other_session(self):
        a, name, pw = self.signed_in()
        b = self.second(name, pw)
        other, _, _ = self.signed_in()
        items = a.get(SESSIONS).json["items"]
        mine = [s["id"] for s in items if s["current"]][0]
        b_id = [s["id"] for s in items if not s["current"]][0]
        foreign = [s["id"] for s in other.get(SESSIONS).json["items"]][0]

        err = self.assertError(a.delete("%s/%d" % (SESSIONS, mine)), 409,
                               "current_session")
        self.assertEqual(err["field"], "id")
        # Someone else's session and a missing one look the same.
        self.assertError(a.delete("%s/%d" % (SESSIONS, foreign)), 404,
                         "not_found")
        self.assertError(a.delete("%s/999999" % SESSIONS), 404, "not_found")
        self.assertStatus(other.get(ME), 200)
        # Without the CSRF token: refused, nothing ended.
        tok, a.csrf_token = a.csrf_token, None
        self.assertError(a.delete("%s/%d" % (SESSIONS, b_id)), 403,
                         "csrf_failed")
        a.csrf_token = tok
        self.assertStatus(b.get(ME), 200)

        r = a.delete("%s/%d" % (SESSIONS, b_id))
        self.assertStatus(r, 200)
        self.assertEqual(r.json["revoked"], 1)
        self.assertError(b.get(ME), 401, "unauthenticated")
        self.assertStatus(a.get(ME), 200)
        self.assertError(a.delete("%s/%d" % (SESSIONS, b_id)), 404,
                         "not_found")
        rows = self.p.sql("SELECT after FROM audit_log WHERE action ="
                          " 'auth.session_end' ORDER BY id DESC LIMIT 1")
        self.assertEqual(json.loads(rows[0][0]), {"session_id": b_id})

    def test_end_all_others(self):
        a, name, pw = self.signed_in()
        b, c = self.second(name, pw), self.second(name, pw)
        other, _, _ = self.signed_in()
        r = a.delete(SESSIONS)
        self.assertStatus(r, 200)
        self.assertEqual(r.json["revoked"], 2)
        self.assertError(b.get(ME), 401, "unauthenticated")
        self.assertError(c.get(ME), 401, "unauthenticated")
        self.assertStatus(a.get(ME), 200)
        self.assertStatus(other.get(ME), 200)
        self.assertEqual(a.get(SESSIONS).json["total"], 1)
        self.assertEqual(a.delete(SESSIONS).json["revoked"], 0)
        rows = self.p.sql("SELECT after FROM audit_log WHERE action ="
                          " 'auth.sessions_end_others' ORDER BY id")
        self.assertEqual([json.loads(x)["sessions_revoked"]
                          for (x,) in rows][-2:], [2, 0])

    def test_signed_out_is_401(self):
        c = self.p.client()
        self.assertError(c.get(SESSIONS), 401, "unauthenticated")
        self.assertError(c.delete(SESSIONS), 401, "unauthenticated")


class Csrf(AuthBase):
    def test_missing_wrong_token_and_origin(self):
        c, _, _ = self.signed_in()
        body = {"language": "en"}
        self.assertError(c.patch(ME, json=body,
                                 headers={"X-CSRF-Token": None}),
                         403, "csrf_failed")
        self.assertError(c.patch(ME, json=body,
                                 headers={"X-CSRF-Token": "A" * 43}),
                         403, "csrf_failed")
        self.assertError(c.patch(ME, json=body,
                                 headers={"Origin": "https://evil.example"}),
                         403, "csrf_failed")
        self.assertError(c.patch(ME, json=body,
                                 headers={"Origin": "null"}),
                         403, "csrf_failed")
        # Another session's token does not do either.
        other, _, _ = self.signed_in()
        self.assertError(c.patch(ME, json=body,
                                 headers={"X-CSRF-Token": other.csrf_token}),
                         403, "csrf_failed")
        # Right token, no Origin (some clients send none): accepted.
        self.assertStatus(c.patch(ME, json=body, headers={"Origin": None}),
                          200)
        self.assertStatus(c.patch(ME, json=body), 200)
        # Logout is unsafe too.
        self.assertError(c.post("/api/v1/auth/logout",
                                headers={"X-CSRF-Token": None}),
                         403, "csrf_failed")

    def test_login_origin_checked(self):
        name, pw = self.user()
        c = self.p.client()
        self.assertError(c.login(name, pw,
                                 headers={"Origin": "http://evil.example"}),
                         403, "csrf_failed")
        self.assertEqual(c.cookies, {})
        self.assertStatus(c.login(name, pw, headers={"Origin": None}), 200)


class Temporary(AuthBase):
    def reset(self, name):
        r = self.p.bureauctl("user", "reset", name)
        self.assertEqual(r.returncode, 0, r.stderr)
        pw = r.stdout.strip()
        self.assertRegex(pw, r"^[a-z0-9]{4}(-[a-z0-9]{4}){3}$")
        return pw

    def test_forced_change(self):
        name, _ = self.user("officer")
        temp = self.reset(name)
        c = self.p.client()
        r = c.login(name, temp)
        self.assertStatus(r, 200)
        self.assertTrue(r.json["user"]["must_change_password"])
        me = c.get(ME)
        self.assertStatus(me, 200)
        self.assertTrue(me.json["user"]["must_change_password"])
        self.assertError(c.patch(ME, json={"language": "en"}), 403,
                         "password_change_required")
        self.assertError(c.get("/api/v1/audit"), 403,
                         "password_change_required")
        self.assertError(c.post("/api/v1/auth/logout",
                                headers={"X-CSRF-Token": None}), 403,
                         "csrf_failed")
        new = "spring-rain-on-the-jialing"
        self.assertStatus(c.post(PASSWORD, json={"current": temp,
                                                 "new": new}), 200)
        self.assertFalse(c.get(ME).json["user"]["must_change_password"])
        self.assertStatus(c.patch(ME, json={"language": "en"}), 200)
        row = self.p.sql("SELECT must_change_password, password_expires_at"
                         " FROM users WHERE username = ?", (name,))
        self.assertEqual(row[0], (0, None))

    def test_temporary_password_expires(self):
        name, _ = self.user("viewer")
        temp = self.reset(name)
        self.p.set_clock(24 * 3600 + 60)
        self.assertError(self.p.client().login(name, temp), 401,
                         "invalid_credentials")
        self.p.set_clock(0)
        self.assertStatus(self.p.client().login(name, temp), 200)

    def test_reset_signs_out_and_unlocks(self):
        c, name, pw = self.signed_in()
        for _ in range(5):
            self.p.client().login(name, "wrong-password-123")
        temp = self.reset(name)
        self.assertError(c.get(ME), 401, "unauthenticated")
        self.assertStatus(self.p.client().login(name, temp), 200)


class Reauth(AuthBase):
    def test_sensitive_action_needs_recent_login(self):
        admin, _, apw = self.signed_in("admin")
        target, _ = self.user("viewer")
        tid = self.p.sql("SELECT id FROM users WHERE username = ?",
                         (target,))[0][0]
        path = "/api/v1/staff/%d" % tid
        self.assertStatus(admin.patch(path, json={"title": "Clerk"}), 200)
        self.p.set_clock(16 * 60)
        self.assertError(admin.patch(path, json={"role": "officer"}), 403,
                         "reauth_required")
        self.assertError(admin.post(path + "/reset-password"), 403,
                         "reauth_required")
        # Reads and the session go on; a new login re-authenticates.
        self.assertStatus(admin.get(path), 200)
        me = admin.get(ME).json["user"]["username"]
        self.assertStatus(admin.login(me, apw), 200)
        self.assertStatus(admin.patch(path, json={"role": "officer"}), 200)


class Rehash(TestCase):
    @classmethod
    def setUpClass(cls):
        cls.p = Portal(plugins=[], name="rehash")
        cls.p.start()

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()

    def hash_of(self, name):
        return self.p.sql("SELECT password_hash FROM users WHERE"
                          " username = ?", (name,))[0][0]

    def test_rehash_when_parameters_change(self):
        pw = self.p.add_user("carol", "viewer")
        h1 = self.hash_of("carol")
        self.assertIn("$argon2id$", h1)
        self.assertIn(",t=1,", h1)
        self.assertStatus(self.p.client().login("carol", pw), 200)
        self.assertEqual(self.hash_of("carol"), h1)      # nothing changed

        self.p.config["auth"]["pw_opslimit"] = "2"
        self.p.write_config()
        self.p.restart()
        self.assertStatus(self.p.client().login("carol", pw), 200)
        h2 = self.hash_of("carol")
        self.assertNotEqual(h1, h2)
        self.assertIn(",t=2,", h2)
        # Still the same password, and no second upgrade.
        self.assertStatus(self.p.client().login("carol", pw), 200)
        self.assertEqual(self.hash_of("carol"), h2)
        self.assertIn("upgraded", self.p.log_text())


class TlsCookie(TestCase):
    @classmethod
    def setUpClass(cls):
        cls.p = Portal(plugins=[], tls=True, name="auth-tls")
        cls.p.start()

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()

    def test_host_prefix_and_secure(self):
        pw = self.p.add_user("dave", "viewer")
        c = self.p.client()
        r = c.login("dave", pw)
        self.assertStatus(r, 200)
        self.assertEqual(len(r.cookies_set), 1)
        name, value, attrs = cookie_attrs(r.cookies_set[0])
        self.assertEqual(name, COOKIE_TLS)
        self.assertRegex(value, r"^[A-Za-z0-9_-]{43}$")
        self.assertIn("secure", attrs)
        self.assertIn("httponly", attrs)
        self.assertEqual(attrs.get("samesite"), "Strict")
        self.assertEqual(attrs.get("path"), "/")
        self.assertNotIn("domain", attrs)     # __Host- forbids it
        self.assertIn("max-age=", r.headers.get("strict-transport-security",
                                                ""))
        self.assertStatus(c.get(ME), 200)
        r = c.logout()
        self.assertStatus(r, 200)
        name, value, attrs = cookie_attrs(r.cookies_set[0])
        self.assertEqual((name, value), (COOKIE_TLS, ""))
        self.assertIn("secure", attrs)

    def test_unprefixed_cookie_is_ignored(self):
        # Outside dev mode a live token under the plain name (which a
        # sibling subdomain could plant: cookie tossing) signs no one in.
        pw = self.p.add_user("tossed", "viewer")
        c = self.p.client()
        self.assertStatus(c.login("tossed", pw), 200)
        token = c.cookies.pop(COOKIE_TLS)
        c.cookies[COOKIE_DEV] = token
        self.assertError(c.get(ME), 401, "unauthenticated")
        c.cookies = {COOKIE_TLS: token}
        self.assertStatus(c.get(ME), 200)


class IpLimit(TestCase):
    @classmethod
    def setUpClass(cls):
        cls.p = Portal(plugins=[], name="iplimit")
        cls.p.start()

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()

    def test_per_address_limit(self):
        pw = self.p.add_user("erin", "viewer")
        c = self.p.client()
        # Spread over unknown names so no account lock gets in the way.
        for i in range(20):
            self.assertError(c.login("ghost%d" % i, "wrong-password-1"), 401,
                             "invalid_credentials")
        r = c.login("erin", pw)
        self.assertError(r, 429, "too_many_attempts")
        self.assertTrue(int(r.headers["retry-after"]) > 0)


class ConfiguredLimits(TestCase):
    """[auth] lock_failures, lock_seconds and ip_failures from the
    configuration instead of the defaults."""

    @classmethod
    def setUpClass(cls):
        cls.p = Portal(plugins=[], name="limitsconf",
                       config={"auth.lock_failures": 2,
                               "auth.lock_seconds": 120,
                               "auth.ip_failures": 4})
        cls.p.start()

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()

    def setUp(self):
        self.p.sql("DELETE FROM login_ip_failures")

    def test_account_locks_after_two(self):
        pw = self.p.add_user("fred", "viewer")
        c = self.p.client()
        t0 = int(time.time())
        self.assertError(c.login("fred", "wrong-password-1"), 401)
        self.assertIsNone(self.p.sql("SELECT locked_until FROM users "
                                     "WHERE username = 'fred'")[0][0])
        self.assertError(c.login("fred", "wrong-password-2"), 401)
        until = self.p.sql("SELECT locked_until FROM users "
                           "WHERE username = 'fred'")[0][0]
        self.assertTrue(t0 + 120 <= until <= int(time.time()) + 121, until)
        # Locked: the right password is refused too.
        self.assertError(c.login("fred", pw), 401, "invalid_credentials")

    def test_address_limit_after_four(self):
        pw = self.p.add_user("gwen", "viewer")
        c = self.p.client()
        for i in range(4):
            self.assertError(c.login("nobody%d" % i, "wrong-password-1"),
                             401, "invalid_credentials")
        r = c.login("gwen", pw)
        self.assertError(r, 429, "too_many_attempts")
        self.assertTrue(0 < int(r.headers["retry-after"]) <= 900)


class NoAddressLimit(TestCase):
    @classmethod
    def setUpClass(cls):
        cls.p = Portal(plugins=[], name="noiplimit",
                       config={"auth.ip_failures": 0})
        cls.p.start()

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()

    def test_zero_turns_it_off(self):
        pw = self.p.add_user("hal", "viewer")
        c = self.p.client()
        for i in range(25):
            self.assertError(c.login("ghost%d" % i, "wrong-password-1"), 401,
                             "invalid_credentials")
        self.assertStatus(c.login("hal", pw), 200)


class HashCap(TestCase):
    """One hash at a time, and hashes slow enough to overlap."""

    @classmethod
    def setUpClass(cls):
        cls.p = Portal(plugins=[], name="hashcap", config={
            "auth.hash_cap": "1",
            "auth.pw_opslimit": "3",
            "auth.pw_memlimit": "256M",
            "server.login_workers": "1",
            "server.login_threads": "4",
        })
        cls.p.start()
        cls.pw = cls.p.add_user("frank", "viewer")

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()

    def concurrent_logins(self, n):
        results = [None] * n

        def one(i):
            results[i] = self.p.client().login("frank", self.pw)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        return threads, results

    def test_over_cap_is_503_and_reads_go_on(self):
        threads, results = self.concurrent_logins(4)
        # The API lane answers meanwhile, quickly.
        health = self.p.client()
        t0 = time.time()
        for _ in range(5):
            self.assertIn(health.get("/api/v1/health").status, (200, 503))
        self.assertLess(time.time() - t0, 2.0)
        for t in threads:
            t.join(60)
        statuses = sorted(r.status for r in results)
        self.assertIn(200, statuses, results)
        self.assertIn(503, statuses, results)
        for r in results:
            if r.status == 503:
                self.assertError(r, 503, "busy")
                self.assertEqual(r.headers.get("retry-after"), "1")

    def login_workers(self):
        r = self.p.bureauctl("status", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        st = json.loads(r.stdout)
        return [w["pid"] for w in st["workers"] if w["lane"] == "login"]

    def test_killed_worker_gives_slot_back(self):
        import os
        import signal
        pids = self.login_workers()
        self.assertTrue(pids)
        threads, results = self.concurrent_logins(1)
        time.sleep(0.15)    # inside Argon2id (256 MiB, 3 passes)
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        for t in threads:
            t.join(60)
        # Killed mid-request (inside the hash): no answer from bureaud.
        self.assertNotEqual(results[0].status, 200, results[0])
        # The slot came back: logins get through again once the worker
        # is respawned (with cap 1 a leaked slot would make them all 503).
        deadline = time.time() + 30
        last = None
        while time.time() < deadline:
            last = self.p.client().login("frank", self.pw)
            if last.status == 200:
                break
            time.sleep(0.3)
        self.assertStatus(last, 200)
        self.assertNotEqual(sorted(self.login_workers()), sorted(pids))


class LoginRace(TestCase):
    """What changes while a login's hash runs decides the login: the
    account row is read again inside the write transaction."""

    @classmethod
    def setUpClass(cls):
        # A hash long enough (a second or more) to change the row under it.
        cls.p = Portal(plugins=[], name="login-race", config={
            "auth.pw_opslimit": "4",
            "auth.pw_memlimit": "256M",
        })
        cls.p.start()

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()

    def login_while(self, name, pw, change_sql):
        res = {}
        t = threading.Thread(target=lambda: res.update(
            r=self.p.client().login(name, pw)))
        t.start()
        time.sleep(0.3)     # inside Argon2id
        self.p.sql(change_sql, (name,))
        t.join(60)
        return res["r"]

    def test_locked_during_the_hash(self):
        # A parallel wrong guess locks the account meanwhile: the right
        # password that was already hashing must not slip through.
        pw = self.p.add_user("gina", "viewer")
        r = self.login_while("gina", pw, "UPDATE users SET locked_until ="
                             " CAST(strftime('%s', 'now') AS INTEGER) + 900"
                             " WHERE username = ?")
        self.assertError(r, 401, "invalid_credentials")
        self.assertEqual(self.p.sql(
            "SELECT count(*) FROM sessions s JOIN users u ON u.id ="
            " s.user_id WHERE u.username = 'gina'")[0][0], 0)

    def test_password_reset_during_the_hash(self):
        pw = self.p.add_user("hugo", "viewer")
        r = self.login_while("hugo", pw, "UPDATE users SET password_hash ="
                             " password_hash || '' || 'x' WHERE username = ?")
        self.assertError(r, 401, "invalid_credentials")


class Cli(TestCase):
    """bureauctl user and audit, against a running instance."""

    @classmethod
    def setUpClass(cls):
        cls.p = Portal(plugins=[], name="auth-cli")
        cls.p.start()

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()

    def ctl(self, *args, input=None, rc=0):
        r = self.p.bureauctl(*args, input=input)
        self.assertEqual(r.returncode, rc, "bureauctl %s: %s %s"
                         % (" ".join(args), r.stdout, r.stderr))
        return r

    def test_add_generate_and_list(self):
        r = self.ctl("user", "add", "--role", "officer", "--display-name",
                     "Wang Fang", "--title", "Officer", "--generate", "wangf")
        pw = r.stdout.strip()
        self.assertRegex(pw, r"^[a-z0-9]{4}(-[a-z0-9]{4}){3}$")
        self.assertNotIn(pw, r.stderr)
        r = self.p.client().login("wangf", pw)
        self.assertStatus(r, 200)
        self.assertEqual(r.json["user"]["display_name"], "Wang Fang")
        self.assertEqual(r.json["user"]["title"], "Officer")
        r = self.ctl("user", "list", "--json")
        users = {u["username"]: u for u in json.loads(r.stdout)}
        self.assertEqual(users["wangf"]["role"], "officer")
        r = self.ctl("user", "list")
        self.assertIn("wangf", r.stdout)
        self.assertNotIn("argon2", r.stdout)
        rows = self.p.sql("SELECT actor FROM audit_log WHERE action ="
                          " 'user.create' ORDER BY id DESC LIMIT 1")
        self.assertTrue(rows[0][0].startswith("bureauctl:"))

    def test_refusals(self):
        self.ctl("user", "add", "--role", "viewer", "--password-stdin",
                 "weakling", input="password1234\n", rc=1)
        self.ctl("user", "add", "--role", "viewer", "--password-stdin",
                 "shorty", input="short\n", rc=1)
        self.ctl("user", "add", "--role", "root", "--generate", "x1", rc=2)
        self.ctl("user", "add", "--role", "viewer", "--generate",
                 "Bad Name", rc=2)
        self.ctl("user", "add", "--generate", "--password-stdin", "x2",
                 rc=2)
        # Not a terminal and no password source: refused, not hung.
        self.ctl("user", "add", "--role", "viewer", "x3", input="", rc=1)
        self.p.add_user("twice", "viewer")
        self.ctl("user", "add", "--role", "viewer", "--generate", "twice",
                 rc=1)
        for sub in ("reset", "unlock", "disable", "enable"):
            self.ctl("user", sub, "no-such-user", rc=1)
        self.ctl("user", "frobnicate", "x", rc=2)
        self.ctl("audit", "frobnicate", rc=2)

    def test_disable_enable_and_last_admin(self):
        pw = self.p.add_user("boss1", "admin")
        admins = [u["username"] for u in json.loads(self.ctl(
            "user", "list", "--json").stdout) if u["role"] == "admin"
            and u["active"]]
        # Leave boss1 as the only active admin.
        for a in admins:
            if a != "boss1":
                self.ctl("user", "disable", a)
        c = self.p.client()
        self.assertStatus(c.login("boss1", pw), 200)
        r = self.ctl("user", "disable", "boss1", rc=1)
        self.assertIn("last active admin", r.stderr)
        self.p.add_user("boss2", "admin")
        self.ctl("user", "disable", "boss1")
        self.assertError(c.get(ME), 401, "unauthenticated")
        self.assertError(self.p.client().login("boss1", pw), 401,
                         "invalid_credentials")
        self.ctl("user", "enable", "boss1")
        self.assertStatus(self.p.client().login("boss1", pw), 200)

    def test_audit_verify_and_head(self):
        r = self.ctl("audit", "verify")
        self.assertIn("intact", r.stdout)
        r = self.ctl("audit", "head")
        hid, h = r.stdout.split()
        self.assertRegex(h, r"^[0-9a-f]{64}$")
        last = self.p.sql("SELECT id, action FROM audit_log ORDER BY id"
                          " DESC LIMIT 1")[0]
        self.assertEqual(last, (int(hid), "audit.verify"))
