/*
 * demo -- the regions plugin's part of the demo dataset (`bureauctl
 * demo`, after the projects plugin's part, in the same transaction), so
 * that FIGURES.md F13-F16 come out of this plugin's endpoints:
 *
 *   F13  16 district pairs, among them 渝北–云阳 Yubei–Yunyang and
 *        江津–开州 Jiangjin–Kaizhou, planning 23 cooperation parks
 *   F14  partner 成都 Chengdu (Sichuan) with its projects (source region
 *        `chengdu`)
 *   F15  partner 山东 Shandong: 62 projects, 4,420,000 万元 contracted in
 *        2021 -- made by the projects demo (source region `shandong`,
 *        docs/REPORT_CARD.md); this plugin only attributes them
 *   F16  partner 粤港澳大湾区 Greater Bay Area (covering Hong Kong, Macao,
 *        Guangdong) targeting digital economy, intelligent manufacturing
 *        and new energy vehicles
 *
 * The article names two pairs only; the other fourteen pair the
 * remaining northeast/southeast counties with metropolitan districts and
 * are demo data, as are the parks' names, areas, statuses and projects
 * (each operating or building park gets up to three signed demo projects
 * of its host district, lowest ids first).  Deterministic: fixed tables
 * and id order only.  Every row is is_demo = 1 and its notes say 演示数据.
 */
#include <string.h>

#include "regions.h"

#define DEMO_NOTE	"演示数据（生成的示例记录）。 Demo data (generated " \
	"example record)."

struct demo_partner {
	const char	*zh, *en, *kind, *notes;
	const char	*sources[4], *chains[4];
};

static const struct demo_partner demo_partners[] = {
	{ "成都", "Chengdu", "city",
	  "四川省省会，成渝地区双城经济圈。 Capital of Sichuan province; "
	  "Chengdu-Chongqing economic circle. " DEMO_NOTE,
	  { "chengdu", NULL }, { "electronics", "automotive",
	  "digital_economy", NULL } },
	{ "山东", "Shandong", "province", DEMO_NOTE,
	  { "shandong", NULL }, { "equipment", "new_materials", "agriculture",
	  NULL } },
	{ "粤港澳大湾区", "Greater Bay Area", "area",
	  "以香港为重点。 Especially Hong Kong. " DEMO_NOTE,
	  { "gba", NULL }, { "digital_economy", "intelligent_manufacturing",
	  "new_energy_vehicles", NULL } },
	{ "长三角", "Yangtze River Delta", "area", DEMO_NOTE,
	  { "yrd", NULL }, { "semiconductors", "biomedicine", "software",
	  NULL } },
	{ "京津冀", "Beijing-Tianjin-Hebei", "area", DEMO_NOTE,
	  { "jjj", NULL }, { "finance", "software", "modern_services",
	  NULL } },
};

struct demo_pair {
	const char	*a, *b;			/* codes */
	const char	*a_zh, *b_zh, *a_en, *b_en;	/* short names */
};

/* The first two are the article's (F13); the first seven build two
 * parks each, the other nine one: 23. */
static const struct demo_pair demo_pairs[] = {
	{ "yubei", "yunyang", "渝北", "云阳", "Yubei", "Yunyang" },
	{ "jiangjin", "kaizhou", "江津", "开州", "Jiangjin", "Kaizhou" },
	{ "yuzhong", "chengkou", "渝中", "城口", "Yuzhong", "Chengkou" },
	{ "dadukou", "wuxi", "大渡口", "巫溪", "Dadukou", "Wuxi" },
	{ "jiangbei", "wushan", "江北", "巫山", "Jiangbei", "Wushan" },
	{ "shapingba", "xiushan", "沙坪坝", "秀山", "Shapingba", "Xiushan" },
	{ "jiulongpo", "fengjie", "九龙坡", "奉节", "Jiulongpo", "Fengjie" },
	{ "nanan", "youyang", "南岸", "酉阳", "Nan'an", "Youyang" },
	{ "beibei", "pengshui", "北碚", "彭水", "Beibei", "Pengshui" },
	{ "banan", "shizhu", "巴南", "石柱", "Banan", "Shizhu" },
	{ "fuling", "fengdu", "涪陵", "丰都", "Fuling", "Fengdu" },
	{ "changshou", "zhongxian", "长寿", "忠县", "Changshou", "Zhongxian" },
	{ "hechuan", "liangping", "合川", "梁平", "Hechuan", "Liangping" },
	{ "yongchuan", "dianjiang", "永川", "垫江", "Yongchuan", "Dianjiang" },
	{ "bishan", "wulong", "璧山", "武隆", "Bishan", "Wulong" },
	{ "nanchuan", "qianjiang", "南川", "黔江", "Nanchuan", "Qianjiang" },
};

