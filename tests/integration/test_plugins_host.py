"""The plugin host through the real nginx + bureaud: the hello plugin's
routes answer; plugins that fail (bad migration, failing init, unmet
dependency, crashing constructor, wrong ABI, world-writable file) are
recorded as failed with their reason while the others keep serving;
a newer .so migrates forward and an older one is refused.

The refusal cases themselves are unit-tested in tests/unit/test_plugins.c;
here they go through the real start-up of every worker.
"""

import os
import unittest

from harness import Portal, TestCase, bin_path, built_plugins


def extra(name):
    """A test plugin that instances do not get by default."""
    return bin_path("tests", "plugins", "extra", ".libs", name + ".so")


def have(*names):
    found = built_plugins()
    return all(n in found or os.path.exists(extra(n)) for n in names)


def enable_in_table(p, name):
    """As if enabled earlier (with a build that passed): what a worker
    meets at start-up when a plugin has since gone bad."""
    p.sql("INSERT INTO plugins(name, state) VALUES (?, 'enabled') "
          "ON CONFLICT(name) DO UPDATE SET state = 'enabled'", (name,))


def row(p, name):
    rows = p.sql("SELECT state, coalesce(reason, ''), coalesce(version, '') "
                 "FROM plugins WHERE name = ?", (name,))
    return rows[0] if rows else None


@unittest.skipUnless(have("hello"), "test plugin hello not built (make check)")
class HelloServes(TestCase):

    @classmethod
    def setUpClass(cls):
        cls.p = Portal(plugins=["hello"], name="plugins-hello")
        cls.p.start()

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()
        cls.p.cleanup()

    def setUp(self):
        self.c = self.p.client()

    def test_hello(self):
        r = self.c.get("/api/v1/hello")
        self.assertStatus(r, 200)
        self.assertEqual(r.json, {"hello": "world"})

    def test_items_round_trip(self):
        r = self.c.post("/api/v1/hello/items", json={"name": "重庆"})
        self.assertStatus(r, 201)
        self.assertEqual(r.json["name"], "重庆")
        item = r.json["id"]
        r = self.c.get("/api/v1/hello/items/%d" % item)
        self.assertStatus(r, 200)
        self.assertEqual(r.json, {"id": item, "name": "重庆"})
        r = self.c.get("/api/v1/hello/items/999999")
        self.assertError(r, 404, "not_found")

    def test_item_validation(self):
        r = self.c.post("/api/v1/hello/items", json={"name": 5})
        self.assertError(r, 400, "validation_failed", field="name")

    def test_slow(self):
        r = self.c.get("/api/v1/hello/slow?ms=100")
        self.assertStatus(r, 200)
        self.assertEqual(r.json, {"slept_ms": 100})
        r = self.c.get("/api/v1/hello/slow?ms=forever")
        self.assertError(r, 400, "validation_failed", field="ms")

    def test_health_lists_plugins(self):
        r = self.c.get("/api/v1/health")
        self.assertStatus(r, 200)
        names = {e["name"]: e for e in r.json["plugins"]}
        self.assertIn("hello", names)
        self.assertTrue(names["hello"]["enabled"])
        self.assertEqual(names["hello"]["version"], "1.0.0")

    def test_migrated_once(self):
        # Three workers loaded hello; its one step ran once.
        self.assertEqual(self.p.sql("SELECT version FROM schema_versions "
                                    "WHERE owner = 'hello'"), [(1,)])
        self.assertEqual(self.p.sql("SELECT count(*) FROM role_permissions "
                                    "WHERE permission = 'hello.read'"),
                         [(3,)])
        self.assertEqual(row(self.p, "hello")[0], "enabled")


BROKEN = {
    # name: (plugin file installed as NAME.so, mode, words of the reason)
    "badmig": ("badmig", 0o644, "no such table: badmig_no_such_table"),
    "initfail": ("initfail", 0o644, "init() failed"),
    "needsmissing": ("needsmissing", 0o644,
                     "depends on nonexistent which is not enabled"),
    "ctorcrash": ("ctorcrash", 0o644, "crashed with signal 11"),
    "badabi": ("badabi", 0o644, "ABI 99.0"),
    "badsig": ("badsig", 0o644, "build signature mismatch"),
    "depbase": ("depbase", 0o666, "world-writable"),
    "depchild": ("depchild", 0o644, "depends on depbase"),
}


