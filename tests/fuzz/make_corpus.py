#!/usr/bin/env python3
"""make_corpus.py -- writes the seed corpora of tests/fuzz/corpus/ and
the dictionaries (*.dict).  Deterministic: the committed files are this
script's output; rerun it when routes or fields change.

    python3 tests/fuzz/make_corpus.py
"""

import hashlib
import json
import os
import re
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
CORPUS = os.path.join(HERE, "corpus")

ROUTE_RE = re.compile(
    r'\{\s*"(GET|POST|PUT|PATCH|DELETE)"\s*,\s*"(/api/v1/[^"]*)"')


def routes_of(path):
    with open(path, encoding="utf-8") as f:
        return ROUTE_RE.findall(f.read())


def all_routes():
    out = []
    for d in ("core",):
        for n in sorted(os.listdir(os.path.join(REPO, d))):
            if n.endswith(".c"):
                out += routes_of(os.path.join(REPO, d, n))
    pl = os.path.join(REPO, "plugins")
    for p in sorted(os.listdir(pl)):
        pd = os.path.join(pl, p)
        if os.path.isdir(pd):
            for n in sorted(os.listdir(pd)):
                if n.endswith(".c"):
                    out += routes_of(os.path.join(pd, n))
    return out


def writing_routes(plugin_file):
    """The non-GET routes of a plugin descriptor, in order (the index
    fuzz_plugin's first byte picks)."""
    return [r for r in routes_of(plugin_file) if r[0] != "GET"]


