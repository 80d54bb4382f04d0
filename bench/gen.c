/*
 * gen -- the benchmark's data generator: N projects with stage histories,
 * contract and payment ledgers, key levels, problems and targets, written
 * through the projects plugin's real schema by the plugin's own code.
 *
 *	gen -c bureau.conf -n 10000 [-s seed] [-o officer_id] [-m cache_mib]
 *
 * Built by bench/run (not by make): this file, every source of
 * plugins/projects and the build's core/.libs/libbureaucore.a, linked
 * into one program.  So the rows are written as the API writes them:
 * projects and ledger rows by plain INSERTs (what the handlers do), stage
 * entries by stage_record(), the four cache columns by ledger_refresh(),
 * the search index by search_index(), and the report card's roll-ups by
 * report_rollup_rebuild() once at the end -- the same functions
 * `bureauctl demo` uses (plugins/projects/demo.c).  Nothing here knows
 * how a cache or a roll-up is computed, so it cannot drift from the
 * plugin.
 *
 * Deterministic: one splitmix64 stream from a fixed seed, integer
 * arithmetic only, ids from 1 in a fresh database: the same N gives the
 * same rows everywhere.  One transaction (synchronous off and a large
 * page cache for this connection only: the data set is rebuilt, not
 * recovered, after a crash), then a WAL checkpoint so the database is a
 * single file to copy.
 *
 * Shape of the data (percentages of projects):
 *   created 2015-01-01 .. 2025-06-30; 15 % stay leads, 10 % negotiate,
 *   5 % are cancelled before signing, 70 % sign (first contract entry,
 *   10 d .. 400 d after creation, none after 2025-12-31); of the signed,
 *   40 % stay signed, 30 % are under construction, 25 % in operation,
 *   5 % cancelled.  Signing amounts 100 .. 2,000,000 万元 (10 % >= 1 bn
 *   yuan); 15 % get amendments; 0..4 payments of 5-17 % of the signing
 *   (paid-in never exceeds contracted); municipal key levels for 30 % of
 *   signings >= 50,000 万元, district ones for 10 % of the rest; 2 % carry
 *   a problem; a city target per year at 95 % of that year's contracted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "app.h"
#include "arena.h"
#include "audit.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "migrate.h"
#include "request.h"

#include "../plugins/projects/projects.h"

/* ---- deterministic randomness (as demo.c) ------------------------------ */

static uint64_t rng_s = 0x62656e6368ULL;	/* "bench" */

static uint64_t
rng_next(void)
{
	uint64_t z;

	z = (rng_s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int64_t
rng_range(int64_t a, int64_t b)
{
	if (b <= a)
		return a;
	return a + (int64_t)(rng_next() % (uint64_t)(b - a + 1));
}

/* ---- civil dates as day numbers (H. Hinnant) ---------------------------- */

static int
day_of(int y, int m, int d)
{
	int era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
date_of(int z, char out[11])
{
	int era, doe, yoe, y, doy, mp, d, m;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp + (mp < 10 ? 3 : -9);
	y += m <= 2;
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u,
	    (unsigned)m % 100u, (unsigned)d % 100u);
}

static int
year_of(int z)
{
	char d[11];

	date_of(z, d);
	return atoi(d);
}

/* ---- reference codes, read from the plugin's tables -------------------- */

struct codes {
	char	**v;
	size_t	  n;
};

static int
codes_load(sqlite3 *db, const char *sql, struct codes *c)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	char **g;

	c->v = NULL;
	c->n = 0;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (c->n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((g = realloc(c->v, cap * sizeof(*g))) == NULL)
				goto fail;
			c->v = g;
		}
		if ((c->v[c->n++] = strdup((const char *)
		    sqlite3_column_text(st, 0))) == NULL)
			goto fail;
	}
	sqlite3_finalize(st);
	return c->n > 0 ? 0 : -1;
fail:
	sqlite3_finalize(st);
	return -1;
}

