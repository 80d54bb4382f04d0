/*
 * projects.h -- internal header of the projects plugin, shared by its
 * files (records/API by "projects"; report card, reference data and demo
 * by "report").  Nothing here is visible outside projects.so.
 *
 * Conventions: helpers return 0 on success and -1 on failure.  A helper
 * that takes a request and "answers" has sent the error response itself
 * (the caller only returns 0); anything else documents what it did.
 */
#ifndef PROJECTS_H
#define PROJECTS_H

#include <stddef.h>
#include <stdint.h>

#include "bureau/plugin.h"

/* Per-process state from init(); the host pointer is its only content
 * that matters to handlers. */
struct projects_state {
	const struct bureau_host *host;
};

/* ---- schema.c ----------------------------------------------------- */
extern const struct bureau_migration projects_migrations[];

/* ---- enums (validate.c) ------------------------------------------- */
extern const char *const projects_stages[];		/* NULL-terminated */
extern const char *const projects_investor_types[];
extern const char *const projects_problem_categories[];
extern const char *const projects_problem_statuses[];
extern const char *const projects_escalations[];	/* in order, low→high */
extern const char *const projects_key_levels[];	/* none, district, municipal */

/* Index of s in a NULL-terminated list, -1 when absent. */
int	validate_enum_index(const char *const *list, const char *s);

/* ---- validate.c: field checks ---------------------------------------
 * Each returns 0 when the value is acceptable, else -1.  They do not
 * answer the request. */
int	validate_date(const char *s);			/* real date 2000..2100 */
int	validate_text(const char *s, size_t max_chars); /* UTF-8, no NUL/ctl */
size_t	validate_utf8_chars(const char *s);		/* code points */

/*
 * JSON field readers for request bodies.  They answer 400
 * validation_failed naming the field themselves and return -1; 0 when
 * the field is absent (*present = 0) or valid (*present = 1).
 */
int	validate_json_text(const struct bureau_host *, struct bureau_req *,
	    json_t *obj, const char *field, size_t max_chars, int required,
	    int allow_empty, const char **out, int *present);
int	validate_json_amount(const struct bureau_host *, struct bureau_req *,
	    json_t *obj, const char *field, int64_t min, int64_t max,
	    int required, int64_t *out, int *present);
int	validate_json_date(const struct bureau_host *, struct bureau_req *,
	    json_t *obj, const char *field, int required, const char **out,
	    int *present);
int	validate_json_enum(const struct bureau_host *, struct bureau_req *,
	    json_t *obj, const char *field, const char *const *list,
	    int required, const char **out, int *present);
int	validate_json_bool(const struct bureau_host *, struct bureau_req *,
	    json_t *obj, const char *field, int *out, int *present);
/* Answers 400 naming the first key of obj not in the NULL-terminated
 * list; returns -1 then, else 0.  A non-object body is answered too. */
int	validate_json_known(const struct bureau_host *, struct bureau_req *,
	    json_t *obj, const char *const *allowed);

/* Reference existence: 1 exists, 0 not, -1 db error. */
int	validate_ref_exists(const struct bureau_host *, struct bureau_req *,
	    const char *table, const char *code);
/*
 * Who may be a project's responsible officer: an active user whose role
 * is admin or officer (read from the core's users table, as the officer
 * picker does).  1 eligible, 0 no such user, 2 a user who is not
 * eligible (deactivated, viewer, auditor), -1 db error.
 */
#define PROJECTS_OFFICER_SQL_OK							"(active = 1 AND role IN ('admin', 'officer'))"
int	validate_officer(const struct bureau_host *, struct bureau_req *,
	    int64_t user_id);

/* Query-string helpers: parse an int64 in [min,max]; 0 ok, -1 bad. */
int	validate_parse_int(const char *s, int64_t min, int64_t max,
	    int64_t *out);

