// The annual report card: headline figures against targets, growth, key
// projects, breakdowns and the monthly series (ECharts).

import { refs } from './ref.js';

const MIN_YEAR = 2015;

export async function renderReportCard(app, ctx) {
	const { h, t, ui, i18n, charts } = app;
	const { fmtYi, fmtWan, fmtPct, fmtNumber, fmtDate, chartAmount, chartUnit } = i18n;
	ctx.setTitle(t('rc.title'));
	const thisYear = Number(i18n.today().slice(0, 4));
	const year = Number(ctx.query.year) || null;
	const asOf = ctx.query.as_of || '';

	const years = [];
	for (let y = thisYear; y >= MIN_YEAR; y -= 1) years.push(y);
	const form = h('form', { class: 'filters rc-controls', role: 'search', 'aria-label': t('rc.controls') },
		ui.field({ name: 'year', label: t('rc.year'), type: 'select', blank: t('rc.latest'), value: year || '', options: years.map((y) => ({ value: y, label: String(y) })) }),
		ui.field({ name: 'as_of', label: t('rc.as_of'), type: 'date', value: asOf }),
		h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('rc.show')), h('span', { class: 'help' }, t('rc.as_of_help'))));
	// Without ?year= / ?as_of= the server picks them (the latest year with
	// signings; today clamped into that year) and the pickers show what it
	// picked.  Such a shown default is not sent back: another year then
	// gets its own default cut-off, not this one's.
	let shownAsOf = asOf;
	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		const v = ui.formValues(form);
		let a = v.as_of;
		if (a && !asOf && a === shownAsOf) a = undefined;
		if (a && v.year && a.slice(0, 4) !== String(v.year)) a = undefined;
		app.navigate(`#${ctx.path}${app.qs({ year: v.year, as_of: a })}`);
	});
	const body = h('div', { class: 'rc-body' }, ui.loading());
	ctx.main.append(ui.pageHeader(t('rc.title')), form, body);

	let rc, ref;
	try {
		[rc, ref] = await Promise.all([
			app.api.get('/report-card', { year: year || undefined, as_of: asOf || undefined }),
			refs(app).catch(() => null),
		]);
	} catch (err) {
		body.replaceChildren(ui.errorBox(err));
		return;
	}
	if (ctx.stale) return;
	if (rc.demo || rc.is_demo || rc.demo_data) app.setDemo(true);
	const label = (kind, code) => (ref ? ref.label(kind, code) : (code ?? '—'));
	if (!year && rc.year) {
		const sel = form.querySelector('[name=year]');
		if (![...sel.options].some((o) => o.value === String(rc.year))) sel.append(h('option', { value: String(rc.year) }, String(rc.year)));
		sel.value = String(rc.year);
	}
	const asOfInput = form.querySelector('[name=as_of]');
	if (rc.year) { asOfInput.min = `${rc.year}-01-01`; asOfInput.max = `${rc.year}-12-31`; }
	if (!asOf && rc.as_of) asOfInput.value = rc.as_of;
	shownAsOf = rc.as_of || '';

	const money = (wan) => h('span', { class: 'amount', title: fmtWan(wan) }, fmtYi(wan));
	const growth = (pct) => {
		if (pct === null || pct === undefined) return h('span', t('rc.no_prev'));
		const up = Number(pct) >= 0;
		return h('span', { class: up ? 'up' : 'down' }, `${up ? '▲' : '▼'} ${fmtPct(Math.abs(pct))}`);
	};
	const target = (pct, targetWan) => {
		if (targetWan === null || targetWan === undefined || !targetWan) return h('div', { class: 'kpi-sub' }, t('rc.no_target'));
		return [
			h('div', { class: 'kpi-sub', title: fmtWan(targetWan) }, t('rc.of_target', { pct: fmtPct(pct), target: fmtYi(targetWan) })),
			h('progress', { max: '100', value: String(Math.min(100, Number(pct) || 0)), 'aria-label': t('rc.of_target', { pct: fmtPct(pct), target: fmtYi(targetWan) }) }),
		];
	};
	const kpi = (id, labelText, value, ...sub) => h('div', { class: 'kpi', dataset: { kpi: id } },
		h('div', { class: 'kpi-label' }, labelText), h('div', { class: 'kpi-value' }, value), sub);

	const kpis = h('div', { class: 'kpis kpis-4' },
		kpi('contracted', t('rc.contracted'), money(rc.contracted_wan),
			h('div', { class: 'kpi-sub' }, t('rc.yoy'), ' ', growth(rc.contracted_growth_pct), rc.contracted_growth_pct === null || rc.contracted_growth_pct === undefined ? null : [' ', h('span', { title: fmtWan(rc.prev_contracted_wan) }, t('rc.prev', { v: fmtYi(rc.prev_contracted_wan) }))]),
			target(rc.contracted_target_pct, rc.target_contracted_wan)),
		kpi('paid_in', t('rc.paid_in'), money(rc.paid_in_wan),
			h('div', { class: 'kpi-sub' }, t('rc.yoy'), ' ', growth(rc.paid_in_growth_pct), rc.paid_in_growth_pct === null || rc.paid_in_growth_pct === undefined ? null : [' ', h('span', { title: fmtWan(rc.prev_paid_in_wan) }, t('rc.prev', { v: fmtYi(rc.prev_paid_in_wan) }))]),
			target(rc.paid_in_target_pct, rc.target_paid_in_wan)),
		kpi('over_1bn', t('rc.over_1bn'), fmtNumber(rc.projects_over_1bn), h('div', { class: 'kpi-sub' }, t('rc.over_1bn_help'))),
		kpi('key', t('rc.key_projects'), fmtNumber(rc.key_projects),
			h('div', { class: 'kpi-sub' }, t('rc.key_paid_in'), ' ', money(rc.key_paid_in_wan)),
			h('div', { class: 'kpi-sub' }, t('rc.operation_rate'), ' ', h('strong', fmtPct(rc.operation_rate_pct)))));

	const unit = chartUnit();
	const amountFmt = (v) => `${fmtNumber(v, { maximumFractionDigits: 2 })} ${unit}`;
	const targetChart = charts.chart(ctx, {
		tooltip: { trigger: 'axis', formatter: charts.axisTip(amountFmt) },
		legend: { top: 0, right: 8 },
		grid: { left: 8, right: 16, bottom: 8, top: 36, containLabel: true },
		xAxis: { type: 'category', data: [t('rc.contracted'), t('rc.paid_in')] },
		yAxis: { type: 'value', name: unit },
		series: [
			{ name: t('rc.actual'), type: 'bar', data: [chartAmount(rc.contracted_wan), chartAmount(rc.paid_in_wan)] },
			{ name: t('rc.target'), type: 'bar', data: [chartAmount(rc.target_contracted_wan), chartAmount(rc.target_paid_in_wan)] },
			{ name: t('rc.prev_year'), type: 'bar', data: [chartAmount(rc.prev_contracted_wan), chartAmount(rc.prev_paid_in_wan)] },
		],
	}, { height: 'md', label: t('rc.vs_target_chart') });

	const monthly = Array.isArray(rc.monthly) ? rc.monthly : [];
	const monthLabel = (m, i) => i18n.fmtMonth(rc.year || thisYear, Number(m.month ?? (i + 1)) || (i + 1));
	const monthChart = charts.chart(ctx, {
		tooltip: { trigger: 'axis', formatter: charts.axisTip(amountFmt) },
		legend: { top: 0, right: 8 },
		grid: { left: 8, right: 16, bottom: 8, top: 36, containLabel: true },
		xAxis: { type: 'category', data: monthly.map(monthLabel) },
		yAxis: { type: 'value', name: unit },
		series: [
			{ name: t('rc.contracted'), type: 'bar', data: monthly.map((m) => chartAmount(m.contracted_wan)) },
			{ name: t('rc.paid_in'), type: 'line', data: monthly.map((m) => chartAmount(m.paid_in_wan)) },
		],
	}, { height: 'md', label: t('rc.monthly_chart') });

	const breakdown = (key, kind, titleKey, top = 12) => {
		const rows = (Array.isArray(rc[key]) ? rc[key] : []).slice().sort((a, b) => (b.contracted_wan || 0) - (a.contracted_wan || 0));
		const shown = rows.slice(0, top).reverse();
		const chartEl = charts.chart(ctx, {
			tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, formatter: charts.axisTip(amountFmt) },
			legend: { top: 0 },
			grid: { left: 8, right: 24, bottom: 8, top: 36, containLabel: true },
			yAxis: { type: 'category', data: shown.map((r) => label(kind, r.key)), axisLabel: { width: 120, overflow: 'truncate' } },
			xAxis: { type: 'value', name: unit },
			series: [
				{ name: t('rc.contracted'), type: 'bar', data: shown.map((r) => chartAmount(r.contracted_wan)) },
				{ name: t('rc.paid_in'), type: 'bar', data: shown.map((r) => chartAmount(r.paid_in_wan)) },
			],
		}, { height: shown.length > 8 ? 'lg' : 'md', label: t(titleKey) });
		const tableEl = ui.table([
			{ key: 'key', label: t(`rc.col_${kind}`), render: (r) => label(kind, r.key) },
			{ key: 'projects', label: t('rc.projects'), num: true, render: (r) => fmtNumber(r.projects) },
			{ key: 'contracted_wan', label: t('rc.contracted_wan'), num: true, render: (r) => fmtNumber(r.contracted_wan) },
			{ key: 'paid_in_wan', label: t('rc.paid_in_wan'), num: true, render: (r) => fmtNumber(r.paid_in_wan) },
		], rows);
		return h('section', { class: 'card', dataset: { breakdown: key } },
			h('h2', t(titleKey)), chartEl,
			h('details', h('summary', t('rc.as_table')), tableEl));
	};

	const investorRows = Array.isArray(rc.by_investor_type) ? rc.by_investor_type : [];
	const investorChart = charts.chart(ctx, {
		tooltip: { trigger: 'item', formatter: charts.itemTip(amountFmt) },
		legend: { bottom: 0, type: 'scroll' },
		series: [{
			name: t('rc.by_investor_type'), type: 'pie', radius: ['35%', '65%'], center: ['50%', '45%'],
			label: { formatter: '{b}' },
			data: investorRows.map((r) => ({ name: i18n.tEnum('investor_type', r.key), value: chartAmount(r.contracted_wan) })),
		}],
	}, { height: 'md', label: t('rc.by_investor_type') });

	// A null child would be shown as the text "null": filter them out.
	body.replaceChildren(...[
		h('p', { class: 'lead' }, t('rc.period', {
			year: rc.year ?? '', as_of: fmtDate(rc.as_of),
		}), rc.demo || rc.is_demo || rc.demo_data ? [' ', ui.badge(t('shell.demo'), 'warn')] : null),
		!rc.contracted_wan && !rc.paid_in_wan && !rc.projects_over_1bn ? h('p', { class: 'notice', role: 'status', dataset: { empty: 'year' } }, t('rc.no_data', { year: rc.year ?? '' })) : null,
		kpis,
		h('div', { class: 'grid-2' },
			ui.section(t('rc.vs_target'), targetChart),
			ui.section(t('rc.monthly'), monthChart,
				h('details', h('summary', t('rc.as_table')), ui.table([
					{ key: 'month', label: t('rc.month'), render: (m, i) => monthLabel(m, monthly.indexOf(m)) },
					{ key: 'contracted_wan', label: t('rc.contracted_wan'), num: true, render: (m) => fmtNumber(m.contracted_wan) },
					{ key: 'paid_in_wan', label: t('rc.paid_in_wan'), num: true, render: (m) => fmtNumber(m.paid_in_wan) },
				], monthly)))),
		h('div', { class: 'grid-2' },
			breakdown('by_source_region', 'source_region', 'rc.by_source_region'),
			breakdown('by_industry_chain', 'industry_chain', 'rc.by_industry_chain')),
		h('div', { class: 'grid-2' },
			breakdown('by_district', 'district', 'rc.by_district', 15),
			ui.section(t('rc.by_investor_type'), investorChart)),
		h('p', { class: 'small muted' }, t('rc.definitions')),
		app.can('projects.write') && rc.year ? targetsEditor(app, ctx, rc.year) : null,
	].filter(Boolean));
}

