"""The expos plugin through the real nginx + bureaud: series, editions and
signings (CRUD, validation of every field, version conflicts, audit,
permissions), first-signing-only counting, every summary figure and rate
on small hand-made datasets (projects, contracts, payments and stages made
through the projects API), compare, CSV exports, and the dependency rules
with projects (enable/disable)."""

import csv
import io
import json

from harness import Portal, TestCase

BASE = {"investor": "Test Investor", "investor_type": "private",
        "source_region": "shandong", "industry_chain": "electronics",
        "district": "yubei", "stage_effective_on": "2010-01-01"}


class ExposPortal(TestCase):
    """One portal per class: an officer (writes) and a viewer."""

    plugins = ["staff", "projects", "expos"]

    @classmethod
    def setUpClass(cls):
        cls.p = Portal(plugins=cls.plugins, name=cls.__name__.lower())
        cls.p.start()
        cls.officer_pw = cls.p.add_user("olga", "officer")
        cls.viewer_pw = cls.p.add_user("vera", "viewer")
        cls.c = cls.p.client()
        assert cls.c.login("olga", cls.officer_pw).status == 200
        cls.v = cls.p.client()
        assert cls.v.login("vera", cls.viewer_pw).status == 200
        cls.serial = 0

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()

    # --- projects through their own API ---------------------------------
    def project(self, signed_on=None, amount=None, **kw):
        type(self).serial += 1
        body = dict(BASE, name_en="Project %d" % self.serial)
        body.update(kw)
        r = self.c.post("/api/v1/projects", json=body)
        self.assertStatus(r, 201)
        pid = r.json["id"]
        if signed_on is not None:
            r = self.c.post("/api/v1/projects/%d/contracts" % pid,
                            json={"signed_on": signed_on,
                                  "amount_wan": amount})
            self.assertStatus(r, 201)
        return pid

    def pay(self, pid, on, amount):
        r = self.c.post("/api/v1/projects/%d/payments" % pid,
                        json={"paid_on": on, "amount_wan": amount,
                              "evidence": "receipt %s" % on})
        self.assertStatus(r, 201)

    def stage(self, pid, to, on, reason=""):
        r = self.c.post("/api/v1/projects/%d/stage" % pid,
                        json={"to": to, "effective_on": on,
                              "reason": reason})
        self.assertStatus(r, 201)

    # --- expos -------------------------------------------------------------
    def edition(self, series="sce", year=2021, starts="2021-08-23",
                ends=None, **kw):
        body = {"series": series, "year": year, "starts_on": starts}
        if ends is not None:
            body["ends_on"] = ends
        body.update(kw)
        r = self.c.post("/api/v1/expos", json=body)
        self.assertStatus(r, 201)
        return r.json

    def link(self, eid, pid, expected=0, **kw):
        body = {"project_id": pid, "expected_paid_in_wan": expected}
        body.update(kw)
        r = self.c.post("/api/v1/expos/%d/signings" % eid, json=body)
        self.assertStatus(r, 201)
        return r.json

    def summary(self, eid, as_of=None):
        path = "/api/v1/expos/%d/summary" % eid
        if as_of:
            path += "?as_of=" + as_of
        r = self.c.get(path)
        self.assertStatus(r, 200)
        return r.json

    def audit(self, action, entity_id=None):
        q = "SELECT before, after FROM audit_log WHERE action = ?"
        args = [action]
        if entity_id is not None:
            q += " AND entity_id = ?"
            args.append(entity_id)
        return self.p.sql(q + " ORDER BY id", args)


