/*
 * db -- SQLite connections and the per-thread prepared-statement cache.
 * Every connection: WAL, synchronous=FULL, foreign_keys=ON, busy_timeout.
 * A connection belongs to the thread that opened it.
 */
#ifndef BUREAU_DB_H
#define BUREAU_DB_H

#include <sqlite3.h>

struct stmt_cache;

#define DB_OPEN_CREATE	0x01	/* create the file if missing */
#define DB_OPEN_RDONLY	0x02

int	db_open(sqlite3 **out, const char *path, int flags, int busy_timeout_ms);
void	db_close(sqlite3 *);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK; 0 or -1 with a logged error. */
int	db_begin(sqlite3 *);
int	db_commit(sqlite3 *);
void	db_rollback(sqlite3 *);
/* sqlite3_exec with the error logged; 0/-1. */
int	db_exec(sqlite3 *, const char *sql);
/* 1 when a db_exec/db_commit of this thread failed with SQLITE_FULL
 * since the last db_storage_reset() (each request starts with one). */
int	db_storage_full(void);
void	db_storage_reset(void);

/*
 * Statement cache keyed by SQL text.  stmt_cache_get returns a reset
 * statement with cleared bindings; the cache owns it (never finalize).
 * It returns NULL (and logs the SQL) when that text's statement has been
 * stepped and neither run to SQLITE_DONE nor reset: it may still be in
 * use further up the stack.  stmt_cache_reset_all resets every
 * statement (end of request).
 */
struct stmt_cache *stmt_cache_new(sqlite3 *);
void		   stmt_cache_free(struct stmt_cache *);
sqlite3_stmt	  *stmt_cache_get(struct stmt_cache *, const char *sql);
void		   stmt_cache_reset_all(struct stmt_cache *);

/* Online backup in one step (VACUUM INTO) then integrity_check on the
 * copy; 0 or -1 with a message in err. */
int	db_backup(sqlite3 *, const char *dest, char *err, size_t errlen);
/* PRAGMA integrity_check; 0 when "ok". */
int	db_integrity_check(sqlite3 *, char *err, size_t errlen);

#endif
