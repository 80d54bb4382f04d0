"""bureauctl: the admin's command line against a real instance.

init is idempotent; plugin enable/disable refuse what the dependency rules
forbid, with exit 1 and the reason; a backup taken while writers hammer
the API through nginx is consistent and holds every acknowledged row;
restore is refused while bureaud runs (or anything holds the database)
and brings the rows back; check fails on a damaged copy.
"""

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import threading
import time
import unittest

from harness import Portal, TestCase, bin_path, built_plugins

HELLO = "/api/v1/hello/items"


def extra(name):
    """A test plugin that instances do not get by default."""
    return bin_path("tests", "plugins", "extra", ".libs", name + ".so")


def have(*names):
    found = built_plugins()
    return all(n in found or os.path.exists(extra(n)) for n in names)


def integrity(path):
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        return [r[0] for r in db.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as e:
        return ["error: %s" % e]
    finally:
        db.close()


def hello_table(path):
    """The hello plugin's table (whatever it is called)."""
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        names = [r[0] for r in db.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table' "
            "AND name LIKE 'hello%'")]
    finally:
        db.close()
    if not names:
        raise AssertionError("no hello table in %s" % path)
    return names[0]


def ids_in(path):
    table = hello_table(path)
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        return {r[0] for r in db.execute("SELECT id FROM \"%s\"" % table)}
    finally:
        db.close()


class Writers:
    """Threads POSTing hello items through nginx until stopped.  Every
    201 is recorded with the time its answer arrived."""

    def __init__(self, portal, n=4):
        self.portal = portal
        self.n = n
        self.acked = []            # (time answered, id)
        self.errors = []
        self.lock = threading.Lock()
        self.stop_flag = threading.Event()
        self.threads = []

    def _run(self, k):
        c = self.portal.client(timeout=30)
        i = 0
        while not self.stop_flag.is_set():
            i += 1
            try:
                r = c.post(HELLO, json={"name": "w%d-%d" % (k, i)})
            except OSError as e:     # a refused connection is a failure
                with self.lock:
                    self.errors.append(repr(e))
                continue
            t = time.time()
            with self.lock:
                if r.status == 201 and isinstance(r.json, dict):
                    self.acked.append((t, r.json["id"]))
                else:
                    self.errors.append(repr(r))

    def start(self):
        for k in range(self.n):
            t = threading.Thread(target=self._run, args=(k,), daemon=True)
            t.start()
            self.threads.append(t)
        return self

    def stop(self):
        self.stop_flag.set()
        for t in self.threads:
            t.join(60)

    def acked_before(self, t0):
        with self.lock:
            return {i for (t, i) in self.acked if t < t0}


