"""The regions plugin through the real nginx + bureaud: partner regions,
district pairs and cooperation parks (CRUD, validation of every field,
version conflicts, audit, permissions), the yearly summary on a small
hand-made dataset (projects, contracts and payments made through the
projects API; attribution through source regions and their
sub-regions), and the CSV exports."""

import csv
import io
import json

from harness import Portal, TestCase

PROJECT = {"investor": "Test Investor", "investor_type": "private",
           "industry_chain": "electronics", "district": "yunyang",
           "stage_effective_on": "2010-01-01"}


class RegionsPortal(TestCase):

    @classmethod
    def setUpClass(cls):
        cls.p = Portal(plugins=["staff", "projects", "regions"],
                       name=cls.__name__.lower())
        cls.p.start()
        cls.c = cls.p.client()
        assert cls.c.login("olga", cls.p.add_user("olga", "officer")) \
            .status == 200
        cls.v = cls.p.client()
        assert cls.v.login("vera", cls.p.add_user("vera", "viewer")) \
            .status == 200
        cls.serial = 0

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()

    def project(self, region, signed_on=None, amount=None, **kw):
        type(self).serial += 1
        body = dict(PROJECT, name_en="Project %d" % self.serial,
                    source_region=region)
        body.update(kw)
        r = self.c.post("/api/v1/projects", json=body)
        self.assertStatus(r, 201)
        pid = r.json["id"]
        if signed_on:
            self.contract(pid, signed_on, amount)
        return pid

    def contract(self, pid, on, amount):
        r = self.c.post("/api/v1/projects/%d/contracts" % pid,
                        json={"signed_on": on, "amount_wan": amount})
        self.assertStatus(r, 201)

    def pay(self, pid, on, amount):
        r = self.c.post("/api/v1/projects/%d/payments" % pid,
                        json={"paid_on": on, "amount_wan": amount,
                              "evidence": "receipt"})
        self.assertStatus(r, 201)

    def post(self, what, body, status=201):
        r = self.c.post("/api/v1/regions/" + what, json=body)
        self.assertStatus(r, status)
        return r.json

    def audit(self, action, entity_id):
        return self.p.sql("SELECT before, after FROM audit_log WHERE "
                          "action = ? AND entity_id = ? ORDER BY id",
                          (action, entity_id))

    def check_errors(self, what, base, cases):
        for patch, field in cases:
            body = dict(base)
            body.update(patch)
            for k in [k for k, v in patch.items() if v is KeyError]:
                del body[k]
            self.assertError(self.c.post("/api/v1/regions/" + what,
                                         json=body), 400,
                             "validation_failed", field)


