/*
 * auditlog.c -- the audit log's routes, for the audit.read permission
 * (admins and auditors); nothing here writes the log (audit.c does):
 *
 *	GET /api/v1/audit		filtered, paged, newest first
 *	GET /api/v1/audit/export.csv	the same filters as CSV, oldest
 *					first, for an auditor's records
 *
 * Filters: actor, entity_type, entity_id, action, and from/to as bureau
 * calendar dates (Asia/Shanghai, both inclusive).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "audit.h"
#include "auditlog.h"
#include "bureau/csv.h"
#include "request.h"

/* Rows in one export: enough for years of a bureau's activity, and a
 * bound on the memory one request can take (~300 bytes a row). */
#define AUDIT_EXPORT_MAX	100000

/* One statement for every filter combination: a NULL parameter switches
 * its condition off. */
#define AUDIT_WHERE							\
	" FROM audit_log WHERE (?1 IS NULL OR actor = ?1)"		\
	" AND (?2 IS NULL OR entity_type = ?2)"				\
	" AND (?3 IS NULL OR entity_id = ?3)"				\
	" AND (?4 IS NULL OR action = ?4)"				\
	" AND (?5 IS NULL OR at >= ?5)"					\
	" AND (?6 IS NULL OR at < ?6)"

struct audit_filter {
	const char	*actor, *etype, *action;	/* NULL or "": any */
	long long	 eid;				/* 0: any */
	int		 has_from, has_to;
	char		 from[21], to[21];		/* RFC 3339 bounds */
};

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard
 * Hinnant's civil-days algorithm). */
static int64_t
days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/*
 * A bureau calendar date (Asia/Shanghai, UTC+8 all year) to the UTC
 * instant its day starts, as the audit log's RFC 3339 text; day_after
 * gives the start of the next day (an exclusive upper bound).
 */
static int
date_bound(const char *s, int day_after, char out[21])
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int y, m, d, n = 0;

	if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3
	    || n != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 ||
	    d > mdays[m - 1])
		return -1;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) ||
	    y % 400 == 0))
		return -1;
	audit_format_time((days_from_civil(y, m, d) + day_after) * 86400 -
	    8 * 3600, out);
	return 0;
}

static int
query_int(struct bureau_req *req, const char *name, long long lo,
    long long hi, long long dflt, long long *out)
{
	const char *v = host_api.req_query(req, name);
	char *end;

	*out = dflt;
	if (v == NULL)
		return 0;
	if (*v == '\0' || *v == '-' || *v == '+')
		return -1;
	*out = strtoll(v, &end, 10);
	if (*end != '\0' || *out < lo || *out > hi)
		return -1;
	return 0;
}

static json_t *
text_json(sqlite3_stmt *st, int col)
{
	const char *t = (const char *)sqlite3_column_text(st, col);
	json_t *j;

	if (t == NULL)
		return json_null();
	if ((j = json_loads(t, JSON_DECODE_ANY, NULL)) == NULL)
		j = json_string(t);
	return j;
}

static json_t *
int_or_null(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return json_null();
	return json_integer(sqlite3_column_int64(st, col));
}

static json_t *
str_or_null(sqlite3_stmt *st, int col)
{
	const char *t = (const char *)sqlite3_column_text(st, col);

	return t != NULL ? json_string(t) : json_null();
}

/* The filters of the query string; -1 after answering 400. */
static int
audit_filter_parse(struct bureau_req *req, struct audit_filter *f)
{
	const char *from, *to;

	memset(f, 0, sizeof(*f));
	f->actor = host_api.req_query(req, "actor");
	f->etype = host_api.req_query(req, "entity_type");
	f->action = host_api.req_query(req, "action");
	from = host_api.req_query(req, "from");
	to = host_api.req_query(req, "to");
	if (query_int(req, "entity_id", 1, INT64_MAX, 0, &f->eid) == -1) {
		resp_error(req, 400, "validation_failed", "entity_id",
		    "a positive number");
		return -1;
	}
	if (from != NULL && date_bound(from, 0, f->from) == -1) {
		resp_error(req, 400, "validation_failed", "from",
		    "a date YYYY-MM-DD");
		return -1;
	}
	if (to != NULL && date_bound(to, 1, f->to) == -1) {
		resp_error(req, 400, "validation_failed", "to",
		    "a date YYYY-MM-DD");
		return -1;
	}
	f->has_from = from != NULL;
	f->has_to = to != NULL;
	return 0;
}

static void
audit_filter_bind(sqlite3_stmt *st, const struct audit_filter *f)
{
	if (f->actor != NULL && *f->actor != '\0')
		sqlite3_bind_text(st, 1, f->actor, -1, SQLITE_STATIC);
	if (f->etype != NULL && *f->etype != '\0')
		sqlite3_bind_text(st, 2, f->etype, -1, SQLITE_STATIC);
	if (f->eid > 0)
		sqlite3_bind_int64(st, 3, f->eid);
	if (f->action != NULL && *f->action != '\0')
		sqlite3_bind_text(st, 4, f->action, -1, SQLITE_STATIC);
	if (f->has_from)
		sqlite3_bind_text(st, 5, f->from, -1, SQLITE_STATIC);
	if (f->has_to)
		sqlite3_bind_text(st, 6, f->to, -1, SQLITE_STATIC);
}

