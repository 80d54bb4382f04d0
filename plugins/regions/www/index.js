// The regions plugin's UI module: partner regions with their projects and
// totals, district pairs, cooperation parks by status.

const PARK_STATUS = ['planned', 'under_construction', 'operating'];

export async function register(app) {
	await app.i18n.load(new URL('./i18n/', import.meta.url));
	app.route('/regions', (ctx) => renderRegions(app, ctx));
	app.route('/regions/:tab', (ctx) => renderRegions(app, ctx));
}

function items(r) { return Array.isArray(r) ? r : (r && r.items) || []; }

// Industry chain codes -> names, from the projects plugin's reference
// (regions depends on projects, so it is there whenever this module is).
let chains = null;
function chainNames(app) {
	if (!chains) {
		chains = app.api.get('/projects/reference')
			.then((r) => new Map((r.industry_chains || []).map((c) => [c.code, c])))
			.catch(() => new Map());
	}
	return chains;
}

function industries(app, obj, names) {
	if (Array.isArray(obj?.industries_detail)) return obj.industries_detail.map((x) => app.i18n.pick(x) || x.code).join('、');
	if (!Array.isArray(obj?.industries)) return obj?.industries || '—';
	return obj.industries.map((c) => (names.get(c) ? app.i18n.pick(names.get(c)) : c)).join('、') || '—';
}

async function renderRegions(app, ctx) {
	const { h, t, ui } = app;
	const tab = ['partners', 'pairs', 'parks'].includes(ctx.params.tab) ? ctx.params.tab : 'partners';
	ctx.setTitle(t('regions.title'));
	const body = h('div', ui.loading());
	// The tab's list as CSV (partners, pairs or parks), names in the UI's language.
	const exportCsv = ui.exportLink(t('common.export_csv'), 'export-csv');
	exportCsv.href = `/api/v1/regions/${tab}/export.csv${app.qs({ lang: app.lang === 'en' ? 'en' : undefined })}`;
	ctx.main.append(
		ui.pageHeader(t('regions.title'), exportCsv),
		h('nav', { class: 'tabs', 'aria-label': t('regions.title') }, ['partners', 'pairs', 'parks'].map((id) =>
			h('a', { class: 'tab', href: `#/regions/${id}`, 'aria-current': id === tab ? 'page' : null, 'aria-selected': String(id === tab), dataset: { tab: id } }, t(`regions.tab_${id}`)))),
		body);
	try {
		if (tab === 'partners') await partners(app, ctx, body);
		else if (tab === 'pairs') await pairs(app, ctx, body);
		else await parks(app, ctx, body);
	} catch (err) {
		if (!ctx.stale) body.replaceChildren(ui.errorBox(err));
	}
}

async function partners(app, ctx, body) {
	const { h, t, ui, i18n, charts } = app;
	const thisYear = Number(i18n.today().slice(0, 4));
	let year = Number(ctx.query.year);
	if (!year) {
		// Default: the latest year with a signing (the dataset may end before today).
		try {
			const last = await app.api.get('/projects', { sort: '-signed_on', limit: 1 });
			year = Number(String(last.items?.[0]?.signed_on || '').slice(0, 4)) || thisYear;
		} catch { year = thisYear; }
		if (ctx.stale) return;
	}
	const [sum, list, names] = await Promise.all([
		app.api.get('/regions/summary', { year }),
		app.api.get('/regions/partners', { limit: 200 }).catch(() => null),
		chainNames(app),
	]);
	if (ctx.stale) return;
	const info = new Map(items(list).map((p) => [p.id ?? p.code, p]));
	const rows = (sum.partners || sum.by_partner || []).map((r) => {
		const p = typeof r.partner === 'object' && r.partner ? r.partner : (info.get(r.partner_id ?? r.partner) || { name: r.partner, name_zh: r.partner_name_zh, name_en: r.partner_name_en });
		return { ...r, info: p, name: i18n.pick(p) || String(r.partner ?? '') };
	}).sort((a, b) => (b.contracted_wan || 0) - (a.contracted_wan || 0));
	const years = [];
	for (let y = thisYear; y >= 2015; y -= 1) years.push({ value: y, label: String(y) });
	const form = h('form', { class: 'filters' },
		ui.field({ name: 'year', label: t('regions.year'), type: 'select', blank: false, value: year, options: years }),
		h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('regions.show'))));
	form.addEventListener('submit', (ev) => { ev.preventDefault(); app.navigate(`#/regions/partners${app.qs(ui.formValues(form))}`); });
	const unit = i18n.chartUnit();
	const shown = rows.slice(0, 15).reverse();
	body.replaceChildren(form,
		h('div', { class: 'kpis' },
			h('div', { class: 'kpi', dataset: { kpi: 'pairs' } }, h('div', { class: 'kpi-label' }, t('regions.district_pairs')), h('div', { class: 'kpi-value' }, i18n.fmtNumber(sum.district_pairs))),
			h('div', { class: 'kpi', dataset: { kpi: 'parks' } }, h('div', { class: 'kpi-label' }, t('regions.parks')), h('div', { class: 'kpi-value' }, i18n.fmtNumber(sum.parks)),
				sum.parks_by_status ? h('div', { class: 'kpi-sub' }, PARK_STATUS.map((s) => `${i18n.tEnum('park_status', s)} ${i18n.fmtNumber(sum.parks_by_status[s] ?? 0)}`).join(' · ')) : null)),
		ui.section(t('regions.partners_year', { year }),
			rows.length ? charts.chart(ctx, {
				tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, formatter: charts.axisTip((v) => `${i18n.fmtNumber(v, { maximumFractionDigits: 2 })} ${unit}`) },
				legend: { top: 0 },
				grid: { left: 8, right: 24, bottom: 8, top: 36, containLabel: true },
				yAxis: { type: 'category', data: shown.map((r) => r.name) },
				xAxis: { type: 'value', name: unit },
				series: [
					{ name: t('regions.contracted'), type: 'bar', data: shown.map((r) => i18n.chartAmount(r.contracted_wan)) },
					{ name: t('regions.paid_in'), type: 'bar', data: shown.map((r) => i18n.chartAmount(r.paid_in_wan)) },
				],
			}, { height: 'lg', label: t('regions.partners_year', { year }) }) : null,
			ui.table([
				{ key: 'name', label: t('regions.partner'), render: (r) => [r.name, r.info?.kind || r.info?.type || r.kind ? h('div', { class: 'small muted' }, i18n.tEnum('partner_kind', r.info?.kind || r.info?.type || r.kind)) : null] },
				{ key: 'industries', label: t('regions.industries'), render: (r) => industries(app, r.info, names) },
				{ key: 'projects', label: t('regions.projects'), num: true, render: (r) => (r.source_region || r.info?.source_region
					? h('a', { href: `#/projects${app.qs({ source_region: r.source_region || r.info.source_region, signed_year: year })}` }, i18n.fmtNumber(r.projects))
					: i18n.fmtNumber(r.projects)) },
				{ key: 'contracted_wan', label: t('regions.contracted'), num: true, render: (r) => h('span', { title: i18n.fmtWan(r.contracted_wan) }, i18n.fmtYi(r.contracted_wan)) },
				{ key: 'paid_in_wan', label: t('regions.paid_in'), num: true, render: (r) => h('span', { title: i18n.fmtWan(r.paid_in_wan) }, i18n.fmtYi(r.paid_in_wan)) },
			], rows, { empty: t('regions.no_partners') })));
}

