"""The projects plugin through the real nginx + bureaud: CRUD and
validation of every field, stage rules, ledgers, version conflicts,
problems, targets, list filters, search, sort and paging, audit entries,
permissions."""

import datetime
import json

from harness import Portal, TestCase

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def today():
    return datetime.datetime.now(SHANGHAI).date()


def days_ago(n):
    return (today() - datetime.timedelta(days=n)).isoformat()


def tomorrow():
    return (today() + datetime.timedelta(days=1)).isoformat()


BASE = {"name_zh": "新能源汽车电池项目", "name_en": "EV battery plant",
        "investor": "Contemporary Amperex", "investor_type": "private",
        "source_region": "hong_kong", "industry_chain": "new_energy_vehicles",
        "district": "yubei"}


class ProjectsPortal(TestCase):
    """One portal per test class; an officer and a viewer."""

    @classmethod
    def setUpClass(cls):
        cls.p = Portal(plugins=["staff", "projects"],
                       name=cls.__name__.lower())
        cls.p.start()
        cls.officer_pw = cls.p.add_user("olga", "officer")
        cls.viewer_pw = cls.p.add_user("vera", "viewer")
        cls.c = cls.p.client()
        r = cls.c.login("olga", cls.officer_pw)
        assert r.status == 200, r
        cls.v = cls.p.client()
        r = cls.v.login("vera", cls.viewer_pw)
        assert r.status == 200, r

    @classmethod
    def tearDownClass(cls):
        cls.p.stop()

    def create(self, **kw):
        # History is back-dated in these tests: the creation entry too.
        body = dict(BASE, stage_effective_on="2020-01-01")
        body.update(kw)
        r = self.c.post("/api/v1/projects", json=body)
        self.assertStatus(r, 201)
        return r.json

    def sign(self, pid, on="2021-03-05", amount=500000):
        r = self.c.post("/api/v1/projects/%d/contracts" % pid,
                        json={"signed_on": on, "amount_wan": amount})
        self.assertStatus(r, 201)
        return r.json

    def audit(self, action, entity_id=None):
        q = ("SELECT action, entity_type, entity_id, before, after "
             "FROM audit_log WHERE action = ?")
        args = [action]
        if entity_id is not None:
            q += " AND entity_id = ?"
            args.append(entity_id)
        return self.p.sql(q + " ORDER BY id", args)


