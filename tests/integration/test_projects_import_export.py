"""Projects CSV/XLSX export and CSV import through nginx + bureaud."""

import csv
import io
import json
import re
import zipfile

from harness import Portal, TestCase

HEADER = ("name_zh,name_en,investor,investor_type,source_region,"
          "industry_chain,district,stage,officer,signed_on,signing_wan,notes")


class ImportExport(TestCase):

    @classmethod
    def setUpClass(cls):
        cls.p = Portal(plugins=["staff", "projects"], name="projimport")
        cls.p.start()
        pw = cls.p.add_user("olga", "officer")
        vpw = cls.p.add_user("vera", "viewer")
        cls.c = cls.p.client()
        assert cls.c.login("olga", pw).status == 200
        cls.v = cls.p.client()
        assert cls.v.login("vera", vpw).status == 200

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()

    def count(self):
        return self.p.sql("SELECT count(*) FROM projects")[0][0]

    def imp(self, data, mode="dry_run", ctype="text/csv; charset=utf-8",
            client=None):
        if isinstance(data, str):
            data = data.encode("utf-8")
        return (client or self.c).request(
            "POST", "/api/v1/projects/import?mode=" + mode, body=data,
            headers={"Content-Type": ctype})

    def create(self, **kw):
        body = {"name_zh": "出口测试项目", "investor": "Exporter",
                "investor_type": "private", "district": "yubei",
                "stage_effective_on": "2020-01-01"}
        body.update(kw)
        r = self.c.post("/api/v1/projects", json=body)
        self.assertStatus(r, 201)
        return r.json["id"]

    # --- export ----------------------------------------------------
    def test_export_csv(self):
        a = self.create(name_zh="渝北电子厂", name_en="Yubei, \"Electronics\"",
                        investor="=HYPERLINK(\"http://x\")",
                        district="wanzhou", notes="line1\nline2",
                        key_levels={"2021": "municipal"})
        r = self.c.post("/api/v1/projects/%d/contracts" % a,
                        json={"signed_on": "2021-05-01", "amount_wan": 1234})
        self.assertStatus(r, 201)
        b = self.create(name_zh="演示项目", district="wanzhou")
        self.p.sql("UPDATE projects SET is_demo = 1 WHERE id = ?", (b,))
        r = self.c.get("/api/v1/projects/export.csv?district=wanzhou"
                       "&key_year=2021")
        self.assertStatus(r, 200)
        self.assertTrue(r.content_type.startswith("text/csv"), r)
        self.assertIn("attachment", r.headers.get("content-disposition", ""))
        self.assertTrue(r.body.startswith(b"\xef\xbb\xbf"), r.body[:10])
        rows = list(csv.reader(io.StringIO(r.body[3:].decode("utf-8"))))
        head = rows[0]
        self.assertEqual(head[:4], ["id", "name_zh", "name_en", "investor"])
        self.assertIn("demo", head)
        recs = [dict(zip(head, row)) for row in rows[1:]]
        self.assertEqual([int(x["id"]) for x in recs], [a, b])
        ra, rb = recs
        self.assertEqual(ra["name_en"], 'Yubei, "Electronics"')
        self.assertEqual(ra["notes"], "line1\nline2")
        # Formula-looking text is defused for spreadsheets.
        self.assertEqual(ra["investor"], "'=HYPERLINK(\"http://x\")")
        self.assertEqual(ra["district"], "万州区")
        self.assertEqual(ra["signed_on"], "2021-05-01")
        self.assertEqual(ra["signing_wan"], "1234")
        self.assertEqual(ra["contracted_wan"], "1234")
        self.assertEqual(ra["stage"], "signed")
        self.assertEqual(ra["key_level"], "municipal")
        self.assertEqual(ra["demo"], "")
        self.assertEqual(rb["demo"], "演示数据/demo")
        # English names on request; filters are the list's.
        r = self.c.get("/api/v1/projects/export.csv?district=wanzhou&lang=en")
        rows = list(csv.reader(io.StringIO(r.body[3:].decode("utf-8"))))
        self.assertTrue(rows[1][7].lower().startswith("wanzhou"), rows[1])
        r = self.c.get("/api/v1/projects/export.csv?district=gotham")
        self.assertError(r, 400, "validation_failed", "district")
        r = self.v.get("/api/v1/projects/export.csv?q=%E6%BC%94%E7%A4%BA")
        self.assertStatus(r, 200)
        self.assertEqual(r.body.decode("utf-8-sig").count("\r\n"), 2)

    def test_export_xlsx(self):
        a = self.create(name_zh="西部科学城芯片项目", district="beibei")
        b = self.create(name_zh="北碚演示项目", district="beibei")
        self.p.sql("UPDATE projects SET is_demo = 1 WHERE id = ?", (b,))
        r = self.c.get("/api/v1/projects/export.xlsx?district=beibei")
        self.assertStatus(r, 200)
        self.assertIn("spreadsheetml", r.content_type)
        z = zipfile.ZipFile(io.BytesIO(r.body))
        names = z.namelist()
        self.assertIn("xl/worksheets/sheet1.xml", names)
        sheet = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
        strings = ""
        if "xl/sharedStrings.xml" in names:
            strings = z.read("xl/sharedStrings.xml").decode("utf-8")
        text = sheet + strings
        self.assertEqual(len(re.findall(r"<row ", sheet)), 3)
        for s in ("西部科学城芯片项目", "北碚演示项目", "演示数据/demo",
                  "name_zh", "demo"):
            self.assertIn(s, text)
        self.assertIn("<v>%d</v>" % a, sheet)
        wb = z.read("xl/workbook.xml").decode("utf-8")
        self.assertIn('name="Projects"', wb)

    # --- import ----------------------------------------------------
    def test_dry_run_reports_rows_and_columns(self):
        data = "\ufeff" + HEADER + "\r\n" + "\r\n".join([
            "长寿新材料项目,,Changshou Chem,private,山东,新材料,长寿区,,olga,,,",
            "坏区县项目,,X,private,,,Atlantis,,,,,",
            ",,NoName,private,,,,,,,,",
            "缺投资方,,,private,,,,,,,,",
            "错日期,,Y,foreign,,,,signed,,2021-02-30,100,",
            "签约无金额,,Y,foreign,,,,signed,,2021-02-01,,",
            "阶段不符,,Y,hmt,,,,signed,,,,",
            "线索有签约,,Y,hmt,,,,lead,,2021-02-01,100,",
            "金额错,,Y,hmt,,,,signed,,2021-02-01,-5,",
            "类型错,,Y,state,,,,,,,,",
            "未知官员,,Y,private,,,,,nobody,,,",
            "Excel日期,Excel date,Z,民企,guangdong-hong kong-macao greater bay area,integrated circuits,"
            "yubei,已签约,,2021/3/7,\"1,500\",\"a, b\"",
            # A signing is a fact: not dated after today.
            "未来签约,,Y,foreign,,,,signed,,2099/1/1,100,",
            # A viewer cannot be the responsible officer.
            "观察员负责,,Y,private,,,,,vera,,,",
        ]) + "\r\n"
        n = self.count()
        audits = self.p.sql("SELECT count(*) FROM audit_log")[0][0]
        r = self.imp(data)
        self.assertStatus(r, 200)
        out = r.json
        self.assertEqual(out["rows"], 14)
        got = {(e["row"], e["column"]) for e in out["errors"]}
        want = {(3, "district"), (4, "name_zh"), (5, "investor"),
                (6, "signed_on"), (7, "signing_wan"), (8, "stage"),
                (9, "stage"), (10, "signing_wan"), (11, "investor_type"),
                (12, "officer"), (14, "signed_on"), (15, "officer")}
        self.assertEqual(got, want, out["errors"])
        self.assertEqual(out["valid"], 2)
        for e in out["errors"]:
            self.assertTrue(e["message"])
        prev = {x["row"]: x for x in out["preview"]}
        self.assertEqual(prev[2]["source_region"], "shandong")
        self.assertEqual(prev[2]["industry_chain"], "new_materials")
        self.assertEqual(prev[2]["district"], "changshou")
        self.assertEqual(prev[2]["stage"], "lead")
        self.assertIsInstance(prev[2]["officer_id"], int)
        self.assertEqual(prev[13]["signed_on"], "2021-03-07")
        self.assertEqual(prev[13]["signing_wan"], 1500)
        self.assertEqual(prev[13]["investor_type"], "private")
        self.assertEqual(prev[13]["source_region"], "gba")
        self.assertEqual(prev[13]["industry_chain"], "semiconductors")
        self.assertEqual(prev[13]["stage"], "signed")
        self.assertEqual(prev[13]["notes"], "a, b")
        self.assertEqual(self.count(), n)  # a dry run writes nothing
        # A commit of the same file is all-or-nothing.
        r = self.imp(data, mode="commit")
        self.assertEqual(r.status, 422, r)
        self.assertEqual(r.json["error"]["code"], "validation_failed")
        self.assertEqual(len(r.json["errors"]), len(want))
        self.assertEqual(self.count(), n)
        self.assertEqual(self.p.sql("SELECT count(*) FROM audit_log")[0][0],
                         audits)

    def test_commit_writes_all_rows(self):
        data = "\n".join([
            HEADER,
            "合川智能制造基地,Hechuan smart factory,Midea,private,gba,"
            "intelligent_manufacturing,合川区,under_construction,OLGA,"
            "2021-04-02,88000,phase 1",
            "涪陵页岩气,,Sinopec,央企,local,green_energy,Fuling District,"
            "negotiating,,,,",
            ",Cancelled deal,Someone,foreign,overseas,,,cancelled,,,,",
        ])
        n = self.count()
        r = self.imp(data, mode="commit", ctype="text/csv")
        self.assertStatus(r, 200)
        self.assertEqual(r.json["imported"], 3)
        ids = r.json["ids"]
        self.assertEqual(self.count(), n + 3)
        p1 = self.c.get("/api/v1/projects/%d" % ids[0]).json
        self.assertEqual(p1["stage"], "under_construction")
        self.assertEqual(p1["signed_on"], "2021-04-02")
        self.assertEqual(p1["signing_wan"], 88000)
        self.assertEqual(p1["contracted_wan"], 88000)
        self.assertEqual(p1["district"], "hechuan")
        self.assertEqual(p1["officer_name"] is not None, True)
        self.assertEqual(p1["notes"], "phase 1")
        hist = self.c.get("/api/v1/projects/%d/stage" % ids[0]).json
        self.assertEqual([e["to"] for e in hist["items"]],
                         ["signed", "under_construction"])
        ledger = self.c.get("/api/v1/projects/%d/contracts" % ids[0]).json
        self.assertEqual([(e["kind"], e["amount_wan"])
                          for e in ledger["items"]], [("signing", 88000)])
        p2 = self.c.get("/api/v1/projects/%d" % ids[1]).json
        self.assertEqual((p2["investor_type"], p2["district"], p2["stage"]),
                         ("central_soe", "fuling", "negotiating"))
        p3 = self.c.get("/api/v1/projects/%d" % ids[2]).json
        self.assertEqual((p3["name_zh"], p3["name_en"], p3["stage"]),
                         ("", "Cancelled deal", "cancelled"))
        rows = self.p.sql("SELECT after FROM audit_log WHERE action = "
                          "'project.import' ORDER BY id DESC LIMIT 1")
        self.assertEqual(json.loads(rows[0][0])["imported"], 3)
        # Imported projects are searchable at once.
        r = self.c.get("/api/v1/projects?q=%E9%A1%B5%E5%B2%A9")  # 页岩
        self.assertEqual([x["id"] for x in r.json["items"]], [ids[1]])

    def test_gb18030(self):
        text = (HEADER + "\r\n"
                "璧山新能源汽车配件,,比亚迪,民营企业,广东,新能源汽车,璧山区,,,,,"
                "中文备注\r\n")
        data = text.encode("gb18030")
        with self.assertRaises(UnicodeDecodeError):
            data.decode("utf-8")
        r = self.imp(data)
        self.assertStatus(r, 200)
        self.assertEqual(r.json["errors"], [])
        self.assertEqual(r.json["preview"][0]["name_zh"], "璧山新能源汽车配件")
        self.assertEqual(r.json["preview"][0]["district"], "bishan")
        r = self.imp(data, mode="commit")
        self.assertStatus(r, 200)
        p = self.c.get("/api/v1/projects/%d" % r.json["ids"][0]).json
        self.assertEqual(p["investor"], "比亚迪")
        self.assertEqual(p["notes"], "中文备注")
        # With GB18030's byte order mark.
        r = self.imp(b"\x84\x31\x95\x33" + data)
        self.assertStatus(r, 200)
        self.assertEqual(r.json["errors"], [])
        # UTF-16 (Excel's "Unicode text") is neither: refused, not garbled.
        r = self.imp(text.encode("utf-16"))
        self.assertError(r, 400, "validation_failed", "file")

    def test_export_then_import(self):
        self.create(name_zh="往返项目甲", district="tongnan")
        self.create(name_zh="往返项目乙", district="tongnan",
                    investor="-minus start")
        r = self.c.get("/api/v1/projects/export.csv?district=tongnan")
        self.assertStatus(r, 200)
        r = self.imp(r.body)
        self.assertStatus(r, 200)
        self.assertEqual((r.json["rows"], r.json["valid"]), (2, 2),
                         r.json["errors"])
        self.assertEqual(r.json["preview"][1]["investor"], "-minus start")

    def test_refusals(self):
        ok = HEADER + "\n项目,,Inv,private,,,,,,,,\n"
        r = self.imp(ok, ctype="application/json")
        self.assertIn(r.status, (400, 415), r)
        r = self.imp(ok, ctype="text/plain")
        self.assertError(r, 415)
        r = self.imp(ok, mode="maybe")
        self.assertError(r, 400, "validation_failed", "mode")
        r = self.imp(b"")
        self.assertError(r, 400, "validation_failed", "file")
        r = self.imp(HEADER + '\n"unclosed,,Inv,private\n')
        self.assertError(r, 400, "validation_failed", "file")
        r = self.imp(b"name_zh,investor\n\xff\xfe\xfd\x00\n")
        self.assertError(r, 400, "validation_failed", "file")
        r = self.imp("name_zh,investor,investor_type,colour\n项目,I,private,red\n")
        self.assertStatus(r, 200)
        self.assertEqual([(e["row"], e["column"]) for e in r.json["errors"]],
                         [(1, "colour")])
        self.assertEqual(r.json["valid"], 0)
        r = self.imp("name_zh,name_zh,investor,investor_type\n")
        self.assertEqual([(e["row"], e["column"]) for e in r.json["errors"]],
                         [(1, "name_zh")])
        r = self.imp("name_zh,investor_type\n项目,private\n")
        self.assertEqual([(e["row"], e["column"]) for e in r.json["errors"]],
                         [(1, "investor")])
        r = self.imp(HEADER + "\n项目,,Inv,private,,,,,,,,,extra\n")
        self.assertEqual([(e["row"], e["column"]) for e in r.json["errors"]],
                         [(2, None)])
        r = self.imp(ok, mode="commit", client=self.v)
        self.assertError(r, 403)
        # Blank lines count as lines: rows are the file's line numbers.
        r = self.imp(HEADER + "\n\n项目,,Inv,private,,,gotham,,,,,\n")
        self.assertEqual([(e["row"], e["column"]) for e in r.json["errors"]],
                         [(3, "district")])

    def test_many_errors_are_counted(self):
        data = HEADER + "\n" + "".join(
            "项目%d,,Inv,private,,,gotham,,,,,\n" % i for i in range(600))
        r = self.imp(data)
        self.assertStatus(r, 200)
        self.assertEqual((r.json["rows"], r.json["valid"]), (600, 0))
        self.assertEqual(r.json["error_count"], 600)
        self.assertEqual(len(r.json["errors"]), 500)
        self.assertEqual(r.json["errors"][0]["row"], 2)
        self.assertEqual(len(r.json["preview"]), 20)


class ImportLimit(TestCase):
    """The import route takes a raw body under its own limit."""

    def test_413_over_import_limit(self):
        p = Portal(plugins=["staff", "projects"], name="projlimit",
                   config={"server.import_limit": 4096})
        p.start()
        try:
            pw = p.add_user("olga", "officer")
            c = p.client()
            self.assertStatus(c.login("olga", pw), 200)
            row = "项目,,Inv,private,,,,,,,,\n"
            small = (HEADER + "\n" + row * 10).encode("utf-8")
            big = (HEADER + "\n" + row * 400).encode("utf-8")
            self.assertLess(len(small), 4096)
            self.assertGreater(len(big), 4096)
            hdr = {"Content-Type": "text/csv"}
            r = c.request("POST", "/api/v1/projects/import", body=small,
                          headers=hdr)
            self.assertStatus(r, 200)
            self.assertEqual(r.json["valid"], 10)
            r = c.request("POST", "/api/v1/projects/import?mode=commit",
                          body=big, headers=hdr)
            self.assertError(r, 413)
            self.assertEqual(p.sql("SELECT count(*) FROM projects")[0][0], 0)
        finally:
            p.stop()
