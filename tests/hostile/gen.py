"""gen -- the hostile request set: deterministic (random.Random(seed)),
generated from the route table (rel.routes) and the documented example
bodies (rel.doc_bodies).

Phase A requests are malformed by construction -- none may change
anything, so a 2xx to an unsafe method there is itself a finding:

  json_broken      truncated, unbalanced, trailing garbage, NaN, comments,
                   BOM, leading zeros, non-objects
  json_nested      arrays/objects nested 3,000 to 200,000 deep
  json_dupkeys     a documented body with one key repeated
  utf8             invalid UTF-8 in bodies, queries, paths, headers
  nul              NUL bytes: \\u0000 in strings, raw in bodies and
                   request lines, %00 in paths and queries
  numbers          1e400, int64 overflow both ways, huge amounts
  types            a documented body with one field of a wrong type
  long             overlong strings (200k), headers (20k+) and URIs (20k+)
  ctype            JSON bodies with a missing or wrong Content-Type
  oversize         bodies over nginx's and bureaud's limits
  traversal        dot segments, encoded slashes and dots, backslashes,
                   doubled and trailing slashes, parameters out of range
  methods          unknown, lower-case, overlong and refused methods
  headers          broken Content-Length/Transfer-Encoding, cookies,
                   CSRF tokens, Origins, If-Match
  noauth           writes without a session, without CSRF, cross-origin
  query            list parameters out of range, repeated, malformed
  protocol         not HTTP at all, HTTP/0.9 and 2.0 lines, bare LF

Phase B (fields) takes each documented body of a safe writing route and
drops each field, adds unknown ones, nulls each: sent one at a time, the
domain tables are checked after each request -- a request that was
refused must not have changed them; one that was accepted may.

Routes that act without reading a body (DELETE, unlock, reset-password,
logout, plugin enable/disable) only ever get ids or names that do not
exist: the hostile set must not sign itself out or disable a plugin.
"""

import json
import random
import re

LONG_PREFIX = 200_000

# Routes whose action needs no valid body: never given a real target.
BODYLESS = re.compile(r"(^DELETE |/unlock$|/reset-password$|/logout$|"
                      r"/enable$|/disable$|/auth/password$)")


class Req:
    __slots__ = ("cat", "method", "target", "headers", "body", "raw",
                 "auth", "phase", "route")

    def __init__(self, cat, method, target, body=b"", headers=None,
                 raw=None, auth=True, phase="A", route=None):
        self.cat = cat
        self.method = method
        self.target = target
        self.headers = list(headers or [])
        self.body = body if isinstance(body, bytes) else \
            body.encode("utf-8", "surrogatepass")
        self.raw = raw              # whole request bytes, as is
        self.auth = auth            # add cookie + CSRF + Origin
        self.phase = phase
        self.route = route

    def describe(self):
        if self.raw is not None:
            return "%s raw %r" % (self.cat, self.raw[:120])
        return "%s %s %s %r" % (self.cat, self.method, self.target[:120],
                                self.body[:120])


def jdump(o):
    return json.dumps(o, ensure_ascii=False).encode("utf-8")


