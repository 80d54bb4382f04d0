"""test_pluginadmin -- plugin administration at run time (issue 6), through
the real nginx + bureaud:

- GET /api/v1/plugins lists every file (probed, never loaded by a worker)
  and row: states, reasons (wrong ABI, world-writable file, a crashing
  init), dependencies, schema versions, who changed what and when;
- GET .../impact says what a switch would change;
- POST .../enable and .../disable: permission, fresh login, CSRF, audit,
  dependency refusals, a test-load that crashes, data kept;
- 20 enable/disable cycles of hello under a load of slow requests: no
  failed request but the intended 404s of hello's routes while it is off;
- a disabled plugin's routes and menu go at once in every worker, before
  the reload is done (from the API and from bureauctl);
- an upgrade by rename migrates forward, an older file is refused;
- a quarantined plugin shows with its reason and the banner, and comes
  back by an explicit enable;
- bureauctl plugin list|impact|enable|disable reach the running bureaud.
"""

import http.client
import json
import os
import random
import socket
import threading
import time
import unittest

from harness import Portal, TestCase, bin_path, built_plugins

PLUGINS = "/api/v1/plugins"


def extra(name):
    """A test plugin that instances do not get by default."""
    return bin_path("tests", "plugins", "extra", ".libs", name + ".so")


def have(*names):
    found = built_plugins()
    return all(n in found or os.path.exists(extra(n)) for n in names)


