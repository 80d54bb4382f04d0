/*
 * import -- projects from a CSV file (POST /api/v1/projects/import).
 *
 * The body is text/csv in UTF-8 (with or without BOM) or in GB18030, as
 * Chinese Excel saves it: valid UTF-8 is taken as UTF-8, anything else
 * is converted from GB18030 with iconv (GB18030 is a superset of GBK and
 * GB2312).  libcsv parses it; the header row names the columns.  Linked
 * values are matched by code or name (Chinese or English), the officer
 * by username or display name.
 *
 * mode=dry_run (default) answers a preview and every row's errors
 * (row, column, message); mode=commit writes all rows in one
 * transaction or, if any row has an error, nothing (422 with the
 * errors).  Rows are numbered as lines of the file, the header being 1.
 */
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <csv.h>

#include "projects.h"

#define IMPORT_MAX_ROWS		10000
#define IMPORT_MAX_ERRORS	500
#define IMPORT_PREVIEW		20
#define AMOUNT_MAX		1000000000LL

enum import_col {
	C_NAME_ZH, C_NAME_EN, C_INVESTOR, C_INVESTOR_TYPE, C_SOURCE_REGION,
	C_INDUSTRY_CHAIN, C_DISTRICT, C_STAGE, C_OFFICER, C_SIGNED_ON,
	C_SIGNING_WAN, C_NOTES, IMPORT_NCOLS
};

static const char *const import_cols[IMPORT_NCOLS + 1] = {
	"name_zh", "name_en", "investor", "investor_type", "source_region",
	"industry_chain", "district", "stage", "officer", "signed_on",
	"signing_wan", "notes", NULL
};

/* Columns an export writes that an import ignores (computed values). */
static const char *const import_ignored[] = {
	"id", "contracted_wan", "paid_in_wan", "key_level", "demo", NULL
};

/* Labels staff write instead of codes. */
struct import_label {
	const char	*label, *code;
};

static const struct import_label investor_labels[] = {
	{ "央企", "central_soe" }, { "中央企业", "central_soe" },
	{ "地方国企", "local_soe" }, { "地方国有企业", "local_soe" },
	{ "民企", "private" }, { "民营企业", "private" },
	{ "外资", "foreign" }, { "外资企业", "foreign" },
	{ "港澳台", "hmt" }, { "港澳台资", "hmt" }, { "港澳台企业", "hmt" },
	{ NULL, NULL }
};

static const struct import_label stage_labels[] = {
	{ "线索", "lead" }, { "在谈", "negotiating" },
	{ "洽谈", "negotiating" }, { "签约", "signed" },
	{ "已签约", "signed" }, { "在建", "under_construction" },
	{ "开工", "under_construction" }, { "投产", "in_operation" },
	{ "已投产", "in_operation" }, { "运营", "in_operation" },
	{ "取消", "cancelled" }, { "已取消", "cancelled" },
	{ NULL, NULL }
};

/* One record of the file. */
struct import_rec {
	int	 line;
	size_t	 n;
	char	**f;
};

/* libcsv callback state. */
struct import_parse {
	const struct bureau_host *h;
	struct bureau_req	*req;
	char			**fields;
	size_t			 nfields, capfields;
	struct import_rec	*recs;
	size_t			 nrecs, caprecs;
	int			 line;		/* line the next record starts on */
	int			 extra;		/* newlines inside quoted fields */
	int			 prev_c;
	int			 failed;
};

/* A validated row. */
struct import_row {
	int		 line;
	const char	*v[IMPORT_NCOLS];	/* normalised values, NULL = empty */
	int		 given[IMPORT_NCOLS];	/* the cell was not empty */
	int64_t		 officer_id, signing_wan;
};

static void
import_cb_field(void *s, size_t len, void *data)
{
	struct import_parse *ip = data;
	char *copy, **nf;
	size_t i;

	if (ip->failed)
		return;
	if (ip->nfields == ip->capfields) {
		ip->capfields = ip->capfields ? 2 * ip->capfields : 16;
		if ((nf = realloc(ip->fields, ip->capfields *
		    sizeof(*nf))) == NULL) {
			ip->failed = 1;
			return;
		}
		ip->fields = nf;
	}
	if ((copy = ip->h->alloc(ip->req, len + 1)) == NULL) {
		ip->failed = 1;
		return;
	}
	if (len > 0)
		memcpy(copy, s, len);
	copy[len] = '\0';
	for (i = 0; i < len; i++)
		if (copy[i] == '\n')
			ip->extra++;
	ip->fields[ip->nfields++] = copy;
}