class Crud(ProjectsPortal):

    def test_create_and_get(self):
        r = self.c.post("/api/v1/projects", json=dict(
            BASE, notes="第一期", key_levels={"2021": "municipal"}))
        self.assertStatus(r, 201)
        p = r.json
        self.assertEqual(r.headers.get("location"),
                         "/api/v1/projects/%d" % p["id"])
        self.assertEqual(r.headers.get("etag"), '"1"')
        self.assertEqual(p["stage"], "lead")
        self.assertEqual(p["version"], 1)
        self.assertEqual(p["key_levels"], {"2021": "municipal"})
        self.assertEqual(p["contracted_wan"], 0)
        self.assertIsNone(p["signed_on"])
        self.assertIs(p["is_demo"], False)
        g = self.c.get("/api/v1/projects/%d" % p["id"])
        self.assertStatus(g, 200)
        self.assertEqual(g.json, p)
        self.assertEqual(g.headers.get("etag"), '"1"')
        rows = self.audit("project.create", p["id"])
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0][1], "project")
        self.assertEqual(json.loads(rows[0][4])["name_zh"], BASE["name_zh"])
        # The creation is the first stage entry.
        h = self.c.get("/api/v1/projects/%d/stage" % p["id"]).json
        self.assertEqual(len(h["items"]), 1)
        self.assertIsNone(h["items"][0]["from"])
        self.assertEqual(h["items"][0]["to"], "lead")
        self.assertEqual(h["items"][0]["effective_on"], today().isoformat())

    def test_create_negotiating_and_officer(self):
        uid = self.p.sql("SELECT id FROM users WHERE username = 'olga'")[0][0]
        p = self.create(stage="negotiating", officer_id=uid, name_en="",
                        source_region=None)
        self.assertEqual(p["stage"], "negotiating")
        self.assertEqual(p["officer_id"], uid)
        self.assertIsNone(p["source_region"])

    def test_officer_must_be_active_admin_or_officer(self):
        # Before, any user id was taken: a viewer, an auditor or a
        # deactivated account could be made responsible for a project.
        for name, role in (("fx-aud", "auditor"), ("fx-adm", "admin"),
                           ("fx-gone", "officer")):
            self.p.add_user(name, role)
        self.p.sql("UPDATE users SET active = 0 WHERE username = 'fx-gone'")
        uid = dict(self.p.sql("SELECT username, id FROM users"))
        p = self.create(officer_id=uid["fx-adm"])
        self.assertEqual(p["officer_id"], uid["fx-adm"])
        for name in ("vera", "fx-aud", "fx-gone"):
            with self.subTest(officer=name):
                body = dict(BASE, officer_id=uid[name])
                self.assertError(self.c.post("/api/v1/projects", json=body),
                                 400, "validation_failed", "officer_id")
                self.assertError(self.c.patch(
                    "/api/v1/projects/%d" % p["id"],
                    json={"version": p["version"],
                          "officer_id": uid[name]}),
                    400, "validation_failed", "officer_id")
        # Nothing was written by the refusals.
        g = self.c.get("/api/v1/projects/%d" % p["id"]).json
        self.assertEqual((g["officer_id"], g["version"]),
                         (uid["fx-adm"], p["version"]))
        # An officer deactivated later stays on the record, and the
        # project can still be edited without choosing anew.
        self.p.sql("UPDATE users SET active = 0 WHERE username = 'fx-adm'")
        try:
            r = self.c.patch("/api/v1/projects/%d" % p["id"],
                             json={"version": p["version"], "notes": "x"})
            self.assertStatus(r, 200)
            self.assertEqual(r.json["officer_id"], uid["fx-adm"])
        finally:
            self.p.sql("UPDATE users SET active = 1 WHERE username ="
                       " 'fx-adm'")

    def test_validation_names_each_field(self):
        long = "x" * 201
        cases = [
            ({"name_zh": "", "name_en": ""}, "name_zh"),
            ({"name_zh": None, "name_en": None}, "name_zh"),
            ({"name_zh": long}, "name_zh"),
            ({"name_en": long}, "name_en"),
            ({"name_zh": 12}, "name_zh"),
            ({"name_zh": "bad\u0001name"}, "name_zh"),
            ({"investor": None}, "investor"),
            ({"investor": ""}, "investor"),
            ({"investor": long}, "investor"),
            ({"investor": ["BYD"]}, "investor"),
            ({"investor_type": "state"}, "investor_type"),
            ({"investor_type": None}, "investor_type"),
            ({"source_region": "atlantis"}, "source_region"),
            ({"source_region": 3}, "source_region"),
            ({"industry_chain": "alchemy"}, "industry_chain"),
            ({"district": "gotham"}, "district"),
            ({"stage": "signed"}, "stage"),
            ({"stage": "in_operation"}, "stage"),
            ({"stage": "dreaming"}, "stage"),
            ({"officer_id": 987654}, "officer_id"),
            ({"officer_id": "olga"}, "officer_id"),
            ({"officer_id": 0}, "officer_id"),
            ({"notes": "n" * 4001}, "notes"),
            ({"key_levels": {"1999": "municipal"}}, "key_levels"),
            ({"key_levels": {"2021": "national"}}, "key_levels"),
            ({"key_levels": ["2021"]}, "key_levels"),
            ({"colour": "red"}, "colour"),
            ({"contracted_wan": 5}, "contracted_wan"),
            ({"is_demo": True}, "is_demo"),
            ({"stage_effective_on": "2021-02-29"}, "stage_effective_on"),
            ({"stage_effective_on": "1999-01-01"}, "stage_effective_on"),
            # A stage entry records what happened: not tomorrow.
            ({"stage_effective_on": tomorrow()}, "stage_effective_on"),
            ({"stage_effective_on": "2099-01-01"}, "stage_effective_on"),
        ]
        for change, field in cases:
            body = dict(BASE)
            for k, v in change.items():
                if v is None:
                    body.pop(k, None)
                else:
                    body[k] = v
            if change.get("name_zh", 1) is None:
                body["name_zh"] = None
            r = self.c.post("/api/v1/projects", json=body)
            with self.subTest(change=change):
                self.assertError(r, 400, "validation_failed", field)
        # Limits are in characters: 200 Chinese characters are fine.
        self.create(name_zh="汽" * 200, notes="注" * 4000)
        # Not JSON at all / not an object.
        r = self.c.post("/api/v1/projects", json=[1, 2])
        self.assertError(r, 400)

    def test_patch_versions_and_etag(self):
        p = self.create()
        url = "/api/v1/projects/%d" % p["id"]
        r = self.c.patch(url, json={"district": "jiangbei"})
        self.assertError(r, 400, "validation_failed", "version")
        r = self.c.patch(url, json={"version": 1, "district": "jiangbei",
                                    "notes": "moved"})
        self.assertStatus(r, 200)
        self.assertEqual(r.json["district"], "jiangbei")
        self.assertEqual(r.json["version"], 2)
        self.assertEqual(r.headers.get("etag"), '"2"')
        # A second editor still holding version 1 is refused.
        r = self.c.patch(url, json={"version": 1, "notes": "mine"})
        self.assertError(r, 409, "conflict")
        self.assertEqual(self.c.get(url).json["notes"], "moved")
        # If-Match works like the body's version.
        r = self.c.patch(url, json={"notes": "via etag"},
                         headers={"If-Match": '"2"'})
        self.assertStatus(r, 200)
        r = self.c.patch(url, json={"notes": "stale"},
                         headers={"If-Match": '"2"'})
        self.assertError(r, 409, "conflict")
        # Stage is not patched; names may not both go; null clears.
        r = self.c.patch(url, json={"version": 3, "stage": "negotiating"})
        self.assertError(r, 400, "validation_failed", "stage")
        r = self.c.patch(url, json={"version": 3, "name_zh": "",
                                    "name_en": ""})
        self.assertError(r, 400, "validation_failed")
        r = self.c.patch(url, json={"version": 3, "district": None,
                                    "investor_type": "foreign"})
        self.assertStatus(r, 200)
        self.assertIsNone(r.json["district"])
        self.assertEqual(r.json["investor_type"], "foreign")
        r = self.c.patch(url, json={"version": 4, "district": "gotham"})
        self.assertError(r, 400, "validation_failed", "district")
        r = self.c.patch(url, json={"version": 4, "investor_type": None})
        self.assertError(r, 400, "validation_failed", "investor_type")
        rows = self.audit("project.update", p["id"])
        self.assertEqual(len(rows), 3)
        before, after = json.loads(rows[0][3]), json.loads(rows[0][4])
        self.assertEqual(before["district"], "yubei")
        self.assertEqual(after["district"], "jiangbei")
        r = self.c.patch("/api/v1/projects/99999999", json={"version": 1})
        self.assertError(r, 404, "not_found")

    def test_key_levels_merge(self):
        p = self.create(key_levels={"2020": "district", "2021": "municipal"})
        url = "/api/v1/projects/%d" % p["id"]
        r = self.c.patch(url, json={"version": 1, "key_levels": {
            "2020": "none", "2022": "municipal"}})
        self.assertStatus(r, 200)
        self.assertEqual(r.json["key_levels"],
                         {"2021": "municipal", "2022": "municipal"})

    def test_delete_only_leads(self):
        p = self.create()
        url = "/api/v1/projects/%d" % p["id"]
        r = self.c.delete(url)
        self.assertStatus(r, 200)
        self.assertError(self.c.get(url), 404, "not_found")
        self.assertEqual(len(self.audit("project.delete", p["id"])), 1)
        self.assertEqual(self.p.sql(
            "SELECT count(*) FROM project_stages WHERE project_id = ?",
            (p["id"],))[0][0], 0)
        q = self.create(stage="negotiating")
        r = self.c.delete("/api/v1/projects/%d" % q["id"])
        err = self.assertError(r, 409, "not_deletable")
        self.assertIn("cancel", err["message"])
        self.assertError(self.c.delete(url), 404)

    def test_viewer_reads_but_cannot_write(self):
        p = self.create()
        url = "/api/v1/projects/%d" % p["id"]
        self.assertStatus(self.v.get(url), 200)
        self.assertStatus(self.v.get("/api/v1/projects"), 200)
        self.assertStatus(self.v.get("/api/v1/projects/reference"), 200)
        for method, path, body in [
                ("POST", "/api/v1/projects", BASE),
                ("PATCH", url, {"version": 1, "notes": "x"}),
                ("DELETE", url, None),
                ("POST", url + "/stage", {"to": "negotiating"}),
                ("POST", url + "/contracts",
                 {"signed_on": "2021-01-01", "amount_wan": 1}),
                ("POST", url + "/payments", {"paid_on": "2021-01-01",
                                             "amount_wan": 1,
                                             "evidence": "x"}),
                ("POST", url + "/problems", {"category": "land",
                                             "description": "x"}),
                ("PUT", "/api/v1/targets/2021", {"city": None}),
        ]:
            r = self.v.request(method, path, json=body)
            with self.subTest(method=method, path=path):
                self.assertError(r, 403)
        self.assertEqual(self.c.get(url).json["version"], 1)

    def test_reference(self):
        r = self.c.get("/api/v1/projects/reference")
        self.assertStatus(r, 200)
        ref = r.json
        for key in ("districts", "source_regions", "industry_chains",
                    "investor_types", "stages", "problem_categories"):
            self.assertIn(key, ref)
        self.assertEqual(len(ref["districts"]), 38)
        regions = {x["code"]: x for x in ref["source_regions"]}
        self.assertEqual(regions["hong_kong"]["parent"], "gba")
        self.assertIn("semiconductors",
                      [x["code"] for x in ref["industry_chains"]])
        self.assertEqual(ref["problem_categories"][:5], [
            "environmental_protection", "energy_consumption", "land",
            "talents", "capital"])

    def test_officers(self):
        """The responsible-officer picker: active admins and officers
        only, for anyone with projects.read; the list filter by
        officer."""
        pw = {}
        for name, role in (("oscar", "officer"), ("ada", "admin"),
                           ("odin", "officer"), ("aud", "auditor")):
            pw[name] = self.p.add_user(name, role)
        self.p.sql("UPDATE users SET display_name = 'Oscar Wu', "
                   "title = '招商专员' WHERE username = 'oscar'")
        self.p.sql("UPDATE users SET active = 0 WHERE username = 'odin'")
        uid = dict(self.p.sql("SELECT username, id FROM users"))
        r = self.v.get("/api/v1/projects/officers")
        self.assertStatus(r, 200)
        items = r.json["items"]
        names = [x["username"] for x in items]
        for name in ("olga", "oscar", "ada"):
            self.assertIn(name, names)
        for name in ("odin", "aud", "vera"):
            self.assertNotIn(name, names)
        want = set(u for (u,) in self.p.sql(
            "SELECT username FROM users WHERE active = 1 AND role IN "
            "('admin', 'officer')"))
        self.assertEqual(set(names), want)
        self.assertEqual(len(names), len(set(names)))
        oscar = [x for x in items if x["username"] == "oscar"][0]
        self.assertEqual(oscar, {"id": uid["oscar"], "username": "oscar",
                                 "display_name": "Oscar Wu",
                                 "title": "招商专员"})
        for x in items:
            self.assertEqual(sorted(x), ["display_name", "id", "title",
                                         "username"])
        # Sorted by display name (case-insensitive), ties by id.
        keys = [(x["display_name"].lower(), x["id"]) for x in items]
        self.assertEqual(keys, sorted(keys))
        # Needs a session with projects.read: not anonymous, not auditors.
        self.assertError(self.p.client().get("/api/v1/projects/officers"),
                         401)
        a = self.p.client()
        self.assertStatus(a.login("aud", pw["aud"]), 200)
        self.assertError(a.get("/api/v1/projects/officers"), 403)
        # A pick round-trips: set, shown by name, filtered by, cleared.
        p = self.create()
        r = self.c.patch("/api/v1/projects/%d" % p["id"], json={
            "version": p["version"], "officer_id": oscar["id"]})
        self.assertStatus(r, 200)
        self.assertEqual(r.json["officer_id"], oscar["id"])
        self.assertEqual(r.json["officer_name"], "Oscar Wu")
        r = self.c.get("/api/v1/projects?officer_id=%d" % oscar["id"])
        self.assertStatus(r, 200)
        self.assertEqual([x["id"] for x in r.json["items"]], [p["id"]])
        self.assertEqual(r.json["items"][0]["officer_name"], "Oscar Wu")
        self.assertError(self.c.get("/api/v1/projects?officer_id=x"), 400,
                         "validation_failed", "officer_id")
        r = self.c.patch("/api/v1/projects/%d" % p["id"], json={
            "version": r.json["items"][0]["version"], "officer_id": None})
        self.assertStatus(r, 200)
        self.assertIsNone(r.json["officer_id"])
        self.assertEqual(self.c.get("/api/v1/projects?officer_id=%d"
                                    % oscar["id"]).json["total"], 0)

    def test_public_views(self):
        p = self.create()
        self.sign(p["id"], "2021-04-01", 1000)
        row = self.p.sql("SELECT id, stage, signed_on, signing_wan, "
                         "contracted_wan, paid_in_wan, is_demo FROM "
                         "projects_v WHERE id = ?", (p["id"],))
        self.assertEqual(row, [(p["id"], "signed", "2021-04-01", 1000, 1000,
                                0, 0)])
        for view in ("project_stages_v", "project_contracts_v",
                     "project_payments_v", "proj_source_regions_v",
                     "project_key_levels_v"):
            self.p.sql("SELECT * FROM %s LIMIT 1" % view)