def control(portal, cmd, timeout=60):
    """One command on the control socket; the decoded JSON answer."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(portal.control_socket)
        s.sendall(cmd.encode() + b"\n")
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    return json.loads(data.decode())


def wait_for(pred, timeout=20, step=0.05, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    raise AssertionError("timed out waiting for %s" % what)


def wait_settled(portal):
    """Until the master serves one generation and reloads nothing."""
    def settled():
        st = control(portal, "status")
        return (st["generation"] >= 1 and not st["reloading"] and
                all(w["state"] == "ready" and
                    w["generation"] == st["generation"]
                    for w in st["workers"]) and st)
    return wait_for(settled, 60, what="a settled generation")


def entry(items, name):
    for e in items:
        if e["name"] == name:
            return e
    raise AssertionError("%s not listed: %r" % (name, [e["name"]
                                                      for e in items]))


def admin_client(portal, name="padmin"):
    pw = portal.add_user(name, "admin")
    c = portal.client(timeout=120)
    r = c.login(name, pw)
    if r.status != 200:
        raise AssertionError("login %s: %r" % (name, r))
    return c


def busy_route(portal, part):
    """A request whose route contains part is being served."""
    for w in control(portal, "status")["workers"]:
        for s in w["slots"]:
            if s["state"] == "busy" and part in s["route"]:
                return True
    return False


@unittest.skipUnless(have("hello", "staff", "depbase", "depchild",
                          "initcrash", "badabi"),
                     "test plugins not built (make check)")
class Admin(TestCase):
    """The routes and their rules, on one instance."""

    @classmethod
    def setUpClass(cls):
        cls.p = Portal(plugins=["staff", "hello"], clock=True,
                       name="pluginadmin")
        for n in ("depbase", "depchild", "initcrash", "badabi"):
            cls.p.install_plugin(extra(n), n)
        # A world-writable copy of a good plugin: refused for its mode.
        cls.p.install_plugin(built_plugins()["hello"], "hellocopy",
                             mode=0o666)
        cls.p.start()
        wait_settled(cls.p)
        cls.c = admin_client(cls.p)

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()

    def tearDown(self):
        self.p.set_clock(0)

    def list(self):
        r = self.c.get(PLUGINS)
        self.assertStatus(r, 200)
        self.assertIsInstance(r.json.get("items"), list, r)
        return r.json["items"]

    def switch(self, name, action, status=200):
        r = self.c.post("%s/%s/%s" % (PLUGINS, name, action), json={})
        if status == 200:
            self.assertStatus(r, 200)
            self.assertEqual(r.json["plugin"]["name"], name, r)
        return r

    # --- listing ------------------------------------------------------
    def test_list_fields_and_states(self):
        items = self.list()
        e = entry(items, "hello")
        for k in ("name", "title", "version", "description", "abi", "state",
                  "depends", "required_by", "schema_version",
                  "schema_applied", "changed_at", "changed_by", "routes",
                  "nav", "actions"):
            self.assertIn(k, e, e)
        self.assertEqual(e["state"], "enabled")
        self.assertEqual(e["version"], "1.0.0")
        self.assertEqual(e["abi"], "1.2")   # BUREAU_ABI_MINOR 2
        self.assertEqual(e["schema_version"], 1)
        self.assertEqual(e["schema_applied"], 1)
        # bureauctl at set-up, or padmin in a test that ran before.
        self.assertIn(e["changed_by"], ("bureauctl:root", "padmin"), e)
        self.assertRegex(e["changed_at"], r"^\d{4}-\d\d-\d\dT")
        self.assertIn("disable", e["actions"])

        base = entry(items, "depbase")
        self.assertIn(base["state"], ("disabled", "enabled"))
        self.assertIn("depchild", base["required_by"])
        self.assertEqual(entry(items, "depchild")["depends"], ["depbase"])

        bad = entry(items, "badabi")
        self.assertEqual(bad["state"], "incompatible")
        self.assertIn("ABI 99.0", bad["reason"])
        self.assertEqual(bad["actions"], [])

        ww = entry(items, "hellocopy")
        self.assertEqual(ww["state"], "incompatible")
        self.assertIn("writable", ww["reason"])

    def test_list_is_probed_not_loaded_and_cached(self):
        # Probing every file is a fork+exec each (tens of ms with the
        # sanitizers); each worker keeps the answers by file identity.
        # Of a few listings, the slowest met a cold cache (a worker of a
        # new generation), the fastest a warm one.
        times = []
        for _ in range(8):
            t0 = time.time()
            self.list()
            times.append(time.time() - t0)
        self.assertLess(min(times), 2.0)
        # badabi's constructor-free refusal and the world-writable copy
        # never reach a worker: no worker logged loading them.
        log = self.p.log_text()
        self.assertNotIn("plugins: badabi 1.0.0 loaded", log)
        self.assertNotIn("hellocopy", "\n".join(
            ln for ln in log.splitlines() if " loaded" in ln))

    def test_single_plugin_and_unknown(self):
        r = self.c.get(PLUGINS + "/hello")
        self.assertStatus(r, 200)
        self.assertEqual(r.json["name"], "hello")
        self.assertError(self.c.get(PLUGINS + "/nosuch"), 404, "not_found")
        self.assertError(self.c.get(PLUGINS + "/nosuch/impact"), 404,
                         "not_found")
        self.assertError(self.c.post(PLUGINS + "/nosuch/enable", json={}),
                         404, "not_found")
        self.assertError(self.c.post(PLUGINS + "/nosuch/disable", json={}),
                         404, "not_found")
        # Slugs the router takes but no plugin can be named.
        self.assertError(self.c.post(PLUGINS + "/no-such/enable", json={}),
                         404, "not_found")
        self.assertError(self.c.get(PLUGINS + "/hello/impact?action=x"),
                         400, "validation_failed", "action")

    # --- who may ------------------------------------------------------
    def test_viewer_and_anonymous_refused(self):
        pw = self.p.add_user("pviewer", "viewer")
        v = self.p.client()
        self.assertStatus(v.login("pviewer", pw), 200)
        self.assertError(v.get(PLUGINS), 403, "forbidden")
        self.assertError(v.get(PLUGINS + "/hello/impact"), 403, "forbidden")
        self.assertError(v.post(PLUGINS + "/hello/disable", json={}), 403,
                         "forbidden")
        anon = self.p.client()
        self.assertError(anon.get(PLUGINS), 401, "unauthenticated")
        self.assertError(anon.post(PLUGINS + "/hello/disable", json={}),
                         401)
        self.assertEqual(self.p.client().get("/api/v1/hello").status, 200)

    def test_reauth_and_csrf(self):
        # A login older than 15 minutes may look, not switch.
        self.p.set_clock(16 * 60)
        self.assertStatus(self.c.get(PLUGINS + "/hello/impact"), 200)
        self.assertError(self.c.post(PLUGINS + "/hello/disable", json={}),
                         403, "reauth_required")
        self.p.set_clock(0)
        self.assertError(self.c.post(PLUGINS + "/hello/disable", json={},
                                     csrf=False), 403, "csrf_failed")
        self.assertEqual(self.p.sql("SELECT state FROM plugins WHERE "
                                    "name = 'hello'"), [("enabled",)])

    # --- impact ---------------------------------------------------------
    def test_impact(self):
        r = self.c.get(PLUGINS + "/hello/impact")
        self.assertStatus(r, 200)
        imp = r.json
        self.assertEqual(imp["action"], "disable")
        self.assertTrue(imp["allowed"])
        self.assertEqual(imp["blocked_by"], [])
        self.assertEqual(imp["dependents"], [])
        self.assertIn({"method": "GET", "pattern": "/api/v1/hello",
                       "permission": "public"}, imp["routes_removed"])
        self.assertEqual([n["id"] for n in imp["nav_removed"]], ["hello"])
        self.assertEqual(imp["data"], "kept")

        r = self.c.get(PLUGINS + "/depchild/impact")
        imp = r.json
        self.assertEqual(imp["action"], "enable")
        self.assertFalse(imp["allowed"])
        self.assertEqual(imp["missing_dependencies"],
                         [{"name": "depbase", "state": "disabled"}])
        self.assertTrue(any("depbase" in b for b in imp["blocked_by"]), imp)
        # Pending: none once an earlier test enabled it.
        applied = entry(self.list(), "depchild")["schema_applied"]
        self.assertEqual([m["version"] for m in imp["migrations"]],
                         [1] if applied == 0 else [])
        self.assertEqual(imp["routes_added"][0]["pattern"],
                         "/api/v1/depchild/ping")

        # The same answer from the shell.
        r = self.p.bureauctl("plugin", "impact", "depchild", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), imp)
        r = self.p.bureauctl("plugin", "impact", "hello")
        self.assertIn("/api/v1/hello", r.stdout)

        imp = self.c.get(PLUGINS + "/badabi/impact").json
        self.assertFalse(imp["allowed"])
        self.assertIn("ABI", imp["blocked_by"][0])

    # --- switching ------------------------------------------------------
    def test_dependencies(self):
        r = self.switch("depchild", "enable", 409)
        err = self.assertError(r, 409, "unmet_dependencies")
        self.assertEqual(err["names"], ["depbase"])
        self.assertEqual(self.p.client().get("/api/v1/depchild/ping").status,
                         404)

        r = self.switch("depbase", "enable")
        self.assertTrue(r.json["changed"])
        self.assertTrue(r.json["reloaded"])
        self.assertEqual(r.json["plugin"]["state"], "enabled")
        r = self.switch("depchild", "enable")
        self.assertEqual(r.json["plugin"]["state"], "enabled")
        anon = self.p.client()
        self.assertEqual(anon.get("/api/v1/depbase/ping").status, 200)
        self.assertEqual(anon.get("/api/v1/depchild/ping").status, 200)

        r = self.switch("depbase", "disable", 409)
        err = self.assertError(r, 409, "required_by")
        self.assertEqual(err["names"], ["depchild"])
        imp = self.c.get(PLUGINS + "/depbase/impact").json
        self.assertEqual(imp["dependents"], ["depchild"])
        self.assertFalse(imp["allowed"])
        self.assertEqual(anon.get("/api/v1/depbase/ping").status, 200)

        self.switch("depchild", "disable")
        self.switch("depbase", "disable")
        self.assertEqual(anon.get("/api/v1/depbase/ping").status, 404)
        self.assertEqual(anon.get("/api/v1/depchild/ping").status, 404)
        # Switching to the state it is in changes nothing.
        r = self.switch("depbase", "disable")
        self.assertFalse(r.json["changed"])

    def test_initcrash_refused_with_reason(self):
        r = self.switch("initcrash", "enable", 422)
        err = self.assertError(r, 422, "test_load_failed")
        self.assertIn("crashed with signal 11", err["message"])
        self.assertIn("in init", err["message"])
        # The workers never saw it; the admin keeps seeing why.
        e = entry(self.list(), "initcrash")
        self.assertEqual(e["state"], "incompatible")
        self.assertIn("in init", e["reason"])
        self.assertIn("enable", e["actions"])
        self.assertEqual(self.p.client().get(
            "/api/v1/initcrash/ping").status, 404)
        self.assertNotIn("initcrash 1.0.0 loaded", self.p.log_text())
        self.assertError(self.switch("badabi", "enable", 422), 422,
                         "incompatible")
        self.assertError(self.switch("hellocopy", "enable", 422), 422,
                         "incompatible")

    def test_data_survives_disable_enable(self):
        anon = self.p.client()
        r = anon.post("/api/v1/hello/items", json={"name": "kept"})
        self.assertStatus(r, 201)
        item = r.json["id"]
        self.switch("hello", "disable")
        self.assertEqual(anon.get("/api/v1/hello/items/%d" % item).status,
                         404)
        self.assertEqual(self.p.sql("SELECT name FROM hello_items WHERE "
                                    "id = ?", (item,)), [("kept",)])
        nav = self.c.get("/api/v1/nav").json
        self.assertNotIn("hello", [i["id"] for i in nav["items"]])
        imp = self.c.get(PLUGINS + "/hello/impact").json
        self.assertEqual(imp["action"], "enable")
        self.assertEqual(imp["migrations"], [])
        self.switch("hello", "enable")
        r = anon.get("/api/v1/hello/items/%d" % item)
        self.assertStatus(r, 200)
        self.assertEqual(r.json["name"], "kept")
        nav = self.c.get("/api/v1/nav").json
        self.assertIn("hello", [i["id"] for i in nav["items"]])

    def test_zz_audit_log(self):
        # Runs last (zz): every switch of this class is in the log.
        rows = self.p.sql("SELECT action, actor, entity_type, before, "
                          "after FROM audit_log WHERE action LIKE "
                          "'plugin.%' AND actor = 'padmin' ORDER BY id")
        got = [(a, json.loads(af)["plugin"]) for a, _, _, _, af in rows]
        for want in [("plugin.enable", "depbase"),
                     ("plugin.enable", "depchild"),
                     ("plugin.disable", "depchild"),
                     ("plugin.disable", "depbase"),
                     ("plugin.disable", "hello"),
                     ("plugin.enable", "hello"),
                     ("plugin.test_load_failed", "initcrash")]:
            self.assertIn(want, got)
        for _, _, etype, before, after in rows:
            self.assertEqual(etype, "plugin")
            self.assertIn("state", json.loads(before))
            self.assertIn("state", json.loads(after))
        # Refusals changed nothing, so they logged nothing.
        self.assertNotIn(("plugin.enable", "badabi"), got)
        r = self.p.bureauctl("audit", "verify")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    # --- the shell --------------------------------------------------------
    def test_bureauctl_reaches_running_bureaud(self):
        r = self.p.bureauctl("plugin", "list", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        shell = {e["name"]: e["state"] for e in json.loads(r.stdout)}
        api = {e["name"]: e["state"] for e in self.list()}
        self.assertEqual(shell, api)

        gen = control(self.p, "status")["generation"]
        r = self.p.bureauctl("plugin", "disable", "hello")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("reloaded", r.stdout)
        self.assertGreater(control(self.p, "status")["generation"], gen)
        self.assertEqual(self.p.client().get("/api/v1/hello").status, 404)
        self.assertEqual(entry(self.list(), "hello")["state"], "disabled")
        r = self.p.bureauctl("plugin", "enable", "hello")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.p.client().get("/api/v1/hello").status, 200)
        rows = self.p.sql("SELECT action FROM audit_log WHERE actor LIKE "
                          "'bureauctl:%' AND action LIKE 'plugin.%' "
                          "ORDER BY id DESC LIMIT 2")
        self.assertEqual(rows, [("plugin.enable",), ("plugin.disable",)])


class Load:
    """Client threads through nginx, each in a loop of slow requests of
    hello and of depbase, a quick hello and a health check; every answer
    is recorded with when it started and ended."""

    def __init__(self, portal, nthreads, slow_ms=(200, 700)):
        self.portal = portal
        self.slow_ms = slow_ms
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.results = []           # (path, t0, t1, status, body)
        self.threads = [threading.Thread(target=self._run, daemon=True)
                        for _ in range(nthreads)]

    def _one(self, path):
        conn = http.client.HTTPConnection("127.0.0.1", self.portal.port,
                                          timeout=60)
        try:
            conn.request("GET", path)
            r = conn.getresponse()
            return r.status, r.read()
        finally:
            conn.close()

    def _run(self):
        rnd = random.Random()
        while not self.stop.is_set():
            ms = rnd.randint(*self.slow_ms)
            for path in ("/api/v1/hello/slow?ms=%d" % ms,
                         "/api/v1/depbase/ping?ms=%d" % ms,
                         "/api/v1/hello", "/api/v1/health"):
                t0 = time.time()
                try:
                    status, body = self._one(path)
                except (OSError, http.client.HTTPException) as e:
                    status, body = None, repr(e).encode()
                with self.lock:
                    self.results.append((path, t0, time.time(), status,
                                         body[:200]))

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(120)
        return False


@unittest.skipUnless(have("hello", "staff", "depbase"),
                     "test plugins not built (make check)")
class CyclesUnderLoad(TestCase):
    """20 enable/disable cycles of hello while N x M + 2 clients keep
    slow requests in flight: nothing fails but hello's 404s while off."""

    CYCLES = 20

    @classmethod
    def setUpClass(cls):
        cls.p = Portal(plugins=["staff", "hello"], name="pluginadmin-load",
                       config={"server.workers": "2",
                               "server.threads": "2"})
        cls.p.install_plugin(extra("depbase"), "depbase")
        cls.p.bureauctl("plugin", "enable", "depbase", check=True)
        cls.p.start()
        wait_settled(cls.p)
        cls.c = admin_client(cls.p)

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()

    def test_cycles_under_load(self):
        cfg = self.p.config["server"]
        n_by_m = int(cfg["workers"]) * int(cfg["threads"])
        off = []                    # [t_disable_sent, t_enable_answered]
        gen0 = control(self.p, "status")["generation"]
        probe = self.p.client()
        with Load(self.p, n_by_m + 2) as load:
            for i in range(self.CYCLES):
                # A slow hello request spans the disable...
                wait_for(lambda: busy_route(self.p, "hello/slow"), 10,
                         what="a slow hello request in flight")
                t0 = time.time()
                r = self.c.post(PLUGINS + "/hello/disable", json={})
                self.assertStatus(r, 200)
                self.assertTrue(r.json["reloaded"], r)
                self.assertEqual(probe.get("/api/v1/hello").status, 404)
                # ... and a slow one of another plugin the enable.
                wait_for(lambda: busy_route(self.p, "depbase/ping"), 10,
                         what="a slow depbase request in flight")
                r = self.c.post(PLUGINS + "/hello/enable", json={})
                self.assertStatus(r, 200)
                self.assertTrue(r.json["reloaded"], r)
                off.append((t0, time.time()))
                self.assertEqual(probe.get("/api/v1/hello").status, 200)
            time.sleep(1.0)         # the last slow ones finish under load

        def intended(path, t0, t1, status):
            return (status == 404 and path.startswith("/api/v1/hello") and
                    any(t0 < b and t1 > a for a, b in off))
        failed = [x for x in load.results
                  if x[3] != 200 and not intended(*x[:4])]
        hello_404 = [x for x in load.results if x[3] == 404]
        slow_ok = [x for x in load.results
                   if x[3] == 200 and "slow" in x[0]]
        self.assertEqual(failed, [], "%d failed of %d"
                         % (len(failed), len(load.results)))
        self.assertGreater(len(hello_404), 0)       # the switch was real
        self.assertGreater(len(slow_ok), self.CYCLES)
        st = control(self.p, "status")
        self.assertGreaterEqual(st["generation"], gen0 + 2 * self.CYCLES)
        log = self.p.log_text()
        self.assertNotIn("killed by signal", log)
        self.assertNotIn("upstream prematurely closed",
                         self.p.nginx_log_text())
        rows = self.p.sql("SELECT count(*) FROM audit_log WHERE action IN "
                          "('plugin.enable', 'plugin.disable') AND actor = "
                          "'padmin'")
        self.assertEqual(rows, [(2 * self.CYCLES,)])


