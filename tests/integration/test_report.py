"""test_report -- the annual report card on small hand-made datasets.

Everything goes through the real nginx + bureaud and the projects API:
projects are created, signed, amended, paid and moved through stages with
the ordinary endpoints, then GET /api/v1/report-card must give exactly the
figures docs/REPORT_CARD.md defines.  Each test works in its own years so
the tests do not see each other's records (the previous-year window of a
test stays inside its own years too).  The last check compares every figure
with a brute-force SQL over the ledgers, which is what keeps the roll-ups
(maintained in each write's transaction) honest.

The clock is injected: ledger and stage entries may not be dated after
today, and the datasets live in later years (up to 2099), so the portal's
today is 2100-12-31; projects are entered after the fact, their first
stage entry back-dated to 2020-01-01 (a signing may not predate it).
"""

import calendar
import time

from harness import Portal, TestCase

STARTED = ("under_construction", "in_operation")


def clock_offset(date):
    """Seconds to add to the real time for today to be `date` (noon in
    Beijing)."""
    y, m, d = map(int, date.split("-"))
    return calendar.timegm((y, m, d, 4, 0, 0)) - time.time()


def pct(num, den):
    """The report's percentage: one decimal, half away from zero."""
    if den is None or den <= 0:
        return None
    n = num * 1000
    q = (abs(n) * 2 + den) // (2 * den)
    return (q if n >= 0 else -q) / 10


