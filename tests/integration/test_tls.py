"""The TLS variant of the nginx site: HTTPS with a self-signed certificate
made by the test (openssl), HSTS on every answer, plain HTTP redirected,
HTTPS=on reaching bureaud, production-mode session cookies."""

import http.client
import socket
import ssl

from harness import Portal, TestCase


class TLS(TestCase):

    @classmethod
    def setUpClass(cls):
        cls.p = Portal(plugins=["hello"], tls=True, name="tls")
        cls.p.start()

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()

    def setUp(self):
        self.c = self.p.client()

    def test_https_works(self):
        self.assertTrue(self.p.base_url.startswith("https://"))
        r = self.c.get("/api/v1/health")
        self.assertStatus(r, 200)
        self.assertEqual(r.json["status"], "ok")

    def test_tls_versions(self):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        with socket.create_connection(("127.0.0.1", self.p.port)) as s:
            with ctx.wrap_socket(s, server_hostname="127.0.0.1") as t:
                self.assertIn(t.version(), ("TLSv1.2", "TLSv1.3"))
        # TLS 1.1 and older are refused.
        old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        old.check_hostname = False
        old.verify_mode = ssl.CERT_NONE
        try:
            old.minimum_version = ssl.TLSVersion.TLSv1
            old.maximum_version = ssl.TLSVersion.TLSv1_1
        except (ValueError, AttributeError):
            self.skipTest("this OpenSSL cannot speak TLS 1.1 at all")
        with socket.create_connection(("127.0.0.1", self.p.port)) as s:
            with self.assertRaises(ssl.SSLError):
                with old.wrap_socket(s, server_hostname="127.0.0.1"):
                    pass

    def test_hsts_everywhere(self):
        for method, path, status in (("GET", "/", 200),
                                     ("GET", "/api/v1/health", 200),
                                     ("GET", "/api/v1/nope", 404),
                                     ("GET", "/missing.js", 404),
                                     ("GET", "/api/v1/hello/echo?a=%zz",
                                      400)):
            with self.subTest(path=path):
                r = self.c.request(method, path)
                self.assertEqual(r.status, status, r)
                self.assertSecurityHeaders(r, hsts=True)
                hsts = r.headers["strict-transport-security"]
                self.assertIn("max-age=63072000", hsts)
                self.assertIn("includeSubDomains", hsts)

    def test_hsts_on_nginx_errors(self):
        r = self.c.get("/api/v1/hello/echo?q=" + "a" * 20000)
        self.assertError(r, 414)
        self.assertSecurityHeaders(r, hsts=True)
        r = self.c.post("/api/v1/hello/echo", body=b"x" * (2 << 20),
                        headers={"Content-Type": "application/json"})
        self.assertError(r, 413)
        self.assertSecurityHeaders(r, hsts=True)

    def test_https_reaches_bureaud(self):
        # bureaud sees HTTPS=on: its public origin is https:// and the
        # session cookie it would set is __Host- and Secure (checked in
        # depth by the accounts tests); here the Origin check accepts
        # the https origin on an unsafe request.
        r = self.c.post("/api/v1/hello/echo", json={"a": 1})
        self.assertStatus(r, 200)
        self.assertEqual(r.json["json"], {"a": 1})

    def test_plain_http_redirected(self):
        for path in ("/", "/api/v1/health", "/api/v1/hello/echo?a=1&b=2"):
            with self.subTest(path=path):
                conn = http.client.HTTPConnection("127.0.0.1",
                                                  self.p.http_port,
                                                  timeout=10)
                try:
                    conn.request("GET", path)
                    r = conn.getresponse()
                    r.read()
                    self.assertEqual(r.status, 301)
                    self.assertEqual(r.getheader("Location"),
                                     "https://127.0.0.1:%d%s"
                                     % (self.p.port, path))
                finally:
                    conn.close()

    def test_plain_http_on_tls_port_refused(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.p.port,
                                          timeout=10)
        try:
            conn.request("GET", "/api/v1/health")
            r = conn.getresponse()
            r.read()
            # nginx answers 400 "plain HTTP request sent to HTTPS port".
            self.assertEqual(r.status, 400)
        finally:
            conn.close()

    def test_login_lane_over_tls(self):
        r = self.c.login("nobody", "not the password 42")
        # The login lane answers (401 once accounts exist); never a 5xx
        # from nginx.
        self.assertLess(r.status, 500, r)
        self.assertJSON(r)
        self.assertSecurityHeaders(r, hsts=True)


class ProductionSite(TestCase):
    """deploy/nginx/bureau.conf itself (the site the tests do not run:
    ports 80/443, /run/bureau sockets) passes `nginx -t` with its includes,
    certificate paths pointed at a test certificate."""

    def test_nginx_t(self):
        import os
        import shutil
        import subprocess
        import tempfile
        from harness import REPO
        t = tempfile.mkdtemp(prefix="bureau-site-")
        try:
            os.symlink(os.path.join(REPO, "deploy", "nginx"),
                       os.path.join(t, "bureau"))
            subprocess.run(
                ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                 "-keyout", os.path.join(t, "key.pem"), "-out",
                 os.path.join(t, "cert.pem"), "-days", "2", "-subj", "/CN=x"],
                check=True, capture_output=True)
            with open(os.path.join(REPO, "deploy", "nginx",
                                   "bureau.conf")) as f:
                site = f.read()
            for old, new in (("/etc/ssl/bureau/fullchain.pem",
                              t + "/cert.pem"),
                             ("/etc/ssl/bureau/privkey.pem", t + "/key.pem"),
                             ("/var/log/nginx/", t + "/")):
                self.assertIn(old, site)
                site = site.replace(old, new)
            with open(os.path.join(t, "site.conf"), "w") as f:
                f.write(site)
            with open(os.path.join(t, "nginx.conf"), "w") as f:
                f.write("pid %(t)s/nginx.pid;\nerror_log %(t)s/error.log;\n"
                        "events {}\nhttp {\n"
                        "  include /etc/nginx/mime.types;\n"
                        "  client_body_temp_path %(t)s/b;\n"
                        "  fastcgi_temp_path %(t)s/f;\n"
                        "  proxy_temp_path %(t)s/p;\n"
                        "  scgi_temp_path %(t)s/s;\n"
                        "  uwsgi_temp_path %(t)s/u;\n"
                        "  include site.conf;\n}\n" % {"t": t})
            r = subprocess.run(["nginx", "-t", "-p", t + "/", "-c",
                                os.path.join(t, "nginx.conf")],
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("test is successful", r.stderr)
            self.assertNotIn("[warn]", r.stderr)
        finally:
            shutil.rmtree(t, ignore_errors=True)
