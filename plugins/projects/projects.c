/*
 * projects.c -- the plugin descriptor: routes, permissions, menu, init.
 *
 * The route table is the map of the plugin; each handler lives in the
 * file of its job (project.c, stage.c, ledger.c, ...).  Literal paths
 * such as /projects/export.csv are never shadowed by /projects/{id}:
 * the router matches {id} only against positive integers.
 */
#include <stdlib.h>

#include "projects.h"

#define READ	"projects.read"
#define WRITE	"projects.write"

static const struct bureau_route projects_routes[] = {
	/* The list and the card depend on the URI, the data and today
	 * only: cacheable until the next commit (issue 8, E1). */
	{ "GET",    "/api/v1/projects", project_list, READ,
	  BUREAU_ROUTE_CACHEABLE },
	{ "POST",   "/api/v1/projects", project_create, WRITE, 0 },
	{ "GET",    "/api/v1/projects/reference", reference_get, READ, 0 },
	{ "GET",    "/api/v1/projects/officers", officers_get, READ, 0 },
	{ "GET",    "/api/v1/projects/export.csv", export_csv, READ, 0 },
	{ "GET",    "/api/v1/projects/export.xlsx", export_xlsx, READ, 0 },
	{ "POST",   "/api/v1/projects/import", import_post, WRITE,
	  BUREAU_ROUTE_RAW_BODY },
	{ "GET",    "/api/v1/projects/{id}", project_get, READ, 0 },
	{ "PATCH",  "/api/v1/projects/{id}", project_patch, WRITE, 0 },
	{ "DELETE", "/api/v1/projects/{id}", project_delete, WRITE, 0 },
	{ "GET",    "/api/v1/projects/{id}/stage", stage_list, READ, 0 },
	{ "POST",   "/api/v1/projects/{id}/stage", stage_post, WRITE, 0 },
	{ "GET",    "/api/v1/projects/{id}/contracts", contract_list, READ, 0 },
	{ "POST",   "/api/v1/projects/{id}/contracts", contract_post, WRITE, 0 },
	{ "GET",    "/api/v1/projects/{id}/payments", payment_list, READ, 0 },
	{ "POST",   "/api/v1/projects/{id}/payments", payment_post, WRITE, 0 },
	{ "GET",    "/api/v1/projects/{id}/problems", problem_list, READ, 0 },
	{ "POST",   "/api/v1/projects/{id}/problems", problem_post, WRITE, 0 },
	{ "PATCH",  "/api/v1/projects/{id}/problems/{pid}", problem_patch,
	  WRITE, 0 },
	{ "GET",    "/api/v1/problems", problem_list_all, READ, 0 },
	{ "GET",    "/api/v1/targets/{year}", target_get, READ, 0 },
	{ "PUT",    "/api/v1/targets/{year}", target_put, WRITE, 0 },
	/* "report" */
	{ "GET",    "/api/v1/report-card", report_card_get, READ,
	  BUREAU_ROUTE_CACHEABLE },
	{ NULL, NULL, NULL, NULL, 0 }
};

static const struct bureau_permission projects_permissions[] = {
	{ READ, "Read projects, ledgers, problems, targets and the report card",
	  "admin,officer,viewer" },
	{ WRITE, "Create and change projects, ledgers, problems and targets",
	  "admin,officer" },
	{ NULL, NULL, NULL }
};

static const struct bureau_nav projects_nav[] = {
	/* The report card first: it is the home page (docs/UI.md). */
	{ "report-card", "年度成绩单", "Report card", "#/report-card",
	  "/plugins/projects/index.js", READ, 20 },
	{ "projects", "项目库", "Projects", "#/projects",
	  "/plugins/projects/index.js", READ, 21 },
	{ "problems", "问题协调", "Problems", "#/problems",
	  "/plugins/projects/index.js", READ, 22 },
	{ NULL, NULL, NULL, NULL, NULL, NULL, 0 }
};

static int
projects_init(const struct bureau_host *host, void **state)
{
	struct projects_state *st;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return -1;
	st->host = host;
	*state = st;
	return 0;
}

static void
projects_fini(void *state)
{
	free(state);
}

/* The one exported symbol: the build hides everything else. */
BUREAU_EXPORT const struct bureau_plugin bureau_plugin = {
	BUREAU_PLUGIN_HEADER,
	.name = "projects",
	.version = "1.0.0",
	.title = "Projects",
	.description = "Investment projects from lead to operation: stage "
	    "history, contracted and paid-in ledgers, problems, key "
	    "projects, targets and the annual report card",
	.depends = NULL,
	.migrations = projects_migrations,
	.routes = projects_routes,
	.permissions = projects_permissions,
	.nav = projects_nav,
	.init = projects_init,
	.fini = projects_fini,
	.demo = projects_demo,
};
