// Project detail: facts, stage history timeline, contracted and paid-in
// ledgers (with add forms), problems (add, escalate, resolve).

import { refs } from './ref.js';

const ESCALATION = ['district', 'bureau', 'municipal'];

function items(r) { return Array.isArray(r) ? r : (r && r.items) || []; }

export async function renderDetail(app, ctx) {
	const { h, t, ui, i18n } = app;
	const id = ctx.params.id;
	const base = `/projects/${encodeURIComponent(id)}`;
	const canWrite = app.can('projects.write');
	let p, ref;
	try {
		[p, ref] = await Promise.all([app.api.get(base), refs(app).catch(() => null)]);
	} catch (err) {
		ctx.main.append(ui.pageHeader(t('projects.title'), ui.linkButton(t('common.back'), '#/projects')), ui.errorBox(err));
		return;
	}
	if (ctx.stale) return;
	if (p && p.project) p = p.project;
	if (p.is_demo) app.setDemo(true);
	const label = (kind, code) => (ref ? ref.label(kind, code) : (code ?? '—'));
	const name = i18n.pick(p) || `#${p.id}`;
	ctx.setTitle(name);
	const money = (wan) => h('span', { title: i18n.fmtWan(wan) }, i18n.fmtYi(wan));

	const reload = () => { if (!ctx.stale) app.navigate(`#/projects/${encodeURIComponent(id)}`); };

	const actions = [];
	if (canWrite) {
		actions.push(ui.linkButton(t('common.edit'), `#/projects/${encodeURIComponent(id)}/edit`, { dataset: { action: 'edit' } }));
		if (p.stage === 'lead') {
			actions.push(ui.button(t('common.delete'), async () => {
				if (!await ui.confirmDialog(t('projects.delete_title'), t('projects.delete_text', { name }), { danger: true, confirm: t('common.delete') })) return;
				try {
					await app.api.del(base);
					ui.toast(t('projects.deleted'), 'ok');
					app.navigate('#/projects');
				} catch (err) { ui.toast(ui.errorMessage(err), 'error'); }
			}, { kind: 'danger', dataset: { action: 'delete' } }));
		}
	}
	if (app.can('audit.read')) actions.push(ui.historyLink('project', p.id));
	const klEntries = Object.entries(p.key_levels || {}).filter(([, lvl]) => lvl && lvl !== 'none').sort();
	ctx.main.append(
		ui.pageHeader(name, ...actions),
		h('div', { class: 'page-sub' }, ui.stageBadge(p.stage), ' ', p.is_demo ? ui.badge(t('shell.demo'), 'warn') : null),
		h('div', { class: 'grid-2' },
			ui.section(t('projects.facts'), ui.kv([
				p.name_zh && p.name_en ? [t('projects.name_other'), i18n.getLang() === 'en' ? p.name_zh : p.name_en] : null,
				[t('projects.investor'), p.investor],
				[t('projects.investor_type'), i18n.tEnum('investor_type', p.investor_type)],
				[t('projects.source_region'), label('source_region', p.source_region)],
				[t('projects.industry_chain'), label('industry_chain', p.industry_chain)],
				[t('projects.district'), label('district', p.district)],
				[t('projects.officer'), p.officer_id ? h('a', { href: `#/projects?officer_id=${encodeURIComponent(p.officer_id)}`, dataset: { officer: p.officer_id }, title: t('projects.officer_projects') }, p.officer_name || `#${p.officer_id}`) : t('projects.officer_unassigned')],
				[t('projects.key_level'), klEntries.length ? klEntries.map(([y, lvl]) => `${y}: ${i18n.tEnum('key_level', lvl)}`).join('; ') : i18n.tEnum('key_level', 'none')],
				p.notes ? [t('projects.notes'), p.notes] : null,
			])),
			ui.section(t('projects.capital'), ui.kv([
				[t('projects.signed_on'), i18n.fmtDate(p.signed_on)],
				[t('projects.signing'), money(p.signing_wan)],
				[t('projects.contracted'), money(p.contracted_wan)],
				[t('projects.paid_in'), money(p.paid_in_wan)],
				[t('projects.funds_rate'), p.contracted_wan ? i18n.fmtPct(Math.round((1000 * p.paid_in_wan) / p.contracted_wan) / 10) : '—'],
			]))));

	const stageBox = h('div', ui.loading());
	const contractBox = h('div', ui.loading());
	const paymentBox = h('div', ui.loading());
	const problemBox = h('div', ui.loading());
	ctx.main.append(
		h('section', { class: 'card', dataset: { section: 'stage' } }, h('h2', t('projects.stage_history')), stageBox),
		h('div', { class: 'grid-2' },
			h('section', { class: 'card', dataset: { section: 'contracts' } }, h('h2', t('projects.contracts')), contractBox),
			h('section', { class: 'card', dataset: { section: 'payments' } }, h('h2', t('projects.payments')), paymentBox)),
		h('section', { class: 'card', dataset: { section: 'problems' } }, h('h2', t('projects.problems')), problemBox));

	const fail = (box) => (err) => box.replaceChildren(ui.errorBox(err));
	const today = i18n.today();

	// Stage history.
	app.api.get(`${base}/stage`).then((r) => {
		if (ctx.stale) return;
		const list = items(r);
		const form = canWrite ? h('form', { class: 'inline-form', novalidate: true, dataset: { form: 'stage' } },
			ui.formAlert(),
			ui.field({ name: 'to', label: t('projects.new_stage'), type: 'select', required: true, options: (ref ? ref.options('stage') : []).filter((o) => o.value !== p.stage) }),
			ui.field({ name: 'effective_on', label: t('projects.effective_on'), type: 'date', value: today, required: true }),
			ui.field({ name: 'reason', label: t('projects.reason'), maxlength: 500 }),
			h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('projects.change_stage')))) : null;
		if (form) ui.onSubmit(form, async (v) => { await app.api.post(`${base}/stage`, v); ui.toast(t('common.saved'), 'ok'); reload(); });
		stageBox.replaceChildren(
			list.length ? h('ol', { class: 'timeline' }, list.map((s) => h('li',
				h('div', h('span', { class: 'when' }, i18n.fmtDate(s.effective_on)), ' ',
					(s.from ?? s.from_stage) ? [i18n.tEnum('stage', s.from ?? s.from_stage), ' → '] : null, ui.stageBadge(s.to ?? s.to_stage ?? s.stage)),
				h('div', { class: 'small muted' }, t('projects.recorded', { at: i18n.fmtTime(s.recorded_at), who: s.actor_name || s.actor || '—' }),
					s.reason ? ` · ${s.reason}` : '')))) : h('p', { class: 'muted' }, t('projects.no_history')),
			form);
	}, fail(stageBox));

	// Contracted ledger.
	app.api.get(`${base}/contracts`).then((r) => {
		if (ctx.stale) return;
		const list = items(r);
		const form = canWrite ? h('form', { class: 'inline-form', novalidate: true, dataset: { form: 'contract' } },
			ui.formAlert(),
			h('p', { class: 'help field-wide' }, list.length ? t('projects.amendment_help') : t('projects.signing_help')),
			ui.field({ name: 'signed_on', label: t('projects.date'), type: 'date', value: today, required: true }),
			ui.field({ name: 'amount_wan', label: t('projects.amount_wan'), type: 'number', step: 1, required: true }),
			ui.field({ name: 'note', label: t('projects.note'), maxlength: 500 }),
			h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, list.length ? t('projects.add_amendment') : t('projects.add_signing')))) : null;
		if (form) ui.onSubmit(form, async (v) => { await app.api.post(`${base}/contracts`, v); ui.toast(t('common.saved'), 'ok'); reload(); });
		contractBox.replaceChildren(ui.table([
			{ key: 'signed_on', label: t('projects.date'), class: 'nowrap', render: (c) => i18n.fmtDate(c.signed_on) },
			{ key: 'kind', label: t('projects.kind'), render: (c) => i18n.tEnum('contract_kind', c.kind) },
			{ key: 'amount_wan', label: t('projects.amount_wan'), num: true, render: (c) => i18n.fmtNumber(c.amount_wan) },
			{ key: 'note', label: t('projects.note'), render: (c) => c.note || '' },
		], list, { empty: t('projects.no_contracts') }), form);
	}, fail(contractBox));

	// Paid-in ledger.
	app.api.get(`${base}/payments`).then((r) => {
		if (ctx.stale) return;
		const list = items(r);
		const form = canWrite ? h('form', { class: 'inline-form', novalidate: true, dataset: { form: 'payment' } },
			ui.formAlert(),
			ui.field({ name: 'paid_on', label: t('projects.date'), type: 'date', value: today, required: true }),
			ui.field({ name: 'amount_wan', label: t('projects.amount_wan'), type: 'number', min: 1, step: 1, required: true }),
			ui.field({ name: 'evidence', label: t('projects.evidence'), required: true, maxlength: 500 }),
			ui.field({ name: 'override', label: t('projects.override'), type: 'checkbox', help: t('projects.override_help') }),
			h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('projects.add_payment')))) : null;
		if (form) {
			ui.onSubmit(form, async (v) => {
				if (!v.override) delete v.override;
				await app.api.post(`${base}/payments`, v);
				ui.toast(t('common.saved'), 'ok');
				reload();
			});
		}
		paymentBox.replaceChildren(ui.table([
			{ key: 'paid_on', label: t('projects.date'), class: 'nowrap', render: (x) => i18n.fmtDate(x.paid_on) },
			{ key: 'amount_wan', label: t('projects.amount_wan'), num: true, render: (x) => i18n.fmtNumber(x.amount_wan) },
			{ key: 'evidence', label: t('projects.evidence'), render: (x) => [x.evidence || '', (x.override || x.over_contract_override) ? [' ', ui.badge(t('projects.override_short'), 'warn')] : null] },
		], list, { empty: t('projects.no_payments') }), form);
	}, fail(paymentBox));

	// Problems.
	app.api.get(`${base}/problems`).then((r) => {
		if (ctx.stale) return;
		const list = items(r);
		const patch = async (pr, body) => {
			try {
				await app.api.patch(`${base}/problems/${encodeURIComponent(pr.id)}`, { version: pr.version, ...body });
				ui.toast(t('common.saved'), 'ok');
				reload();
			} catch (err) { ui.toast(ui.errorMessage(err), 'error'); }
		};
		const resolve = async (pr) => {
			const note = await ui.modal(t('projects.resolve_title'), (close) => {
				const f = h('form', { class: 'form', novalidate: true },
					ui.field({ name: 'resolution', label: t('projects.resolution'), type: 'textarea', required: true, maxlength: 2000 }),
					ui.field({ name: 'resolved_on', label: t('projects.resolved_on'), type: 'date', value: today, required: true }),
					h('div', { class: 'actions' }, ui.button(t('common.cancel'), () => close(null)), h('button', { type: 'submit', class: 'btn btn-primary' }, t('projects.resolve'))));
				f.addEventListener('submit', (ev) => { ev.preventDefault(); close(ui.formValues(f)); });
				return f;
			});
			if (note) await patch(pr, { status: 'resolved', ...note });
		};
		const form = canWrite ? h('form', { class: 'inline-form', novalidate: true, dataset: { form: 'problem' } },
			ui.formAlert(),
			ui.field({ name: 'category', label: t('projects.category'), type: 'select', required: true, options: ref ? ref.options('problem_category') : [] }),
			ui.field({ name: 'description', label: t('projects.description'), required: true, maxlength: 2000 }),
			ui.field({ name: 'owner', label: t('projects.owner'), maxlength: 200 }),
			ui.field({ name: 'escalation', label: t('projects.escalation'), type: 'select', blank: false, value: 'district', options: ref ? ref.options('escalation') : ESCALATION.map((e) => ({ value: e, label: i18n.tEnum('escalation', e) })) }),
			ui.field({ name: 'opened_on', label: t('projects.opened_on'), type: 'date', value: today }),
			h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('projects.add_problem')))) : null;
		if (form) ui.onSubmit(form, async (v) => { await app.api.post(`${base}/problems`, v); ui.toast(t('common.saved'), 'ok'); reload(); });
		problemBox.replaceChildren(ui.table([
			{ key: 'category', label: t('projects.category'), render: (x) => i18n.tEnum('problem_category', x.category) },
			{ key: 'description', label: t('projects.description'), render: (x) => [x.description, x.resolution ? h('div', { class: 'small muted' }, t('projects.resolution_is', { text: x.resolution })) : null] },
			{ key: 'owner', label: t('projects.owner'), render: (x) => x.owner || '—' },
			{ key: 'status', label: t('projects.status'), render: (x) => ui.badge(i18n.tEnum('problem_status', x.status), x.status === 'resolved' ? 'ok' : x.status === 'open' ? 'danger' : 'warn') },
			{ key: 'escalation', label: t('projects.escalation'), render: (x) => i18n.tEnum('escalation', x.escalation) },
			{ key: 'opened_on', label: t('projects.opened_on'), class: 'nowrap', render: (x) => [i18n.fmtDate(x.opened_on), x.resolved_on ? h('div', { class: 'small muted' }, `→ ${i18n.fmtDate(x.resolved_on)}`) : null] },
			...(canWrite ? [{ key: 'actions', label: t('common.actions'), render: (x) => {
				if (x.status === 'resolved') return '—';
				const next = ESCALATION[ESCALATION.indexOf(x.escalation) + 1];
				return h('div', { class: 'actions' },
					x.status === 'open' ? ui.button(t('projects.start_work'), () => patch(x, { status: 'in_progress' }), { kind: 'secondary', class: 'btn-small' }) : null,
					next ? ui.button(t('projects.escalate_to', { level: i18n.tEnum('escalation', next) }), () => patch(x, { escalation: next }), { kind: 'secondary', dataset: { action: 'escalate' } }) : null,
					ui.button(t('projects.resolve'), () => resolve(x), { kind: 'primary', dataset: { action: 'resolve' } }));
			} }] : []),
		], list, { empty: t('projects.no_problems') }), form);
	}, fail(problemBox));
}