static void
import_cb_record(int c, void *data)
{
	struct import_parse *ip = data;
	struct import_rec *nr;
	char **f;
	size_t i, empty = 0;

	if (ip->failed)
		return;
	/* With CSV_REPALL_NL a CRLF ends a record at CR and reports an
	 * empty one at LF: that LF is not a line of its own. */
	if (ip->nfields == 0 && c == '\n' && ip->prev_c == '\r') {
		ip->prev_c = c;
		return;
	}
	ip->prev_c = c;
	for (i = 0; i < ip->nfields; i++)
		if (*ip->fields[i] == '\0')
			empty++;
	if (ip->nfields > 0 && empty < ip->nfields) {
		if (ip->nrecs == ip->caprecs) {
			ip->caprecs = ip->caprecs ? 2 * ip->caprecs : 64;
			if ((nr = realloc(ip->recs, ip->caprecs *
			    sizeof(*nr))) == NULL) {
				ip->failed = 1;
				return;
			}
			ip->recs = nr;
		}
		f = ip->h->alloc(ip->req, ip->nfields * sizeof(*f));
		if (f == NULL) {
			ip->failed = 1;
			return;
		}
		memcpy(f, ip->fields, ip->nfields * sizeof(*f));
		ip->recs[ip->nrecs].line = ip->line;
		ip->recs[ip->nrecs].n = ip->nfields;
		ip->recs[ip->nrecs].f = f;
		ip->nrecs++;
	}
	ip->line += 1 + ip->extra;
	ip->extra = 0;
	ip->nfields = 0;
}

/* Valid UTF-8 over a length (the body is not NUL-terminated). */
static int
import_is_utf8(const char *s, size_t len)
{
	char *copy;
	size_t n;
	int ok;

	if (memchr(s, '\0', len) != NULL)
		return 0;
	if ((copy = malloc(len + 1)) == NULL)
		return 0;
	memcpy(copy, s, len);
	copy[len] = '\0';
	n = validate_utf8_chars(copy);
	ok = n != (size_t)-1;
	free(copy);
	return ok;
}

/* GB18030 → UTF-8 into request memory; NULL when not convertible. */
static char *
import_from_gb18030(const struct bureau_host *h, struct bureau_req *req,
    const char *in, size_t len, size_t *outlen)
{
	iconv_t cd;
	char *out, *ip, *op;
	size_t cap = 2 * len + 16, il, ol;

	if ((cd = iconv_open("UTF-8", "GB18030")) == (iconv_t)-1)
		return NULL;
	/* GB18030 needs at most 4 bytes where UTF-8 needs 4; 2-byte GBK
	 * becomes 3 bytes: 2*len bounds the output. */
	if ((out = h->alloc(req, cap)) == NULL) {
		iconv_close(cd);
		return NULL;
	}
	ip = (char *)in;
	il = len;
	op = out;
	ol = cap - 1;
	if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 ||
	    iconv(cd, NULL, NULL, &op, &ol) == (size_t)-1) {
		iconv_close(cd);
		return NULL;
	}
	iconv_close(cd);
	*op = '\0';
	*outlen = (size_t)(op - out);
	if (memchr(out, '\0', *outlen) != NULL)
		return NULL;
	return out;
}

/* --- errors ----------------------------------------------------------- */

struct import_errors {
	json_t	*list;		/* the first IMPORT_MAX_ERRORS */
	int	 count;		/* all of them */
	int	 rows_with_errors;
};

static void
import_error(struct import_errors *e, int line, const char *column,
    const char *message)
{
	if (e->count++ >= IMPORT_MAX_ERRORS)
		return;
	json_array_append_new(e->list, json_pack("{s:i, s:s?, s:s}", "row",
	    line, "column", column, "message", message));
}

/* --- value matching --------------------------------------------------- */

static const char *
import_label(const struct import_label *l, const char *const *codes,
    const char *v)
{
	int i;

	if ((i = validate_enum_index(codes, v)) >= 0)
		return codes[i];
	for (; l->label != NULL; l++)
		if (strcmp(l->label, v) == 0)
			return l->code;
	return NULL;
}

