/*
 * report -- the annual report card (GET /api/v1/report-card) and the
 * roll-ups that keep it fast.
 *
 * Every figure is defined on the records (docs/REPORT_CARD.md): contract
 * ledger entries, payments, stage history and key levels.  Summing those
 * for a year costs O(entries of the year), which at a million projects is
 * far from the benchmark's "1M no slower than 2x 10k" (issue 8).  So the
 * figures are read from roll-ups maintained in the same transaction as
 * every write that changes them:
 *
 *   proj_rollup_day   (dim, key, day)   contracted, paid-in, signings,
 *                                       signings >= 100,000 万元
 *   proj_rollup_month (dim, key, month) the same per calendar month
 *   proj_rollup_key   (year, day)       municipal key projects of `year`:
 *                                       count, change in how many of them
 *                                       have started, payments to them
 *
 * dim is 'all' (key ''), 'region' (the project's own source region, the
 * hierarchy is applied when reading), 'chain', 'district',
 * 'investor_type', or 'demo' (key '', demo projects only).  A window
 * [Jan 1, as_of] reads whole months from the month table and the days of
 * as_of's month from the day table: at most 11 + 31 rows per key, however
 * many projects there are.
 *
 * Maintenance is one function with a sign: the writer subtracts a
 * project's whole contribution before it changes the project and adds it
 * back afterwards (report_rollup_project, projects.h).  Recomputing one
 * project's contribution from its own ledgers costs O(its entries) and is
 * correct for every kind of change -- a new entry, an edited or deleted
 * one, a moved district, a key level, a back-dated stage -- without the
 * roll-up having to know which one happened.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "projects.h"

/* ---- roll-up SQL ------------------------------------------------------ */

#define RU_STARTED	"('under_construction','in_operation')"

/*
 * The contributions of the projects selected by PF (on projects p), with
 * the same selection repeated on contracts (CF, on c) and payments (YF,
 * on y) so that each branch uses its project index.  One row per (dim,
 * key, day).
 */
#define RU_CONTRIB(PF, CF, YF)						\
	"WITH e(pid, day, contracted, paid, signed, over_1bn) AS ("	\
	"  SELECT c.project_id, c.signed_on, c.amount_wan, 0,"		\
	"    c.kind = 'signing',"					\
	"    c.kind = 'signing' AND c.amount_wan >= 100000"		\
	"  FROM project_contracts c WHERE " CF				\
	"  UNION ALL"							\
	"  SELECT y.project_id, y.paid_on, 0, y.amount_wan, 0, 0"	\
	"  FROM project_payments y WHERE " YF				\
	"), d(dim) AS (VALUES ('all'), ('region'), ('chain'),"		\
	"  ('district'), ('investor_type'), ('demo'))"			\
	" SELECT d.dim AS dim,"						\
	"  CASE d.dim"							\
	"   WHEN 'region' THEN coalesce(p.source_region, '')"		\
	"   WHEN 'chain' THEN coalesce(p.industry_chain, '')"		\
	"   WHEN 'district' THEN coalesce(p.district, '')"		\
	"   WHEN 'investor_type' THEN p.investor_type"			\
	"   ELSE '' END AS key,"					\
	"  e.day AS day, sum(e.contracted) AS contracted,"		\
	"  sum(e.paid) AS paid, sum(e.signed) AS signed,"		\
	"  sum(e.over_1bn) AS over_1bn"					\
	" FROM e JOIN projects p ON p.id = e.pid"			\
	"  JOIN d ON d.dim <> 'demo' OR p.is_demo = 1"			\
	" WHERE " PF							\
	" GROUP BY 1, 2, 3"

#define RU_UPSERT_DAY(SIGN, PF, CF, YF)					\
	"INSERT INTO proj_rollup_day(dim, key, day, contracted_wan,"	\
	"  paid_in_wan, signed, over_1bn)"				\
	" SELECT dim, key, day, " SIGN " * contracted, " SIGN " * paid," \
	"  " SIGN " * signed, " SIGN " * over_1bn"			\
	" FROM (" RU_CONTRIB(PF, CF, YF) ") WHERE true"			\
	" ON CONFLICT (dim, day, key) DO UPDATE SET"			\
	"  contracted_wan = contracted_wan + excluded.contracted_wan,"	\
	"  paid_in_wan = paid_in_wan + excluded.paid_in_wan,"		\
	"  signed = signed + excluded.signed,"				\
	"  over_1bn = over_1bn + excluded.over_1bn;"

