"""test_process -- bureaud's process model through the real nginx:
control socket, crash respawn with blame, graceful reloads under load
with no failed request, graceful stop, the stuck-request limit, and the
command line (--help, --version, --check-config)."""

import http.client
import json
import os
import random
import signal
import socket
import subprocess
import threading
import time

from harness import Portal, TestCase, bin_path


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


def wait_ready(portal):
    """Health answers as soon as one worker does; this waits until the
    master has committed the whole first generation."""
    def ready():
        st = control(portal, "status")
        return st["generation"] >= 1 and not st["reloading"] and all(
            w["state"] == "ready" for w in st["workers"]) and st
    return wait_for(ready, 30, what="the first generation")


def api_workers(status, generation=None):
    return [w for w in status["workers"] if w["lane"] == "api" and
            w["state"] == "ready" and
            (generation is None or w["generation"] == generation)]


class Load:
    """Client threads through nginx, each in a loop of a slow request
    and a quick one, counting every answer that is not a 200."""

    def __init__(self, portal, nthreads, slow_ms=(150, 700)):
        self.portal = portal
        self.nthreads = nthreads
        self.slow_ms = slow_ms
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.ok = 0
        self.failures = []
        self.threads = [threading.Thread(target=self._run, daemon=True)
                        for _ in range(nthreads)]

    def _one(self, path):
        conn = http.client.HTTPConnection("127.0.0.1", self.portal.port,
                                          timeout=60)
        try:
            conn.request("GET", path)
            r = conn.getresponse()
            body = r.read()
            return r.status, body
        finally:
            conn.close()

    def _run(self):
        rnd = random.Random()
        while not self.stop.is_set():
            for path in ("/api/v1/hello/slow?ms=%d" % rnd.randint(
                    *self.slow_ms), "/api/v1/hello"):
                try:
                    status, body = self._one(path)
                except (OSError, http.client.HTTPException) as e:
                    status, body = None, repr(e).encode()
                with self.lock:
                    if status == 200:
                        self.ok += 1
                    else:
                        self.failures.append((path, status, body[:200]))

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(120)
        return False


