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
PLUGINS = ["staff", "projects", "expos", "regions"]

# Expected status per role, in ROLES order.  "2xx" = any success;
# "pass" = the permission check let it through: 2xx or a 4xx other than
# 401/403 (a write with an empty body, a record that does not exist).
OK = "2xx"
PASS = "pass"
ANY_SESSION = ("401", OK, OK, OK, OK)
ADMIN_ONLY = ("401", "403", "403", "403", OK)
AUDIT_READERS = ("401", "403", "403", OK, OK)
PUBLIC = (OK, OK, OK, OK, OK)
# projects plugin: projects.read for admin, officer, viewer; projects.write
# for admin, officer; the auditor reads the audit log and nothing else.
P_READ = ("401", OK, OK, "403", OK)
P_READ_ANY = ("401", PASS, PASS, "403", PASS)
P_WRITE = ("401", "403", PASS, "403", PASS)

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
    ("GET", "/api/v1/auth/sessions", None, ANY_SESSION),
    # Not a session of the caller's: 404 once authorised.
    ("DELETE", "/api/v1/auth/sessions/999999", None,
     ("401", PASS, PASS, PASS, PASS)),
    # Ends the caller's other sessions, never the current one.
    ("DELETE", "/api/v1/auth/sessions", None, ANY_SESSION),
    ("GET", "/api/v1/audit", None, AUDIT_READERS),
    ("GET", "/api/v1/audit?action=auth.login&limit=5", None, AUDIT_READERS),
    ("GET", "/api/v1/audit/export.csv?action=auth.login", None,
     AUDIT_READERS),
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
    # No such session: 404 once authorised.
    ("DELETE", "/api/v1/staff/{victim}/sessions/{id}", None,
     ("401", "403", "403", "403", PASS)),
    ("PATCH", "/api/v1/staff/{victim}", {"active": False}, ADMIN_ONLY),
    # projects plugin ({id}: a project that does not exist)
    ("GET", "/api/v1/projects", None, P_READ),
    ("POST", "/api/v1/projects", {}, P_WRITE),
    ("GET", "/api/v1/projects/reference", None, P_READ),
    ("GET", "/api/v1/projects/officers", None, P_READ),
    ("GET", "/api/v1/projects/export.csv", None, P_READ),
    ("GET", "/api/v1/projects/export.xlsx", None, P_READ),
    ("POST", "/api/v1/projects/import", {}, P_WRITE),
    ("GET", "/api/v1/projects/{id}", None, P_READ_ANY),
    ("PATCH", "/api/v1/projects/{id}", {"name": "x"}, P_WRITE),
    ("DELETE", "/api/v1/projects/{id}", None, P_WRITE),
    ("GET", "/api/v1/projects/{id}/stage", None, P_READ_ANY),
    ("POST", "/api/v1/projects/{id}/stage", {}, P_WRITE),
    ("GET", "/api/v1/projects/{id}/contracts", None, P_READ_ANY),
    ("POST", "/api/v1/projects/{id}/contracts", {}, P_WRITE),
    ("GET", "/api/v1/projects/{id}/payments", None, P_READ_ANY),
    ("POST", "/api/v1/projects/{id}/payments", {}, P_WRITE),
    ("GET", "/api/v1/projects/{id}/problems", None, P_READ_ANY),
    ("POST", "/api/v1/projects/{id}/problems", {}, P_WRITE),
    ("PATCH", "/api/v1/projects/{id}/problems/{pid}", {}, P_WRITE),
    ("GET", "/api/v1/problems", None, P_READ),
    ("GET", "/api/v1/targets/{year}", None, P_READ_ANY),
    ("PUT", "/api/v1/targets/{year}", {}, P_WRITE),
    ("GET", "/api/v1/report-card", None, P_READ_ANY),
    # expos plugin: expos.read / expos.write, granted like projects'
    # ({id}: an expo that does not exist)
    ("GET", "/api/v1/expos", None, P_READ),
    ("POST", "/api/v1/expos", {}, P_WRITE),
    ("GET", "/api/v1/expos/export.csv", None, P_READ),
    ("GET", "/api/v1/expos/compare?series=sce", None, P_READ),
    ("GET", "/api/v1/expos/series", None, P_READ),
    ("POST", "/api/v1/expos/series", {}, P_WRITE),
    ("GET", "/api/v1/expos/series/export.csv", None, P_READ),
    ("PATCH", "/api/v1/expos/series/{id}", {}, P_WRITE),
    ("GET", "/api/v1/expos/{id}", None, P_READ_ANY),
    ("PATCH", "/api/v1/expos/{id}", {}, P_WRITE),
    ("GET", "/api/v1/expos/{id}/signings", None, P_READ_ANY),
    ("POST", "/api/v1/expos/{id}/signings", {}, P_WRITE),
    ("GET", "/api/v1/expos/{id}/signings/export.csv", None, P_READ_ANY),
    ("DELETE", "/api/v1/expos/{id}/signings/{sid}", None, P_WRITE),
    ("GET", "/api/v1/expos/{id}/summary", None, P_READ_ANY),
    # regions plugin: regions.read / regions.write, granted like projects'
    ("GET", "/api/v1/regions/summary", None, P_READ),
    ("GET", "/api/v1/regions/partners", None, P_READ),
    ("POST", "/api/v1/regions/partners", {}, P_WRITE),
    ("GET", "/api/v1/regions/partners/export.csv", None, P_READ),
    ("GET", "/api/v1/regions/partners/{id}", None, P_READ_ANY),
    ("PATCH", "/api/v1/regions/partners/{id}", {}, P_WRITE),
    ("GET", "/api/v1/regions/pairs", None, P_READ),
    ("POST", "/api/v1/regions/pairs", {}, P_WRITE),
    ("GET", "/api/v1/regions/pairs/export.csv", None, P_READ),
    ("GET", "/api/v1/regions/pairs/{id}", None, P_READ_ANY),
    ("PATCH", "/api/v1/regions/pairs/{id}", {}, P_WRITE),
    ("GET", "/api/v1/regions/parks", None, P_READ),
    ("POST", "/api/v1/regions/parks", {}, P_WRITE),
    ("GET", "/api/v1/regions/parks/export.csv", None, P_READ),
    ("GET", "/api/v1/regions/parks/{id}", None, P_READ_ANY),
    ("PATCH", "/api/v1/regions/parks/{id}", {}, P_WRITE),
    # last: ends the session
    ("POST", "/api/v1/auth/logout", None, ANY_SESSION),
]

FILL = {"{id}": "999999", "{pid}": "1", "{year}": "2025", "{sid}": "1"}


def matches(status, want):
    if want == OK:
        return 200 <= status < 300
    if want == PASS:
        return 200 <= status < 300 or (400 <= status < 500 and
                                       status not in (401, 403))
    return str(status) == want


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
                for k, v in FILL.items():
                    path = path.replace(k, v)
                if callable(body):
                    body = body(role)
                if body is None and method in ("POST", "PATCH", "PUT"):
                    body = {}
                r = c.request(method, path, json=body)
                want = expected[i]
                if not matches(r.status, want):
                    mismatches.append("%-7s %-6s %-45s want %s got %d %s"
                                      % (role, method, path, want, r.status,
                                         r.text[:120]))
                    if 200 <= r.status < 300:
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
        listed = {(m, re.sub(r"\{[^}]+\}", "{id}",
                             re.sub(r"\?.*$", "", p)))
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
                pat = re.sub(r"\{[^}]+\}", "{id}", rt["pattern"])
                seen.add((rt["method"], pat))
        self.assertTrue(seen, "no routes reported for %s" % PLUGINS)
        self.assertEqual(seen - listed, set())
