"""The foundation through the real nginx + bureaud, with the hello test
plugin: health, query parsing, routing, bodies, paths, security headers,
nginx's own errors as JSON.

hello's routes (tests/plugins/hello.c):
    GET       /api/v1/hello
    GET|POST  /api/v1/hello/echo   -> {"method","path","query":[[k,v],...],
                                       "json","content_type"}
    GET       /api/v1/hello/items/{id}
    GET       /api/v1/hello/slow?ms=N
"""

import json
import os
import socket
import time
import urllib.parse

from harness import Portal, TestCase


class Foundation(TestCase):
    """One portal for the read-only checks."""

    @classmethod
    def setUpClass(cls):
        cls.p = Portal(plugins=["hello"], name="foundation")
        cls.p.start()

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()

    def setUp(self):
        self.c = self.p.client()

    def echo_query(self, qs):
        r = self.c.get("/api/v1/hello/echo?" + qs)
        self.assertStatus(r, 200)
        return r.json["query"]

    # --- health --------------------------------------------------------
    def test_health_shape(self):
        r = self.c.get("/api/v1/health")
        self.assertStatus(r, 200)
        self.assertEqual(r.headers["content-type"],
                         "application/json; charset=utf-8")
        j = r.json
        self.assertEqual(j["status"], "ok")
        self.assertEqual(j["db"], "ok")
        self.assertIsInstance(j["version"], str)
        self.assertTrue(j["version"])
        self.assertIsInstance(j["plugins"], list)
        names = {}
        for pl in j["plugins"]:
            self.assertIsInstance(pl["name"], str)
            self.assertIsInstance(pl["version"], str)
            self.assertIsInstance(pl["enabled"], bool)
            names[pl["name"]] = pl
        self.assertIn("hello", names)
        self.assertTrue(names["hello"]["enabled"])

    def test_health_needs_no_session(self):
        r = self.p.client().get("/api/v1/health")
        self.assertStatus(r, 200)
        self.assertEqual(r.cookies_set, [])

    # --- query strings -------------------------------------------------
    def test_query_plain(self):
        self.assertEqual(self.echo_query("a=1&b=two"),
                         [["a", "1"], ["b", "two"]])

    def test_query_percent_encoding_utf8(self):
        qs = "city=" + urllib.parse.quote("重庆") + "&k%C3%A9y=v%20w"
        self.assertEqual(self.echo_query(qs),
                         [["city", "重庆"], ["kéy", "v w"]])

    def test_query_plus_is_space_and_encoded_plus_is_plus(self):
        self.assertEqual(self.echo_query("q=a+b&r=1%2B1"),
                         [["q", "a b"], ["r", "1+1"]])

    def test_query_empty_and_repeated_keys(self):
        self.assertEqual(self.echo_query("a=1&a=2&b=&c&a=3"),
                         [["a", "1"], ["a", "2"], ["b", ""], ["c", ""],
                          ["a", "3"]])

    def test_query_bare_key(self):
        self.assertEqual(self.echo_query("k"), [["k", ""]])

    def test_query_empty(self):
        r = self.c.get("/api/v1/hello/echo?")
        self.assertStatus(r, 200)
        self.assertEqual(r.json["query"], [])
        r = self.c.get("/api/v1/hello/echo")
        self.assertStatus(r, 200)
        self.assertEqual(r.json["query"], [])

    def test_query_encoded_separators(self):
        self.assertEqual(self.echo_query("a=x%26y%3Dz"), [["a", "x&y=z"]])

    def test_query_malformed_escapes(self):
        for qs in ("a=%zz", "a=%", "a=%4", "%zz=1", "a=%C3%28", "a=%00",
                   "a=%FF%FE"):
            with self.subTest(qs=qs):
                r = self.c.get("/api/v1/hello/echo?" + qs)
                self.assertError(r, 400)
                self.assertSecurityHeaders(r)

    # --- routing ---------------------------------------------------------
    def test_hello(self):
        r = self.c.get("/api/v1/hello")
        self.assertStatus(r, 200)
        self.assertJSON(r)

    def test_echo_reports_method_path_content_type(self):
        r = self.c.post("/api/v1/hello/echo?x=1", json={"a": [1, "二"]})
        self.assertStatus(r, 200)
        self.assertEqual(r.json["method"], "POST")
        self.assertEqual(r.json["path"], "/api/v1/hello/echo")
        self.assertEqual(r.json["query"], [["x", "1"]])
        self.assertEqual(r.json["json"], {"a": [1, "二"]})
        self.assertEqual(r.json["content_type"], "application/json")

    def test_unknown_path_404(self):
        for path in ("/api/v1/nope", "/api/v1/hello/nope", "/api/v2/hello",
                     "/api/", "/api/v1/", "/api/v1/HELLO"):
            with self.subTest(path=path):
                r = self.c.get(path)
                self.assertError(r, 404, "not_found")

    def test_trailing_slash_404(self):
        for path in ("/api/v1/hello/", "/api/v1/health/",
                     "/api/v1/hello/items/1/"):
            with self.subTest(path=path):
                self.assertError(self.c.get(path), 404)

    def test_login_trailing_slash_not_the_login_lane(self):
        # "location = /api/v1/auth/login" does not match ".../login/":
        # it reaches the API lane, whose router refuses trailing slashes.
        r = self.c.post("/api/v1/auth/login/",
                        json={"username": "x", "password": "y"})
        self.assertError(r, 404)

    def test_405_with_allow(self):
        r = self.c.delete("/api/v1/hello/echo")
        self.assertError(r, 405, "method_not_allowed")
        allow = {m.strip() for m in r.headers.get("allow", "").split(",")}
        self.assertIn("GET", allow)
        self.assertIn("POST", allow)
        self.assertNotIn("DELETE", allow)
        r = self.c.post("/api/v1/hello", json={})
        self.assertError(r, 405)
        self.assertIn("GET", r.headers.get("allow", ""))

    def test_head_is_get_without_body(self):
        g = self.c.get("/api/v1/health")
        h = self.c.head("/api/v1/health")
        self.assertStatus(h, 200)
        self.assertEqual(h.body, b"")
        self.assertEqual(h.headers.get("content-type"),
                         g.headers.get("content-type"))
        # The same checks as GET: a route that needs a session still does.
        self.assertEqual(self.c.head("/api/v1/auth/me").status, 401)
        self.assertEqual(self.c.head("/api/v1/nope").status, 404)
        # HEAD where only POST exists is not a GET in disguise.
        r = self.c.head("/api/v1/auth/logout")
        self.assertEqual(r.status, 405)

    def test_options_lists_methods(self):
        r = self.c.request("OPTIONS", "/api/v1/hello/echo")
        self.assertStatus(r, 204)
        allow = {m.strip() for m in r.headers.get("allow", "").split(",")}
        self.assertEqual(allow, {"GET", "HEAD", "POST", "OPTIONS"})
        self.assertEqual(r.body, b"")
        r = self.c.request("OPTIONS", "/api/v1/nope")
        self.assertError(r, 404)
        r = self.c.delete("/api/v1/hello/echo")
        allow = {m.strip() for m in r.headers.get("allow", "").split(",")}
        self.assertIn("OPTIONS", allow)
        self.assertIn("HEAD", allow)

    def test_typed_id(self):
        r = self.c.post("/api/v1/hello/items", json={"name": "typed"})
        self.assertStatus(r, 201)
        item = r.json["id"]
        r = self.c.get("/api/v1/hello/items/%d" % item)
        self.assertStatus(r, 200)
        self.assertEqual(r.json["id"], item)
        self.assertError(self.c.get("/api/v1/hello/items/999999"), 404)
        for bad in ("0", "-1", "abc", "1.5", "01x", "1e3",
                    "99999999999999999999999", "9223372036854775808",
                    "+1", " 1", "1,2"):
            with self.subTest(id=bad):
                r = self.c.get("/api/v1/hello/items/" +
                               urllib.parse.quote(bad, safe="%+"))
                self.assertIn(r.status, (400, 404), r)
                self.assertError(r, r.status)

    # --- bodies ----------------------------------------------------------
    def test_malformed_json_400(self):
        for body in (b"{", b"{\"a\":}", b"[1,2]", b"\"s\"", b"nul",
                     b"{\"a\":1}x", b"\xff\xfe{}", b"{\"a\":\"\xc3\x28\"}",
                     b"{\"a\":1,}",
                     # An escape before half a character: the parser's
                     # message quotes invalid UTF-8 (was a 500, found by
                     # the long fuzz run).
                     b"{\"a\": \"\\\xe6\x96\xb0\"}", b"{\"\\\xe9\x87\x8d\": 1}"):
            with self.subTest(body=body):
                r = self.c.post("/api/v1/hello/echo", body=body,
                                headers={"Content-Type": "application/json"})
                self.assertError(r, 400)
                self.assertEqual(r.json["error"]["code"], "invalid_json")

    def test_duplicate_keys_400(self):
        r = self.c.post("/api/v1/hello/echo", body=b'{"a":1,"a":2}',
                        headers={"Content-Type": "application/json"})
        self.assertError(r, 400)

    def test_wrong_content_type_415(self):
        for ct in ("text/plain", "application/x-www-form-urlencoded",
                   "multipart/form-data; boundary=x", "application/jsonx",
                   None):
            with self.subTest(ct=ct):
                r = self.c.post("/api/v1/hello/echo", body=b'{"a":1}',
                                headers={"Content-Type": ct})
                self.assertError(r, 415)

    def test_json_content_type_with_charset(self):
        r = self.c.post("/api/v1/hello/echo", body=b'{"a":1}',
                        headers={"Content-Type":
                                 "application/json; charset=utf-8"})
        self.assertStatus(r, 200)
        self.assertEqual(r.json["json"], {"a": 1})

    def test_nginx_body_limit_413_json(self):
        # Over client_max_body_size (1m on /api/): nginx's own 413.
        body = b'{"a":"' + b"x" * (2 * 1024 * 1024) + b'"}'
        r = self.c.post("/api/v1/hello/echo", body=body,
                        headers={"Content-Type": "application/json"})
        self.assertError(r, 413)
        self.assertSecurityHeaders(r)
        self.assertEqual(r.headers.get("cache-control"), "no-store")

    # --- paths -----------------------------------------------------------
    def test_encoded_slash_and_dot_segments(self):
        for path in ("/api/v1/hello%2Fecho", "/api/v1%2fhello",
                     "/api/v1/hello/items/%2e%2e", "/api/v1/hello/./echo",
                     "/api/v1/hello/../hello", "/api/v1/%2E%2E/v1/hello",
                     "/api/v1/hello/%00", "/api/v1/hello/%zz",
                     "/api/../../../etc/passwd",
                     "/api/v1/../../../../etc/passwd",
                     "/api/v1/hello/..%2f..%2f..%2fetc%2fpasswd"):
            with self.subTest(path=path):
                r = self.c.raw(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                "Connection: close\r\n\r\n" % path).encode())
                self.assertIsNotNone(r)
                self.assertIn(r.status, (400, 404), r)
                self.assertError(r, r.status)
                self.assertNotIn(b"root:", r.body)
                self.assertSecurityHeaders(r)

    def test_static_traversal_never_a_file(self):
        for path in ("/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
                     "/js/../../../../etc/passwd", "/.git/config",
                     "/..%2f..%2fetc/passwd"):
            with self.subTest(path=path):
                r = self.c.raw(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                "Connection: close\r\n\r\n" % path).encode())
                self.assertIsNotNone(r)
                self.assertIn(r.status, (400, 404), r)
                self.assertNotIn(b"root:", r.body)
                self.assertSecurityHeaders(r)

    # --- headers ---------------------------------------------------------
    def test_security_headers_everywhere(self):
        cases = [
            ("GET", "/", 200),
            ("GET", "/index.html", 200),
            ("GET", "/no-such-file.js", 404),
            ("GET", "/api/v1/health", 200),
            ("GET", "/api/v1/hello", 200),
            ("GET", "/api/v1/nope", 404),
            ("DELETE", "/api/v1/hello/echo", 405),
            ("GET", "/api/v1/hello/echo?a=%zz", 400),
            ("POST", "/", 405),
        ]
        for method, path, status in cases:
            with self.subTest(method=method, path=path):
                r = self.c.request(method, path)
                self.assertEqual(r.status, status, r)
                self.assertSecurityHeaders(r)

    def test_csp_exact(self):
        r = self.c.get("/")
        csp = r.headers["content-security-policy"]
        for part in ("default-src 'self'", "script-src 'self'",
                     "style-src 'self'", "img-src 'self' data:",
                     "object-src 'none'", "base-uri 'none'",
                     "frame-ancestors 'none'", "form-action 'self'"):
            self.assertIn(part, csp)
        self.assertNotIn("unsafe-inline", csp)
        self.assertNotIn("unsafe-eval", csp)

    def test_api_no_store(self):
        for path in ("/api/v1/health", "/api/v1/hello", "/api/v1/nope"):
            with self.subTest(path=path):
                r = self.c.get(path)
                self.assertEqual(r.header_values("cache-control"),
                                 ["no-store"])

    def test_static_not_no_store(self):
        r = self.c.get("/")
        self.assertNotEqual(r.headers.get("cache-control"), "no-store")

    def test_no_server_version(self):
        r = self.c.get("/api/v1/health")
        self.assertEqual(r.headers.get("server", "nginx"), "nginx")
        self.assertNotIn("x-powered-by", r.headers)

    def test_no_hsts_over_plain_http(self):
        r = self.c.get("/")
        self.assertNotIn("strict-transport-security", r.headers)

    # --- nginx's own errors under /api/ are JSON --------------------------
    def test_nginx_414_json(self):
        r = self.c.get("/api/v1/hello/echo?q=" + "a" * 20000)
        self.assertError(r, 414)
        self.assertSecurityHeaders(r)

    def test_nginx_400_json(self):
        # A malformed request line and a bad Content-Length.
        for raw in (b"GET /api/v1/hello HTTP/1.1\r\nHost: x\r\n"
                    b"Content-Length: abc\r\n\r\n",
                    b"GET /api/v1/hello HTTP/1.1\r\nHost: x\r\n"
                    b"Host: y\r\n\r\n",
                    b"GET /api/v1/hello HTTP/9.9\r\nHost: x\r\n\r\n"):
            with self.subTest(raw=raw):
                r = self.c.raw(raw)
                self.assertIsNotNone(r)
                self.assertIn(r.status, (400, 505), r)
                if r.status == 400:
                    self.assertError(r, 400)
                    self.assertSecurityHeaders(r)

    def test_nginx_header_too_large_json(self):
        r = self.c.get("/api/v1/hello",
                       headers={"X-Big": "a" * 40000})
        self.assertError(r, 400)
        self.assertSecurityHeaders(r)

    def test_nginx_trace_refused_json(self):
        r = self.c.request("TRACE", "/api/v1/hello")
        self.assertIn(r.status, (405, 501), r)
        self.assertError(r, r.status)


