/*
 * export -- the project list as CSV (UTF-8 with BOM, so Excel opens
 * Chinese correctly) and as XLSX (libxlsxwriter), with the list's
 * filters and sort.  Demo rows are marked in a column "demo" (演示数据),
 * because the demo dataset mixes real figures with generated records.
 *
 * The header names the columns as the importer reads them, so an export
 * can be edited and imported again.  Linked values are written as names
 * (Chinese, or English with lang=en), which the importer matches too.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "projects.h"

#define EXPORT_MAX_ROWS	200000
#define DEMO_MARK	"演示数据/demo"

static const char *const export_header[] = {
	"id", "name_zh", "name_en", "investor", "investor_type",
	"source_region", "industry_chain", "district", "stage", "officer",
	"signed_on", "signing_wan", "contracted_wan", "paid_in_wan",
	"key_level", "notes", "demo", NULL
};
#define EXPORT_NCOLS	17

/* Which columns are numbers (written as numbers in XLSX). */
static const int export_numeric[EXPORT_NCOLS] = {
	[0] = 1, [11] = 1, [12] = 1, [13] = 1
};

struct export_row {
	const char	*cell[EXPORT_NCOLS];
	int64_t		 num[EXPORT_NCOLS];
};

typedef int (*export_row_fn)(void *ctx, const struct export_row *);

/*
 * Runs the filtered query and calls fn for each row.  -1 after
 * answering (bad filter), -2 on an internal error.
 */
static int
export_rows(const struct bureau_host *h, struct bureau_req *req,
    export_row_fn fn, void *ctx)
{
	struct projects_filter f;
	struct export_row row;
	const char *lang, *v;
	sqlite3_stmt *st = NULL;
	char today[11];
	int64_t key_year;
	int en, rc, i;
	char *sql;

	if ((rc = search_filter_parse(h, req, &f, 0)) < 0)
		return rc;
	lang = h->req_query(req, "lang");
	en = lang != NULL && strcmp(lang, "en") == 0;
	if ((v = h->req_query(req, "key_year")) != NULL && *v != '\0') {
		if (validate_parse_int(v, 2000, 2100, &key_year) < 0)
			return validate_fail(h, req, "key_year",
			    "must be a year 2000..2100");
	} else {
		h->today(req, today);
		key_year = atoi(today);
	}

	/* The name columns are chosen from two fixed statements. */
	sql = h->printf(req, "SELECT p.id, p.name_zh, p.name_en, p.investor,"
	    " p.investor_type, coalesce(r.%s, p.source_region, ''),"
	    " coalesce(c.%s, p.industry_chain, ''),"
	    " coalesce(d.%s, p.district, ''), p.stage,"
	    " coalesce(u.display_name, ''), coalesce(p.signed_on, ''),"
	    " p.signing_wan, p.contracted_wan, p.paid_in_wan,"
	    " coalesce((SELECT k.level FROM project_key_levels k"
	    "   WHERE k.project_id = p.id AND k.year = ?%d), 'none'),"
	    " p.notes, p.is_demo"
	    " FROM projects p"
	    " LEFT JOIN proj_source_regions r ON r.code = p.source_region"
	    " LEFT JOIN proj_industry_chains c ON c.code = p.industry_chain"
	    " LEFT JOIN proj_districts d ON d.code = p.district"
	    " LEFT JOIN users u ON u.id = p.officer_id%s%s LIMIT %d",
	    en ? "name_en" : "name_zh", en ? "name_en" : "name_zh",
	    en ? "name_en" : "name_zh", f.nbinds + 1, f.where, f.order,
	    EXPORT_MAX_ROWS);
	if (sql == NULL || sqlite3_prepare_v2(h->db(req), sql, -1, &st,
	    NULL) != SQLITE_OK)
		goto fail;
	search_filter_bind(&f, st);
	sqlite3_bind_int64(st, f.nbinds + 1, key_year);

	memset(&row, 0, sizeof(row));
	for (i = 0; i < EXPORT_NCOLS; i++)
		row.cell[i] = export_header[i];
	if (fn(ctx, &row) < 0)
		goto fail;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (i = 0; i < EXPORT_NCOLS - 1; i++) {
			row.cell[i] = (const char *)sqlite3_column_text(st, i);
			row.num[i] = sqlite3_column_int64(st, i);
			if (row.cell[i] == NULL)
				row.cell[i] = "";
		}
		/* No signing, no signing amount (an import reads 0 as an
		 * error, not as "unsigned"). */
		if (*row.cell[10] == '\0')
			row.cell[11] = "";
		row.cell[EXPORT_NCOLS - 1] = sqlite3_column_int(st,
		    EXPORT_NCOLS - 1) ? DEMO_MARK : "";
		if (fn(ctx, &row) < 0)
			goto fail;
	}
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	return 0;
fail:
	h->log(BUREAU_LOG_ERR, "projects: export: %s",
	    sqlite3_errmsg(h->db(req)));
	sqlite3_finalize(st);
	return -2;
}

