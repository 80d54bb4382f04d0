/*
 * kit.h -- small helpers shared by the expos and regions plugins: field
 * checks of request bodies and query strings (field.c), and the SDK's CSV
 * output (bureau/csv.h, core/csv.c).  Both plugins compile these files
 * into their own .so (plugins/regions/local.mk names them), so nothing is
 * shared at run time: each plugin stays a self-contained module that sees
 * the core only through bureau/plugin.h.
 *
 * Conventions: a function that takes (h, req) and "answers" has sent the
 * error response itself; the caller then only returns 0 from its
 * handler.  Return values: 0 ok, -1 answered (client error), -2 internal
 * error (nothing sent; the handler returns -1 and the host answers 500).
 */
#ifndef BUREAU_COOP_KIT_H
#define BUREAU_COOP_KIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bureau/csv.h"
#include "bureau/plugin.h"

#define KIT_LIMIT_DEFAULT	50
#define KIT_LIMIT_MAX		200
#define KIT_WAN_MAX		1000000000LL	/* 10 trillion yuan */
#define KIT_NAME_MAX		200		/* characters */
#define KIT_NOTES_MAX		4000

/* Reference lists of the projects plugin, read through its views. */
enum kit_ref {
	KIT_REF_DISTRICT,	/* proj_districts_v */
	KIT_REF_SOURCE_REGION,	/* proj_source_regions_v */
	KIT_REF_CHAIN		/* proj_industry_chains_v */
};

/* ---- field.c: values ------------------------------------------------ */

/* Real calendar date YYYY-MM-DD, 2000-01-01 .. 2100-12-31: 0 / -1. */
int	kit_date_valid(const char *s);
/* UTF-8, at most max_chars code points, no control characters but tab
 * and newlines: 0 / -1. */
int	kit_text_valid(const char *s, size_t max_chars);
/* Decimal integer in [min, max], nothing else: 0 / -1. */
int	kit_parse_int(const char *s, int64_t min, int64_t max, int64_t *out);
/* Index of s in a NULL-terminated list, -1 when absent. */
int	kit_enum_index(const char *const *list, const char *s);

/* ---- field.c: answering ---------------------------------------------- */

/* 400 validation_failed naming the field; returns -1. */
int	kit_fail(const struct bureau_host *, struct bureau_req *,
	    const char *field, const char *message);
/* 404 not_found; returns -1. */
int	kit_not_found(const struct bureau_host *, struct bureau_req *,
	    const char *what);

/* ---- field.c: JSON bodies --------------------------------------------
 * Each reads one member of obj.  Absent: *present = 0 (an error when
 * required).  JSON null: *present = 1 with no value (*out NULL) -- it
 * clears an optional field; for a required one it is an error. */
int	kit_json_known(const struct bureau_host *, struct bureau_req *,
	    json_t *obj, const char *const *allowed);
int	kit_json_text(const struct bureau_host *, struct bureau_req *,
	    json_t *obj, const char *field, size_t max_chars, int required,
	    int allow_empty, const char **out, int *present);
int	kit_json_int(const struct bureau_host *, struct bureau_req *,
	    json_t *obj, const char *field, int64_t min, int64_t max,
	    int required, int64_t *out, int *present);
int	kit_json_date(const struct bureau_host *, struct bureau_req *,
	    json_t *obj, const char *field, int required, const char **out,
	    int *present);
int	kit_json_enum(const struct bureau_host *, struct bureau_req *,
	    json_t *obj, const char *field, const char *const *list,
	    int required, const char **out, int *present);
/*
 * An array of distinct reference codes (at most max), each existing in
 * the reference list; *out is a new array (NULL when absent or null:
 * null means "none", the empty array).  -1 answered, -2 internal.
 */
int	kit_json_codes(const struct bureau_host *, struct bureau_req *,
	    json_t *obj, const char *field, enum kit_ref ref, size_t max,
	    json_t **out, int *present);