class BodyLimit(TestCase):
    """bureaud's own limit, below nginx's."""

    @classmethod
    def setUpClass(cls):
        cls.p = Portal(plugins=["hello"], name="bodylimit",
                       config={"server.body_limit": "2k"})
        cls.p.start()

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()

    def test_bureaud_413(self):
        c = self.p.client()
        r = c.post("/api/v1/hello/echo", json={"a": "x" * 1000})
        self.assertStatus(r, 200)
        r = c.post("/api/v1/hello/echo", json={"a": "x" * 4000})
        self.assertError(r, 413, "payload_too_large")
        self.assertSecurityHeaders(r)
        # Checked against Content-Length before the body is read, even
        # when the content type is wrong too.
        r = c.post("/api/v1/hello/echo", body=b"x" * 5000,
                   headers={"Content-Type": "text/plain"})
        self.assertError(r, 413)


class Down(TestCase):
    """What clients see while bureaud is not there."""

    @classmethod
    def setUpClass(cls):
        cls.p = Portal(plugins=["hello"], name="down")
        cls.p.start()

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()

    def test_502_json_when_bureaud_down(self):
        c = self.p.client()
        self.assertStatus(c.get("/api/v1/health"), 200)
        self.p.stop_bureaud()
        try:
            r = c.get("/api/v1/health")
            self.assertError(r, 502)
            self.assertSecurityHeaders(r)
            self.assertEqual(r.headers.get("cache-control"), "no-store")
            r = c.post("/api/v1/auth/login",
                       json={"username": "a", "password": "b"})
            self.assertError(r, 502)
            # Static files are still served.
            self.assertStatus(c.get("/"), 200)
        finally:
            self.p.start_bureaud(wait=True)
        self.assertStatus(c.get("/api/v1/health"), 200)