class ControlAndCommandLine(TestCase):
    @classmethod
    def setUpClass(cls):
        cls.p = Portal(plugins=["hello"], name="process")
        cls.p.start()
        wait_ready(cls.p)

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()

    def test_status(self):
        # Settled first: another test of this class may have just asked
        # for a reload, whose new workers a loaded machine starts slowly.
        wait_ready(self.p)
        st = control(self.p, "status")
        self.assertEqual(st["pid"], self.p.bureaud_pid)
        self.assertGreaterEqual(st["generation"], 1)
        self.assertFalse(st["stopping"])
        lanes = {}
        for w in st["workers"]:
            lanes.setdefault(w["lane"], []).append(w)
            self.assertIn(w["state"], ("starting", "ready", "draining"))
            for s in w["slots"]:
                self.assertIn(s["state"], ("idle", "busy"))
                for k in ("plugin", "route", "req_id", "busy_ms"):
                    self.assertIn(k, s)
        api = [w for w in lanes["api"] if w["state"] == "ready"]
        self.assertEqual(len(api), int(self.p.config["server"]["workers"]))
        self.assertEqual(len(api[0]["slots"]),
                         int(self.p.config["server"]["threads"]))
        self.assertEqual(len(lanes["login"]),
                         int(self.p.config["server"]["login_workers"]))
        # bureauctl reaches it too.
        r = self.p.bureauctl("status")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_status_shows_busy_slot(self):
        """A request in progress is visible with its plugin and route."""
        done = []
        t = threading.Thread(target=lambda: done.append(
            self.p.client().get("/api/v1/hello/slow?ms=1500")))
        t.start()
        try:
            def busy():
                for w in control(self.p, "status")["workers"]:
                    for s in w["slots"]:
                        if s["state"] == "busy" and "slow" in s["route"]:
                            return s
                return None
            s = wait_for(busy, 10, what="a busy slot")
            self.assertEqual(s["plugin"], "hello")
            self.assertEqual(s["route"], "GET /api/v1/hello/slow")
            self.assertTrue(s["req_id"])
        finally:
            t.join(30)
        self.assertEqual(done[0].status, 200)

    def test_unknown_command(self):
        r = control(self.p, "frobnicate")
        self.assertEqual(r["ok"], False)
        self.assertIn("unknown", r["error"])

    def test_control_socket_is_private(self):
        mode = os.stat(self.p.control_socket).st_mode & 0o777
        self.assertEqual(mode, 0o600)
        mode = os.stat(self.p.api_socket).st_mode & 0o777
        self.assertEqual(mode, 0o660)

    def test_foreign_peer_refused_exactly(self):
        """A peer that is neither root nor bureaud's user gets one
        well-formed refusal line and nothing more (the master once sent
        bytes from beyond the message)."""
        if os.geteuid() != 0:
            self.skipTest("needs root")
        import pwd
        nobody = pwd.getpwnam("nobody")
        path = self.p.control_socket
        dirmode = os.stat(self.p.dir).st_mode & 0o7777
        os.chmod(self.p.dir, dirmode | 0o011)
        os.chmod(path, 0o666)
        rfd, wfd = os.pipe()
        try:
            pid = os.fork()
            if pid == 0:
                os.close(rfd)
                code = 1
                try:
                    os.setgroups([])
                    os.setgid(nobody.pw_gid)
                    os.setuid(nobody.pw_uid)
                    with socket.socket(socket.AF_UNIX,
                                       socket.SOCK_STREAM) as s:
                        s.settimeout(10)
                        s.connect(path)
                        # Refused on accept, before any command.
                        data = b""
                        while True:
                            chunk = s.recv(4096)
                            if not chunk:
                                break
                            data += chunk
                    os.write(wfd, data)
                    code = 0
                except BaseException as e:
                    os.write(wfd, repr(e).encode())
                finally:
                    os._exit(code)
            os.close(wfd)
            wfd = -1
            data = b""
            while True:
                chunk = os.read(rfd, 4096)
                if not chunk:
                    break
                data += chunk
            _, status = os.waitpid(pid, 0)
        finally:
            os.chmod(path, 0o600)
            os.chmod(self.p.dir, dirmode)
            os.close(rfd)
            if wfd != -1:
                os.close(wfd)
        self.assertEqual(os.waitstatus_to_exitcode(status), 0, data)
        self.assertEqual(data,
                         b'{"ok":false,"error":"permission denied"}\n')
        # The master keeps serving its own.
        self.assertIn("generation", control(self.p, "status"))

    def test_enabled_set_version_digits_only(self):
        """A snapshot version that is not plain digits is malformed: a
        "-1" once parsed as the largest version, and no later set was
        ever published."""
        for bad in ("-1", "+3", " 4"):
            r = control(self.p, "reload enabled@%s:hello" % bad)
            self.assertTrue(r["ok"], r)
            self.assertIn("malformed plugin set in 'reload enabled@%s:"
                          % bad, self.p.log_text())
        r = control(self.p, "reload enabled@1:hello")
        self.assertTrue(r["ok"], r)
        self.assertIn("published the enabled plugins (snapshot 1)",
                      self.p.log_text())

    def test_second_instance_refused(self):
        """The sockets are in use: a second bureaud must not steal them."""
        r = subprocess.run([bin_path("core", "bureaud"), "-c",
                            self.p.conf_path], capture_output=True,
                           text=True, timeout=30, env=self.p.env())
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("in use", r.stderr)
        # And the running one still answers.
        self.assertEqual(self.p.client().get("/api/v1/hello").status, 200)

    def _bureaud(self, *args):
        return subprocess.run([bin_path("core", "bureaud")] + list(args),
                              capture_output=True, text=True, timeout=30,
                              env=self.p.env())

    def test_help_and_version(self):
        r = self._bureaud("--help")
        self.assertEqual(r.returncode, 0)
        for opt in ("--config", "--option", "--check-config", "--version",
                    "--help"):
            self.assertIn(opt, r.stdout)
        r = self._bureaud("-h")
        self.assertEqual(r.returncode, 0)
        r = self._bureaud("--version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^bureaud \(bureau\) \d+\.\d+")
        r = self._bureaud("--no-such-option")
        self.assertEqual(r.returncode, 2)
        r = self._bureaud("stray-argument")
        self.assertEqual(r.returncode, 2)

    def test_check_config(self):
        r = self._bureaud("-c", self.p.conf_path, "--check-config")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("[server]", r.stdout)
        self.assertIn("api_socket = %s" % self.p.api_socket, r.stdout)
        r = self._bureaud("-c", self.p.conf_path, "-o", "server.workers=7",
                          "--check-config")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("workers = 7", r.stdout)
        # The printed configuration is a valid configuration file.
        printed = os.path.join(self.p.dir, "printed.conf")
        with open(printed, "w") as f:
            f.write(r.stdout)
        r = self._bureaud("-c", printed, "--check-config")
        self.assertEqual(r.returncode, 0, r.stderr)

        r = self._bureaud("-c", self.p.conf_path, "-o", "server.nope=1",
                          "--check-config")
        self.assertEqual(r.returncode, 1)
        self.assertIn("server.nope", r.stderr)
        r = self._bureaud("-c", self.p.conf_path, "-o", "server.workers=0",
                          "--check-config")
        self.assertEqual(r.returncode, 1)
        self.assertIn("out of range", r.stderr)
        r = self._bureaud("-c", os.path.join(self.p.dir, "missing.conf"),
                          "--check-config")
        self.assertEqual(r.returncode, 1)
        bad = os.path.join(self.p.dir, "bad.conf")
        with open(bad, "w") as f:
            f.write("[server]\nworkers = 2\n\n[sever]\nthreads = 1\n")
        r = self._bureaud("-c", bad, "--check-config")
        self.assertEqual(r.returncode, 1)
        self.assertIn("bad.conf:5", r.stderr)
        self.assertIn("sever", r.stderr)

    def test_failed_startup_exits_1(self):
        """Workers that cannot open the database: start-up fails cleanly
        (exit 1, sockets removed) instead of respawning forever."""
        d = os.path.join(self.p.dir, "other")
        os.makedirs(d, exist_ok=True)
        socks = [os.path.join(d, n) for n in ("a.sock", "l.sock", "c.sock")]
        r = subprocess.run(
            [bin_path("core", "bureaud"), "-c", self.p.conf_path,
             "-o", "server.api_socket=" + socks[0],
             "-o", "server.login_socket=" + socks[1],
             "-o", "server.control_socket=" + socks[2],
             "-o", "database.path=/nonexistent/dir/bureau.db"],
            capture_output=True, text=True, timeout=60, env=self.p.env())
        self.assertEqual(r.returncode, 1, r.stderr[-2000:])
        self.assertIn("start-up failed", r.stderr)
        for s in socks:
            self.assertFalse(os.path.exists(s), s)


