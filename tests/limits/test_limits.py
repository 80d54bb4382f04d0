"""test_limits -- resource limits: each condition gives a clean error
(or a closed connection) and the portal recovers when it ends.

  SlowAndIdle: 200 slowloris connections (headers a byte at a time),
      1,000 idle connections and 30 slow request bodies at once: the API
      keeps answering fast meanwhile (nginx holds them, bureaud's threads
      never see them), nginx closes the slow and idle ones by its
      timeouts, and everything answers afterwards.
  LoginBurst: logins beyond the Argon2id hash cap (hash_cap = 1, a real
      cost): the extra ones get 503 + Retry-After at once as JSON, health
      and the API answer during the burst, a login works after it.
  FullDisk: the database on a 8 MiB tmpfs filled up: writes answer a
      JSON 503 (never a 500 or a dead worker), reads go on, and once
      space returns writes work and the database is intact.  Needs root
      (mount); skipped otherwise.
"""

import concurrent.futures
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "hostile"))

import rel  # noqa: E402
from harness import LONG, Portal, TestCase  # noqa: E402

SLOW = 200
IDLE = 1000
SLOW_BODIES = 30
HEADER_TIMEOUT = 15      # client_header_timeout, deploy/nginx


def raise_nofile(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(max(soft, n), hard)
    if want > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return want


class SlowAndIdle(TestCase):

    @classmethod
    def setUpClass(cls):
        cls.a = rel.Admin("limits-slow", demo=False)
        cls.p = cls.a.p
        for i in range(5):
            r = cls.a.c.post("/api/v1/projects", json={
                "name_en": "slow %d" % i, "investor": "x",
                "investor_type": "private"})
            assert r.status == 201, r

    @classmethod
    def tearDownClass(cls):
        cls.a.stop()

    def timed(self, path):
        t0 = time.time()
        r = self.a.c.get(path)
        return r, time.time() - t0

    def test_slow_and_idle_clients(self):
        if raise_nofile(SLOW + IDLE + SLOW_BODIES + 200) < \
                SLOW + IDLE + SLOW_BODIES + 100:
            self.skipTest("not enough file descriptors")
        port = self.p.port
        slow, idle, bodies = [], [], []
        try:
            for _ in range(IDLE):
                idle.append(socket.create_connection(("127.0.0.1", port)))
            for _ in range(SLOW):
                s = socket.create_connection(("127.0.0.1", port))
                s.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n")
                slow.append(s)
            hdr = self.a.auth_headers() + [("Content-Type",
                                            "application/json")]
            for _ in range(SLOW_BODIES):
                s = socket.create_connection(("127.0.0.1", port))
                s.sendall(rel.build("POST", "/api/v1/projects", hdr,
                                    port=port, cl=False)[:-2] +
                          b"Content-Length: 100000\r\n\r\n{\"name_en\": ")
                bodies.append(s)
            # While they trickle, the API answers promptly.
            worst = 0.0
            t_end = time.time() + HEADER_TIMEOUT + 4
            alive_at_end = None
            while time.time() < t_end:
                for s in slow + bodies:
                    try:
                        s.sendall(b"X")
                    except OSError:
                        pass
                for path in ("/api/v1/health", "/api/v1/projects?limit=5"):
                    r, dt = self.timed(path)
                    self.assertEqual(r.status, 200, r)
                    worst = max(worst, dt)
                time.sleep(1.0)
            print("\n    slowest API answer with %d slow, %d idle, %d slow "
                  "bodies: %.2fs" % (SLOW, IDLE, SLOW_BODIES, worst))
            self.assertLess(worst, 3.0)
            # nginx dropped the slow header senders and the idle ones.
            alive_at_end = [s for s in slow + idle if self.still_open(s)]
            self.assertEqual(len(alive_at_end), 0,
                             "%d slow/idle connections still open after "
                             "%ds" % (len(alive_at_end), HEADER_TIMEOUT + 4))
        finally:
            for s in slow + idle + bodies:
                s.close()
        # And afterwards everything answers as before.
        r = self.a.c.get("/api/v1/projects?limit=5")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(rel.crash_lines(self.p), [])

    @staticmethod
    def still_open(s):
        """Not closed by the server and nothing answered."""
        s.setblocking(False)
        try:
            s.recv(4096)
            return False        # closed (b"") or answered
        except BlockingIOError:
            return True
        except OSError:
            return False
        finally:
            s.setblocking(True)


class LoginBurst(TestCase):

    BURST = 12

    @classmethod
    def setUpClass(cls):
        cls.p = Portal(plugins=rel.bundled_plugins(), name="limits-login",
                       config={"auth.hash_cap": 1, "auth.pw_opslimit": 3,
                               "auth.pw_memlimit": "64M",
                               "server.login_threads": 6})
        cls.p.start()
        cls.pw = cls.p.add_user("burst", "officer")

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()

    def login(self, _):
        c = self.p.client(timeout=60)
        t0 = time.time()
        r = c.login("burst", self.pw)
        return r, time.time() - t0

    def test_burst_beyond_hash_cap(self):
        health = []
        stop = threading.Event()

        def probe():
            c = self.p.client(timeout=10)
            while not stop.is_set():
                t0 = time.time()
                r = c.get("/api/v1/health")
                health.append((r.status, time.time() - t0))
                time.sleep(0.05)

        t = threading.Thread(target=probe, daemon=True)
        t.start()
        with concurrent.futures.ThreadPoolExecutor(self.BURST) as pool:
            results = list(pool.map(self.login, range(self.BURST)))
        stop.set()
        t.join(15)
        ok = [r for r, _ in results if r.status == 200]
        busy = [(r, dt) for r, dt in results if r.status == 503]
        other = [r for r, _ in results if r.status not in (200, 503)]
        print("\n    %d logins at once: %d signed in, %d busy (503); "
              "health: %d answers, slowest %.2fs" % (
                  self.BURST, len(ok), len(busy), len(health),
                  max(dt for _, dt in health) if health else -1))
        self.assertEqual(other, [])
        self.assertGreaterEqual(len(ok), 1)
        self.assertGreaterEqual(len(busy), 1, "the hash cap never refused")
        for r, dt in busy:
            self.assertTrue(r.headers.get("retry-after"), r.headers)
            self.assertEqual(r.json["error"]["code"], "busy", r)
        self.assertTrue(health)
        self.assertTrue(all(st == 200 for st, _ in health), health[:5])
        self.assertLess(max(dt for _, dt in health), 2.0)
        # After the burst: a login goes through.
        r, _ = self.login(0)
        self.assertEqual(r.status, 200, r)


class FullDisk(TestCase):

    @classmethod
    def setUpClass(cls):
        cls.mnt = None
        if os.geteuid() != 0 or shutil.which("mount") is None:
            raise unittest.SkipTest("mounting a tmpfs needs root")
        cls.mnt = tempfile.mkdtemp(prefix="bureau-fulldisk-")
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m,mode=0755",
                            "tmpfs", cls.mnt], capture_output=True,
                           text=True)
        if r.returncode != 0:
            os.rmdir(cls.mnt)
            cls.mnt = None
            raise unittest.SkipTest("mount tmpfs: %s" % r.stderr.strip())
        try:
            cls.a = rel.Admin("limits-disk", demo=False, config={
                "database.path": os.path.join(cls.mnt, "bureau.db")})
        except BaseException:
            subprocess.run(["umount", "-l", cls.mnt])
            os.rmdir(cls.mnt)
            raise
        cls.p = cls.a.p
        cls.p.db_path = os.path.join(cls.mnt, "bureau.db")
        cls.filler = os.path.join(cls.mnt, "filler")

    @classmethod
    def tearDownClass(cls):
        if cls.mnt is None:
            return
        try:
            cls.a.stop()
        finally:
            subprocess.run(["umount", "-l", cls.mnt])
            os.rmdir(cls.mnt)

    def fill(self):
        with open(self.filler, "wb", buffering=0) as f:
            chunk = b"\0" * 65536
            try:
                while True:
                    f.write(chunk)
            except OSError:
                pass
            try:
                while True:
                    f.write(b"\0")
            except OSError:
                pass

    def create(self, name):
        return self.a.c.post("/api/v1/projects", json={
            "name_en": name, "investor": "disk", "investor_type": "private",
            "notes": "n" * 3000})

    def test_full_disk(self):
        r = self.create("before")
        self.assertEqual(r.status, 201, r)
        self.fill()
        st = os.statvfs(self.mnt)
        self.assertLess(st.f_bavail * st.f_frsize, 65536)
        answers = []
        for i in range(20):
            r = self.create("while full %d" % i)
            answers.append(r)
            self.assertNotEqual(r.status, 201, "a write succeeded on a full "
                                "disk?")
            self.assertError(r, 503)
        # A login writes a session: refused the same way.
        r = self.p.client().login("root_admin", self.a.password)
        self.assertError(r, 503, "storage_full")
        # Reads go on.
        r = self.a.c.get("/api/v1/projects?limit=5")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(rel.crash_lines(self.p), [])
        self.assertIsNone(self.p.bureaud.poll())
        print("\n    full disk: %s" % sorted({(a.status, (a.json or {}).get(
            "error", {}).get("code")) for a in answers}))
        # Space returns: writes work again, nothing is damaged.
        os.unlink(self.filler)
        r = self.create("after")
        self.assertEqual(r.status, 201, r)
        n = self.p.sql("SELECT count(*) FROM projects WHERE name_en LIKE"
                       " 'while full%'")[0][0]
        self.assertEqual(n, 0)
        ic, fk = rel.integrity(self.p.db_path)
        self.assertEqual(ic, [("ok",)])
        r = self.p.bureauctl("audit", "verify")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