/* Code, Chinese name or English name (any case) of a reference row.
 * 1 found (*code set), 0 not, -1 error. */
static int
import_ref(const struct bureau_host *h, struct bureau_req *req,
    enum import_col col, const char *v, const char **code)
{
	sqlite3_stmt *st;
	const char *sql;
	int rc;

	switch (col) {
	case C_SOURCE_REGION:
		sql = "SELECT code FROM proj_source_regions WHERE code = ?1 "
		    "OR name_zh = ?1 OR lower(name_en) = lower(?1) "
		    "ORDER BY code = ?1 DESC LIMIT 1";
		break;
	case C_INDUSTRY_CHAIN:
		sql = "SELECT code FROM proj_industry_chains WHERE code = ?1 "
		    "OR name_zh = ?1 OR lower(name_en) = lower(?1) "
		    "ORDER BY code = ?1 DESC LIMIT 1";
		break;
	default:
		sql = "SELECT code FROM proj_districts WHERE code = ?1 "
		    "OR name_zh = ?1 OR lower(name_en) = lower(?1) "
		    "ORDER BY code = ?1 DESC LIMIT 1";
		break;
	}
	if ((st = h->db_prepare(req, sql)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, v, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*code = h->strdup(req, (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/*
 * By username (any case), else by a display name held by exactly one
 * eligible user (an active admin or officer, as POST /projects wants of
 * officer_id).  1 found, 0 not, 2 ambiguous, 3 only users who may not be
 * officers (deactivated, viewers, auditors), -1 error.
 */
static int
import_officer(const struct bureau_host *h, struct bureau_req *req,
    const char *v, int64_t *id)
{
	sqlite3_stmt *st;
	int rc, ok = 0, n = 0, bad = 0;

	if ((st = h->db_prepare(req, "SELECT id, " PROJECTS_OFFICER_SQL_OK
	    " FROM users WHERE username = ?1 COLLATE NOCASE")) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, v, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		ok = sqlite3_column_int(st, 1);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return ok ? 1 : 3;
	if (rc != SQLITE_DONE)
		return -1;
	if ((st = h->db_prepare(req, "SELECT id, " PROJECTS_OFFICER_SQL_OK
	    " FROM users WHERE display_name = ?1")) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, v, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!sqlite3_column_int(st, 1)) {
			bad++;
			continue;
		}
		*id = sqlite3_column_int64(st, 0);
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return -1;
	return n == 1 ? 1 : n > 1 ? 2 : bad > 0 ? 3 : 0;
}

/* YYYY-MM-DD, or YYYY/M/D and YYYY-M-D as Excel rewrites dates. */
static const char *
import_date(const struct bureau_host *h, struct bureau_req *req,
    const char *v)
{
	int y, m, d, n = 0;
	char sep;
	const char *out;

	if (sscanf(v, "%4d%c%2d%*[-/]%2d%n", &y, &sep, &m, &d, &n) != 4 ||
	    v[n] != '\0' || (sep != '-' && sep != '/'))
		return NULL;
	if (y < 0 || m < 0 || d < 0 || y > 9999 || m > 99 || d > 99)
		return NULL;
	out = h->printf(req, "%04d-%02d-%02d", y, m, d);
	return out != NULL && validate_date(out) == 0 ? out : NULL;
}

/* Digits, optionally grouped with commas: "1,000,000". */
static int
import_amount(const char *v, int64_t *out)
{
	int64_t n = 0;
	int digits = 0;

	for (; *v != '\0'; v++) {
		if (*v == ',')
			continue;
		if (*v < '0' || *v > '9' || n > AMOUNT_MAX)
			return -1;
		n = n * 10 + (*v - '0');
		digits++;
	}
	if (digits == 0 || n < 1 || n > AMOUNT_MAX)
		return -1;
	*out = n;
	return 0;
}

/* Undoes the export's CSV-injection guard ('=..., '+..., ...). */
static const char *
import_unguard(const char *v)
{
	if (v[0] == '\'' && v[1] != '\0' && strchr("=+-@\t\r", v[1]) != NULL)
		return v + 1;
	return v;
}

/*
 * Validates one record into row; errors go to e.  0 (with or without
 * errors), -1 on an internal error.
 */
static int
import_check_row(const struct bureau_host *h, struct bureau_req *req,
    const struct import_rec *rec, const int *map, size_t ncols,
    struct import_row *row, struct import_errors *e)
{
	const char *v, *code;
	char today[11];
	size_t i, max;
	int before = e->count, rc, s;
	enum import_col c;

	memset(row, 0, sizeof(*row));
	row->line = rec->line;
	h->today(req, today);
	if (rec->n > ncols) {
		import_error(e, rec->line, NULL, "more fields than the header "
		    "has columns");
		goto done;
	}
	for (i = 0; i < rec->n; i++) {
		if (map[i] < 0 || *rec->f[i] == '\0')
			continue;
		c = (enum import_col)map[i];
		v = import_unguard(rec->f[i]);
		row->given[c] = 1;
		max = c == C_NOTES ? 4000 : 200;
		if (validate_text(v, max) < 0) {
			import_error(e, rec->line, import_cols[c], h->printf(req,
			    "must be text of at most %zu characters without "
			    "control characters", max));
			continue;
		}
		switch (c) {
		case C_INVESTOR_TYPE:
			if ((code = import_label(investor_labels,
			    projects_investor_types, v)) == NULL)
				import_error(e, rec->line, import_cols[c],
				    "unknown investor type");
			row->v[c] = code;
			break;
		case C_STAGE:
			if ((code = import_label(stage_labels,
			    projects_stages, v)) == NULL)
				import_error(e, rec->line, import_cols[c],
				    "unknown stage");
			row->v[c] = code;
			break;
		case C_SOURCE_REGION:
		case C_INDUSTRY_CHAIN:
		case C_DISTRICT:
			if ((rc = import_ref(h, req, c, v, &code)) < 0)
				return -1;
			if (rc == 0)
				import_error(e, rec->line, import_cols[c],
				    h->printf(req, "no %s named \"%s\"",
				    import_cols[c], v));
			else
				row->v[c] = code;
			break;
		case C_OFFICER:
			if ((rc = import_officer(h, req, v,
			    &row->officer_id)) < 0)
				return -1;
			if (rc != 1) {
				row->officer_id = 0;
				import_error(e, rec->line, import_cols[c],
				    rc == 0 ? "no user with this username or "
				    "name" : rc == 2 ? "several users have this "
				    "name; use the username" : "must be an "
				    "active admin or officer (not a viewer, an "
				    "auditor or a deactivated account)");
			}
			row->v[c] = v;
			break;
		case C_SIGNED_ON:
			if ((row->v[c] = import_date(h, req, v)) == NULL)
				import_error(e, rec->line, import_cols[c],
				    "must be a date YYYY-MM-DD between "
				    "2000-01-01 and 2100-12-31");
			else if (strcmp(row->v[c], today) > 0) {
				/* As for POST .../contracts: a signing
				 * is a fact, not a plan. */
				import_error(e, rec->line, import_cols[c],
				    h->printf(req, "must not be after today "
				    "(%s)", today));
				row->v[c] = NULL;
			}
			break;
		case C_SIGNING_WAN:
			if (import_amount(v, &row->signing_wan) < 0)
				import_error(e, rec->line, import_cols[c],
				    "must be an integer 1..1000000000 (万元)");
			else
				row->v[c] = v;
			break;
		default:
			row->v[c] = v;
			break;
		}
	}
	if (!row->given[C_NAME_ZH] && !row->given[C_NAME_EN])
		import_error(e, rec->line, "name_zh",
		    "a Chinese or an English name is required");
	if (!row->given[C_INVESTOR])
		import_error(e, rec->line, "investor", "is required");
	if (!row->given[C_INVESTOR_TYPE])
		import_error(e, rec->line, "investor_type", "is required");
	/* A signing is a date and an amount together. */
	if (row->given[C_SIGNED_ON] != row->given[C_SIGNING_WAN])
		import_error(e, rec->line, row->given[C_SIGNED_ON] ?
		    "signing_wan" : "signed_on",
		    "signed_on and signing_wan go together");
	if (!row->given[C_STAGE])
		row->v[C_STAGE] = "lead";
	if (row->v[C_STAGE] != NULL) {
		s = validate_enum_index(projects_stages, row->v[C_STAGE]);
		if (s >= 2 && s <= 4 && !row->given[C_SIGNED_ON] &&
		    !row->given[C_SIGNING_WAN])
			import_error(e, rec->line, "stage", "a signed project "
			    "needs signed_on and signing_wan");
		if (s <= 1 && (row->given[C_SIGNED_ON] ||
		    row->given[C_SIGNING_WAN]))
			import_error(e, rec->line, "stage", "a project with a "
			    "signing is signed or later");
	}
done:
	if (e->count > before)
		e->rows_with_errors++;
	return 0;
}

/* Maps header cells to columns; errors go to e. */
static void
import_header(const struct bureau_host *h, struct bureau_req *req,
    const struct import_rec *rec, int *map, struct import_errors *e)
{
	int seen[IMPORT_NCOLS] = { 0 }, idx;
	char *name;
	size_t i, j, n;

	for (i = 0; i < rec->n; i++) {
		map[i] = -1;
		name = h->strdup(req, import_unguard(rec->f[i]));
		if (name == NULL)
			continue;
		/* Trim and fold: " Name_ZH " is name_zh. */
		while (*name == ' ' || *name == '\t')
			name++;
		n = strlen(name);
		while (n > 0 && (name[n - 1] == ' ' || name[n - 1] == '\t'))
			name[--n] = '\0';
		for (j = 0; j < n; j++)
			if (name[j] >= 'A' && name[j] <= 'Z')
				name[j] = (char)(name[j] - 'A' + 'a');
		if (*name == '\0' ||
		    validate_enum_index(import_ignored, name) >= 0)
			continue;
		if ((idx = validate_enum_index(import_cols, name)) < 0) {
			import_error(e, rec->line, name, "unknown column");
			continue;
		}
		if (seen[idx]++) {
			import_error(e, rec->line, name, "column listed twice");
			continue;
		}
		map[i] = idx;
	}
	if (!seen[C_NAME_ZH] && !seen[C_NAME_EN])
		import_error(e, rec->line, "name_zh",
		    "missing column (name_zh or name_en)");
	if (!seen[C_INVESTOR])
		import_error(e, rec->line, "investor", "missing column");
	if (!seen[C_INVESTOR_TYPE])
		import_error(e, rec->line, "investor_type", "missing column");
}

static json_t *
import_row_json(const struct import_row *row)
{
	json_t *o;
	int c;

	if ((o = json_pack("{s:i}", "row", row->line)) == NULL)
		return NULL;
	for (c = 0; c < IMPORT_NCOLS; c++) {
		if (c == C_OFFICER || c == C_SIGNING_WAN)
			continue;
		json_object_set_new(o, import_cols[c], row->v[c] != NULL ?
		    json_string(row->v[c]) : c == C_NAME_ZH || c == C_NAME_EN ||
		    c == C_NOTES ? json_string("") : json_null());
	}
	json_object_set_new(o, "officer_id", row->officer_id > 0 ?
	    json_integer(row->officer_id) : json_null());
	json_object_set_new(o, "signing_wan", row->v[C_SIGNING_WAN] != NULL ?
	    json_integer(row->signing_wan) : json_null());
	return o;
}

static void
bind_or_null(sqlite3_stmt *st, int i, const char *v)
{
	if (v != NULL)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/* Writes one validated row (inside the import's transaction). */
static int
import_write(const struct bureau_host *h, struct bureau_req *req,
    const struct import_row *row, const char *today, int64_t *idp)
{
	const char *stage = row->v[C_STAGE], *now, *eff;
	sqlite3_stmt *st;
	int64_t id;
	int rc;

	now = project_timestamp(h, req);
	if ((st = h->db_prepare(req, "INSERT INTO projects(name_zh, name_en, "
	    "investor, investor_type, source_region, industry_chain, "
	    "district, stage, officer_id, notes, created_at, updated_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'lead', ?8, ?9, ?10, ?10)"))
	    == NULL)
		return -1;
	sqlite3_bind_text(st, 1, row->v[C_NAME_ZH] ? row->v[C_NAME_ZH] : "",
	    -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, row->v[C_NAME_EN] ? row->v[C_NAME_EN] : "",
	    -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, row->v[C_INVESTOR], -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, row->v[C_INVESTOR_TYPE], -1,
	    SQLITE_TRANSIENT);
	bind_or_null(st, 5, row->v[C_SOURCE_REGION]);
	bind_or_null(st, 6, row->v[C_INDUSTRY_CHAIN]);
	bind_or_null(st, 7, row->v[C_DISTRICT]);
	if (row->officer_id > 0)
		sqlite3_bind_int64(st, 8, row->officer_id);
	else
		sqlite3_bind_null(st, 8);
	sqlite3_bind_text(st, 9, row->v[C_NOTES] ? row->v[C_NOTES] : "", -1,
	    SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 10, now, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return -1;
	id = sqlite3_last_insert_rowid(h->db(req));

	if (row->v[C_SIGNED_ON] == NULL) {
		if (stage_record(h, req, id, NULL, stage, today, "import") < 0)
			return -1;
	} else {
		/* The signing is the ledger's first entry, as everywhere;
		 * a later stage is recorded from the signing on. */
		if (stage_record(h, req, id, NULL, "signed",
		    row->v[C_SIGNED_ON], "import") < 0)
			return -1;
		if ((st = h->db_prepare(req, "INSERT INTO project_contracts("
		    "project_id, kind, signed_on, amount_wan, note, "
		    "recorded_at, actor_id) VALUES (?1, 'signing', ?2, ?3, "
		    "'import', ?4, ?5)")) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, row->v[C_SIGNED_ON], -1,
		    SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 3, row->signing_wan);
		sqlite3_bind_text(st, 4, now, -1, SQLITE_TRANSIENT);
		if (project_actor(h, req) > 0)
			sqlite3_bind_int64(st, 5, project_actor(h, req));
		else
			sqlite3_bind_null(st, 5);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE || ledger_refresh(h, req, id) < 0)
			return -1;
		eff = strcmp(row->v[C_SIGNED_ON], today) > 0 ?
		    row->v[C_SIGNED_ON] : today;
		if (strcmp(stage, "signed") != 0 && stage_record(h, req, id,
		    "signed", stage, eff, "import") < 0)
			return -1;
	}
	if (report_rollup_project(h, req, id, +1) < 0 ||
	    search_index(h, req, id) < 0)
		return -1;
	*idp = id;
	return 0;
}

static int
import_content_type_ok(const char *ct)
{
	size_t n = strlen("text/csv");

	return ct != NULL && strncasecmp(ct, "text/csv", n) == 0 &&
	    (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* POST /api/v1/projects/import?mode=dry_run|commit (text/csv) */
int
import_post(struct bureau_req *req, void *state)
{
	const struct projects_state *ps = state;
	const struct bureau_host *h = ps->host;
	struct import_parse ip;
	struct import_errors e = { NULL, 0, 0 };
	struct csv_parser parser;
	struct import_row *rows = NULL;
	const char *mode, *body;
	json_t *preview = NULL, *ids = NULL, *resp, *after;
	char today[11], *text;
	size_t len, nrows = 0, i;
	int64_t id;
	int *map = NULL, commit, ret = -1, parsed = 0;

	memset(&ip, 0, sizeof(ip));
	if (!import_content_type_ok(h->req_content_type(req))) {
		h->resp_error(req, 415, "unsupported_media_type", NULL,
		    "send the file as text/csv");
		return 0;
	}
	mode = h->req_query(req, "mode");
	if (mode == NULL || *mode == '\0')
		mode = "dry_run";
	if (strcmp(mode, "dry_run") != 0 && strcmp(mode, "commit") != 0) {
		validate_fail(h, req, "mode", "must be dry_run or commit");
		return 0;
	}
	commit = strcmp(mode, "commit") == 0;
	body = h->req_body(req, &len);
	if (body == NULL || len == 0) {
		validate_fail(h, req, "file", "the file is empty");
		return 0;
	}

	/* Encoding: a BOM says UTF-8; valid UTF-8 is UTF-8; else GB18030. */
	if (len >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0) {
		body += 3;
		len -= 3;
		if (!import_is_utf8(body, len)) {
			validate_fail(h, req, "file", "the file has a UTF-8 "
			    "BOM but is not valid UTF-8");
			return 0;
		}
		text = (char *)body;
	} else if (import_is_utf8(body, len))
		text = (char *)body;
	else if ((text = import_from_gb18030(h, req, body, len, &len))
	    == NULL) {
		validate_fail(h, req, "file", "the file is neither UTF-8 nor "
		    "GB18030 text");
		return 0;
	} else if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
		/* GB18030's own BOM (84 31 95 33) converts to U+FEFF. */
		text += 3;
		len -= 3;
	}

	ip.h = h;
	ip.req = req;
	ip.line = 1;
	if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL |
	    CSV_APPEND_NULL) != 0)
		return -1;
	parsed = 1;
	if (csv_parse(&parser, text, len, import_cb_field, import_cb_record,
	    &ip) != len || csv_fini(&parser, import_cb_field,
	    import_cb_record, &ip) != 0) {
		if (csv_error(&parser) == CSV_EPARSE) {
			validate_fail(h, req, "file", h->printf(req,
			    "CSV syntax error (a stray or unclosed quote) "
			    "near line %d", ip.line));
			ret = 0;
		}
		goto out;
	}
	if (ip.failed)
		goto out;
	if (ip.nrecs == 0) {
		validate_fail(h, req, "file", "the file has no header row");
		ret = 0;
		goto out;
	}
	nrows = ip.nrecs - 1;
	if (nrows > IMPORT_MAX_ROWS) {
		validate_fail(h, req, "file", h->printf(req, "at most %d rows "
		    "per import", IMPORT_MAX_ROWS));
		ret = 0;
		goto out;
	}

	if ((e.list = json_array()) == NULL ||
	    (preview = json_array()) == NULL ||
	    (map = h->alloc(req, ip.recs[0].n * sizeof(*map))) == NULL ||
	    (rows = h->alloc(req, (nrows + 1) * sizeof(*rows))) == NULL)
		goto out;
	import_header(h, req, &ip.recs[0], map, &e);
	if (e.count > 0) {
		e.rows_with_errors = (int)nrows;
	} else {
		for (i = 0; i < nrows; i++) {
			if (import_check_row(h, req, &ip.recs[i + 1], map,
			    ip.recs[0].n, &rows[i], &e) < 0)
				goto out;
			if (json_array_size(preview) < IMPORT_PREVIEW)
				json_array_append_new(preview,
				    import_row_json(&rows[i]));
		}
	}

	if (!commit) {
		h->resp_json(req, 200, json_pack("{s:s, s:I, s:I, s:i, s:O, s:O}",
		    "mode", "dry_run", "rows", (json_int_t)nrows, "valid",
		    (json_int_t)(nrows - (size_t)e.rows_with_errors),
		    "error_count", e.count, "errors", e.list, "preview",
		    preview));
		ret = 0;
		goto out;
	}
	if (e.count > 0) {
		h->resp_json(req, 422, json_pack("{s:{s:s, s:s}, s:s, s:I, "
		    "s:I, s:i, s:O}", "error", "code", "validation_failed",
		    "message", "nothing was imported: fix the rows listed in "
		    "errors", "mode", "commit", "rows", (json_int_t)nrows,
		    "valid", (json_int_t)(nrows - (size_t)e.rows_with_errors),
		    "error_count", e.count, "errors", e.list));
		ret = 0;
		goto out;
	}

	h->today(req, today);
	if ((ids = json_array()) == NULL || h->db_begin(req) < 0)
		goto out;
	for (i = 0; i < nrows; i++) {
		if (import_write(h, req, &rows[i], today, &id) < 0) {
			h->log(BUREAU_LOG_ERR, "projects: import row %d: %s",
			    rows[i].line, sqlite3_errmsg(h->db(req)));
			h->db_rollback(req);
			goto out;
		}
		json_array_append_new(ids, json_integer(id));
	}
	after = json_pack("{s:I, s:O}", "imported", (json_int_t)nrows, "ids",
	    ids);
	if (after == NULL || h->audit(req, "project.import", "project", 0,
	    NULL, after) < 0 || h->db_commit(req) < 0) {
		json_decref(after);
		h->db_rollback(req);
		goto out;
	}
	json_decref(after);
	resp = json_pack("{s:s, s:I, s:O}", "mode", "commit", "imported",
	    (json_int_t)nrows, "ids", ids);
	h->resp_json(req, 200, resp);
	ret = 0;
out:
	if (parsed)
		csv_free(&parser);
	free(ip.fields);
	free(ip.recs);
	json_decref(e.list);
	json_decref(preview);
	json_decref(ids);
	return ret;
}
