// The expos plugin's UI module: expo editions, signings, follow-up rates,
// and two editions of a series side by side.

const RATES = [
	['performance_rate_pct', 'expos.performance_rate'],
	['start_rate_pct', 'expos.start_rate'],
	['operation_rate_pct', 'expos.operation_rate'],
	['funds_rate_pct', 'expos.funds_rate'],
];

export async function register(app) {
	await app.i18n.load(new URL('./i18n/', import.meta.url));
	app.route('/expos', (ctx) => renderList(app, ctx));
	app.route('/expos/compare', (ctx) => renderCompare(app, ctx));
	app.route('/expos/:id', (ctx) => renderDetail(app, ctx));
}

function items(r) { return Array.isArray(r) ? r : (r && r.items) || []; }

function expoName(app, e) {
	const { pick } = app.i18n;
	const series = pick(e, 'series_name') || pick(e.series || {}) || (typeof e.series === 'string' ? e.series : '');
	const own = pick(e);
	if (own) return own;
	return [series, e.year].filter(Boolean).join(' ');
}

// A rate: the API gives percentages with one decimal; the key names vary a
// little between drafts, so look for the _pct form first, then the bare one.
function rate(summary, key) {
	if (!summary) return null;
	if (summary[key] !== undefined) return summary[key];
	const bare = key.replace(/_pct$/, '');
	if (summary[bare] !== undefined) return summary[bare];
	if (summary.rates && summary.rates[bare] !== undefined) return summary.rates[bare];
	if (summary.rates && summary.rates[key] !== undefined) return summary.rates[key];
	return null;
}

async function renderList(app, ctx) {
	const { h, t, ui, i18n } = app;
	ctx.setTitle(t('expos.title'));
	const body = h('div', ui.loading());
	const exportCsv = ui.exportLink(t('common.export_csv'), 'export-csv');
	exportCsv.href = `/api/v1/expos/export.csv${app.qs({ lang: app.lang === 'en' ? 'en' : undefined })}`;
	ctx.main.append(ui.pageHeader(t('expos.title'), exportCsv, ui.linkButton(t('expos.compare'), '#/expos/compare', { dataset: { action: 'compare' } })), body);
	let r;
	try { r = await app.api.get('/expos', { limit: 200 }); } catch (err) { body.replaceChildren(ui.errorBox(err)); return; }
	if (ctx.stale) return;
	const list = items(r);
	if (list.some((e) => e.is_demo)) app.setDemo(true);
	body.replaceChildren(ui.table([
		{ key: 'name', label: t('expos.name'), render: (e) => h('a', { href: `#/expos/${e.id}`, dataset: { expo: e.id } }, expoName(app, e)) },
		{ key: 'year', label: t('expos.year'), render: (e) => e.year ?? '—' },
		{ key: 'dates', label: t('expos.dates'), render: (e) => [i18n.fmtDate(e.starts_on || e.start_on || e.start_date), ' – ', i18n.fmtDate(e.ends_on || e.end_on || e.end_date)] },
		{ key: 'city', label: t('expos.city'), render: (e) => i18n.pick(e, 'city') || e.city || '—' },
		{ key: 'signed', label: t('expos.signed_projects'), num: true, render: (e) => (e.signed_projects !== undefined ? i18n.fmtNumber(e.signed_projects) : '—') },
	], list, { empty: t('expos.none') }));
}

function summaryView(app, s) {
	const { h, t, i18n } = app;
	const money = (wan) => h('span', { title: i18n.fmtWan(wan) }, i18n.fmtYi(wan));
	return h('div', { class: 'kpis kpis-4', dataset: { summary: 'expo' } },
		h('div', { class: 'kpi', dataset: { kpi: 'signed_projects' } }, h('div', { class: 'kpi-label' }, t('expos.signed_projects')), h('div', { class: 'kpi-value' }, i18n.fmtNumber(s.signed_projects))),
		h('div', { class: 'kpi', dataset: { kpi: 'contracted' } }, h('div', { class: 'kpi-label' }, t('expos.contracted')), h('div', { class: 'kpi-value' }, money(s.contracted_wan))),
		h('div', { class: 'kpi', dataset: { kpi: 'expected' } }, h('div', { class: 'kpi-label' }, t('expos.expected_paid_in')), h('div', { class: 'kpi-value' }, money(s.expected_paid_in_wan))),
		h('div', { class: 'kpi', dataset: { kpi: 'paid_in' } }, h('div', { class: 'kpi-label' }, t('expos.paid_in')), h('div', { class: 'kpi-value' }, money(s.paid_in_wan))),
		RATES.map(([k, label]) => h('div', { class: 'kpi', dataset: { kpi: k } },
			h('div', { class: 'kpi-label' }, t(label)),
			h('div', { class: 'kpi-value' }, i18n.fmtPct(rate(s, k))),
			h('progress', { max: '100', value: String(Math.min(100, Number(rate(s, k)) || 0)), 'aria-label': t(label) }))));
}