/* ---- text -------------------------------------------------------------- */

static const char *const zh_place[] = { "两江", "西部", "渝北", "江北",
    "沙坪坝", "九龙坡", "南岸", "北碚", "璧山", "永川", "涪陵", "长寿",
    "万州", "綦江", "合川", "江津" };
static const char *const zh_what[] = { "新能源汽车", "动力电池", "智能终端",
    "集成电路", "生物医药", "高端装备", "数字经济", "软件信息", "新材料",
    "现代物流", "文化旅游", "绿色能源", "消费品", "金融服务", "现代农业" };
static const char *const zh_kind[] = { "产业园", "生产基地", "研发中心",
    "总部", "制造项目", "示范区", "智慧工厂", "物流园" };
static const char *const en_what[] = { "new energy vehicle", "power battery",
    "smart device", "integrated circuit", "biomedicine", "equipment",
    "digital economy", "software", "new materials", "logistics",
    "tourism", "green energy", "consumer goods", "financial services",
    "agriculture" };
static const char *const en_kind[] = { "industrial park", "production base",
    "R&D centre", "headquarters", "plant", "demonstration zone",
    "smart factory", "logistics park" };
static const char *const zh_co[] = { "科技", "实业", "控股", "集团", "能源",
    "智造", "投资", "电子" };

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define PICK(a)		((a)[rng_range(0, (int64_t)NELEM(a) - 1)])

/* ---- the generator ----------------------------------------------------- */

struct gen {
	const struct bureau_host *h;
	struct bureau_req	*req;
	struct thread_ctx	*t;
	struct codes		 regions, chains, districts;
	int64_t			 officer;
	size_t			 nstages, ncontracts, npayments, nkeys, nprob;
	int			 end;		/* last date: 2025-12-31 */
};

static int
step_done(struct gen *g, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "gen: %s: %s\n", what,
		    sqlite3_errmsg(g->h->db(g->req)));
		return -1;
	}
	return 0;
}

static int
gen_stage(struct gen *g, int64_t id, const char *from, const char *to,
    int day)
{
	char d[11];

	date_of(day, d);
	g->nstages++;
	return stage_record(g->h, g->req, id, from, to, d,
	    from == NULL ? "" : "bench");
}

static int
gen_contract(struct gen *g, int64_t id, const char *kind, int day,
    int64_t amount)
{
	sqlite3_stmt *st;
	char d[11];

	if ((st = g->h->db_prepare(g->req, "INSERT INTO project_contracts("
	    "project_id, kind, signed_on, amount_wan, note, recorded_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)")) == NULL)
		return -1;
	date_of(day, d);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, d, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, amount);
	sqlite3_bind_text(st, 5, strcmp(kind, "signing") == 0 ?
	    "基准数据 签约" : "基准数据 增资", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, project_timestamp(g->h, g->req), -1,
	    SQLITE_TRANSIENT);
	g->ncontracts++;
	return step_done(g, st, "contract");
}

static int
gen_payment(struct gen *g, int64_t id, int day, int64_t amount)
{
	sqlite3_stmt *st;
	char d[11], ev[64];

	if ((st = g->h->db_prepare(g->req, "INSERT INTO project_payments("
	    "project_id, paid_on, amount_wan, evidence, recorded_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)")) == NULL)
		return -1;
	date_of(day, d);
	snprintf(ev, sizeof(ev), "基准数据 bank receipt %s-%lld", d,
	    (long long)id);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, d, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, amount);
	sqlite3_bind_text(st, 4, ev, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, project_timestamp(g->h, g->req), -1,
	    SQLITE_TRANSIENT);
	g->npayments++;
	return step_done(g, st, "payment");
}

