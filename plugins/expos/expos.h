/*
 * expos.h -- internal header of the expos plugin (expos.so): expo series,
 * their yearly editions with signing ceremonies, the projects signed at
 * an edition, and the follow-up figures of those signings.
 *
 * Projects are read only through the views the projects plugin documents
 * as its public data contract (docs/api/projects.md): projects_v,
 * project_stages_v, project_payments_v.  Never its tables.
 */
#ifndef EXPOS_H
#define EXPOS_H

#include "kit.h"

struct expos_state {
	const struct bureau_host *host;
};

/*
 * "Signing g (of edition e) is the project's first": no signing of the
 * same project at an edition that starts earlier (ties by edition id).
 * A project counts at its first signing only; later ones are re-signings
 * (first_signing false) and add nothing to any edition's figures.  It is
 * computed, not stored, so removing the first signing or moving an
 * edition's dates re-decides it consistently.  Aliases: g, e.
 */
#define EXPOS_FIRST_SQL							\
	"NOT EXISTS (SELECT 1 FROM expo_signings t"			\
	" JOIN expo_editions te ON te.id = t.edition_id"		\
	" WHERE t.project_id = g.project_id"				\
	" AND (te.starts_on, te.id) < (e.starts_on, e.id))"

/* schema.c */
extern const struct bureau_migration expos_migrations[];

/* series.c */
int	series_list(struct bureau_req *, void *);
int	series_create(struct bureau_req *, void *);
int	series_patch(struct bureau_req *, void *);
/* The series' id by code: >0, 0 when none, -1 on a db error. */
int64_t	series_id_by_code(const struct bureau_host *, struct bureau_req *,
	    const char *code);

/* edition.c */
int	edition_list(struct bureau_req *, void *);
int	edition_create(struct bureau_req *, void *);
int	edition_get(struct bureau_req *, void *);
int	edition_patch(struct bureau_req *, void *);
/* The edition as JSON, NULL when absent (or on error). */
json_t	*edition_load(const struct bureau_host *, struct bureau_req *,
	    int64_t id);

/* signing.c */
int	signing_list(struct bureau_req *, void *);
int	signing_create(struct bureau_req *, void *);
int	signing_delete(struct bureau_req *, void *);

/* summary.c */
int	summary_get(struct bureau_req *, void *);
int	summary_compare(struct bureau_req *, void *);
/* The follow-up figures of an edition as of a date (new object). */
json_t	*summary_build(const struct bureau_host *, struct bureau_req *,
	    int64_t edition_id, const char *as_of);

/* export.c */
int	export_editions_csv(struct bureau_req *, void *);
int	export_signings_csv(struct bureau_req *, void *);
int	export_series_csv(struct bureau_req *, void *);

/* demo.c */
int	expos_demo(struct bureau_req *, void *);

#endif
