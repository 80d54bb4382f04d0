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