/* 1 when the code exists in the list, 0 when not, -1 on a db error. */
int	kit_ref_exists(const struct bureau_host *, struct bureau_req *,
	    enum kit_ref ref, const char *code);
/* 1 when the project exists (projects_v), 0 not, -1 db error. */
int	kit_project_exists(const struct bureau_host *, struct bureau_req *,
	    int64_t id);

/*
 * The version a PATCH claims: the body's "version" (integer >= 1) or
 * If-Match ("3", W/"3" or 3).  0 ok (*out 0 when neither is given), -1
 * answered (400 field version).
 */
int	kit_claimed_version(const struct bureau_host *, struct bureau_req *,
	    json_t *body, int64_t *out);
/* Requires a claimed version: -1 answered when there is none. */
int	kit_require_version(const struct bureau_host *, struct bureau_req *,
	    json_t *body, int64_t *out);
/* 409 conflict for a stale version; returns -1. */
int	kit_conflict(const struct bureau_host *, struct bureau_req *,
	    const char *what);

/* ---- field.c: query strings ------------------------------------------ */

/* limit (1..200, default 50) and offset (>= 0): -1 answered. */
int	kit_paging(const struct bureau_host *, struct bureau_req *,
	    int64_t *limit, int64_t *offset);
/* An optional query date: *out NULL when absent or empty; -1 answered. */
int	kit_query_date(const struct bureau_host *, struct bureau_req *,
	    const char *name, const char **out);
/* An optional query integer in [min, max]: *present 0 when absent or
 * empty; -1 answered. */
int	kit_query_int(const struct bureau_host *, struct bureau_req *,
	    const char *name, int64_t min, int64_t max, int64_t *out,
	    int *present);
/* An optional query enum value; *out NULL when absent or empty. */
int	kit_query_enum(const struct bureau_host *, struct bureau_req *,
	    const char *name, const char *const *list, const char **out);

/* ---- field.c: misc ---------------------------------------------------- */

/* UTC RFC 3339 of host->now(), from the request arena. */
const char *kit_timestamp(const struct bureau_host *, struct bureau_req *);
/* The signed-in user's id, 0 for none (system requests: the demo). */
int64_t	kit_actor(const struct bureau_host *, struct bureau_req *);
/* ETag: "<version>". */
void	kit_etag(const struct bureau_host *, struct bureau_req *,
	    int64_t version);
/*
 * 100 * num / den rounded half away from zero to one decimal, as JSON
 * (the report card's rule, docs/REPORT_CARD.md): integer arithmetic on
 * tenths, so 253 of 253 is exactly 100.0; null when den <= 0.
 */
json_t	*kit_pct(int64_t num, int64_t den);
/* Steps a statement that returns no row and resets it: 0 / -1. */
int	kit_exec(sqlite3_stmt *);
/* Column i as a JSON string, or null for SQL NULL. */
json_t	*kit_col_str(sqlite3_stmt *, int i);
/* Parses JSON text from column i (json_group_array); NULL on error. */
json_t	*kit_col_json(sqlite3_stmt *, int i);

/* ---- field.c: list pages ----------------------------------------------
 * The list handlers all count, then fetch one page, then answer
 * {"items","total","limit","offset"}; only their SQL and bindings differ,
 * so the caller prepares and binds and these do the stepping. */

/* Steps a bound "SELECT count(*) ..." and resets it: the count, -1 on a
 * db error. */
int64_t	kit_count(sqlite3_stmt *);
/* Steps a bound statement to its end, one element a row made by row(),
 * and resets it: a new array, or NULL when a step fails or row() returns
 * NULL. */
json_t	*kit_rows(sqlite3_stmt *, json_t *(*row)(sqlite3_stmt *));
/* 200 {"items","total","limit","offset"}; takes the reference to items. */
void	kit_send_page(const struct bureau_host *, struct bureau_req *,
	    json_t *items, int64_t total, int64_t limit, int64_t offset);

#endif
