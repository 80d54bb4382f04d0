/*
 * demo -- the expos plugin's part of the demo dataset (`bureauctl demo`,
 * after the projects plugin's part, inside the same transaction), so
 * that FIGURES.md F11 and F12 come out of GET /api/v1/expos/{id}/summary:
 *
 *   智博会 Smart China Expo 2021, signing ceremony 2021-08-23:
 *     253 signed projects, expected paid-in 10,400,000 万元 (F11)
 *   西洽会 Western China International Fair 2021, ceremony 2021-05-20:
 *     300 signed projects, expected paid-in 7,100,000 万元 (F12)
 *
 * The projects are chosen deterministically among the year's signed,
 * non-cancelled demo projects (projects_v, is_demo = 1, signed in 2021):
 * nearest signing date to the ceremony first, then lowest id, never one
 * already signed at an expo -- so the two lists are distinct and every
 * signing is a first signing.  The projects demo clusters 260 and 310
 * such signings on the two ceremony days (docs/REPORT_CARD.md), so the
 * picks are exactly projects signed on those days.
 *
 * The expected paid-in total is split over the signings in proportion to
 * their signing amounts (integer arithmetic; the remainder one 万元 at a
 * time in pick order), so no signing expects more than it signed.  All
 * rows are is_demo = 1 and their notes say 演示数据.
 */
#include <stdlib.h>
#include <string.h>

#include "expos.h"

struct demo_edition {
	const char	*series;
	int		 year;
	const char	*name_zh, *name_en, *starts_on, *ends_on;
	const char	*ceremony, *place;
	int		 count;
	int64_t		 expected;
	const char	*note;
};

static const struct demo_edition demo_editions[] = {
	{ "sce", 2021, "2021中国国际智能产业博览会（智博会）",
	  "Smart China Expo 2021", "2021-08-23", "2021-08-25", "2021-08-23",
	  "重庆国际博览中心 Chongqing International Expo Center",
	  253, 10400000, "演示数据：2021智博会集中签约 (demo expo signing)" },
	{ "wcif", 2021, "2021中国西部国际投资贸易洽谈会（西洽会）",
	  "Western China International Fair 2021", "2021-05-20",
	  "2021-05-23", "2021-05-20",
	  "重庆国际博览中心 Chongqing International Expo Center",
	  300, 7100000, "演示数据：2021西洽会集中签约 (demo expo signing)" },
};

#define DEMO_N	(sizeof(demo_editions) / sizeof(demo_editions[0]))
#define DEMO_NOTES "演示数据：按2021年12月30日新闻发布会报道生成的记录。" \
	" Demo data: generated from the report of the 2021-12-30 press " \
	"conference."

