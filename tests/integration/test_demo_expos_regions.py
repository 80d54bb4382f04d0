"""test_demo_expos_regions -- after `bureauctl demo` with projects, expos
and regions enabled, FIGURES.md F11-F16 come out of the expos and regions
endpoints exactly (docs/EXPOS.md, docs/api/regions.md), consistent with
the projects plugin's own figures; the expo projects are distinct,
non-cancelled 2021 demo projects; everything is marked demo; two loads
give the same rows."""

from harness import Portal, TestCase

PLUGINS = ["staff", "projects", "expos", "regions"]

DUMP = [
    "SELECT e.year, s.code, e.starts_on, e.ends_on, g.project_id,"
    " g.expected_paid_in_wan, g.expected_by FROM expo_signings g"
    " JOIN expo_editions e ON e.id = g.edition_id"
    " JOIN expo_series s ON s.id = e.series_id ORDER BY g.id",
    "SELECT name_zh, name_en, kind FROM region_partners ORDER BY id",
    "SELECT district_a, district_b FROM region_pairs ORDER BY id",
    "SELECT k.name_zh, k.status, k.area_mu, k.district, pp.project_id"
    " FROM region_parks k LEFT JOIN region_park_projects pp"
    " ON pp.park_id = k.id ORDER BY k.id, pp.project_id",
]


def load(name):
    p = Portal(plugins=PLUGINS, name=name)
    p.start()
    r = p.bureauctl("demo")
    return p, r