class Series(ExposPortal):

    def test_seeded_series(self):
        r = self.v.get("/api/v1/expos/series")
        self.assertStatus(r, 200)
        codes = {s["code"]: s for s in r.json["items"]}
        self.assertEqual(codes["sce"]["name_zh"], "智博会")
        self.assertEqual(codes["sce"]["name_en"], "Smart China Expo")
        self.assertEqual(codes["wcif"]["name_zh"], "西洽会")
        self.assertEqual(codes["wcif"]["name_en"],
                         "Western China International Fair")
        self.assertEqual(r.json["total"], len(r.json["items"]))

    def test_create_patch_and_validation(self):
        r = self.c.post("/api/v1/expos/series", json={
            "code": "cifit", "name_zh": "投洽会", "name_en": "CIFIT"})
        self.assertStatus(r, 201)
        s = r.json
        self.assertEqual(r.headers.get("location"),
                         "/api/v1/expos/series/%d" % s["id"])
        self.assertEqual(s["version"], 1)
        self.assertEqual(len(self.audit("expo.series.create", s["id"])), 1)
        self.assertError(self.c.post("/api/v1/expos/series", json={
            "code": "cifit", "name_zh": "x", "name_en": "y"}), 409,
            "duplicate", "code")
        for body, field in [
                ({"name_zh": "x", "name_en": "y"}, "code"),
                ({"code": "Bad", "name_zh": "x", "name_en": "y"}, "code"),
                ({"code": "1x", "name_zh": "x", "name_en": "y"}, "code"),
                ({"code": "x" * 33, "name_zh": "x", "name_en": "y"}, "code"),
                ({"code": "ok", "name_en": "y"}, "name_zh"),
                ({"code": "ok", "name_zh": "", "name_en": "y"}, "name_zh"),
                ({"code": "ok", "name_zh": "x", "name_en": 5}, "name_en"),
                ({"code": "ok", "name_zh": "x", "name_en": "y",
                  "extra": 1}, "extra")]:
            self.assertError(self.c.post("/api/v1/expos/series", json=body),
                             400, "validation_failed", field)
        url = "/api/v1/expos/series/%d" % s["id"]
        self.assertError(self.c.patch(url, json={"name_en": "x"}), 400,
                         "validation_failed", "version")
        self.assertError(self.c.patch(url, json={"version": 1,
                                                 "code": "zz"}),
                         400, "validation_failed", "code")
        r = self.c.patch(url, json={"version": 1, "name_en": "China Fair"})
        self.assertStatus(r, 200)
        self.assertEqual(r.json["name_en"], "China Fair")
        self.assertEqual(r.json["code"], "cifit")
        self.assertEqual(r.headers.get("etag"), '"2"')
        self.assertError(self.c.patch(url, json={"version": 1,
                                                 "name_en": "old"}),
                         409, "conflict")
        self.assertError(self.c.patch("/api/v1/expos/series/9999",
                                      json={"version": 1, "name_en": "x"}),
                         404, "not_found")

    def test_viewer_cannot_write(self):
        self.assertError(self.v.post("/api/v1/expos/series", json={
            "code": "vv", "name_zh": "x", "name_en": "y"}), 403)


