/*
 * codes -- the code lists of partners and parks (source regions they
 * cover, industry chains they target), stored one row per code in the
 * plugin's own tables and returned with the projects plugin's names.
 */
#include "regions.h"

/*
 * Replaces the codes of `owner` in one of the list tables: del_sql
 * deletes by ?1 = owner, ins_sql inserts (?1 owner, ?2 code).  A NULL
 * list empties it.  0 / -1 (db error), inside the caller's transaction.
 */
int
codes_replace(const struct bureau_host *h, struct bureau_req *req,
    const char *del_sql, const char *ins_sql, int64_t owner, json_t *codes)
{
	sqlite3_stmt *del, *ins;
	json_t *v;
	size_t i;

	if ((del = h->db_prepare(req, del_sql)) == NULL ||
	    (ins = h->db_prepare(req, ins_sql)) == NULL)
		return -1;
	sqlite3_bind_int64(del, 1, owner);
	if (kit_exec(del) < 0)
		return -1;
	json_array_foreach(codes, i, v) {
		sqlite3_bind_int64(ins, 1, owner);
		sqlite3_bind_text(ins, 2, json_string_value(v), -1,
		    SQLITE_TRANSIENT);
		if (kit_exec(ins) < 0)
			return -1;
	}
	return 0;
}

/*
 * [{code, name_zh, name_en}] of industry chains from a column holding
 * json_group_array(json_object(...)), and the plain code list beside it
 * into *codes.  NULL on error.
 */
json_t *
codes_detail(sqlite3_stmt *st, int col, json_t **codes)
{
	json_t *detail, *v;
	size_t i;

	*codes = NULL;
	if ((detail = kit_col_json(st, col)) == NULL)
		return NULL;
	if ((*codes = json_array()) == NULL) {
		json_decref(detail);
		return NULL;
	}
	json_array_foreach(detail, i, v)
		json_array_append(*codes, json_object_get(v, "code"));
	return detail;
}
