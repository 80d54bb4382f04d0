"""test_demo_figures -- `bureauctl demo` reproduces the article's figures.

After `bureauctl demo` the bureau's book of record as of 2021-12-30 must
give FIGURES.md F1-F10 and F15-F17 exactly, through the HTTP API (the
report card, the project list, stage history, problems, reference data).
The dataset's design is in docs/REPORT_CARD.md.  A few properties other
plugins and the UI rely on are checked here too: paid-in never above
contracted, the expo ceremony clusters, the demo marking, determinism.
"""

from urllib.parse import quote

from harness import Portal, TestCase

# Tables the demo writes, in a stable order, for the determinism check.
DEMO_DUMP = [
    "SELECT id, name_zh, name_en, investor, investor_type, source_region,"
    " industry_chain, district, stage, notes, is_demo, signed_on,"
    " signing_wan, contracted_wan, paid_in_wan, created_at FROM projects"
    " ORDER BY id",
    "SELECT * FROM project_contracts ORDER BY id",
    "SELECT * FROM project_payments ORDER BY id",
    "SELECT * FROM project_stages ORDER BY id",
    "SELECT * FROM project_key_levels ORDER BY project_id, year",
    "SELECT id, project_id, category, description, status, opened_on,"
    " resolved_on, escalation, resolution FROM project_problems ORDER BY id",
    "SELECT * FROM project_targets ORDER BY year, district",
]