function districtName(app, d) {
	if (!d) return '—';
	if (typeof d === 'object') return app.i18n.pick(d) || d.code || '—';
	return String(d);
}

function pairName(app, p) {
	if (!p) return '—';
	const a = p.district_a_name_zh || p.district_a_name_en ? app.i18n.pick({ name_zh: p.district_a_name_zh, name_en: p.district_a_name_en }) : districtName(app, p.district_a ?? p.a);
	const b = p.district_b_name_zh || p.district_b_name_en ? app.i18n.pick({ name_zh: p.district_b_name_zh, name_en: p.district_b_name_en }) : districtName(app, p.district_b ?? p.b);
	return app.i18n.pick(p) || `${a}–${b}`;
}

async function pairs(app, ctx, body) {
	const { t, ui } = app;
	const r = await app.api.get('/regions/pairs', { limit: 200 });
	if (ctx.stale) return;
	const list = items(r);
	body.replaceChildren(ui.section(t('regions.pairs_count', { n: app.i18n.fmtNumber(r.total ?? list.length) }), ui.table([
		{ key: 'pair', label: t('regions.pair'), render: (p) => pairName(app, p) },
		{ key: 'since', label: t('regions.since'), class: 'nowrap', render: (p) => app.i18n.fmtDate(p.since || p.established_on || p.created_on) },
		{ key: 'parks', label: t('regions.parks'), num: true, render: (p) => app.i18n.fmtNumber(p.parks ?? p.park_count ?? 0) },
		{ key: 'notes', label: t('regions.notes'), render: (p) => p.notes || '' },
	], list, { empty: t('regions.no_pairs') })));
}

async function parks(app, ctx, body) {
	const { h, t, ui, i18n } = app;
	const [r, names] = await Promise.all([app.api.get('/regions/parks', { limit: 200 }), chainNames(app)]);
	if (ctx.stale) return;
	const list = items(r);
	body.replaceChildren(h('div', { class: 'board' }, PARK_STATUS.map((s) => {
		const col = list.filter((p) => p.status === s);
		return h('section', { class: 'board-col', dataset: { status: s } },
			h('h2', h('span', i18n.tEnum('park_status', s)), ui.badge(i18n.fmtNumber(col.length), 'neutral')),
			col.map((p) => h('article', { class: 'board-card' },
				h('strong', i18n.pick(p) || p.name),
				h('div', { class: 'meta' }, pairName(app, p.pair || { district_a: p.district_a, district_b: p.district_b, district_a_name_zh: p.district_a_name_zh, district_a_name_en: p.district_a_name_en, district_b_name_zh: p.district_b_name_zh, district_b_name_en: p.district_b_name_en })),
				h('div', { class: 'meta' },
					industries(app, p, names),
					p.district_name_zh || p.district_name_en ? ` · ${i18n.pick({ name_zh: p.district_name_zh, name_en: p.district_name_en })}` : '',
					p.area_mu ? ` · ${t('regions.area_mu', { n: i18n.fmtNumber(p.area_mu) })}` : p.area_ha ? ` · ${t('regions.area_ha', { n: i18n.fmtNumber(p.area_ha) })}` : '',
					p.projects !== undefined ? ` · ${t('regions.n_projects', { n: i18n.fmtNumber(p.projects) })}` : ''))));
	})));
}