class TestCommandLine(TestCase):
    """Usage, help and configuration errors: no server needed."""

    @classmethod
    def setUpClass(cls):
        cls.p = Portal(plugins=[], name="ctl-cli")

    @classmethod
    def tearDownClass(cls):
        cls.p.cleanup()

    def test_help_and_version(self):
        r = self.p.bureauctl("--help")
        self.assertEqual(r.returncode, 0, r.stderr)
        for cmd in ("init", "plugin", "backup", "restore", "check",
                    "status", "reload", "user", "audit", "demo"):
            self.assertIn(cmd, r.stdout)
        r = self.p.bureauctl("--version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"bureauctl .*\d+\.\d+")
        for args in (("backup", "--help"), ("help", "restore"),
                     ("plugin", "enable", "--help"), ("check", "-h")):
            r = self.p.bureauctl(*args)
            self.assertEqual(r.returncode, 0, (args, r.stderr))
            self.assertIn("usage:", r.stdout)

    def test_usage_errors_exit_2(self):
        for args in ((), ("nosuchcommand",), ("backup",),
                     ("backup", "a", "b"), ("restore",), ("plugin",),
                     ("plugin", "frobnicate"), ("plugin", "enable"),
                     ("check", "--bogus"), ("init", "extra")):
            r = self.p.bureauctl(*args)
            self.assertEqual(r.returncode, 2, (args, r.stdout, r.stderr))
            self.assertTrue(r.stderr.strip(), args)

    def test_config_errors_exit_1(self):
        r = self.p.bureauctl("-c", os.path.join(self.p.dir, "nope.conf"),
                             "check")
        # The harness passes its own -c first; the last one wins.
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("nope.conf", r.stderr)
        r = self.p.bureauctl("-o", "nosuch.key=1", "check")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("nosuch", r.stderr)

    def test_no_database_yet(self):
        path = os.path.join(self.p.dir, "data", "absent.db")
        r = self.p.bureauctl("-o", "database.path=" + path, "check")
        self.assertEqual(r.returncode, 1)
        self.assertIn("bureauctl init", r.stderr)
        self.assertFalse(os.path.exists(path), "check created a database")
        r = self.p.bureauctl("-o", "database.path=/nonexistent-dir/x.db",
                             "init")
        self.assertEqual(r.returncode, 1)
        self.assertIn("/nonexistent-dir", r.stderr)

    def test_init_is_idempotent(self):
        before = self.p.sql("SELECT owner, version FROM schema_versions "
                            "ORDER BY owner")
        key = self.p.config["auth"]["audit_key"]
        with open(key, "rb") as f:
            key_before = f.read()
        for _ in range(2):
            r = self.p.bureauctl("init")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("up to date", r.stdout)
        self.assertEqual(before, self.p.sql(
            "SELECT owner, version FROM schema_versions ORDER BY owner"))
        with open(key, "rb") as f:
            self.assertEqual(f.read(), key_before, "audit key replaced")
        self.assertEqual(stat.S_IMODE(os.stat(key).st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(self.p.db_path).st_mode)
                         & 0o077, 0, "database readable by others")

    def test_status_without_server(self):
        r = self.p.bureauctl("status")
        self.assertEqual(r.returncode, 1)
        self.assertIn("not running", r.stderr)
        r = self.p.bureauctl("reload")
        self.assertEqual(r.returncode, 1)


@unittest.skipUnless(have("hello", "needsmissing", "depbase", "depchild"),
                     "test plugins not built (make check)")
class TestPluginCommands(TestCase):

    @classmethod
    def setUpClass(cls):
        cls.p = Portal(plugins=[], name="ctl-plugin")
        for name in ("needsmissing", "depbase", "depchild"):
            cls.p.install_plugin(extra(name), name)

    @classmethod
    def tearDownClass(cls):
        cls.p.cleanup()

    def state(self, name):
        r = self.p.bureauctl("plugin", "list", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        for e in json.loads(r.stdout):
            if e["name"] == name:
                return e
        self.fail("%s not listed: %s" % (name, r.stdout))

    def test_list(self):
        r = self.p.bureauctl("plugin", "list")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("NAME", r.stdout)
        self.assertIn("hello", r.stdout)
        e = self.state("needsmissing")
        self.assertIn(e["state"], ("disabled", "incompatible"))

    def test_enable_unmet_dependency(self):
        r = self.p.bureauctl("plugin", "enable", "needsmissing")
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("needsmissing", r.stderr)
        self.assertIn("requires", r.stderr)
        self.assertNotEqual(self.state("needsmissing")["state"], "enabled")

    def test_enable_unknown(self):
        r = self.p.bureauctl("plugin", "enable", "nosuchplugin")
        self.assertEqual(r.returncode, 1)
        self.assertIn("nosuchplugin", r.stderr)
        r = self.p.bureauctl("plugin", "impact", "nosuchplugin")
        self.assertEqual(r.returncode, 1)

    def test_enable_disable_cycle(self):
        r = self.p.bureauctl("plugin", "enable", "hello")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("enabled", r.stdout)
        # Not running: the change waits for the start.
        self.assertIn("not running", r.stdout)
        self.assertEqual(self.state("hello")["state"], "enabled")
        # Migrations ran at once: hello's schema is recorded.
        v = self.p.sql("SELECT version FROM schema_versions "
                       "WHERE owner = 'hello'")
        self.assertTrue(v and v[0][0] >= 1, v)
        # Enabling twice is not an error.
        r = self.p.bureauctl("plugin", "enable", "hello")
        self.assertEqual(r.returncode, 0, r.stderr)

        r = self.p.bureauctl("plugin", "impact", "hello", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        imp = json.loads(r.stdout)
        self.assertEqual(imp["action"], "disable")
        self.assertEqual(imp["blocked_by"], [])
        self.assertTrue(any(x.get("pattern", "").startswith(HELLO)
                            for x in imp["routes_removed"]), imp)

        r = self.p.bureauctl("plugin", "disable", "hello")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("kept", r.stdout)
        self.assertEqual(self.state("hello")["state"], "disabled")
        # The table survives the disable.
        self.assertTrue(hello_table(self.p.db_path))
        r = self.p.bureauctl("plugin", "impact", "hello")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("-> enable", r.stdout)

        # Each switch is audited.
        n = self.p.sql("SELECT count(*) FROM audit_log "
                       "WHERE entity_type = 'plugin'")[0][0]
        self.assertGreaterEqual(n, 2)

    def test_dependency_refusals(self):
        r = self.p.bureauctl("plugin", "enable", "depchild")
        self.assertEqual(r.returncode, 1)
        self.assertIn("requires depbase", r.stderr)
        r = self.p.bureauctl("plugin", "impact", "depchild", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        imp = json.loads(r.stdout)
        self.assertEqual(imp["action"], "enable")
        self.assertTrue(any("depbase" in b for b in imp["blocked_by"]), imp)
        for name in ("depbase", "depchild"):
            r = self.p.bureauctl("plugin", "enable", name)
            self.assertEqual(r.returncode, 0, r.stderr)
        r = self.p.bureauctl("plugin", "disable", "depbase")
        self.assertEqual(r.returncode, 1)
        self.assertIn("required by depchild", r.stderr)
        self.assertEqual(self.state("depbase")["state"], "enabled")
        r = self.p.bureauctl("plugin", "impact", "depbase", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        imp = json.loads(r.stdout)
        self.assertEqual(imp["action"], "disable")
        self.assertTrue(any("depchild" in b for b in imp["blocked_by"]), imp)
        for name in ("depchild", "depbase"):
            r = self.p.bureauctl("plugin", "disable", name)
            self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.state("depbase")["state"], "disabled")


@unittest.skipUnless(have("hello", "initlog", "initlog_dep"),
                     "test plugins not built (make check)")
class TestEnableLoadsOnlyItsOwn(TestCase):
    """plugin enable runs the init() of the plugin it enables and of its
    dependencies, in bureauctl's process -- never another plugin's."""

    @classmethod
    def setUpClass(cls):
        cls.p = Portal(plugins=[], name="ctl-initlog")
        for name in ("initlog", "initlog_dep"):
            cls.p.install_plugin(extra(name), name)
        cls.log = os.path.join(cls.p.dir, "init.log")

    @classmethod
    def tearDownClass(cls):
        cls.p.cleanup()

    def enable(self, name):
        """Enables name; the plugins whose init() ran, in order."""
        if os.path.exists(self.log):
            os.unlink(self.log)
        env = self.p.env()
        env["BUREAU_TEST_INIT_LOG"] = self.log
        cmd = [bin_path("ctl", "bureauctl"), "-c", self.p.conf_path,
               "plugin", "enable", name]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                           env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        if not os.path.exists(self.log):
            return []
        with open(self.log) as f:
            return [line.split()[0] for line in f if line.strip()]

    def test_2_only_the_plugin_and_its_dependencies(self):
        self.assertEqual(self.enable("initlog"), ["initlog"])
        # initlog is enabled now, but enabling hello does not run it.
        self.assertEqual(self.enable("hello"), [])
        # A dependency is loaded (first); hello is not.
        self.assertEqual(self.enable("initlog_dep"),
                         ["initlog", "initlog_dep"])

    def test_1_refused_as_root_for_another_service_user(self):
        if os.geteuid() != 0:
            self.skipTest("needs root")
        server = self.p.config.setdefault("server", {})
        before = server.get("user")
        server["user"] = "nobody"
        self.p.write_config()
        try:
            r = self.p.bureauctl("plugin", "enable", "hello")
        finally:
            if before is None:
                del server["user"]
            else:
                server["user"] = before
            self.p.write_config()
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("must not run as root", r.stderr)
        self.assertIn("nobody", r.stderr)
        # Refused before anything was recorded.
        self.assertEqual(self.p.sql("SELECT count(*) FROM plugins WHERE "
                                    "name = 'hello' AND state = 'enabled'"),
                         [(0,)])


@unittest.skipUnless(have("hello"), "test plugin hello not built")
class TestBackupRestore(TestCase):
    """One instance, used in order: backup under load, restore, check."""

    @classmethod
    def setUpClass(cls):
        cls.p = Portal(plugins=["hello"], name="ctl-backup")
        cls.p.start()
        cls.backup = os.path.join(cls.p.dir, "backup.db")

    @classmethod
    def tearDownClass(cls):
        try:
            cls.p.stop()
        finally:
            cls.p.cleanup()

    def test_1_status_and_reload(self):
        r = self.p.bureauctl("status", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        gen = json.loads(r.stdout)["generation"]
        r = self.p.bureauctl("status")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("generation", r.stdout)
        r = self.p.bureauctl("reload")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("generation", r.stdout)
        r = self.p.bureauctl("status", "--json")
        self.assertGreater(json.loads(r.stdout)["generation"], gen)
        # A switch reaches the running server.
        r = self.p.bureauctl("plugin", "enable", "hello")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("reloaded", r.stdout)

    def test_2_backup_under_writes(self):
        # Some bulk, so that the copy takes long enough for writes to
        # land while it runs.
        self.p.sql("CREATE TABLE zz_padding(b BLOB)")
        self.p.sql("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
                   "FROM n WHERE i < 400) INSERT INTO zz_padding "
                   "SELECT randomblob(65536) FROM n")
        w = Writers(self.p).start()
        try:
            # Let writes flow, then back up in the middle of them.
            deadline = time.time() + 30
            while len(w.acked) < 50 and time.time() < deadline:
                time.sleep(0.05)
            t0 = time.time()
            r = self.p.bureauctl("backup", self.backup)
            t1 = time.time()
            time.sleep(0.3)
        finally:
            w.stop()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(self.backup, r.stdout)
        self.assertIn("bytes", r.stdout)
        self.assertEqual(w.errors, [])
        self.assertGreater(len(w.acked_before(t0)), 0)
        # Writers kept writing while the backup ran and after it.
        self.assertTrue(any(t0 < t < t1 for (t, _) in w.acked),
                        "no write was answered while the backup ran")
        self.assertTrue(any(t > t1 for (t, _) in w.acked), "no late writes")

        self.assertEqual(integrity(self.backup), ["ok"])
        in_backup = ids_in(self.backup)
        missing = w.acked_before(t0) - in_backup
        self.assertEqual(missing, set(), "acknowledged rows not in backup")
        self.assertEqual(
            stat.S_IMODE(os.stat(self.backup).st_mode) & 0o077, 0)
        # Rows answered after the backup ended are in the live database
        # only; restore must bring back the earlier state.
        type(self).late_ids = {i for (t, i) in w.acked if t > t1}
        type(self).backup_ids = in_backup

        r = self.p.bureauctl("backup", self.backup)
        self.assertEqual(r.returncode, 1)
        self.assertIn("exists", r.stderr)

    def test_3_check_ok(self):
        r = self.p.bureauctl("check")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("integrity:    ok", r.stdout)
        r = self.p.bureauctl("check", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(json.loads(r.stdout)["ok"])
        r = self.p.bureauctl("-o", "database.path=" + self.backup, "check")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_4_check_corrupted_copy(self):
        bad = os.path.join(self.p.dir, "corrupt.db")
        shutil.copyfile(self.backup, bad)
        db = sqlite3.connect(bad)
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
        # The root page of an index: damage there leaves the file
        # openable, and integrity_check is what must notice.
        root = db.execute("SELECT rootpage FROM sqlite_schema WHERE "
                          "type = 'index' AND rootpage > 1 "
                          "ORDER BY rootpage DESC LIMIT 1").fetchone()[0]
        db.close()
        with open(bad, "r+b") as f:
            f.seek((root - 1) * page_size + 8)
            f.write(os.urandom(page_size - 16))
        self.assertNotEqual(integrity(bad), ["ok"])
        r = self.p.bureauctl("-o", "database.path=" + bad, "check")
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("integrity", r.stdout + r.stderr)

        # A dangling foreign key is a problem too.
        fk = os.path.join(self.p.dir, "fk.db")
        shutil.copyfile(self.backup, fk)
        db = sqlite3.connect(fk)
        db.execute("PRAGMA foreign_keys = OFF")
        db.execute("INSERT INTO sessions(token_hash, user_id, csrf_token, "
                   "created_at, last_seen, auth_time) "
                   "VALUES (x'00', 424242, 'x', 0, 0, 0)")
        db.commit()
        db.close()
        r = self.p.bureauctl("-o", "database.path=" + fk, "check")
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("foreign key", r.stdout + r.stderr)

        # Restore refuses a damaged file before touching anything.
        r = self.p.bureauctl("restore", bad)
        self.assertEqual(r.returncode, 1)

    def test_5_restore(self):
        if not getattr(type(self), "backup_ids", None):
            self.skipTest("backup test did not run")
        r = self.p.bureauctl("restore", self.backup)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("running", r.stderr)

        self.p.stop_bureaud()
        # Anything else holding the database open also blocks it.
        holder = sqlite3.connect(self.p.db_path)
        holder.execute("SELECT count(*) FROM plugins").fetchall()
        try:
            r = self.p.bureauctl("restore", self.backup)
            self.assertEqual(r.returncode, 1, r.stdout)
            self.assertIn("another process", r.stderr)
        finally:
            holder.close()

        bad = os.path.join(self.p.dir, "notadb")
        with open(bad, "wb") as f:
            f.write(b"hello, not a database" * 100)
        r = self.p.bureauctl("restore", bad)
        self.assertEqual(r.returncode, 1)
        self.assertIn("not an SQLite database", r.stderr)

        r = self.p.bureauctl("restore", self.backup)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("restored", r.stdout)
        for sfx in ("-wal", "-shm"):
            self.assertFalse(os.path.exists(self.p.db_path + sfx), sfx)
        self.assertEqual(ids_in(self.p.db_path), self.backup_ids)
        self.assertEqual(
            [f for f in os.listdir(os.path.dirname(self.p.db_path))
             if f.startswith(".bureau-restore")], [])

        self.p.start_bureaud(wait=True)
        c = self.p.client()
        for i in sorted(self.backup_ids)[:20] + sorted(self.backup_ids)[-20:]:
            r = c.get("%s/%d" % (HELLO, i))
            self.assertEqual(r.status, 200, r)
        for i in sorted(self.late_ids)[:10]:
            r = c.get("%s/%d" % (HELLO, i))
            self.assertEqual(r.status, 404, (i, r))
        r = c.post(HELLO, json={"name": "after restore"})
        self.assertEqual(r.status, 201, r)
        r = self.p.bureauctl("check")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


class TestDemo(TestCase):

    @unittest.skipUnless(have("projects"), "projects plugin not built")
    def test_demo_once(self):
        p = Portal(plugins=["projects"], name="ctl-demo")
        try:
            r = p.bureauctl("demo")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("projects", r.stdout)
            loaded = p.sql("SELECT value FROM settings "
                           "WHERE key = 'demo_loaded'")
            self.assertEqual(len(loaded), 1)
            n = p.sql("SELECT count(*) FROM projects")[0][0]
            self.assertGreater(n, 0)
            r = p.bureauctl("demo")
            self.assertEqual(r.returncode, 1)
            self.assertIn("already loaded", r.stderr)
            self.assertEqual(p.sql("SELECT count(*) FROM projects")[0][0], n)
        finally:
            p.cleanup()

    def test_demo_without_plugins(self):
        p = Portal(plugins=[], name="ctl-demo0")
        try:
            r = p.bureauctl("demo")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(p.sql("SELECT count(*) FROM settings "
                                   "WHERE key = 'demo_loaded'")[0][0], 0)
        finally:
            p.cleanup()


if __name__ == "__main__":
    unittest.main()
