// Projects list: filters, search, sort, pagination, export links.

import { refs, officers, officerLabel } from './ref.js';

const FILTERS = ['q', 'stage', 'investor_type', 'key_level', 'source_region', 'industry_chain', 'district', 'signed_year', 'officer_id', 'min_contracted_wan'];

export async function renderList(app, ctx) {
	const { h, t, ui, i18n } = app;
	ctx.setTitle(t('projects.title'));
	const q = { sort: '-signed_on', limit: 50, offset: 0 };
	for (const k of [...FILTERS, 'sort', 'limit', 'offset']) if (ctx.query[k] !== undefined) q[k] = ctx.query[k];
	q.limit = Math.min(200, Number(q.limit) || 50);
	q.offset = Math.max(0, Number(q.offset) || 0);

	const [ref, staff] = await Promise.all([refs(app).catch(() => null), officers(app).catch(() => null)]);
	if (ctx.stale) return;
	const opts = (kind) => (ref ? ref.options(kind) : []);
	const label = (kind, code) => (ref ? ref.label(kind, code) : (code ?? '—'));

	const exportCsv = ui.exportLink(t('projects.export_csv'), 'export-csv');
	const exportXlsx = ui.exportLink(t('projects.export_xlsx'), 'export-xlsx');
	const canWrite = app.can('projects.write');
	ctx.main.append(ui.pageHeader(t('projects.title'),
		canWrite ? ui.linkButton(t('projects.new'), '#/projects/new', { kind: 'primary', dataset: { action: 'new-project' } }) : null,
		canWrite ? ui.linkButton(t('projects.import'), '#/projects/import', { dataset: { action: 'import' } }) : null,
		exportCsv, exportXlsx));

	const thisYear = Number(i18n.today().slice(0, 4));
	const years = [];
	for (let y = thisYear; y >= 2015; y -= 1) years.push({ value: y, label: String(y) });
	const form = h('form', { class: 'filters', role: 'search', 'aria-label': t('projects.filters') },
		ui.field({ name: 'q', label: t('projects.search'), type: 'search', value: q.q || '', placeholder: t('projects.search_hint') }),
		ui.field({ name: 'stage', label: t('projects.stage'), type: 'select', blank: t('common.all'), value: q.stage, options: opts('stage') }),
		ui.field({ name: 'investor_type', label: t('projects.investor_type'), type: 'select', blank: t('common.all'), value: q.investor_type, options: opts('investor_type') }),
		ui.field({ name: 'key_level', label: t('projects.key_level'), type: 'select', blank: t('common.all'), value: q.key_level, options: opts('key_level') }),
		ui.field({ name: 'source_region', label: t('projects.source_region'), type: 'select', blank: t('common.all'), value: q.source_region, options: opts('source_region') }),
		ui.field({ name: 'industry_chain', label: t('projects.industry_chain'), type: 'select', blank: t('common.all'), value: q.industry_chain, options: opts('industry_chain') }),
		ui.field({ name: 'district', label: t('projects.district'), type: 'select', blank: t('common.all'), value: q.district, options: opts('district') }),
		ui.field({ name: 'signed_year', label: t('projects.signed_year'), type: 'select', blank: t('common.all'), value: q.signed_year, options: years }),
		staff ? ui.field({ name: 'officer_id', label: t('projects.officer'), type: 'select', blank: t('projects.officer_any'), value: q.officer_id,
			options: [...staff.map((o) => ({ value: o.id, label: officerLabel(o) })),
				// An officer named in the address who is no longer active.
				...(q.officer_id && !staff.some((o) => String(o.id) === String(q.officer_id)) ? [{ value: q.officer_id, label: `#${q.officer_id}` }] : [])] }) : null,
		ui.field({ name: 'min_contracted_wan', label: t('projects.min_contracted_wan'), type: 'number', min: 0, step: 1, value: q.min_contracted_wan || '' }),
		h('div', { class: 'actions' },
			h('button', { type: 'submit', class: 'btn btn-primary' }, t('common.search')),
			ui.button(t('common.reset'), () => { form.reset(); for (const k of FILTERS) delete q[k]; for (const el of form.elements) if (el.name) el.value = ''; q.offset = 0; load(); })));
	const body = h('div', { class: 'results' }, ui.loading());
	ctx.main.append(form, body);

	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		const v = ui.formValues(form);
		for (const k of FILTERS) q[k] = v[k] ?? undefined;
		q.offset = 0;
		load();
	});

	const money = (wan) => h('span', { title: i18n.fmtWan(wan) }, i18n.fmtYi(wan));
	// Only the latest request paints: a search typed while the first page
	// is still loading must not be overwritten by it.
	let seq = 0;
	async function load() {
		const mine = ++seq;
		app.setQuery(q);
		const filters = {};
		for (const k of FILTERS) if (q[k] !== undefined && q[k] !== '') filters[k] = q[k];
		if (q.sort) filters.sort = q.sort;
		exportCsv.href = `/api/v1/projects/export.csv${app.qs(filters)}`;
		exportXlsx.href = `/api/v1/projects/export.xlsx${app.qs(filters)}`;
		body.setAttribute('aria-busy', 'true');
		let r;
		try {
			r = await app.api.get('/projects', q);
		} catch (err) {
			if (mine !== seq) return;
			body.replaceChildren(ui.errorBox(err));
			form.querySelector(err.field ? `[name="${CSS.escape(err.field)}"]` : 'nothing')?.setAttribute('aria-invalid', 'true');
			return;
		} finally {
			body.removeAttribute('aria-busy');
		}
		if (ctx.stale || mine !== seq) return;
		const items = r.items || [];
		if (items.some((p) => p.is_demo)) app.setDemo(true);
		body.replaceChildren(
			h('p', { class: 'small muted', role: 'status' }, t('projects.found', { n: i18n.fmtNumber(r.total ?? items.length) })),
			ui.table([
				{ key: 'name', label: t('projects.name'), sortKey: 'name', render: (p) => h('a', { href: `#/projects/${p.id}`, dataset: { project: p.id } }, i18n.pick(p) || `#${p.id}`) },
				{ key: 'investor', label: t('projects.investor'), optional: true },
				{ key: 'district', label: t('projects.district'), render: (p) => label('district', p.district) },
				{ key: 'industry_chain', label: t('projects.industry_chain'), optional: true, render: (p) => label('industry_chain', p.industry_chain) },
				{ key: 'stage', label: t('projects.stage'), render: (p) => ui.stageBadge(p.stage) },
				{ key: 'signed_on', label: t('projects.signed_on'), sortKey: 'signed_on', class: 'nowrap', render: (p) => i18n.fmtDate(p.signed_on) },
				{ key: 'contracted_wan', label: t('projects.contracted'), sortKey: 'contracted_wan', num: true, render: (p) => money(p.contracted_wan) },
				{ key: 'paid_in_wan', label: t('projects.paid_in'), num: true, render: (p) => money(p.paid_in_wan) },
			], items, { sort: q.sort, onSort: (s) => { q.sort = s; q.offset = 0; load(); }, empty: t('projects.none'), caption: null }),
			ui.pager({ total: r.total ?? items.length, limit: q.limit, offset: q.offset, onPage: (o) => { q.offset = o; load(); } }));
	}
	await load();
}