#define RU_UPSERT_MONTH(SIGN, PF, CF, YF)				\
	"INSERT INTO proj_rollup_month(dim, key, month, contracted_wan,"	\
	"  paid_in_wan, signed, over_1bn)"				\
	" SELECT dim, key, substr(day, 1, 7), " SIGN " * sum(contracted)," \
	"  " SIGN " * sum(paid), " SIGN " * sum(signed),"		\
	"  " SIGN " * sum(over_1bn)"					\
	" FROM (" RU_CONTRIB(PF, CF, YF) ") WHERE true"			\
	" GROUP BY 1, 2, 3"						\
	" ON CONFLICT (dim, month, key) DO UPDATE SET"			\
	"  contracted_wan = contracted_wan + excluded.contracted_wan,"	\
	"  paid_in_wan = paid_in_wan + excluded.paid_in_wan,"		\
	"  signed = signed + excluded.signed,"				\
	"  over_1bn = over_1bn + excluded.over_1bn;"

/*
 * Municipal key projects per year: +1 project on Jan 1 of the year; the
 * change in "started" (under construction or in operation) at each stage
 * entry, in the order that defines the stage as of a date (effective_on,
 * then id), entries before the year counted on Jan 1 (as_of always lies
 * in the year) and entries after it left out; payments dated in the year.
 */
#define RU_UPSERT_KEY(SIGN, KF, SF, YF)					\
	"INSERT INTO proj_rollup_key(year, day, projects, started,"	\
	"  paid_in_wan)"						\
	" SELECT year, day, " SIGN " * sum(projects),"			\
	"  " SIGN " * sum(started), " SIGN " * sum(paid)"		\
	" FROM (WITH k(pid, year) AS ("					\
	"   SELECT project_id, year FROM project_key_levels"		\
	"   WHERE level = 'municipal' AND " KF				\
	"  ), s(pid, eff, delta) AS ("					\
	"   SELECT project_id, effective_on,"				\
	"    (to_stage IN " RU_STARTED ") - coalesce(lag(to_stage IN "	\
	     RU_STARTED ") OVER (PARTITION BY project_id"		\
	"     ORDER BY effective_on, id), 0)"				\
	"   FROM project_stages WHERE " SF				\
	"    AND project_id IN (SELECT pid FROM k)"			\
	"  )"								\
	"  SELECT year, printf('%04d-01-01', year) AS day, 1 AS projects,"	\
	"   0 AS started, 0 AS paid FROM k"				\
	"  UNION ALL"							\
	"  SELECT k.year, max(s.eff, printf('%04d-01-01', k.year)), 0,"	\
	"   s.delta, 0 FROM s JOIN k ON k.pid = s.pid"			\
	"   WHERE s.delta <> 0 AND s.eff <= printf('%04d-12-31', k.year)" \
	"  UNION ALL"							\
	"  SELECT k.year, y.paid_on, 0, 0, y.amount_wan"		\
	"   FROM project_payments y JOIN k ON k.pid = y.project_id"	\
	"   AND y.paid_on BETWEEN printf('%04d-01-01', k.year)"		\
	"   AND printf('%04d-12-31', k.year)"				\
	"   WHERE " YF							\
	" ) WHERE true GROUP BY 1, 2"					\
	" ON CONFLICT (year, day) DO UPDATE SET"			\
	"  projects = projects + excluded.projects,"			\
	"  started = started + excluded.started,"			\
	"  paid_in_wan = paid_in_wan + excluded.paid_in_wan;"

/* The whole: months from the days (a few hundred thousand rows even at
 * a million projects) rather than from the ledgers a second time. */
#define RU_REBUILD							\
	"DELETE FROM proj_rollup_day;"					\
	"DELETE FROM proj_rollup_month;"				\
	"DELETE FROM proj_rollup_key;"					\
	RU_UPSERT_DAY("1", "1", "1", "1")				\
	"INSERT INTO proj_rollup_month(dim, key, month, contracted_wan,"	\
	"  paid_in_wan, signed, over_1bn)"				\
	" SELECT dim, key, substr(day, 1, 7), sum(contracted_wan),"	\
	"  sum(paid_in_wan), sum(signed), sum(over_1bn)"		\
	" FROM proj_rollup_day GROUP BY 1, 2, 3;"			\
	RU_UPSERT_KEY("1", "1", "1", "1")

/* The migration step "report roll-ups" (schema.c): tables, then filled
 * from whatever the ledgers already hold. */