#define N_PARTNERS	(sizeof(demo_partners) / sizeof(demo_partners[0]))
#define N_PAIRS		(sizeof(demo_pairs) / sizeof(demo_pairs[0]))
#define N_DOUBLE	7	/* pairs with two parks */
#define PARK_PROJECTS	3

static const char *const demo_park_chains[] = {
	"intelligent_manufacturing", "electronics", "new_materials",
	"consumer_goods", "agriculture", "culture_tourism", "biomedicine",
	"digital_economy", "equipment", "green_energy", "automotive",
	"logistics", NULL
};
#define N_PARK_CHAINS	12

static int
demo_stamp(const struct bureau_host *h, struct bureau_req *req,
    sqlite3_stmt *st, int i)
{
	/* Recorded on the day the demo book closes (2021-12-30). */
	(void)h;
	(void)req;
	return sqlite3_bind_text(st, i, "2021-12-30T02:00:00Z", -1,
	    SQLITE_STATIC);
}

static int
demo_codes(const struct bureau_host *h, struct bureau_req *req,
    const char *sql, int64_t owner, const char *const *codes)
{
	sqlite3_stmt *st;
	size_t i;

	if ((st = h->db_prepare(req, sql)) == NULL)
		return -1;
	for (i = 0; codes[i] != NULL; i++) {
		sqlite3_bind_int64(st, 1, owner);
		sqlite3_bind_text(st, 2, codes[i], -1, SQLITE_STATIC);
		if (kit_exec(st) < 0)
			return -1;
	}
	return 0;
}

static int
demo_partners_load(const struct bureau_host *h, struct bureau_req *req,
    int *made)
{
	const struct demo_partner *d;
	sqlite3_stmt *st;
	int64_t id;
	size_t i;
	int rc;

	*made = 0;
	for (i = 0; i < N_PARTNERS; i++) {
		d = &demo_partners[i];
		/* A partner of that name entered by hand is kept as it is
		 * (looked up first: a refused INSERT uses up an id). */
		if ((st = h->db_prepare(req, "SELECT 1 FROM region_partners"
		    " WHERE name_zh = ?1 OR name_en = ?2 COLLATE NOCASE")) ==
		    NULL)
			return -1;
		sqlite3_bind_text(st, 1, d->zh, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, d->en, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc == SQLITE_ROW)
			continue;
		if (rc != SQLITE_DONE ||
		    (st = h->db_prepare(req, "INSERT INTO region_partners("
		    "name_zh, name_en, kind, notes, is_demo, created_at,"
		    " updated_at) VALUES (?1, ?2, ?3, ?4, 1, ?5, ?5)")) == NULL)
			return -1;
		sqlite3_bind_text(st, 1, d->zh, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, d->en, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, d->kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, d->notes, -1, SQLITE_STATIC);
		demo_stamp(h, req, st, 5);
		if (kit_exec(st) < 0)
			return -1;
		id = sqlite3_last_insert_rowid(h->db(req));
		if (demo_codes(h, req, "INSERT INTO region_partner_sources("
		    "partner_id, code) VALUES (?1, ?2)", id, d->sources) < 0 ||
		    demo_codes(h, req, "INSERT INTO region_partner_industries("
		    "partner_id, code) VALUES (?1, ?2)", id, d->chains) < 0)
			return -1;
		(*made)++;
	}
	return 0;
}

