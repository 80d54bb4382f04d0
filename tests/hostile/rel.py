"""rel -- what the reliability suites (tests/hostile, crash, limits,
scanners, backup) share on top of tests/integration/harness.py:

  - the route table, read from the C sources ({"METHOD", "/api/v1/..."}
    entries of core/ and plugins/), and example bodies from docs/api/;
  - a portal with every bundled plugin and the demo data, an admin
    signed in (cookie + CSRF);
  - checksums of the domain tables (everything but the audit log,
    sessions and lockout state);
  - worker-crash lines in bureaud's log;
  - a raw HTTP/1.1 sender (one connection per request, Connection:
    close) for requests http.client refuses to send.
Python standard library only.
"""

import hashlib
import http.client
import json
import os
import re
import socket
import sqlite3
import ssl
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))

import harness  # noqa: E402

ROUTE_RE = re.compile(
    r'\{\s*"(GET|POST|PUT|PATCH|DELETE)"\s*,\s*"(/api/v1/[^"]*)"\s*,'
    r'\s*([A-Za-z_0-9]+)\s*,\s*([^,}]+)')

# Columns of users that a failed login may change (lockout state).
USERS_LOCKOUT_COLS = {"failed_count", "first_failed_at", "locked_until",
                      "last_login_at", "last_seen"}
# Tables an error answer may still write: the audit log (failed
# logins), sessions (last_seen, logins), per-address login failures.
NON_DOMAIN_TABLES = {"audit_log", "sessions", "login_ip_failures"}

CRASH_RE = re.compile(r"worker \d+ \(generation \d+\) (killed by signal|"
                      r"exited with status [1-9])")


def bundled_plugins():
    """The bundled plugins of the build (projects first: others depend
    on it), without the test plugins."""
    base = os.path.join(harness.BUILDDIR, "plugins")
    names = []
    if os.path.isdir(base):
        for d in sorted(os.listdir(base)):
            if os.path.exists(os.path.join(base, d, ".libs", d + ".so")):
                names.append(d)
    order = ["staff", "projects"]
    return [n for n in order if n in names] + \
        [n for n in names if n not in order]


def routes(plugins=None):
    """[(method, pattern, owner, permission)] from the sources: the
    core's and those of the given plugins (default: all)."""
    out = []
    files = [("core", os.path.join(REPO, "core", n))
             for n in sorted(os.listdir(os.path.join(REPO, "core")))
             if n.endswith(".c")]
    pdir = os.path.join(REPO, "plugins")
    for p in sorted(os.listdir(pdir)):
        if plugins is not None and p not in plugins:
            continue
        d = os.path.join(pdir, p)
        if os.path.isdir(d):
            files += [(p, os.path.join(d, n)) for n in sorted(os.listdir(d))
                      if n.endswith(".c")]
    seen = set()
    for owner, f in files:
        with open(f, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        for m in ROUTE_RE.finditer(text):
            key = (m.group(1), m.group(2))
            if key in seen:
                continue
            seen.add(key)
            out.append((m.group(1), m.group(2), owner, m.group(4).strip()))
    return out


HEADING_RE = re.compile(r"^#+ [^\n]*?`?(GET|POST|PUT|PATCH|DELETE) "
                        r"(/api/v1/[^`\s?\[]*)", re.M)


def doc_bodies():
    """{(method, pattern): [example body dict, ...]} from the first JSON
    object after each route heading of docs/api/*.md (and any JSON line
    "METHOD /api/... {...}")."""
    out = {}
    ddir = os.path.join(REPO, "docs", "api")
    dec = json.JSONDecoder()
    for n in sorted(os.listdir(ddir)):
        if not n.endswith(".md"):
            continue
        with open(os.path.join(ddir, n), encoding="utf-8") as f:
            text = f.read()
        heads = list(HEADING_RE.finditer(text))
        for i, h in enumerate(heads):
            if h.group(1) == "GET":
                continue
            end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
            section = text[h.end():end]
            for m in re.finditer(r"\{", section):
                try:
                    obj, _ = dec.raw_decode(section[m.start():])
                except ValueError:
                    continue
                if isinstance(obj, dict) and obj:
                    key = (h.group(1), normalise(h.group(2)))
                    out.setdefault(key, []).append(obj)
                    break
    return out


def normalise(path):
    """"/api/v1/projects/13" -> "/api/v1/projects/{id}"-like shape for
    matching doc paths against route patterns: digits become {}."""
    return re.sub(r"/(\d+|\{[^}]*\})(?=/|$)", "/{}", path)


class Admin:
    """A portal with every bundled plugin, the demo data and a signed-in
    admin (self.c: harness client with cookie and CSRF token)."""

    def __init__(self, name, tls=False, demo=True, plugins=None,
                 config=None, crashes_expected=False):
        self.plugins = plugins if plugins is not None else bundled_plugins()
        self.p = harness.Portal(plugins=self.plugins, tls=tls, name=name,
                                config=config,
                                crashes_expected=crashes_expected)
        self.p.start()
        if demo:
            r = self.p.bureauctl("demo")
            if r.returncode != 0:
                raise RuntimeError("bureauctl demo: %s %s"
                                   % (r.stdout, r.stderr))
        self.password = self.p.add_user("root_admin", "admin")
        self.c = self.p.client()
        r = self.c.login("root_admin", self.password)
        if r.status != 200:
            raise RuntimeError("admin login: %r" % (r,))

    def cookie_header(self):
        return self.c.cookie_header()

    def auth_headers(self):
        """Cookie, CSRF token and Origin as header tuples."""
        return [("Cookie", self.c.cookie_header()),
                ("X-CSRF-Token", self.c.csrf_token or ""),
                ("Origin", self.p.origin)]

    def stop(self):
        self.p.stop()


def _db(path):
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=30)
    db.execute("PRAGMA busy_timeout=30000")
    return db