class DemoExposRegions(TestCase):

    @classmethod
    def setUpClass(cls):
        cls.p, cls.demo = load("demo-expos")
        pw = cls.p.add_user("vera", "viewer")
        cls.c = cls.p.client()
        assert cls.c.login("vera", pw).status == 200

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()

    def setUp(self):
        self.assertEqual(self.demo.returncode, 0, "bureauctl demo: %s %s"
                         % (self.demo.stdout, self.demo.stderr))

    def get(self, path):
        r = self.c.get(path)
        self.assertStatus(r, 200)
        return r.json

    def edition(self, series, year):
        j = self.get("/api/v1/expos?series=%s&year=%d" % (series, year))
        self.assertEqual(j["total"], 1)
        return j["items"][0]

    def signings(self, eid):
        out, offset = [], 0
        while True:
            j = self.get("/api/v1/expos/%d/signings?limit=200&offset=%d"
                         % (eid, offset))
            out += j["items"]
            offset += 200
            if offset >= j["total"]:
                return out

    def partner(self, name_en):
        items = self.get("/api/v1/regions/partners?limit=200")["items"]
        found = [x for x in items if x["name_en"] == name_en]
        self.assertEqual(len(found), 1, name_en)
        return found[0]

    # --- F11, F12 -------------------------------------------------------
    def check_expo(self, series, count, expected, ceremony):
        e = self.edition(series, 2021)
        self.assertIs(e["is_demo"], True)
        self.assertIn(ceremony, [c["date"] for c in e["ceremonies"]])
        self.assertEqual((e["signings"], e["signed_projects"]),
                         (count, count))
        for as_of in ("2021-12-30", "2021-12-31", None):
            s = self.get("/api/v1/expos/%d/summary%s" % (
                e["id"], "?as_of=" + as_of if as_of else ""))
            self.assertEqual(s["signed_projects"], count)
            self.assertEqual(s["expected_paid_in_wan"], expected)
            self.assertEqual(s["resignings"], 0)
            # Rates are there and consistent with the counts.
            self.assertEqual(s["performance_rate_pct"], 100.0)
            self.assertIsNotNone(s["funds_rate_pct"])
            self.assertGreater(s["contracted_wan"], expected)
        sg = self.signings(e["id"])
        self.assertEqual(len(sg), count)
        self.assertEqual(sum(x["expected_paid_in_wan"] for x in sg),
                         expected)
        for x in sg:
            self.assertTrue(x["first_signing"])
            self.assertTrue(x["signed_on"].startswith("2021-"), x)
            self.assertNotEqual(x["stage"], "cancelled")
            self.assertLessEqual(x["expected_paid_in_wan"], x["signing_wan"])
            self.assertTrue(x["is_demo"])
        return e, {x["project_id"] for x in sg}, sg

    def test_f11_f12_expos(self):
        sce, a, sg_a = self.check_expo("sce", 253, 10400000, "2021-08-23")
        wcif, b, sg_b = self.check_expo("wcif", 300, 7100000, "2021-05-20")
        self.assertEqual(sce["name_en"], "Smart China Expo 2021")
        self.assertEqual(sce["series_name_zh"], "智博会")
        self.assertEqual(wcif["series_name_zh"], "西洽会")
        self.assertEqual(len(a), 253)
        self.assertEqual(len(b), 300)
        self.assertEqual(a & b, set())
        # The picks are the ceremony-day clusters of the projects demo.
        self.assertEqual({x["signed_on"] for x in sg_a}, {"2021-08-23"})
        self.assertEqual({x["signed_on"] for x in sg_b}, {"2021-05-20"})
        # Among the year's signed demo projects, as projects reports them.
        ids = ",".join(str(i) for i in sorted(a | b))
        rows = self.p.sql("SELECT count(*) FROM projects_v WHERE is_demo = 1"
                          " AND signed_on LIKE '2021-%%' AND stage <> "
                          "'cancelled' AND id IN (%s)" % ids)
        self.assertEqual(rows[0][0], 553)
        cmp = self.get("/api/v1/expos/compare?series=sce&years=2021&"
                       "as_of=2021-12-30")
        self.assertEqual(cmp["editions"][0]["summary"]["signed_projects"],
                         253)

    # --- F13-F16 ----------------------------------------------------------
    def test_f13_pairs_and_parks(self):
        s = self.get("/api/v1/regions/summary?year=2021")
        self.assertEqual((s["district_pairs"], s["parks"]), (16, 23))
        self.assertEqual(sum(s["parks_by_status"].values()), 23)
        pairs = self.get("/api/v1/regions/pairs?limit=200")["items"]
        self.assertEqual(len(pairs), 16)
        sets = [{x["district_a"], x["district_b"]} for x in pairs]
        self.assertIn({"yubei", "yunyang"}, sets)
        self.assertIn({"jiangjin", "kaizhou"}, sets)
        names = {x["name_zh"] for x in pairs}
        self.assertIn("渝北区–云阳县", names)
        self.assertIn("江津区–开州区", names)
        self.assertEqual(sum(x["parks"] for x in pairs), 23)
        parks = self.get("/api/v1/regions/parks?limit=200")["items"]
        self.assertEqual(len(parks), 23)
        self.assertTrue(all(x["is_demo"] for x in parks + pairs))
        self.assertTrue(any(x["projects"] > 0 for x in parks))
        for park in parks:
            self.assertIn(park["district"], (park["pair"]["district_a"],
                                             park["pair"]["district_b"]))

    def test_f14_chengdu(self):
        p = self.partner("Chengdu")
        self.assertEqual((p["name_zh"], p["kind"], p["source_regions"]),
                         ("成都", "city", ["chengdu"]))
        self.assertIn("Sichuan", p["notes"])
        rows = {x["partner_id"]: x for x in self.get(
            "/api/v1/regions/summary?year=2021")["partners"]}
        self.assertGreater(rows[p["id"]]["projects"], 0)
        self.assertGreater(rows[p["id"]]["contracted_wan"], 0)
        listed = self.get("/api/v1/projects?source_region=chengdu&"
                          "signed_year=2021&limit=1")
        self.assertEqual(listed["total"], rows[p["id"]]["projects"])

    def test_f15_shandong(self):
        p = self.partner("Shandong")
        self.assertEqual((p["name_zh"], p["kind"]), ("山东", "province"))
        row = [x for x in self.get("/api/v1/regions/summary?year=2021")
               ["partners"] if x["partner_id"] == p["id"]][0]
        self.assertEqual((row["projects"], row["contracted_wan"]),
                         (62, 4420000))
        card = self.get("/api/v1/report-card?year=2021&as_of=2021-12-31")
        by = {x["key"]: x for x in card["by_source_region"]}
        self.assertEqual((by["shandong"]["projects"],
                          by["shandong"]["contracted_wan"],
                          by["shandong"]["paid_in_wan"]),
                         (row["projects"], row["contracted_wan"],
                          row["paid_in_wan"]))
        gba = [x for x in self.get("/api/v1/regions/summary?year=2021")
               ["partners"] if x["name_en"] == "Greater Bay Area"][0]
        self.assertEqual((by["gba"]["projects"], by["gba"]["contracted_wan"],
                          by["gba"]["paid_in_wan"]),
                         (gba["projects"], gba["contracted_wan"],
                          gba["paid_in_wan"]))

    def test_f16_greater_bay_area(self):
        p = self.partner("Greater Bay Area")
        self.assertEqual((p["name_zh"], p["kind"]), ("粤港澳大湾区", "area"))
        self.assertIn("hong_kong", p["covers"])
        self.assertIn("Hong Kong", p["notes"])
        self.assertEqual(sorted(p["industries"]),
                         ["digital_economy", "intelligent_manufacturing",
                          "new_energy_vehicles"])
        self.assertEqual({x["name_zh"] for x in p["industries_detail"]},
                         {"数字经济", "智能制造", "新能源汽车"})
        self.assertEqual({x["name_en"] for x in p["industries_detail"]},
                         {"Digital economy", "Intelligent manufacturing",
                          "New energy vehicles"})

    def test_marked_demo(self):
        for x in self.get("/api/v1/regions/partners")["items"]:
            self.assertTrue(x["is_demo"])
            self.assertIn("演示数据", x["notes"])
        r = self.c.get("/api/v1/expos/export.csv")
        self.assertStatus(r, 200)
        self.assertIn("演示数据/demo", r.text)
        r = self.c.get("/api/v1/regions/parks/export.csv")
        self.assertIn("演示数据/demo", r.text)
        rows = self.p.sql("SELECT count(*) FROM audit_log WHERE action IN"
                          " ('expos.demo_load', 'regions.demo_load')")
        self.assertEqual(rows[0][0], 2)

    def test_deterministic(self):
        other, r = load("demo-expos-again")
        try:
            self.assertEqual(r.returncode, 0, r.stderr)
            for q in DUMP:
                self.assertEqual(self.p.sql(q), other.sql(q), q)
        finally:
            other.stop()