/* Answers 400 validation_failed for a field. */
int	validate_fail(const struct bureau_host *, struct bureau_req *,
	    const char *field, const char *message);
/* A date of something that happened (stage entry, contract, payment):
 * answers 400 naming field and returns -1 when it is after today
 * (Asia/Shanghai); 0 when it is today or earlier, or NULL. */
int	validate_not_future(const struct bureau_host *, struct bureau_req *,
	    const char *field, const char *date);

/* GET /api/v1/projects/reference */
int	reference_get(struct bureau_req *, void *);
/* GET /api/v1/projects/officers: active admins and officers */
int	officers_get(struct bureau_req *, void *);

/* ---- project.c ---------------------------------------------------- */
/* The project as JSON (with key_levels), NULL when absent or on error. */
json_t	*project_load_json(const struct bureau_host *, struct bureau_req *,
	    int64_t id);
/* UTC RFC 3339 of host->now(), from the request arena. */
const char *project_timestamp(const struct bureau_host *, struct bureau_req *);
/* Bumps version and updated_at of a project (inside a transaction). */
int	project_touch(const struct bureau_host *, struct bureau_req *,
	    int64_t id);
/* The signed-in user's id, 0 for none (system requests). */
int64_t	project_actor(const struct bureau_host *, struct bureau_req *);
/* The version named by If-Match ("3", W/"3" or 3) into *out: 0 (with
 * *out 0 when there is no If-Match), -1 when it is no such ETag. */
int	projects_if_match(const struct bureau_host *, struct bureau_req *,
	    int64_t *out);
/* Sets ETag: "<version>" for the project. */
int	project_etag(const struct bureau_host *, struct bureau_req *,
	    int64_t version);

int	project_list(struct bureau_req *, void *);	/* search.c */
int	project_create(struct bureau_req *, void *);
int	project_get(struct bureau_req *, void *);
int	project_patch(struct bureau_req *, void *);
int	project_delete(struct bureau_req *, void *);

/* ---- stage.c ------------------------------------------------------ */
int	stage_list(struct bureau_req *, void *);
int	stage_post(struct bureau_req *, void *);
/*
 * Records a stage entry and updates projects.stage (inside the caller's
 * transaction; no audit, no response).  from may be NULL (creation).
 */
int	stage_record(const struct bureau_host *, struct bureau_req *,
	    int64_t project_id, const char *from, const char *to,
	    const char *effective_on, const char *reason);
/* Latest entry's effective_on into out (empty when none); 0 / -1. */
int	stage_last_effective(const struct bureau_host *, struct bureau_req *,
	    int64_t project_id, char out[11]);

/* ---- ledger.c ----------------------------------------------------- */
int	contract_list(struct bureau_req *, void *);
int	contract_post(struct bureau_req *, void *);
int	payment_list(struct bureau_req *, void *);
int	payment_post(struct bureau_req *, void *);
/* Recomputes the four cache columns of a project from its ledgers. */
int	ledger_refresh(const struct bureau_host *, struct bureau_req *,
	    int64_t project_id);

/* ---- problem.c ---------------------------------------------------- */
int	problem_list(struct bureau_req *, void *);
int	problem_post(struct bureau_req *, void *);
int	problem_patch(struct bureau_req *, void *);
int	problem_list_all(struct bureau_req *, void *);

/* ---- target.c ----------------------------------------------------- */
int	target_get(struct bureau_req *, void *);
int	target_put(struct bureau_req *, void *);

/* ---- search.c ----------------------------------------------------- */
/*
 * (Re)indexes a project's names and investor in projects_fts; call in
 * the same transaction as any write to those columns (the demo loader
 * too).  search_unindex drops it.
 */
int	search_index(const struct bureau_host *, struct bureau_req *,
	    int64_t project_id);
int	search_unindex(const struct bureau_host *, struct bureau_req *,
	    int64_t project_id);
/* Segments text for the index: bigrams of CJK runs, Latin words as is.
 * uni receives the single CJK characters.  Request-arena strings. */
