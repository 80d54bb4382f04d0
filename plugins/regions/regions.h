/*
 * regions.h -- internal header of the regions plugin (regions.so):
 * regional cooperation -- partner regions (provinces, cities, areas the
 * bureau works with), pairs of Chongqing districts paired for
 * cooperation, the cooperation parks those pairs build, and a yearly
 * summary with each partner's projects and capital.
 *
 * Projects are read only through the views the projects plugin
 * documents as its public data contract (docs/api/projects.md):
 * projects_v, project_contracts_v, project_payments_v and the reference
 * views proj_districts_v, proj_source_regions_v, proj_industry_chains_v.
 * The shared helpers (kit.h) live beside the expos plugin.
 */
#ifndef REGIONS_H
#define REGIONS_H

#include "../expos/kit.h"

struct regions_state {
	const struct bureau_host *host;
};

extern const char *const regions_partner_kinds[];	/* province|city|area */
extern const char *const regions_park_statuses[];	/* planned|... */

/*
 * The source-region codes a partner covers: the ones it lists and all
 * their descendants in proj_source_regions_v (gba covers hong_kong,
 * macao, guangdong).  A CTE named cov(code); ?1 is the partner id.
 */
#define REGIONS_COVER_CTE						\
	"cov(code) AS (SELECT code FROM region_partner_sources"		\
	"  WHERE partner_id = ?1 UNION SELECT r.code FROM"		\
	"  proj_source_regions_v r JOIN cov ON r.parent = cov.code)"

/* schema.c */
extern const struct bureau_migration regions_migrations[];

/* codes.c */
int	codes_replace(const struct bureau_host *, struct bureau_req *,
	    const char *del_sql, const char *ins_sql, int64_t owner,
	    json_t *codes);
json_t	*codes_detail(sqlite3_stmt *, int col, json_t **codes);
/* A chain list of an owner as the SQL of a column:
 * json_group_array of {code, name_zh, name_en} in reference order. */
#define CODES_CHAINS_SQL(table, owner_col, owner)			\
	"(SELECT json_group_array(json_object('code', x.code,"		\
	"  'name_zh', x.name_zh, 'name_en', x.name_en)) FROM"		\
	"  (SELECT i.code, c.name_zh, c.name_en FROM " table " i"	\
	"   LEFT JOIN proj_industry_chains_v c ON c.code = i.code"	\
	"   WHERE i." owner_col " = " owner				\
	"   ORDER BY c.sort, i.code) x)"

/* partner.c */
int	partner_list(struct bureau_req *, void *);
int	partner_create(struct bureau_req *, void *);
int	partner_get(struct bureau_req *, void *);
int	partner_patch(struct bureau_req *, void *);
json_t	*partner_load(const struct bureau_host *, struct bureau_req *,
	    int64_t id);

/* pair.c */
int	pair_list(struct bureau_req *, void *);
int	pair_create(struct bureau_req *, void *);
int	pair_get(struct bureau_req *, void *);
int	pair_patch(struct bureau_req *, void *);
json_t	*pair_load(const struct bureau_host *, struct bureau_req *,
	    int64_t id);

/* park.c */
int	park_list(struct bureau_req *, void *);
int	park_create(struct bureau_req *, void *);
int	park_get(struct bureau_req *, void *);
int	park_patch(struct bureau_req *, void *);

/* summary.c */
int	regions_summary(struct bureau_req *, void *);

/* export.c */
int	export_partners_csv(struct bureau_req *, void *);
int	export_pairs_csv(struct bureau_req *, void *);
int	export_parks_csv(struct bureau_req *, void *);

/* demo.c */
int	regions_demo(struct bureau_req *, void *);

#endif