class Partners(RegionsPortal):

    def test_create_get_list_patch(self):
        p = self.post("partners", {
            "name_zh": "粤港澳大湾区", "name_en": "Greater Bay Area",
            "kind": "area", "source_regions": ["gba"],
            "industries": ["new_energy_vehicles", "digital_economy"],
            "notes": "以香港为重点"})
        self.assertEqual(p["covers"], ["gba", "hong_kong", "macao",
                                       "guangdong"])
        self.assertEqual(p["source_region"], "gba")
        # Reference order, with names.
        self.assertEqual(p["industries"], ["digital_economy",
                                           "new_energy_vehicles"])
        self.assertEqual(p["industries_detail"][0],
                         {"code": "digital_economy", "name_zh": "数字经济",
                          "name_en": "Digital economy"})
        self.assertEqual(p["version"], 1)
        url = "/api/v1/regions/partners/%d" % p["id"]
        r = self.v.get(url)
        self.assertStatus(r, 200)
        self.assertEqual(r.json, p)
        self.assertEqual(r.headers.get("etag"), '"1"')
        self.assertEqual(len(self.audit("region.partner.create", p["id"])), 1)

        r = self.c.patch(url, json={"version": 1, "source_regions":
                                    ["hong_kong", "macao"],
                                    "industries": None})
        self.assertStatus(r, 200)
        self.assertEqual(r.json["source_regions"], ["hong_kong", "macao"])
        self.assertEqual(r.json["covers"], ["hong_kong", "macao"])
        self.assertIsNone(r.json["source_region"])
        self.assertEqual(r.json["industries"], [])
        self.assertEqual(r.json["notes"], "以香港为重点")
        self.assertEqual(r.headers.get("etag"), '"2"')
        self.assertError(self.c.patch(url, json={"version": 1,
                                                 "notes": "x"}),
                         409, "conflict", "version")
        self.assertError(self.c.patch(url, json={"notes": "x"}), 400,
                         "validation_failed", "version")
        self.assertError(self.c.patch(url, json={"version": 2,
                                                 "name_zh": "",
                                                 "name_en": None}),
                         400, "validation_failed", "name_zh")
        r = self.c.patch(url, json={"kind": "city"},
                         headers={"If-Match": 'W/"2"'})
        self.assertStatus(r, 200)
        self.assertEqual(r.json["kind"], "city")
        rows = self.audit("region.partner.update", p["id"])
        self.assertEqual(len(rows), 2)
        self.assertEqual(json.loads(rows[0][0])["source_regions"], ["gba"])
        self.assertError(self.c.get("/api/v1/regions/partners/99999"), 404,
                         "not_found")
        self.assertError(self.c.patch("/api/v1/regions/partners/99999",
                                      json={"version": 1}), 404)

        self.post("partners", {"name_en": "Sichuan", "kind": "province",
                               "source_regions": ["sichuan"]})
        r = self.v.get("/api/v1/regions/partners?kind=province")
        self.assertEqual([x["name_en"] for x in r.json["items"]],
                         ["Sichuan"])
        self.assertEqual(r.json["items"][0]["covers"],
                         ["sichuan", "chengdu"])
        self.assertError(self.v.get("/api/v1/regions/partners?kind=x"), 400,
                         "validation_failed", "kind")
        self.assertError(self.v.get("/api/v1/regions/partners?limit=500"),
                         400, "validation_failed", "limit")

    def test_validation(self):
        base = {"name_zh": "山东", "kind": "province",
                "source_regions": ["shandong"]}
        self.check_errors("partners", base, [
            ({"name_zh": KeyError}, "name_zh"),
            ({"name_zh": ""}, "name_zh"),
            ({"name_zh": "x" * 201}, "name_zh"),
            ({"name_en": 1}, "name_en"),
            ({"kind": KeyError}, "kind"),
            ({"kind": "country"}, "kind"),
            ({"kind": None}, "kind"),
            ({"source_regions": "shandong"}, "source_regions"),
            ({"source_regions": ["mars"]}, "source_regions[0]"),
            ({"source_regions": ["shandong", "shandong"]},
             "source_regions[1]"),
            ({"source_regions": [5]}, "source_regions[0]"),
            ({"source_regions": ["shandong"] * 31}, "source_regions"),
            ({"industries": ["spaceships"]}, "industries[0]"),
            ({"industries": {}}, "industries"),
            ({"notes": "x" * 4001}, "notes"),
            ({"version": 1}, "version"),
            ({"id": 4}, "id"),
        ])
        self.assertEqual(self.c.get("/api/v1/regions/partners").json
                         ["total"], self.p.sql("SELECT count(*) FROM "
                                               "region_partners")[0][0])

    def test_unique_names(self):
        self.post("partners", {"name_zh": "成都", "name_en": "Chengdu",
                               "kind": "city", "source_regions": ["chengdu"]})
        self.assertError(self.c.post("/api/v1/regions/partners", json={
            "name_zh": "成都", "kind": "city"}), 409, "duplicate", "name_zh")
        self.assertError(self.c.post("/api/v1/regions/partners", json={
            "name_en": "CHENGDU", "kind": "city"}), 409, "duplicate",
            "name_en")

    def test_permissions(self):
        self.assertStatus(self.v.get("/api/v1/regions/partners"), 200)
        self.assertError(self.v.post("/api/v1/regions/partners", json={
            "name_en": "X", "kind": "city"}), 403)
        self.assertError(self.p.client().get("/api/v1/regions/partners"),
                         401)


