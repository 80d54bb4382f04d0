/*
 * validate -- field checks shared by every writer of the plugin, and the
 * reference lists the UI reads (GET /api/v1/projects/reference,
 * GET /api/v1/projects/officers).
 *
 * Every error names its field: the JSON readers answer 400
 * validation_failed with the field themselves so a handler's code reads
 * as a list of fields, each a single `if (...) return 0;`.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "projects.h"

const char *const projects_stages[] = {
	"lead", "negotiating", "signed", "under_construction",
	"in_operation", "cancelled", NULL
};
const char *const projects_investor_types[] = {
	"central_soe", "local_soe", "private", "foreign", "hmt", NULL
};
const char *const projects_problem_categories[] = {
	"environmental_protection", "energy_consumption", "land", "talents",
	"capital", "other", NULL
};
const char *const projects_problem_statuses[] = {
	"open", "in_progress", "resolved", NULL
};
const char *const projects_escalations[] = {
	"district", "bureau", "municipal", NULL
};
const char *const projects_key_levels[] = {
	"none", "district", "municipal", NULL
};

int
validate_enum_index(const char *const *list, const char *s)
{
	int i;

	if (s == NULL)
		return -1;
	for (i = 0; list[i] != NULL; i++)
		if (strcmp(list[i], s) == 0)
			return i;
	return -1;
}

/* Real calendar date, YYYY-MM-DD exactly, 2000-01-01 .. 2100-12-31. */
int
validate_date(const char *s)
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

/*
 * Number of code points of valid UTF-8 (no overlongs, no surrogates),
 * (size_t)-1 when invalid.  Lengths are limited in characters, not
 * bytes: a Chinese name of 200 characters is 600 bytes.
 */
size_t
validate_utf8_chars(const char *s)
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

/* UTF-8, at most max_chars code points, no control characters but tab
 * and newlines (they break CSV cells and logs in surprising ways). */
