#!/usr/bin/env python3
"""check-index -- is docs/api/README.md's route index true to the code?

    python3 docs/api/check-index.py          # from the top of the tree

Reads the route tables of the core (core/*.c) and of the bundled plugins
(plugins/*/*.c) -- every `{ "METHOD", "/api/...", handler, PERMISSION,
FLAGS }` -- and compares them with the rows of the index table in
docs/api/README.md (method, path, permission).  Also checks that every
route is mentioned in the page the index links it to, and that the
link's file exists.  Prints what differs; exits 1 when anything does.
Python standard library only.
"""
import glob
import os
import re
import sys

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ROUTE = re.compile(
    r'\{\s*"(GET|POST|PUT|PATCH|DELETE)"\s*,\s*"(/api/[^"]*)"\s*,\s*\w+\s*,'
    r'\s*([\w."]+)\s*,\s*([\w| ]+)\}', re.S)
ROW = re.compile(
    r'^\|\s*`(GET|POST|PUT|PATCH|DELETE)`\s*\|\s*`([^`]+)`\s*\|\s*([^|]*)\|'
    r'.*\[[^\]]*\]\(([^)#]+)(#[^)]*)?\)\s*\|\s*$')
SPECIAL = {"BUREAU_PERM_PUBLIC": "public", "BUREAU_PERM_SESSION": "session"}


def norm(path):
    """/api/v1/plugins/{name:slug} and /api/v1/plugins/{name} alike."""
    return re.sub(r"\{(\w+)(:\w+)?\}", r"{\1}", path)


def code_routes():
    found = {}
    files = glob.glob(os.path.join(TOP, "core", "*.c")) + \
        glob.glob(os.path.join(TOP, "plugins", "*", "*.c"))
    for f in sorted(files):
        text = open(f, encoding="utf-8").read()
        defs = dict(re.findall(r'#define\s+(\w+)\s+"([^"]+)"', text))
        for m in ROUTE.finditer(text):
            method, path, perm, _flags = m.groups()
            perm = perm.strip('"')
            perm = SPECIAL.get(perm, defs.get(perm, perm))
            found[(method, norm(path))] = (perm, os.path.relpath(f, TOP))
    return found


def index_rows():
    rows = {}
    index = os.path.join(TOP, "docs", "api", "README.md")
    for line in open(index, encoding="utf-8"):
        m = ROW.match(line.strip())
        if m:
            method, path, perm, link, _anchor = m.groups()
            perm = perm.strip().strip("`").split("`")[0].strip()
            rows[(method, norm(path))] = (perm, link)
    return rows


def main():
    code, docs = code_routes(), index_rows()
    bad = 0
    for key in sorted(set(code) - set(docs)):
        print("missing from docs/api/README.md: %s %s (%s, %s)"
              % (key[0], key[1], code[key][0], code[key][1]))
        bad += 1
    for key in sorted(set(docs) - set(code)):
        print("in docs/api/README.md but not in the code: %s %s" % key)
        bad += 1
    for key in sorted(set(code) & set(docs)):
        if code[key][0] != docs[key][0]:
            print("%s %s: permission %s in the code, %s in the index"
                  % (key[0], key[1], code[key][0], docs[key][0]))
            bad += 1
        page = os.path.join(TOP, "docs", "api", docs[key][1])
        if not os.path.isfile(page):
            print("%s %s: linked page %s does not exist"
                  % (key[0], key[1], docs[key][1]))
            bad += 1
            continue
        text = norm(open(page, encoding="utf-8").read())
        if key[1] not in text:
            print("%s %s: not mentioned in %s" % (key[0], key[1],
                                                  docs[key][1]))
            bad += 1
    print("%d routes in the code, %d in the index, %d problem%s"
          % (len(code), len(docs), bad, "" if bad == 1 else "s"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
