"""The response cache (core/respcache.c) through the real nginx + bureaud:
a repeated GET of a cacheable route is answered from the thread's cache,
and any commit -- through the API, by another connection, by another
process -- empties it before the next answer, so no stale byte is ever
served.  Authentication and permissions are checked on every request,
cached or not; errors are never kept; the key holds today's date.

One API worker with one thread, so consecutive requests meet the same
cache (the default is one cache per serving thread)."""

import json
import time

from harness import Portal, TestCase

BASE = {"name_zh": "缓存测试项目", "name_en": "Cache probe",
        "investor": "Probe Co", "investor_type": "private",
        "source_region": "hong_kong", "industry_chain": "new_energy_vehicles",
        "district": "yubei", "stage_effective_on": "2020-01-01"}

LIST = "/api/v1/projects?stage=lead&limit=5&sort=-id"


class CachePortal(TestCase):

    CONFIG = {"server.workers": 1, "server.threads": 1}
    CLOCK = False

    @classmethod
    def setUpClass(cls):
        cls.p = Portal(plugins=["staff", "projects"], config=cls.CONFIG,
                       clock=cls.CLOCK, name=cls.__name__.lower())
        cls.p.start()
        cls.officer_pw = cls.p.add_user("olga", "officer")
        cls.c = cls.p.client()
        assert cls.c.login("olga", cls.officer_pw).status == 200

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()

    def create(self, **kw):
        r = self.c.post("/api/v1/projects", json=dict(BASE, **kw))
        self.assertStatus(r, 201)
        return r.json

    def get_twice(self, path, client=None):
        c = client or self.c
        a = c.get(path)
        b = c.get(path)
        self.assertStatus(a, 200)
        self.assertStatus(b, 200)
        return a, b


class Hits(CachePortal):

    def test_repeat_is_a_hit_with_the_same_bytes(self):
        self.create(name_en="hit-1")
        a, b = self.get_twice(LIST)
        self.assertEqual(a.headers.get("x-cache"), "miss")
        self.assertEqual(b.headers.get("x-cache"), "hit")
        self.assertEqual(a.body, b.body)
        self.assertEqual(a.headers.get("content-type"),
                         b.headers.get("content-type"))
        self.assertEqual(int(b.headers.get("content-length")), len(b.body))
        # Each answer is still its own request.
        self.assertNotEqual(a.headers.get("x-request-id"),
                            b.headers.get("x-request-id"))
        self.assertIn("hit-1", b.text)

    def test_other_query_is_another_entry(self):
        self.create(name_en="q-1")
        self.create(name_en="q-2")
        one, _ = self.get_twice("/api/v1/projects?stage=lead&limit=1&sort=-id")
        two = self.c.get("/api/v1/projects?stage=lead&limit=2&sort=-id")
        self.assertStatus(two, 200)
        self.assertEqual(two.headers.get("x-cache"), "miss")
        self.assertEqual(len(one.json["items"]), 1)
        self.assertEqual(len(two.json["items"]), 2)

    def test_report_card_is_cached_too(self):
        a, b = self.get_twice("/api/v1/report-card?year=2021")
        self.assertEqual(b.headers.get("x-cache"), "hit")
        self.assertEqual(a.json, b.json)

    def test_detail_is_not_cacheable(self):
        pid = self.create()["id"]
        a, b = self.get_twice("/api/v1/projects/%d" % pid)
        self.assertIsNone(a.headers.get("x-cache"))
        self.assertIsNone(b.headers.get("x-cache"))