class CrashRespawn(TestCase):
    @classmethod
    def setUpClass(cls):
        cls.p = Portal(plugins=["hello"], crashes_expected=True,
                       config={"server.workers": "2",
                               "server.threads": "1"},
                       name="crash")
        cls.p.start()
        wait_ready(cls.p)

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()

    def test_crash_is_blamed_and_respawned(self):
        c = self.p.client()
        before = {w["pid"] for w in api_workers(control(self.p, "status"))}
        self.assertEqual(len(before), 2)

        r = c.get("/api/v1/hello/crash")
        self.assertIn(r.status, (500, 502), r)
        # The other worker kept serving; the socket never went away.
        for _ in range(20):
            self.assertEqual(c.get("/api/v1/hello").status, 200)

        def respawned():
            ws = api_workers(control(self.p, "status"))
            pids = {w["pid"] for w in ws}
            return len(ws) == 2 and pids != before and pids
        after = wait_for(respawned, 20, what="the respawned worker")
        self.assertEqual(len(before & after), 1)

        log = self.p.log_text()
        self.assertIn("plugin hello, route GET /api/v1/hello/crash", log)
        self.assertIn("plugin hello blamed for crash (1 in 60s)", log)
        self.assertIn("respawning api worker", log)

        # A second crash is counted against the same plugin.
        r = c.get("/api/v1/hello/crash")
        self.assertIn(r.status, (500, 502), r)
        wait_for(lambda: "plugin hello blamed for crash (2 in 60s)" in
                 self.p.log_text(), 10, what="the second blame")
        wait_for(lambda: len(api_workers(control(self.p, "status"))) == 2,
                 20, what="two api workers again")
        # The third within a minute: quarantined (issue 6), recorded by a
        # worker with an audit entry, and a reload takes its routes away
        # while everything else keeps answering.
        gen = control(self.p, "status")["generation"]
        r = c.get("/api/v1/hello/crash")
        self.assertIn(r.status, (500, 502), r)
        wait_for(lambda: "plugin hello crashed 3 times within 60 s" in
                 self.p.log_text(), 10, what="the quarantine decision")
        wait_for(lambda: self.p.sql("SELECT state FROM plugins WHERE "
                                    "name = 'hello'") == [("quarantined",)],
                 20, what="hello quarantined in the database")
        reason = self.p.sql("SELECT reason FROM plugins WHERE "
                            "name = 'hello'")[0][0]
        self.assertIn("GET /api/v1/hello/crash", reason)
        rows = self.p.sql("SELECT actor FROM audit_log WHERE action = "
                          "'plugin.quarantine'")
        self.assertEqual(rows, [("bureaud",)])
        wait_for(lambda: (lambda st: st["generation"] > gen and
                          not st["reloading"] and
                          len(api_workers(st, st["generation"])) == 2)(
                              control(self.p, "status")),
                 30, what="the reload after the quarantine")
        wait_for(lambda: c.get("/api/v1/hello").status == 404, 20,
                 what="hello's routes gone")
        for _ in range(10):
            self.assertEqual(c.get("/api/v1/health").status, 200)