/* The pair's id, created when absent. */
static int64_t
demo_pair(const struct bureau_host *h, struct bureau_req *req,
    const struct demo_pair *d)
{
	sqlite3_stmt *st;
	int64_t id = -1;

	/* Look first: a refused INSERT would still use up an id. */
	if ((st = h->db_prepare(req, "SELECT id FROM region_pairs WHERE"
	    " min(district_a, district_b) = min(?1, ?2)"
	    " AND max(district_a, district_b) = max(?1, ?2)")) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, d->a, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, d->b, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (id > 0)
		return id;
	if ((st = h->db_prepare(req, "INSERT INTO region_pairs(district_a,"
	    " district_b, notes, is_demo, created_at, updated_at) VALUES"
	    " (?1, ?2, ?3, 1, ?4, ?4)")) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, d->a, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, d->b, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, "主城都市区与渝东北、渝东南区县对口协同。 "
	    "A metropolitan district paired with a northeast or southeast "
	    "county. " DEMO_NOTE, -1, SQLITE_STATIC);
	demo_stamp(h, req, st, 4);
	if (kit_exec(st) < 0)
		return -1;
	return sqlite3_last_insert_rowid(h->db(req));
}

/* Up to PARK_PROJECTS signed, active demo projects of the district that
 * lie in no park yet, lowest ids first. */
static int
demo_park_projects(const struct bureau_host *h, struct bureau_req *req,
    int64_t park, const char *district, size_t *linked)
{
	sqlite3_stmt *st;

	if ((st = h->db_prepare(req, "INSERT INTO region_park_projects("
	    "park_id, project_id) SELECT ?1, p.id FROM projects_v p"
	    " WHERE p.is_demo = 1 AND p.district = ?2 AND p.signed_on IS NOT"
	    " NULL AND p.stage <> 'cancelled' AND NOT EXISTS (SELECT 1 FROM"
	    " region_park_projects x WHERE x.project_id = p.id)"
	    " ORDER BY p.id LIMIT ?3")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, park);
	sqlite3_bind_text(st, 2, district, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, PARK_PROJECTS);
	if (kit_exec(st) < 0)
		return -1;
	*linked += (size_t)sqlite3_changes(h->db(req));
	return 0;
}

static int
demo_parks_load(const struct bureau_host *h, struct bureau_req *req,
    size_t *parks, size_t *linked)
{
	static const char *const kinds_zh[] = { "产业合作示范园",
	    "飞地产业园" };
	static const char *const kinds_en[] = { "Industrial Cooperation "
	    "Park", "Enclave Industrial Park" };
	const struct demo_pair *d;
	const char *status, *chains[3];
	sqlite3_stmt *st;
	int64_t pair, park;
	size_t i, j, k = 0;

	*parks = *linked = 0;
	for (i = 0; i < N_PAIRS; i++) {
		d = &demo_pairs[i];
		if ((pair = demo_pair(h, req, d)) <= 0)
			return -1;
		for (j = 0; j < (i < N_DOUBLE ? 2u : 1u); j++, k++) {
			/* 8 operating, 8 under construction, 7 planned. */
			status = k % 3 == 0 ? "operating" : k % 3 == 1 ?
			    "under_construction" : "planned";
			if ((st = h->db_prepare(req, "INSERT INTO region_parks("
			    "name_zh, name_en, pair_id, status, area_mu,"
			    " district, notes, is_demo, created_at, updated_at)"
			    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8, ?8)"))
			    == NULL)
				return -1;
			sqlite3_bind_text(st, 1, h->printf(req, "%s·%s%s（演示）",
			    d->a_zh, d->b_zh, kinds_zh[j]), -1,
			    SQLITE_TRANSIENT);
			sqlite3_bind_text(st, 2, h->printf(req, "%s-%s %s "
			    "(demo)", d->a_en, d->b_en, kinds_en[j]), -1,
			    SQLITE_TRANSIENT);
			sqlite3_bind_int64(st, 3, pair);
			sqlite3_bind_text(st, 4, status, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 5, 800 + (int64_t)(k * 613 %
			    4200));
			sqlite3_bind_text(st, 6, d->b, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 7, DEMO_NOTE, -1, SQLITE_STATIC);
			demo_stamp(h, req, st, 8);
			if (kit_exec(st) < 0)
				return -1;
			park = sqlite3_last_insert_rowid(h->db(req));
			chains[0] = demo_park_chains[k % N_PARK_CHAINS];
			chains[1] = demo_park_chains[(k + 5) % N_PARK_CHAINS];
			chains[2] = NULL;
			if (demo_codes(h, req, "INSERT INTO"
			    " region_park_industries(park_id, code) VALUES"
			    " (?1, ?2)", park, chains) < 0)
				return -1;
			if (strcmp(status, "planned") != 0 &&
			    demo_park_projects(h, req, park, d->b, linked) < 0)
				return -1;
			(*parks)++;
		}
	}
	return 0;
}

int
regions_demo(struct bureau_req *req, void *state)
{
	const struct bureau_host *h = ((struct regions_state *)state)->host;
	size_t parks, linked;
	json_t *summary;
	int partners, rc;

	if (demo_partners_load(h, req, &partners) < 0 ||
	    demo_parks_load(h, req, &parks, &linked) < 0) {
		h->log(BUREAU_LOG_ERR, "regions demo: %s",
		    sqlite3_errmsg(h->db(req)));
		return -1;
	}
	if ((summary = json_pack("{s:i, s:I, s:I, s:I}", "partners", partners,
	    "pairs", (json_int_t)N_PAIRS, "parks", (json_int_t)parks,
	    "park_projects", (json_int_t)linked)) == NULL)
		return -1;
	rc = h->audit(req, "regions.demo_load", "region", 0, NULL, summary);
	json_decref(summary);
	if (rc < 0)
		return -1;
	h->log(BUREAU_LOG_INFO, "demo: %d partners, %zu pairs, %zu parks",
	    partners, N_PAIRS, parks);
	return 0;
}