@unittest.skipUnless(have("hello", *[v[0] for v in BROKEN.values()]),
                     "test plugins not built (make check)")
class FailingPluginsOthersServe(TestCase):

    @classmethod
    def setUpClass(cls):
        cls.p = Portal(plugins=["hello"], name="plugins-failing")
        for name, (src, mode, _) in BROKEN.items():
            cls.p.install_plugin(extra(src), name, mode=mode)
            enable_in_table(cls.p, name)
        cls.p.start()

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()
        cls.p.cleanup()

    def test_hello_still_serves(self):
        c = self.p.client()
        for _ in range(6):  # every worker
            r = c.get("/api/v1/hello")
            self.assertStatus(r, 200)

    def test_failed_plugins_recorded_with_reason(self):
        for name, (_, _, reason) in BROKEN.items():
            with self.subTest(plugin=name):
                state, why, _ = row(self.p, name)
                self.assertEqual(state, "failed")
                self.assertIn(reason, why)

    def test_failed_routes_are_404(self):
        c = self.p.client()
        for name in BROKEN:
            with self.subTest(plugin=name):
                r = c.get("/api/v1/%s/ping" % name)
                self.assertEqual(r.status, 404, r.text)

    def test_failed_migration_rolled_back(self):
        self.assertEqual(self.p.sql("SELECT count(*) FROM sqlite_schema "
                                    "WHERE name = 'badmig_items'"), [(0,)])
        self.assertEqual(self.p.sql("SELECT count(*) FROM schema_versions "
                                    "WHERE owner = 'badmig'"), [(0,)])

    def test_health_lists_plugins(self):
        r = self.p.client().get("/api/v1/health")
        self.assertStatus(r, 200)
        names = {e["name"]: e for e in r.json["plugins"]}
        self.assertTrue(names["hello"]["enabled"])
        for name in BROKEN:
            if name in names:
                self.assertFalse(names[name]["enabled"], name)

    def test_reasons_logged(self):
        log = self.p.log_text()
        for name in BROKEN:
            self.assertIn("plugins: %s not loaded" % name, log)


@unittest.skipUnless(have("hello", "hello_v2"),
                     "test plugins not built (make check)")
class UpgradeAndDowngrade(TestCase):

    def test_upgrade_then_downgrade_refused(self):
        p = Portal(plugins=["hello"], name="plugins-upgrade")
        try:
            p.start()
            c = p.client()
            r = c.post("/api/v1/hello/items", json={"name": "kept"})
            self.assertStatus(r, 201)
            item = r.json["id"]

            # A newer build dropped in by rename, then a restart.
            p.stop_bureaud()
            p.install_plugin(extra("hello_v2"), "hello")
            p.start_bureaud(wait=True)
            r = c.get("/api/v1/hello/items/%d" % item)
            self.assertStatus(r, 200)
            self.assertEqual(p.sql("SELECT version FROM schema_versions "
                                   "WHERE owner = 'hello'"), [(2,)])
            self.assertEqual(row(p, "hello")[2], "2.0.0")
            self.assertEqual(p.sql("SELECT note FROM hello_items WHERE "
                                   "id = ?", (item,)), [("",)])

            # The old build again: refused, the data stays as it is.
            p.stop_bureaud()
            p.install_plugin(built_plugins()["hello"], "hello")
            p.start_bureaud(wait=True)
            state, why, _ = row(p, "hello")
            self.assertEqual(state, "failed")
            self.assertIn("downgrade refused", why)
            self.assertEqual(c.get("/api/v1/hello").status, 404)
            self.assertEqual(p.sql("SELECT count(*) FROM hello_items"),
                             [(1,)])
            p.stop()
        finally:
            p.cleanup()


if __name__ == "__main__":
    unittest.main()