def extra_plugin(name):
    """A test plugin that instances do not get by default."""
    return bin_path("tests", "plugins", "extra", ".libs", name + ".so")


class CrashBlameThreads(TestCase):
    """With threads > 1 a dead worker may have had several plugins'
    requests in flight: the culprit is the plugin busy in every crash,
    alone; an innocent one beside it is never quarantined."""

    def test_innocent_neighbour_is_not_quarantined(self):
        if not os.path.exists(extra_plugin("depbase")):
            self.skipTest("test plugins not built (make check)")
        p = Portal(plugins=["hello"], crashes_expected=True,
                   config={"server.workers": "1", "server.threads": "4"},
                   name="crash-threads")
        try:
            p.install_plugin(extra_plugin("depbase"), "depbase")
            p.bureauctl("plugin", "enable", "depbase", check=True)
            p.start()
            wait_ready(p)

            def crash(beside_slow):
                slow = None
                if beside_slow:
                    # depbase busy for 5 s in the same (only) worker...
                    slow = threading.Thread(target=lambda: p.client().get(
                        "/api/v1/depbase/ping?ms=5000"))
                    slow.start()
                    wait_for(lambda: any(
                        s["state"] == "busy" and "depbase" in s["route"]
                        for w in control(p, "status")["workers"]
                        for s in w["slots"]), 10, what="depbase busy")
                # ...when hello's request kills it.
                r = p.client().get("/api/v1/hello/crash")
                self.assertIn(r.status, (500, 502), r)
                if slow is not None:
                    slow.join(30)
                wait_for(lambda: len(api_workers(control(p, "status")))
                         == 1, 30, what="the worker back")

            crash(True)
            crash(True)
            log = p.log_text()
            self.assertIn("plugin depbase blamed for crash (2 in 60s) "
                          "beside other plugins' requests", log)
            # The third crash with both busy: inseparable, neither goes.
            crash(True)
            wait_for(lambda: "plugin hello and plugin depbase were both "
                     "busy in each of 3 crashes: quarantining neither" in
                     p.log_text(), 10, what="the refusal to guess")
            self.assertEqual(p.sql("SELECT name, state FROM plugins WHERE "
                                   "name IN ('hello', 'depbase') ORDER BY "
                                   "name"),
                             [("depbase", "enabled"), ("hello", "enabled")])
            # hello alone: it is the one in every crash; depbase, busy in
            # three of four, is cleared by this one.
            crash(False)
            wait_for(lambda: p.sql("SELECT state FROM plugins WHERE name = "
                                   "'hello'") == [("quarantined",)], 30,
                     what="hello quarantined")
            self.assertEqual(p.sql("SELECT state FROM plugins WHERE name = "
                                   "'depbase'"), [("enabled",)])
            self.assertEqual(p.sql("SELECT count(*) FROM audit_log WHERE "
                                   "action = 'plugin.quarantine'"), [(1,)])
            p.stop()
        finally:
            p.cleanup()