async function renderDetail(app, ctx) {
	const { h, t, ui, i18n } = app;
	const base = `/expos/${encodeURIComponent(ctx.params.id)}`;
	const asOf = ctx.query.as_of || '';
	let e, s, sg;
	try {
		[e, s, sg] = await Promise.all([
			app.api.get(base),
			app.api.get(`${base}/summary`, { as_of: asOf || undefined }).catch((err) => ({ error: err })),
			app.api.get(`${base}/signings`, { limit: 50, offset: Number(ctx.query.offset) || 0 }).catch((err) => ({ error: err })),
		]);
	} catch (err) { ctx.main.append(ui.pageHeader(t('expos.title'), ui.linkButton(t('common.back'), '#/expos')), ui.errorBox(err)); return; }
	if (ctx.stale) return;
	if (e.expo) e = e.expo;
	if (e.is_demo) app.setDemo(true);
	const name = expoName(app, e);
	ctx.setTitle(name);
	const canWrite = app.can('expos.write');
	const reload = () => app.navigate(`#/expos/${encodeURIComponent(ctx.params.id)}${app.qs({ as_of: asOf })}`);
	const asOfForm = h('form', { class: 'filters' },
		ui.field({ name: 'as_of', label: t('expos.as_of'), type: 'date', value: asOf }),
		h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('expos.show'))));
	asOfForm.addEventListener('submit', (ev) => { ev.preventDefault(); app.navigate(`#/expos/${encodeURIComponent(ctx.params.id)}${app.qs(ui.formValues(asOfForm))}`); });

	const ceremonies = Array.isArray(e.ceremonies) ? e.ceremonies : [];
	ctx.main.append(
		ui.pageHeader(name, app.can('audit.read') ? ui.historyLink('expo', e.id) : null, ui.linkButton(t('common.back'), '#/expos')),
		ui.section(t('expos.edition'), ui.kv([
			[t('expos.dates'), [i18n.fmtDate(e.starts_on || e.start_on || e.start_date), ' – ', i18n.fmtDate(e.ends_on || e.end_on || e.end_date)]],
			[t('expos.city'), i18n.pick(e, 'city') || e.city || '—'],
			[t('expos.organiser'), i18n.pick(e, 'organiser') || e.organiser || '—'],
			ceremonies.length ? [t('expos.ceremonies'), ceremonies.map((c) => `${i18n.fmtDate(c.held_on || c.date)} ${c.place || ''}`).join('; ')] : null,
		])),
		asOfForm,
		s.error ? ui.errorBox(s.error) : summaryView(app, s),
		h('p', { class: 'small muted' }, t('expos.rates_help')));

	const signings = sg.error ? [] : items(sg);
	const addForm = canWrite ? h('form', { class: 'inline-form', novalidate: true, dataset: { form: 'signing' } },
		ui.formAlert(),
		...projectPicker(app),
		ui.field({ name: 'expected_paid_in_wan', label: t('expos.expected_wan'), type: 'number', min: 0, step: 1 }),
		ui.field({ name: 'expected_by', label: t('expos.expected_by'), type: 'date' }),
		h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('expos.add_signing')))) : null;
	if (addForm) ui.onSubmit(addForm, async (v) => { await app.api.post(`${base}/signings`, v); ui.toast(t('common.saved'), 'ok'); reload(); });
	const signingsCsv = ui.exportLink(t('common.export_csv'), 'export-signings');
	signingsCsv.href = `/api/v1${base}/signings/export.csv${app.qs({ lang: app.lang === 'en' ? 'en' : undefined })}`;
	ctx.main.append(h('section', { class: 'card', dataset: { section: 'signings' } },
		h('div', { class: 'section-head' }, h('h2', t('expos.signings', { n: i18n.fmtNumber(sg.total ?? signings.length) })), sg.error ? null : signingsCsv),
		sg.error ? ui.errorBox(sg.error) : ui.table([
			{ key: 'project', label: t('expos.project'), render: (x) => h('a', { href: `#/projects/${encodeURIComponent(x.project_id)}` }, i18n.pick({ name_zh: x.project_name_zh ?? x.name_zh, name_en: x.project_name_en ?? x.name_en }) || `#${x.project_id}`) },
			{ key: 'signed_on', label: t('expos.signed_on'), class: 'nowrap', render: (x) => i18n.fmtDate(x.signed_on) },
			{ key: 'signing_wan', label: t('expos.amount_wan'), num: true, render: (x) => i18n.fmtNumber(x.signing_wan ?? x.contracted_wan) },
			{ key: 'expected', label: t('expos.expected_wan'), num: true, render: (x) => i18n.fmtNumber(x.expected_paid_in_wan) },
			{ key: 'stage', label: t('expos.stage'), render: (x) => (x.stage ? ui.stageBadge(x.stage) : '—') },
			{ key: 'first', label: t('expos.counted'), render: (x) => (x.first_signing === false || x.counted === false ? ui.badge(t('expos.resigning'), 'muted') : t('common.yes')) },
			...(canWrite ? [{ key: 'actions', label: t('common.actions'), render: (x) => ui.button(t('common.delete'), async () => {
				if (!await ui.confirmDialog(t('expos.remove_title'), t('expos.remove_text'), { danger: true, confirm: t('common.delete') })) return;
				try { await app.api.del(`${base}/signings/${encodeURIComponent(x.id)}`); reload(); } catch (err) { ui.toast(ui.errorMessage(err), 'error'); }
			}, { kind: 'secondary', class: 'btn-small' }) }] : []),
		], signings, { empty: t('expos.no_signings') }),
		sg.error ? null : ui.pager({ total: sg.total ?? signings.length, limit: 50, offset: Number(ctx.query.offset) || 0,
			onPage: (o) => app.navigate(`#/expos/${encodeURIComponent(ctx.params.id)}${app.qs({ as_of: asOf, offset: o || undefined })}`) }),
		addForm));
}

