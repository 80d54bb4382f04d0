/*
 * search -- the project list: filters, full-text search, sort, paging.
 *
 * Full text uses FTS5 with the unicode61 tokenizer over text segmented
 * here.  unicode61 keeps a run of Chinese characters as one token, and
 * the trigram tokenizer needs three characters, so neither finds 汽车 in
 * 新能源汽车.  We write CJK runs as overlapping bigrams (新能 能源 源汽
 * 汽车) into column `body` and each CJK character alone into `uni`; a
 * query is segmented the same way into a phrase, so any substring of two
 * or more characters matches a run of consecutive bigrams, and a single
 * character matches in `uni`.  Latin words pass through unchanged (the
 * tokenizer folds case), and a query's last Latin word is a prefix.
 *
 * The filters are shared with the exports (same query parameters).
 */
#include <stdio.h>
#include <string.h>

#include "projects.h"

static json_t *
col_text_or_null(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return json_null();
	return json_string((const char *)sqlite3_column_text(st, i));
}

json_t *
project_row_json(sqlite3_stmt *st)
{
	json_t *o, *kl = NULL;
	const char *klt;

	klt = (const char *)sqlite3_column_text(st, 20);
	if (klt != NULL)
		kl = json_loads(klt, 0, NULL);
	if (kl == NULL)
		kl = json_object();
	o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:s, s:o, "
	    "s:o, s:s, s:b, s:o, s:I, s:I, s:I, s:s, s:s, s:I, s:o}",
	    "id", (json_int_t)sqlite3_column_int64(st, 0),
	    "name_zh", (const char *)sqlite3_column_text(st, 1),
	    "name_en", (const char *)sqlite3_column_text(st, 2),
	    "investor", (const char *)sqlite3_column_text(st, 3),
	    "investor_type", (const char *)sqlite3_column_text(st, 4),
	    "source_region", col_text_or_null(st, 5),
	    "industry_chain", col_text_or_null(st, 6),
	    "district", col_text_or_null(st, 7),
	    "stage", (const char *)sqlite3_column_text(st, 8),
	    "officer_id", sqlite3_column_type(st, 9) == SQLITE_NULL ?
	    json_null() : json_integer(sqlite3_column_int64(st, 9)),
	    "officer_name", col_text_or_null(st, 10),
	    "notes", (const char *)sqlite3_column_text(st, 11),
	    "is_demo", sqlite3_column_int(st, 12),
	    "signed_on", col_text_or_null(st, 13),
	    "signing_wan", (json_int_t)sqlite3_column_int64(st, 14),
	    "contracted_wan", (json_int_t)sqlite3_column_int64(st, 15),
	    "paid_in_wan", (json_int_t)sqlite3_column_int64(st, 16),
	    "created_at", (const char *)sqlite3_column_text(st, 17),
	    "updated_at", (const char *)sqlite3_column_text(st, 18),
	    "version", (json_int_t)sqlite3_column_int64(st, 19),
	    "key_levels", kl);
	return o;
}

/* --- segmentation ----------------------------------------------------- */

static int
cjk_is(uint32_t cp)
{
	return (cp >= 0x3400 && cp <= 0x4DBF) ||	/* ext A */
	    (cp >= 0x4E00 && cp <= 0x9FFF) ||		/* unified */
	    (cp >= 0xF900 && cp <= 0xFAFF) ||		/* compatibility */
	    (cp >= 0x20000 && cp <= 0x3134F) ||	/* ext B..G */
	    (cp >= 0x3040 && cp <= 0x30FF) ||		/* kana */
	    (cp >= 0xAC00 && cp <= 0xD7AF);		/* hangul */
}

/* Punctuation and symbols outside ASCII that the tokenizer drops: a term
 * made only of them ("，", "——") searches for nothing, so it is skipped
 * rather than turned into an empty phrase that matches nothing. */