class Reloads(TestCase):
    """20 graceful reloads under load: no request may fail."""

    RELOADS = 20

    @classmethod
    def setUpClass(cls):
        cls.p = Portal(plugins=["hello"], name="reload",
                       config={"server.workers": "2",
                               "server.threads": "2"})
        cls.p.start()
        wait_ready(cls.p)

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()

    def _slow_in_flight(self):
        for w in control(self.p, "status")["workers"]:
            for s in w["slots"]:
                if s["state"] == "busy" and "slow" in s["route"]:
                    return True
        return False

    def test_reloads_under_load(self):
        cfg = self.p.config["server"]
        n_by_m = int(cfg["workers"]) * int(cfg["threads"])
        gen0 = control(self.p, "status")["generation"]
        with Load(self.p, n_by_m + 2) as load:
            for i in range(self.RELOADS):
                # A slow request spans every reload.
                wait_for(self._slow_in_flight, 10,
                         what="a slow request in flight")
                how = i % 3
                if how == 0:
                    self.p.signal(signal.SIGHUP)
                    want = gen0 + i + 1
                    wait_for(lambda: control(self.p, "status")[
                        "generation"] == want and not control(
                            self.p, "status")["reloading"], 30,
                        what="generation %d" % want)
                elif how == 1:
                    r = self.p.bureauctl("reload")
                    self.assertEqual(r.returncode, 0, r.stderr)
                else:
                    r = control(self.p, "reload")
                    self.assertTrue(r["ok"], r)
                    self.assertEqual(r["generation"], gen0 + i + 1)
            # Let the last generations' slow requests finish under load.
            time.sleep(1.0)
        self.assertEqual(load.failures, [],
                         "%d failed of %d" % (len(load.failures),
                                              len(load.failures) + load.ok))
        self.assertGreater(load.ok, self.RELOADS * 2)

        st = control(self.p, "status")
        self.assertEqual(st["generation"], gen0 + self.RELOADS)
        # The old generations drain away completely.
        wait_for(lambda: all(w["generation"] == gen0 + self.RELOADS
                             for w in control(self.p, "status")[
                                 "workers"]), 30,
                 what="old generations to exit")
        log = self.p.log_text()
        self.assertNotIn("killed by signal", log)
        self.assertNotIn("failed", "\n".join(
            ln for ln in log.splitlines() if "reload" in ln))
        self.assertNotIn("upstream prematurely closed",
                         self.p.nginx_log_text())


class GracefulStop(TestCase):
    def test_sigterm_lets_requests_finish(self):
        p = Portal(plugins=["hello"], name="stop",
                   config={"server.workers": "2", "server.threads": "2"})
        p.start()
        wait_ready(p)
        try:
            results = []

            def slow():
                try:
                    r = p.client().get("/api/v1/hello/slow?ms=1500")
                    results.append(r.status)
                except (OSError, http.client.HTTPException) as e:
                    results.append(repr(e))
            threads = [threading.Thread(target=slow) for _ in range(4)]
            for t in threads:
                t.start()

            def busy():
                n = 0
                for w in control(p, "status")["workers"]:
                    n += sum(1 for s in w["slots"] if s["state"] == "busy")
                return n >= 4
            wait_for(busy, 10, what="4 requests in flight")
            t0 = time.time()
            p.signal(signal.SIGTERM)
            rc = p.bureaud.wait(40)
            for t in threads:
                t.join(30)
            self.assertEqual(rc, 0)
            self.assertEqual(results, [200] * 4)
            self.assertLess(time.time() - t0, 30)
            for s in (p.api_socket, p.login_socket, p.control_socket):
                self.assertFalse(os.path.exists(s), s)
            self.assertIn("bureaud stopped", p.log_text())
        finally:
            p.stop()

    def test_stop_command(self):
        p = Portal(plugins=["hello"], name="stopcmd")
        p.start()
        wait_ready(p)
        try:
            r = control(p, "stop")
            self.assertEqual(r, {"ok": True})
            self.assertEqual(p.bureaud.wait(30), 0)
        finally:
            p.stop()


class StuckRequest(TestCase):
    @classmethod
    def setUpClass(cls):
        cls.p = Portal(plugins=["hello"], name="stuck",
                       config={"server.stuck_limit": "2",
                               "server.workers": "2",
                               "server.threads": "1"})
        cls.p.start()
        wait_ready(cls.p)

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()

    def test_stuck_request_is_killed(self):
        c = self.p.client()
        t0 = time.time()
        r = c.get("/api/v1/hello/slow?ms=8000")
        took = time.time() - t0
        self.assertIn(r.status, (500, 502), r)
        self.assertGreaterEqual(took, 1.9)
        self.assertLess(took, 7)
        log = self.p.log_text()
        self.assertIn("stuck longer than stuck_limit (2 s)", log)
        self.assertIn("plugin hello, route GET /api/v1/hello/slow", log)
        # Respawned; everything answers.
        wait_for(lambda: len(api_workers(control(self.p, "status"))) == 2,
                 20, what="two api workers again")
        self.assertEqual(c.get("/api/v1/hello").status, 200)
        # A request under the limit is left alone.
        self.assertEqual(c.get("/api/v1/hello/slow?ms=1000").status, 200)