const char report_rollup_migration_sql[] =
	"CREATE TABLE proj_rollup_day ("
	"  dim TEXT NOT NULL,"
	"  key TEXT NOT NULL,"
	"  day TEXT NOT NULL,"
	"  contracted_wan INTEGER NOT NULL DEFAULT 0,"
	"  paid_in_wan INTEGER NOT NULL DEFAULT 0,"
	"  signed INTEGER NOT NULL DEFAULT 0,"
	"  over_1bn INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (dim, day, key)"
	") STRICT, WITHOUT ROWID;"
	"CREATE TABLE proj_rollup_month ("
	"  dim TEXT NOT NULL,"
	"  key TEXT NOT NULL,"
	"  month TEXT NOT NULL,"
	"  contracted_wan INTEGER NOT NULL DEFAULT 0,"
	"  paid_in_wan INTEGER NOT NULL DEFAULT 0,"
	"  signed INTEGER NOT NULL DEFAULT 0,"
	"  over_1bn INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (dim, month, key)"
	") STRICT, WITHOUT ROWID;"
	"CREATE TABLE proj_rollup_key ("
	"  year INTEGER NOT NULL,"
	"  day TEXT NOT NULL,"
	"  projects INTEGER NOT NULL DEFAULT 0,"
	"  started INTEGER NOT NULL DEFAULT 0,"
	"  paid_in_wan INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (year, day)"
	") STRICT, WITHOUT ROWID;"
	RU_REBUILD;

static const char ru_day_sql[] = RU_UPSERT_DAY("?2", "p.id = ?1",
    "c.project_id = ?1", "y.project_id = ?1");
static const char ru_month_sql[] = RU_UPSERT_MONTH("?2", "p.id = ?1",
    "c.project_id = ?1", "y.project_id = ?1");
static const char ru_key_sql[] = RU_UPSERT_KEY("?2", "project_id = ?1",
    "project_id = ?1", "y.project_id = ?1");
static const char ru_rebuild_sql[] = RU_REBUILD;

static int
rollup_step(const struct bureau_host *h, struct bureau_req *req,
    const char *sql, int64_t project_id, int sign)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = h->db_prepare(req, sql)) == NULL)
		return -1;
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, project_id);
	sqlite3_bind_int(st, 2, sign);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		h->log(BUREAU_LOG_ERR, "report: roll-up of project %lld: %s",
		    (long long)project_id, sqlite3_errmsg(h->db(req)));
		return -1;
	}
	return 0;
}

int
report_rollup_project(const struct bureau_host *h, struct bureau_req *req,
    int64_t project_id, int sign)
{
	if (sign != 1 && sign != -1)
		return -1;
	if (rollup_step(h, req, ru_day_sql, project_id, sign) == -1 ||
	    rollup_step(h, req, ru_month_sql, project_id, sign) == -1 ||
	    rollup_step(h, req, ru_key_sql, project_id, sign) == -1)
		return -1;
	return 0;
}