class PairsAndParks(RegionsPortal):

    def test_pairs(self):
        p = self.post("pairs", {"district_a": "yubei",
                                "district_b": "yunyang",
                                "since": "2020-05-01"})
        self.assertEqual(p["name_zh"], "渝北区–云阳县")
        self.assertEqual(p["name_en"], "Yubei District–Yunyang County")
        self.assertEqual((p["district_a_name_zh"], p["district_b_name_en"]),
                         ("渝北区", "Yunyang County"))
        self.assertEqual((p["since"], p["parks"], p["version"]),
                         ("2020-05-01", 0, 1))
        self.assertEqual(len(self.audit("region.pair.create", p["id"])), 1)
        # The same pair in the other order is the same pair.
        self.assertError(self.c.post("/api/v1/regions/pairs", json={
            "district_a": "yunyang", "district_b": "yubei"}), 409,
            "duplicate")
        base = {"district_a": "jiangjin", "district_b": "kaizhou"}
        self.check_errors("pairs", base, [
            ({"district_a": KeyError}, "district_a"),
            ({"district_b": None}, "district_b"),
            ({"district_a": "atlantis"}, "district_a"),
            ({"district_b": 7}, "district_b"),
            ({"district_b": "jiangjin"}, "district_b"),
            ({"since": "2020-02-30"}, "since"),
            ({"notes": "x" * 4001}, "notes"),
            ({"parks": 2}, "parks"),
        ])
        q = self.post("pairs", base)
        url = "/api/v1/regions/pairs/%d" % q["id"]
        r = self.c.patch(url, json={"version": 1, "notes": "江津–开州",
                                    "since": "2020-06-01"})
        self.assertStatus(r, 200)
        self.assertEqual((r.json["notes"], r.json["since"]),
                         ("江津–开州", "2020-06-01"))
        r = self.c.patch(url, json={"version": 2, "since": None})
        self.assertIsNone(r.json["since"])
        self.assertError(self.c.patch(url, json={"version": 2}), 409,
                         "conflict")
        self.assertError(self.c.patch(url, json={
            "version": 3, "district_b": "yubei", "district_a": "yunyang"}),
            409, "duplicate")
        self.assertError(self.c.patch(url, json={"version": 3,
                                                 "district_a": "kaizhou"}),
                         400, "validation_failed", "district_b")
        r = self.v.get("/api/v1/regions/pairs?district=kaizhou")
        self.assertEqual([x["id"] for x in r.json["items"]], [q["id"]])
        self.assertError(self.v.get("/api/v1/regions/pairs?district=x"),
                         400, "validation_failed", "district")
        self.assertStatus(self.v.get(url), 200)
        self.assertError(self.v.get("/api/v1/regions/pairs/99999"), 404)
        self.assertError(self.v.post("/api/v1/regions/pairs", json={
            "district_a": "wanzhou", "district_b": "wuxi"}), 403)

    def test_parks(self):
        pair = self.post("pairs", {"district_a": "jiulongpo",
                                   "district_b": "fengjie"})
        other = self.post("pairs", {"district_a": "nanan",
                                    "district_b": "youyang"})
        p1 = self.project("hubei", "2021-03-01", 100, district="fengjie")
        p2 = self.project("hubei", "2021-03-02", 200, district="fengjie")
        lead = self.project("hubei")
        park = self.post("parks", {
            "name_zh": "九龙坡·奉节产业合作园", "pair_id": pair["id"],
            "status": "under_construction", "area_mu": 1500,
            "district": "fengjie",
            "industries": ["consumer_goods", "electronics"],
            "project_ids": [p2, p1, lead]})
        self.assertEqual(park["pair"]["name_zh"], "九龙坡区–奉节县")
        self.assertEqual(park["pair"]["district_b"], "fengjie")
        self.assertEqual((park["district_name_zh"], park["area_mu"]),
                         ("奉节县", 1500))
        self.assertEqual(park["industries"], ["electronics",
                                              "consumer_goods"])
        self.assertEqual(park["project_ids"], sorted([p1, p2, lead]))
        self.assertEqual(park["projects"], 3)
        self.assertEqual(self.c.get("/api/v1/regions/pairs/%d" % pair["id"])
                         .json["parks"], 1)
        self.assertEqual(len(self.audit("region.park.create", park["id"])),
                         1)
        base = {"name_en": "Park", "pair_id": pair["id"],
                "status": "planned"}
        self.check_errors("parks", base, [
            ({"name_en": KeyError}, "name_zh"),
            ({"name_en": "", "name_zh": ""}, "name_zh"),
            ({"pair_id": KeyError}, "pair_id"),
            ({"pair_id": 99999}, "pair_id"),
            ({"pair_id": "1"}, "pair_id"),
            ({"status": KeyError}, "status"),
            ({"status": "done"}, "status"),
            ({"area_mu": 0}, "area_mu"),
            ({"area_mu": 1.5}, "area_mu"),
            ({"area_mu": 100000001}, "area_mu"),
            ({"area_km2": 3}, "area_km2"),
            ({"district": "yubei"}, "district"),
            ({"district": "nowhere"}, "district"),
            ({"industries": ["x"]}, "industries[0]"),
            ({"project_ids": "1"}, "project_ids"),
            ({"project_ids": [0]}, "project_ids[0]"),
            ({"project_ids": [999999]}, "project_ids[0]"),
            ({"project_ids": [p1 + 1000, p1]}, "project_ids[0]"),
            ({"project_ids": [lead + 1, lead + 1]}, "project_ids[0]"),
            ({"notes": "x" * 4001}, "notes"),
        ])
        # A project lies in one park at most.
        self.assertError(self.c.post("/api/v1/regions/parks", json=dict(
            base, project_ids=[p1])), 409, "project_in_other_park",
            "project_ids[0]")
        url = "/api/v1/regions/parks/%d" % park["id"]
        r = self.c.patch(url, json={"version": 1, "status": "operating",
                                    "project_ids": [p1], "area_mu": None})
        self.assertStatus(r, 200)
        self.assertEqual((r.json["status"], r.json["project_ids"],
                          r.json["area_mu"], r.json["version"]),
                         ("operating", [p1], None, 2))
        self.assertEqual(r.json["industries"], ["electronics",
                                                "consumer_goods"])
        self.assertError(self.c.patch(url, json={"version": 1}), 409,
                         "conflict")
        # Moving it to another pair needs a district of that pair.
        self.assertError(self.c.patch(url, json={"version": 2, "pair_id":
                                                 other["id"]}),
                         400, "validation_failed", "district")
        r = self.c.patch(url, json={"version": 2, "pair_id": other["id"],
                                    "district": "youyang"})
        self.assertStatus(r, 200)
        # A pair cannot leave the district one of its parks lies in.
        self.assertError(self.c.patch("/api/v1/regions/pairs/%d"
                                      % other["id"], json={
                                          "version": 1,
                                          "district_b": "pengshui"}),
                         409, "park_district")
        # The freed projects can go to another park; a deleted lead
        # disappears from its park.
        p2park = self.post("parks", dict(base, project_ids=[p2, lead]))
        self.assertStatus(self.c.delete("/api/v1/projects/%d" % lead), 200)
        r = self.c.get("/api/v1/regions/parks/%d" % p2park["id"])
        self.assertEqual((r.json["project_ids"], r.json["projects"]),
                         ([p2], 1))
        # Filters.
        r = self.v.get("/api/v1/regions/parks?status=operating")
        self.assertEqual([x["id"] for x in r.json["items"]], [park["id"]])
        r = self.v.get("/api/v1/regions/parks?pair_id=%d" % pair["id"])
        self.assertEqual([x["id"] for x in r.json["items"]],
                         [p2park["id"]])
        r = self.v.get("/api/v1/regions/parks?district=youyang")
        self.assertEqual(r.json["total"], 1)
        for q, field in [("status=x", "status"), ("pair_id=0", "pair_id"),
                         ("district=x", "district"), ("offset=x", "offset")]:
            self.assertError(self.v.get("/api/v1/regions/parks?" + q), 400,
                             "validation_failed", field)
        self.assertError(self.v.patch(url, json={"version": 3}), 403)
        self.assertError(self.v.get("/api/v1/regions/parks/99999"), 404)
        rows = self.audit("region.park.update", park["id"])
        self.assertEqual(json.loads(rows[0][0])["status"],
                         "under_construction")


