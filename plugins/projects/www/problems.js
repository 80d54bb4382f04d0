// Problems board: open blockers across projects, grouped by category,
// district, escalation level or age.

import { refs } from './ref.js';

const PER_COLUMN = 8;
const AGE_BUCKETS = [[30, 'age_30'], [90, 'age_90'], [180, 'age_180'], [Infinity, 'age_more']];

export async function renderProblems(app, ctx) {
	const { h, t, ui, i18n } = app;
	ctx.setTitle(t('problems.title'));
	const q = { group: ctx.query.group || 'category', status: ctx.query.status || 'unresolved', district: ctx.query.district, escalation: ctx.query.escalation, category: ctx.query.category };
	let ref = null;
	try { ref = await refs(app); } catch { ref = null; }
	if (ctx.stale) return;
	const label = (kind, code) => (ref ? ref.label(kind, code) : (code ?? '—'));
	const opts = (kind) => (ref ? ref.options(kind) : []);
	const form = h('form', { class: 'filters', role: 'search' },
		ui.field({ name: 'group', label: t('problems.group_by'), type: 'select', blank: false, value: q.group, options: ['category', 'district', 'escalation', 'age'].map((g) => ({ value: g, label: t(`problems.by_${g}`) })) }),
		ui.field({ name: 'status', label: t('projects.status'), type: 'select', blank: t('problems.unresolved'), value: q.status === 'unresolved' ? '' : q.status, options: opts('problem_status') }),
		ui.field({ name: 'category', label: t('projects.category'), type: 'select', blank: t('common.all'), value: q.category, options: opts('problem_category') }),
		ui.field({ name: 'district', label: t('projects.district'), type: 'select', blank: t('common.all'), value: q.district, options: opts('district') }),
		ui.field({ name: 'escalation', label: t('projects.escalation'), type: 'select', blank: t('common.all'), value: q.escalation, options: opts('escalation') }),
		h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('common.filter'))));
	const body = h('div', ui.loading());
	ctx.main.append(ui.pageHeader(t('problems.title')), form, body);
	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		Object.assign(q, { district: undefined, escalation: undefined, category: undefined }, ui.formValues(form));
		if (!ui.formValues(form).status) q.status = 'unresolved';
		load();
	});
	const today = Date.parse(i18n.today());
	const ageDays = (p) => (p.age_days ?? (p.opened_on ? Math.max(0, Math.round((today - Date.parse(p.opened_on)) / 86400000)) : 0));
	const districtOf = (p) => p.district ?? p.project?.district;

	let seq = 0;
	async function load() {
		const mine = ++seq;
		app.setQuery(q);
		body.replaceChildren(ui.loading());
		let r;
		const params = { status: q.status || 'unresolved', district: q.district, escalation: q.escalation, category: q.category, limit: 200 };
		try { r = await app.api.get('/problems', params); } catch (err) { if (mine === seq) body.replaceChildren(ui.errorBox(err)); return; }
		if (ctx.stale || mine !== seq) return;
		let list = Array.isArray(r) ? r : (r.items || []);
		if (q.status === 'unresolved') list = list.filter((p) => p.status !== 'resolved');
		const groups = new Map();
		const keyOf = (p) => {
			if (q.group === 'age') { const d = ageDays(p); return AGE_BUCKETS.find(([max]) => d <= max)[1]; }
			if (q.group === 'district') return districtOf(p) ?? '';
			return p[q.group] ?? '';
		};
		const nameOf = (k) => {
			if (q.group === 'category') return i18n.tEnum('problem_category', k);
			if (q.group === 'district') return label('district', k);
			if (q.group === 'escalation') return i18n.tEnum('escalation', k);
			return t(`problems.${k}`);
		};
		for (const p of list) { const k = keyOf(p); if (!groups.has(k)) groups.set(k, []); groups.get(k).push(p); }
		let keys = [...groups.keys()];
		if (q.group === 'age') keys = AGE_BUCKETS.map((b) => b[1]).filter((k) => groups.has(k));
		else if (q.group === 'escalation') keys = ['municipal', 'bureau', 'district'].filter((k) => groups.has(k));
		else keys.sort((a, b) => groups.get(b).length - groups.get(a).length);
		const total = r.total ?? list.length;
		// A column shows its oldest blockers first, a few at a time: a
		// board of hundreds of cards is not read by anyone.
		const column = (k) => {
			const cards = groups.get(k).sort((a, b) => ageDays(b) - ageDays(a)).map(card);
			const col = h('section', { class: 'board-col', dataset: { group: k } },
				h('h2', h('span', nameOf(k)), ui.badge(i18n.fmtNumber(cards.length), 'neutral')), cards.slice(0, PER_COLUMN));
			if (cards.length > PER_COLUMN) {
				const more = ui.button(t('problems.show_more', { n: i18n.fmtNumber(cards.length - PER_COLUMN) }), () => {
					more.replaceWith(...cards.slice(PER_COLUMN));
				}, { kind: 'link', dataset: { action: 'more' } });
				col.append(more);
			}
			return col;
		};
		body.replaceChildren(
			h('p', { class: 'small muted', role: 'status' }, total > list.length
				? t('problems.count_of', { n: i18n.fmtNumber(list.length), total: i18n.fmtNumber(total) })
				: t('problems.count', { n: i18n.fmtNumber(list.length) })),
			list.length ? h('div', { class: 'board' }, keys.map(column)) :
				ui.section(null, h('p', { class: 'muted' }, q.status === 'unresolved' && !q.category && !q.district && !q.escalation ? t('problems.none') : t('problems.none_match'))));
	}
	function card(p) {
		return h('article', { class: 'board-card' },
			h('a', { href: `#/projects/${encodeURIComponent(p.project_id)}` }, i18n.pick(p.project || { name_zh: p.project_name_zh, name_en: p.project_name_en }) || `#${p.project_id}`),
			h('div', p.description),
			h('div', { class: 'meta' },
				i18n.tEnum('problem_category', p.category), ' · ', label('district', districtOf(p)), ' · ',
				i18n.tEnum('escalation', p.escalation), ' · ', i18n.tEnum('problem_status', p.status), ' · ',
				t('problems.age', { n: ageDays(p) })));
	}
	await load();
}