int
report_rollup_rebuild(const struct bureau_host *h, struct bureau_req *req)
{
	char *err = NULL;

	if (sqlite3_exec(h->db(req), ru_rebuild_sql, NULL, NULL, &err) !=
	    SQLITE_OK) {
		h->log(BUREAU_LOG_ERR, "report: roll-up rebuild: %s",
		    err ? err : "?");
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

/* ---- arithmetic ------------------------------------------------------- */

/*
 * 100 * num / den rounded half away from zero to one decimal, as JSON;
 * null when den <= 0 (no base to compare with).  Integer arithmetic on
 * tenths, so 171,000,000 over 146,153,846 is exactly 17.0 and never
 * 16.999999.  128 bits: sums of a million projects times 1000 stay exact.
 */
static json_t *
report_pct(int64_t num, int64_t den)
{
	__int128 n, q;

	if (den <= 0)
		return json_null();
	n = (__int128)num * 1000;
	q = ((n < 0 ? -n : n) * 2 + den) / ((__int128)den * 2);
	if (n < 0)
		q = -q;
	return json_real((double)(int64_t)q / 10.0);
}

/* ---- windows ---------------------------------------------------------- */

/* [year-01-01, year-MM-DD]: whole months before MM from the month table,
 * days of MM from the day table (or MM from the month table too when DD
 * is its last day; day_from is then past day_to). */
struct rc_window {
	/* Room for any int: the compiler cannot see year <= 2100. */
	char	month_from[32];	/* YYYY-01 */
	char	month_to[32];	/* YYYY-MM, exclusive */
	char	day_from[48];	/* YYYY-MM-01 */
	char	day_to[48];	/* YYYY-MM-DD, inclusive */
};

static int
rc_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static void
rc_window_init(struct rc_window *w, int year, int month, int day)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	int last = mdays[month - 1] + (month == 2 && rc_leap(year));

	/* The previous year's cut-off of a Feb 29 is Feb 28. */
	if (day > last)
		day = last;
	snprintf(w->month_from, sizeof(w->month_from), "%04d-01", year);
	if (day == last) {
		/* A whole month: all of it from the month table ("YYYY-13"
		 * sorts after December), no days. */
		snprintf(w->month_to, sizeof(w->month_to), "%04d-%02d", year,
		    month + 1);
		snprintf(w->day_from, sizeof(w->day_from), "%04d-%02d-32",
		    year, month);
	} else {
		snprintf(w->month_to, sizeof(w->month_to), "%04d-%02d", year,
		    month);
		snprintf(w->day_from, sizeof(w->day_from), "%04d-%02d-01",
		    year, month);
	}
	snprintf(w->day_to, sizeof(w->day_to), "%04d-%02d-%02d", year, month,
	    day);
}

/* ---- sums by key ------------------------------------------------------ */

struct rc_row {
	const char	*key;
	int64_t		 projects, contracted, paid, over_1bn;
	struct rc_set	*children;	/* regions only */
};

struct rc_set {
	struct rc_row	*rows;
	size_t		 n, cap;
	size_t		 hint;		/* where the next key probably is */
};

static struct rc_row *
rc_set_get(const struct bureau_host *h, struct bureau_req *req,
    struct rc_set *set, const char *key)
{
	struct rc_row *rows;
	size_t i;

	/* Rows come grouped by period, keys in order within: the key just
	 * after the previous hit is the likely one. */
	if (set->hint < set->n && strcmp(set->rows[set->hint].key, key) == 0)
		return &set->rows[set->hint++];
	for (i = 0; i < set->n; i++)
		if (strcmp(set->rows[i].key, key) == 0) {
			set->hint = i + 1;
			return &set->rows[i];
		}
	if (set->n == set->cap) {
		/* Arena memory: grow by copying; the sets hold tens of keys. */
		set->cap = set->cap ? set->cap * 2 : 16;
		if ((rows = h->alloc(req, set->cap * sizeof(*rows))) == NULL)
			return NULL;
		if (set->n)
			memcpy(rows, set->rows, set->n * sizeof(*rows));
		set->rows = rows;
	}
	memset(&set->rows[set->n], 0, sizeof(set->rows[0]));
	if ((set->rows[set->n].key = h->strdup(req, key)) == NULL)
		return NULL;
	set->hint = set->n + 1;
	return &set->rows[set->n++];
}

static void
rc_row_add(struct rc_row *to, const struct rc_row *from)
{
	to->projects += from->projects;
	to->contracted += from->contracted;
	to->paid += from->paid;
	to->over_1bn += from->over_1bn;
}

/* Rows, not sums: adding them up by key in C (rc_set_get) spares
 * SQLite a sort of a few thousand rows per dimension. */
static const char rc_range_sql[] =
	"SELECT key, contracted_wan, paid_in_wan, signed, over_1bn"
	" FROM proj_rollup_month"
	" WHERE dim = ?1 AND month >= ?2 AND month < ?3"
	" UNION ALL"
	" SELECT key, contracted_wan, paid_in_wan, signed, over_1bn"
	" FROM proj_rollup_day WHERE dim = ?1 AND day >= ?4 AND day <= ?5";

/* Sums of one dimension over a window, by key, into set. */
static int
rc_sums(const struct bureau_host *h, struct bureau_req *req,
    const char *dim, const struct rc_window *w, struct rc_set *set)
{
	sqlite3_stmt *st;
	struct rc_row *r;
	const char *key;
	int rc;

	if ((st = h->db_prepare(req, rc_range_sql)) == NULL)
		return -1;
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, dim, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, w->month_from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, w->month_to, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, w->day_from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, w->day_to, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		key = (const char *)sqlite3_column_text(st, 0);
		if ((r = rc_set_get(h, req, set, key ? key : "")) == NULL)
			goto fail;
		r->contracted += sqlite3_column_int64(st, 1);
		r->paid += sqlite3_column_int64(st, 2);
		r->projects += sqlite3_column_int64(st, 3);
		r->over_1bn += sqlite3_column_int64(st, 4);
	}
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_reset(st);
	return 0;
fail:
	sqlite3_reset(st);
	return -1;
}