class Stages(ProjectsPortal):

    def post(self, pid, **body):
        return self.c.post("/api/v1/projects/%d/stage" % pid, json=body)

    def test_forward_path_and_history(self):
        p = self.create()
        pid = p["id"]
        r = self.post(pid, to="negotiating", effective_on="2021-01-10")
        self.assertStatus(r, 201)
        self.assertEqual(r.json["project"]["stage"], "negotiating")
        self.assertEqual(r.json["project"]["version"], 2)
        # signed only through the first contract entry
        self.assertError(self.post(pid, to="signed",
                                   effective_on="2021-02-01"),
                         409, "invalid_transition", "to")
        # no skipping
        self.assertError(self.post(pid, to="under_construction",
                                   effective_on="2021-02-01"),
                         409, "invalid_transition", "to")
        self.sign(pid, "2021-03-05")
        self.assertStatus(self.post(pid, to="under_construction",
                                    effective_on="2021-06-01"), 201)
        self.assertError(self.post(pid, to="in_operation",
                                   effective_on="2021-05-01"),
                         400, "validation_failed", "effective_on")
        self.assertStatus(self.post(pid, to="in_operation",
                                    effective_on="2021-11-30"), 201)
        self.assertError(self.post(pid, to="cancelled"), 409,
                         "invalid_transition")
        self.assertError(self.post(pid, to="in_operation"), 409,
                         "invalid_transition")
        h = self.c.get("/api/v1/projects/%d/stage" % pid).json
        self.assertEqual(h["stage"], "in_operation")
        self.assertEqual([(e["from"], e["to"], e["effective_on"])
                          for e in h["items"]][1:], [
            ("lead", "negotiating", "2021-01-10"),
            ("negotiating", "signed", "2021-03-05"),
            ("signed", "under_construction", "2021-06-01"),
            ("under_construction", "in_operation", "2021-11-30")])
        self.assertEqual(h["items"][1]["actor_name"] is None, False)
        for d, want in [("2021-03-04", "negotiating"),
                        ("2021-03-05", "signed"),
                        ("2021-07-01", "under_construction"),
                        ("2021-12-31", "in_operation")]:
            r = self.c.get("/api/v1/projects/%d/stage?as_of=%s" % (pid, d))
            self.assertEqual(r.json["stage_as_of"], want, d)
        # The signing's stage entry is audited as project.contract.
        self.assertEqual(len(self.audit("project.stage", pid)), 3)

    def test_backward_needs_reason(self):
        p = self.create(stage="negotiating")
        pid = p["id"]
        self.sign(pid, "2021-03-05")
        self.assertStatus(self.post(pid, to="under_construction",
                                    effective_on="2021-04-01"), 201)
        self.assertError(self.post(pid, to="signed",
                                   effective_on="2021-05-01"),
                         400, "validation_failed", "reason")
        self.assertError(self.post(pid, to="signed", reason="",
                                   effective_on="2021-05-01"),
                         400, "validation_failed", "reason")
        r = self.post(pid, to="signed", effective_on="2021-05-01",
                      reason="land dispute stopped the works")
        self.assertStatus(r, 201)
        self.assertEqual(r.json["project"]["stage"], "signed")

    def test_future_date_cannot_block_history(self):
        # Before, a mistyped year (2091 for 2021) was accepted, and as
        # later entries may not precede it, the project's history was
        # stuck until 2091.
        pid = self.create()["id"]
        self.assertError(self.post(pid, to="negotiating",
                                   effective_on="2091-03-01"),
                         400, "validation_failed", "effective_on")
        r = self.post(pid, to="negotiating", effective_on="2021-03-01")
        self.assertStatus(r, 201)
        # Today itself is fine, and the default.
        self.assertStatus(self.post(pid, to="cancelled",
                                    effective_on=today().isoformat()), 201)
        h = self.c.get("/api/v1/projects/%d/stage" % pid).json
        self.assertEqual([e["effective_on"] for e in h["items"]][1:],
                         ["2021-03-01", today().isoformat()])
        self.assertEqual(len(self.audit("project.stage", pid)), 2)

    def test_cancel_and_revive(self):
        p = self.create()
        pid = p["id"]
        self.assertStatus(self.post(pid, to="cancelled"), 201)
        self.assertError(self.post(pid, to="lead"), 400,
                         "validation_failed", "reason")
        self.assertError(self.post(pid, to="signed", reason="back"), 409,
                         "invalid_transition")
        r = self.post(pid, to="negotiating", reason="investor returned")
        self.assertStatus(r, 201)
        # a signed project may be cancelled too
        self.sign(pid, today().isoformat())
        self.assertStatus(self.post(pid, to="cancelled"), 201)

    def test_validation(self):
        pid = self.create()["id"]
        self.assertError(self.post(pid, to="bogus"), 400,
                         "validation_failed", "to")
        self.assertError(self.post(pid), 400, "validation_failed", "to")
        self.assertError(self.post(pid, to="negotiating",
                                   effective_on="2021-02-29"),
                         400, "validation_failed", "effective_on")
        self.assertError(self.post(pid, to="negotiating",
                                   effective_on="21-01-01"),
                         400, "validation_failed", "effective_on")
        self.assertError(self.post(pid, to="negotiating", why="x"),
                         400, "validation_failed", "why")
        # Not in the future (Asia/Shanghai today is the latest date).
        for d in (tomorrow(), "2100-12-31"):
            self.assertError(self.post(pid, to="negotiating",
                                       effective_on=d),
                             400, "validation_failed", "effective_on")
        self.assertError(self.post(pid, to="lead"), 409,
                         "invalid_transition")
        r = self.c.post("/api/v1/projects/99999999/stage",
                        json={"to": "negotiating"})
        self.assertError(r, 404)