def brute_force(sql, year, as_of):
    """The report card recomputed from the ledgers with plain SQL."""
    lo = "%04d-01-01" % year
    md = as_of[5:]
    py = year - 1
    if md == "02-29" and not calendar.isleap(py):
        md = "02-28"
    plo, phi = "%04d-01-01" % py, "%04d-%s" % (py, md)

    def one(q, *a):
        return sql(q, a)[0][0]

    def sums(a, b):
        return (one("SELECT coalesce(sum(amount_wan), 0) FROM "
                    "project_contracts WHERE signed_on BETWEEN ? AND ?",
                    a, b),
                one("SELECT coalesce(sum(amount_wan), 0) FROM "
                    "project_payments WHERE paid_on BETWEEN ? AND ?", a, b))

    c, p = sums(lo, as_of)
    pc, pp = sums(plo, phi)
    t = sql("SELECT contracted_wan, paid_in_wan FROM project_targets "
            "WHERE year = ? AND district = ''", (year,))
    tc = t[0][0] if t and t[0][0] else None
    tp = t[0][1] if t and t[0][1] else None
    kp = one("SELECT count(*) FROM project_key_levels WHERE year = ? AND "
             "level = 'municipal'", year)
    started = one(
        "SELECT count(*) FROM project_key_levels k WHERE year = ? AND "
        "level = 'municipal' AND (SELECT to_stage FROM project_stages s "
        "WHERE s.project_id = k.project_id AND effective_on <= ? ORDER BY "
        "effective_on DESC, id DESC LIMIT 1) IN (?, ?)",
        year, as_of, *STARTED)

    def breakdown(expr):
        """expr(alias): the key of a project as SQL."""
        rows = sql(
            "SELECT keys.k,"
            " (SELECT count(*) FROM project_contracts c JOIN projects q ON"
            "  q.id = c.project_id WHERE {q} = keys.k AND c.kind = 'signing' AND"
            "  c.signed_on BETWEEN ?1 AND ?2),"
            " (SELECT coalesce(sum(c.amount_wan), 0) FROM project_contracts"
            "  c JOIN projects q ON q.id = c.project_id WHERE {q} = keys.k AND"
            "  c.signed_on BETWEEN ?1 AND ?2),"
            " (SELECT coalesce(sum(y.amount_wan), 0) FROM project_payments"
            "  y JOIN projects q ON q.id = y.project_id WHERE {q} = keys.k AND"
            "  y.paid_on BETWEEN ?1 AND ?2)"
            " FROM (SELECT DISTINCT {p} AS k FROM projects p) keys"
            .format(p=expr("p"), q=expr("q")),
            (lo, as_of))
        return {(r[0] or None): tuple(r[1:]) for r in rows if any(r[1:])}

    def column(name):
        return lambda a: "coalesce(%s.%s, '')" % (a, name)

    def region_root(a):
        # Source regions roll up into their top-level region.
        return ("coalesce((WITH RECURSIVE up(code, parent) AS (SELECT code,"
                " parent FROM proj_source_regions WHERE code = {a}."
                "source_region UNION ALL SELECT r.code, r.parent FROM"
                " proj_source_regions r JOIN up ON r.code = up.parent)"
                " SELECT code FROM up WHERE parent IS NULL),"
                " {a}.source_region, '')").format(a=a)

    monthly = []
    for m in range(1, 13):
        if m > int(as_of[5:7]):
            monthly.append((m, None, None, None))
            continue
        a = "%04d-%02d-01" % (year, m)
        b = min("%04d-%02d-31" % (year, m), as_of)
        cc, pm = sums(a, b)
        s = one("SELECT count(*) FROM project_contracts WHERE kind = "
                "'signing' AND signed_on BETWEEN ? AND ?", a, b)
        monthly.append((m, cc, pm, s))
    return {
        "contracted_wan": c, "paid_in_wan": p,
        "prev_contracted_wan": pc, "prev_paid_in_wan": pp,
        "contracted_growth_pct": pct(c - pc, pc),
        "paid_in_growth_pct": pct(p - pp, pp),
        "target_contracted_wan": tc, "target_paid_in_wan": tp,
        "contracted_target_pct": pct(c, tc),
        "paid_in_target_pct": pct(p, tp),
        "projects_signed": one(
            "SELECT count(*) FROM project_contracts WHERE kind = 'signing' "
            "AND signed_on BETWEEN ? AND ?", lo, as_of),
        "projects_over_1bn": one(
            "SELECT count(*) FROM project_contracts WHERE kind = 'signing' "
            "AND amount_wan >= 100000 AND signed_on BETWEEN ? AND ?",
            lo, as_of),
        "key_projects": kp,
        "key_projects_started": started,
        "key_paid_in_wan": one(
            "SELECT coalesce(sum(y.amount_wan), 0) FROM project_payments y "
            "JOIN project_key_levels k ON k.project_id = y.project_id AND "
            "k.year = ? AND k.level = 'municipal' WHERE y.paid_on BETWEEN "
            "? AND ?", year, lo, as_of),
        "operation_rate_pct": pct(started, kp),
        "by_district": breakdown(column("district")),
        "by_industry_chain": breakdown(column("industry_chain")),
        "by_investor_type": breakdown(lambda a: a + ".investor_type"),
        "by_source_region": breakdown(region_root),
        "monthly": monthly,
    }


def from_api(j):
    """The API's report in brute_force()'s shape."""
    out = {k: j[k] for k in (
        "contracted_wan", "paid_in_wan", "prev_contracted_wan",
        "prev_paid_in_wan", "contracted_growth_pct", "paid_in_growth_pct",
        "target_contracted_wan", "target_paid_in_wan",
        "contracted_target_pct", "paid_in_target_pct", "projects_signed",
        "projects_over_1bn", "key_projects", "key_projects_started",
        "key_paid_in_wan", "operation_rate_pct")}
    for k in ("by_district", "by_industry_chain", "by_investor_type",
              "by_source_region"):
        out[k] = {i["key"]: (i["projects"], i["contracted_wan"],
                             i["paid_in_wan"]) for i in j[k]}
    out["monthly"] = [(m["month"], m["contracted_wan"], m["paid_in_wan"],
                       m["projects_signed"]) for m in j["monthly"]]
    return out