/* ---- names ------------------------------------------------------------ */

struct rc_ref {
	const char	*code, *parent, *name_zh, *name_en;
};

struct rc_refs {
	struct rc_ref	*items;
	size_t		 n;
};

static int
rc_refs_load(const struct bureau_host *h, struct bureau_req *req,
    const char *sql, struct rc_refs *out)
{
	sqlite3_stmt *st;
	struct rc_ref *items = NULL, *grown;
	size_t n = 0, cap = 0;
	int rc;

	if ((st = h->db_prepare(req, sql)) == NULL)
		return -1;
	sqlite3_reset(st);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((grown = h->alloc(req, cap * sizeof(*grown))) ==
			    NULL)
				goto fail;
			if (n)
				memcpy(grown, items, n * sizeof(*grown));
			items = grown;
		}
		items[n].code = h->strdup(req,
		    (const char *)sqlite3_column_text(st, 0));
		items[n].name_zh = h->strdup(req,
		    (const char *)sqlite3_column_text(st, 1));
		items[n].name_en = h->strdup(req,
		    (const char *)sqlite3_column_text(st, 2));
		items[n].parent = sqlite3_column_type(st, 3) == SQLITE_NULL ?
		    NULL : h->strdup(req,
		    (const char *)sqlite3_column_text(st, 3));
		if (items[n].code == NULL || items[n].name_zh == NULL ||
		    items[n].name_en == NULL)
			goto fail;
		n++;
	}
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_reset(st);
	out->items = items;
	out->n = n;
	return 0;
fail:
	sqlite3_reset(st);
	return -1;
}

static const struct rc_ref *
rc_ref_find(const struct rc_refs *refs, const char *code)
{
	size_t i;

	if (code == NULL)
		return NULL;
	for (i = 0; i < refs->n; i++)
		if (strcmp(refs->items[i].code, code) == 0)
			return &refs->items[i];
	return NULL;
}

static const struct rc_ref rc_investor_types[] = {
	{ "central_soe", NULL, "央企", "Central SOE" },
	{ "local_soe", NULL, "地方国企", "Local SOE" },
	{ "private", NULL, "民营企业", "Private enterprise" },
	{ "foreign", NULL, "外资企业", "Foreign-invested enterprise" },
	{ "hmt", NULL, "港澳台资企业", "Hong Kong, Macao and Taiwan enterprise" },
};

/* ---- JSON ------------------------------------------------------------- */

static int
rc_row_cmp(const void *a, const void *b)
{
	const struct rc_row *x = a, *y = b;

	if (x->contracted != y->contracted)
		return x->contracted > y->contracted ? -1 : 1;
	if (x->projects != y->projects)
		return x->projects > y->projects ? -1 : 1;
	if (x->paid != y->paid)
		return x->paid > y->paid ? -1 : 1;
	/* "" (not specified) last, then by code: a stable order. */
	if ((x->key[0] == '\0') != (y->key[0] == '\0'))
		return x->key[0] == '\0' ? 1 : -1;
	return strcmp(x->key, y->key);
}

static json_t *
rc_set_json(struct rc_set *set, const struct rc_refs *refs)
{
	const struct rc_row *r;
	const struct rc_ref *ref;
	json_t *a, *o, *kids;
	size_t i;

	if ((a = json_array()) == NULL)
		return NULL;
	if (set->n)
		qsort(set->rows, set->n, sizeof(set->rows[0]), rc_row_cmp);
	for (i = 0; i < set->n; i++) {
		r = &set->rows[i];
		/* Keys whose roll-up rows cancelled out to nothing. */
		if (r->projects == 0 && r->contracted == 0 && r->paid == 0 &&
		    (r->children == NULL || r->children->n == 0))
			continue;
		ref = rc_ref_find(refs, r->key);
		o = json_pack("{s:o, s:s, s:s, s:I, s:I, s:I}",
		    "key", r->key[0] ? json_string(r->key) : json_null(),
		    "name_zh", ref ? ref->name_zh :
		    (r->key[0] ? r->key : "未指定"),
		    "name_en", ref ? ref->name_en :
		    (r->key[0] ? r->key : "Not specified"),
		    "projects", (json_int_t)r->projects,
		    "contracted_wan", (json_int_t)r->contracted,
		    "paid_in_wan", (json_int_t)r->paid);
		if (o == NULL || json_array_append_new(a, o) == -1)
			goto fail;
		if (r->children != NULL) {
			if ((kids = rc_set_json(r->children, refs)) == NULL ||
			    json_object_set_new(o, "children", kids) == -1)
				goto fail;
		}
	}
	return a;
fail:
	json_decref(a);
	return NULL;
}