int
validate_text(const char *s, size_t max_chars)
{
	const unsigned char *p;
	size_t n;

	if (s == NULL)
		return -1;
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if ((*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') ||
		    *p == 0x7F)
			return -1;
	n = validate_utf8_chars(s);
	if (n == (size_t)-1 || n > max_chars)
		return -1;
	return 0;
}

int
validate_fail(const struct bureau_host *h, struct bureau_req *req,
    const char *field, const char *message)
{
	h->resp_error(req, 400, "validation_failed", field, message);
	return -1;
}

/*
 * Dates of what has happened (a stage reached, a contract signed, money
 * paid in) are not in the future: the book records facts, and since
 * later entries may not precede earlier ones, one mistyped year would
 * otherwise block a project's history until that date.  No grace: the
 * bureau's today (Asia/Shanghai) is the latest date accepted.
 */
int
validate_not_future(const struct bureau_host *h, struct bureau_req *req,
    const char *field, const char *date)
{
	char today[11];

	if (date == NULL)
		return 0;
	h->today(req, today);
	if (strcmp(date, today) > 0)
		return validate_fail(h, req, field, h->printf(req,
		    "must not be after today (%s): record what has happened",
		    today));
	return 0;
}

int
validate_json_known(const struct bureau_host *h, struct bureau_req *req,
    json_t *obj, const char *const *allowed)
{
	const char *key;
	json_t *v;

	if (!json_is_object(obj)) {
		h->resp_error(req, 400, "validation_failed", NULL,
		    "the body must be a JSON object");
		return -1;
	}
	json_object_foreach(obj, key, v) {
		(void)v;
		if (validate_enum_index(allowed, key) < 0)
			return validate_fail(h, req,
			    h->strdup(req, key), "unknown field");
	}
	return 0;
}

/*
 * A JSON null counts as present with a NULL value: for an optional field
 * it clears it (PATCH {"district": null}); for a required one it is the
 * same as absent.
 */
int
validate_json_text(const struct bureau_host *h, struct bureau_req *req,
    json_t *obj, const char *field, size_t max_chars, int required,
    int allow_empty, const char **out, int *present)
{
	json_t *v = json_object_get(obj, field);
	const char *s;

	*present = 0;
	*out = NULL;
	if (v == NULL || json_is_null(v)) {
		if (required)
			return validate_fail(h, req, field, "is required");
		if (v != NULL)
			*present = 1;
		return 0;
	}
	if (!json_is_string(v))
		return validate_fail(h, req, field, "must be a string");
	s = json_string_value(v);
	if (strlen(s) != json_string_length(v))
		return validate_fail(h, req, field,
		    "must not contain NUL characters");
	if (validate_text(s, max_chars) < 0)
		return validate_fail(h, req, field, h->printf(req,
		    "must be UTF-8 text of at most %zu characters without "
		    "control characters", max_chars));
	if (!allow_empty && *s == '\0')
		return validate_fail(h, req, field, "must not be empty");
	*out = s;
	*present = 1;
	return 0;
}

int
validate_json_amount(const struct bureau_host *h, struct bureau_req *req,
    json_t *obj, const char *field, int64_t min, int64_t max, int required,
    int64_t *out, int *present)
{
	json_t *v = json_object_get(obj, field);
	json_int_t n;

	*present = 0;
	if (v == NULL || json_is_null(v)) {
		if (required)
			return validate_fail(h, req, field, "is required");
		return 0;
	}
	if (!json_is_integer(v))
		return validate_fail(h, req, field,
		    "must be an integer (万元)");
	n = json_integer_value(v);
	if (n < min || n > max)
		return validate_fail(h, req, field, h->printf(req,
		    "must be between %lld and %lld", (long long)min,
		    (long long)max));
	*out = n;
	*present = 1;
	return 0;
}

int
validate_json_date(const struct bureau_host *h, struct bureau_req *req,
    json_t *obj, const char *field, int required, const char **out,
    int *present)
{
	json_t *v = json_object_get(obj, field);

	*present = 0;
	*out = NULL;
	if (v == NULL || json_is_null(v)) {
		if (required)
			return validate_fail(h, req, field, "is required");
		if (v != NULL)
			*present = 1;
		return 0;
	}
	if (!json_is_string(v) || validate_date(json_string_value(v)) < 0)
		return validate_fail(h, req, field,
		    "must be a date YYYY-MM-DD between 2000-01-01 and "
		    "2100-12-31");
	*out = json_string_value(v);
	*present = 1;
	return 0;
}

int
validate_json_enum(const struct bureau_host *h, struct bureau_req *req,
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
			return validate_fail(h, req, field, "is required");
		return 0;
	}
	if (!json_is_string(v) ||
	    validate_enum_index(list, json_string_value(v)) < 0) {
		msg = h->strdup(req, "must be one of:");
		for (i = 0; list[i] != NULL && msg != NULL; i++)
			msg = h->printf(req, "%s%s %s", msg, i ? "," : "",
			    list[i]);
		return validate_fail(h, req, field, msg);
	}
	*out = json_string_value(v);
	*present = 1;
	return 0;
}

int
validate_json_bool(const struct bureau_host *h, struct bureau_req *req,
    json_t *obj, const char *field, int *out, int *present)
{
	json_t *v = json_object_get(obj, field);

	*present = 0;
	*out = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return validate_fail(h, req, field, "must be true or false");
	*out = json_is_true(v);
	*present = 1;
	return 0;
}