@unittest.skipUnless(have("hello", "staff", "slowctor"),
                     "test plugins not built (make check)")
class AtOnce(TestCase):
    """A disable takes effect in every worker of the old generation before
    the new one is ready.  slowctor in the directory hangs every probe of
    it until the probe's timeout (5 s): each new worker takes that long to
    start, which keeps the window open."""

    @classmethod
    def setUpClass(cls):
        cls.p = Portal(plugins=["staff", "hello"], name="pluginadmin-now",
                       config={"server.workers": "2",
                               "server.threads": "2"})
        cls.p.install_plugin(extra("slowctor"), "slowctor")
        cls.p.start()
        wait_settled(cls.p)
        cls.c = admin_client(cls.p)

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()

    def _switch_in_background(self, fn):
        out = {}
        t = threading.Thread(target=lambda: out.setdefault("r", fn()),
                             daemon=True)
        t.start()
        return t, out

    def _gone_at_once(self, gen, slow):
        """hello's routes 404, its menu entry gone, while the old
        generation still serves; the slow request in flight ends 200."""
        def published():
            st = control(self.p, "status")
            es = st.get("enabled_set")
            return es is not None and "hello" not in es and st
        st = wait_for(published, 20, what="the set published")
        anon = self.p.client()
        self.assertEqual(anon.get("/api/v1/hello").status, 404)
        self.assertEqual(anon.get("/api/v1/hello/items/1").status, 404)
        self.assertEqual(anon.get("/api/v1/health").status, 200)
        nav = self.c.get("/api/v1/nav").json
        self.assertNotIn("hello", [i["id"] for i in nav["items"]])
        st = control(self.p, "status")
        self.assertTrue(st["reloading"], st)
        self.assertEqual(st["generation"], gen)
        slow.join(30)
        self.assertEqual(slow.result, 200)

    def _slow_request(self):
        t = threading.Thread(target=lambda: setattr(
            t, "result", self.p.client().get(
                "/api/v1/hello/slow?ms=1500").status), daemon=True)
        t.result = None
        t.start()
        wait_for(lambda: busy_route(self.p, "hello/slow"), 10,
                 what="the slow request in flight")
        return t

    def test_api_disable_is_immediate(self):
        gen = wait_settled(self.p)["generation"]
        slow = self._slow_request()
        t, out = self._switch_in_background(
            lambda: self.c.post(PLUGINS + "/hello/disable", json={}))
        self._gone_at_once(gen, slow)
        t.join(120)
        self.assertStatus(out["r"], 200)
        self.assertTrue(out["r"].json["reloaded"])
        self.assertEqual(self.c.post(PLUGINS + "/hello/enable",
                                     json={}).status, 200)
        self.assertEqual(self.p.client().get("/api/v1/hello").status, 200)

    def test_bureauctl_disable_is_immediate(self):
        gen = wait_settled(self.p)["generation"]
        slow = self._slow_request()
        t, out = self._switch_in_background(
            lambda: self.p.bureauctl("plugin", "disable", "hello"))
        self._gone_at_once(gen, slow)
        t.join(120)
        self.assertEqual(out["r"].returncode, 0, out["r"].stderr)
        r = self.p.bureauctl("plugin", "enable", "hello")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.p.client().get("/api/v1/hello").status, 200)