class ReportCard(TestCase):
    @classmethod
    def setUpClass(cls):
        cls.p = Portal(plugins=["staff", "projects"], clock=True,
                       name="report")
        cls.p.start()
        cls.p.set_clock(clock_offset("2100-12-31"))
        cls.pw = cls.p.add_user("olga", "officer")
        cls.viewer_pw = cls.p.add_user("vera", "viewer")
        cls.c = cls.p.client()
        r = cls.c.login("olga", cls.pw)
        assert r.status == 200, r

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()

    # --- helpers ----------------------------------------------------
    def ok(self, r, status=(200, 201)):
        self.assertIn(r.status, status if isinstance(status, tuple)
                      else (status,), r)
        return r.json

    def project(self, name, investor_type="private", source_region=None,
                industry_chain=None, district="yubei", **extra):
        body = {"name_zh": name, "investor": name + " 投资方",
                "investor_type": investor_type, "district": district,
                "stage_effective_on": "2020-01-01"}
        if source_region:
            body["source_region"] = source_region
        if industry_chain:
            body["industry_chain"] = industry_chain
        body.update(extra)
        return self.ok(self.c.post("/api/v1/projects", json=body))["id"]

    def contract(self, pid, date, amount, kind=None):
        body = {"signed_on": date, "amount_wan": amount}
        if kind:
            body["kind"] = kind
        return self.ok(self.c.post("/api/v1/projects/%d/contracts" % pid,
                                   json=body))

    def pay(self, pid, date, amount, override=False):
        body = {"paid_on": date, "amount_wan": amount,
                "evidence": "bank receipt " + date}
        if override:
            body["override"] = True
        return self.ok(self.c.post("/api/v1/projects/%d/payments" % pid,
                                   json=body))

    def stage(self, pid, to, date, reason=None):
        body = {"to": to, "effective_on": date}
        if reason:
            body["reason"] = reason
        return self.ok(self.c.post("/api/v1/projects/%d/stage" % pid,
                                   json=body))

    def patch(self, pid, **fields):
        cur = self.ok(self.c.get("/api/v1/projects/%d" % pid), 200)
        fields["version"] = cur["version"]
        return self.ok(self.c.patch("/api/v1/projects/%d" % pid,
                                    json=fields), 200)

    def card(self, year, as_of=None, client=None):
        q = "/api/v1/report-card?year=%d" % year
        if as_of:
            q += "&as_of=" + as_of
        r = (client or self.c).get(q)
        self.assertEqual(r.status, 200, r)
        return r.json

    def item(self, lst, key):
        for i in lst:
            if i["key"] == key:
                return i
        return None

    # --- parameters and permissions ---------------------------------
    def test_parameters(self):
        for q, field in (("year=abc", "year"), ("year=1999", "year"),
                         ("year=2101", "year"), ("year=20211", "year"),
                         ("year=", "year"),
                         ("year=2021&as_of=2021-13-01", "as_of"),
                         ("year=2021&as_of=2021-02-29", "as_of"),
                         ("year=2021&as_of=2020-12-31", "as_of"),
                         ("year=2021&as_of=21-01-01", "as_of"),
                         ("year=2021&as_of=", "as_of")):
            r = self.c.get("/api/v1/report-card?" + q)
            self.assertError(r, 400, "validation_failed", field)
        j = self.card(2024, "2024-02-29")
        self.assertEqual(j["as_of"], "2024-02-29")
        self.assertEqual(j["year"], 2024)

    def test_permissions(self):
        anon = self.p.client()
        self.assertError(anon.get("/api/v1/report-card?year=2021"), 401)
        v = self.p.client()
        self.assertEqual(v.login("vera", self.viewer_pw).status, 200)
        self.assertEqual(v.get("/api/v1/report-card?year=2021").status, 200)
        pw = self.p.add_user("audrey", "auditor")
        a = self.p.client()
        self.assertEqual(a.login("audrey", pw).status, 200)
        self.assertError(a.get("/api/v1/report-card?year=2021"), 403)

    def test_shape(self):
        j = self.card(2099, "2099-06-30")
        for k in ("year", "as_of", "contracted_wan", "paid_in_wan",
                  "prev_contracted_wan", "prev_paid_in_wan",
                  "contracted_growth_pct", "paid_in_growth_pct",
                  "target_contracted_wan", "target_paid_in_wan",
                  "contracted_target_pct", "paid_in_target_pct",
                  "projects_over_1bn", "key_projects", "key_paid_in_wan",
                  "operation_rate_pct", "by_source_region",
                  "by_industry_chain", "by_district", "by_investor_type",
                  "monthly", "demo"):
            self.assertIn(k, j)
        # An empty year: zeros, and no base for any percentage.
        self.assertEqual(j["contracted_wan"], 0)
        self.assertIsNone(j["contracted_growth_pct"])
        self.assertIsNone(j["target_contracted_wan"])
        self.assertIsNone(j["contracted_target_pct"])
        self.assertIsNone(j["operation_rate_pct"])
        self.assertIs(j["demo"], False)
        self.assertEqual(j["by_district"], [])
        self.assertEqual(len(j["monthly"]), 12)

    # --- figures ------------------------------------------------------
    def test_growth_and_targets(self):
        a = self.project("增长测试甲")
        b = self.project("增长测试乙")
        self.contract(a, "2040-03-01", 100000)
        self.pay(a, "2040-04-01", 50000)
        self.contract(b, "2041-02-01", 117000)
        self.pay(b, "2041-05-01", 61000)
        j = self.card(2041, "2041-12-31")
        self.assertEqual((j["contracted_wan"], j["prev_contracted_wan"]),
                         (117000, 100000))
        self.assertEqual((j["paid_in_wan"], j["prev_paid_in_wan"]),
                         (61000, 50000))
        self.assertEqual(j["contracted_growth_pct"], 17.0)
        self.assertEqual(j["paid_in_growth_pct"], 22.0)
        self.assertIsNone(j["target_contracted_wan"])
        self.assertIsNone(j["paid_in_target_pct"])
        # No previous year: no growth.
        j40 = self.card(2040, "2040-12-31")
        self.assertEqual(j40["prev_contracted_wan"], 0)
        self.assertIsNone(j40["contracted_growth_pct"])

        self.ok(self.c.put("/api/v1/targets/2041", json={
            "city": {"contracted_wan": 90000, "paid_in_wan": 55000},
            "districts": []}), 200)
        j = self.card(2041, "2041-12-31")
        self.assertEqual(j["target_contracted_wan"], 90000)
        self.assertEqual(j["target_paid_in_wan"], 55000)
        self.assertEqual(j["contracted_target_pct"], 130.0)
        self.assertEqual(j["paid_in_target_pct"], 110.9)   # 110.909

    def test_rounding_half_away_from_zero(self):
        base = self.project("舍入测试基年")
        up = self.project("舍入测试增")
        self.contract(base, "2044-01-10", 400)
        self.pay(base, "2044-01-20", 400)
        self.contract(up, "2045-01-10", 449)     # +12.25 % -> 12.3
        self.pay(up, "2045-01-20", 351)          # -12.25 % -> -12.3
        j = self.card(2045, "2045-12-31")
        self.assertEqual(j["contracted_growth_pct"], 12.3)
        self.assertEqual(j["paid_in_growth_pct"], -12.3)

    def test_as_of_cutoffs(self):
        a = self.project("截止日测试甲")
        self.contract(a, "2050-06-30", 1000)
        self.contract(a, "2050-07-01", 20, kind="amendment")
        self.pay(a, "2050-06-30", 100)
        self.pay(a, "2050-07-01", 200)
        b = self.project("截止日测试乙")
        self.contract(b, "2051-06-30", 3000)
        self.contract(b, "2051-07-01", 40)
        self.pay(b, "2051-06-30", 300)
        self.pay(b, "2051-07-01", 400)
        j = self.card(2051, "2051-06-30")
        self.assertEqual(j["as_of"], "2051-06-30")
        self.assertEqual((j["contracted_wan"], j["paid_in_wan"]),
                         (3000, 300))
        self.assertEqual((j["prev_contracted_wan"], j["prev_paid_in_wan"]),
                         (1000, 100))
        self.assertEqual(j["projects_signed"], 1)
        j = self.card(2051, "2051-07-01")
        self.assertEqual((j["contracted_wan"], j["paid_in_wan"]),
                         (3040, 700))
        self.assertEqual((j["prev_contracted_wan"], j["prev_paid_in_wan"]),
                         (1020, 300))
        j = self.card(2051, "2051-06-29")
        self.assertEqual((j["contracted_wan"], j["paid_in_wan"]), (0, 0))
        self.assertIsNone(j["contracted_growth_pct"])

    def test_leap_day_cutoff(self):
        a = self.project("闰日测试")
        self.contract(a, "2055-02-28", 500)
        self.contract(a, "2055-03-01", 7, kind="amendment")
        b = self.project("闰日测试二")
        self.contract(b, "2056-02-29", 800)
        j = self.card(2056, "2056-02-29")
        # The previous year has no Feb 29: its cut-off is Feb 28.
        self.assertEqual(j["prev_contracted_wan"], 500)
        self.assertEqual(j["contracted_wan"], 800)
        self.assertEqual(j["contracted_growth_pct"], 60.0)

    def test_amendments_count_in_their_year(self):
        a = self.project("增资测试", district="jiangjin")
        self.contract(a, "2060-05-01", 100000)
        self.contract(a, "2061-03-01", 20000, kind="amendment")
        j = self.card(2061, "2061-12-31")
        self.assertEqual(j["contracted_wan"], 20000)
        self.assertEqual(j["prev_contracted_wan"], 100000)
        self.assertEqual(j["projects_signed"], 0)
        self.assertEqual(j["projects_over_1bn"], 0)
        d = self.item(j["by_district"], "jiangjin")
        self.assertEqual((d["projects"], d["contracted_wan"]), (0, 20000))
        # A decrease is negative in its year.
        self.contract(a, "2061-04-01", -5000, kind="amendment")
        j = self.card(2061, "2061-12-31")
        self.assertEqual(j["contracted_wan"], 15000)
        self.assertEqual(self.card(2061, "2061-03-31")["contracted_wan"],
                         20000)
        self.assertEqual(self.card(2060, "2060-12-31")["contracted_wan"],
                         100000)

    def test_projects_over_1bn(self):
        small = self.project("十亿以下")
        edge = self.project("恰好十亿")
        big = self.project("二十五亿")
        late = self.project("十二月签约")
        self.contract(small, "2062-02-01", 99999)
        self.contract(edge, "2062-03-01", 100000)
        self.contract(big, "2062-04-01", 250000)
        self.contract(late, "2062-12-15", 300000)
        # An amendment never makes a project "signed over 1 billion".
        self.contract(small, "2062-05-01", 10, kind="amendment")
        self.assertEqual(self.card(2062, "2062-11-30")["projects_over_1bn"],
                         2)
        j = self.card(2062, "2062-12-31")
        self.assertEqual(j["projects_over_1bn"], 3)
        self.assertEqual(j["projects_signed"], 4)

    def test_key_projects_and_operation_rate(self):
        y = 2070
        p = [self.project("重点项目%d" % i, key_levels={str(y): "municipal"})
             for i in range(4)]
        d = self.project("区级重点", key_levels={str(y): "district"})
        for i, pid in enumerate(p + [d]):
            self.contract(pid, "2069-0%d-01" % (i + 1), 50000)
        self.stage(p[0], "under_construction", "2070-03-01")
        self.stage(p[1], "under_construction", "2070-05-01")
        self.stage(p[1], "in_operation", "2070-09-01")
        self.stage(p[3], "under_construction", "2070-08-01")
        self.stage(p[3], "cancelled", "2070-10-01")
        self.stage(d, "under_construction", "2070-02-01")
        self.pay(p[0], "2069-12-20", 1000)       # before the year
        self.pay(p[0], "2070-02-01", 10000)
        self.pay(p[1], "2070-06-01", 5000)
        self.pay(d, "2070-03-01", 777)           # district level: no

        j = self.card(y, "2070-04-01")
        self.assertEqual(j["key_projects"], 4)
        self.assertEqual(j["key_projects_started"], 1)
        self.assertEqual(j["operation_rate_pct"], 25.0)
        self.assertEqual(j["key_paid_in_wan"], 10000)
        j = self.card(y, "2070-08-15")
        self.assertEqual(j["operation_rate_pct"], 75.0)
        self.assertEqual(j["key_paid_in_wan"], 15000)
        j = self.card(y, "2070-12-31")
        self.assertEqual(j["key_projects_started"], 2)   # p[3] cancelled
        self.assertEqual(j["operation_rate_pct"], 50.0)
        # The previous year's key projects are another set: none.
        self.assertEqual(self.card(2069, "2069-12-31")["key_projects"], 0)

        # Key levels change: the roll-ups follow.
        self.patch(p[2], key_levels={str(y): "none"})
        j = self.card(y, "2070-12-31")
        self.assertEqual(j["key_projects"], 3)
        self.assertEqual(j["operation_rate_pct"], 66.7)
        self.patch(d, key_levels={str(y): "municipal"})
        j = self.card(y, "2070-12-31")
        self.assertEqual(j["key_projects"], 4)
        self.assertEqual(j["key_projects_started"], 3)
        self.assertEqual(j["key_paid_in_wan"], 15777)

    def test_breakdowns(self):
        y = 2080
        rows = [
            ("港资", "hmt", "hong_kong", "digital_economy", "yubei", 30000,
             3000),
            ("澳资", "hmt", "macao", "digital_economy", "yubei", 5000, 0),
            ("大湾区", "private", "gba", "new_energy_vehicles", "jiangbei",
             1000, 100),
            ("粤资", "private", "guangdong", "intelligent_manufacturing",
             "bishan", 20000, 2000),
            ("鲁资甲", "local_soe", "shandong", "new_materials", "yubei",
             40000, 4000),
            ("鲁资乙", "private", "shandong", "new_materials", "kaizhou",
             2000, 0),
            ("本地", "local_soe", "local", "agriculture", None, 7000, 0),
        ]
        for name, it, reg, chain, dist, amount, paid in rows:
            pid = self.project(name, investor_type=it, source_region=reg,
                               industry_chain=chain, district=dist)
            self.contract(pid, "%d-04-01" % y, amount)
            if paid:
                self.pay(pid, "%d-05-01" % y, paid)
        j = self.card(y, "%d-12-31" % y)
        regions = j["by_source_region"]
        self.assertEqual([r["key"] for r in regions],
                         ["gba", "shandong", "local"])
        gba = regions[0]
        self.assertEqual((gba["projects"], gba["contracted_wan"],
                          gba["paid_in_wan"]), (4, 56000, 5100))
        self.assertEqual(gba["name_zh"], "粤港澳大湾区")
        self.assertEqual([(c["key"], c["projects"], c["contracted_wan"])
                          for c in gba["children"]],
                         [("hong_kong", 1, 30000), ("guangdong", 1, 20000),
                          ("macao", 1, 5000)])
        sd = regions[1]
        self.assertEqual((sd["projects"], sd["contracted_wan"],
                          sd["paid_in_wan"], sd["children"]),
                         (2, 42000, 4000, []))
        self.assertEqual(sd["name_en"], "Shandong")

        chains = {c["key"]: (c["projects"], c["contracted_wan"])
                  for c in j["by_industry_chain"]}
        self.assertEqual(chains, {
            "new_materials": (2, 42000), "digital_economy": (2, 35000),
            "intelligent_manufacturing": (1, 20000),
            "agriculture": (1, 7000), "new_energy_vehicles": (1, 1000)})
        self.assertEqual(j["by_industry_chain"][0]["name_zh"], "新材料")

        dist = j["by_district"]
        self.assertEqual(dist[0]["key"], "yubei")
        self.assertEqual((dist[0]["projects"], dist[0]["contracted_wan"]),
                         (3, 75000))
        self.assertEqual(dist[0]["name_zh"], "渝北区")
        self.assertEqual([i["key"] for i in dist],
                         ["yubei", "bishan", None, "kaizhou", "jiangbei"])
        self.assertEqual(dist[2]["contracted_wan"], 7000)  # no district
        self.assertEqual(dist[2]["name_en"], "Not specified")

        types = {t["key"]: (t["projects"], t["contracted_wan"],
                            t["paid_in_wan"], t["name_zh"])
                 for t in j["by_investor_type"]}
        self.assertEqual(types, {
            "local_soe": (2, 47000, 4000, "地方国企"),
            "hmt": (2, 35000, 3000, "港澳台资企业"),
            "private": (3, 23000, 2100, "民营企业")})
        # Sorted by contracted, descending.
        amounts = [t["contracted_wan"] for t in j["by_investor_type"]]
        self.assertEqual(amounts, sorted(amounts, reverse=True))

        # Moving a project moves its figures (PATCH keeps roll-ups).
        pid = self.project("迁移测试", source_region="macao",
                           district="wuxi")
        self.contract(pid, "%d-06-01" % y, 900)
        self.patch(pid, source_region="shandong", district="yunyang")
        j = self.card(y, "%d-12-31" % y)
        sd = self.item(j["by_source_region"], "shandong")
        self.assertEqual((sd["projects"], sd["contracted_wan"]), (3, 42900))
        self.assertIsNone(self.item(j["by_district"], "wuxi"))
        self.assertEqual(self.item(j["by_district"], "yunyang")[
            "contracted_wan"], 900)

    def test_monthly(self):
        y = 2085
        a = self.project("月度甲")
        b = self.project("月度乙")
        c = self.project("月度丙")
        self.contract(a, "2085-01-15", 100)
        self.contract(b, "2085-03-01", 200)
        self.contract(c, "2085-03-20", 300)
        self.pay(a, "2085-02-10", 50)
        self.pay(b, "2085-03-10", 60)
        self.pay(b, "2085-03-16", 70)
        self.contract(a, "2085-04-01", 5, kind="amendment")
        j = self.card(y, "2085-03-15")
        m = [(r["month"], r["contracted_wan"], r["paid_in_wan"],
              r["projects_signed"]) for r in j["monthly"]]
        self.assertEqual(m[:3], [(1, 100, 0, 1), (2, 0, 50, 0),
                                 (3, 200, 60, 1)])
        self.assertEqual(m[3:], [(i, None, None, None)
                                 for i in range(4, 13)])
        j = self.card(y, "2085-12-31")
        m = [(r["month"], r["contracted_wan"], r["paid_in_wan"],
              r["projects_signed"]) for r in j["monthly"]]
        self.assertEqual(m[2], (3, 500, 130, 2))
        self.assertEqual(m[3], (4, 5, 0, 0))
        self.assertEqual(m[11], (12, 0, 0, 0))
        self.assertEqual(sum(r[1] for r in m), j["contracted_wan"])

    def test_zz_rollups_match_brute_force(self):
        """After writes of every kind (this test runs last), every figure
        of the API equals a brute-force SQL over the ledgers."""
        y = 2090
        ids = []
        regions = ["hong_kong", "shandong", "chengdu", None, "gba"]
        for i in range(14):
            extra = {}
            if i % 3 == 0:
                extra["key_levels"] = {str(y): "municipal"}
            pid = self.project(
                "对账项目%d" % i, investor_type=["private", "foreign",
                                                 "central_soe"][i % 3],
                source_region=regions[i % 5],
                industry_chain=["digital_economy", None][i % 2],
                district=["yubei", "wanzhou", None][i % 3], **extra)
            ids.append(pid)
            # Ten signed in the previous year, four in the year itself.
            signed = ("%d-%02d-10" % (y - 1, 3 + i) if i < 10 else
                      "%d-%02d-05" % (y, i - 7))
            self.contract(pid, signed, 1000 * (i + 1) *
                          (40 if i % 4 == 0 else 1))
            self.pay(pid, signed[:8] + "20", 100 * (i + 1))
        for i, pid in enumerate(ids[:10]):
            if i % 2 == 0:
                self.contract(pid, "%d-02-%02d" % (y, 1 + i), 100 + i,
                              kind="amendment")
            if i % 3 == 1:
                self.stage(pid, "under_construction", "%d-07-01" % y)
            if i % 3 == 0:
                self.stage(pid, "under_construction", "%d-02-15" % y)
            self.pay(pid, "%d-08-%02d" % (y, 1 + i), 10 * (i + 1))
        self.patch(ids[1], district="kaizhou", source_region="macao",
                   investor_type="hmt")
        self.patch(ids[2], key_levels={str(y): "municipal",
                                       str(y - 1): "district"})
        self.patch(ids[3], key_levels={str(y): "none"})
        self.patch(ids[12], key_levels={str(y): "municipal"})
        self.stage(ids[0], "in_operation", "%d-09-01" % y)
        self.stage(ids[6], "cancelled", "%d-11-20" % y, reason="撤资")
        self.stage(ids[12], "under_construction", "%d-12-01" % y)
        checks = [(y, "%d-12-31" % y), (y, "%d-06-30" % y),
                  (y, "%d-02-10" % y), (y - 1, "%d-12-31" % (y - 1)),
                  (y + 1, "%d-03-01" % (y + 1))]
        # And the years of the other tests.
        for yy in (2041, 2045, 2051, 2056, 2061, 2062, 2070, 2080, 2085):
            checks.append((yy, "%d-12-31" % yy))
            checks.append((yy, "%d-07-01" % yy))
        for year, as_of in checks:
            with self.subTest(year=year, as_of=as_of):
                api = from_api(self.card(year, as_of))
                ref = brute_force(self.p.sql, year, as_of)
                self.assertEqual(api, ref)


