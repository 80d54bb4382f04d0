// pages/admin.js -- plugins administration and the audit log (core pages).

import { h, replace } from '../h.js';
import { t, tEnum, fmtTime, pick, fmtNumber } from '../i18n.js';
import { api } from '../api.js';
import * as ui from '../ui.js';

/* ---- plugins ------------------------------------------------------------ */

const STATE_KIND = { enabled: 'ok', disabled: 'muted', incompatible: 'warn', quarantined: 'danger' };

function list(items, fmt = (x) => x) {
	if (!items || (Array.isArray(items) && !items.length)) return '—';
	const arr = Array.isArray(items) ? items : [items];
	return h('ul', { class: 'plain' }, arr.map((x) => h('li', typeof x === 'object' && x !== null ? describe(x) : fmt(x))));
}

function describe(obj) {
	if (obj.method && obj.pattern) return `${obj.method} ${obj.pattern}`;
	if (obj.label_zh || obj.label_en) return `${pick(obj, 'label')}${obj.href ? ` (${obj.href})` : ''}`;
	if (obj.version !== undefined && obj.description) return `${obj.version}: ${obj.description}`;
	if (obj.name) return obj.name + (obj.reason ? `: ${obj.reason}` : '');
	return JSON.stringify(obj);
}

const IMPACT_KEYS = [
	['routes_added', 'plugins.routes_added'], ['routes_removed', 'plugins.routes_removed'],
	['nav_added', 'plugins.nav_added'], ['nav_removed', 'plugins.nav_removed'],
	['routes', 'plugins.routes'], ['nav', 'plugins.nav'],
	['blocked_by', 'plugins.blocked_by'], ['dependents', 'plugins.dependents'], ['missing_dependencies', 'plugins.missing_deps'],
	['also_disabled', 'plugins.also_disabled'], ['also_enabled', 'plugins.also_enabled'],
	['migrations', 'plugins.migrations'],
];

function impactView(impact) {
	if (!impact || typeof impact !== 'object') return h('p', t('plugins.no_impact'));
	const rows = [];
	const seen = new Set(['name', 'action', 'plugin', 'ok', 'allowed', 'state', 'version', 'reason',
		'schema_applied', 'schema_version', 'no_change', 'test_load']);
	for (const [k, label] of IMPACT_KEYS) {
		if (!(k in impact)) continue;
		seen.add(k);
		rows.push([t(label), list(impact[k])]);
	}
	for (const [k, v] of Object.entries(impact)) {
		if (seen.has(k)) continue;
		rows.push([k, typeof v === 'object' ? list(v) : String(v)]);
	}
	const out = [];
	if (impact.allowed === false) out.push(h('p', { class: 'form-alert', role: 'alert' }, t('plugins.not_allowed')));
	if (impact.no_change) out.push(h('p', { class: 'notice' }, t('plugins.no_change')));
	if (impact.test_load) out.push(h('p', { class: 'help' }, t('plugins.test_load')));
	out.push(rows.length ? ui.kv(rows) : h('p', t('plugins.no_impact')));
	return out;
}

export async function renderPlugins(app, ctx) {
	ctx.setTitle(t('plugins.title'));
	const body = h('div', ui.loading());
	ctx.main.append(ui.pageHeader(t('plugins.title')), h('p', { class: 'lead' }, t('plugins.intro')), body);
	const load = async () => {
		const r = await api.get('/plugins');
		if (ctx.stale) return;
		const items = Array.isArray(r) ? r : (r.items || []);
		replace(body, ui.table([
			{ key: 'name', label: t('plugins.plugin'), render: (p) => h('div', h('strong', pick(p, 'title') || p.title || p.name), h('div', { class: 'muted' }, p.name), p.description ? h('div', { class: 'small' }, pick(p, 'description') || p.description) : null) },
			{ key: 'version', label: t('plugins.version'), render: (p) => [p.version || '—', (p.schema_applied ?? p.schema_version) ? h('div', { class: 'small muted' }, t('plugins.schema', { v: p.schema_applied ?? p.schema_version })) : null] },
			{ key: 'state', label: t('plugins.state'), render: (p) => [ui.badge(tEnum('plugin_state', p.state), STATE_KIND[p.state] || 'neutral'), p.reason ? h('div', { class: 'small reason' }, p.reason) : null] },
			{ key: 'depends', label: t('plugins.depends'), render: (p) => list(p.depends) },
			{ key: 'required_by', label: t('plugins.required_by'), render: (p) => list(p.required_by) },
			{ key: 'changed', label: t('plugins.changed'), render: (p) => (p.changed_at ? [fmtTime(p.changed_at), p.changed_by ? h('div', { class: 'small muted' }, p.changed_by) : null] : '—') },
			{ key: 'actions', label: t('common.actions'), render: (p) => actionFor(p) },
		], items, { rowClass: (p) => `plugin-${p.state}` }));
		for (const row of body.querySelectorAll('tbody tr')) {
			const i = [...row.parentNode.children].indexOf(row);
			if (items[i]) row.dataset.plugin = items[i].name;
		}
	};
	const actionFor = (p) => {
		if (p.state === 'incompatible') return '—';
		const enable = p.state !== 'enabled';
		return ui.button(enable ? t('plugins.enable') : t('plugins.disable'), () => change(p, enable ? 'enable' : 'disable'), {
			kind: enable ? 'primary' : 'danger', dataset: { action: enable ? 'enable' : 'disable', plugin: p.name },
		});
	};
	const change = async (p, action) => {
		let impact = null;
		try {
			impact = await api.get(`/plugins/${encodeURIComponent(p.name)}/impact`, { action });
		} catch (err) {
			impact = { error: ui.errorMessage(err) };
		}
		const name = pick(p, 'title') || p.title || p.name;
		const ok = await ui.confirmDialog(
			t(action === 'enable' ? 'plugins.confirm_enable' : 'plugins.confirm_disable', { name }),
			t(action === 'enable' ? 'plugins.enable_text' : 'plugins.disable_text'),
			{ confirm: t(action === 'enable' ? 'plugins.enable' : 'plugins.disable'), danger: action === 'disable',
				confirmDisabled: impact && impact.allowed === false,
				details: h('div', { class: 'impact' }, h('h3', t('plugins.impact')), impactView(impact)) });
		if (!ok) return;
		try {
			await api.post(`/plugins/${encodeURIComponent(p.name)}/${action}`, {});
			ui.toast(t(action === 'enable' ? 'plugins.enabled_ok' : 'plugins.disabled_ok', { name }), 'ok');
		} catch (err) {
			ui.toast(ui.errorMessage(err), 'error');
		}
		await app.refreshNav();
		await load();
	};
	await load();
}

