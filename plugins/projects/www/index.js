// The projects plugin's UI module: report card, projects, problems.
// Contract (docs/UI.md): export register(app); it loads its own catalogs and
// registers its routes.  The nav entries of projects.so point here.

import { renderReportCard } from './report.js';
import { renderList } from './list.js';
import { renderDetail } from './detail.js';
import { renderForm } from './form.js';
import { renderImport } from './import.js';
import { renderProblems } from './problems.js';

export async function register(app) {
	await app.i18n.load(new URL('./i18n/', import.meta.url));
	app.route('/report-card', (ctx) => renderReportCard(app, ctx));
	app.route('/dashboard', (ctx) => renderReportCard(app, ctx));
	app.route('/projects', (ctx) => renderList(app, ctx));
	app.route('/projects/new', (ctx) => renderForm(app, ctx, null));
	app.route('/projects/import', (ctx) => renderImport(app, ctx));
	app.route('/projects/:id', (ctx) => renderDetail(app, ctx));
	app.route('/projects/:id/edit', (ctx) => renderForm(app, ctx, ctx.params.id));
	app.route('/problems', (ctx) => renderProblems(app, ctx));
	// The header's demo-data badge on every page, not only after a page of
	// this module has shown a demo record: one cheap read, not awaited.
	app.api.get('/projects', { demo: 1, limit: 1 }).then((r) => { if (r && r.total > 0) app.setDemo(true); }, () => {});
}