class ReportCardDefaults(TestCase):
    """as_of defaults to today clamped into the year."""

    @classmethod
    def setUpClass(cls):
        cls.p = Portal(plugins=["staff", "projects"], clock=True,
                       name="report-defaults")
        cls.p.start()
        cls.pw = cls.p.add_user("olga", "officer")

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()

    def test_as_of_default(self):
        self.p.set_clock(clock_offset("2071-06-15"))
        c = self.p.client()
        self.assertEqual(c.login("olga", self.pw).status, 200)
        j = c.get("/api/v1/report-card?year=2071").json
        self.assertEqual(j["as_of"], "2071-06-15")
        m = j["monthly"]
        self.assertIsNotNone(m[5]["contracted_wan"])
        self.assertIsNone(m[6]["contracted_wan"])
        self.assertEqual(c.get("/api/v1/report-card?year=2070").json[
            "as_of"], "2070-12-31")
        self.assertEqual(c.get("/api/v1/report-card?year=2072").json[
            "as_of"], "2072-01-01")
        j = c.get("/api/v1/report-card").json
        self.assertEqual((j["year"], j["as_of"]), (2071, "2071-06-15"))

    def test_year_default_is_latest_signing_year(self):
        # Today is 2073-03-01 and the book's last signing is in 2072:
        # without ?year= the card shows 2072, not an empty 2073.
        self.p.set_clock(clock_offset("2072-05-01"))
        c = self.p.client()
        self.assertEqual(c.login("olga", self.pw).status, 200)
        r = c.post("/api/v1/projects", json={
            "name_en": "Default year check", "investor": "Default Co",
            "investor_type": "private"})
        self.assertEqual(r.status, 201, r.text)
        pid = r.json["id"]
        r = c.post("/api/v1/projects/%d/contracts" % pid, json={
            "kind": "signing", "signed_on": "2072-05-01",
            "amount_wan": 1234})
        self.assertEqual(r.status, 201, r.text)
        self.p.set_clock(clock_offset("2073-03-01"))
        c = self.p.client()     # the old session expired with the jump
        self.assertEqual(c.login("olga", self.pw).status, 200)
        j = c.get("/api/v1/report-card").json
        self.assertEqual((j["year"], j["as_of"]), (2072, "2072-12-31"))
        self.assertEqual(j["contracted_wan"], 1234)
        self.assertEqual(c.get("/api/v1/report-card?year=2073").json[
            "contracted_wan"], 0)