def fcgi_get(sock_path, uri, timeout=30):
    """A minimal FastCGI client (one GET as a responder): returns the raw
    CGI output of the application (headers and body)."""
    import struct

    def record(rtype, content):
        return struct.pack(">BBHHBx", 1, rtype, 1, len(content), 0) + content

    params = b""
    for k, v in (("REQUEST_METHOD", "GET"), ("REQUEST_URI", uri),
                 ("SCRIPT_NAME", uri.split("?")[0]),
                 ("QUERY_STRING", uri.partition("?")[2]),
                 ("SERVER_PROTOCOL", "HTTP/1.1"),
                 ("REMOTE_ADDR", "127.0.0.1")):
        k, v = k.encode(), v.encode()
        params += bytes([len(k), len(v)]) + k + v
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(sock_path)
        s.sendall(record(1, struct.pack(">HB5x", 1, 0)) +
                  record(4, params) + record(4, b"") + record(5, b""))
        buf, out = b"", b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
            while len(buf) >= 8:
                _, rtype, _, clen, plen = struct.unpack(">BBHHB", buf[:7])
                if len(buf) < 8 + clen + plen:
                    break
                content = buf[8:8 + clen]
                buf = buf[8 + clen + plen:]
                if rtype == 6:
                    out += content
                elif rtype == 3:
                    return out
        return out


