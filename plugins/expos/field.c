/*
 * field -- checks of request bodies and query strings for the expos and
 * regions plugins (declared in kit.h).  Every error names its field: the
 * readers answer 400 validation_failed themselves, so a handler reads as
 * a list of fields.  Projects keeps its own copy of such checks inside
 * projects.so; a plugin cannot call into another, so these are ours.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kit.h"

int
kit_enum_index(const char *const *list, const char *s)
{
	int i;

	if (s == NULL)
		return -1;
	for (i = 0; list[i] != NULL; i++)
		if (strcmp(list[i], s) == 0)
			return i;
	return -1;
}

int
kit_date_valid(const char *s)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	int i, y, m, d, leap;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -1;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 2000 || y > 2100 || m < 1 || m > 12 || d < 1)
		return -1;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (d > mdays[m - 1] + (m == 2 && leap))
		return -1;
	return 0;
}

/* Code points of valid UTF-8 (no overlongs, no surrogates), or
 * (size_t)-1.  Lengths are limited in characters: a Chinese name of 200
 * characters is 600 bytes. */
static size_t
kit_utf8_chars(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;
	uint32_t cp;
	int more, i;

	while (*p != '\0') {
		if (*p < 0x80) {
			p++;
			n++;
			continue;
		}
		if ((*p & 0xE0) == 0xC0) {
			cp = *p & 0x1F;
			more = 1;
		} else if ((*p & 0xF0) == 0xE0) {
			cp = *p & 0x0F;
			more = 2;
		} else if ((*p & 0xF8) == 0xF0) {
			cp = *p & 0x07;
			more = 3;
		} else
			return (size_t)-1;
		for (i = 1; i <= more; i++) {
			if ((p[i] & 0xC0) != 0x80)
				return (size_t)-1;
			cp = (cp << 6) | (p[i] & 0x3F);
		}
		if ((more == 1 && cp < 0x80) || (more == 2 && cp < 0x800) ||
		    (more == 3 && cp < 0x10000) || cp > 0x10FFFF ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return (size_t)-1;
		p += more + 1;
		n++;
	}
	return n;
}

int
kit_text_valid(const char *s, size_t max_chars)
{
	const unsigned char *p;
	size_t n;

	if (s == NULL)
		return -1;
	/* Control characters break CSV cells and logs in odd ways. */
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if ((*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') ||
		    *p == 0x7F)
			return -1;
	n = kit_utf8_chars(s);
	if (n == (size_t)-1 || n > max_chars)
		return -1;
	return 0;
}

int
kit_parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	long long n;

	if (s == NULL || *s == '\0' || (*s != '-' && (*s < '0' || *s > '9')))
		return -1;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return -1;
	*out = n;
	return 0;
}

int
kit_fail(const struct bureau_host *h, struct bureau_req *req,
    const char *field, const char *message)
{
	h->resp_error(req, 400, "validation_failed", field, message);
	return -1;
}

int
kit_not_found(const struct bureau_host *h, struct bureau_req *req,
    const char *what)
{
	h->resp_error(req, 404, "not_found", NULL,
	    h->printf(req, "no such %s", what));
	return -1;
}

int
kit_conflict(const struct bureau_host *h, struct bureau_req *req,
    const char *what)
{
	h->resp_error(req, 409, "conflict", "version", h->printf(req,
	    "the %s was changed by someone else; reload it and retry", what));
	return -1;
}

int
kit_json_known(const struct bureau_host *h, struct bureau_req *req,
    json_t *obj, const char *const *allowed)
{
	const char *key;
	json_t *v;

	if (!json_is_object(obj))
		return kit_fail(h, req, NULL, "the body must be a JSON object");
	json_object_foreach(obj, key, v) {
		(void)v;
		if (kit_enum_index(allowed, key) < 0)
			return kit_fail(h, req, h->strdup(req, key),
			    "unknown field");
	}
	return 0;
}

int
kit_json_text(const struct bureau_host *h, struct bureau_req *req,
    json_t *obj, const char *field, size_t max_chars, int required,
    int allow_empty, const char **out, int *present)
{
	json_t *v = json_object_get(obj, field);
	const char *s;

	*present = 0;
	*out = NULL;
	if (v == NULL || json_is_null(v)) {
		if (required)
			return kit_fail(h, req, field, "is required");
		*present = v != NULL;
		return 0;
	}
	if (!json_is_string(v))
		return kit_fail(h, req, field, "must be a string");
	s = json_string_value(v);
	if (strlen(s) != json_string_length(v))
		return kit_fail(h, req, field,
		    "must not contain NUL characters");
	if (kit_text_valid(s, max_chars) < 0)
		return kit_fail(h, req, field, h->printf(req, "must be UTF-8 "
		    "text of at most %zu characters without control "
		    "characters", max_chars));
	if (!allow_empty && *s == '\0')
		return kit_fail(h, req, field, "must not be empty");
	*out = s;
	*present = 1;
	return 0;
}

int
kit_json_int(const struct bureau_host *h, struct bureau_req *req,
    json_t *obj, const char *field, int64_t min, int64_t max, int required,
    int64_t *out, int *present)
{
	json_t *v = json_object_get(obj, field);
	json_int_t n;

	*present = 0;
	if (v == NULL || json_is_null(v)) {
		if (required)
			return kit_fail(h, req, field, "is required");
		*present = v != NULL;
		return 0;
	}
	/* 3.0 is not an integer in JSON terms (Jansson keeps it real):
	 * refused, so amounts are never silently truncated. */
	if (!json_is_integer(v))
		return kit_fail(h, req, field, "must be an integer");
	n = json_integer_value(v);
	if (n < min || n > max)
		return kit_fail(h, req, field, h->printf(req,
		    "must be between %lld and %lld", (long long)min,
		    (long long)max));
	*out = n;
	*present = 1;
	return 0;
}

int
kit_json_date(const struct bureau_host *h, struct bureau_req *req,
    json_t *obj, const char *field, int required, const char **out,
    int *present)
{
	json_t *v = json_object_get(obj, field);

	*present = 0;
	*out = NULL;
	if (v == NULL || json_is_null(v)) {
		if (required)
			return kit_fail(h, req, field, "is required");
		*present = v != NULL;
		return 0;
	}
	if (!json_is_string(v) || kit_date_valid(json_string_value(v)) < 0)
		return kit_fail(h, req, field, "must be a date YYYY-MM-DD "
		    "between 2000-01-01 and 2100-12-31");
	*out = json_string_value(v);
	*present = 1;
	return 0;
}

int
kit_json_enum(const struct bureau_host *h, struct bureau_req *req,
    json_t *obj, const char *field, const char *const *list, int required,
    const char **out, int *present)
{
	json_t *v = json_object_get(obj, field);
	char *msg;
	size_t i;

	*present = 0;
	*out = NULL;
	if (v == NULL || json_is_null(v)) {
		if (required)
			return kit_fail(h, req, field, "is required");
		*present = v != NULL;
		return 0;
	}
	if (!json_is_string(v) ||
	    kit_enum_index(list, json_string_value(v)) < 0) {
		msg = h->strdup(req, "must be one of:");
		for (i = 0; list[i] != NULL && msg != NULL; i++)
			msg = h->printf(req, "%s%s %s", msg, i ? "," : "",
			    list[i]);
		return kit_fail(h, req, field, msg);
	}
	*out = json_string_value(v);
	*present = 1;
	return 0;
}

int
kit_ref_exists(const struct bureau_host *h, struct bureau_req *req,
    enum kit_ref ref, const char *code)
{
	sqlite3_stmt *st;
	const char *sql;
	int rc;

	/* One fixed statement per list: names never come from input. */
	switch (ref) {
	case KIT_REF_DISTRICT:
		sql = "SELECT 1 FROM proj_districts_v WHERE code = ?1";
		break;
	case KIT_REF_SOURCE_REGION:
		sql = "SELECT 1 FROM proj_source_regions_v WHERE code = ?1";
		break;
	case KIT_REF_CHAIN:
		sql = "SELECT 1 FROM proj_industry_chains_v WHERE code = ?1";
		break;
	default:
		return -1;
	}
	if ((st = h->db_prepare(req, sql)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : -1;
}

int
kit_project_exists(const struct bureau_host *h, struct bureau_req *req,
    int64_t id)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = h->db_prepare(req,
	    "SELECT 1 FROM projects_v WHERE id = ?1")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : -1;
}

int
kit_json_codes(const struct bureau_host *h, struct bureau_req *req,
    json_t *obj, const char *field, enum kit_ref ref, size_t max,
    json_t **out, int *present)
{
	json_t *v = json_object_get(obj, field), *a, *x;
	const char *code, *name;
	size_t i, j;
	int rc;

	*present = 0;
	*out = NULL;
	if (v == NULL)
		return 0;
	*present = 1;
	if (json_is_null(v))
		return 0;
	if (!json_is_array(v) || json_array_size(v) > max) {
		kit_fail(h, req, field, h->printf(req, "must be an array of "
		    "at most %zu codes", max));
		return -1;
	}
	json_array_foreach(v, i, x) {
		name = h->printf(req, "%s[%zu]", field, i);
		if (!json_is_string(x) || kit_text_valid(json_string_value(x),
		    64) < 0 || *json_string_value(x) == '\0') {
			kit_fail(h, req, name, "must be a code (a string)");
			return -1;
		}
		code = json_string_value(x);
		for (j = 0; j < i; j++)
			if (strcmp(code, json_string_value(json_array_get(v,
			    j))) == 0) {
				kit_fail(h, req, name, "listed twice");
				return -1;
			}
		if ((rc = kit_ref_exists(h, req, ref, code)) < 0)
			return -2;
		if (rc == 0) {
			kit_fail(h, req, name, h->printf(req, "unknown %s code",
			    ref == KIT_REF_DISTRICT ? "district" :
			    ref == KIT_REF_SOURCE_REGION ? "source region" :
			    "industry chain"));
			return -1;
		}
	}
	if ((a = json_deep_copy(v)) == NULL)
		return -2;
	*out = a;
	return 0;
}

int
kit_claimed_version(const struct bureau_host *h, struct bureau_req *req,
    json_t *body, int64_t *out)
{
	const char *im;
	char buf[32];
	json_t *v;
	size_t n;

	*out = 0;
	if ((v = json_object_get(body, "version")) != NULL &&
	    !json_is_null(v)) {
		if (!json_is_integer(v) || json_integer_value(v) < 1)
			return kit_fail(h, req, "version",
			    "must be the integer version you read");
		*out = json_integer_value(v);
		return 0;
	}
	if ((im = h->req_header(req, "If-Match")) == NULL)
		return 0;
	if (strncmp(im, "W/", 2) == 0)
		im += 2;
	n = strlen(im);
	if (n >= 2 && im[0] == '"' && im[n - 1] == '"') {
		im++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(buf))
		return kit_fail(h, req, "version",
		    "If-Match must be an ETag of this record");
	memcpy(buf, im, n);
	buf[n] = '\0';
	if (kit_parse_int(buf, 1, INT64_MAX, out) < 0)
		return kit_fail(h, req, "version",
		    "If-Match must be an ETag of this record");
	return 0;
}

int
kit_require_version(const struct bureau_host *h, struct bureau_req *req,
    json_t *body, int64_t *out)
{
	if (kit_claimed_version(h, req, body, out) < 0)
		return -1;
	if (*out == 0)
		return kit_fail(h, req, "version",
		    "is required (or If-Match)");
	return 0;
}

int
kit_paging(const struct bureau_host *h, struct bureau_req *req,
    int64_t *limit, int64_t *offset)
{
	const char *v;

	*limit = KIT_LIMIT_DEFAULT;
	*offset = 0;
	if ((v = h->req_query(req, "limit")) != NULL && *v != '\0' &&
	    kit_parse_int(v, 1, KIT_LIMIT_MAX, limit) < 0)
		return kit_fail(h, req, "limit", "must be 1..200");
	if ((v = h->req_query(req, "offset")) != NULL && *v != '\0' &&
	    kit_parse_int(v, 0, INT64_MAX, offset) < 0)
		return kit_fail(h, req, "offset",
		    "must be a non-negative integer");
	return 0;
}

int
kit_query_date(const struct bureau_host *h, struct bureau_req *req,
    const char *name, const char **out)
{
	const char *v = h->req_query(req, name);

	*out = NULL;
	if (v == NULL || *v == '\0')
		return 0;
	if (kit_date_valid(v) < 0)
		return kit_fail(h, req, name, "must be a date YYYY-MM-DD "
		    "between 2000-01-01 and 2100-12-31");
	*out = v;
	return 0;
}

int
kit_query_int(const struct bureau_host *h, struct bureau_req *req,
    const char *name, int64_t min, int64_t max, int64_t *out, int *present)
{
	const char *v = h->req_query(req, name);

	*present = 0;
	if (v == NULL || *v == '\0')
		return 0;
	if (kit_parse_int(v, min, max, out) < 0)
		return kit_fail(h, req, name, h->printf(req,
		    "must be an integer %lld..%lld", (long long)min,
		    (long long)max));
	*present = 1;
	return 0;
}

int
kit_query_enum(const struct bureau_host *h, struct bureau_req *req,
    const char *name, const char *const *list, const char **out)
{
	const char *v = h->req_query(req, name);
	char *msg;
	size_t i;

	*out = NULL;
	if (v == NULL || *v == '\0')
		return 0;
	if (kit_enum_index(list, v) < 0) {
		msg = h->strdup(req, "must be one of:");
		for (i = 0; list[i] != NULL && msg != NULL; i++)
			msg = h->printf(req, "%s%s %s", msg, i ? "," : "",
			    list[i]);
		return kit_fail(h, req, name, msg);
	}
	*out = v;
	return 0;
}

const char *
kit_timestamp(const struct bureau_host *h, struct bureau_req *req)
{
	time_t t = (time_t)h->now(req);
	struct tm tm;
	char buf[32];

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return "1970-01-01T00:00:00Z";
	return h->strdup(req, buf);
}

int64_t
kit_actor(const struct bureau_host *h, struct bureau_req *req)
{
	const struct bureau_user *u = h->req_user(req);

	return u != NULL && u->id > 0 ? u->id : 0;
}

void
kit_etag(const struct bureau_host *h, struct bureau_req *req,
    int64_t version)
{
	h->resp_header(req, "ETag",
	    h->printf(req, "\"%lld\"", (long long)version));
}

json_t *
kit_pct(int64_t num, int64_t den)
{
	__int128 n, q;

	if (den <= 0)
		return json_null();
	/* 128 bits: a sum of a million projects times 1000 stays exact. */
	n = (__int128)num * 1000;
	q = ((n < 0 ? -n : n) * 2 + den) / ((__int128)den * 2);
	if (n < 0)
		q = -q;
	return json_real((double)(int64_t)q / 10.0);
}

int
kit_exec(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

json_t *
kit_col_str(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return json_null();
	return json_string((const char *)sqlite3_column_text(st, i));
}

json_t *
kit_col_json(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	if (s == NULL)
		return json_array();
	return json_loads(s, JSON_DECODE_ANY, NULL);
}

int64_t
kit_count(sqlite3_stmt *st)
{
	int64_t n = -1;

	if (st == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n;
}

json_t *
kit_rows(sqlite3_stmt *st, json_t *(*row)(sqlite3_stmt *))
{
	json_t *items, *o;
	int rc;

	if (st == NULL || (items = json_array()) == NULL)
		return NULL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((o = row(st)) == NULL)
			break;
		json_array_append_new(items, o);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(items);
		return NULL;
	}
	return items;
}

void
kit_send_page(const struct bureau_host *h, struct bureau_req *req,
    json_t *items, int64_t total, int64_t limit, int64_t offset)
{
	h->resp_json(req, 200, json_pack("{s:o, s:I, s:I, s:I}", "items",
	    items, "total", (json_int_t)total, "limit", (json_int_t)limit,
	    "offset", (json_int_t)offset));
}