class Editions(ExposPortal):

    def test_create_get_list(self):
        e = self.edition(series="wcif", year=2019, starts="2019-05-14",
                         ends="2019-05-17", city="重庆", organiser="商务部",
                         ceremonies=[{"date": "2019-05-14",
                                      "place": "悦来"}])
        self.assertEqual(e["series"], "wcif")
        self.assertEqual(e["series_name_en"],
                         "Western China International Fair")
        self.assertEqual(e["name_zh"], "2019西洽会")
        self.assertEqual(e["name_en"], "Western China International Fair "
                         "2019")
        self.assertEqual(e["ceremonies"], [{"date": "2019-05-14",
                                            "place": "悦来"}])
        self.assertEqual((e["signings"], e["signed_projects"]), (0, 0))
        self.assertIs(e["is_demo"], False)
        r = self.v.get("/api/v1/expos/%d" % e["id"])
        self.assertStatus(r, 200)
        self.assertEqual(r.json, e)
        self.assertEqual(r.headers.get("etag"), '"1"')
        r = self.v.get("/api/v1/expos?series=wcif&year=2019")
        self.assertEqual([x["id"] for x in r.json["items"]], [e["id"]])
        self.assertEqual(r.json["total"], 1)
        rows = self.audit("expo.create", e["id"])
        self.assertEqual(json.loads(rows[0][1])["year"], 2019)
        self.assertError(self.v.get("/api/v1/expos/99999"), 404,
                         "not_found")

    def test_one_day_default_and_names(self):
        e = self.edition(year=2012, starts="2012-03-01", name_zh="首届",
                         name_en="First")
        self.assertEqual(e["ends_on"], "2012-03-01")
        self.assertEqual((e["name_zh"], e["name_en"]), ("首届", "First"))

    def test_list_paging_and_filters(self):
        for y in (2013, 2014, 2015):
            self.edition(series="wcif", year=y, starts="%d-06-01" % y)
        r = self.v.get("/api/v1/expos?series=wcif&limit=2")
        self.assertEqual(r.json["limit"], 2)
        years = [x["year"] for x in r.json["items"]]
        self.assertEqual(years, sorted(years, reverse=True))
        r2 = self.v.get("/api/v1/expos?series=wcif&limit=2&offset=2")
        self.assertEqual(r2.json["total"], r.json["total"])
        self.assertFalse({x["id"] for x in r.json["items"]} &
                         {x["id"] for x in r2.json["items"]})
        for q, field in [("limit=0", "limit"), ("limit=201", "limit"),
                         ("offset=-1", "offset"), ("series=nope", "series"),
                         ("year=1999", "year"), ("year=abc", "year")]:
            self.assertError(self.v.get("/api/v1/expos?" + q), 400,
                             "validation_failed", field)

    def test_validation_names_each_field(self):
        ok = {"series": "sce", "year": 2016, "starts_on": "2016-05-01"}
        cases = [
            ({"series": "nope"}, "series"),
            ({"series": None}, "series"),
            ({"series": 3}, "series"),
            ({"year": None}, "year"),
            ({"year": 1999}, "year"),
            ({"year": "2016"}, "year"),
            ({"year": 2016.0}, "year"),
            ({"starts_on": None}, "starts_on"),
            ({"starts_on": "2016-02-30"}, "starts_on"),
            ({"starts_on": "2017-05-01"}, "starts_on"),
            ({"ends_on": "2016-04-30"}, "ends_on"),
            ({"ends_on": "2017-01-02"}, "ends_on"),
            ({"ends_on": "16-05-02"}, "ends_on"),
            ({"name_zh": "x" * 201}, "name_zh"),
            ({"name_en": "a\u0001b"}, "name_en"),
            ({"city": "x" * 101}, "city"),
            ({"organiser": "x" * 501}, "organiser"),
            ({"notes": "x" * 4001}, "notes"),
            ({"ceremonies": {}}, "ceremonies"),
            ({"ceremonies": [1]}, "ceremonies[0]"),
            ({"ceremonies": [{"place": "x"}]}, "ceremonies[0].date"),
            ({"ceremonies": [{"date": "2016-05-01", "x": 1}]},
             "ceremonies[0].x"),
            ({"ceremonies": [{"date": "2016-05-01", "place": 7}]},
             "ceremonies[0].place"),
            ({"ceremonies": [{"date": "2016-05-01"},
                             {"date": "2016-05-09"}]},
             "ceremonies[1].date"),
            ({"ceremonies": [{"date": "2016-05-01"}] * 21}, "ceremonies"),
            ({"version": 1}, "version"),
            ({"bogus": 1}, "bogus"),
        ]
        for patch, field in cases:
            body = dict(ok)
            body.update(patch)
            self.assertError(self.c.post("/api/v1/expos", json=body), 400,
                             "validation_failed", field)
        for missing in ("series", "year", "starts_on"):
            body = dict(ok)
            del body[missing]
            self.assertError(self.c.post("/api/v1/expos", json=body), 400,
                             "validation_failed", missing)
        self.assertError(self.c.post("/api/v1/expos", body=b"[1]",
                                     headers={"Content-Type":
                                              "application/json"}), 400)
        self.assertEqual(self.c.get("/api/v1/expos?year=2016").json["total"],
                         0)

    def test_duplicate_series_year(self):
        self.edition(year=2017, starts="2017-08-01")
        self.assertError(self.c.post("/api/v1/expos", json={
            "series": "sce", "year": 2017, "starts_on": "2017-09-01"}),
            409, "duplicate", "year")

    def test_patch(self):
        e = self.edition(year=2018, starts="2018-08-23", ends="2018-08-25",
                         ceremonies=[{"date": "2018-08-23", "place": "A"}])
        url = "/api/v1/expos/%d" % e["id"]
        self.assertError(self.c.patch(url, json={"city": "x"}), 400,
                         "validation_failed", "version")
        self.assertError(self.c.patch(url, json={"version": 1,
                                                 "starts_on": "2018-08-26"}),
                         400, "validation_failed", "ends_on")
        # The ceremonies must stay within the dates.
        self.assertError(self.c.patch(url, json={
            "version": 1, "starts_on": "2018-08-24"}), 400,
            "validation_failed", "ceremonies[0].date")
        r = self.c.patch(url, json={"version": 1, "city": "重庆",
                                    "ends_on": "2018-08-27",
                                    "ceremonies": [
                                        {"date": "2018-08-27",
                                         "place": "B"}]})
        self.assertStatus(r, 200)
        self.assertEqual(r.json["city"], "重庆")
        self.assertEqual(r.json["ceremonies"], [{"date": "2018-08-27",
                                                 "place": "B"}])
        self.assertEqual(r.json["version"], 2)
        self.assertEqual(r.headers.get("etag"), '"2"')
        self.assertError(self.c.patch(url, json={"version": 1, "city": "y"}),
                         409, "conflict", "version")
        r = self.c.patch(url, json={"city": "z", "ceremonies": None},
                         headers={"If-Match": '"2"'})
        self.assertStatus(r, 200)
        self.assertEqual(r.json["ceremonies"], [])
        self.assertError(self.c.patch(url, json={"city": "z"},
                                      headers={"If-Match": "junk"}), 400,
                         "validation_failed", "version")
        # Moving it onto another edition's series and year is refused.
        self.edition(series="wcif", year=2018, starts="2018-05-01")
        self.assertError(self.c.patch(url, json={"version": 3,
                                                 "series": "wcif"}),
                         409, "duplicate", "year")
        rows = self.audit("expo.update", e["id"])
        self.assertEqual(len(rows), 2)
        self.assertEqual(json.loads(rows[0][0])["city"], "")
        self.assertEqual(json.loads(rows[0][1])["city"], "重庆")
        self.assertError(self.c.patch("/api/v1/expos/99999",
                                      json={"version": 1}), 404)

    def test_viewer_reads_only(self):
        self.assertStatus(self.v.get("/api/v1/expos"), 200)
        self.assertError(self.v.post("/api/v1/expos", json={
            "series": "sce", "year": 2011, "starts_on": "2011-01-01"}), 403)
        anon = self.p.client()
        self.assertError(anon.get("/api/v1/expos"), 401)