class Degraded(TestCase):
    """Health says "degraded" (503) when the database cannot be read."""

    def test_health_503_when_db_unreadable(self):
        p = Portal(plugins=["hello"], name="degraded")
        p.start()
        try:
            c = p.client()
            self.assertStatus(c.get("/api/v1/health"), 200)
            # Everything into the main file, then zero it and the WAL
            # index in place (same inodes bureaud has open; root ignores
            # file modes, so chmod would prove nothing).  Every reader
            # then finds "file is not a database".
            p.sql("PRAGMA wal_checkpoint(TRUNCATE)")
            for suffix in ("", "-shm"):
                path = p.db_path + suffix
                if os.path.exists(path):
                    size = os.path.getsize(path)
                    with open(path, "r+b") as f:
                        f.write(b"\0" * size)
            # Threads whose connection still trusts its page cache (the
            # WAL index looks unchanged to them) may answer "ok" for a
            # while; none may fail otherwise, and degraded must show.
            degraded = None
            deadline = time.time() + 5
            while time.time() < deadline:
                r = c.get("/api/v1/health")
                self.assertIn(r.status, (200, 503), r)
                self.assertJSON(r)
                if r.status == 503:
                    degraded = r
                    break
                time.sleep(0.05)
            self.assertIsNotNone(degraded, "health never said degraded")
            self.assertEqual(degraded.json["status"], "degraded")
            self.assertNotEqual(degraded.json.get("db"), "ok")
            self.assertIsInstance(degraded.json.get("version"), str)
            self.assertSecurityHeaders(degraded)
            self.assertEqual(degraded.headers.get("cache-control"),
                             "no-store")
        finally:
            try:
                p.stop()
            finally:
                p.cleanup()