class Ledgers(ProjectsPortal):

    def contract(self, pid, **body):
        return self.c.post("/api/v1/projects/%d/contracts" % pid, json=body)

    def pay(self, pid, **body):
        body.setdefault("evidence", "bank receipt")
        return self.c.post("/api/v1/projects/%d/payments" % pid, json=body)

    def assert_caches(self, pid):
        row = self.p.sql(
            "SELECT p.contracted_wan, p.paid_in_wan, p.signing_wan, "
            "p.signed_on, "
            "(SELECT coalesce(sum(amount_wan),0) FROM project_contracts "
            " WHERE project_id = p.id), "
            "(SELECT coalesce(sum(amount_wan),0) FROM project_payments "
            " WHERE project_id = p.id), "
            "(SELECT amount_wan FROM project_contracts WHERE project_id ="
            " p.id ORDER BY id LIMIT 1), "
            "(SELECT signed_on FROM project_contracts WHERE project_id ="
            " p.id ORDER BY id LIMIT 1) FROM projects p WHERE id = ?",
            (pid,))[0]
        self.assertEqual(row[0], row[4])
        self.assertEqual(row[1], row[5])
        self.assertEqual(row[2], row[6] or 0)
        self.assertEqual(row[3], row[7])
        return row

    def test_signing_amendments_payments(self):
        pid = self.create()["id"]
        r = self.contract(pid, signed_on="2021-03-05", amount_wan=500000,
                          note="Smart China Expo")
        self.assertStatus(r, 201)
        self.assertEqual(r.json["entry"]["kind"], "signing")
        proj = r.json["project"]
        self.assertEqual(proj["stage"], "signed")
        self.assertEqual(proj["signed_on"], "2021-03-05")
        self.assertEqual(proj["signing_wan"], 500000)
        self.assertEqual(proj["contracted_wan"], 500000)
        r = self.contract(pid, signed_on="2021-09-10", amount_wan=100000)
        self.assertStatus(r, 201)
        self.assertEqual(r.json["entry"]["kind"], "amendment")
        self.assertEqual(r.json["project"]["contracted_wan"], 600000)
        self.assertEqual(r.json["project"]["signing_wan"], 500000)
        self.assertEqual(r.json["project"]["signed_on"], "2021-03-05")
        r = self.contract(pid, kind="amendment", signed_on="2022-01-10",
                          amount_wan=-50000)
        self.assertStatus(r, 201)
        self.assertEqual(r.json["project"]["contracted_wan"], 550000)
        self.assert_caches(pid)

        self.assertStatus(self.pay(pid, paid_on="2021-04-01",
                                   amount_wan=300000), 201)
        r = self.pay(pid, paid_on="2021-05-01", amount_wan=250000)
        self.assertStatus(r, 201)
        self.assertEqual(r.json["project"]["paid_in_wan"], 550000)
        # Paid-in may not pass contracted...
        r = self.pay(pid, paid_on="2021-06-01", amount_wan=1)
        self.assertError(r, 409, "over_contract", "amount_wan")
        # ... unless overridden, which is audited on its own.
        r = self.pay(pid, paid_on="2021-06-01", amount_wan=1, override=True)
        self.assertStatus(r, 201)
        self.assertIs(r.json["entry"]["override"], True)
        self.assertEqual(r.json["project"]["paid_in_wan"], 550001)
        self.assertEqual(len(self.audit("project.payment.override", pid)), 1)
        self.assertEqual(len(self.audit("project.payment", pid)), 2)
        self.assertEqual(len(self.audit("project.contract", pid)), 3)
        # An amendment may not take the total below paid-in.
        r = self.contract(pid, signed_on="2022-02-01", amount_wan=-10)
        self.assertError(r, 400, "validation_failed", "amount_wan")
        self.assert_caches(pid)

        lst = self.c.get("/api/v1/projects/%d/contracts" % pid).json
        self.assertEqual(lst["total"], 3)
        self.assertEqual(lst["contracted_wan"], 550000)
        self.assertEqual([e["amount_wan"] for e in lst["items"]],
                         [500000, 100000, -50000])
        pays = self.c.get("/api/v1/projects/%d/payments" % pid).json
        self.assertEqual(pays["total"], 3)
        self.assertEqual(pays["paid_in_wan"], 550001)
        view = self.p.sql("SELECT sum(amount_wan) FROM project_payments_v "
                          "WHERE project_id = ?", (pid,))[0][0]
        self.assertEqual(view, 550001)
        # every ledger write raised the version
        self.assertEqual(self.c.get("/api/v1/projects/%d" % pid)
                         .json["version"], 7)

    def test_contract_validation(self):
        pid = self.create()["id"]
        for body, field in [
                ({"signed_on": "2021-03-05"}, "amount_wan"),
                ({"amount_wan": 5}, "signed_on"),
                ({"signed_on": "2021-02-30", "amount_wan": 5}, "signed_on"),
                ({"signed_on": "1999-12-31", "amount_wan": 5}, "signed_on"),
                ({"signed_on": "2101-01-01", "amount_wan": 5}, "signed_on"),
                ({"signed_on": tomorrow(), "amount_wan": 5}, "signed_on"),
                ({"signed_on": "2091-03-05", "amount_wan": 5}, "signed_on"),
                ({"signed_on": "2021-03-05", "amount_wan": 0}, "amount_wan"),
                ({"signed_on": "2021-03-05", "amount_wan": -5}, "amount_wan"),
                ({"signed_on": "2021-03-05", "amount_wan": 1000000001},
                 "amount_wan"),
                ({"signed_on": "2021-03-05", "amount_wan": 1.5},
                 "amount_wan"),
                ({"signed_on": "2021-03-05", "amount_wan": "5"},
                 "amount_wan"),
                ({"signed_on": "2021-03-05", "amount_wan": 5,
                  "kind": "amendment"}, "kind"),
                ({"signed_on": "2021-03-05", "amount_wan": 5,
                  "kind": "gift"}, "kind"),
                ({"signed_on": "2021-03-05", "amount_wan": 5,
                  "note": "n" * 1001}, "note"),
                ({"signed_on": "2021-03-05", "amount_wan": 5,
                  "extra": 1}, "extra"),
        ]:
            with self.subTest(body=body):
                self.assertError(self.contract(pid, **body), 400,
                                 "validation_failed", field)
        # Nothing was written by the refusals.
        self.assertEqual(self.c.get("/api/v1/projects/%d" % pid)
                         .json["stage"], "lead")
        self.sign(pid, "2021-03-05", 100)
        for body, field in [
                ({"signed_on": "2021-03-04", "amount_wan": 5}, "signed_on"),
                ({"signed_on": "2021-04-01", "amount_wan": 0}, "amount_wan"),
                ({"signed_on": "2021-04-01", "amount_wan": -101},
                 "amount_wan"),
                ({"signed_on": "2021-04-01", "amount_wan": 5,
                  "kind": "signing"}, "kind"),
                ({"signed_on": tomorrow(), "amount_wan": 5}, "signed_on"),
        ]:
            with self.subTest(body=body):
                self.assertError(self.contract(pid, **body), 400,
                                 "validation_failed", field)
        # The signing date may not precede the last stage change.
        q = self.create()["id"]
        self.c.post("/api/v1/projects/%d/stage" % q,
                    json={"to": "negotiating", "effective_on": "2021-05-01"})
        self.assertError(self.contract(q, signed_on="2021-04-01",
                                       amount_wan=5), 400,
                         "validation_failed", "signed_on")
        # A cancelled project cannot be signed.
        self.c.post("/api/v1/projects/%d/stage" % q,
                    json={"to": "cancelled", "effective_on": "2021-05-02"})
        self.assertError(self.contract(q, signed_on="2021-06-01",
                                       amount_wan=5), 409, "invalid_stage")
        self.assertError(self.contract(99999999, signed_on="2021-06-01",
                                       amount_wan=5), 404)

    def test_payment_validation(self):
        pid = self.create()["id"]
        self.sign(pid, "2021-03-05", 100)
        for body, field in [
                ({"amount_wan": 5, "evidence": "x"}, "paid_on"),
                ({"paid_on": "2021-13-01", "amount_wan": 5,
                  "evidence": "x"}, "paid_on"),
                ({"paid_on": "2021-04-01", "evidence": "x"}, "amount_wan"),
                ({"paid_on": "2021-04-01", "amount_wan": 0,
                  "evidence": "x"}, "amount_wan"),
                ({"paid_on": "2021-04-01", "amount_wan": -3,
                  "evidence": "x"}, "amount_wan"),
                ({"paid_on": "2021-04-01", "amount_wan": 5}, "evidence"),
                ({"paid_on": "2021-04-01", "amount_wan": 5,
                  "evidence": ""}, "evidence"),
                ({"paid_on": "2021-04-01", "amount_wan": 5,
                  "evidence": "x", "override": "yes"}, "override"),
                # Money paid tomorrow is not money in place.
                ({"paid_on": tomorrow(), "amount_wan": 5,
                  "evidence": "x"}, "paid_on"),
                ({"paid_on": "2099-12-31", "amount_wan": 5,
                  "evidence": "x", "override": True}, "paid_on"),
        ]:
            with self.subTest(body=body):
                r = self.c.post("/api/v1/projects/%d/payments" % pid,
                                json=body)
                self.assertError(r, 400, "validation_failed", field)
        self.assertEqual(self.c.get("/api/v1/projects/%d" % pid)
                         .json["paid_in_wan"], 0)
        # Not before the signing (2021-03-05), override or not.
        for override in (False, True):
            self.assertError(self.pay(pid, paid_on="2021-03-04",
                                      amount_wan=5, override=override),
                             400, "validation_failed", "paid_on")
        self.assertStatus(self.pay(pid, paid_on="2021-03-05",
                                   amount_wan=5), 201)

    def test_payment_needs_a_signed_project(self):
        # Before, money could be booked into a lead (with the override)
        # or into a cancelled project: not money in place under a
        # contract.
        lead = self.create()["id"]
        nego = self.create(stage="negotiating")["id"]
        for pid in (lead, nego):
            for override in (False, True):
                with self.subTest(pid=pid, override=override):
                    self.assertError(self.pay(pid, paid_on="2021-01-01",
                                              amount_wan=5,
                                              override=override),
                                     409, "invalid_stage", "stage")
        # Signed, under construction, in operation: accepted.
        pid = self.create()["id"]
        self.sign(pid, "2021-03-05", 1000)
        stage = "/api/v1/projects/%d/stage" % pid
        self.assertStatus(self.pay(pid, paid_on="2021-03-06",
                                   amount_wan=1), 201)
        self.assertStatus(self.c.post(stage, json={
            "to": "under_construction", "effective_on": "2021-04-01"}), 201)
        self.assertStatus(self.pay(pid, paid_on="2021-04-02",
                                   amount_wan=1), 201)
        self.assertStatus(self.c.post(stage, json={
            "to": "in_operation", "effective_on": "2021-05-01"}), 201)
        self.assertStatus(self.pay(pid, paid_on="2021-05-02",
                                   amount_wan=1), 201)
        # Cancelled (a signed project this time): refused again.
        q = self.create()["id"]
        self.sign(q, "2021-03-05", 1000)
        self.assertStatus(self.c.post("/api/v1/projects/%d/stage" % q, json={
            "to": "cancelled", "effective_on": "2021-06-01"}), 201)
        for override in (False, True):
            self.assertError(self.pay(q, paid_on="2021-06-02", amount_wan=5,
                                      override=override),
                             409, "invalid_stage", "stage")
        # A signed project moved back into negotiation takes none either.
        r = self.create()["id"]
        self.sign(r, "2021-03-05", 1000)
        self.assertStatus(self.c.post("/api/v1/projects/%d/stage" % r, json={
            "to": "negotiating", "effective_on": "2021-03-10",
            "reason": "contract reopened"}), 201)
        self.assertError(self.pay(r, paid_on="2021-03-11", amount_wan=5),
                         409, "invalid_stage", "stage")
        # Nothing was written by the refusals.
        for p in (lead, nego, q, r):
            self.assertEqual(self.c.get("/api/v1/projects/%d" % p)
                             .json["paid_in_wan"], 0)
        self.assertEqual(self.c.get("/api/v1/projects/%d" % pid)
                         .json["paid_in_wan"], 3)


