# www/ -- the web UI (owner: ui).  Installs the shell into $(wwwdir) and
# each bundled plugin's UI module (plugins/NAME/www/) into
# $(wwwdir)/plugins/NAME/, where the nav's module paths point
# (/plugins/NAME/index.js).  ECharts comes from npm (package-lock.json):
# scripts/ui-vendor copies it to www/vendor/, and install-data-local installs
# it from there (or straight from node_modules/) into $(wwwdir)/vendor/echarts/.
# Keep these lists in step with the tree: tests/browser/files.test.mjs checks.

wwwrootdir = $(wwwdir)
dist_wwwroot_DATA = \
	www/index.html

wwwcssdir = $(wwwdir)/css
dist_wwwcss_DATA = \
	www/css/app.css

wwwimgdir = $(wwwdir)/img
dist_wwwimg_DATA = \
	www/img/favicon.svg

wwwi18ndir = $(wwwdir)/i18n
dist_wwwi18n_DATA = \
	www/i18n/en.json \
	www/i18n/zh-CN.json

wwwjsdir = $(wwwdir)/js
dist_wwwjs_DATA = \
	www/js/api.js \
	www/js/charts.js \
	www/js/h.js \
	www/js/i18n.js \
	www/js/main.js \
	www/js/router.js \
	www/js/ui.js

wwwjspagesdir = $(wwwdir)/js/pages
dist_wwwjspages_DATA = \
	www/js/pages/admin.js \
	www/js/pages/audit.js \
	www/js/pages/auth.js \
	www/js/pages/plugins.js \
	www/js/pages/profile.js

wwwprojectsdir = $(wwwdir)/plugins/projects
dist_wwwprojects_DATA = \
	plugins/projects/www/detail.js \
	plugins/projects/www/form.js \
	plugins/projects/www/import.js \
	plugins/projects/www/index.js \
	plugins/projects/www/list.js \
	plugins/projects/www/problems.js \
	plugins/projects/www/ref.js \
	plugins/projects/www/report.js

wwwprojectsi18ndir = $(wwwdir)/plugins/projects/i18n
dist_wwwprojectsi18n_DATA = \
	plugins/projects/www/i18n/en.json \
	plugins/projects/www/i18n/zh-CN.json

wwwstaffdir = $(wwwdir)/plugins/staff
dist_wwwstaff_DATA = \
	plugins/staff/www/index.js

wwwstaffi18ndir = $(wwwdir)/plugins/staff/i18n
dist_wwwstaffi18n_DATA = \
	plugins/staff/www/i18n/en.json \
	plugins/staff/www/i18n/zh-CN.json

wwwexposdir = $(wwwdir)/plugins/expos
dist_wwwexpos_DATA = \
	plugins/expos/www/index.js

wwwexposi18ndir = $(wwwdir)/plugins/expos/i18n
dist_wwwexposi18n_DATA = \
	plugins/expos/www/i18n/en.json \
	plugins/expos/www/i18n/zh-CN.json

wwwregionsdir = $(wwwdir)/plugins/regions
dist_wwwregions_DATA = \
	plugins/regions/www/index.js

wwwregionsi18ndir = $(wwwdir)/plugins/regions/i18n
dist_wwwregionsi18n_DATA = \
	plugins/regions/www/i18n/en.json \
	plugins/regions/www/i18n/zh-CN.json

EXTRA_DIST += package.json package-lock.json scripts/ui-vendor \
	www/.gitignore docs/UI.md \
	tests/browser/stack.mjs tests/browser/portal_stack.py \
	tests/browser/lib.mjs tests/browser/files.test.mjs \
	tests/browser/ui.test.mjs tests/browser/quarantine.test.mjs

ECHARTS_FILES = echarts.esm.min.js LICENSE NOTICE

# ECharts: from www/vendor (scripts/ui-vendor) or node_modules (npm ci).
install-data-local: install-www-vendor
install-www-vendor:
	@set -e; \
	if test -f $(srcdir)/www/vendor/echarts/echarts.esm.min.js; then \
		src=$(srcdir)/www/vendor/echarts; \
	elif test -f $(srcdir)/node_modules/echarts/dist/echarts.esm.min.js; then \
		src=$(srcdir)/node_modules/echarts; \
	else \
		echo "www: ECharts not found: run 'npm ci' (charts will be missing)" >&2; \
		exit 0; \
	fi; \
	$(MKDIR_P) $(DESTDIR)$(wwwdir)/vendor/echarts; \
	for f in $(ECHARTS_FILES); do \
		if test -f $$src/$$f; then p=$$src/$$f; else p=$$src/dist/$$f; fi; \
		$(INSTALL_DATA) $$p $(DESTDIR)$(wwwdir)/vendor/echarts/$$f; \
	done

uninstall-local: uninstall-www-vendor
uninstall-www-vendor:
	for f in $(ECHARTS_FILES); do rm -f $(DESTDIR)$(wwwdir)/vendor/echarts/$$f; done

.PHONY: install-www-vendor uninstall-www-vendor
