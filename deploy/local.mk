# deploy/ -- the nginx site, the systemd units, the example configuration.
#
# The example configuration goes to $(sysconfdir)/bureau/ (copy it to
# bureau.conf there); the nginx includes and the systemd units are
# installed under $(pkgdatadir) for the administrator to copy into place
# (docs/DEPLOYMENT.md): they name absolute paths that are the site's
# choice, not the build's.

bureauconfdir = $(sysconfdir)/bureau
dist_bureauconf_DATA = deploy/bureau.conf.example

bureaunginxdir = $(pkgdatadir)/nginx
dist_bureaunginx_DATA = \
	deploy/nginx/bureau.conf \
	deploy/nginx/bureau-api.conf \
	deploy/nginx/bureau-api-errors.conf \
	deploy/nginx/bureau-fastcgi.conf \
	deploy/nginx/bureau-http.conf \
	deploy/nginx/bureau-limits.conf \
	deploy/nginx/bureau-security-headers.conf \
	deploy/nginx/bureau-site.conf \
	deploy/nginx/bureau-tls.conf

bureausystemddir = $(pkgdatadir)/systemd
dist_bureausystemd_DATA = \
	deploy/systemd/bureaud.service \
	deploy/systemd/bureau-backup.service \
	deploy/systemd/bureau-backup.timer

# The scripts of the two README commands and CI travel in the tarball too.
EXTRA_DIST += \
	scripts/run scripts/test scripts/lib.sh \
	.ci/run