class Signings(ExposPortal):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()

    def setUp(self):
        if not hasattr(type(self), "eid"):
            type(self).eid = self.edition(year=2021, starts="2021-08-23",
                                          ends="2021-08-25")["id"]

    def test_create_list_delete(self):
        pid = self.project("2021-08-23", 5000, name_zh="智能终端")
        s = self.link(self.eid, pid, 3000, expected_by="2021-12-31",
                      note="二期")
        self.assertEqual(s["project_id"], pid)
        self.assertEqual(s["expo_id"], self.eid)
        self.assertEqual((s["signing_wan"], s["contracted_wan"]),
                         (5000, 5000))
        self.assertEqual(s["project_name_zh"], "智能终端")
        self.assertEqual(s["signed_on"], "2021-08-23")
        self.assertEqual(s["stage"], "signed")
        self.assertEqual(s["expected_paid_in_wan"], 3000)
        self.assertEqual(s["expected_by"], "2021-12-31")
        self.assertIs(s["first_signing"], True)
        self.assertEqual(s["counted_at_expo_id"], self.eid)
        r = self.v.get("/api/v1/expos/%d/signings" % self.eid)
        self.assertStatus(r, 200)
        self.assertIn(s["id"], [x["id"] for x in r.json["items"]])
        self.assertEqual(len(self.audit("expo.signing.create", s["id"])), 1)
        url = "/api/v1/expos/%d/signings/%d" % (self.eid, s["id"])
        self.assertError(self.v.delete(url), 403)
        r = self.c.delete(url)
        self.assertStatus(r, 200)
        self.assertEqual(r.json, {"deleted": True, "id": s["id"]})
        self.assertError(self.c.delete(url), 404, "not_found")
        rows = self.audit("expo.signing.delete", s["id"])
        self.assertEqual(json.loads(rows[0][0])["project_id"], pid)
        # The project is untouched.
        self.assertEqual(self.c.get("/api/v1/projects/%d" % pid)
                         .json["contracted_wan"], 5000)

    def test_refusals(self):
        signed = self.project("2021-08-23", 1000)
        lead = self.project()
        url = "/api/v1/expos/%d/signings" % self.eid
        for body, field in [
                ({}, "project_id"),
                ({"project_id": 0}, "project_id"),
                ({"project_id": "1"}, "project_id"),
                ({"project_id": 999999}, "project_id"),
                ({"project_id": signed, "expected_paid_in_wan": -1},
                 "expected_paid_in_wan"),
                ({"project_id": signed, "expected_paid_in_wan": 1.5},
                 "expected_paid_in_wan"),
                ({"project_id": signed, "expected_paid_in_wan": 1001},
                 "expected_paid_in_wan"),
                ({"project_id": signed, "expected_by": "2021-02-30"},
                 "expected_by"),
                ({"project_id": signed, "expected_by": "2021-08-01"},
                 "expected_by"),
                ({"project_id": signed, "note": "x" * 1001}, "note"),
                ({"project_id": signed, "amount_wan": 5}, "amount_wan")]:
            self.assertError(self.c.post(url, json=body), 400,
                             "validation_failed", field)
        self.assertError(self.c.post(url, json={"project_id": lead}), 409,
                         "not_signed", "project_id")
        self.link(self.eid, signed, 1000)
        self.assertError(self.c.post(url, json={"project_id": signed}), 409,
                         "duplicate", "project_id")
        self.assertError(self.c.post("/api/v1/expos/99999/signings",
                                     json={"project_id": signed}), 404)
        self.assertError(self.v.post(url, json={"project_id": signed}), 403)
        self.assertError(self.c.get("/api/v1/expos/99999/signings"), 404)
        self.assertError(self.c.delete("/api/v1/expos/99999/signings/1"),
                         404)

    def test_delete_through_another_expo_is_404(self):
        other = self.edition(series="wcif", year=2020,
                             starts="2020-05-01")["id"]
        pid = self.project("2021-08-23", 700)
        s = self.link(self.eid, pid)
        self.assertError(self.c.delete("/api/v1/expos/%d/signings/%d"
                                       % (other, s["id"])), 404)
        self.assertStatus(self.c.get("/api/v1/expos/%d/signings"
                                     % self.eid), 200)