class Summary(RegionsPortal):
    """Partners SD (shandong), GBA (gba: + hong_kong, macao, guangdong)
    and HK (hong_kong) over:

    A shandong   signed 2021-03-01 1000, +500 2021-06-01, paid 300 2021-07
    B shandong   signed 2020-05-01 2000, +100 2021-02-01, paid 400 2020-06
                 and 200 2021-01-15
    C hong_kong  signed 2021-04-01 3000, paid 1000 2021-12-31, cancelled
    D guangdong  signed 2022-01-05 700
    E gba        signed 2021-09-09 50
    F chengdu    signed 2021-05-05 80 (no partner)
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        t = cls("test_year_2021")
        a = t.project("shandong", "2021-03-01", 1000)
        t.contract(a, "2021-06-01", 500)
        t.pay(a, "2021-07-01", 300)
        b = t.project("shandong", "2020-05-01", 2000)
        t.contract(b, "2021-02-01", 100)
        t.pay(b, "2020-06-01", 400)
        t.pay(b, "2021-01-15", 200)
        c = t.project("hong_kong", "2021-04-01", 3000)
        t.pay(c, "2021-12-31", 1000)
        r = t.c.post("/api/v1/projects/%d/stage" % c, json={
            "to": "cancelled", "effective_on": "2021-12-31"})
        assert r.status == 201, r
        t.project("guangdong", "2022-01-05", 700)
        t.project("gba", "2021-09-09", 50)
        t.project("chengdu", "2021-05-05", 80)
        cls.c_id = c
        cls.sd = t.post("partners", {"name_en": "Shandong",
                                     "kind": "province",
                                     "source_regions": ["shandong"]})["id"]
        cls.gba = t.post("partners", {"name_en": "Greater Bay Area",
                                      "kind": "area",
                                      "source_regions": ["gba"]})["id"]
        cls.hk = t.post("partners", {"name_en": "Hong Kong", "kind": "city",
                                     "source_regions": ["hong_kong"]})["id"]
        pair = t.post("pairs", {"district_a": "yubei",
                                "district_b": "yunyang"})["id"]
        t.post("pairs", {"district_a": "jiangjin", "district_b": "kaizhou"})
        for st in ("planned", "operating", "operating"):
            t.post("parks", {"name_en": "P " + st, "pair_id": pair,
                             "status": st})

    def figures(self, year):
        r = self.v.get("/api/v1/regions/summary?year=%d" % year)
        self.assertStatus(r, 200)
        return r.json, {x["partner_id"]: (x["projects"], x["contracted_wan"],
                                          x["paid_in_wan"])
                        for x in r.json["partners"]}

    def test_year_2021(self):
        j, f = self.figures(2021)
        self.assertEqual(j["year"], 2021)
        self.assertEqual((j["district_pairs"], j["parks"]), (2, 3))
        self.assertEqual(j["parks_by_status"], {"planned": 1,
                                                "under_construction": 0,
                                                "operating": 2})
        self.assertEqual(f[self.sd], (1, 1600, 500))
        self.assertEqual(f[self.gba], (2, 3050, 1000))
        self.assertEqual(f[self.hk], (1, 3000, 1000))
        self.assertEqual([x["partner_id"] for x in j["partners"]],
                         [self.gba, self.hk, self.sd])
        row = j["partners"][0]
        self.assertEqual((row["name_en"], row["kind"], row["source_region"]),
                         ("Greater Bay Area", "area", "gba"))
        self.assertEqual(row["partner"]["covers"],
                         ["gba", "hong_kong", "macao", "guangdong"])
        # The report card's by_source_region says the same.
        rc = self.v.get("/api/v1/report-card?year=2021&as_of=2021-12-31")
        if rc.status == 200:
            by = {x["key"]: (x["projects"], x["contracted_wan"],
                             x["paid_in_wan"])
                  for x in rc.json["by_source_region"]}
            self.assertEqual(by["gba"], f[self.gba])
            self.assertEqual(by["shandong"], f[self.sd])

    def test_other_years(self):
        _, f = self.figures(2020)
        self.assertEqual(f[self.sd], (1, 2000, 400))
        self.assertEqual(f[self.gba], (0, 0, 0))
        _, f = self.figures(2022)
        self.assertEqual(f[self.gba], (1, 700, 0))
        self.assertEqual(f[self.hk], (0, 0, 0))

    def test_current_region_counts(self):
        url = "/api/v1/projects/%d" % self.c_id
        v = self.c.get(url).json["version"]
        self.assertStatus(self.c.patch(url, json={
            "version": v, "source_region": "macao"}), 200)
        try:
            _, f = self.figures(2021)
            self.assertEqual(f[self.hk], (0, 0, 0))
            self.assertEqual(f[self.gba], (2, 3050, 1000))
        finally:
            self.assertStatus(self.c.patch(url, json={
                "version": v + 1, "source_region": "hong_kong"}), 200)

    def test_year_parameter(self):
        r = self.v.get("/api/v1/regions/summary")
        self.assertStatus(r, 200)
        self.assertGreaterEqual(r.json["year"], 2021)
        for q in ("year=1999", "year=abc", "year=2021.0"):
            self.assertError(self.v.get("/api/v1/regions/summary?" + q), 400,
                             "validation_failed", "year")
        self.assertError(self.p.client().get("/api/v1/regions/summary"),
                         401)


class Exports(RegionsPortal):

    def read_csv(self, r):
        self.assertStatus(r, 200)
        self.assertTrue(r.headers.get("content-type", "")
                        .startswith("text/csv"))
        self.assertIn("attachment", r.headers.get("content-disposition", ""))
        self.assertTrue(r.body.startswith(b"\xef\xbb\xbf"))
        rows = list(csv.reader(io.StringIO(r.body[3:].decode("utf-8"),
                                           newline="")))
        return [dict(zip(rows[0], x)) for x in rows[1:]], rows[0]

    def test_exports(self):
        self.post("partners", {"name_zh": "成都", "name_en": "Chengdu",
                               "kind": "city", "source_regions": ["chengdu"],
                               "industries": ["electronics", "automotive"],
                               "notes": "=1+1"})
        pair = self.post("pairs", {"district_a": "yubei",
                                   "district_b": "yunyang"})
        pid = self.project("chengdu", "2021-01-05", 10)
        self.post("parks", {"name_zh": "园区, 一期", "pair_id": pair["id"],
                            "status": "operating", "district": "yunyang",
                            "area_mu": 900, "industries": ["electronics"],
                            "project_ids": [pid]})
        rows, head = self.read_csv(self.v.get(
            "/api/v1/regions/partners/export.csv"))
        self.assertEqual(head[:4], ["id", "name_zh", "name_en", "kind"])
        self.assertEqual(rows[0]["source_regions"], "成都")
        self.assertEqual(rows[0]["industries"], "汽车及零部件; 电子信息")
        self.assertEqual(rows[0]["notes"], "'=1+1")
        rows, _ = self.read_csv(self.v.get(
            "/api/v1/regions/partners/export.csv?lang=en"))
        self.assertEqual(rows[0]["source_regions"], "Chengdu (Sichuan)")
        rows, _ = self.read_csv(self.v.get(
            "/api/v1/regions/pairs/export.csv"))
        self.assertEqual((rows[0]["district_a_name"], rows[0]["district_b"],
                          rows[0]["parks"]), ("渝北区", "yunyang", "1"))
        rows, _ = self.read_csv(self.v.get(
            "/api/v1/regions/parks/export.csv?lang=en"))
        self.assertEqual(rows[0]["name_zh"], "园区, 一期")
        self.assertEqual(rows[0]["pair"],
                         "Yubei District–Yunyang County")
        self.assertEqual((rows[0]["area_mu"], rows[0]["projects"],
                          rows[0]["project_ids"]), ("900", "1", str(pid)))
        self.assertEqual(rows[0]["district"], "Yunyang County")
        rows, _ = self.read_csv(self.v.get(
            "/api/v1/regions/parks/export.csv?status=planned"))
        self.assertEqual(rows, [])
        self.assertError(self.v.get("/api/v1/regions/parks/export.csv?"
                                    "status=x"), 400, "validation_failed",
                         "status")
