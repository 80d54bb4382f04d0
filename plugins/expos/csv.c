/*
 * csv -- CSV output for the expos and regions exports (declared in
 * kit.h): RFC 4180 quoting, UTF-8 with a BOM so Excel opens Chinese
 * correctly, CRLF line ends, and the formula guard of projects' export
 * (a cell starting with = + - @ gets a leading apostrophe).  Built in
 * memory with open_memstream; lists here are small (hundreds of rows).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "kit.h"

int
kit_csv_open(struct kit_csv *c)
{
	memset(c, 0, sizeof(*c));
	if ((c->fp = open_memstream(&c->buf, &c->len)) == NULL)
		return -1;
	fputs("\xEF\xBB\xBF", c->fp);
	return 0;
}

static void
kit_csv_sep(struct kit_csv *c)
{
	if (c->col++ > 0)
		fputc(',', c->fp);
}

void
kit_csv_text(struct kit_csv *c, const char *s)
{
	const char *p;
	int quote = 0;

	kit_csv_sep(c);
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
kit_csv_int(struct kit_csv *c, int64_t n)
{
	kit_csv_sep(c);
	fprintf(c->fp, "%" PRId64, n);
}

void
kit_csv_col(struct kit_csv *c, sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		kit_csv_int(c, sqlite3_column_int64(st, i));
		break;
	case SQLITE_NULL:
		kit_csv_text(c, NULL);
		break;
	default:
		kit_csv_text(c, (const char *)sqlite3_column_text(st, i));
		break;
	}
}

void
kit_csv_eol(struct kit_csv *c)
{
	fputs("\r\n", c->fp);
	c->col = 0;
}

void
kit_csv_discard(struct kit_csv *c)
{
	if (c->fp != NULL)
		fclose(c->fp);
	c->fp = NULL;
	free(c->buf);
	c->buf = NULL;
}

int
kit_csv_send(const struct bureau_host *h, struct bureau_req *req,
    struct kit_csv *c, const char *name)
{
	char today[11], *out;
	int err;

	err = ferror(c->fp);
	if (fclose(c->fp) != 0)
		err = 1;
	c->fp = NULL;
	/* The host may send after we return: hand it arena memory. */
	if (err || (out = h->alloc(req, c->len + 1)) == NULL) {
		kit_csv_discard(c);
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