static int
gen_key(struct gen *g, int64_t id, int year, const char *level)
{
	sqlite3_stmt *st;

	if ((st = g->h->db_prepare(g->req, "INSERT INTO project_key_levels("
	    "project_id, year, level) VALUES (?1, ?2, ?3)")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, year);
	sqlite3_bind_text(st, 3, level, -1, SQLITE_STATIC);
	g->nkeys++;
	return step_done(g, st, "key level");
}

static int
gen_problem(struct gen *g, int64_t id, int day)
{
	static const char *const cats[] = { "environmental_protection",
	    "energy_consumption", "land", "talents", "capital", "other" };
	static const char *const sts[] = { "open", "in_progress",
	    "resolved" };
	static const char *const escs[] = { "district", "bureau",
	    "municipal" };
	sqlite3_stmt *st;
	const char *status, *now;
	char opened[11], resolved[11];
	int r;

	if ((st = g->h->db_prepare(g->req, "INSERT INTO project_problems("
	    "project_id, category, description, owner, status, opened_on,"
	    " resolved_on, escalation, resolution, created_at, updated_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)")) == NULL)
		return -1;
	status = PICK(sts);
	date_of(day, opened);
	r = day + (int)rng_range(7, 180);
	if (strcmp(status, "resolved") == 0 && r > g->end)
		status = "in_progress";
	date_of(r, resolved);
	now = project_timestamp(g->h, g->req);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, PICK(cats), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, "基准数据 用地指标待落实 land quota pending",
	    -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, "区县招商部门", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, status, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, opened, -1, SQLITE_TRANSIENT);
	if (strcmp(status, "resolved") == 0) {
		sqlite3_bind_text(st, 7, resolved, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 9, "基准数据 已协调解决", -1,
		    SQLITE_STATIC);
	}
	sqlite3_bind_text(st, 8, PICK(escs), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, now, -1, SQLITE_TRANSIENT);
	g->nprob++;
	return step_done(g, st, "problem");
}

static const char *
gen_investor_type(void)
{
	int64_t x = rng_range(0, 99);

	return x < 55 ? "private" : x < 70 ? "local_soe" : x < 80 ?
	    "central_soe" : x < 92 ? "foreign" : "hmt";
}

static int64_t
gen_amount(void)
{
	int64_t x = rng_range(0, 99);

	if (x < 60)
		return rng_range(100, 20000);
	if (x < 90)
		return rng_range(20000, 99999);
	return rng_range(100000, 2000000);
}