class Problems(ProjectsPortal):

    def test_lifecycle(self):
        pid = self.create(district="jiangjin")["id"]
        url = "/api/v1/projects/%d/problems" % pid
        r = self.c.post(url, json={"category": "land",
                                   "description": "Land quota for phase 2",
                                   "owner": "Jiangjin land bureau",
                                   "opened_on": days_ago(40)})
        self.assertStatus(r, 201)
        prob = r.json
        self.assertEqual(prob["status"], "open")
        self.assertEqual(prob["escalation"], "district")
        self.assertEqual(prob["age_days"], 40)
        self.assertEqual(prob["version"], 1)
        purl = "%s/%d" % (url, prob["id"])
        self.assertEqual(r.headers.get("location"), purl)
        self.assertEqual(len(self.audit("problem.create", prob["id"])), 1)

        r = self.c.patch(purl, json={"version": 1, "escalation": "bureau",
                                     "status": "in_progress"})
        self.assertStatus(r, 200)
        self.assertEqual(r.json["escalation"], "bureau")
        r = self.c.patch(purl, json={"version": 2, "escalation": "district"})
        self.assertError(r, 400, "validation_failed", "escalation")
        r = self.c.patch(purl, json={"version": 1, "owner": "me"})
        self.assertError(r, 409, "conflict")
        r = self.c.patch(purl, json={"version": 2, "status": "resolved"})
        self.assertError(r, 400, "validation_failed", "resolution")
        r = self.c.patch(purl, json={"version": 2, "status": "resolved",
                                     "resolution": "quota granted"})
        self.assertError(r, 400, "validation_failed", "resolved_on")
        r = self.c.patch(purl, json={"version": 2, "status": "resolved",
                                     "resolution": "quota granted",
                                     "resolved_on": days_ago(41)})
        self.assertError(r, 400, "validation_failed", "resolved_on")
        r = self.c.patch(purl, json={"version": 2, "status": "resolved",
                                     "resolution": "quota granted",
                                     "resolved_on": days_ago(10)})
        self.assertStatus(r, 200)
        self.assertEqual(r.json["status"], "resolved")
        self.assertEqual(r.json["age_days"], 30)
        rows = self.audit("problem.update", prob["id"])
        self.assertEqual(len(rows), 2)
        self.assertEqual(json.loads(rows[1][3])["status"], "in_progress")
        self.assertEqual(json.loads(rows[1][4])["status"], "resolved")
        # Reopening clears the date.
        r = self.c.patch(purl, json={"version": 3, "status": "open"})
        self.assertStatus(r, 200)
        self.assertIsNone(r.json["resolved_on"])
        # If-Match stands for the version, read as strictly as for a
        # project: an ETag with trailing junk is no version 4.
        for im in ('"4x"', '4 5', '"4', '"-4"', '""'):
            with self.subTest(if_match=im):
                self.assertError(self.c.patch(purl, json={"owner": "x"},
                                              headers={"If-Match": im}),
                                 400, "validation_failed", "version")
        r = self.c.patch(purl, json={"owner": "ok"},
                         headers={"If-Match": 'W/"4"'})
        self.assertStatus(r, 200)
        self.assertEqual(r.json["version"], 5)
        self.assertEqual(r.headers.get("etag"), '"5"')
        # Not this project's problem.
        other = self.create()["id"]
        r = self.c.patch("/api/v1/projects/%d/problems/%d"
                         % (other, prob["id"]), json={"version": 5})
        self.assertError(r, 404)
        lst = self.c.get(url).json
        self.assertEqual(lst["total"], 1)

    def test_validation(self):
        pid = self.create()["id"]
        url = "/api/v1/projects/%d/problems" % pid
        ok = {"category": "capital", "description": "Loan pending"}
        for change, field in [
                ({"category": "weather"}, "category"),
                ({"category": None}, "category"),
                ({"description": ""}, "description"),
                ({"description": None}, "description"),
                ({"description": "d" * 4001}, "description"),
                ({"owner": "o" * 201}, "owner"),
                ({"status": "stuck"}, "status"),
                ({"escalation": "national"}, "escalation"),
                ({"opened_on": "2021-02-30"}, "opened_on"),
                ({"opened_on": (today() + datetime.timedelta(days=2))
                  .isoformat()}, "opened_on"),
                ({"status": "resolved"}, "resolution"),
                ({"status": "resolved", "resolution": "done"}, "resolved_on"),
                ({"status": "open", "resolved_on": days_ago(1)},
                 "resolved_on"),
                ({"priority": 1}, "priority"),
        ]:
            body = dict(ok)
            for k, v in change.items():
                if v is None:
                    body.pop(k)
                else:
                    body[k] = v
            with self.subTest(change=change):
                self.assertError(self.c.post(url, json=body), 400,
                                 "validation_failed", field)
        self.assertError(self.c.post("/api/v1/projects/99999999/problems",
                                     json=ok), 404)

    def test_board_across_projects(self):
        a = self.create(district="wanzhou")["id"]
        b = self.create(district="fuling")["id"]
        mk = lambda pid, **kw: self.assertStatus(self.c.post(
            "/api/v1/projects/%d/problems" % pid, json=dict(
                {"description": "d"}, **kw)), 201).json
        p1 = mk(a, category="environmental_protection", opened_on=days_ago(90),
                escalation="municipal")
        p2 = mk(a, category="energy_consumption", opened_on=days_ago(5))
        p3 = mk(b, category="talents", opened_on=days_ago(60),
                status="in_progress")
        p4 = mk(b, category="capital", opened_on=days_ago(100),
                status="resolved", resolution="loan", resolved_on=days_ago(1))
        ids = lambda r: [x["id"] for x in self.assertStatus(r, 200).json[
            "items"] if x["project_id"] in (a, b)]
        r = self.c.get("/api/v1/problems?limit=200")
        self.assertEqual(ids(r), [p1["id"], p3["id"], p2["id"]])
        for x in r.json["items"]:
            self.assertIn("age_days", x)
            self.assertNotEqual(x["status"], "resolved")
        self.assertEqual(ids(self.c.get(
            "/api/v1/problems?district=fuling")), [p3["id"]])
        self.assertEqual(ids(self.c.get(
            "/api/v1/problems?category=energy_consumption")), [p2["id"]])
        self.assertEqual(ids(self.c.get(
            "/api/v1/problems?escalation=municipal")), [p1["id"]])
        self.assertEqual(ids(self.c.get(
            "/api/v1/problems?min_age_days=30&limit=200")),
            [p1["id"], p3["id"]])
        self.assertEqual(ids(self.c.get(
            "/api/v1/problems?status=resolved")), [p4["id"]])
        self.assertEqual(ids(self.c.get(
            "/api/v1/problems?status=all&project_id=%d" % b)),
            [p4["id"], p3["id"]])
        for q, field in [("status=late", "status"),
                         ("category=x", "category"),
                         ("district=gotham", "district"),
                         ("min_age_days=-1", "min_age_days"),
                         ("limit=500", "limit")]:
            self.assertError(self.c.get("/api/v1/problems?" + q), 400,
                             "validation_failed", field)


