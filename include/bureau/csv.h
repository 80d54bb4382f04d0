/*
 * bureau/csv.h -- CSV output for exports, part of the plugin SDK: the core
 * uses it (the audit log's export) and a plugin compiles core/csv.c into
 * its own .so (plugins/expos/local.mk does), since a plugin sees the core
 * only through struct bureau_host.  Built in memory with open_memstream:
 * callers cap their row counts.
 *
 * RFC 4180, UTF-8 with a byte order mark (Excel's cue), CRLF line ends.
 * A text cell starting with = + - @ (or tab/CR) gets a leading ' so a
 * spreadsheet does not run it as a formula.
 */
#ifndef BUREAU_CSV_H
#define BUREAU_CSV_H

#include <stdint.h>
#include <stdio.h>

#include "bureau/plugin.h"

struct bureau_csv {
	FILE	*fp;
	char	*buf;
	size_t	 len;
	int	 col;		/* cells written in the current row */
};

int	bureau_csv_open(struct bureau_csv *);
void	bureau_csv_text(struct bureau_csv *, const char *s);	/* NULL: empty */
void	bureau_csv_int(struct bureau_csv *, int64_t n);
/* Column i of a statement: integers as numbers, text quoted, NULL empty. */
void	bureau_csv_col(struct bureau_csv *, sqlite3_stmt *, int i);
void	bureau_csv_eol(struct bureau_csv *);
/* Sends it as NAME-YYYY-MM-DD.csv (attachment) and frees the buffer:
 * 0, or -1 on an internal error (nothing sent). */
int	bureau_csv_send(const struct bureau_host *, struct bureau_req *,
	    struct bureau_csv *, const char *name);
void	bureau_csv_discard(struct bureau_csv *);

#endif