/* --- CSV ------------------------------------------------------------- */

struct csv_ctx {
	FILE	*fp;
	int	 header_done;
};

/*
 * One cell, RFC 4180 quoted when needed.  A text cell starting with
 * = + - @ (or tab/CR) gets a leading apostrophe: spreadsheet programs
 * would run it as a formula (CSV injection); the importer strips it.
 */
static void
csv_cell(FILE *fp, const char *s, int numeric)
{
	const char *p;
	int quote = 0;

	if (numeric) {
		fputs(s, fp);
		return;
	}
	for (p = s; *p != '\0'; p++)
		if (*p == ',' || *p == '"' || *p == '\n' || *p == '\r')
			quote = 1;
	if (quote)
		fputc('"', fp);
	if (strchr("=+-@\t\r", *s) != NULL && *s != '\0')
		fputc('\'', fp);
	for (p = s; *p != '\0'; p++) {
		if (*p == '"')
			fputc('"', fp);
		fputc(*p, fp);
	}
	if (quote)
		fputc('"', fp);
}

static int
csv_row(void *vctx, const struct export_row *row)
{
	struct csv_ctx *ctx = vctx;
	int i, numeric;

	for (i = 0; i < EXPORT_NCOLS; i++) {
		if (i > 0)
			fputc(',', ctx->fp);
		numeric = ctx->header_done && export_numeric[i];
		csv_cell(ctx->fp, row->cell[i], numeric);
	}
	fputs("\r\n", ctx->fp);
	ctx->header_done = 1;
	return ferror(ctx->fp) ? -1 : 0;
}

/* GET /api/v1/projects/export.csv */
int
export_csv(struct bureau_req *req, void *state)
{
	const struct projects_state *ps = state;
	const struct bureau_host *h = ps->host;
	struct csv_ctx ctx = { NULL, 0 };
	char *buf = NULL, *out, today[11];
	size_t len = 0;
	int rc;

	if ((ctx.fp = open_memstream(&buf, &len)) == NULL)
		return -1;
	fputs("\xEF\xBB\xBF", ctx.fp);	/* BOM: Excel's cue for UTF-8 */
	rc = export_rows(h, req, csv_row, &ctx);
	if (fclose(ctx.fp) != 0 && rc == 0)
		rc = -2;
	if (rc < 0) {
		free(buf);
		return rc == -1 ? 0 : -1;
	}
	/* The host may send after we return: hand it arena memory. */
	if ((out = h->alloc(req, len + 1)) == NULL) {
		free(buf);
		return -1;
	}
	memcpy(out, buf, len);
	free(buf);
	h->today(req, today);
	h->resp_body(req, 200, "text/csv; charset=utf-8",
	    h->printf(req, "projects-%s.csv", today), out, len);
	return 0;
}

/* --- XLSX ------------------------------------------------------------ */

struct xlsx_ctx {
	lxw_worksheet	*ws;
	lxw_format	*bold, *demo;
	lxw_row_t	 row;
};