def domain_checksums(db_path):
    """{table: sha256 of its rows} for every table that holds domain data
    (not the audit log, sessions, lockout state)."""
    db = _db(db_path)
    try:
        tables = [r[0] for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            " AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        out = {}
        for t in tables:
            if t in NON_DOMAIN_TABLES:
                continue
            cols = [r[1] for r in db.execute(
                'PRAGMA table_info("%s")' % t.replace('"', '""'))]
            if t == "users":
                cols = [c for c in cols if c not in USERS_LOCKOUT_COLS]
            if not cols:
                continue
            q = 'SELECT %s FROM "%s" ORDER BY %s' % (
                ", ".join('"%s"' % c for c in cols), t,
                ", ".join(str(i + 1) for i in range(len(cols))))
            h = hashlib.sha256()
            try:
                for row in db.execute(q):
                    h.update(repr(row).encode("utf-8", "surrogatepass"))
            except sqlite3.OperationalError as e:
                # FTS virtual tables without the module in Python's
                # SQLite, say: their shadow tables are checked anyway.
                h.update(("unreadable: %s" % e).encode())
            out[t] = h.hexdigest()
        return out
    finally:
        db.close()


def diff_checksums(before, after):
    return sorted(t for t in set(before) | set(after)
                  if before.get(t) != after.get(t))


def integrity(db_path):
    """(integrity_check result, foreign_key_check rows)."""
    db = _db(db_path)
    try:
        ic = db.execute("PRAGMA integrity_check").fetchall()
        fk = db.execute("PRAGMA foreign_key_check").fetchall()
        return ic, fk
    finally:
        db.close()


def crash_lines(portal):
    return [ln for ln in portal.log_text().splitlines()
            if CRASH_RE.search(ln)]


class Raw:
    """One raw response."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers          # {lower name: value}
        self.body = body

    @property
    def content_type(self):
        return self.headers.get("content-type", "")

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return None

    def __repr__(self):
        return "<Raw %d %s %r>" % (self.status, self.content_type,
                                   self.body[:200])


def send_raw(port, data, tls=False, timeout=20):
    """Sends the bytes on a new connection and reads one response;
    None when the server closed without answering."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        if tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            sock = ctx.wrap_socket(sock, server_hostname="127.0.0.1")
        try:
            sock.sendall(data)
        except OSError:
            pass                # the server may answer before reading all
        method = data.split(b" ", 1)[0].decode("latin-1")
        resp = http.client.HTTPResponse(sock, method=method)
        try:
            resp.begin()
            body = resp.read()
        except (http.client.HTTPException, OSError):
            return None
        return Raw(resp.status, {k.lower(): v for k, v in
                                 resp.getheaders()}, body)
    finally:
        sock.close()


def build(method, target, headers=(), body=b"", port=0, cl=True,
          version=b"HTTP/1.1"):
    """The bytes of one request.  headers: [(name, value)] (str or
    bytes); Content-Length added when cl and a body or unsafe method."""
    def b(x):
        return x if isinstance(x, bytes) else x.encode("utf-8",
                                                        "surrogateescape")
    lines = [b(method) + b" " + b(target) + b" " + version,
             b"Host: 127.0.0.1:%d" % port, b"Connection: close"]
    for k, v in headers:
        lines.append(b(k) + b": " + b(v))
    if cl and (body or method in ("POST", "PUT", "PATCH")):
        lines.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def wait_until(fn, timeout=30, step=0.2):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(step)
    return fn()