class DemoFigures(TestCase):
    @classmethod
    def setUpClass(cls):
        cls.p = Portal(plugins=["staff", "projects"], name="demo")
        cls.p.start()
        cls.demo = cls.p.bureauctl("demo")
        pw = cls.p.add_user("vera", "viewer")
        cls.c = cls.p.client()
        r = cls.c.login("vera", pw)
        assert r.status == 200, r

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()

    def setUp(self):
        self.assertEqual(self.demo.returncode, 0,
                         "bureauctl demo: %s %s" % (self.demo.stdout,
                                                    self.demo.stderr))

    def card(self, year, as_of=None):
        q = "/api/v1/report-card?year=%d" % year
        if as_of:
            q += "&as_of=" + as_of
        r = self.c.get(q)
        self.assertEqual(r.status, 200, r)
        return r.json

    def get(self, path):
        r = self.c.get(path)
        self.assertEqual(r.status, 200, r)
        return r.json

    # --- the report card --------------------------------------------
    def test_f1_to_f5_year_2021(self):
        j = self.card(2021)
        self.assertEqual(j["as_of"], "2021-12-31")
        self.assertEqual(j["contracted_wan"], 171000000)            # F1
        self.assertEqual(j["paid_in_wan"], 36000000)                # F2
        self.assertEqual(j["prev_contracted_wan"], 146153846)       # F3
        self.assertEqual(j["contracted_growth_pct"], 17.0)
        self.assertEqual(j["prev_paid_in_wan"], 29508197)           # F4
        self.assertEqual(j["paid_in_growth_pct"], 22.0)
        # F5: both above the (chosen) targets.
        self.assertEqual(j["target_contracted_wan"], 160000000)
        self.assertEqual(j["target_paid_in_wan"], 33000000)
        self.assertLess(j["target_contracted_wan"], j["contracted_wan"])
        self.assertLess(j["target_paid_in_wan"], j["paid_in_wan"])
        self.assertEqual(j["contracted_target_pct"], 106.9)
        self.assertEqual(j["paid_in_target_pct"], 109.1)
        self.assertIs(j["demo"], True)
        # Nothing is dated after the press conference.
        self.assertEqual(self.card(2021, "2021-12-30")["contracted_wan"],
                         171000000)

    def test_f3_f4_f5_year_2020(self):
        j = self.card(2020)
        self.assertEqual(j["contracted_wan"], 146153846)
        self.assertEqual(j["paid_in_wan"], 29508197)
        self.assertIsNotNone(j["target_contracted_wan"])
        self.assertLess(j["target_contracted_wan"], j["contracted_wan"])
        self.assertLess(j["target_paid_in_wan"], j["paid_in_wan"])

    def test_f6_f9_as_of_november(self):
        j = self.card(2021, "2021-11-30")
        self.assertEqual(j["projects_over_1bn"], 431)               # F6
        self.assertEqual(j["key_projects"], 100)
        self.assertEqual(j["key_paid_in_wan"], 8430000)             # F9
        # December signings of 1 billion or more exist too.
        self.assertGreater(self.card(2021)["projects_over_1bn"], 431)

    def test_f7_operation_rate(self):
        for year in (2020, 2021):
            j = self.card(year)
            self.assertGreater(j["operation_rate_pct"], 60.0, year)
            self.assertEqual(j["operation_rate_pct"],
                             round(1000 * j["key_projects_started"] /
                                   j["key_projects"]) / 10)
        self.assertEqual(self.card(2020)["operation_rate_pct"], 63.3)
        self.assertEqual(self.card(2021)["operation_rate_pct"], 70.0)

    def test_f8_key_projects(self):
        self.assertEqual(self.card(2021)["key_projects"], 100)
        r = self.get("/api/v1/projects?key_level=municipal&key_year=2021"
                     "&limit=1")
        self.assertEqual(r["total"], 100)

    def test_f10_named_projects(self):
        for q, name in (("比亚迪", "比亚迪动力电池全球总部"),
                        ("华润", "华润微电子12英寸功率半导体晶圆生产线")):
            r = self.get("/api/v1/projects?q=" + quote(q))
            items = [i for i in r["items"] if i["name_zh"] == name]
            self.assertEqual(len(items), 1, r)
            pr = items[0]
            self.assertEqual(pr["stage"], "in_operation")
            self.assertTrue(pr["is_demo"])
            st = self.get("/api/v1/projects/%d/stage" % pr["id"])
            entries = st["items"] if isinstance(st, dict) else st
            op = [e for e in entries if e["to"] == "in_operation" or
                  e.get("to_stage") == "in_operation"]
            self.assertEqual(len(op), 1, st)
            self.assertTrue(op[0]["effective_on"].startswith("2021-"))

    def test_f15_shandong(self):
        j = self.card(2021)
        sd = [r for r in j["by_source_region"] if r["key"] == "shandong"]
        self.assertEqual(len(sd), 1)
        self.assertEqual(sd[0]["projects"], 62)
        self.assertEqual(sd[0]["contracted_wan"], 4420000)
        self.assertEqual(sd[0]["name_zh"], "山东")
        # As the regions plugin counts it: projects signed in 2021 whose
        # source region is Shandong, and their signing amounts.
        r = self.get("/api/v1/projects?source_region=shandong"
                     "&signed_year=2021&limit=1")
        self.assertEqual(r["total"], 62)
        rows = self.p.sql(
            "SELECT count(*), sum(signing_wan), sum(contracted_wan) FROM "
            "projects WHERE source_region = 'shandong' AND signed_on "
            "BETWEEN '2021-01-01' AND '2021-12-31' AND stage <> "
            "'cancelled'")
        self.assertEqual(rows[0], (62, 4420000, 4420000))

    def test_f16_greater_bay_area(self):
        ref = self.get("/api/v1/projects/reference")
        regions = {r["code"]: r for r in ref["source_regions"]}
        self.assertEqual(regions["gba"]["name_zh"], "粤港澳大湾区")
        self.assertEqual(regions["hong_kong"]["parent"], "gba")
        chains = {c["code"]: c["name_zh"] for c in ref["industry_chains"]}
        self.assertEqual(chains["digital_economy"], "数字经济")
        self.assertEqual(chains["intelligent_manufacturing"], "智能制造")
        self.assertEqual(chains["new_energy_vehicles"], "新能源汽车")
        j = self.card(2021)
        gba = [r for r in j["by_source_region"] if r["key"] == "gba"][0]
        kids = {c["key"] for c in gba["children"]}
        self.assertIn("hong_kong", kids)
        for chain in ("digital_economy", "intelligent_manufacturing",
                      "new_energy_vehicles"):
            r = self.get("/api/v1/projects?source_region=hong_kong"
                         "&industry_chain=%s&limit=1" % chain)
            self.assertGreater(r["total"], 0, chain)

    def test_f17_problems(self):
        for cat in ("environmental_protection", "energy_consumption", "land",
                    "talents", "capital", "other"):
            for status in ("open", "resolved"):
                r = self.get("/api/v1/problems?category=%s&status=%s"
                             "&limit=1" % (cat, status))
                self.assertGreater(r["total"], 0, (cat, status))

    # --- properties ---------------------------------------------------
    def test_ledgers_consistent(self):
        rows = self.p.sql(
            "SELECT count(*) FROM projects WHERE paid_in_wan > "
            "contracted_wan OR is_demo <> 1")
        self.assertEqual(rows[0][0], 0)
        rows = self.p.sql(
            "SELECT count(*) FROM project_payments y JOIN projects p ON "
            "p.id = y.project_id WHERE p.signed_on IS NULL OR y.paid_on < "
            "p.signed_on")
        self.assertEqual(rows[0][0], 0)
        for table, col in (("project_contracts", "signed_on"),
                           ("project_payments", "paid_on"),
                           ("project_stages", "effective_on"),
                           ("project_problems", "opened_on")):
            rows = self.p.sql("SELECT max(%s) FROM %s" % (col, table))
            self.assertLessEqual(rows[0][0], "2021-12-30", table)
        # Amendments exist, among them 2021 increases on 2020 projects.
        rows = self.p.sql(
            "SELECT count(*) FROM project_contracts c JOIN projects p ON "
            "p.id = c.project_id WHERE c.kind = 'amendment' AND "
            "c.signed_on LIKE '2021%' AND p.signed_on LIKE '2020%' AND "
            "c.amount_wan > 0")
        self.assertGreater(rows[0][0], 0)

    def test_expo_candidates(self):
        for day, need in (("2021-08-23", 253), ("2021-05-20", 300)):
            rows = self.p.sql(
                "SELECT count(*) FROM projects WHERE signed_on = ? AND "
                "stage <> 'cancelled'", (day,))
            self.assertGreaterEqual(rows[0][0], need, day)
        rows = self.p.sql(
            "SELECT count(*) FROM projects WHERE signed_on LIKE '2021%' "
            "AND stage <> 'cancelled'")
        self.assertGreaterEqual(rows[0][0], 553 + 100)

    def test_demo_refused_twice(self):
        r = self.p.bureauctl("demo")
        self.assertNotEqual(r.returncode, 0)
        self.assertEqual(self.card(2021)["contracted_wan"], 171000000)

    def test_deterministic(self):
        """A second instance generates the very same rows."""
        other = Portal(plugins=["staff", "projects"], name="demo2")
        try:
            r = other.bureauctl("demo")
            self.assertEqual(r.returncode, 0, r.stderr)
            for q in DEMO_DUMP:
                self.assertEqual(other.sql(q), self.p.sql(q), q)
        finally:
            other.cleanup()