/* ---- audit log ------------------------------------------------------------ */

function parseJson(v) {
	if (v === null || v === undefined || v === '') return null;
	if (typeof v === 'object') return v;
	try { return JSON.parse(v); } catch { return { value: v }; }
}

function show(v) {
	if (v === undefined) return '';
	if (v === null) return 'null';
	return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

export function diffView(before, after) {
	const b = parseJson(before) || {}, a = parseJson(after) || {};
	const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].sort();
	if (!keys.length) return h('p', { class: 'muted' }, t('audit.no_details'));
	return h('table', { class: 'data diff' },
		h('thead', h('tr', h('th', { scope: 'col' }, t('audit.field')), h('th', { scope: 'col' }, t('audit.before')), h('th', { scope: 'col' }, t('audit.after')))),
		h('tbody', keys.map((k) => {
			const changed = show(b[k]) !== show(a[k]);
			return h('tr', { class: changed ? 'changed' : null },
				h('th', { scope: 'row' }, k),
				h('td', { class: 'before' }, show(b[k])),
				h('td', { class: 'after' }, show(a[k])));
		})));
}

export async function renderAudit(app, ctx) {
	ctx.setTitle(t('audit.title'));
	const q = { limit: 50, offset: 0, ...ctx.query };
	q.limit = Number(q.limit) || 50;
	q.offset = Number(q.offset) || 0;
	const form = h('form', { class: 'filters', role: 'search' },
		ui.field({ name: 'actor', label: t('audit.actor'), value: q.actor || '' }),
		ui.field({ name: 'action', label: t('audit.action'), value: q.action || '' }),
		ui.field({ name: 'entity_type', label: t('audit.entity'), value: q.entity_type || '', placeholder: 'project' }),
		ui.field({ name: 'entity_id', label: t('audit.entity_id'), type: 'number', min: 1, step: 1, value: q.entity_id || '' }),
		ui.field({ name: 'from', label: t('audit.from'), type: 'date', value: q.from || '' }),
		ui.field({ name: 'to', label: t('audit.to'), type: 'date', value: q.to || '' }),
		h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('common.filter'))));
	const body = h('div', ui.loading());
	ctx.main.append(ui.pageHeader(t('audit.title')), h('p', { class: 'lead' }, t('audit.intro')), form, body);
	let seq = 0;
	const load = async () => {
		const mine = ++seq;
		app.setQuery(q);
		replace(body, ui.loading());
		let r;
		try { r = await api.get('/audit', q); } catch (err) { if (mine === seq) replace(body, ui.errorBox(err)); return; }
		if (ctx.stale || mine !== seq) return;
		const items = r.items || [];
		replace(body,
			ui.table([
				{ key: 'at', label: t('audit.time'), render: (e) => fmtTime(e.at || e.time || e.created_at) },
				{ key: 'actor', label: t('audit.actor'), render: (e) => e.actor_name || e.actor || e.actor_username || (e.actor_id ?? '—') },
				{ key: 'ip', label: t('audit.ip'), render: (e) => e.ip || '—' },
				{ key: 'action', label: t('audit.action'), render: (e) => e.action },
				{ key: 'entity', label: t('audit.entity'), render: (e) => [e.entity || e.entity_type || '—', e.entity_id != null ? ` #${e.entity_id}` : ''] },
				{ key: 'diff', label: t('audit.details'), render: (e) => {
					const box = h('div', { class: 'diff-box', hidden: true }, diffView(e.before, e.after));
					const btn = ui.button(t('audit.show_diff'), () => {
						box.hidden = !box.hidden;
						btn.setAttribute('aria-expanded', String(!box.hidden));
					}, { 'aria-expanded': 'false', kind: 'link' });
					return h('div', btn, box);
				} },
			], items, { empty: t('audit.empty') }),
			ui.pager({ total: r.total ?? items.length, limit: q.limit, offset: q.offset, onPage: (o) => { q.offset = o; load(); } }),
			h('p', { class: 'small muted' }, t('audit.total', { n: fmtNumber(r.total ?? items.length) })));
	};
	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		const v = ui.formValues(form);
		for (const k of ['actor', 'action', 'entity_type', 'entity_id', 'from', 'to']) q[k] = v[k] || undefined;
		q.offset = 0;
		load();
	});
	await load();
}