class Targets(ProjectsPortal):

    def test_put_get_replace(self):
        r = self.c.get("/api/v1/targets/2030")
        self.assertStatus(r, 200)
        self.assertEqual(r.json, {"year": 2030, "city": None,
                                  "districts": []})
        body = {"city": {"contracted_wan": 160000000,
                         "paid_in_wan": 33000000},
                "districts": [{"district": "yubei", "contracted_wan": 100,
                               "paid_in_wan": 10},
                              {"district": "jiangjin",
                               "contracted_wan": 200,
                               "paid_in_wan": 20}]}
        r = self.c.put("/api/v1/targets/2030", json=body)
        self.assertStatus(r, 200)
        self.assertEqual(r.json["city"], body["city"])
        got = {d["district"]: (d["contracted_wan"], d["paid_in_wan"])
               for d in self.c.get("/api/v1/targets/2030").json["districts"]}
        self.assertEqual(got, {"yubei": (100, 10), "jiangjin": (200, 20)})
        rows = self.audit("targets.update", 2030)
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0][1], "targets")
        r = self.c.put("/api/v1/targets/2030", json={"city": {
            "contracted_wan": 1, "paid_in_wan": 2}})
        self.assertStatus(r, 200)
        self.assertEqual(r.json["districts"], [])
        before = json.loads(self.audit("targets.update", 2030)[1][3])
        self.assertEqual(len(before["districts"]), 2)

    def test_validation(self):
        ok = {"contracted_wan": 1, "paid_in_wan": 1}
        for body, field in [
                ({"city": {"contracted_wan": -1, "paid_in_wan": 1}},
                 "city.contracted_wan"),
                ({"city": {"contracted_wan": 1}}, "city.paid_in_wan"),
                ({"city": {"contracted_wan": 1, "paid_in_wan": 1, "x": 1}},
                 "x"),
                ({"city": 5}, "city"),
                ({"districts": {}}, "districts"),
                ({"districts": [dict(ok, district="gotham")]},
                 "districts[0].district"),
                ({"districts": [dict(ok)]}, "districts[0].district"),
                ({"districts": [dict(ok, district="yubei"),
                                dict(ok, district="yubei")]},
                 "districts[1].district"),
                ({"districts": [{"district": "yubei", "contracted_wan": 1,
                                 "paid_in_wan": 1.5}]},
                 "districts[0].paid_in_wan"),
                ({"year": 2021}, "year"),
        ]:
            with self.subTest(body=body):
                self.assertError(self.c.put("/api/v1/targets/2031",
                                            json=body), 400,
                                 "validation_failed", field)
        self.assertError(self.c.put("/api/v1/targets/1999", json={}), 400,
                         "validation_failed", "year")
        self.assertError(self.c.get("/api/v1/targets/2101"), 400,
                         "validation_failed", "year")