static int
xlsx_row(void *vctx, const struct export_row *row)
{
	struct xlsx_ctx *ctx = vctx;
	lxw_format *fmt = ctx->row == 0 ? ctx->bold : NULL;
	lxw_error err;
	lxw_col_t i;

	if (ctx->row > 0 && *row->cell[EXPORT_NCOLS - 1] != '\0')
		fmt = ctx->demo;
	for (i = 0; i < EXPORT_NCOLS; i++) {
		if (*row->cell[i] == '\0')
			continue;
		if (ctx->row > 0 && export_numeric[i])
			err = worksheet_write_number(ctx->ws, ctx->row, i,
			    (double)row->num[i], fmt);
		else
			err = worksheet_write_string(ctx->ws, ctx->row, i,
			    row->cell[i], fmt);
		if (err != LXW_NO_ERROR)
			return -1;
	}
	ctx->row++;
	return 0;
}

/* Reads a whole file into request memory. */
static char *
xlsx_slurp(const struct bureau_host *h, struct bureau_req *req,
    const char *path, size_t *len)
{
	struct stat sb;
	char *buf = NULL;
	size_t off = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return NULL;
	if (fstat(fd, &sb) < 0 || sb.st_size <= 0 ||
	    (buf = h->alloc(req, (size_t)sb.st_size)) == NULL)
		goto done;
	while (off < (size_t)sb.st_size) {
		n = read(fd, buf + off, (size_t)sb.st_size - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			buf = NULL;
			goto done;
		}
		off += (size_t)n;
	}
	*len = off;
done:
	close(fd);
	return buf;
}

/* GET /api/v1/projects/export.xlsx */
int
export_xlsx(struct bureau_req *req, void *state)
{
	const struct projects_state *ps = state;
	const struct bureau_host *h = ps->host;
	lxw_workbook_options opts = { .constant_memory = LXW_FALSE };
	struct xlsx_ctx ctx;
	lxw_workbook *wb = NULL;
	const char *tmpdir = getenv("TMPDIR");
	char path[4096], today[11], *data;
	size_t len = 0;
	int fd, rc;

	/*
	 * libxlsxwriter 1.1.4 writes to a named file (output_buffer came
	 * later): a private temp file, read back and removed.
	 */
	if (tmpdir == NULL || *tmpdir != '/')
		tmpdir = "/tmp";
	if ((size_t)snprintf(path, sizeof(path), "%s/bureau-export-XXXXXX",
	    tmpdir) >= sizeof(path) || (fd = mkstemp(path)) < 0)
		return -1;
	close(fd);
	opts.tmpdir = (char *)tmpdir;
	if ((wb = workbook_new_opt(path, &opts)) == NULL)
		goto fail;
	memset(&ctx, 0, sizeof(ctx));
	if ((ctx.ws = workbook_add_worksheet(wb, "Projects")) == NULL ||
	    (ctx.bold = workbook_add_format(wb)) == NULL ||
	    (ctx.demo = workbook_add_format(wb)) == NULL)
		goto fail;
	format_set_bold(ctx.bold);
	format_set_font_color(ctx.demo, LXW_COLOR_GRAY);
	worksheet_set_column(ctx.ws, 1, 3, 30, NULL);
	worksheet_set_column(ctx.ws, 4, 16, 16, NULL);
	worksheet_freeze_panes(ctx.ws, 1, 0);
	rc = export_rows(h, req, xlsx_row, &ctx);
	if (rc == -1) {
		workbook_close(wb);
		unlink(path);
		return 0;
	}
	if (rc < 0)
		goto fail;
	if (workbook_close(wb) != LXW_NO_ERROR) {
		wb = NULL;
		goto fail;
	}
	wb = NULL;
	data = xlsx_slurp(h, req, path, &len);
	unlink(path);
	if (data == NULL)
		return -1;
	h->today(req, today);
	h->resp_body(req, 200, "application/vnd.openxmlformats-"
	    "officedocument.spreadsheetml.sheet",
	    h->printf(req, "projects-%s.xlsx", today), data, len);
	return 0;
fail:
	h->log(BUREAU_LOG_ERR, "projects: xlsx export failed");
	if (wb != NULL)
		workbook_close(wb);
	unlink(path);
	return -1;
}
