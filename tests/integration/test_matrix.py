"""Every route x every role (none, viewer, officer, auditor, admin), with
the expected outcome of each written here BY HAND -- not derived from the
route table -- and zero unexpected 2xx.

Each role signs in afresh (so re-authentication is satisfied) and works
on targets of its own, so the order of the rows does not matter.  Bodies
are valid, so a 4xx for a role that may use the route would show up as a
mismatch too.  Logout comes last: it ends the session.

Extend ROUTES when a plugin adds routes (projects, expos, regions: add
the plugin to PLUGINS and its rows here).
"""

from harness import Portal, TestCase

ROLES = ("none", "viewer", "officer", "auditor", "admin")
PLUGINS = ["staff"]

# Expected status per role, in ROLES order.  "2xx" = any success.
OK = "2xx"
ANY_SESSION = ("401", OK, OK, OK, OK)
ADMIN_ONLY = ("401", "403", "403", "403", OK)
AUDIT_READERS = ("401", "403", "403", OK, OK)
PUBLIC = (OK, OK, OK, OK, OK)

# (method, path, body, expected).  {victim} is a user of the role's own;
# body may be a function of the role.
ROUTES = [
    ("GET", "/api/v1/health", None, PUBLIC),
    # Unknown user: every caller gets the same refusal, signed in or not.
    ("POST", "/api/v1/auth/login",
     {"username": "no-such-user", "password": "wrong-password-1"},
     ("401", "401", "401", "401", "401")),
    ("GET", "/api/v1/auth/me", None, ANY_SESSION),
    ("PATCH", "/api/v1/auth/me", {"language": "zh-CN"}, ANY_SESSION),
    # Wrong current password: authorised, then refused with 400.
    ("POST", "/api/v1/auth/password",
     {"current": "not-my-password-1", "new": "fresh-green-tea-leaves"},
     ("401", "400", "400", "400", "400")),
    ("GET", "/api/v1/nav", None, ANY_SESSION),
    ("GET", "/api/v1/audit", None, AUDIT_READERS),
    ("GET", "/api/v1/audit?action=auth.login&limit=5", None, AUDIT_READERS),
    # staff plugin: admins only
    ("GET", "/api/v1/staff", None, ADMIN_ONLY),
    ("POST", "/api/v1/staff",
     lambda role: {"username": "new-by-" + role, "display_name": "New",
                   "role": "viewer"}, ADMIN_ONLY),
    ("GET", "/api/v1/staff/{victim}", None, ADMIN_ONLY),
    ("PATCH", "/api/v1/staff/{victim}", {"title": "Clerk"}, ADMIN_ONLY),
    ("PATCH", "/api/v1/staff/{victim}", {"role": "officer"}, ADMIN_ONLY),
    ("POST", "/api/v1/staff/{victim}/reset-password", None, ADMIN_ONLY),
    ("POST", "/api/v1/staff/{victim}/unlock", None, ADMIN_ONLY),
    ("GET", "/api/v1/staff/{victim}/sessions", None, ADMIN_ONLY),
    ("DELETE", "/api/v1/staff/{victim}/sessions", None, ADMIN_ONLY),
    ("PATCH", "/api/v1/staff/{victim}", {"active": False}, ADMIN_ONLY),
    # last: ends the session
    ("POST", "/api/v1/auth/logout", None, ANY_SESSION),
]


def status_class(status):
    return OK if 200 <= status < 300 else str(status)


class Matrix(TestCase):
    @classmethod
    def setUpClass(cls):
        cls.p = Portal(plugins=PLUGINS, name="matrix")
        cls.p.start()
        cls.pw = {}
        for role in ROLES[1:]:
            cls.pw[role] = cls.p.add_user("m-" + role, role)
        cls.victims = {}
        for role in ROLES:
            cls.p.add_user("victim-" + role, "viewer")
            cls.victims[role] = cls.p.sql(
                "SELECT id FROM users WHERE username = ?",
                ("victim-" + role,))[0][0]

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()

    def client_for(self, role):
        c = self.p.client()
        if role != "none":
            self.assertStatus(c.login("m-" + role, self.pw[role]), 200)
        return c

    def test_matrix(self):
        mismatches, unexpected_2xx = [], []
        for i, role in enumerate(ROLES):
            c = self.client_for(role)
            for method, path, body, expected in ROUTES:
                path = path.replace("{victim}", str(self.victims[role]))
                if callable(body):
                    body = body(role)
                if body is None and method in ("POST", "PATCH", "PUT"):
                    body = {}
                r = c.request(method, path, json=body)
                got, want = status_class(r.status), expected[i]
                if got != want:
                    mismatches.append("%-7s %-6s %-45s want %s got %d %s"
                                      % (role, method, path, want, r.status,
                                         r.text[:120]))
                    if got == OK:
                        unexpected_2xx.append(mismatches[-1])
        self.assertEqual(unexpected_2xx, [], "unexpected 2xx:\n" +
                         "\n".join(unexpected_2xx))
        self.assertEqual(mismatches, [], "\n".join(mismatches))

    def test_every_route_is_in_the_table(self):
        """A plugin route without a row here fails: the table must grow
        with the API.  Plugin routes come from the probe's report
        (`bureauctl plugin list --json`), not from this file."""
        import json
        import re
        listed = {(m, re.sub(r"\?.*$", "", p).replace("{victim}", "{id}"))
                  for m, p, _, _ in ROUTES}
        r = self.p.bureauctl("plugin", "list", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        data = json.loads(r.stdout)
        plugins = data if isinstance(data, list) else data.get("plugins",
                                                                 data)
        seen = set()
        for pl in plugins:
            if pl.get("name") not in PLUGINS:
                continue
            for rt in pl.get("routes", []):
                pat = re.sub(r"\{[a-z_]+\}", "{id}", rt["pattern"])
                seen.add((rt["method"], pat))
        self.assertTrue(seen, "no routes reported for %s" % PLUGINS)
        self.assertEqual(seen - listed, set())