class Gen:
    def __init__(self, routes, bodies, ids, seed=9, scale=1):
        """routes: [(method, pattern, owner, perm)]; bodies: {(method,
        normalised pattern): [dict]}; ids(pattern, name, real) -> str."""
        self.r = random.Random(seed)
        self.routes = routes
        self.bodies = bodies
        self.ids = ids
        self.scale = scale
        self.out = []

    # --- helpers ---------------------------------------------------
    def fill(self, pattern, real=True):
        def sub(m):
            return self.ids(pattern, m.group(1), real)
        return re.sub(r"\{([a-z_]+)(?::[a-z]+)?\}", sub, pattern)

    def template(self, method, pattern):
        key = (method, re.sub(r"\{[^}]*\}", "{}", pattern))
        b = self.bodies.get(key)
        return dict(b[0]) if b else None

    def cheap(self, routes):
        """Routes without the XLSX exports, which build a whole workbook
        per request (seconds under ASan): the loops over every route
        leave them out; heavy() sends them a few malformed requests."""
        return [r for r in routes if not r[1].endswith(".xlsx")]

    def heavy(self):
        for route in self.routes:
            if route[1].endswith(".xlsx"):
                path = self.fill(route[1])
                for q in ("?q=%ff", "?sort=%00", "?lang=" + "x" * 5000,
                          "?limit=-1", "?stage=' OR 1=1--"):
                    self.add("query", "GET", path + q)

    def writing(self):
        # Routes that act on any body (a DELETE's is never read) and take
        # no id to make harmless: logout would sign the hostile set out,
        # "end my other sessions" succeeds whatever the body says.
        return [r for r in self.routes if r[0] != "GET" and
                not r[1].endswith("/auth/logout") and
                (r[0], r[1]) != ("DELETE", "/api/v1/auth/sessions")]

    def target_of(self, route):
        """A path for a writing route: real ids, except for routes that
        act without a body."""
        m, p = route[0], route[1]
        bodyless = bool(BODYLESS.search("%s %s" % (m, p)))
        return self.fill(p, real=not bodyless), bodyless

    def add(self, *a, **kw):
        self.out.append(Req(*a, **kw))

    def json_req(self, cat, route, body, ctype="application/json",
                 headers=None, **kw):
        target, _ = self.target_of(route)
        h = [("Content-Type", ctype)] if ctype is not None else []
        h += list(headers or [])
        if route[1].endswith("/import"):
            target += "?mode=commit"
        self.add(cat, route[0], target, body, h, route=route, **kw)

    def n(self, base):
        return max(1, int(base * self.scale))

    # --- phase A -----------------------------------------------------
    def json_broken(self):
        fixed = [b"{", b"}", b"{\"a\":", b"{\"a\":1", b"{\"a\":1,}",
                 b"{'a':1}", b"{\"a\":01}", b"{\"a\":NaN}",
                 b"{\"a\":Infinity}", b"{\"a\":-Infinity}", b"{\"a\":.5}",
                 b"{\"a\":+1}", b"{\"a\":\"\x01\"}", b"{\"a\":1}x",
                 b"[1,2", b"\"str\"", b"1", b"null", b"true", b"[]",
                 b"[{}]", b"\xef\xbb\xbf{\"a\":1}", b"/*c*/{\"a\":1}",
                 b"{\"a\":1}{\"b\":2}", b"{\"a\" 1}", b"{,}",
                 b"{\"\\uZZZZ\":1}", b"{\"a\":\"\\ud800\"}",
                 b"{\"a\":\"\\udc00\\ud800\"}", b"{\"a\":tru}",
                 b"{\"a\":-}", b"{\"a\":1e}", b"{\"a\":0x10}",
                 b"{\"a\":\"unterminated}", b"{\"a\":[1,2,]}",
                 b"{\"a\":\"\\x41\"}", b"{\"a\":'b'}", b"{a:1}",
                 b"{\"a\":1,\"a\"}", b"\x00", b"{\"a\":\"\t\"\x00}",
                 b"\xff\xfe{\x00}\x00", b" \n\t ", b"{\"a\":1}\x00"]
        for route in self.writing():
            for b in fixed:
                self.json_req("json_broken", route, b)
            t = self.template(route[0], route[1])
            if t:
                text = jdump(t)
                for _ in range(self.n(12)):
                    cut = self.r.randrange(1, len(text))
                    self.json_req("json_broken", route, text[:cut])
                for _ in range(self.n(4)):
                    i = self.r.randrange(len(text))
                    junk = self.r.choice([b"}", b"]", b",", b":", b"\"",
                                          b"\\", b"{{", b"]]"])
                    self.json_req("json_broken", route,
                                  text[:i] + junk + text[i:] + b"}}")

    def json_nested(self):
        for route in self.writing():
            for depth in (3000, 20000, 200000):
                if self.r.random() < 0.5:
                    body = b"{\"a\":" + b"[" * depth + b"]" * depth + b"}"
                else:
                    body = b"{\"a\":" * depth + b"1" + b"}" * depth
                self.json_req("json_nested", route, body)
            self.json_req("json_nested", route,
                          b"{\"a\":" + b"[" * 100000)

    def json_dupkeys(self):
        for route in self.writing():
            t = self.template(route[0], route[1])
            if not t:
                t = {"x": 1}
            for k in list(t)[:6]:
                text = jdump(t)[:-1]
                extra = b", " + jdump(k) + b": " + jdump(t[k])
                self.json_req("json_dupkeys", route, text + extra + b"}")
                # The repeat first, differing value.
                self.json_req("json_dupkeys", route,
                              b"{" + jdump(k) + b": \"dup\", " +
                              jdump(t)[1:])

    def utf8(self):
        bad = [b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
               b"\xe4\xb8", b"\x80", b"\xfe\xff", b"\xc3\x28",
               b"\xf0\x28\x8c\x28"]
        for route in self.writing():
            t = self.template(route[0], route[1]) or {"x": "y"}
            strs = [k for k, v in t.items() if isinstance(v, str)] or \
                list(t)[:1]
            for k in strs[:4]:
                for b in bad:
                    text = jdump(dict(t, **{k: "@@BAD@@"}))
                    self.json_req("utf8", route,
                                  text.replace(b"@@BAD@@", b"a" + b + b"z"))
        gets = [r for r in self.cheap(self.routes) if r[0] == "GET"]
        for route in gets:
            path = self.fill(route[1])
            for b in bad[:5]:
                self.add("utf8", "GET", path + "?q=%" + "%".join(
                    "%02X" % c for c in b))
                self.add("utf8", "GET", path + "?" + "%02X" % b[0])
                self.add("utf8", "GET", path + "/x%" + "%".join(
                    "%02X" % c for c in b))
                self.add("utf8", "GET", path, raw=None,
                         headers=[("X-Hostile", b"a" + b + b"z"),
                                  ("User-Agent", b"ua" + b)])
            self.add("utf8", "GET", path.encode() + b"?q=\xff\xfe")
            self.add("utf8", "GET", path.encode() + b"/\xc0\xaf")

    def nul(self):
        for route in self.writing():
            t = self.template(route[0], route[1]) or {"x": "y"}
            for k in [k for k, v in t.items() if isinstance(v, str)][:4]:
                self.json_req("nul", route, jdump(t).replace(
                    jdump(t[k]), b"\"a\\u0000b\"", 1))
                self.json_req("nul", route, jdump(t).replace(
                    jdump(t[k]), b"\"a\x00b\"", 1))
            self.json_req("nul", route, jdump(t) + b"\x00\x00")
            self.json_req("nul", route, b"\x00" + jdump(t))
        for route in self.cheap(self.routes):
            path = self.fill(route[1])
            self.add("nul", route[0], path + "%00")
            self.add("nul", route[0], path + "?a=%00&b=1")
            self.add("nul", route[0], path + "?%00=1")
            self.add("nul", "GET", path, raw=b"GET " + path.encode() +
                     b"\x00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")

    def numbers(self):
        huge = [b"1e400", b"-1e400", b"9223372036854775808",
                b"-9223372036854775809", b"99999999999999999999999999",
                b"1" + b"0" * 400, b"123456789012345678901234567890.5",
                b"9223372036854775807", b"-9223372036854775808",
                b"4.9e-324", b"1.5", b"-0.0", b"1E+2"]
        for route in self.writing():
            t = self.template(route[0], route[1]) or {"x": 1}
            nums = [k for k, v in t.items()
                    if isinstance(v, int) and not isinstance(v, bool)]
            keys = nums or list(t)[:2]
            for k in keys[:4]:
                for h in huge:
                    # int64 limits and plain reals are invalid only for
                    # amount-like fields and integers: never a 2xx.
                    if h in (b"9223372036854775807",
                             b"-9223372036854775808", b"1.5", b"-0.0",
                             b"1E+2") and not (
                                 k.endswith("_wan") or k == "version"
                                 or k.endswith("_id") or k == "year"
                                 or k.endswith("_mu")):
                        continue
                    if h in (b"-0.0", b"1E+2", b"1.5") and k == "version":
                        continue
                    text = jdump(dict(t, **{k: "@@N@@"}))
                    self.json_req("numbers", route,
                                  text.replace(b"\"@@N@@\"", h))

    def types(self):
        wrong = [b"[[]]", b"{\"\":{\"x\":[[]]}}", b"[[1,[2,[3]]]]"]
        for route in self.writing():
            t = self.template(route[0], route[1])
            if not t:
                continue
            for k in t:
                for w in wrong:
                    text = jdump(dict(t, **{k: "@@T@@"}))
                    self.json_req("types", route,
                                  text.replace(b"\"@@T@@\"", w))

    def long(self):
        for route in self.writing():
            t = self.template(route[0], route[1]) or {"x": "y"}
            k = self.r.choice(list(t))
            s = self.r.choice(("x" * LONG_PREFIX, "汉" * (LONG_PREFIX // 3)))
            self.json_req("long", route, jdump(dict(t, **{k: s})))
            for k in list(t)[:3]:
                self.json_req("long", route, jdump(dict(t, **{k: "y" * 20000})))
            self.json_req("long", route, jdump({"k" * 100000: 1}))
        for route in self.routes[:: max(1, len(self.routes) // 12)]:
            path = self.fill(route[1])
            self.add("long", "GET", path, headers=[("X-Long", "a" * 20000)])
            self.add("long", "GET", path, headers=[
                ("X-H%d" % i, "v" * 100) for i in range(700)])
            self.add("long", "GET", path + "?" + "a=1&" * 6000)
            self.add("long", "GET", path + "/" + "x" * 20000)
            self.add("long", "GET", path, headers=[
                ("Cookie", "c=" + "z" * 15000)])

    def ctype(self):
        bad = [None, "text/plain", "application/x-www-form-urlencoded",
               "multipart/form-data; boundary=x", "application/jsonx",
               "application/json-patch+json", "json", "*/*",
               "application/xml", "text/json", "application/javascript",
               "application/json\x00", ""]
        for route in self.writing():
            t = self.template(route[0], route[1])
            if route[1].endswith("/import"):
                for ct in bad[:8] + ["application/json"]:
                    self.json_req("ctype", route, b"name_en\r\nx\r\n", ct)
                continue
            if not t:
                continue
            for ct in bad:
                self.json_req("ctype", route, jdump(t), ct)

    def oversize(self):
        big = b"{\"a\":\"" + b"x" * (1024 * 1024 + 10) + b"\"}"
        for route in self.writing()[::3]:
            if route[1].endswith("/import"):
                self.json_req("oversize", route,
                              b"name_en\r\n" + b"y" * (11 * 1024 * 1024),
                              "text/csv")
                continue
            self.json_req("oversize", route, big)
        # Content-Length above the limit, nothing sent after it.
        for route in self.writing()[:4]:
            path, _ = self.target_of(route)
            self.add("oversize", route[0], path, raw=(
                "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                "Content-Type: application/json\r\nContent-Length: %d"
                "\r\n\r\n" % (route[0], path, 50 * 1024 * 1024)).encode())

    def traversal(self):
        paths = ["/api/v1/projects/../staff", "/api/v1/%2e%2e/%2e%2e/etc/passwd",
                 "/api/v1/projects/1%2F2", "/api/v1//projects",
                 "/api/v1/projects/1/", "/api/v1/projects/./1",
                 "/api/v1/projects/%2e/1", "/api/v1/projects\\..\\staff",
                 "/api/v1/projects/1;x=1", "/api/v1/projects/1%00",
                 "/api/v1/projects/01", "/api/v1/projects/-1",
                 "/api/v1/projects/0", "/api/v1/projects/99999999999999999999",
                 "/api/v1/../../etc/passwd", "/../../etc/passwd",
                 "//api/v1/health", "/api/v1/health%00.json",
                 "/api/v1/health/", "/API/V1/HEALTH", "/api/v1/health?",
                 "/api/v1/plugins/..%2f..%2fetc", "/api/v1/%2fprojects",
                 "/api/v1/projects%2f1", "/api/v1/projects/%31",
                 "/api/v1/projects/1%2e", "/api/%2e%2e/api/v1/health",
                 "/api/v1/./health", "/api/v1/health/.", "/api/v1/health/..",
                 "/api/v1/projects/1/../2", "/api/v1/targets/99999",
                 "/api/v1/targets/2021-01-01", "/api/v1/projects/1e3",
                 "/api/v1/projects/0x10", "/api/v1/projects/+1",
                 "/api/v1/projects/%20%31", "/api/v1/projects/1#frag",
                 "/api/v1/projects/reference/..", "/api/v1/%u002e%u002e/x",
                 "/api/v1/projects/%c0%ae%c0%ae/x", "/api/./v1/health",
                 "/api/v1/plugins/PROJECTS", "/api/v1/plugins/a%2fb",
                 "/api/v1/plugins/" + "a" * 65, "/api/v1/plugins/-",
                 "/api/v1/expos/1/signings/%2e%2e"]
        for p in paths:
            for m in ("GET", "HEAD", "DELETE", "POST"):
                self.add("traversal", m, p, b"{" if m == "POST" else b"",
                         [("Content-Type", "application/json")]
                         if m == "POST" else [])
        for route in self.routes:
            base = self.fill(route[1], real=False)
            for mut in (base + "/", base + "/.", base + "/..",
                        base.replace("/v1/", "/v1//"),
                        base.replace("/api/", "/api/%2e/"),
                        base + "%2f", base + "/%2e%2e/" + base.split("/")[-1]):
                self.add("traversal", route[0], mut,
                         b"{" if route[0] != "GET" else b"",
                         [("Content-Type", "application/json")]
                         if route[0] != "GET" else [])

    def methods(self):
        names = ["PROPFIND", "TRACE", "CONNECT", "FOO", "get", "Post",
                 "PATCH2", "M" * 40, "DELETE\x00", "G ET", "OPTIONS",
                 "HEAD", "PURGE", "MKCOL", "LINK", "-", "GET\t"]
        routed = {(r[0], r[1]) for r in self.routes}
        for route in self.routes:
            path = self.fill(route[1], real=False)
            for m in names:
                self.add("methods", m, path, raw=(
                    "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                    "Content-Length: 1\r\n\r\n{" % (m, path)).encode(
                        "latin-1"))
            # A known method the path does not have (under any route).
            for m in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                if (m, route[1]) not in routed:
                    self.add("methods", m, path, b"{",
                             [("Content-Type", "application/json")])

    def headers(self):
        for route in self.writing():
            path, _ = self.target_of(route)
            m = route[0]
            pre = "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" % (
                m, path)
            ct = "Content-Type: application/json\r\n"
            # Every one complete: nginx never waits for more (a request
            # cut short is the limits suite's slow client).
            for h, b in [("Content-Length: 1\r\nContent-Length: 2\r\n", "{"),
                         ("Content-Length: -1\r\n", "{"),
                         ("Content-Length: 1e3\r\n", "{"),
                         ("Content-Length: 99999999999999999999999\r\n",
                          "{"),
                         ("Content-Length: 0x10\r\n", "{"),
                         ("Content-Length: 1\r\nTransfer-Encoding: "
                          "chunked\r\n", "1\r\n{\r\n0\r\n\r\n"),
                         ("Transfer-Encoding: chunked, identity\r\n", "{"),
                         ("Transfer-Encoding: gzip\r\n", "{"),
                         ("Expect: 100-continue\r\nContent-Length: 1\r\n",
                          "{"),
                         ("Content-Length:\t 1 \r\n", "{")]:
                self.add("headers", m, path, raw=(pre + ct + h + "\r\n" +
                                                  b).encode())
            for chunks in ["zz\r\n{}\r\n0\r\n\r\n",
                           "ffffffffffffffffff\r\n{\r\n0\r\n\r\n",
                           "-1\r\n{\r\n0\r\n\r\n",
                           "1;ext=\"x\r\n{\r\n0\r\n\r\n",
                           "1\r\n{\r\n1\r\n}\r\n0\r\nX-Trailer: 1\r\n\r\n",
                           "2\r\n{,\r\n0\r\n\r\n"]:
                self.add("headers", m, path, raw=(
                    pre + ct + "Transfer-Encoding: chunked\r\n\r\n" +
                    chunks).encode())
            # Session and CSRF garbage with an otherwise broken body.
            body = b"{\"a\":"
            for hs in ([("X-CSRF-Token", "x" * 43)],
                       [("X-CSRF-Token", "")],
                       [("X-CSRF-Token", "\u00e9".encode("utf-8"))],
                       [("Origin", "https://evil.example")],
                       [("Origin", "null")],
                       [("If-Match", "\"" + "9" * 30 + "\"")],
                       [("If-Match", "*")],
                       [("If-Match", "W/\"1\"")],
                       [("Cookie", "bureau_session=" + "A" * 43)],
                       [("Cookie", "bureau_session=\"\"; ;;=;")]):
                self.json_req("headers", route, body, headers=hs)

    def noauth(self):
        self.add("noauth", "POST", "/api/v1/auth/logout", b"{}",
                 [("Content-Type", "application/json")], auth=False)
        for route in self.writing():
            path, _ = self.target_of(route)
            t = self.template(route[0], route[1]) or {}
            # A valid-looking body, but no session / no CSRF / foreign
            # Origin: 401/403 and nothing written.
            self.add("noauth", route[0], path, jdump(t),
                     [("Content-Type", "application/json")], auth=False)
            self.add("noauth", route[0], path, jdump(t),
                     [("Content-Type", "application/json"),
                      ("@nocsrf", "")], auth=True)
            self.add("noauth", route[0], path, jdump(t),
                     [("Content-Type", "application/json"),
                      ("@origin", "https://evil.example")], auth=True)
            self.add("noauth", route[0], path, jdump(t),
                     [("Content-Type", "application/json"),
                      ("@csrf", "A" * 43)], auth=True)

    def query(self):
        vals = ["-1", "0", "99999999999999999999", "1e3", "abc", "",
                "%zz", "%", "1,2", "null", "[]", "'", "\"", "1;DROP TABLE x",
                "' OR '1'='1", "1 UNION SELECT 1", "../../etc", "*",
                "%25", "%2B", "\t", "2021-02-30", "2021-13-01", "-0"]
        keys = ["limit", "offset", "sort", "q", "stage", "year", "status",
                "district", "role", "active", "as_of", "lang", "key_year",
                "min_contracted_wan", "officer_id", "demo", "mode",
                "category", "signed_year", "series", "project_id"]
        gets = [r for r in self.cheap(self.routes) if r[0] == "GET"]
        for route in gets:
            path = self.fill(route[1])
            # Exports build whole files: a few.
            for k in (self.r.sample(keys, 3) if "export" in route[1]
                      else keys):
                for v in self.r.sample(vals, 2):
                    self.add("query", "GET", path + "?%s=%s" % (k, v))
            self.add("query", "GET", path + "?" + "&".join(
                "limit=%d" % i for i in range(300)))
            self.add("query", "GET", path + "?sort=" + "-" * 300)

    def protocol(self):
        raws = [b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
                b"GET /api/v1/health\r\n\r\n",
                b"GET /api/v1/health HTTP/2.0\r\nHost: x\r\n\r\n",
                b"GET /api/v1/health HTTP/1.1\nHost: x\nConnection: close\n\n",
                b"GET /api/v1/health HTTP/1.1\r\n\r\n",
                b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nHost: y\r\n"
                b"Connection: close\r\n\r\n",
                b"GET http://evil.example/api/v1/health HTTP/1.1\r\n"
                b"Host: x\r\nConnection: close\r\n\r\n",
                b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n Folded: y\r\n"
                b"Connection: close\r\n\r\n",
                b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n"
                b"Connection: close\r\n\r\n",
                b"GET /api/v1/health HTTP/9.9\r\nHost: x\r\n\r\n",
                b"GET  /api/v1/health  HTTP/1.1\r\nHost: x\r\n\r\n",
                b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n"
                b"Upgrade: h2c\r\nConnection: Upgrade, close\r\n\r\n",
                b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
                b"GET /api/v1/health HTTP/1.1\r\nHost: \xff\r\n"
                b"Connection: close\r\n\r\n",
                b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n:: y\r\n\r\n"]
        for _ in range(self.n(3)):
            for raw in raws:
                self.add("protocol", "-", "-", raw=raw)
        for _ in range(self.n(40)):
            n = self.r.randrange(1, 400)
            self.add("protocol", "-", "-",
                     raw=bytes(self.r.randrange(256) for _ in range(n)) +
                     b"\r\n\r\n")

    def phase_a(self):
        for part in (self.json_broken, self.json_nested, self.json_dupkeys,
                     self.utf8, self.nul, self.numbers, self.types,
                     self.long, self.ctype, self.oversize, self.traversal,
                     self.methods, self.headers, self.noauth, self.query,
                     self.heavy, self.protocol):
            part()
        for _ in range(self.scale - 1 if self.scale > 1 else 0):
            self.json_broken()
            self.utf8()
        return self.out

    # --- phase B ---------------------------------------------------
    def phase_b(self):
        out = []
        for route in self.writing():
            if BODYLESS.search("%s %s" % (route[0], route[1])) or \
                    "/auth/" in route[1] or "/plugins/" in route[1]:
                continue
            t = self.template(route[0], route[1])
            if t is None:
                continue
            variants = [{}]
            for k in t:
                d = dict(t)
                del d[k]
                variants.append(d)
                variants.append(dict(t, **{k: None}))
            variants.append(dict(t, unknown_field=1))
            variants.append(dict(t, id=1, created_at="2000-01-01",
                                 is_demo=1, password_hash="x",
                                 role="admin"))
            for v in variants:
                out.append(Req("fields", route[0], None, jdump(v),
                               [("Content-Type", "application/json")],
                               phase="B", route=route))
        return out