@unittest.skipUnless(have("hello", "hello_v2", "staff"),
                     "test plugins not built (make check)")
class Upgrade(TestCase):
    """A newer hello renamed over hello.so + enable migrates forward with
    the data; the older file back is refused."""

    def test_upgrade_then_older_refused(self):
        p = Portal(plugins=["staff", "hello"], name="pluginadmin-upgrade")
        try:
            p.start()
            wait_settled(p)
            c = admin_client(p)
            anon = p.client()
            item = anon.post("/api/v1/hello/items",
                             json={"name": "kept"}).json["id"]

            p.install_plugin(extra("hello_v2"), "hello")
            e = entry(c.get(PLUGINS).json["items"], "hello")
            self.assertEqual((e["state"], e["version"], e["schema_version"],
                              e["schema_applied"], e["recorded_version"]),
                             ("enabled", "2.0.0", 2, 1, "1.0.0"))
            self.assertTrue(e["upgrade"])
            self.assertIn("enable", e["actions"])
            imp = c.get(PLUGINS + "/hello/impact?action=enable").json
            self.assertEqual(imp["migrations"],
                             [{"version": 2, "description": "item notes"}])

            r = c.post(PLUGINS + "/hello/enable", json={})
            self.assertStatus(r, 200)
            self.assertTrue(r.json["changed"] and r.json["reloaded"], r)
            self.assertEqual(r.json["plugin"]["schema_applied"], 2)
            self.assertEqual(p.sql("SELECT version FROM schema_versions "
                                   "WHERE owner = 'hello'"), [(2,)])
            self.assertEqual(p.sql("SELECT version FROM plugins WHERE "
                                   "name = 'hello'"), [("2.0.0",)])
            self.assertEqual(p.sql("SELECT name, note FROM hello_items "
                                   "WHERE id = ?", (item,)), [("kept", "")])
            self.assertStatus(anon.get("/api/v1/hello/items/%d" % item), 200)
            row = p.sql("SELECT before, after FROM audit_log WHERE action = "
                        "'plugin.enable' ORDER BY id DESC LIMIT 1")[0]
            self.assertEqual(json.loads(row[0])["version"], "1.0.0")
            self.assertEqual(json.loads(row[1])["version"], "2.0.0")
            # Enabling the same file again changes nothing.
            r = c.post(PLUGINS + "/hello/enable", json={})
            self.assertFalse(r.json["changed"])

            # The older build renamed back in: refused, data untouched.
            p.install_plugin(built_plugins()["hello"], "hello")
            e = entry(c.get(PLUGINS).json["items"], "hello")
            self.assertEqual(e["state"], "incompatible")
            self.assertIn("downgrade refused", e["reason"])
            self.assertNotIn("enable", e["actions"])
            self.assertError(c.post(PLUGINS + "/hello/enable", json={}),
                             422, "incompatible")
            # The running workers keep the file they loaded.
            self.assertStatus(anon.get("/api/v1/hello/items/%d" % item), 200)
            self.assertEqual(p.sql("SELECT version FROM schema_versions "
                                   "WHERE owner = 'hello'"), [(2,)])
            p.stop()
        finally:
            p.cleanup()