static int
seg_is_punct(uint32_t cp)
{
	return (cp >= 0x00A0 && cp <= 0x00BF) || cp == 0x00D7 ||
	    cp == 0x00F7 || (cp >= 0x2000 && cp <= 0x2BFF) ||
	    (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
	    (cp >= 0xFF00 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) ||
	    (cp >= 0xFF3B && cp <= 0xFF40) || (cp >= 0xFF5B && cp <= 0xFF65) ||
	    cp == 0xFFFD;
}

/* Decodes one code point; returns its byte length (1 for a stray byte,
 * which then reads as U+FFFD: a separator, never CJK). */
static size_t
utf8_next(const unsigned char *p, uint32_t *cp)
{
	size_t n, i;

	if (*p < 0x80) {
		*cp = *p;
		return 1;
	}
	if ((*p & 0xE0) == 0xC0) {
		*cp = *p & 0x1F;
		n = 2;
	} else if ((*p & 0xF0) == 0xE0) {
		*cp = *p & 0x0F;
		n = 3;
	} else if ((*p & 0xF8) == 0xF0) {
		*cp = *p & 0x07;
		n = 4;
	} else {
		*cp = 0xFFFD;
		return 1;
	}
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80) {
			*cp = 0xFFFD;
			return 1;
		}
		*cp = (*cp << 6) | (p[i] & 0x3F);
	}
	return n;
}

struct seg_out {
	char	*p;
	size_t	 len;
};