class ListSearch(ProjectsPortal):
    """A small dataset of its own: filters, search, sort, paging."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        c = cls.c

        def mk(sign=None, amend=None, **kw):
            body = dict(BASE, stage_effective_on="2019-01-01")
            body.update(kw)
            r = c.post("/api/v1/projects", json=body)
            assert r.status == 201, r
            pid = r.json["id"]
            if sign:
                r = c.post("/api/v1/projects/%d/contracts" % pid,
                           json={"signed_on": sign[0],
                                 "amount_wan": sign[1]})
                assert r.status == 201, r
            if amend:
                r = c.post("/api/v1/projects/%d/contracts" % pid,
                           json={"signed_on": amend[0],
                                 "amount_wan": amend[1]})
                assert r.status == 201, r
            return pid

        cls.byd = mk(name_zh="比亚迪动力电池全球总部",
                     name_en="BYD Power Battery Global HQ", investor="BYD",
                     source_region="guangdong", district="liangping",
                     industry_chain="new_energy_vehicles",
                     sign=("2021-03-01", 300000),
                     key_levels={"2021": "municipal"})
        cls.cr = mk(name_zh="华润微电子12英寸晶圆基地",
                    name_en="China Resources 12-inch wafer base",
                    investor="China Resources Microelectronics",
                    investor_type="central_soe", source_region="hong_kong",
                    industry_chain="semiconductors", district="shapingba",
                    sign=("2020-06-15", 750000), amend=("2021-02-01", 50000),
                    key_levels={"2021": "municipal", "2020": "district"})
        cls.cq = mk(name_zh="重庆数字经济产业园", name_en="Digital park",
                    investor="重庆城投", investor_type="local_soe",
                    source_region="local", district="yuzhong",
                    industry_chain="digital_economy",
                    sign=("2021-07-20", 20000),
                    key_levels={"2021": "district"})
        cls.sd = mk(name_zh="山东重工汽车零部件", name_en="Shandong auto parts",
                    investor="Weichai", investor_type="local_soe",
                    source_region="shandong", district="jiangjin",
                    industry_chain="automotive")
        cls.en = mk(name_zh="", name_en="alpha Solar Farm",
                    investor="Sun Ltd", investor_type="foreign",
                    source_region="europe", district="yubei",
                    industry_chain="green_energy",
                    sign=("2019-12-31", 10))
        cls.all = [cls.byd, cls.cr, cls.cq, cls.sd, cls.en]

    def ids(self, query):
        r = self.c.get("/api/v1/projects?" + query)
        self.assertStatus(r, 200)
        self.assertEqual(r.json["total"], len(r.json["items"]))
        return [x["id"] for x in r.json["items"]]

    def test_filters(self):
        self.assertEqual(self.ids(""), self.all)
        self.assertEqual(self.ids("stage=signed"),
                         [self.byd, self.cr, self.cq, self.en])
        self.assertEqual(self.ids("stage=lead"), [self.sd])
        self.assertEqual(self.ids("district=yubei"), [self.en])
        self.assertEqual(self.ids("industry_chain=semiconductors"),
                         [self.cr])
        self.assertEqual(self.ids("investor_type=local_soe"),
                         [self.cq, self.sd])
        # A region includes its sub-regions.
        self.assertEqual(self.ids("source_region=gba"), [self.byd, self.cr])
        self.assertEqual(self.ids("source_region=hong_kong"), [self.cr])
        self.assertEqual(self.ids("signed_year=2021"), [self.byd, self.cq])
        self.assertEqual(self.ids("signed_year=2020"), [self.cr])
        self.assertEqual(self.ids("min_contracted_wan=300000"),
                         [self.byd, self.cr])
        self.assertEqual(self.ids("min_contracted_wan=800000"), [self.cr])
        self.assertEqual(self.ids("key_level=municipal&key_year=2021"),
                         [self.byd, self.cr])
        self.assertEqual(self.ids("key_level=district&key_year=2020"),
                         [self.cr])
        self.assertEqual(self.ids("key_level=none&key_year=2021"),
                         [self.sd, self.en])
        self.assertEqual(self.ids("signed_year=2021&source_region=gba"),
                         [self.byd])
        self.assertEqual(self.ids("stage="), self.all)
        for q, field in [("stage=won", "stage"),
                         ("district=gotham", "district"),
                         ("source_region=mars", "source_region"),
                         ("industry_chain=x", "industry_chain"),
                         ("signed_year=21", "signed_year"),
                         ("min_contracted_wan=lots", "min_contracted_wan"),
                         ("key_level=high", "key_level"),
                         ("key_level=municipal&key_year=1066", "key_year"),
                         ("sort=size", "sort"), ("sort=-", "sort"),
                         ("limit=201", "limit"), ("limit=0", "limit"),
                         ("offset=-1", "offset")]:
            with self.subTest(q=q):
                self.assertError(self.c.get("/api/v1/projects?" + q), 400,
                                 "validation_failed", field)

    def test_search(self):
        q = lambda s: self.ids("q=" + __import__("urllib.parse").parse
                               .quote(s))
        self.assertEqual(q("汽车"), [self.sd])          # two characters
        self.assertEqual(q("重庆"), [self.cq])          # in name and investor
        self.assertEqual(q("电池"), [self.byd])
        self.assertEqual(q("晶圆基地"), [self.cr])
        self.assertEqual(q("英寸"), [self.cr])
        self.assertEqual(q("重"), [self.cq, self.sd])   # one character
        self.assertEqual(q("battery"), [self.byd])      # English, any case
        self.assertEqual(q("BATTERY"), [self.byd])
        self.assertEqual(q("batt"), [self.byd])         # prefix
        self.assertEqual(q("byd"), [self.byd])          # investor
        self.assertEqual(q("china resources"), [self.cr])
        self.assertEqual(q("12-inch"), [self.cr])
        self.assertEqual(q("比亚迪 battery"), [self.byd])
        self.assertEqual(q("汽车 battery"), [])
        self.assertEqual(q("重汽"), [])                 # not adjacent
        self.assertEqual(q('"quoted" OR'), [])
        self.assertEqual(q("!!!"), self.all)            # nothing searchable
        self.assertEqual(q("，——"), self.all)
        self.assertEqual(q("汽车，"), [self.sd])
        self.assertEqual(self.ids("q=%E9%87%8D&stage=lead"), [self.sd])
        # The index follows renames.
        r = self.c.patch("/api/v1/projects/%d" % self.en, json={
            "version": self.c.get("/api/v1/projects/%d" % self.en)
            .json["version"], "name_zh": "阿尔法光伏电站"})
        self.assertStatus(r, 200)
        self.assertEqual(q("光伏"), [self.en])
        self.assertEqual(q("电站 solar"), [self.en])

    def test_sort_and_paging(self):
        self.assertEqual(self.ids("sort=-contracted_wan"),
                         [self.cr, self.byd, self.cq, self.en, self.sd])
        self.assertEqual(self.ids("sort=contracted_wan"),
                         [self.sd, self.en, self.cq, self.byd, self.cr])
        self.assertEqual(self.ids("sort=signed_on"),
                         [self.en, self.cr, self.byd, self.cq, self.sd])
        self.assertEqual(self.ids("sort=-signed_on"),
                         [self.cq, self.byd, self.cr, self.en, self.sd])
        names = [x["name_zh"] or x["name_en"] for x in self.c.get(
            "/api/v1/projects?sort=name").json["items"]]
        self.assertEqual(names, sorted(names, key=lambda s: s.lower()))
        self.assertEqual(self.ids("sort=-id"), self.all[::-1])
        seen = []
        for off in range(0, 6, 2):
            r = self.c.get("/api/v1/projects?sort=-contracted_wan&limit=2"
                           "&offset=%d" % off)
            self.assertEqual(r.json["total"], 5)
            self.assertLessEqual(len(r.json["items"]), 2)
            seen += [x["id"] for x in r.json["items"]]
        self.assertEqual(seen, [self.cr, self.byd, self.cq, self.en,
                                self.sd])
        r = self.c.get("/api/v1/projects?limit=200")
        self.assertStatus(r, 200)


class RollupConsistency(ProjectsPortal):
    """The report card reads roll-ups that every writer here maintains
    (take the project out before a change, put it back after): after a
    mix of writes the card must equal sums over the ledgers."""

    def test_card_equals_ledgers(self):
        c = self.c
        a = self.create(district="yubei", key_levels={"2021": "municipal"})
        a = a["id"]
        self.sign(a, "2021-02-01", 100)
        self.assertStatus(c.post("/api/v1/projects/%d/contracts" % a, json={
            "signed_on": "2021-06-01", "amount_wan": 50}), 201)
        self.assertStatus(c.post("/api/v1/projects/%d/payments" % a, json={
            "paid_on": "2021-03-01", "amount_wan": 30,
            "evidence": "r1"}), 201)
        self.assertStatus(c.post("/api/v1/projects/%d/stage" % a, json={
            "to": "under_construction", "effective_on": "2021-07-01"}), 201)
        b = self.create(district="jiangbei")["id"]
        self.sign(b, "2020-05-01", 200)
        self.assertStatus(c.post("/api/v1/projects/%d/contracts" % b, json={
            "signed_on": "2021-01-10", "amount_wan": 20}), 201)
        self.assertStatus(c.post("/api/v1/projects/%d/payments" % b, json={
            "paid_on": "2021-02-02", "amount_wan": 10,
            "evidence": "r2"}), 201)
        v = c.get("/api/v1/projects/%d" % b).json["version"]
        self.assertStatus(c.patch("/api/v1/projects/%d" % b, json={
            "version": v, "district": "wanzhou",
            "key_levels": {"2021": "municipal"}}), 200)
        d = self.create(district="yubei", key_levels={"2021": "municipal"})
        self.assertStatus(c.delete("/api/v1/projects/%d" % d["id"]), 200)
        r = c.request("POST", "/api/v1/projects/import?mode=commit",
                      body=("name_zh,investor,investor_type,district,stage,"
                            "signed_on,signing_wan\n导入项目,I,private,fuling,"
                            "signed,2021-04-04,500\n").encode("utf-8"),
                      headers={"Content-Type": "text/csv"})
        self.assertStatus(r, 200)

        card = c.get("/api/v1/report-card?year=2021&as_of=2021-12-31")
        self.assertStatus(card, 200)
        card = card.json
        sql = self.p.sql
        self.assertEqual(card["contracted_wan"], sql(
            "SELECT sum(amount_wan) FROM project_contracts WHERE signed_on "
            "BETWEEN '2021-01-01' AND '2021-12-31'")[0][0])
        self.assertEqual(card["paid_in_wan"], sql(
            "SELECT sum(amount_wan) FROM project_payments WHERE paid_on "
            "BETWEEN '2021-01-01' AND '2021-12-31'")[0][0])
        self.assertEqual(card["key_projects"], sql(
            "SELECT count(*) FROM project_key_levels WHERE year = 2021 AND "
            "level = 'municipal'")[0][0])
        want = dict(sql(
            "SELECT p.district, sum(c.amount_wan) FROM project_contracts c "
            "JOIN projects p ON p.id = c.project_id WHERE c.signed_on "
            "BETWEEN '2021-01-01' AND '2021-12-31' GROUP BY 1"))
        got = {x["key"]: x["contracted_wan"] for x in card["by_district"]
               if x["contracted_wan"]}
        self.assertEqual(got, want)
        self.assertEqual(want, {"yubei": 150, "wanzhou": 20, "fuling": 500})