def put(target, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def fill(pattern):
    return (pattern.replace("{pid}", "1").replace("{year}", "2021")
            .replace("{id}", "1"))


PROJECT_BODIES = {
    "POST /api/v1/projects": [
        '{"name_zh": "新能源汽车电池项目", "name_en": "EV battery plant", '
        '"investor": "CATL", "investor_type": "private", "source_region": '
        '"fujian", "industry_chain": "new_energy_vehicles", "district": '
        '"yubei", "officer_id": 2, "notes": "", "key_levels": {"2021": '
        '"district"}}',
        '{"name_en": "x", "investor": "y", "investor_type": "hmt", '
        '"stage": "negotiating", "stage_effective_on": "2021-02-28"}',
    ],
    "PATCH /api/v1/projects/{id}": [
        '{"version": 1, "district": "jiangbei", "key_levels": {"2022": '
        '"municipal", "2021": "none"}}',
        '{"version": 2, "notes": null, "name_en": "renamed"}',
    ],
    "DELETE /api/v1/projects/{id}": ['{}', ''],
    "POST /api/v1/projects/{id}/stage": [
        '{"to": "under_construction", "effective_on": "2021-06-01", '
        '"reason": ""}',
        '{"to": "lead", "reason": "back"}',
    ],
    "POST /api/v1/projects/{id}/contracts": [
        '{"signed_on": "2021-03-05", "amount_wan": 500000, "note": "x"}',
        '{"kind": "amendment", "signed_on": "2021-09-10", '
        '"amount_wan": -100000}',
    ],
    "POST /api/v1/projects/{id}/payments": [
        '{"paid_on": "2021-04-01", "amount_wan": 120000, "evidence": '
        '"bank receipt 2021-0401-77"}',
        '{"paid_on": "2021-04-02", "amount_wan": 9999999, "evidence": "r", '
        '"override": true}',
    ],
    "POST /api/v1/projects/{id}/problems": [
        '{"category": "land", "description": "Land quota", "owner": '
        '"Yubei land bureau", "opened_on": "2021-05-10", "escalation": '
        '"district"}',
    ],
    "PATCH /api/v1/projects/{id}/problems/{pid}": [
        '{"version": 1, "status": "resolved", "resolution": "granted", '
        '"resolved_on": "2021-06-13"}',
        '{"version": 1, "escalation": "municipal", "status": "in_progress"}',
    ],
    "PUT /api/v1/targets/{year}": [
        '{"city": {"contracted_wan": 160000000, "paid_in_wan": 33000000}, '
        '"districts": [{"district": "yubei", "contracted_wan": 12000000, '
        '"paid_in_wan": 2500000}]}',
        '{"city": null, "districts": []}',
    ],
}

STAFF_BODIES = {
    "POST /api/v1/staff": [
        '{"username": "liqing", "display_name": "Li Qing", "title": '
        '"Project officer", "department": "Investment Services", "role": '
        '"officer", "language": "zh-CN"}',
    ],
    "PATCH /api/v1/staff/{id}": [
        '{"version": 1, "role": "viewer", "active": false}',
        '{"display_name": "李青", "language": "en", "title": ""}',
    ],
    "POST /api/v1/staff/{id}/reset-password": ['{}', ''],
    "POST /api/v1/staff/{id}/unlock": ['{}'],
    "DELETE /api/v1/staff/{id}/sessions": [''],
}

CSV_HEADER = ("name_zh,name_en,investor,investor_type,source_region,"
              "industry_chain,district,stage,officer,signed_on,signing_wan,"
              "notes\r\n")


HEADING_RE = re.compile(r"^#+ [^\n]*?`?(GET|POST|PUT|PATCH|DELETE) "
                        r"(/api/v1/[^`\s?\[]*)", re.M)


def doc_bodies(name):
    """{"METHOD /pattern-with-{}": [json text]} from docs/api/NAME.md:
    the first JSON object after each route heading."""
    out = {}
    path = os.path.join(REPO, "docs", "api", name + ".md")
    if not os.path.exists(path):
        return out
    with open(path, encoding="utf-8") as f:
        text = f.read()
    heads = list(HEADING_RE.finditer(text))
    dec = json.JSONDecoder()
    for i, h in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        sec = text[h.end():end]
        for m in re.finditer(r"\{", sec):
            try:
                obj, _ = dec.raw_decode(sec[m.start():])
            except ValueError:
                continue
            if isinstance(obj, dict) and obj:
                key = "%s %s" % (h.group(1), re.sub(
                    r"/(\d+|\{[^}]*\})(?=/|$)", "/{}", h.group(2)))
                out.setdefault(key, []).append(
                    json.dumps(obj, ensure_ascii=False))
                break
    return out


def plugin_seeds(target, plugin_file, bodies, name=None):
    wr = writing_routes(plugin_file)
    docs = doc_bodies(name) if name else {}
    for i, (m, p) in enumerate(wr):
        key = "%s %s" % (m, re.sub(r"\{[^}]*\}", "{}", p))
        for b in bodies.get("%s %s" % (m, p)) or docs.get(key) or ['{}']:
            for ids, opt in ((0, 0), (1, 2)):
                put(target, bytes([i, ids, opt]) + b.encode("utf-8"))


def fcgi_seed(flags, method, uri, body=b"", ctype=None, extra=()):
    if isinstance(body, str):
        body = body.encode("utf-8")
    q = uri.split("?", 1)[1] if "?" in uri else ""
    lines = ["REQUEST_METHOD=" + method, "REQUEST_URI=" + uri,
             "QUERY_STRING=" + q, "REMOTE_ADDR=127.0.0.1", "HTTPS=on"]
    if ctype:
        lines.append("CONTENT_TYPE=" + ctype)
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append("CONTENT_LENGTH=%d" % len(body))
    lines += list(extra)
    put("fuzz_fcgi", bytes([flags]) + ("\n".join(lines) + "\n\n")
        .encode("utf-8") + body)


def main():
    # Seeds written here are regenerated; inputs a finding left behind
    # (named regress-*) are kept as regression seeds.
    if os.path.isdir(CORPUS):
        for d in os.listdir(CORPUS):
            for f in os.listdir(os.path.join(CORPUS, d)):
                if not f.startswith("regress-"):
                    os.remove(os.path.join(CORPUS, d, f))
    routes = all_routes()

    for s in ["a=1&b=two+words&c=%E9%87%8D%E5%BA%86", "k&e=&&r=1&r=2&=v",
              "q=%E6%B1%BD%E8%BD%A6&stage=signed&sort=-contracted_wan"
              "&limit=20&offset=0", "a=%zz", "a=%C0%AF", "a=%ED%A0%80",
              "mode=commit", "", "%", "a=%2F&b=%00"]:
        put("fuzz_query", s)
    for m, p in routes:
        put("fuzz_path", fill(p))
    for s in ["/api/v1/projects/1?x=%2F", "/api/v1/%2e%2e/etc",
              "/api/v1/projects/%2F1", "/a//b", "/a/./b", "/a/../b",
              "/api/v1/projects/%E9%87%8D", "/x#frag", "/%C0%AF",
              "/api/v1/projects/1/", "/"]:
        put("fuzz_path", s)
    for s in ["__Host-bureau_session=abc; lang=zh-CN",
              'a="quoted value"; b=; =c; d', "  k = v  ;;; x=1=2",
              "bureau_session=" + "A" * 43]:
        put("fuzz_cookies", s)
    for s in ["application/json", "application/json; charset=utf-8",
              " Text/CSV ;charset=gb18030", "multipart/form-data; b=x",
              "\t;"]:
        put("fuzz_media_type", s)
    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
    for m, p in routes:
        put("fuzz_router", bytes([methods.index(m)]) + fill(p).encode())
        put("fuzz_router", bytes([(methods.index(m) + 1) % 7]) +
            fill(p).replace("1", "0").encode())
    put("fuzz_router", b"\x00/api/v1/targets/2021-02-31")

    example = os.path.join(REPO, "deploy", "bureau.conf.example")
    if os.path.exists(example):
        with open(example, "rb") as f:
            put("fuzz_config", f.read())
    put("fuzz_config", "[server]\napi_socket = /run/bureau/api.sock\n"
        "workers = 4\nbody_limit = 1M\nsocket_mode = 0660\n[database]\n"
        "path = /var/lib/bureau/bureau.db\n[auth]\npublic_origin = "
        "https://bureau.example.gov.cn\ndev_mode = no\npw_memlimit = 64MiB\n"
        "[log]\nlevel = debug\n")
    put("fuzz_config", "[auth]\nsession_idle = 59\n[nope]\nx=1\n")
    put("fuzz_config", "server.workers=3\n[server]\n  threads = 2\n")

    plugin_seeds("fuzz_projects",
                 os.path.join(REPO, "plugins", "projects", "projects.c"),
                 PROJECT_BODIES)
    plugin_seeds("fuzz_staff",
                 os.path.join(REPO, "plugins", "staff", "staff.c"),
                 STAFF_BODIES)
    for name in ("expos", "regions"):
        plugin_seeds("fuzz_" + name,
                     os.path.join(REPO, "plugins", name, name + ".c"), {},
                     name)

    rows = [CSV_HEADER,
            "电池项目,Battery,宁德时代,民企,fujian,new_energy_vehicles,"
            "yubei,签约,admin,2021-03-05,50000,\"a, \"\"quoted\"\"\r\nnote\"\r\n",
            ",Data centre,Acme,foreign,,,jiangbei,lead,,,,\r\n"]
    put("fuzz_import", b"\x00" + "".join(rows).encode("utf-8"))
    put("fuzz_import", b"\x01" + "".join(rows).encode("utf-8"))
    put("fuzz_import", b"\x01\xef\xbb\xbf" + "".join(rows).encode("utf-8"))
    put("fuzz_import", b"\x00" + "".join(rows).encode("gb18030"))
    put("fuzz_import", b"\x01" + CSV_HEADER.encode() +
        b",x,y,private,,,,,,2021-02-30,-5,=cmd|' /C calc'!A0\n")

    S, C = 1, 2
    fcgi_seed(0, "GET", "/api/v1/health")
    fcgi_seed(S, "GET", "/api/v1/projects?q=%E6%B1%BD%E8%BD%A6&stage=signed"
              "&sort=-contracted_wan&limit=5")
    fcgi_seed(S, "GET", "/api/v1/problems?status=all&min_age_days=30")
    fcgi_seed(S, "GET", "/api/v1/report-card?year=2021")
    fcgi_seed(S, "GET", "/api/v1/projects/export.csv?lang=en")
    fcgi_seed(S, "GET", "/api/v1/audit?limit=5")
    fcgi_seed(S, "GET", "/api/v1/nav")
    fcgi_seed(S, "GET", "/api/v1/staff?role=admin&active=true")
    fcgi_seed(S, "HEAD", "/api/v1/projects?stage=signed&limit=2")
    fcgi_seed(0, "OPTIONS", "/api/v1/projects/1/payments")
    fcgi_seed(S | C, "POST", "/api/v1/projects",
              PROJECT_BODIES["POST /api/v1/projects"][0], "application/json")
    fcgi_seed(S | C, "PATCH", "/api/v1/projects/1",
              '{"notes": "n"}', "application/json; charset=utf-8",
              ['HTTP_IF_MATCH="3"'])
    fcgi_seed(S | C, "POST", "/api/v1/projects/import?mode=dry_run",
              "".join(rows), "text/csv")
    fcgi_seed(S | C, "PATCH", "/api/v1/auth/me", '{"language": "en"}',
              "application/json")
    fcgi_seed(0, "POST", "/api/v1/auth/login",
              '{"username": "admin", "password": "wrong password 1"}',
              "application/json", ["HTTP_ORIGIN=https://bureau.fuzz.invalid"])
    fcgi_seed(S | C, "POST", "/api/v1/auth/logout", "", "application/json")
    fcgi_seed(S, "POST", "/api/v1/projects", '{"x": 1}', "text/plain")
    fcgi_seed(S | C, "POST", "/api/v1/projects", '{"a":1,"a":2}',
              "application/json", ["CONTENT_LENGTH=99999999999999999999"])

    # Dictionaries: field names, codes and JSON tokens.
    words = set()
    for bodies in (PROJECT_BODIES, STAFF_BODIES):
        for bl in bodies.values():
            for b in bl:
                words.update(re.findall(r'"([a-z_0-9-]+)"', b))
    words.update(["version", "override", "true", "false", "null",
                  "-9223372036854775808", "9223372036854775807", "1e400",
                  "\\u0000", "\\ud800", "[]", "{}"])
    with open(os.path.join(HERE, "json.dict"), "w") as f:
        f.write("# generated by make_corpus.py\n")
        for w in sorted(words):
            f.write('"%s"\n' % w.replace("\\", "\\\\").replace('"', '\\"'))
    with open(os.path.join(HERE, "http.dict"), "w") as f:
        f.write("# generated by make_corpus.py\n")
        toks = {"REQUEST_METHOD=", "REQUEST_URI=", "QUERY_STRING=",
                "CONTENT_TYPE=", "CONTENT_LENGTH=", "HTTP_COOKIE=",
                "HTTP_X_CSRF_TOKEN=", "HTTP_ORIGIN=", "HTTP_IF_MATCH=",
                "HTTPS=on", "application/json", "text/csv", "%2F", "%00",
                "__Host-bureau_session=", "bureau_session=", "HEAD",
                "OPTIONS"}
        for m, p in routes:
            toks.add(m)
            for seg in p.split("/"):
                if seg and not seg.startswith("{"):
                    toks.add(seg)
        for t in sorted(toks):
            f.write('"%s"\n' % t)
    n = sum(len(os.listdir(os.path.join(CORPUS, d)))
            for d in os.listdir(CORPUS))
    print("wrote %d seeds in %s" % (n, CORPUS))


if __name__ == "__main__":
    main()