static void
seg_put(struct seg_out *o, const char *s, size_t n)
{
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

/*
 * Worst case per input byte: a 3-byte CJK character is written twice
 * in bigrams plus separators in body (< 3x), once plus a space in uni;
 * a 4-byte one likewise.  Latin bytes are copied once.  So 3*len+8 and
 * 2*len+8 bound the outputs; cjk/word counts help the query builder.
 */
static int
seg_run(const struct bureau_host *h, struct bureau_req *req,
    const char *text, char **body, char **uni, int *ncjk, int *nother)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t len = strlen(text), n, prevn = 0;
	const char *prev = NULL;
	struct seg_out b, u;
	uint32_t cp;
	int run = 0;

	b.p = h->alloc(req, 3 * len + 8);
	u.p = h->alloc(req, 2 * len + 8);
	if (b.p == NULL || u.p == NULL)
		return -1;
	b.len = u.len = 0;
	*ncjk = *nother = 0;
	for (;;) {
		n = *p ? utf8_next(p, &cp) : 0;
		if (n > 0 && cjk_is(cp)) {
			if (run > 0) {
				seg_put(&b, " ", 1);
				seg_put(&b, prev, prevn);
				seg_put(&b, (const char *)p, n);
			}
			seg_put(&u, " ", 1);
			seg_put(&u, (const char *)p, n);
			prev = (const char *)p;
			prevn = n;
			run++;
			(*ncjk)++;
			p += n;
			continue;
		}
		/* End of a CJK run: a lone character stands for itself. */
		if (run == 1) {
			seg_put(&b, " ", 1);
			seg_put(&b, prev, prevn);
		}
		if (run > 0)
			seg_put(&b, " ", 1);
		run = 0;
		if (n == 0)
			break;
		if ((cp < 0x80 && ((cp >= '0' && cp <= '9') ||
		    ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z'))) ||
		    (cp >= 0x80 && !seg_is_punct(cp)))
			(*nother)++;
		/* '"' never reaches FTS5 syntax: it becomes a separator. */
		if (cp == '"')
			seg_put(&b, " ", 1);
		else
			seg_put(&b, (const char *)p, n);
		p += n;
	}
	b.p[b.len] = '\0';
	u.p[u.len] = '\0';
	*body = b.p;
	*uni = u.p;
	return 0;
}

int
search_segment(const struct bureau_host *h, struct bureau_req *req,
    const char *text, char **body, char **uni)
{
	int ncjk, nother;

	return seg_run(h, req, text, body, uni, &ncjk, &nother);
}

/*
 * Builds the MATCH expression for a user query: each whitespace
 * separated term becomes a phrase (all must match).  *out is NULL when
 * the query holds no searchable token.
 */
static int
search_fts_query(const struct bureau_host *h, struct bureau_req *req,
    const char *q, char **out)
{
	char *copy, *term, *save = NULL, *body, *uni, *expr = NULL;
	const char *last;
	int ncjk, nother, prefix;
	size_t tl;

	*out = NULL;
	if ((copy = h->strdup(req, q)) == NULL)
		return -1;
	for (term = strtok_r(copy, " \t\r\n", &save); term != NULL;
	    term = strtok_r(NULL, " \t\r\n", &save)) {
		if (seg_run(h, req, term, &body, &uni, &ncjk, &nother) < 0)
			return -1;
		if (ncjk + nother == 0)
			continue;	/* punctuation only */
		tl = strlen(term);
		last = term + tl - 1;
		prefix = (*last >= '0' && *last <= '9') ||
		    ((*last | 0x20) >= 'a' && (*last | 0x20) <= 'z');
		if (ncjk == 1 && nother == 0)
			term = h->printf(req, "uni : \"%s\"", uni);
		else
			term = h->printf(req, "body : \"%s\"%s", body,
			    prefix ? " *" : "");
		expr = expr == NULL ? term :
		    h->printf(req, "%s AND %s", expr, term);
		if (expr == NULL)
			return -1;
	}
	*out = expr;
	return 0;
}

int
search_index(const struct bureau_host *h, struct bureau_req *req,
    int64_t project_id)
{
	sqlite3_stmt *st;
	char *b1, *u1, *b2, *u2, *b3, *u3, *body, *uni;
	const char *zh, *en, *inv;
	int rc;

	if ((st = h->db_prepare(req, "SELECT name_zh, name_en, investor "
	    "FROM projects WHERE id = ?1")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, project_id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return -1;
	}
	zh = h->strdup(req, (const char *)sqlite3_column_text(st, 0));
	en = h->strdup(req, (const char *)sqlite3_column_text(st, 1));
	inv = h->strdup(req, (const char *)sqlite3_column_text(st, 2));
	sqlite3_reset(st);
	if (zh == NULL || en == NULL || inv == NULL)
		return -1;
	if (search_segment(h, req, zh, &b1, &u1) < 0 ||
	    search_segment(h, req, en, &b2, &u2) < 0 ||
	    search_segment(h, req, inv, &b3, &u3) < 0)
		return -1;
	/* A separator between fields keeps a phrase from spanning two. */
	body = h->printf(req, "%s ; %s ; %s", b1, b2, b3);
	uni = h->printf(req, "%s ; %s ; %s", u1, u2, u3);
	if (body == NULL || uni == NULL)
		return -1;
	if (search_unindex(h, req, project_id) < 0)
		return -1;
	if ((st = h->db_prepare(req, "INSERT INTO projects_fts(rowid, body, "
	    "uni) VALUES (?1, ?2, ?3)")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, project_id);
	sqlite3_bind_text(st, 2, body, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, uni, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
search_unindex(const struct bureau_host *h, struct bureau_req *req,
    int64_t project_id)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = h->db_prepare(req,
	    "DELETE FROM projects_fts WHERE rowid = ?1")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, project_id);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* --- filters ------------------------------------------------------------ */

static int
filter_text(struct projects_filter *f, const char *s)
{
	if (f->nbinds >= PROJECTS_FILTER_MAX_BINDS)
		return -1;
	f->binds[f->nbinds] = s;
	f->bind_is_int[f->nbinds] = 0;
	return ++f->nbinds;
}

static int
filter_int(struct projects_filter *f, int64_t n)
{
	if (f->nbinds >= PROJECTS_FILTER_MAX_BINDS)
		return -1;
	f->bind_int[f->nbinds] = n;
	f->bind_is_int[f->nbinds] = 1;
	return ++f->nbinds;
}

/* Appends " AND cond" (or " WHERE cond"); cond holds one "%d" for the
 * parameter number already allocated. */
static int
filter_add(const struct bureau_host *h, struct bureau_req *req,
    struct projects_filter *f, const char *cond)
{
	f->where = h->printf(req, "%s%s%s", f->where,
	    *f->where ? " AND " : " WHERE ", cond);
	return f->where == NULL ? -1 : 0;
}

/* Query value, NULL when absent or empty (a UI sends "stage=" for "any"). */
static const char *
filter_q(const struct bureau_host *h, struct bureau_req *req,
    const char *name)
{
	const char *v = h->req_query(req, name);

	return v == NULL || *v == '\0' ? NULL : v;
}

enum filter_ref_kind { REF_REGION, REF_CHAIN, REF_DISTRICT };

/* -1 after answering 400, -2 on an internal error (nothing answered). */
static int
filter_ref(const struct bureau_host *h, struct bureau_req *req,
    struct projects_filter *f, enum filter_ref_kind kind)
{
	static const char *const params[] = { "source_region",
	    "industry_chain", "district" };
	static const char *const tables[] = { "proj_source_regions",
	    "proj_industry_chains", "proj_districts" };
	const char *v = filter_q(h, req, params[kind]);
	char *cond;
	int n, rc;

	if (v == NULL)
		return 0;
	rc = validate_ref_exists(h, req, tables[kind], v);
	if (rc < 0)
		return -2;
	if (rc == 0)
		return validate_fail(h, req, params[kind], "unknown code");
	if ((n = filter_text(f, v)) < 0)
		return -2;
	switch (kind) {
	case REF_REGION:
		/* A region matches itself and everything below it. */
		cond = h->printf(req, "p.source_region IN (WITH RECURSIVE "
		    "r(c) AS (SELECT ?%d UNION SELECT s.code FROM "
		    "proj_source_regions s JOIN r ON s.parent = r.c) "
		    "SELECT c FROM r)", n);
		break;
	case REF_CHAIN:
		cond = h->printf(req, "p.industry_chain = ?%d", n);
		break;
	default:
		cond = h->printf(req, "p.district = ?%d", n);
		break;
	}
	if (cond == NULL || filter_add(h, req, f, cond) < 0)
		return -2;
	return 0;
}

int
search_filter_parse(const struct bureau_host *h, struct bureau_req *req,
    struct projects_filter *f, int paged)
{
	const char *v, *kl, *sort, *fts;
	char today[11];
	int64_t n, year;
	int i, desc, rc;
	char *expr;

	memset(f, 0, sizeof(*f));
	f->where = "";
	f->limit = 50;

	if ((v = filter_q(h, req, "stage")) != NULL) {
		if (validate_enum_index(projects_stages, v) < 0)
			return validate_fail(h, req, "stage", "unknown stage");
		i = filter_text(f, v);
		if (filter_add(h, req, f, h->printf(req, "p.stage = ?%d", i)))
			return -2;
	}
	if ((v = filter_q(h, req, "investor_type")) != NULL) {
		if (validate_enum_index(projects_investor_types, v) < 0)
			return validate_fail(h, req, "investor_type",
			    "unknown investor type");
		i = filter_text(f, v);
		if (filter_add(h, req, f,
		    h->printf(req, "p.investor_type = ?%d", i)))
			return -2;
	}
	if ((kl = filter_q(h, req, "key_level")) != NULL) {
		if (validate_enum_index(projects_key_levels, kl) < 0)
			return validate_fail(h, req, "key_level",
			    "must be none, district or municipal");
		if ((v = filter_q(h, req, "key_year")) != NULL) {
			if (validate_parse_int(v, 2000, 2100, &year) < 0)
				return validate_fail(h, req, "key_year",
				    "must be a year 2000..2100");
		} else {
			h->today(req, today);
			year = (today[0] - '0') * 1000 + (today[1] - '0') *
			    100 + (today[2] - '0') * 10 + (today[3] - '0');
		}
		i = filter_int(f, year);
		if (strcmp(kl, "none") == 0)
			expr = h->printf(req, "NOT EXISTS (SELECT 1 FROM "
			    "project_key_levels k WHERE k.project_id = p.id "
			    "AND k.year = ?%d)", i);
		else
			expr = h->printf(req, "EXISTS (SELECT 1 FROM "
			    "project_key_levels k WHERE k.project_id = p.id "
			    "AND k.year = ?%d AND k.level = ?%d)", i,
			    filter_text(f, kl));
		if (filter_add(h, req, f, expr))
			return -2;
	}
	if ((rc = filter_ref(h, req, f, REF_REGION)) < 0 ||
	    (rc = filter_ref(h, req, f, REF_CHAIN)) < 0 ||
	    (rc = filter_ref(h, req, f, REF_DISTRICT)) < 0)
		return rc;
	if ((v = filter_q(h, req, "signed_year")) != NULL) {
		if (validate_parse_int(v, 2000, 2100, &year) < 0)
			return validate_fail(h, req, "signed_year",
			    "must be a year 2000..2100");
		/* A range, not strftime(), so the index on signed_on works. */
		i = filter_text(f, h->printf(req, "%04d-01-01", (int)year));
		expr = h->printf(req, "p.signed_on >= ?%d AND p.signed_on <= "
		    "?%d", i, filter_text(f, h->printf(req, "%04d-12-31",
		    (int)year)));
		if (filter_add(h, req, f, expr))
			return -2;
	}
	if ((v = filter_q(h, req, "min_contracted_wan")) != NULL) {
		if (validate_parse_int(v, 0, 1000000000000LL, &n) < 0)
			return validate_fail(h, req, "min_contracted_wan",
			    "must be a non-negative integer (万元)");
		i = filter_int(f, n);
		if (filter_add(h, req, f,
		    h->printf(req, "p.contracted_wan >= ?%d", i)))
			return -2;
	}
	if ((v = filter_q(h, req, "officer_id")) != NULL) {
		if (validate_parse_int(v, 1, INT64_MAX, &n) < 0)
			return validate_fail(h, req, "officer_id",
			    "must be a user id");
		i = filter_int(f, n);
		if (filter_add(h, req, f,
		    h->printf(req, "p.officer_id = ?%d", i)))
			return -2;
	}
	if ((v = filter_q(h, req, "demo")) != NULL) {
		if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
			return validate_fail(h, req, "demo", "must be 0 or 1");
		i = filter_int(f, *v == '1');
		if (filter_add(h, req, f,
		    h->printf(req, "p.is_demo = ?%d", i)))
			return -2;
	}
	if ((v = filter_q(h, req, "q")) != NULL) {
		if (validate_text(v, 200) < 0)
			return validate_fail(h, req, "q",
			    "must be text of at most 200 characters");
		if (search_fts_query(h, req, v, &expr) < 0)
			return -2;
		if (expr != NULL) {
			fts = expr;
			i = filter_text(f, fts);
			if (filter_add(h, req, f, h->printf(req, "p.id IN "
			    "(SELECT rowid FROM projects_fts WHERE "
			    "projects_fts MATCH ?%d)", i)))
				return -2;
		}
	}

	sort = filter_q(h, req, "sort");
	if (sort == NULL)
		sort = "id";
	desc = *sort == '-';
	if (desc)
		sort++;
	/* The ORDER BY comes from this fixed list only. */
	if (strcmp(sort, "id") == 0)
		f->order = desc ? " ORDER BY p.id DESC" : " ORDER BY p.id";
	else if (strcmp(sort, "signed_on") == 0)
		/* Descending needs no "IS NULL" term: NULL sorts lowest, so
		 * unsigned projects come last anyway, and without the
		 * expression the order is an index's (projects_stage_signed
		 * with a stage filter, projects_signed_on without) -- LIMIT
		 * 50 then reads 50 rows, not every match (issue 8, E1). */
		f->order = desc ? " ORDER BY p.signed_on DESC, p.id DESC" :
		    " ORDER BY p.signed_on IS NULL, p.signed_on, p.id";
	else if (strcmp(sort, "contracted_wan") == 0)
		f->order = desc ? " ORDER BY p.contracted_wan DESC, p.id DESC" :
		    " ORDER BY p.contracted_wan, p.id";
	else if (strcmp(sort, "name") == 0)
		f->order = desc ? " ORDER BY (CASE WHEN p.name_zh <> '' THEN "
		    "p.name_zh ELSE p.name_en END) COLLATE NOCASE DESC, p.id "
		    "DESC" : " ORDER BY (CASE WHEN p.name_zh <> '' THEN "
		    "p.name_zh ELSE p.name_en END) COLLATE NOCASE, p.id";
	else
		return validate_fail(h, req, "sort", "must be one of id, "
		    "signed_on, contracted_wan, name (with - for descending)");

	if (!paged)
		return 0;
	if ((v = filter_q(h, req, "limit")) != NULL &&
	    validate_parse_int(v, 1, 200, &f->limit) < 0)
		return validate_fail(h, req, "limit", "must be 1..200");
	if ((v = filter_q(h, req, "offset")) != NULL &&
	    validate_parse_int(v, 0, INT64_MAX, &f->offset) < 0)
		return validate_fail(h, req, "offset",
		    "must be a non-negative integer");
	return 0;
}

int
search_filter_bind(const struct projects_filter *f, sqlite3_stmt *st)
{
	int i;

	for (i = 0; i < f->nbinds; i++) {
		if (f->bind_is_int[i])
			sqlite3_bind_int64(st, i + 1, f->bind_int[i]);
		else
			sqlite3_bind_text(st, i + 1, f->binds[i], -1,
			    SQLITE_STATIC);
	}
	return 0;
}

/*
 * One list item as SQL builds it: the same keys, in the same order and
 * with the same types as project_row_json() (what GET /projects/{id}
 * returns).  The list is serialised by SQLite's JSON functions rather
 * than built as jansson objects and dumped: for 50 items that was three
 * quarters of the request's instructions (issue 8, E1).
 */
#define PROJECTS_ITEM_JSON						\
	"json_object('id', p.id, 'name_zh', p.name_zh,"			\
	" 'name_en', p.name_en, 'investor', p.investor,"		\
	" 'investor_type', p.investor_type,"				\
	" 'source_region', p.source_region,"				\
	" 'industry_chain', p.industry_chain, 'district', p.district,"	\
	" 'stage', p.stage, 'officer_id', p.officer_id,"		\
	" 'officer_name', u.display_name, 'notes', p.notes,"		\
	" 'is_demo', json(CASE WHEN p.is_demo THEN 'true' ELSE 'false' END)," \
	" 'signed_on', p.signed_on, 'signing_wan', p.signing_wan,"	\
	" 'contracted_wan', p.contracted_wan,"				\
	" 'paid_in_wan', p.paid_in_wan, 'created_at', p.created_at,"	\
	" 'updated_at', p.updated_at, 'version', p.version,"		\
	" 'key_levels', json(coalesce((SELECT"				\
	"  json_group_object(CAST(k.year AS TEXT), k.level)"		\
	"  FROM project_key_levels k WHERE k.project_id = p.id), '{}')))"

/* GET /api/v1/projects */
int
project_list(struct bureau_req *req, void *state)
{
	const struct projects_state *ps = state;
	const struct bureau_host *h = ps->host;
	struct projects_filter f;
	sqlite3_stmt *st = NULL;
	int64_t total;
	char *sql, *body, *grown;
	const char *item;
	size_t len, cap, n;
	int rc;

	if ((rc = search_filter_parse(h, req, &f, 1)) < 0)
		return rc == -1 ? 0 : -1;

	/*
	 * The filter set varies per request, so these statements are
	 * prepared here and finalized, not put in the host's cache.
	 */
	sql = h->printf(req, "SELECT count(*) FROM projects p%s", f.where);
	if (sql == NULL || sqlite3_prepare_v2(h->db(req), sql, -1, &st,
	    NULL) != SQLITE_OK)
		goto fail;
	search_filter_bind(&f, st);
	if (sqlite3_step(st) != SQLITE_ROW)
		goto fail;
	total = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = NULL;

	/* The page's rows first (ids in order), then their items' text. */
	sql = h->printf(req, "SELECT " PROJECTS_ITEM_JSON " FROM (SELECT p.*"
	    " FROM projects p%s%s LIMIT ?%d OFFSET ?%d) p LEFT JOIN users u"
	    " ON u.id = p.officer_id%s", f.where, f.order, f.nbinds + 1,
	    f.nbinds + 2, f.order);
	if (sql == NULL || sqlite3_prepare_v2(h->db(req), sql, -1, &st,
	    NULL) != SQLITE_OK)
		goto fail;
	search_filter_bind(&f, st);
	sqlite3_bind_int64(st, f.nbinds + 1, f.limit);
	sqlite3_bind_int64(st, f.nbinds + 2, f.offset);
	cap = 16384;
	if ((body = h->alloc(req, cap)) == NULL)
		goto fail;
	memcpy(body, "{\"items\":[", 10);
	len = 10;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		item = (const char *)sqlite3_column_text(st, 0);
		n = (size_t)sqlite3_column_bytes(st, 0);
		if (item == NULL)
			goto fail;
		/* Room for the item, a comma and the closing envelope. */
		if (len + n + 128 > cap) {
			while (len + n + 128 > cap)
				cap *= 2;
			if ((grown = h->alloc(req, cap)) == NULL)
				goto fail;
			memcpy(grown, body, len);
			body = grown;
		}
		if (body[len - 1] != '[')
			body[len++] = ',';
		memcpy(body + len, item, n);
		len += n;
	}
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	st = NULL;
	len += (size_t)snprintf(body + len, cap - len, "],\"total\":%lld,"
	    "\"limit\":%lld,\"offset\":%lld}", (long long)total,
	    (long long)f.limit, (long long)f.offset);
	h->resp_body(req, 200, "application/json; charset=utf-8", NULL, body,
	    len);
	return 0;
fail:
	if (st != NULL) {
		h->log(BUREAU_LOG_ERR, "projects: list: %s",
		    sqlite3_errmsg(h->db(req)));
		sqlite3_finalize(st);
	}
	return -1;
}