/* The edition's id, created when absent (a hand-made one is reused). */
static int64_t
demo_edition(const struct bureau_host *h, struct bureau_req *req,
    const struct demo_edition *d, int64_t series_id)
{
	sqlite3_stmt *st;
	int64_t id = -1;
	int rc;

	/* Looked up first: a refused INSERT would use up an id. */
	if ((st = h->db_prepare(req, "SELECT id FROM expo_editions WHERE"
	    " series_id = ?1 AND year = ?2")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, series_id);
	sqlite3_bind_int(st, 2, d->year);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return id;
	if ((st = h->db_prepare(req, "INSERT INTO expo_editions(series_id,"
	    " year, name_zh, name_en, starts_on, ends_on, city, organiser,"
	    " notes, is_demo, created_at, updated_at) VALUES (?1, ?2, ?3, ?4,"
	    " ?5, ?6, '重庆 Chongqing',"
	    " '重庆市人民政府等 Chongqing Municipal People''s Government et al.',"
	    " ?7, 1, ?8, ?8)")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, series_id);
	sqlite3_bind_int(st, 2, d->year);
	sqlite3_bind_text(st, 3, d->name_zh, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, d->name_en, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, d->starts_on, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, d->ends_on, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, DEMO_NOTES, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, h->printf(req, "%sT02:00:00Z", d->ceremony),
	    -1, SQLITE_TRANSIENT);
	if (kit_exec(st) < 0)
		return -1;
	id = sqlite3_last_insert_rowid(h->db(req));
	if ((st = h->db_prepare(req, "INSERT INTO expo_ceremonies("
	    "edition_id, held_on, place) VALUES (?1, ?2, ?3)")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, d->ceremony, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, d->place, -1, SQLITE_STATIC);
	return kit_exec(st) < 0 ? -1 : id;
}

/* Picks d->count projects into ids/signing; the number found or -1. */
static int
demo_pick(const struct bureau_host *h, struct bureau_req *req,
    const struct demo_edition *d, int64_t *ids, int64_t *signing)
{
	sqlite3_stmt *st;
	int n = 0, rc;

	if ((st = h->db_prepare(req, "SELECT p.id, p.signing_wan"
	    " FROM projects_v p WHERE p.is_demo = 1 AND p.stage <> 'cancelled'"
	    " AND p.signed_on BETWEEN ?1 || '-01-01' AND ?1 || '-12-31'"
	    " AND NOT EXISTS (SELECT 1 FROM expo_signings g"
	    "   WHERE g.project_id = p.id)"
	    " ORDER BY abs(julianday(p.signed_on) - julianday(?2)), p.id"
	    " LIMIT ?3")) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, h->printf(req, "%04d", d->year), -1,
	    SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, d->ceremony, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, d->count);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ids[n] = sqlite3_column_int64(st, 0);
		signing[n] = sqlite3_column_int64(st, 1);
		n++;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? n : -1;
}

/* total over n in proportion to w (sum W > total): out[i] < w[i]+1. */
static int
demo_split(int64_t *out, const int64_t *w, int n, int64_t total)
{
	int64_t sum = 0, given = 0;
	int i;

	for (i = 0; i < n; i++)
		sum += w[i];
	if (sum <= total)
		return -1;
	for (i = 0; i < n; i++) {
		out[i] = (int64_t)((__int128)total * w[i] / sum);
		given += out[i];
	}
	/* Less than n left: one each, in pick order. */
	for (i = 0; given < total && i < n; i++) {
		out[i]++;
		given++;
	}
	return given == total ? 0 : -1;
}

static int
demo_one(const struct bureau_host *h, struct bureau_req *req,
    const struct demo_edition *d, json_t *summary)
{
	int64_t *ids = NULL, *signing = NULL, *expected = NULL, series, id;
	sqlite3_stmt *st;
	int n, i, rc = -1;

	if ((series = series_id_by_code(h, req, d->series)) <= 0) {
		h->log(BUREAU_LOG_ERR, "expos demo: no series %s", d->series);
		return -1;
	}
	if ((id = demo_edition(h, req, d, series)) <= 0)
		goto done;
	ids = calloc((size_t)d->count, sizeof(*ids));
	signing = calloc((size_t)d->count, sizeof(*signing));
	expected = calloc((size_t)d->count, sizeof(*expected));
	if (ids == NULL || signing == NULL || expected == NULL)
		goto done;
	if ((n = demo_pick(h, req, d, ids, signing)) < 0)
		goto done;
	if (n < d->count) {
		h->log(BUREAU_LOG_ERR, "expos demo: %s %d needs %d signed 2021 "
		    "demo projects, found %d (is the projects demo loaded?)",
		    d->series, d->year, d->count, n);
		goto done;
	}
	if (demo_split(expected, signing, n, d->expected) < 0) {
		h->log(BUREAU_LOG_ERR, "expos demo: %s %d: expected paid-in "
		    "exceeds what was signed", d->series, d->year);
		goto done;
	}
	if ((st = h->db_prepare(req, "INSERT INTO expo_signings(edition_id,"
	    " project_id, expected_paid_in_wan, expected_by, note, is_demo,"
	    " created_at) VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6)")) == NULL)
		goto done;
	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, ids[i]);
		sqlite3_bind_int64(st, 3, expected[i]);
		sqlite3_bind_text(st, 4, h->printf(req, "%04d-12-31", d->year),
		    -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 5, d->note, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, h->printf(req, "%sT02:00:00Z",
		    d->ceremony), -1, SQLITE_TRANSIENT);
		if (kit_exec(st) < 0)
			goto done;
	}
	json_object_set_new(summary, h->printf(req, "%s_%d", d->series,
	    d->year), json_pack("{s:I, s:i, s:I}", "expo_id", (json_int_t)id,
	    "signings", n, "expected_paid_in_wan", (json_int_t)d->expected));
	rc = 0;
done:
	if (rc < 0)
		h->log(BUREAU_LOG_ERR, "expos demo: %s %d: %s", d->series,
		    d->year, sqlite3_errmsg(h->db(req)));
	free(ids);
	free(signing);
	free(expected);
	return rc;
}

int
expos_demo(struct bureau_req *req, void *state)
{
	const struct bureau_host *h = ((struct expos_state *)state)->host;
	json_t *summary;
	size_t i;
	int rc = -1;

	if ((summary = json_object()) == NULL)
		return -1;
	for (i = 0; i < DEMO_N; i++)
		if (demo_one(h, req, &demo_editions[i], summary) < 0)
			goto done;
	if (h->audit(req, "expos.demo_load", "expo", 0, NULL, summary) < 0)
		goto done;
	h->log(BUREAU_LOG_INFO, "demo: %zu expo editions with their signings",
	    DEMO_N);
	rc = 0;
done:
	json_decref(summary);
	return rc;
}