class FirstSigningOnly(ExposPortal):

    def test_resigning_counts_once(self):
        may = self.edition(series="wcif", year=2021, starts="2021-05-20",
                           ends="2021-05-23")["id"]
        aug = self.edition(series="sce", year=2021, starts="2021-08-23",
                           ends="2021-08-25")["id"]
        p1 = self.project("2021-05-20", 1000)
        p2 = self.project("2021-05-20", 3000)
        # Recorded at the later expo first, then at the earlier one: the
        # earlier edition is the first signing whatever the entry order.
        later = self.link(aug, p1, 400)
        self.assertIs(later["first_signing"], True)
        self.link(aug, p2, 100)
        first = self.link(may, p1, 600)
        self.assertIs(first["first_signing"], True)
        r = self.c.get("/api/v1/expos/%d/signings" % aug).json
        by_pid = {x["project_id"]: x for x in r["items"]}
        self.assertIs(by_pid[p1]["first_signing"], False)
        self.assertEqual(by_pid[p1]["counted_at_expo_id"], may)
        self.assertIs(by_pid[p2]["first_signing"], True)
        self.assertEqual((r["total"], r["signed_projects"]), (2, 1))
        r = self.c.get("/api/v1/expos/%d/signings?first_signing=false"
                       % aug).json
        self.assertEqual([x["project_id"] for x in r["items"]], [p1])
        self.assertEqual(r["total"], 1)
        r = self.c.get("/api/v1/expos/%d/signings?first_signing=true"
                       % aug).json
        self.assertEqual([x["project_id"] for x in r["items"]], [p2])
        self.assertError(self.c.get("/api/v1/expos/%d/signings?"
                                    "first_signing=maybe" % aug), 400,
                         "validation_failed", "first_signing")

        s_aug = self.summary(aug, "2021-12-31")
        self.assertEqual((s_aug["signed_projects"], s_aug["signings"],
                          s_aug["resignings"]), (1, 2, 1))
        self.assertEqual(s_aug["contracted_wan"], 3000)
        self.assertEqual(s_aug["expected_paid_in_wan"], 100)
        s_may = self.summary(may, "2021-12-31")
        self.assertEqual((s_may["signed_projects"], s_may["contracted_wan"],
                          s_may["expected_paid_in_wan"]), (1, 1000, 600))
        e = self.c.get("/api/v1/expos/%d" % aug).json
        self.assertEqual((e["signings"], e["signed_projects"]), (2, 1))

        # Removing the first signing makes the re-signing the first.
        self.assertStatus(self.c.delete("/api/v1/expos/%d/signings/%d"
                                        % (may, first["id"])), 200)
        s_aug = self.summary(aug, "2021-12-31")
        self.assertEqual((s_aug["signed_projects"], s_aug["contracted_wan"],
                          s_aug["expected_paid_in_wan"]), (2, 4000, 500))
        self.assertEqual(self.summary(may, "2021-12-31")["signed_projects"],
                         0)

    def test_moving_an_edition_redecides(self):
        a = self.edition(series="sce", year=2019, starts="2019-08-26")["id"]
        b = self.edition(series="wcif", year=2019, starts="2019-05-14")["id"]
        pid = self.project("2019-05-14", 2000)
        self.link(a, pid)
        self.link(b, pid)
        self.assertEqual(self.summary(b)["signed_projects"], 1)
        self.assertEqual(self.summary(a)["signed_projects"], 0)
        r = self.c.patch("/api/v1/expos/%d" % b, json={
            "version": 1, "starts_on": "2019-09-01", "ends_on": "2019-09-02"})
        self.assertStatus(r, 200)
        self.assertEqual(self.summary(a)["signed_projects"], 1)
        self.assertEqual(self.summary(b)["signed_projects"], 0)


