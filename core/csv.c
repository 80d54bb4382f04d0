/*
 * csv -- CSV output for exports (include/bureau/csv.h): the core's audit
 * export and the plugins that compile this file in (expos, regions).
 * Only the host table is used, so the same file works in both places.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bureau/csv.h"

int
bureau_csv_open(struct bureau_csv *c)
{
	memset(c, 0, sizeof(*c));
	if ((c->fp = open_memstream(&c->buf, &c->len)) == NULL)
		return -1;
	fputs("\xEF\xBB\xBF", c->fp);
	return 0;
}

static void
bureau_csv_sep(struct bureau_csv *c)
{
	if (c->col++ > 0)
		fputc(',', c->fp);
}

void
bureau_csv_text(struct bureau_csv *c, const char *s)
{
	const char *p;
	int quote = 0;

	bureau_csv_sep(c);
	if (s == NULL || *s == '\0')
		return;
	for (p = s; *p != '\0'; p++)
		if (*p == ',' || *p == '"' || *p == '\n' || *p == '\r')
			quote = 1;
	if (quote)
		fputc('"', c->fp);
	if (strchr("=+-@\t\r", *s) != NULL)
		fputc('\'', c->fp);
	for (p = s; *p != '\0'; p++) {
		if (*p == '"')
			fputc('"', c->fp);
		fputc(*p, c->fp);
	}
	if (quote)
		fputc('"', c->fp);
}

void
bureau_csv_int(struct bureau_csv *c, int64_t n)
{
	bureau_csv_sep(c);
	fprintf(c->fp, "%" PRId64, n);
}

void
bureau_csv_col(struct bureau_csv *c, sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		bureau_csv_int(c, sqlite3_column_int64(st, i));
		break;
	case SQLITE_NULL:
		bureau_csv_text(c, NULL);
		break;
	default:
		bureau_csv_text(c, (const char *)sqlite3_column_text(st, i));
		break;
	}
}

void
bureau_csv_eol(struct bureau_csv *c)
{
	fputs("\r\n", c->fp);
	c->col = 0;
}

void
bureau_csv_discard(struct bureau_csv *c)
{
	if (c->fp != NULL)
		fclose(c->fp);
	c->fp = NULL;
	free(c->buf);
	c->buf = NULL;
}

int
bureau_csv_send(const struct bureau_host *h, struct bureau_req *req,
    struct bureau_csv *c, const char *name)
{
	char today[11], *out;
	int err;

	err = ferror(c->fp);
	if (fclose(c->fp) != 0)
		err = 1;
	c->fp = NULL;
	/* The host may send after we return: hand it arena memory. */
	if (err || (out = h->alloc(req, c->len + 1)) == NULL) {
		bureau_csv_discard(c);
		return -1;
	}
	memcpy(out, c->buf, c->len);
	h->today(req, today);
	h->resp_body(req, 200, "text/csv; charset=utf-8",
	    h->printf(req, "%s-%s.csv", name, today), out, c->len);
	free(c->buf);
	c->buf = NULL;
	return 0;
}