// Choosing the signed project: search by name, investor or number, then
// pick from the matches (the form sends the chosen project_id).
function projectPicker(app) {
	const { h, t, ui, i18n } = app;
	const find = ui.field({ name: 'project_q', label: t('expos.project_find'), type: 'search', placeholder: t('expos.project_find_hint'), autocomplete: 'off' });
	const input = find.querySelector('input');
	input.removeAttribute('name');   // a search box, not a field of the signing
	const pick = ui.field({ name: 'project_id', label: t('expos.project'), type: 'select', required: true, blank: t('expos.project_pick_first'), options: [] });
	const select = pick.querySelector('select');
	let timer = null, seq = 0;
	const search = async () => {
		const q = input.value.trim();
		const mine = ++seq;
		const say = (text) => select.replaceChildren(h('option', { value: '' }, text));
		if (!q) { say(t('expos.project_pick_first')); return; }
		say(t('common.loading'));
		let found = [];
		try {
			if (/^\d+$/.test(q)) {
				const one = await app.api.get(`/projects/${encodeURIComponent(q)}`).catch(() => null);
				if (one) found.push(one.project || one);
			}
			const r = await app.api.get('/projects', { q, limit: 20 }).catch((err) => (found.length ? { items: [] } : Promise.reject(err)));
			for (const p of r.items || []) if (!found.some((x) => x.id === p.id)) found.push(p);
		} catch (err) {
			if (mine === seq) say(ui.errorMessage(err));
			return;
		}
		if (mine !== seq) return;
		found = found.slice(0, 20);
		select.replaceChildren(
			h('option', { value: '' }, found.length ? t('expos.project_found', { n: i18n.fmtNumber(found.length) }) : t('expos.project_none')),
			...found.map((p) => h('option', { value: p.id }, `${i18n.pick(p) || ''} · ${p.investor || ''} · #${p.id}${p.signed_on ? ` · ${i18n.fmtDate(p.signed_on)}` : ''}`)));
		if (found.length === 1) select.value = String(found[0].id);
	};
	input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(search, 250); });
	input.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') { ev.preventDefault(); clearTimeout(timer); search(); } });
	return [find, pick];
}

