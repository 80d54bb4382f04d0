/*
 * export -- the expos plugin's lists as CSV (UTF-8 with BOM, csv.c):
 * editions (with the list's filters), one edition's signings, series.
 * No paging: an export is the whole list.  Linked values (district,
 * source region) are written as names, Chinese or with lang=en English;
 * demo rows carry 演示数据/demo in the last column, as projects' export.
 */
#include <string.h>

#include "expos.h"

#define DEMO_MARK	"演示数据/demo"

static int
export_lang_en(const struct bureau_host *h, struct bureau_req *req)
{
	const char *lang = h->req_query(req, "lang");

	return lang != NULL && strcmp(lang, "en") == 0;
}

/* GET /api/v1/expos/export.csv[?series=&year=&lang=] */
int
export_editions_csv(struct bureau_req *req, void *state)
{
	static const char *const header[] = { "id", "series", "year",
	    "name_zh", "name_en", "starts_on", "ends_on", "city", "organiser",
	    "ceremonies", "signings", "signed_projects", "notes", "demo",
	    NULL };
	const struct bureau_host *h = ((struct expos_state *)state)->host;
	struct bureau_csv c;
	const char *series;
	sqlite3_stmt *st;
	int64_t year, sid = 0;
	int has_year, rc, i;

	if (kit_query_int(h, req, "year", 2000, 2100, &year, &has_year) < 0)
		return 0;
	series = h->req_query(req, "series");
	if (series != NULL && *series != '\0') {
		if ((sid = series_id_by_code(h, req, series)) < 0)
			return -1;
		if (sid == 0) {
			kit_fail(h, req, "series", "unknown series code");
			return 0;
		}
	}
	if ((st = h->db_prepare(req, "SELECT e.id, s.code, e.year, e.name_zh,"
	    " e.name_en, e.starts_on, e.ends_on, e.city, e.organiser,"
	    " (SELECT group_concat(c.held_on || CASE WHEN c.place <> ''"
	    "   THEN ' ' || c.place ELSE '' END, '; ') FROM (SELECT held_on,"
	    "   place FROM expo_ceremonies c WHERE c.edition_id = e.id"
	    "   ORDER BY held_on, id) c),"
	    " (SELECT count(*) FROM expo_signings g WHERE g.edition_id = e.id),"
	    " (SELECT count(*) FROM expo_signings g WHERE g.edition_id = e.id"
	    "   AND " EXPOS_FIRST_SQL "),"
	    " e.notes, e.is_demo"
	    " FROM expo_editions e JOIN expo_series s ON s.id = e.series_id"
	    " WHERE (?1 = 0 OR e.series_id = ?1) AND (?2 = 0 OR e.year = ?2)"
	    " ORDER BY e.starts_on DESC, e.id DESC")) == NULL)
		return -1;
	if (bureau_csv_open(&c) < 0)
		return -1;
	for (i = 0; header[i] != NULL; i++)
		bureau_csv_text(&c, header[i]);
	bureau_csv_eol(&c);
	sqlite3_bind_int64(st, 1, sid);
	sqlite3_bind_int64(st, 2, has_year ? year : 0);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (i = 0; i < 13; i++)
			bureau_csv_col(&c, st, i);
		bureau_csv_text(&c, sqlite3_column_int(st, 13) ? DEMO_MARK : "");
		bureau_csv_eol(&c);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		bureau_csv_discard(&c);
		return -1;
	}
	return bureau_csv_send(h, req, &c, "expos");
}

/* GET /api/v1/expos/{id}/signings/export.csv[?lang=en] */
int
export_signings_csv(struct bureau_req *req, void *state)
{
	static const char *const header[] = { "id", "project_id",
	    "project_name_zh", "project_name_en", "investor", "district",
	    "source_region", "stage", "signed_on", "signing_wan",
	    "contracted_wan", "paid_in_wan", "expected_paid_in_wan",
	    "expected_by", "first_signing", "counted_at_expo_id", "note",
	    "demo", NULL };
	const struct bureau_host *h = ((struct expos_state *)state)->host;
	int64_t id = h->req_param_id(req, "id");
	struct bureau_csv c;
	sqlite3_stmt *st;
	int rc, i;

	if ((st = h->db_prepare(req,
	    "SELECT 1 FROM expo_editions WHERE id = ?1")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE) {
		kit_not_found(h, req, "expo");
		return 0;
	}
	if (rc != SQLITE_ROW)
		return -1;
	if ((st = h->db_prepare(req, "SELECT g.id, g.project_id, p.name_zh,"
	    " p.name_en, p.investor,"
	    " coalesce(CASE WHEN ?2 THEN d.name_en ELSE d.name_zh END,"
	    "   p.district),"
	    " coalesce(CASE WHEN ?2 THEN r.name_en ELSE r.name_zh END,"
	    "   p.source_region),"
	    " p.stage, p.signed_on, p.signing_wan, p.contracted_wan,"
	    " p.paid_in_wan, g.expected_paid_in_wan, g.expected_by,"
	    " (SELECT t.edition_id FROM expo_signings t"
	    "   JOIN expo_editions te ON te.id = t.edition_id"
	    "   WHERE t.project_id = g.project_id"
	    "   ORDER BY te.starts_on, te.id LIMIT 1),"
	    " g.note, g.is_demo"
	    " FROM expo_signings g LEFT JOIN projects_v p ON p.id = g.project_id"
	    " LEFT JOIN proj_districts_v d ON d.code = p.district"
	    " LEFT JOIN proj_source_regions_v r ON r.code = p.source_region"
	    " WHERE g.edition_id = ?1 ORDER BY g.id")) == NULL)
		return -1;
	if (bureau_csv_open(&c) < 0)
		return -1;
	for (i = 0; header[i] != NULL; i++)
		bureau_csv_text(&c, header[i]);
	bureau_csv_eol(&c);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, export_lang_en(h, req));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (i = 0; i < 14; i++)
			bureau_csv_col(&c, st, i);
		bureau_csv_text(&c, sqlite3_column_int64(st, 14) == id ?
		    "yes" : "no");
		bureau_csv_col(&c, st, 14);
		bureau_csv_col(&c, st, 15);
		bureau_csv_text(&c, sqlite3_column_int(st, 16) ? DEMO_MARK : "");
		bureau_csv_eol(&c);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		bureau_csv_discard(&c);
		return -1;
	}
	return bureau_csv_send(h, req, &c, h->printf(req, "expo-%lld-signings",
	    (long long)id));
}

/* GET /api/v1/expos/series/export.csv */
int
export_series_csv(struct bureau_req *req, void *state)
{
	const struct bureau_host *h = ((struct expos_state *)state)->host;
	struct bureau_csv c;
	sqlite3_stmt *st;
	int rc, i;

	if ((st = h->db_prepare(req, "SELECT s.id, s.code, s.name_zh,"
	    " s.name_en, (SELECT count(*) FROM expo_editions e"
	    "   WHERE e.series_id = s.id) FROM expo_series s ORDER BY s.code"))
	    == NULL || bureau_csv_open(&c) < 0)
		return -1;
	bureau_csv_text(&c, "id");
	bureau_csv_text(&c, "code");
	bureau_csv_text(&c, "name_zh");
	bureau_csv_text(&c, "name_en");
	bureau_csv_text(&c, "editions");
	bureau_csv_eol(&c);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (i = 0; i < 5; i++)
			bureau_csv_col(&c, st, i);
		bureau_csv_eol(&c);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		bureau_csv_discard(&c);
		return -1;
	}
	return bureau_csv_send(h, req, &c, "expo-series");
}