/*
 * Source regions: each key rolls up into its top-level region; the
 * top-level item lists its sub-regions (each with its own descendants)
 * under "children" -- empty when it has none with activity.  A project
 * booked to the top-level region itself counts in the parent only.
 */
static int
rc_regions(const struct bureau_host *h, struct bureau_req *req,
    const struct rc_set *leaves, const struct rc_refs *refs,
    struct rc_set *out)
{
	const struct rc_ref *top, *below, *up;
	struct rc_row *t, *kid;
	size_t i;
	int depth;

	for (i = 0; i < leaves->n; i++) {
		/* Walk up to the root, remembering the node just below it;
		 * depth bounds a cycle in bad data. */
		below = NULL;
		top = rc_ref_find(refs, leaves->rows[i].key);
		for (depth = 0; top != NULL && top->parent != NULL &&
		    depth < 16; depth++) {
			if ((up = rc_ref_find(refs, top->parent)) == NULL)
				break;
			below = top;
			top = up;
		}
		t = rc_set_get(h, req, out, top ? top->code :
		    leaves->rows[i].key);
		if (t == NULL)
			return -1;
		rc_row_add(t, &leaves->rows[i]);
		if (t->children == NULL) {
			if ((t->children = h->alloc(req,
			    sizeof(*t->children))) == NULL)
				return -1;
			memset(t->children, 0, sizeof(*t->children));
		}
		if (below != NULL) {
			if ((kid = rc_set_get(h, req, t->children,
			    below->code)) == NULL)
				return -1;
			rc_row_add(kid, &leaves->rows[i]);
		}
	}
	return 0;
}

static json_t *
rc_breakdown(const struct bureau_host *h, struct bureau_req *req,
    const char *dim, const struct rc_window *w, const char *refsql,
    struct rc_refs *fixed)
{
	struct rc_set set = { NULL, 0, 0, 0 }, top = { NULL, 0, 0, 0 };
	struct rc_refs refs = { NULL, 0 };

	if (rc_sums(h, req, dim, w, &set) == -1)
		return NULL;
	if (fixed != NULL)
		refs = *fixed;
	else if (rc_refs_load(h, req, refsql, &refs) == -1)
		return NULL;
	if (strcmp(dim, "region") == 0) {
		if (rc_regions(h, req, &set, &refs, &top) == -1)
			return NULL;
		return rc_set_json(&top, &refs);
	}
	return rc_set_json(&set, &refs);
}

/* ---- the handler ------------------------------------------------------ */

static int
rc_single(const struct bureau_host *h, struct bureau_req *req,
    const char *sql, int64_t year, const char *d1, const char *d2,
    int64_t out[3])
{
	sqlite3_stmt *st;
	int rc, i;

	if ((st = h->db_prepare(req, sql)) == NULL)
		return -1;
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, year);
	if (d1)
		sqlite3_bind_text(st, 2, d1, -1, SQLITE_STATIC);
	if (d2)
		sqlite3_bind_text(st, 3, d2, -1, SQLITE_STATIC);
	out[0] = out[1] = out[2] = -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		for (i = 0; i < 3 && i < sqlite3_column_count(st); i++)
			out[i] = sqlite3_column_type(st, i) == SQLITE_NULL ?
			    -1 : sqlite3_column_int64(st, i);
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