class Summary(ExposPortal):
    """Every figure and rate on a small hand-made dataset:

    P1 signed 1000, paid 300 (06-01), under construction 07-01, in
       operation 11-01
    P2 signed 2000, paid 500 (12-15), under construction 09-01
    P3 signed 3000, cancelled 10-01
    P4 signed 1000, nothing else
    expected paid-in 100 + 200 + 300 + 400 = 1000
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        t = cls("test_rates")
        cls.eid = t.edition(series="wcif", year=2021, starts="2021-05-20",
                            ends="2021-05-23")["id"]
        p1 = t.project("2021-05-20", 1000)
        p2 = t.project("2021-05-20", 2000)
        p3 = t.project("2021-05-20", 3000)
        p4 = t.project("2021-05-20", 1000)
        t.pay(p1, "2021-06-01", 300)
        t.stage(p1, "under_construction", "2021-07-01")
        t.stage(p1, "in_operation", "2021-11-01")
        t.pay(p2, "2021-12-15", 500)
        t.stage(p2, "under_construction", "2021-09-01")
        t.stage(p3, "cancelled", "2021-10-01")
        # An amendment raises P4's contracted total, not the expo's.
        r = t.c.post("/api/v1/projects/%d/contracts" % p4,
                     json={"signed_on": "2021-09-09", "amount_wan": 5000})
        assert r.status == 201, r
        for pid, exp in ((p1, 100), (p2, 200), (p3, 300), (p4, 400)):
            t.link(cls.eid, pid, exp)
        cls.pids = (p1, p2, p3, p4)

    def check(self, as_of, want):
        s = self.summary(self.eid, as_of)
        got = {k: s[k] for k in want}
        self.assertEqual(got, want, as_of)
        return s

    def test_rates(self):
        s = self.check("2021-12-31", {
            "signed_projects": 4, "signings": 4, "resignings": 0,
            "contracted_wan": 7000, "expected_paid_in_wan": 1000,
            "paid_in_wan": 800, "projects_not_cancelled": 3,
            "projects_started": 2, "projects_in_operation": 1,
            "performance_rate_pct": 75.0, "start_rate_pct": 50.0,
            "operation_rate_pct": 25.0, "funds_rate_pct": 11.4})
        self.assertEqual(s["as_of"], "2021-12-31")
        self.assertEqual(s["series"], "wcif")
        self.assertEqual(s["year"], 2021)
        self.assertEqual(s["expo_id"], self.eid)

    def test_as_of_moves_stages_and_payments(self):
        self.check("2021-08-01", {
            "paid_in_wan": 300, "projects_not_cancelled": 4,
            "projects_started": 1, "projects_in_operation": 0,
            "performance_rate_pct": 100.0, "start_rate_pct": 25.0,
            "operation_rate_pct": 0.0, "funds_rate_pct": 4.3})
        self.check("2021-10-01", {
            "paid_in_wan": 300, "projects_not_cancelled": 3,
            "projects_started": 2, "performance_rate_pct": 75.0,
            "start_rate_pct": 50.0, "operation_rate_pct": 0.0})
        self.check("2021-05-31", {"paid_in_wan": 0, "funds_rate_pct": 0.0,
                                  "start_rate_pct": 0.0})
        # Before the projects existed: no stage, nothing started.
        self.check("2019-01-01", {"projects_not_cancelled": 4,
                                  "projects_started": 0})

    def test_default_as_of_is_today(self):
        s = self.summary(self.eid)
        self.assertRegex(s["as_of"], r"^\d{4}-\d\d-\d\d$")
        self.assertEqual(s["paid_in_wan"], 800)

    def test_bad_as_of(self):
        for v in ("2021-13-01", "yesterday", "2021-1-1"):
            self.assertError(self.c.get("/api/v1/expos/%d/summary?as_of=%s"
                                        % (self.eid, v)), 400,
                             "validation_failed", "as_of")
        self.assertError(self.c.get("/api/v1/expos/99999/summary"), 404)

    def test_rounding_and_empty(self):
        e = self.edition(series="sce", year=2012, starts="2012-09-01")["id"]
        s = self.summary(e)
        self.assertEqual(s["signed_projects"], 0)
        for k in ("performance_rate_pct", "start_rate_pct",
                  "operation_rate_pct", "funds_rate_pct"):
            self.assertIsNone(s[k])
        e = self.edition(series="sce", year=2013, starts="2013-09-01")["id"]
        ps = [self.project("2013-09-01", 3) for _ in range(3)]
        for pid in ps:
            self.link(e, pid)
        self.stage(ps[0], "under_construction", "2013-10-01")
        self.pay(ps[0], "2013-10-02", 2)      # 2 of 9 = 22.2 %
        s = self.summary(e, "2013-12-31")
        self.assertEqual((s["start_rate_pct"], s["funds_rate_pct"]),
                         (33.3, 22.2))
        self.stage(ps[1], "under_construction", "2013-10-01")
        self.pay(ps[1], "2013-10-02", 2)
        self.pay(ps[1], "2013-10-03", 1)      # 5 of 9 = 55.6 %
        s = self.summary(e, "2013-12-31")
        self.assertEqual((s["start_rate_pct"], s["funds_rate_pct"]),
                         (66.7, 55.6))

    def test_compare(self):
        e20 = self.edition(series="wcif", year=2020, starts="2020-11-01")
        r = self.c.get("/api/v1/expos/compare?series=wcif&years=2021,2020,"
                       "2011&as_of=2021-12-31")
        self.assertStatus(r, 200)
        j = r.json
        self.assertEqual(j["series"]["code"], "wcif")
        self.assertEqual(j["years"], [2011, 2020, 2021])
        self.assertEqual(j["missing_years"], [2011])
        self.assertEqual([e["year"] for e in j["editions"]], [2020, 2021])
        self.assertEqual(j["editions"][0]["id"], e20["id"])
        s21 = j["editions"][1]["summary"]
        self.assertEqual((s21["signed_projects"], s21["funds_rate_pct"],
                          s21["as_of"]), (4, 11.4, "2021-12-31"))
        self.assertIsNone(j["editions"][0]["summary"]["start_rate_pct"])
        # Repeated keys work too; no years: every edition of the series.
        r = self.c.get("/api/v1/expos/compare?series=wcif&years=2020"
                       "&years=2021")
        self.assertEqual([e["year"] for e in r.json["editions"]],
                         [2020, 2021])
        r = self.c.get("/api/v1/expos/compare?series=wcif")
        years = [e["year"] for e in r.json["editions"]]
        self.assertEqual(years, sorted(years))
        self.assertIn(2021, years)
        self.assertEqual(r.json["years"], years)
        for q, field in [("", "series"), ("series=", "series"),
                         ("series=nope", "series"),
                         ("series=wcif&years=20x1", "years"),
                         ("series=wcif&years=1999", "years"),
                         ("series=wcif&as_of=2021-02-31", "as_of")]:
            self.assertError(self.c.get("/api/v1/expos/compare?" + q), 400,
                             "validation_failed", field)


class Exports(ExposPortal):

    def read_csv(self, r):
        self.assertStatus(r, 200)
        self.assertTrue(r.headers.get("content-type", "")
                        .startswith("text/csv"))
        self.assertIn("attachment", r.headers.get("content-disposition", ""))
        self.assertTrue(r.body.startswith(b"\xef\xbb\xbf"))
        self.assertIn(b"\r\n", r.body)
        return list(csv.reader(io.StringIO(r.body[3:].decode("utf-8"),
                                           newline="")))

    def test_exports(self):
        e = self.edition(year=2021, starts="2021-08-23", city="=cmd|x",
                         notes="a, \"b\"",
                         ceremonies=[{"date": "2021-08-23", "place": "P"}])
        pid = self.project("2021-08-23", 900, name_zh="+项目",
                           district="jiangbei")
        self.link(e["id"], pid, 100, note="@note")
        rows = self.read_csv(self.v.get("/api/v1/expos/export.csv"))
        self.assertEqual(rows[0][:4], ["id", "series", "year", "name_zh"])
        row = [x for x in rows[1:] if x[0] == str(e["id"])][0]
        self.assertEqual(row[7], "'=cmd|x")
        self.assertEqual(row[9], "2021-08-23 P")
        self.assertEqual(row[10:12], ["1", "1"])
        self.assertEqual(row[12], 'a, "b"')
        rows = self.read_csv(self.v.get("/api/v1/expos/%d/signings/"
                                        "export.csv" % e["id"]))
        self.assertEqual(rows[0][0:3], ["id", "project_id",
                                        "project_name_zh"])
        self.assertEqual(len(rows), 2)
        r = dict(zip(rows[0], rows[1]))
        self.assertEqual(r["project_name_zh"], "'+项目")
        self.assertEqual(r["district"], "江北区")
        self.assertEqual(r["signing_wan"], "900")
        self.assertEqual(r["first_signing"], "yes")
        self.assertEqual(r["note"], "'@note")
        rows = self.read_csv(self.v.get("/api/v1/expos/%d/signings/"
                                        "export.csv?lang=en" % e["id"]))
        self.assertEqual(dict(zip(rows[0], rows[1]))["district"],
                         "Jiangbei District")
        rows = self.read_csv(self.v.get("/api/v1/expos/series/export.csv"))
        self.assertIn(["1", "sce", "智博会", "Smart China Expo", "1"], rows)
        self.assertError(self.v.get("/api/v1/expos/99999/signings/"
                                    "export.csv"), 404)
        self.assertError(self.v.get("/api/v1/expos/export.csv?series=x"),
                         400, "validation_failed", "series")


class Dependencies(TestCase):
    """expos and regions depend on projects: disabling either leaves
    projects working; projects cannot be disabled while either is on."""

    @classmethod
    def setUpClass(cls):
        cls.p = Portal(plugins=["staff", "projects", "expos", "regions"],
                       name="expos-deps")
        cls.p.start()
        pw = cls.p.add_user("ada", "admin")
        cls.c = cls.p.client()
        assert cls.c.login("ada", pw).status == 200

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()

    def state(self, name):
        rows = self.p.sql("SELECT state FROM plugins WHERE name = ?",
                          (name,))
        return rows[0][0] if rows else None

    def switch(self, verb, name):
        r = self.p.bureauctl("plugin", verb, name)
        if r.returncode == 0 and "reload" not in r.stdout:
            self.p.reload()     # a bureauctl that does not reach bureaud
        return r

    def test_dependency_rules(self):
        for name in ("projects", "expos", "regions"):
            self.assertEqual(self.state(name), "enabled")
        r = self.switch("disable", "projects")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("expos", r.stdout + r.stderr)
        self.assertEqual(self.state("projects"), "enabled")

        # Through the API too, when the plugins page exists.
        api = self.c.get("/api/v1/plugins/projects/impact")
        if api.status == 200:
            self.assertFalse(api.json["allowed"])
            blocked = json.dumps(api.json["blocked_by"])
            self.assertIn("expos", blocked)
            self.assertIn("regions", blocked)
            r = self.c.post("/api/v1/plugins/projects/disable", json={})
            self.assertIn(r.status, (400, 409, 422), r)
            self.assertEqual(self.state("projects"), "enabled")

        pid = self.c.post("/api/v1/projects", json=dict(
            BASE, name_en="Survivor")).json["id"]
        r = self.switch("disable", "expos")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.state("expos"), "disabled")
        self.assertEqual(self.c.get("/api/v1/expos").status, 404)
        self.assertStatus(self.c.get("/api/v1/projects/%d" % pid), 200)
        self.assertStatus(self.c.get("/api/v1/regions/summary"), 200)
        nav = json.dumps(self.c.get("/api/v1/nav").json)
        self.assertNotIn("#/expos", nav)
        self.assertIn("#/projects", nav)
        # regions still holds projects.
        r = self.switch("disable", "projects")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("regions", r.stdout + r.stderr)
        r = self.switch("disable", "regions")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.c.get("/api/v1/regions/summary").status, 404)
        self.assertStatus(self.c.get("/api/v1/projects"), 200)
        # Now nothing depends on projects; expos cannot come back without
        # it; data survives the round trip.
        r = self.switch("disable", "projects")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotEqual(self.switch("enable", "expos").returncode, 0)
        self.assertEqual(self.state("expos"), "disabled")
        for name in ("projects", "expos", "regions"):
            r = self.switch("enable", name)
            self.assertEqual(r.returncode, 0, r.stderr)
        self.assertStatus(self.c.get("/api/v1/projects/%d" % pid), 200)
        self.assertStatus(self.c.get("/api/v1/expos"), 200)
        self.assertStatus(self.c.get("/api/v1/regions/summary"), 200)
