/*
 * export -- the regions plugin's lists as CSV (UTF-8 with BOM, csv.c):
 * partners, district pairs, parks.  No paging.  Linked values are
 * written as names (Chinese, or English with lang=en) with their codes
 * beside where a re-import would need them; lists of codes are joined
 * with "; ".  Demo rows carry 演示数据/demo in the last column.
 */
#include <string.h>

#include "regions.h"

#define DEMO_MARK	"演示数据/demo"

static int
export_en(const struct bureau_host *h, struct bureau_req *req)
{
	const char *lang = h->req_query(req, "lang");

	return lang != NULL && strcmp(lang, "en") == 0;
}

static void
export_header(struct bureau_csv *c, const char *const *names)
{
	size_t i;

	for (i = 0; names[i] != NULL; i++)
		bureau_csv_text(c, names[i]);
	bureau_csv_eol(c);
}

/* Runs st (bound), writing ncols columns and the demo mark of column
 * ncols; sends it as name.  0, or -1 internal. */
static int
export_run(const struct bureau_host *h, struct bureau_req *req,
    sqlite3_stmt *st, const char *const *header, int ncols, const char *name)
{
	struct bureau_csv c;
	int rc, i;

	if (bureau_csv_open(&c) < 0) {
		sqlite3_reset(st);
		return -1;
	}
	export_header(&c, header);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (i = 0; i < ncols; i++)
			bureau_csv_col(&c, st, i);
		bureau_csv_text(&c, sqlite3_column_int(st, ncols) ? DEMO_MARK :
		    "");
		bureau_csv_eol(&c);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		bureau_csv_discard(&c);
		return -1;
	}
	return bureau_csv_send(h, req, &c, name);
}

/* GET /api/v1/regions/partners/export.csv[?kind=&lang=] */
int
export_partners_csv(struct bureau_req *req, void *state)
{
	static const char *const header[] = { "id", "name_zh", "name_en",
	    "kind", "source_regions", "industries", "notes", "demo", NULL };
	const struct bureau_host *h = ((struct regions_state *)state)->host;
	const char *kind;
	sqlite3_stmt *st;

	if (kit_query_enum(h, req, "kind", regions_partner_kinds, &kind) < 0)
		return 0;
	if ((st = h->db_prepare(req, "SELECT p.id, p.name_zh, p.name_en,"
	    " p.kind,"
	    " (SELECT group_concat(x.n, '; ') FROM (SELECT coalesce(CASE WHEN"
	    "   ?2 THEN r.name_en ELSE r.name_zh END, s.code) AS n FROM"
	    "   region_partner_sources s LEFT JOIN proj_source_regions_v r"
	    "   ON r.code = s.code WHERE s.partner_id = p.id"
	    "   ORDER BY r.sort, s.code) x),"
	    " (SELECT group_concat(x.n, '; ') FROM (SELECT coalesce(CASE WHEN"
	    "   ?2 THEN c.name_en ELSE c.name_zh END, i.code) AS n FROM"
	    "   region_partner_industries i LEFT JOIN proj_industry_chains_v c"
	    "   ON c.code = i.code WHERE i.partner_id = p.id"
	    "   ORDER BY c.sort, i.code) x),"
	    " p.notes, p.is_demo FROM region_partners p"
	    " WHERE ?1 IS NULL OR p.kind = ?1 ORDER BY p.id")) == NULL)
		return -1;
	if (kind != NULL)
		sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, export_en(h, req));
	return export_run(h, req, st, header, 7, "region-partners");
}

/* GET /api/v1/regions/pairs/export.csv[?lang=] */
int
export_pairs_csv(struct bureau_req *req, void *state)
{
	static const char *const header[] = { "id", "district_a",
	    "district_a_name", "district_b", "district_b_name", "since",
	    "parks", "notes", "demo", NULL };
	const struct bureau_host *h = ((struct regions_state *)state)->host;
	sqlite3_stmt *st;

	if ((st = h->db_prepare(req, "SELECT r.id, r.district_a,"
	    " CASE WHEN ?1 THEN da.name_en ELSE da.name_zh END, r.district_b,"
	    " CASE WHEN ?1 THEN db.name_en ELSE db.name_zh END, r.since,"
	    " (SELECT count(*) FROM region_parks k WHERE k.pair_id = r.id),"
	    " r.notes, r.is_demo FROM region_pairs r"
	    " LEFT JOIN proj_districts_v da ON da.code = r.district_a"
	    " LEFT JOIN proj_districts_v db ON db.code = r.district_b"
	    " ORDER BY r.id")) == NULL)
		return -1;
	sqlite3_bind_int(st, 1, export_en(h, req));
	return export_run(h, req, st, header, 8, "region-pairs");
}

/* GET /api/v1/regions/parks/export.csv[?status=&lang=] */
int
export_parks_csv(struct bureau_req *req, void *state)
{
	static const char *const header[] = { "id", "name_zh", "name_en",
	    "pair_id", "pair", "status", "area_mu", "district", "industries",
	    "projects", "project_ids", "notes", "demo", NULL };
	const struct bureau_host *h = ((struct regions_state *)state)->host;
	const char *status;
	sqlite3_stmt *st;

	if (kit_query_enum(h, req, "status", regions_park_statuses,
	    &status) < 0)
		return 0;
	if ((st = h->db_prepare(req, "SELECT k.id, k.name_zh, k.name_en,"
	    " k.pair_id,"
	    " coalesce(CASE WHEN ?2 THEN da.name_en ELSE da.name_zh END,"
	    "   r.district_a) || '–' || coalesce(CASE WHEN ?2 THEN db.name_en"
	    "   ELSE db.name_zh END, r.district_b),"
	    " k.status, k.area_mu,"
	    " CASE WHEN ?2 THEN dk.name_en ELSE dk.name_zh END,"
	    " (SELECT group_concat(x.n, '; ') FROM (SELECT coalesce(CASE WHEN"
	    "   ?2 THEN c.name_en ELSE c.name_zh END, i.code) AS n FROM"
	    "   region_park_industries i LEFT JOIN proj_industry_chains_v c"
	    "   ON c.code = i.code WHERE i.park_id = k.id"
	    "   ORDER BY c.sort, i.code) x),"
	    " (SELECT count(*) FROM region_park_projects pp JOIN projects_v v"
	    "   ON v.id = pp.project_id WHERE pp.park_id = k.id),"
	    " (SELECT group_concat(x.project_id, ' ') FROM (SELECT"
	    "   pp.project_id FROM region_park_projects pp JOIN projects_v v"
	    "   ON v.id = pp.project_id WHERE pp.park_id = k.id"
	    "   ORDER BY pp.project_id) x),"
	    " k.notes, k.is_demo FROM region_parks k"
	    " JOIN region_pairs r ON r.id = k.pair_id"
	    " LEFT JOIN proj_districts_v da ON da.code = r.district_a"
	    " LEFT JOIN proj_districts_v db ON db.code = r.district_b"
	    " LEFT JOIN proj_districts_v dk ON dk.code = k.district"
	    " WHERE ?1 IS NULL OR k.status = ?1 ORDER BY k.id")) == NULL)
		return -1;
	if (status != NULL)
		sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, export_en(h, req));
	return export_run(h, req, st, header, 12, "region-parks");
}
