/*
 * fuzz_import -- CSV files (UTF-8 with or without BOM, or GB18030)
 * against POST /api/v1/projects/import through the whole pipeline, as
 * a dry run or a commit.
 *
 * Input: byte 0 bit 0 = commit; the rest is the file.
 *
 * Holds: a well-formed, never-5xx answer; a dry run writes no domain
 * table; a refused commit (4xx) writes nothing either; a committed one
 * leaves the database consistent (integrity, foreign keys, audit chain,
 * the projects invariants) and imported exactly the rows it says.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "app.h"
#include "fz.h"
#include "fz_plugins.h"

static const char *const error_may_touch[] = {
	"sessions", "audit_log", "login_ip_failures", NULL
};

static int64_t
count_projects(void)
{
	sqlite3_stmt *st;
	int64_t n = -1;

	if (sqlite3_prepare_v2(fz_thread()->db, "SELECT count(*) FROM"
	    " projects", -1, &st, NULL) != SQLITE_OK)
		fz_fail("count: %s", sqlite3_errmsg(fz_thread()->db));
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct fz_resp *r;
	const char *uri;
	json_t *j;
	int64_t before, grew;
	int commit;

	fz_env_init(fz_set_projects, fz_seed_projects);
	if (size < 1)
		return 0;
	/* Long runs restore only every FZ_RESTORE_EVERY writes: count
	 * after the restore that is due, not against the snapshot. */
	fz_restore_due();
	before = count_projects();
	commit = data[0] & 1;
	uri = commit ? "/api/v1/projects/import?mode=commit" :
	    "/api/v1/projects/import?mode=dry_run";
	r = fz_request("POST", uri, (data[0] & 2) ?
	    "text/csv; charset=utf-8" : "text/csv",
	    FZ_SESSION | FZ_CSRF | FZ_NO_RESTORE,
	    data + 1, size - 1);
	if (!commit || r->status >= 300) {
		fz_check_unchanged(error_may_touch);
		return 0;
	}
	if (r->status != 200 && r->status != 201)
		fz_fail("import commit answered %d", r->status);
	fz_check_db(fz_inv_projects);
	if ((j = json_loadb(r->body, r->body_len, 0, NULL)) == NULL)
		fz_fail("import answer");
	grew = count_projects() - before;
	if (grew != json_integer_value(json_object_get(j, "imported")))
		fz_fail("import says %lld imported, the table grew by %lld",
		    (long long)json_integer_value(json_object_get(j,
		    "imported")), (long long)grew);
	json_decref(j);
	return 0;
}