@unittest.skipUnless(have("hello", "staff"),
                     "test plugins not built (make check)")
class QuarantineSeen(TestCase):
    """Quarantine (the crash counting is test_process's): what the admin
    sees, and the explicit way back."""

    def crash_until_quarantined(self, p, anon, plugin):
        """Three crashes of plugin's /crash route, each worker back
        before the next; then its quarantine recorded."""
        for _ in range(3):
            r = anon.get("/api/v1/%s/crash" % plugin)
            self.assertIn(r.status, (500, 502), r)
            wait_for(lambda: len([w for w in control(p, "status")[
                "workers"] if w["lane"] == "api" and
                w["state"] == "ready"]) == 2, 30, what="api workers back")
        wait_for(lambda: p.sql("SELECT state FROM plugins WHERE name = ?",
                               (plugin,)) == [("quarantined",)], 30,
                 what="%s quarantined" % plugin)

    def test_quarantine_listed_alerted_reenabled(self):
        p = Portal(plugins=["staff", "hello"], crashes_expected=True,
                   config={"server.workers": "2", "server.threads": "1"},
                   name="pluginadmin-quarantine")
        try:
            p.start()
            wait_settled(p)
            c = admin_client(p)
            anon = p.client()
            self.crash_until_quarantined(p, anon, "hello")
            wait_for(lambda: anon.get("/api/v1/hello").status == 404, 30,
                     what="hello's routes gone")
            e = entry(c.get(PLUGINS).json["items"], "hello")
            self.assertEqual(e["state"], "quarantined")
            self.assertIn("crashed a worker 3 times", e["reason"])
            self.assertEqual(e["changed_by"], "bureaud")
            self.assertIn("enable", e["actions"])
            alerts = c.get("/api/v1/nav").json["alerts"]
            self.assertEqual([(a["plugin"], a["state"]) for a in alerts],
                             [("hello", "quarantined")])
            imp = c.get(PLUGINS + "/hello/impact").json
            self.assertEqual(imp["action"], "enable")
            self.assertTrue(imp["allowed"])

            wait_settled(p)
            r = c.post(PLUGINS + "/hello/enable", json={})
            self.assertStatus(r, 200)
            self.assertEqual(r.json["plugin"]["state"], "enabled")
            self.assertEqual(anon.get("/api/v1/hello").status, 200)
            self.assertEqual(c.get("/api/v1/nav").json["alerts"], [])
            acts = [a for (a,) in p.sql(
                "SELECT action FROM audit_log WHERE action LIKE 'plugin.%' "
                "ORDER BY id")]
            self.assertEqual(acts[-2:], ["plugin.quarantine",
                                         "plugin.enable"])
            p.stop()
        finally:
            p.cleanup()

    @unittest.skipUnless(have("depbase", "depchild", "depgrand"),
                         "test plugins not built (make check)")
    def test_quarantine_cascades_to_dependents(self):
        """A quarantined plugin takes what depends on it down (disabled,
        with the reason), leaves the rest serving, and nothing comes
        back by itself: each is enabled again explicitly, in order."""
        p = Portal(plugins=["staff", "hello"], crashes_expected=True,
                   config={"server.workers": "2", "server.threads": "1"},
                   name="pluginadmin-cascade")
        try:
            for n in ("depbase", "depchild", "depgrand"):
                p.install_plugin(extra(n), n)
            p.start()
            wait_settled(p)
            c = admin_client(p)
            anon = p.client()
            for n in ("depbase", "depchild", "depgrand"):
                self.assertStatus(c.post(PLUGINS + "/%s/enable" % n,
                                         json={}), 200)
            for n in ("depbase", "depchild", "depgrand", "hello"):
                self.assertStatus(anon.get("/api/v1/%s/ping" % n
                                           if n != "hello" else
                                           "/api/v1/hello"), 200)
            self.crash_until_quarantined(p, anon, "depbase")
            wait_for(lambda: anon.get("/api/v1/depgrand/ping").status ==
                     404, 30, what="the dependents' routes gone")
            for n in ("depbase", "depchild", "depgrand"):
                self.assertEqual(anon.get("/api/v1/%s/ping" % n).status,
                                 404, n)
            self.assertStatus(anon.get("/api/v1/hello"), 200)

            items = c.get(PLUGINS).json["items"]
            self.assertEqual(entry(items, "depbase")["state"], "quarantined")
            child = entry(items, "depchild")
            self.assertEqual(child["state"], "disabled")
            self.assertEqual(child["reason"],
                             "depends on depbase (quarantined)")
            grand = entry(items, "depgrand")
            self.assertEqual(grand["state"], "disabled")
            # Named after the root cause, not the link in between.
            self.assertEqual(grand["reason"],
                             "depends on depbase (quarantined)")
            self.assertEqual(entry(items, "hello")["state"], "enabled")
            alerts = c.get("/api/v1/nav").json["alerts"]
            self.assertIn(("depbase", "quarantined"),
                          [(a["plugin"], a["state"]) for a in alerts])
            # One audit entry per plugin, in the cascade's order.
            acts = [a for (a,) in p.sql(
                "SELECT action FROM audit_log WHERE action IN "
                "('plugin.quarantine', 'plugin.disable') ORDER BY id")]
            self.assertEqual(acts, ["plugin.quarantine", "plugin.disable",
                                    "plugin.disable"])

            # The way back: the child first is refused, then in order.
            wait_settled(p)
            err = self.assertError(c.post(PLUGINS + "/depchild/enable",
                                          json={}), 409,
                                   "unmet_dependencies")
            self.assertEqual(err["names"], ["depbase"])
            for n in ("depbase", "depchild", "depgrand"):
                r = c.post(PLUGINS + "/%s/enable" % n, json={})
                self.assertStatus(r, 200)
                self.assertEqual(r.json["plugin"]["state"], "enabled")
            for n in ("depbase", "depchild", "depgrand"):
                self.assertStatus(anon.get("/api/v1/%s/ping" % n), 200)
            self.assertEqual(c.get("/api/v1/nav").json["alerts"], [])
            p.stop()
        finally:
            p.cleanup()


if __name__ == "__main__":
    unittest.main()