int	search_segment(const struct bureau_host *, struct bureau_req *,
	    const char *text, char **body, char **uni);

/*
 * The list filters shared by the list and the exports: parsed from the
 * query string (answering 400 on a bad one), turned into a WHERE clause
 * with bound parameters.
 */
#define PROJECTS_FILTER_MAX_BINDS 16
struct projects_filter {
	char		*where;		/* " WHERE ..." or "" (arena) */
	char		*order;		/* " ORDER BY ..." (arena) */
	const char	*binds[PROJECTS_FILTER_MAX_BINDS];
	int		 bind_is_int[PROJECTS_FILTER_MAX_BINDS];
	int64_t		 bind_int[PROJECTS_FILTER_MAX_BINDS];
	int		 nbinds;
	int64_t		 limit, offset;
};
/* 0 ok; -1 after answering 400; -2 on an internal error (no answer). */
int	search_filter_parse(const struct bureau_host *, struct bureau_req *,
	    struct projects_filter *, int paged);
/* Binds the filter's parameters starting at index 1. */
int	search_filter_bind(const struct projects_filter *, sqlite3_stmt *);
/*
 * The select list (with FROM) every reader of a whole project uses, and
 * a row of it (statement positioned on a row) as JSON.  A macro so that
 * statements built from it are string literals the host can cache.
 */
#define PROJECTS_SELECT							\
	"SELECT p.id, p.name_zh, p.name_en, p.investor, p.investor_type,"	\
	" p.source_region, p.industry_chain, p.district, p.stage,"	\
	" p.officer_id, u.display_name, p.notes, p.is_demo, p.signed_on," \
	" p.signing_wan, p.contracted_wan, p.paid_in_wan, p.created_at," \
	" p.updated_at, p.version,"					\
	" (SELECT json_group_object(CAST(k.year AS TEXT), k.level)"	\
	"    FROM project_key_levels k WHERE k.project_id = p.id)"	\
	" FROM projects p LEFT JOIN users u ON u.id = p.officer_id"
json_t	*project_row_json(sqlite3_stmt *);

/* ---- export.c / import.c ------------------------------------------ */
int	export_csv(struct bureau_req *, void *);
int	export_xlsx(struct bureau_req *, void *);
int	import_post(struct bureau_req *, void *);

/* ---- report.c / refdata.c / demo.c ("report") --------------------- */
int	report_card_get(struct bureau_req *, void *);
int	projects_demo(struct bureau_req *, void *);

/* report.c */
/*
 * The report card's roll-ups (proj_rollup_*), kept exact in the writing
 * transaction.  Every write that changes what a project contributes to
 * the report -- its contract or payment entries (add, edit, delete), its
 * stage history, its key levels, its source_region / industry_chain /
 * district / investor_type / is_demo, or deleting it -- is bracketed:
 *
 *	report_rollup_project(h, req, id, -1);	BEFORE changing anything
 *	... the writes ...
 *	report_rollup_project(h, req, id, +1);	AFTER, same transaction
 *
 * The function recomputes the project's whole contribution from its
 * current rows (O(its entries)), so the pair is correct for any change;
 * calling the -1 half after the change corrupts the roll-ups.  A new
 * project needs only the +1 half (it contributes nothing before); a
 * deleted one only the -1 half.  Bulk loaders (import of many rows) may
 * instead call report_rollup_rebuild() once before commit.
 */
int	report_rollup_project(const struct bureau_host *, struct bureau_req *,
	    int64_t project_id, int sign);
int	report_rollup_rebuild(const struct bureau_host *, struct bureau_req *);
/* Migration SQL (schema.c): roll-up tables, filled from the ledgers. */
extern const char report_rollup_migration_sql[];

/* refdata.c: migration SQL of the districts, source regions, chains. */
extern const char projects_refdata_sql[];

#endif