static void
bind_or_null(sqlite3_stmt *st, int i, const char *s)
{
	if (s != NULL)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static int
gen_project(struct gen *g, int64_t n)
{
	static const char *const after[] = { "signed", "signed", "signed",
	    "signed", "signed", "signed", "signed", "signed",
	    "under_construction", "under_construction", "under_construction",
	    "under_construction", "under_construction", "under_construction",
	    "in_operation", "in_operation", "in_operation", "in_operation",
	    "in_operation", "cancelled" };
	sqlite3_stmt *st;
	char zh[256], en[256], inv[160], created[32], d0s[11];
	const char *region, *chain, *district, *target, *cur;
	int64_t id, amount, x, k, npay, pay;
	int d0, ds = 0, day, i, plan, wi, ki;

	/* What it is. */
	wi = (int)rng_range(0, NELEM(zh_what) - 1);
	ki = (int)rng_range(0, NELEM(zh_kind) - 1);
	snprintf(zh, sizeof(zh), "%s%s%s（基准%07lld）", PICK(zh_place),
	    zh_what[wi], zh_kind[ki], (long long)n);
	snprintf(en, sizeof(en), "Bench %s %s %07lld", en_what[wi],
	    en_kind[ki], (long long)n);
	snprintf(inv, sizeof(inv), "基准%s%s有限公司 Bench Investor %lld",
	    PICK(zh_what), PICK(zh_co), (long long)(n % 20011));
	region = rng_range(0, 99) < 5 ? NULL :
	    g->regions.v[rng_range(0, (int64_t)g->regions.n - 1)];
	chain = rng_range(0, 99) < 5 ? NULL :
	    g->chains.v[rng_range(0, (int64_t)g->chains.n - 1)];
	district = rng_range(0, 99) < 3 ? NULL :
	    g->districts.v[rng_range(0, (int64_t)g->districts.n - 1)];
	d0 = (int)rng_range(day_of(2015, 1, 1), day_of(2025, 6, 30));
	date_of(d0, d0s);
	snprintf(created, sizeof(created), "%sT02:00:00Z", d0s);

	if ((st = g->h->db_prepare(g->req, "INSERT INTO projects(name_zh,"
	    " name_en, investor, investor_type, source_region,"
	    " industry_chain, district, stage, officer_id, notes,"
	    " created_at, updated_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'lead', ?8, ?9, ?10, ?10)"))
	    == NULL)
		return -1;
	sqlite3_bind_text(st, 1, zh, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, en, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, inv, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, gen_investor_type(), -1, SQLITE_STATIC);
	bind_or_null(st, 5, region);
	bind_or_null(st, 6, chain);
	bind_or_null(st, 7, district);
	if (g->officer > 0 && rng_range(0, 1))
		sqlite3_bind_int64(st, 8, g->officer);
	sqlite3_bind_text(st, 9, rng_range(0, 4) == 0 ?
	    "基准数据：企业已完成尽职调查，待区县确认用地。" : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 10, created, -1, SQLITE_STATIC);
	if (step_done(g, st, "project") == -1)
		return -1;
	id = sqlite3_last_insert_rowid(g->h->db(g->req));

	/* Its history: plan 0..14 lead, 15..24 negotiating, 25..29
	 * cancelled unsigned, 30..99 signed. */
	plan = (int)rng_range(0, 99);
	cur = plan >= 15 && plan < 25 && rng_range(0, 1) ? "negotiating" :
	    "lead";
	if (gen_stage(g, id, NULL, cur, d0) == -1)
		return -1;
	day = d0;
	if (plan >= 15 && strcmp(cur, "lead") == 0 && rng_range(0, 2)) {
		day += (int)rng_range(1, 9);
		if (gen_stage(g, id, cur, "negotiating", day) == -1)
			return -1;
		cur = "negotiating";
	}
	if (plan >= 25 && plan < 30) {
		day += (int)rng_range(1, 300);
		if (day <= g->end &&
		    gen_stage(g, id, cur, "cancelled", day) == -1)
			return -1;
	}
	if (plan >= 30) {
		ds = day + (int)rng_range(10, 400);
		if (ds > g->end)
			ds = 0;
	}
	if (ds > 0) {
		/* The signing: first contract entry, stage to signed. */
		amount = gen_amount();
		if (gen_contract(g, id, "signing", ds, amount) == -1 ||
		    gen_stage(g, id, cur, "signed", ds) == -1)
			return -1;
		cur = "signed";
		/* Amendments: increases; a few decreases of at most 10 %
		 * (payments stay under 70 % of the signing). */
		if (rng_range(0, 99) < 15) {
			k = rng_range(1, 2);
			for (i = 0; i < k; i++) {
				day = ds + (int)rng_range(30, 700);
				if (day > g->end)
					break;
				x = rng_range(0, 9) == 0 ?
				    -(amount * rng_range(1, 10) / 100) :
				    amount * rng_range(5, 30) / 100;
				if (x == 0)
					x = 1;
				if (gen_contract(g, id, "amendment", day, x) ==
				    -1)
					return -1;
			}
		}
		npay = rng_range(0, 4);
		for (i = 0; i < npay; i++) {
			day = ds + (int)rng_range(1, 720);
			if (day > g->end)
				continue;
			pay = amount * rng_range(5, 17) / 100;
			if (pay < 1)
				pay = 1;
			if (gen_payment(g, id, day, pay) == -1)
				return -1;
		}
		/* Later stages. */
		target = after[rng_range(0, NELEM(after) - 1)];
		day = ds;
		if (strcmp(target, "signed") != 0) {
			if (strcmp(target, "cancelled") == 0) {
				day += (int)rng_range(30, 400);
				if (day <= g->end && gen_stage(g, id, cur,
				    "cancelled", day) == -1)
					return -1;
			} else {
				day += (int)rng_range(30, 300);
				if (day <= g->end) {
					if (gen_stage(g, id, cur,
					    "under_construction", day) == -1)
						return -1;
					cur = "under_construction";
				}
				day += (int)rng_range(60, 500);
				if (strcmp(target, "in_operation") == 0 &&
				    day <= g->end && gen_stage(g, id, cur,
				    "in_operation", day) == -1)
					return -1;
			}
		}
		/* Key levels for the year of signing (and the next). */
		if (amount >= 50000 && rng_range(0, 99) < 30) {
			if (gen_key(g, id, year_of(ds), "municipal") == -1)
				return -1;
			if (rng_range(0, 1) && year_of(ds) < 2025 &&
			    gen_key(g, id, year_of(ds) + 1, "municipal") == -1)
				return -1;
		} else if (rng_range(0, 99) < 10 &&
		    gen_key(g, id, year_of(ds), "district") == -1)
			return -1;
	}
	if (rng_range(0, 99) < 2) {
		day = (ds ? ds : d0) + (int)rng_range(10, 300);
		if (day < g->end - 7 && gen_problem(g, id, day) == -1)
			return -1;
	}

	/* What the API's writes maintain: caches and the search index. */
	if (ledger_refresh(g->h, g->req, id) == -1 ||
	    search_index(g->h, g->req, id) == -1) {
		fprintf(stderr, "gen: caches of project %lld: %s\n",
		    (long long)id, sqlite3_errmsg(g->h->db(g->req)));
		return -1;
	}
	return 0;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
usage(void)
{
	fprintf(stderr, "usage: gen -c bureau.conf -n N [-s seed] "
	    "[-o officer_id] [-m cache_mib]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct config cfg;
	struct app app;
	struct thread_ctx t;
	struct bureau_req req;
	struct gen g;
	char err[256], pragma[64];
	const char *conf = NULL;
	json_t *summary;
	int64_t n = 10000, i, have;
	long cache_mib = 4096;
	double t0, t1;
	int c, have_t = 0, in_txn = 0, rc = 1;

	memset(&g, 0, sizeof(g));
	while ((c = getopt(argc, argv, "c:n:s:o:m:")) != -1) {
		switch (c) {
		case 'c': conf = optarg; break;
		case 'n': n = strtoll(optarg, NULL, 10); break;
		case 's': rng_s = strtoull(optarg, NULL, 0); break;
		case 'o': g.officer = strtoll(optarg, NULL, 10); break;
		case 'm': cache_mib = strtol(optarg, NULL, 10); break;
		default: usage();
		}
	}
	if (conf == NULL || n < 1)
		usage();
	log_init("bench-gen", 3, 0);
	if (sodium_init() < 0)
		return 1;
	if (config_load(&cfg, conf, err, sizeof(err)) == -1) {
		fprintf(stderr, "gen: %s\n", err);
		return 1;
	}
	if (audit_key_load(&cfg, 0) == -1) {
		fprintf(stderr, "gen: audit key %s\n", cfg.audit_key_path);
		return 1;
	}
	memset(&app, 0, sizeof(app));
	app.cfg = &cfg;
	app.lane = LANE_API;
	app.host = &host_api;
	app.hash_sem = -1;
	if (thread_ctx_init(&t, &app, 0, NULL) == -1) {
		fprintf(stderr, "gen: cannot open %s\n", cfg.db_path);
		return 1;
	}
	have_t = 1;
	request_internal_init(&req, &t);
	/* The plugin's migrations, as a worker runs them (a no-op when a
	 * bureaud already did). */
	if (migrate_apply(t.db, "projects", projects_migrations, 0, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "gen: migrations: %s\n", err);
		goto out;
	}
	snprintf(pragma, sizeof(pragma), "PRAGMA cache_size=-%ld",
	    cache_mib * 1024);
	if (db_exec(t.db, pragma) == -1 ||
	    db_exec(t.db, "PRAGMA synchronous=OFF") == -1 ||
	    db_exec(t.db, "PRAGMA temp_store=MEMORY") == -1)
		goto out;
	g.h = &host_api;
	g.req = &req;
	g.t = &t;
	g.end = day_of(2025, 12, 31);
	if (codes_load(t.db, "SELECT code FROM proj_source_regions ORDER BY"
	    " sort, code", &g.regions) == -1 ||
	    codes_load(t.db, "SELECT code FROM proj_industry_chains ORDER BY"
	    " sort, code", &g.chains) == -1 ||
	    codes_load(t.db, "SELECT code FROM proj_districts ORDER BY sort,"
	    " code", &g.districts) == -1) {
		fprintf(stderr, "gen: reference lists missing (migrations?)\n");
		goto out;
	}
	if (host_api.db_begin(&req) == -1)
		goto out;
	in_txn = 1;
	{
		sqlite3_stmt *st;

		have = 0;
		if (sqlite3_prepare_v2(t.db, "SELECT count(*) FROM projects",
		    -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) ==
		    SQLITE_ROW)
			have = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		if (have != 0) {
			fprintf(stderr, "gen: the database already has %lld "
			    "projects; generate into a fresh one\n",
			    (long long)have);
			goto out;
		}
	}
	t0 = now_s();
	for (i = 1; i <= n; i++) {
		if (gen_project(&g, i) == -1)
			goto out;
		/* The request arena holds only this project's strings. */
		arena_reset(t.arena);
		if (i % 100000 == 0)
			fprintf(stderr, "gen: %lld projects, %.1f s\n",
			    (long long)i, now_s() - t0);
	}
	t1 = now_s();
	if (report_rollup_rebuild(&host_api, &req) == -1)
		goto out;
	/* City targets: 95 % of each year's contracted total. */
	if (db_exec(t.db, "INSERT INTO project_targets(year, district,"
	    " contracted_wan, paid_in_wan)"
	    " SELECT CAST(substr(month, 1, 4) AS INTEGER), '',"
	    "  sum(contracted_wan) * 95 / 100, sum(paid_in_wan) * 95 / 100"
	    " FROM proj_rollup_month WHERE dim = 'all' AND key = ''"
	    " GROUP BY 1 ON CONFLICT DO NOTHING") == -1)
		goto out;
	summary = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}",
	    "projects", (json_int_t)n, "stage_entries",
	    (json_int_t)g.nstages, "contract_entries",
	    (json_int_t)g.ncontracts, "payments", (json_int_t)g.npayments,
	    "key_levels", (json_int_t)g.nkeys, "problems",
	    (json_int_t)g.nprob);
	if (host_api.audit(&req, "bench.generate", "project", 0, NULL,
	    summary) != 0) {
		json_decref(summary);
		goto out;
	}
	json_decref(summary);
	if (host_api.db_commit(&req) == -1)
		goto out;
	in_txn = 0;
	if (db_exec(t.db, "PRAGMA wal_checkpoint(TRUNCATE)") == -1)
		goto out;
	printf("{\"projects\": %lld, \"stage_entries\": %zu, "
	    "\"contract_entries\": %zu, \"payments\": %zu, "
	    "\"key_levels\": %zu, \"problems\": %zu, \"rows_s\": %.2f, "
	    "\"rollup_s\": %.2f}\n", (long long)n, g.nstages, g.ncontracts,
	    g.npayments, g.nkeys, g.nprob, t1 - t0, now_s() - t1);
	rc = 0;
out:
	if (in_txn)
		host_api.db_rollback(&req);
	if (have_t) {
		request_internal_finish(&req);
		thread_ctx_fini(&t);
	}
	config_free(&cfg);
	return rc;
}