/* Entries matching f: 0, or -1 on a database error. */
static int
audit_count(struct bureau_req *req, const struct audit_filter *f,
    int64_t *n)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = host_api.db_prepare(req, "SELECT count(*)" AUDIT_WHERE))
	    == NULL)
		return -1;
	audit_filter_bind(st, f);
	rc = sqlite3_step(st);
	*n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

static int
audit_list(struct bureau_req *req, void *state)
{
	struct audit_filter f;
	long long limit, offset;
	sqlite3_stmt *st;
	json_t *items, *item;
	int64_t total;
	int rc;

	(void)state;
	if (query_int(req, "limit", 1, 200, 50, &limit) == -1)
		return resp_error(req, 400, "validation_failed", "limit",
		    "1 to 200");
	if (query_int(req, "offset", 0, 1000000000, 0, &offset) == -1)
		return resp_error(req, 400, "validation_failed", "offset",
		    "a number from 0");
	if (audit_filter_parse(req, &f) == -1)
		return 0;
	if (audit_count(req, &f, &total) == -1)
		return -1;
	st = host_api.db_prepare(req, "SELECT id, at, actor_id, actor, ip,"
	    " action, entity_type, entity_id, before, after, hash"
	    AUDIT_WHERE " ORDER BY id DESC LIMIT ?7 OFFSET ?8");
	if (st == NULL || (items = json_array()) == NULL)
		return -1;
	audit_filter_bind(st, &f);
	sqlite3_bind_int64(st, 7, limit);
	sqlite3_bind_int64(st, 8, offset);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		item = json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,"
		    "s:o}",
		    "id", (json_int_t)sqlite3_column_int64(st, 0),
		    "at", str_or_null(st, 1),
		    "actor_id", int_or_null(st, 2),
		    "actor", str_or_null(st, 3),
		    "ip", str_or_null(st, 4),
		    "action", str_or_null(st, 5),
		    "entity_type", str_or_null(st, 6),
		    "entity_id", int_or_null(st, 7),
		    "before", text_json(st, 8),
		    "after", text_json(st, 9),
		    "hash", str_or_null(st, 10));
		if (item == NULL || json_array_append_new(items, item) == -1)
			goto fail;
	}
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_reset(st);
	return resp_json(req, 200, json_pack("{s:o,s:I}", "items", items,
	    "total", (json_int_t)total));
fail:
	sqlite3_reset(st);
	json_decref(items);
	return -1;
}

/*
 * The columns are the list's, with before/after as their JSON text and
 * the chain's hash, so an export can be checked against `bureauctl audit
 * verify` figures; the header row names them as the API does.
 */
static int
audit_export(struct bureau_req *req, void *state)
{
	static const char *const cols[] = { "id", "at", "actor_id", "actor",
	    "ip", "action", "entity_type", "entity_id", "before", "after",
	    "hash", NULL };
	struct audit_filter f;
	struct bureau_csv c;
	sqlite3_stmt *st;
	int64_t total;
	int i, rc;

	(void)state;
	if (audit_filter_parse(req, &f) == -1)
		return 0;
	if (audit_count(req, &f, &total) == -1)
		return -1;
	if (total > AUDIT_EXPORT_MAX)
		return resp_error(req, 422, "too_many_rows", "from",
		    host_api.printf(req, "%lld entries match; an export takes"
		    " at most %d: narrow the dates", (long long)total,
		    AUDIT_EXPORT_MAX));
	st = host_api.db_prepare(req, "SELECT id, at, actor_id, actor, ip,"
	    " action, entity_type, entity_id, before, after, hash"
	    AUDIT_WHERE " ORDER BY id");
	if (st == NULL || bureau_csv_open(&c) == -1)
		return -1;
	audit_filter_bind(st, &f);
	for (i = 0; cols[i] != NULL; i++)
		bureau_csv_text(&c, cols[i]);
	bureau_csv_eol(&c);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (i = 0; cols[i] != NULL; i++)
			bureau_csv_col(&c, st, i);
		bureau_csv_eol(&c);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		bureau_csv_discard(&c);
		return -1;
	}
	return bureau_csv_send(&host_api, req, &c, "audit-log");
}

const struct bureau_route auditlog_routes[] = {
	{ "GET", "/api/v1/audit", audit_list, "audit.read", 0 },
	{ "GET", "/api/v1/audit/export.csv", audit_export, "audit.read", 0 },
	{ NULL, NULL, NULL, NULL, 0 }
};