static json_t *
rc_monthly(const struct bureau_host *h, struct bureau_req *req,
    const struct rc_window *w, int month_of_asof)
{
	sqlite3_stmt *st;
	json_t *a, *o;
	int64_t c[13], p[13], s[13];
	const char *m;
	int rc, i, mm;

	memset(c, 0, sizeof(c));
	memset(p, 0, sizeof(p));
	memset(s, 0, sizeof(s));
	if ((st = h->db_prepare(req, "SELECT month, contracted_wan,"
	    " paid_in_wan, signed FROM proj_rollup_month WHERE dim = 'all'"
	    " AND key = '' AND month >= ?1 AND month < ?2")) == NULL)
		return NULL;
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, w->month_from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, w->month_to, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		m = (const char *)sqlite3_column_text(st, 0);
		if (m == NULL || strlen(m) != 7)
			continue;
		mm = atoi(m + 5);
		if (mm < 1 || mm > 12)
			continue;
		c[mm] += sqlite3_column_int64(st, 1);
		p[mm] += sqlite3_column_int64(st, 2);
		s[mm] += sqlite3_column_int64(st, 3);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return NULL;
	if ((st = h->db_prepare(req, "SELECT coalesce(sum(contracted_wan), 0),"
	    " coalesce(sum(paid_in_wan), 0), coalesce(sum(signed), 0)"
	    " FROM proj_rollup_day WHERE dim = 'all' AND key = ''"
	    " AND day >= ?1 AND day <= ?2")) == NULL)
		return NULL;
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, w->day_from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, w->day_to, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		/* Adds: a whole month came from the month table already. */
		c[month_of_asof] += sqlite3_column_int64(st, 0);
		p[month_of_asof] += sqlite3_column_int64(st, 1);
		s[month_of_asof] += sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return NULL;

	if ((a = json_array()) == NULL)
		return NULL;
	for (i = 1; i <= 12; i++) {
		/* Months after as_of have no figures yet: null, not 0. */
		if (i > month_of_asof)
			o = json_pack("{s:i, s:n, s:n, s:n}", "month", i,
			    "contracted_wan", "paid_in_wan", "projects_signed");
		else
			o = json_pack("{s:i, s:I, s:I, s:I}", "month", i,
			    "contracted_wan", (json_int_t)c[i],
			    "paid_in_wan", (json_int_t)p[i],
			    "projects_signed", (json_int_t)s[i]);
		if (o == NULL || json_array_append_new(a, o) == -1) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *
rc_amount(int64_t v)
{
	return v < 0 ? json_null() : json_integer((json_int_t)v);
}

/*
 * Without ?year= the card shows the latest year that has signings up to
 * today (a bureau opening the portal in January, or one whose book ends
 * in an earlier year, sees figures rather than an empty card), else the
 * current year.
 */
static int
rc_default_year(const struct bureau_host *h, struct bureau_req *req,
    const char *today, int64_t *year)
{
	sqlite3_stmt *st;
	int rc;

	*year = atoi(today);
	st = h->db_prepare(req, "SELECT max(signed_on) FROM project_contracts"
	    " WHERE signed_on <= ?1");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, today, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_TEXT)
		*year = atoi((const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

int
report_card_get(struct bureau_req *req, void *state)
{
	const struct projects_state *ps = state;
	const struct bureau_host *h = ps->host;
	struct rc_window cur, prev;
	struct rc_set all = { NULL, 0, 0, 0 }, pall = { NULL, 0, 0, 0 };
	struct rc_set demo = { NULL, 0, 0, 0 };
	struct rc_refs types = { (struct rc_ref *)rc_investor_types,
	    sizeof(rc_investor_types) / sizeof(rc_investor_types[0]) };
	struct rc_row zero = { "", 0, 0, 0, 0, NULL }, *a = &zero, *pa = &zero;
	char today[11], asof[11], lo[11], hi[11];
	const char *q;
	int64_t year, tgt[3], key[3], mark[3];
	json_t *body = NULL, *v;
	int month, day, is_demo;

	h->today(req, today);
	if ((q = h->req_query(req, "year")) == NULL) {
		if (rc_default_year(h, req, today, &year) == -1)
			goto fail;
	} else if (strlen(q) != 4 ||
	    validate_parse_int(q, 2000, 2100, &year) == -1) {
		validate_fail(h, req, "year",
		    "year must be a year from 2000 to 2100");
		return 0;
	}
	snprintf(lo, sizeof(lo), "%04d-01-01", (int)year);
	snprintf(hi, sizeof(hi), "%04d-12-31", (int)year);
	if ((q = h->req_query(req, "as_of")) == NULL) {
		/* Default: today, clamped into the year. */
		snprintf(asof, sizeof(asof), "%s", strcmp(today, hi) > 0 ? hi :
		    strcmp(today, lo) < 0 ? lo : today);
	} else {
		if (validate_date(q) == -1 || strncmp(q, lo, 4) != 0) {
			validate_fail(h, req, "as_of",
			    "as_of must be a date YYYY-MM-DD within the year");
			return 0;
		}
		snprintf(asof, sizeof(asof), "%s", q);
	}
	month = atoi(asof + 5);
	day = atoi(asof + 8);
	rc_window_init(&cur, (int)year, month, day);
	rc_window_init(&prev, (int)year - 1, month, day);

	if (rc_sums(h, req, "all", &cur, &all) == -1 ||
	    rc_sums(h, req, "all", &prev, &pall) == -1 ||
	    rc_sums(h, req, "demo", &cur, &demo) == -1)
		goto fail;
	if (all.n)
		a = &all.rows[0];
	if (pall.n)
		pa = &pall.rows[0];
	if (rc_single(h, req, "SELECT contracted_wan, paid_in_wan FROM"
	    " project_targets WHERE year = ?1 AND district = ''", year, NULL,
	    NULL, tgt) == -1)
		goto fail;
	/* A target of 0 is no target: a percentage of it means nothing. */
	if (tgt[0] == 0)
		tgt[0] = -1;
	if (tgt[1] == 0)
		tgt[1] = -1;
	if (rc_single(h, req, "SELECT coalesce(sum(projects), 0),"
	    " coalesce(sum(started), 0), coalesce(sum(paid_in_wan), 0)"
	    " FROM proj_rollup_key WHERE year = ?1 AND day <= ?2", year, asof,
	    NULL, key) == -1)
		goto fail;
	/* The core's marker of `bureauctl demo` (ctl/cmd_demo.c). */
	if (rc_single(h, req, "SELECT count(*) FROM settings"
	    " WHERE key = 'demo_loaded' AND ?1 IS NOT NULL", year, NULL, NULL,
	    mark) == -1)
		goto fail;
	is_demo = mark[0] > 0 || (demo.n > 0 && (demo.rows[0].projects ||
	    demo.rows[0].contracted || demo.rows[0].paid));

	body = json_pack("{s:I, s:s, s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:o,"
	    " s:o, s:o, s:I, s:I, s:I, s:o, s:b}",
	    "year", (json_int_t)year,
	    "as_of", asof,
	    "contracted_wan", (json_int_t)a->contracted,
	    "paid_in_wan", (json_int_t)a->paid,
	    "prev_contracted_wan", (json_int_t)pa->contracted,
	    "prev_paid_in_wan", (json_int_t)pa->paid,
	    "contracted_growth_pct", report_pct(a->contracted - pa->contracted,
	    pa->contracted),
	    "paid_in_growth_pct", report_pct(a->paid - pa->paid, pa->paid),
	    "target_contracted_wan", rc_amount(tgt[0]),
	    "target_paid_in_wan", rc_amount(tgt[1]),
	    "contracted_target_pct", report_pct(a->contracted, tgt[0]),
	    "paid_in_target_pct", report_pct(a->paid, tgt[1]),
	    "projects_over_1bn", (json_int_t)a->over_1bn,
	    "key_projects", (json_int_t)key[0],
	    "key_paid_in_wan", (json_int_t)key[2],
	    "operation_rate_pct", report_pct(key[1], key[0]),
	    "demo", is_demo);
	if (body == NULL)
		goto fail;
	json_object_set_new(body, "projects_signed", json_integer(
	    (json_int_t)a->projects));
	json_object_set_new(body, "key_projects_started", json_integer(
	    (json_int_t)key[1]));

	if ((v = rc_breakdown(h, req, "region", &cur, "SELECT code, name_zh,"
	    " name_en, parent FROM proj_source_regions", NULL)) == NULL ||
	    json_object_set_new(body, "by_source_region", v) == -1)
		goto fail;
	if ((v = rc_breakdown(h, req, "chain", &cur, "SELECT code, name_zh,"
	    " name_en, NULL FROM proj_industry_chains", NULL)) == NULL ||
	    json_object_set_new(body, "by_industry_chain", v) == -1)
		goto fail;
	if ((v = rc_breakdown(h, req, "district", &cur, "SELECT code,"
	    " name_zh, name_en, NULL FROM proj_districts", NULL)) == NULL ||
	    json_object_set_new(body, "by_district", v) == -1)
		goto fail;
	if ((v = rc_breakdown(h, req, "investor_type", &cur, NULL,
	    &types)) == NULL ||
	    json_object_set_new(body, "by_investor_type", v) == -1)
		goto fail;
	if ((v = rc_monthly(h, req, &cur, month)) == NULL ||
	    json_object_set_new(body, "monthly", v) == -1)
		goto fail;
	h->resp_json(req, 200, body);
	return 0;
fail:
	json_decref(body);
	return -1;
}