class LoginRateLimit(TestCase):
    """nginx's limit_req on the login lane: 429 as JSON."""

    def test_login_429_json(self):
        p = Portal(plugins=[], name="ratelimit", login_limit=True)
        p.start()
        try:
            c = p.client()
            statuses = []
            for _ in range(12):
                r = c.login("nobody", "wrong password 123")
                statuses.append(r.status)
                if r.status == 429:
                    break
            self.assertIn(429, statuses, statuses)
            self.assertError(r, 429, "rate_limited")
            self.assertSecurityHeaders(r)
            self.assertIn("retry-after", r.headers)
            # Other routes are not limited.
            self.assertStatus(c.get("/api/v1/health"), 200)
        finally:
            try:
                p.stop()
            finally:
                p.cleanup()


class Slow(TestCase):
    """A slow request does not hold up the others (N x M threads)."""

    @classmethod
    def setUpClass(cls):
        cls.p = Portal(plugins=["hello"], name="slow")
        cls.p.start()

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()

    def test_slow_and_fast(self):
        import threading
        c = self.p.client()
        out = {}

        def slow():
            out["slow"] = c.get("/api/v1/hello/slow?ms=1500")

        t = threading.Thread(target=slow)
        t0 = time.time()
        t.start()
        time.sleep(0.2)
        r = c.get("/api/v1/hello")
        fast = time.time() - t0
        self.assertStatus(r, 200)
        t.join(10)
        self.assertStatus(out["slow"], 200)
        self.assertLess(fast, 1.4)