// The year's city-wide targets (PUT replaces the whole set, so the
// district targets read with GET are sent back unchanged).
function targetsEditor(app, ctx, year) {
	const { h, t, ui } = app;
	const box = h('div', ui.loading());
	const details = h('details', { class: 'card', dataset: { section: 'targets' } }, h('summary', t('rc.targets_edit', { year })), box);
	let loaded = false;
	details.addEventListener('toggle', async () => {
		if (!details.open || loaded) return;
		loaded = true;
		let cur;
		try { cur = await app.api.get(`/targets/${year}`); } catch (err) { box.replaceChildren(ui.errorBox(err)); return; }
		if (ctx.stale) return;
		const city = cur.city || {};
		const form = h('form', { class: 'inline-form', novalidate: true, dataset: { form: 'targets' } },
			ui.formAlert(),
			ui.field({ name: 'city.contracted_wan', label: t('rc.target_contracted_wan'), type: 'number', min: 0, step: 1, value: city.contracted_wan ?? '' }),
			ui.field({ name: 'city.paid_in_wan', label: t('rc.target_paid_in_wan'), type: 'number', min: 0, step: 1, value: city.paid_in_wan ?? '' }),
			h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('common.save'))));
		ui.onSubmit(form, async (v) => {
			const body = {
				city: { contracted_wan: v['city.contracted_wan'] ?? 0, paid_in_wan: v['city.paid_in_wan'] ?? 0 },
				districts: (cur.districts || []).map((d) => ({ district: d.district, contracted_wan: d.contracted_wan, paid_in_wan: d.paid_in_wan })),
			};
			await app.api.put(`/targets/${year}`, body);
			ui.toast(t('common.saved'), 'ok');
			app.navigate(`#${ctx.path}${app.qs(ctx.query)}`);
		});
		box.replaceChildren(h('p', { class: 'help' }, t('rc.targets_help', { n: (cur.districts || []).length })), form);
	});
	return details;
}