int
validate_ref_exists(const struct bureau_host *h, struct bureau_req *req,
    const char *table, const char *code)
{
	sqlite3_stmt *st;
	const char *sql;
	int rc;

	/* Fixed statements per table: the name never comes from input. */
	if (strcmp(table, "proj_districts") == 0)
		sql = "SELECT 1 FROM proj_districts WHERE code = ?1";
	else if (strcmp(table, "proj_source_regions") == 0)
		sql = "SELECT 1 FROM proj_source_regions WHERE code = ?1";
	else if (strcmp(table, "proj_industry_chains") == 0)
		sql = "SELECT 1 FROM proj_industry_chains WHERE code = ?1";
	else
		return -1;
	if ((st = h->db_prepare(req, sql)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : -1;
}

int
validate_officer(const struct bureau_host *h, struct bureau_req *req,
    int64_t user_id)
{
	sqlite3_stmt *st;
	int rc, ok = 0;

	if ((st = h->db_prepare(req, "SELECT " PROJECTS_OFFICER_SQL_OK
	    " FROM users WHERE id = ?1")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, user_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		ok = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return ok ? 1 : 2;
	return rc == SQLITE_DONE ? 0 : -1;
}

int
validate_parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
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

/* --- GET /api/v1/projects/reference ----------------------------------- */

static json_t *
reference_enum(const char *const *list)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && list[i] != NULL; i++)
		json_array_append_new(a, json_string(list[i]));
	return a;
}

static json_t *
reference_table(const struct bureau_host *h, struct bureau_req *req,
    const char *sql, int with_parent)
{
	sqlite3_stmt *st;
	json_t *a, *o;
	int rc;

	if ((st = h->db_prepare(req, sql)) == NULL)
		return NULL;
	if ((a = json_array()) == NULL)
		return NULL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		o = json_pack("{s:s, s:s, s:s}",
		    "code", (const char *)sqlite3_column_text(st, 0),
		    "name_zh", (const char *)sqlite3_column_text(st, 1),
		    "name_en", (const char *)sqlite3_column_text(st, 2));
		if (o == NULL)
			goto fail;
		if (with_parent)
			json_object_set_new(o, "parent",
			    sqlite3_column_type(st, 3) == SQLITE_NULL ?
			    json_null() : json_string((const char *)
			    sqlite3_column_text(st, 3)));
		json_array_append_new(a, o);
	}
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_reset(st);
	return a;
fail:
	sqlite3_reset(st);
	json_decref(a);
	return NULL;
}

int
reference_get(struct bureau_req *req, void *state)
{
	const struct projects_state *ps = state;
	const struct bureau_host *h = ps->host;
	json_t *body, *d, *r, *c;

	d = reference_table(h, req, "SELECT code, name_zh, name_en FROM "
	    "proj_districts ORDER BY sort, code", 0);
	r = reference_table(h, req, "SELECT code, name_zh, name_en, parent "
	    "FROM proj_source_regions ORDER BY sort, code", 1);
	c = reference_table(h, req, "SELECT code, name_zh, name_en FROM "
	    "proj_industry_chains ORDER BY sort, code", 0);
	if (d == NULL || r == NULL || c == NULL) {
		json_decref(d);
		json_decref(r);
		json_decref(c);
		return -1;
	}
	body = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
	    "districts", d, "source_regions", r, "industry_chains", c,
	    "investor_types", reference_enum(projects_investor_types),
	    "stages", reference_enum(projects_stages),
	    "problem_categories", reference_enum(projects_problem_categories),
	    "problem_statuses", reference_enum(projects_problem_statuses),
	    "escalations", reference_enum(projects_escalations),
	    "key_levels", reference_enum(projects_key_levels));
	if (body == NULL)
		return -1;
	h->resp_json(req, 200, body);
	return 0;
}

/* --- GET /api/v1/projects/officers ------------------------------------ */

/*
 * Who may be a project's responsible officer: the active users whose role
 * is admin or officer, read from the core's users table (listing staff
 * needs staff.admin; choosing an officer needs only projects.read).  Only
 * what a picker shows: no department, role, language or login details.
 */
int
officers_get(struct bureau_req *req, void *state)
{
	const struct projects_state *ps = state;
	const struct bureau_host *h = ps->host;
	sqlite3_stmt *st;
	json_t *a, *o;
	int rc;

	if ((st = h->db_prepare(req, "SELECT id, username, display_name, "
	    "title FROM users WHERE " PROJECTS_OFFICER_SQL_OK
	    " ORDER BY display_name COLLATE NOCASE, id")) == NULL)
		return -1;
	if ((a = json_array()) == NULL) {
		sqlite3_reset(st);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		o = json_pack("{s:I, s:s, s:s, s:s}",
		    "id", (json_int_t)sqlite3_column_int64(st, 0),
		    "username", (const char *)sqlite3_column_text(st, 1),
		    "display_name", (const char *)sqlite3_column_text(st, 2),
		    "title", (const char *)sqlite3_column_text(st, 3));
		if (o == NULL || json_array_append_new(a, o) == -1) {
			rc = SQLITE_ERROR;
			break;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(a);
		return -1;
	}
	h->resp_json(req, 200, json_pack("{s:o}", "items", a));
	return 0;
}