async function renderCompare(app, ctx) {
	const { h, t, ui, i18n, charts } = app;
	ctx.setTitle(t('expos.compare'));
	let list = [];
	try { list = items(await app.api.get('/expos', { limit: 200 })); } catch (err) { ctx.main.append(ui.errorBox(err)); return; }
	if (ctx.stale) return;
	const seriesMap = new Map();
	for (const e of list) {
		const key = e.series_code || e.series_id || (typeof e.series === 'string' ? e.series : e.series?.code) || '';
		if (!seriesMap.has(key)) seriesMap.set(key, { key, label: i18n.pick(e, 'series_name') || i18n.pick(e.series || {}) || key, years: new Set() });
		if (e.year) seriesMap.get(key).years.add(e.year);
	}
	const series = ctx.query.series || [...seriesMap.keys()][0] || '';
	const yearsAll = [...(seriesMap.get(series)?.years || [])].sort();
	const years = (ctx.query.years || yearsAll.slice(-2).join(',')).split(',').filter(Boolean);
	const form = h('form', { class: 'filters' },
		ui.field({ name: 'series', label: t('expos.series'), type: 'select', blank: false, value: series, options: [...seriesMap.values()].map((x) => ({ value: x.key, label: x.label })) }),
		ui.field({ name: 'a', label: t('expos.edition_a'), type: 'select', blank: false, value: years[0], options: yearsAll.map((y) => ({ value: y, label: String(y) })) }),
		ui.field({ name: 'b', label: t('expos.edition_b'), type: 'select', blank: false, value: years[1] ?? years[0], options: yearsAll.map((y) => ({ value: y, label: String(y) })) }),
		h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('expos.compare_go'))));
	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		const v = ui.formValues(form);
		app.navigate(`#/expos/compare${app.qs({ series: v.series, years: [v.a, v.b].filter(Boolean).join(',') })}`);
	});
	const body = h('div', ui.loading());
	ctx.main.append(ui.pageHeader(t('expos.compare'), ui.linkButton(t('common.back'), '#/expos')), form, body);
	if (!series) { body.replaceChildren(h('p', t('expos.none'))); return; }
	let r;
	try { r = await app.api.get('/expos/compare', { series, years: years.join(',') }); } catch (err) { body.replaceChildren(ui.errorBox(err)); return; }
	if (ctx.stale) return;
	const eds = items(r.editions ? r.editions : r);
	const col = (e) => String(e.year ?? expoName(app, e));
	const summaryOf = (e) => e.summary || e;
	const rows = [
		['signed_projects', t('expos.signed_projects'), (s) => i18n.fmtNumber(s.signed_projects)],
		['contracted_wan', t('expos.contracted'), (s) => i18n.fmtYi(s.contracted_wan)],
		['expected_paid_in_wan', t('expos.expected_paid_in'), (s) => i18n.fmtYi(s.expected_paid_in_wan)],
		['paid_in_wan', t('expos.paid_in'), (s) => i18n.fmtYi(s.paid_in_wan)],
		...RATES.map(([k, label]) => [k, t(label), (s) => i18n.fmtPct(rate(s, k))]),
	];
	body.replaceChildren(
		h('div', { class: 'table-wrap' }, h('table', { class: 'data', dataset: { compare: 'editions' } },
			h('thead', h('tr', h('th', { scope: 'col' }, t('expos.measure')), eds.map((e) => h('th', { scope: 'col', class: 'num' }, col(e))))),
			h('tbody', rows.map(([k, label, fmt]) => h('tr', h('th', { scope: 'row' }, label), eds.map((e) => h('td', { class: 'num' }, fmt(summaryOf(e))))))))),
		ui.section(t('expos.rates'), charts.chart(ctx, {
			tooltip: { trigger: 'axis', formatter: charts.axisTip((v) => i18n.fmtPct(v)) },
			legend: { top: 0 },
			grid: { left: 8, right: 16, bottom: 8, top: 36, containLabel: true },
			xAxis: { type: 'category', data: RATES.map(([, label]) => t(label)) },
			yAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
			series: eds.map((e) => ({ name: col(e), type: 'bar', data: RATES.map(([k]) => Number(rate(summaryOf(e), k)) || 0) })),
		}, { label: t('expos.rates') })));
}