class NeverStale(CachePortal):

    def test_api_write_empties_the_cache(self):
        before, hit = self.get_twice(LIST)
        self.assertEqual(hit.headers.get("x-cache"), "hit")
        p = self.create(name_en="after-write")
        after = self.c.get(LIST)
        self.assertEqual(after.headers.get("x-cache"), "miss")
        self.assertEqual(after.json["items"][0]["id"], p["id"])
        self.assertEqual(after.json["total"], before.json["total"] + 1)

    def test_patch_shows_at_once(self):
        p = self.create(name_en="before-patch")
        self.get_twice(LIST)
        r = self.c.patch("/api/v1/projects/%d" % p["id"],
                         json={"name_en": "after-patch"},
                         headers={"If-Match": '"%d"' % p["version"]})
        self.assertStatus(r, 200)
        items = self.c.get(LIST).json["items"]
        self.assertEqual([i["name_en"] for i in items if i["id"] == p["id"]],
                         ["after-patch"])

    def test_commit_by_another_connection(self):
        # sqlite3 from this test process: a commit bureaud did not make
        # (PRAGMA data_version moves, total_changes does not).
        p = self.create(name_en="outside-before")
        self.get_twice(LIST)
        self.p.sql("UPDATE projects SET name_en = 'outside-after' "
                   "WHERE id = ?", (p["id"],))
        r = self.c.get(LIST)
        self.assertEqual(r.headers.get("x-cache"), "miss")
        self.assertIn("outside-after", r.text)
        self.assertNotIn("outside-before", r.text)

    def test_commit_by_bureauctl(self):
        # Another process through the core's own code: a new user is an
        # officer the list can name; any commit empties the cache.
        self.get_twice(LIST)
        self.p.add_user("otto", "officer")
        self.assertEqual(self.c.get(LIST).headers.get("x-cache"), "miss")

    def test_rolled_back_write_keeps_figures(self):
        # A failed write (422 on a bad field) changes nothing; whether or
        # not the cache survives it, the answer stays the same.
        a, _ = self.get_twice(LIST)
        r = self.c.post("/api/v1/projects", json=dict(BASE, stage="nope"))
        self.assertEqual(r.status // 100, 4)
        b = self.c.get(LIST)
        self.assertEqual(a.json, b.json)


class Access(CachePortal):

    def test_signed_out_gets_401_not_the_cached_page(self):
        self.create(name_en="secret-ish")
        self.get_twice(LIST)
        anon = self.p.client()
        r = anon.get(LIST)
        self.assertStatus(r, 401)
        self.assertNotIn("secret-ish", r.text)
        self.assertIsNone(r.headers.get("x-cache"))

    def test_role_without_permission_gets_403(self):
        self.get_twice(LIST)
        pw = self.p.add_user("audrey", "auditor")
        a = self.p.client()
        self.assertStatus(a.login("audrey", pw), 200)
        # The auditor's login committed (a session): warm the cache again.
        self.get_twice(LIST)
        r = a.get(LIST)
        self.assertStatus(r, 403)
        self.assertEqual(r.json["error"]["code"], "forbidden")

    def test_after_logout_401(self):
        pw = self.p.add_user("lou", "viewer")
        v = self.p.client()
        self.assertStatus(v.login("lou", pw), 200)
        _, hit = self.get_twice(LIST, client=v)
        self.assertEqual(hit.headers.get("x-cache"), "hit")
        v.logout()
        self.assertStatus(v.get(LIST), 401)

    def test_errors_are_not_kept(self):
        for _ in range(2):
            r = self.c.get("/api/v1/projects?stage=bogus")
            self.assertStatus(r, 400)
            self.assertEqual(r.json["error"]["field"], "stage")
            self.assertIsNone(r.headers.get("x-cache"))


class DateKey(CachePortal):

    CLOCK = True

    def test_a_new_day_is_a_new_key(self):
        # A minute before midnight in Shanghai, then two minutes later:
        # the session stays valid, the date (and the card's as-of) moves.
        now = time.time()
        midnight = (now + 8 * 3600) // 86400 * 86400 + 86400 - 8 * 3600
        self.p.set_clock(int(midnight - 60 - now))
        c = self.p.client()
        self.assertStatus(c.login("olga", self.officer_pw), 200)
        path = "/api/v1/report-card"      # default year and as-of: today
        a, hit = self.get_twice(path, client=c)
        self.assertEqual(hit.headers.get("x-cache"), "hit")
        self.p.set_clock(int(midnight + 60 - now))
        r = c.get(path)
        self.assertStatus(r, 200)
        self.assertEqual(r.headers.get("x-cache"), "miss")


class Off(CachePortal):

    CONFIG = {"server.workers": 1, "server.threads": 1,
              "server.response_cache": 0}

    def test_zero_turns_it_off(self):
        self.create(name_en="uncached")
        a, b = self.get_twice(LIST)
        self.assertIsNone(a.headers.get("x-cache"))
        self.assertIsNone(b.headers.get("x-cache"))
        self.assertEqual(json.loads(a.body), json.loads(b.body))