class Supervision(TestCase):
    """bureaud under a supervisor: sd_notify, systemd socket activation,
    a spawn-fcgi style inherited descriptor.  These start bureaud
    themselves (no nginx), on sockets of their own."""

    @classmethod
    def setUpClass(cls):
        cls.p = Portal(plugins=["hello"], name="supervision")

    @classmethod
    def tearDownClass(cls):
        cls.p.cleanup()

    def _paths(self, tag):
        d = os.path.join(self.p.dir, tag)
        os.makedirs(d, exist_ok=True)
        return {k: os.path.join(d, k + ".sock")
                for k in ("api", "login", "control")}

    def _args(self, paths, *extra):
        args = [bin_path("core", "bureaud"), "-c", self.p.conf_path,
                "-o", "server.control_socket=" + paths["control"]]
        if "api" in paths:
            args += ["-o", "server.api_socket=" + paths["api"]]
        if "login" in paths:
            args += ["-o", "server.login_socket=" + paths["login"]]
        return args + list(extra)

    def _stop(self, proc):
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(40)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
        return proc.returncode

    def test_sd_notify(self):
        paths = self._paths("notify")
        nsock = os.path.join(self.p.dir, "notify", "notify")
        got = []
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as ns:
            ns.bind(nsock)
            ns.settimeout(0.2)
            env = self.p.env()
            env["NOTIFY_SOCKET"] = nsock
            log = open(os.path.join(self.p.dir, "notify.log"), "wb")
            proc = subprocess.Popen(self._args(paths), env=env,
                                    stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True)
            log.close()

            def until(text, timeout=30):
                deadline = time.time() + timeout
                while time.time() < deadline:
                    try:
                        msg = ns.recv(4096).decode()
                    except socket.timeout:
                        continue
                    got.append(msg)
                    if text in msg.split("\n"):
                        return msg
                raise AssertionError("no %s in %r" % (text, got))
            try:
                msg = until("READY=1")
                self.assertIn("STATUS=", msg)
                proc.send_signal(signal.SIGHUP)
                msg = until("RELOADING=1")
                self.assertIn("MONOTONIC_USEC=", msg)
                until("READY=1")
                proc.send_signal(signal.SIGTERM)
                until("STOPPING=1")
                self.assertEqual(proc.wait(40), 0)
            finally:
                self._stop(proc)

    def test_socket_activation(self):
        activate = "/usr/bin/systemd-socket-activate"
        if not os.access(activate, os.X_OK):
            self.skipTest("systemd-socket-activate not installed")
        paths = self._paths("activate")
        env = self.p.env()
        log = open(os.path.join(self.p.dir, "activate.log"), "wb")
        # The paths given to bureaud are decoys: it must use the fds.
        proc = subprocess.Popen(
            [activate, "-l", paths["api"], "-l", paths["login"],
             "--fdname=api:login"] +
            self._args({"control": paths["control"],
                        "api": paths["api"] + ".unused",
                        "login": paths["login"] + ".unused"}),
            env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        log.close()
        try:
            # systemd-socket-activate execs bureaud on the first
            # connection: this request starts it and waits in the backlog.
            wait_for(lambda: os.path.exists(paths["login"]), 10,
                     what="the activation sockets")
            out = fcgi_get(paths["api"], "/api/v1/hello")
            self.assertIn(b"Status: 200", out)
            self.assertIn(b'"hello"', out)
            st = wait_for(lambda: (lambda s: s["generation"] >= 1 and s)(
                control(self.p_like(paths), "status")), 30,
                what="status")
            self.assertEqual({w["lane"] for w in st["workers"]},
                             {"api", "login"})
            self.assertFalse(os.path.exists(paths["api"] + ".unused"))
            self.assertEqual(self._stop(proc), 0)
            # Inherited sockets are not ours to remove.
            self.assertTrue(os.path.exists(paths["api"]))
        finally:
            self._stop(proc)

    def p_like(self, paths):
        class P:
            control_socket = paths["control"]
        return P

    def test_inherited_fd_zero(self):
        """spawn-fcgi's way: the listening socket on descriptor 0."""
        paths = self._paths("spawn")
        lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        lsock.bind(paths["api"])
        lsock.listen(16)
        log = open(os.path.join(self.p.dir, "spawn.log"), "wb")
        proc = subprocess.Popen(
            self._args({"control": paths["control"]},
                       "-o", "server.api_fd=0",
                       "-o", "server.login_workers=0"),
            stdin=lsock.fileno(), stdout=log, stderr=subprocess.STDOUT,
            env=self.p.env(), start_new_session=True)
        log.close()
        lsock.close()
        try:
            st = wait_for(lambda: os.path.exists(paths["control"]) and (
                lambda s: s["generation"] >= 1 and s)(
                control(self.p_like(paths), "status")), 30, what="start")
            self.assertEqual({w["lane"] for w in st["workers"]}, {"api"})
            out = fcgi_get(paths["api"], "/api/v1/hello/slow?ms=10")
            self.assertIn(b"Status: 200", out)
            self.assertEqual(self._stop(proc), 0)
        finally:
            self._stop(proc)


class PrivilegeDrop(TestCase):
    """Started as root with server.user: workers run as that user."""

    def test_workers_drop_to_user(self):
        if os.geteuid() != 0:
            self.skipTest("needs root")
        import pwd
        nobody = pwd.getpwnam("nobody")
        # Set up as root (bureauctl refuses to run plugin code as root
        # while server.user names another user), then hand the data to
        # nobody and start with server.user set.
        p = Portal(plugins=["hello"], name="privdrop")
        p.config.setdefault("server", {})["user"] = "nobody"
        p.write_config()
        try:
            data = os.path.dirname(p.db_path)
            for root, dirs, files in os.walk(data):
                for n in dirs + files:
                    os.chown(os.path.join(root, n), nobody.pw_uid,
                             nobody.pw_gid)
            os.chown(data, nobody.pw_uid, nobody.pw_gid)
            p.start()
            st = wait_ready(p)
            for w in st["workers"]:
                with open("/proc/%d/status" % w["pid"]) as f:
                    uids = [ln for ln in f if ln.startswith(("Uid:",
                                                             "Gid:"))]
                self.assertEqual(uids[0].split()[1:],
                                 [str(nobody.pw_uid)] * 4, uids)
                self.assertEqual(uids[1].split()[1:],
                                 [str(nobody.pw_gid)] * 4, uids)
            self.assertEqual(os.stat(p.api_socket).st_uid, nobody.pw_uid)
            self.assertEqual(os.stat(p.control_socket).st_uid, 0)
            self.assertEqual(p.client().get("/api/v1/hello").status, 200)
            # The master itself stays root (it owns the sockets).
            with open("/proc/%d/status" % p.bureaud_pid) as f:
                self.assertIn("Uid:\t0\t", f.read())
        finally:
            p.stop()
