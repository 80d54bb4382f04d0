/*
 * fz_staff -- the staff plugin in the fuzz environment.  The accounts
 * are the core's; the invariants are the plugin's promises about them.
 */
#include <string.h>

#include "fz.h"
#include "fz_plugins.h"

const struct bureau_plugin *const fz_set_staff[] = {
	&fz_plugin_staff, NULL
};

const char *const fz_inv_staff[] = {
	/* The last active admin is never demoted or deactivated. */
	"SELECT 'no active admin' WHERE NOT EXISTS (SELECT 1 FROM users"
	" WHERE role = 'admin' AND active = 1)",
	/* A temporary password always expires and must be changed. */
	"SELECT id FROM users WHERE password_expires_at IS NOT NULL AND"
	" must_change_password = 0",
	/* Never a password in clear: every stored hash is Argon2id. */
	"SELECT id FROM users WHERE password_hash NOT LIKE '$argon2id$%'",
	/* A deactivated account has no live session. */
	"SELECT s.id FROM sessions s JOIN users u ON u.id = s.user_id"
	" WHERE u.active = 0 AND s.revoked_at IS NULL",
	NULL
};

void
fz_seed_staff(void)
{
	const struct fz_resp *r;
	static const char body[] = "{\"username\": \"viewer1\","
	    " \"display_name\": \"Viewer One\", \"role\": \"viewer\"}";

	r = fz_request("POST", "/api/v1/staff", "application/json",
	    FZ_SESSION | FZ_CSRF, body, strlen(body));
	if (r->status != 201)
		fz_fail("seed staff: %d: %.*s", r->status, (int)r->body_len,
		    r->body);
	fz_keep_state();
}
