// pages/admin.js -- plugins administration and the audit log (core pages).

import { h, replace } from '../h.js';
import { t, tEnum, fmtTime, pick, fmtNumber } from '../i18n.js';
import { api } from '../api.js';
import * as ui from '../ui.js';

/* ---- plugins ------------------------------------------------------------ */

const STATE_KIND = { enabled: 'ok', disabled: 'neutral', incompatible: 'warn', failed: 'danger', quarantined: 'danger', missing: 'warn' };

// The state as an admin should read it: a plugin whose file is fine but
// which failed to load (a migration, init, a test-load) is listed by the
// server as "incompatible" with db_state "failed"; it can be tried again.
export function shownState(p) {
	return p.state === 'incompatible' && p.db_state === 'failed' ? 'failed' : p.state;
}

// What may be done now: the server says so in `actions` (core/plugins.c
// list_actions); a server without it gets the old rule.
export function actionsOf(p) {
	if (Array.isArray(p.actions)) return p.actions;
	if (p.state === 'incompatible' || p.state === 'missing') return [];
	return [p.state === 'enabled' ? 'disable' : 'enable'];
}

function actionLabel(p, action) {
	if (action === 'disable') return t('plugins.disable');
	if (p.state === 'enabled') return t('plugins.upgrade');
	if (p.state === 'quarantined' || shownState(p) === 'failed') return t('plugins.reenable');
	return t('plugins.enable');
}

// Bundled plugins have their names in the shell's catalogs; others show
// what their descriptor says.
function titleOf(p) {
	const k = `plugin_title.${p.name}`;
	const v = t(k);
	return v !== k ? v : (p.title || p.name);
}

function descriptionOf(p) {
	const k = `plugin_desc.${p.name}`;
	const v = t(k);
	return v !== k ? v : p.description;
}

function list(items, fmt = (x) => x) {
	if (!items || (Array.isArray(items) && !items.length)) return '—';
	const arr = Array.isArray(items) ? items : [items];
	return h('ul', { class: 'plain' }, arr.map((x) => h('li', fmt(x))));
}

// Depends on / required by, in one cell.
function relations(p) {
	const rows = [];
	if (p.depends && p.depends.length) rows.push(h('div', h('span', { class: 'muted' }, t('plugins.depends'), ': '), p.depends.join(', ')));
	if (p.required_by && p.required_by.length) rows.push(h('div', h('span', { class: 'muted' }, t('plugins.required_by'), ': '), p.required_by.join(', ')));
	return rows.length ? rows : '—';
}

const routeText = (r) => `${r.method} ${r.pattern}`;
const navText = (n) => `${pick(n, 'label')}${n.href ? ` (${n.href})` : ''}`;
const migrationText = (m) => `${t('plugins.schema', { v: m.version })}: ${m.description || ''}`;
const depText = (d) => (typeof d === 'object' && d ? `${d.name}（${tEnum('plugin_state', d.state)}）` : String(d));

// The impact preview (GET /plugins/{name}/impact), in words.
export function impactView(impact, p) {
	if (!impact || typeof impact !== 'object') return h('p', t('plugins.no_impact'));
	if (impact.error) return h('p', { class: 'form-alert', role: 'alert' }, impact.error);
	const out = [];
	const arr = (k) => (Array.isArray(impact[k]) ? impact[k] : []);
	if (impact.no_change) out.push(h('p', { class: 'notice' }, t('plugins.no_change')));
	if (impact.allowed === false) {
		out.push(h('div', { class: 'form-alert', role: 'alert', dataset: { impact: 'blocked' } },
			h('strong', t('plugins.not_allowed')), list(arr('blocked_by'))));
	}
	if (impact.action === 'enable' && impact.reason && p && p.state !== 'disabled') {
		out.push(h('div', { class: 'notice', dataset: { impact: 'reason' } }, h('strong', t('plugins.last_reason')), ' ', impact.reason));
	}
	const rows = [];
	const add = (key, label, fmt, { details = false } = {}) => {
		const v = arr(key);
		if (!v.length) return;
		const body = details && v.length > 5
			? h('details', h('summary', t('plugins.n_items', { n: fmtNumber(v.length) })), list(v, fmt))
			: list(v, fmt);
		rows.push([t(label), body]);
	};
	add('missing_dependencies', 'plugins.missing_deps', depText);
	add('dependents', 'plugins.dependents', depText);
	add('nav_added', 'plugins.nav_added', navText);
	add('nav_removed', 'plugins.nav_removed', navText);
	add('routes_added', 'plugins.routes_added', routeText, { details: true });
	add('routes_removed', 'plugins.routes_removed', routeText, { details: true });
	add('migrations', 'plugins.migrations', migrationText);
	if (impact.data === 'kept') rows.push([t('plugins.data'), t('plugins.data_kept')]);
	if (rows.length) out.push(ui.kv(rows));
	if (!out.length) out.push(h('p', t('plugins.no_impact')));
	return out;
}

export async function renderPlugins(app, ctx) {
	ctx.setTitle(t('plugins.title'));
	const body = h('div', ui.loading());
	ctx.main.append(ui.pageHeader(t('plugins.title')), h('p', { class: 'lead' }, t('plugins.intro')), body);
	let busy = false;
	const load = async () => {
		let r;
		try { r = await api.get('/plugins'); } catch (err) { if (!ctx.stale) replace(body, ui.errorBox(err)); return; }
		if (ctx.stale) return;
		const items = Array.isArray(r) ? r : (r.items || []);
		replace(body, ui.table([
			{ key: 'name', label: t('plugins.plugin'), class: 'col-main', render: (p) => h('div', h('strong', titleOf(p)), h('div', { class: 'muted small' }, p.file || p.name), descriptionOf(p) ? h('div', { class: 'small' }, descriptionOf(p)) : null) },
			{ key: 'version', label: t('plugins.version'), render: (p) => h('div', { class: 'nowrap' }, p.version || '—', p.schema_applied ? h('div', { class: 'small muted' }, t('plugins.schema', { v: p.schema_applied })) : null,
				p.upgrade ? h('div', ui.badge(t('plugins.upgrade_ready'), 'info')) : null) },
			{ key: 'state', label: t('plugins.state'), render: (p) => [ui.badge(tEnum('plugin_state', shownState(p)), STATE_KIND[shownState(p)] || 'neutral'), p.reason ? h('div', { class: 'small reason' }, p.reason) : null] },
			{ key: 'depends', label: t('plugins.relations'), render: (p) => relations(p) },
			{ key: 'changed', label: t('plugins.changed'), render: (p) => (p.changed_at ? [fmtTime(p.changed_at), p.changed_by ? h('div', { class: 'small muted' }, p.changed_by) : null] : '—') },
			{ key: 'actions', label: t('common.actions'), render: (p) => actionsFor(p) },
		], items, { rowClass: (p) => `plugin-${p.state} plugin-shown-${shownState(p)}`, empty: t('plugins.none') }));
		for (const row of body.querySelectorAll('tbody tr')) {
			const i = [...row.parentNode.children].indexOf(row);
			if (items[i]) row.dataset.plugin = items[i].name;
		}
	};
	const actionsFor = (p) => {
		const acts = actionsOf(p);
		if (!acts.length) return h('span', { class: 'muted small', title: p.reason || null }, t('plugins.no_action'));
		return h('div', { class: 'actions nowrap' }, acts.map((a) => ui.button(actionLabel(p, a), (ev) => change(p, a, ev.currentTarget), {
			kind: a === 'disable' ? 'danger' : 'primary', class: 'btn-small', dataset: { action: a, plugin: p.name }, disabled: busy,
		})));
	};
	const change = async (p, action, btn) => {
		if (busy) return;
		let impact = null;
		try {
			impact = await api.get(`/plugins/${encodeURIComponent(p.name)}/impact`, { action });
		} catch (err) {
			impact = { error: ui.errorMessage(err) };
		}
		if (ctx.stale) return;
		const name = titleOf(p);
		const enable = action === 'enable';
		const again = enable && (p.state === 'quarantined' || shownState(p) === 'failed');
		const ok = await ui.confirmDialog(
			t(enable ? (p.state === 'enabled' ? 'plugins.confirm_upgrade' : again ? 'plugins.confirm_reenable' : 'plugins.confirm_enable') : 'plugins.confirm_disable', { name }),
			t(enable ? (again ? 'plugins.reenable_text' : 'plugins.enable_text') : 'plugins.disable_text'),
			{ confirm: actionLabel(p, action), danger: !enable,
				confirmDisabled: !!(impact && (impact.allowed === false || impact.error)),
				details: h('div', { class: 'impact', dataset: { impact: action } }, h('h3', t('plugins.impact')), impactView(impact, p)) });
		if (!ok) return;
		// Enabling test-loads the file and waits for the new workers (up
		// to 30 s): say so, and keep the other buttons still meanwhile.
		busy = true;
		for (const b of body.querySelectorAll('button[data-action]')) b.disabled = true;
		const cell = btn && btn.closest('td');
		if (cell) replace(cell, h('span', { class: 'loading', role: 'status', dataset: { busy: p.name } }, t(enable ? 'plugins.enabling' : 'plugins.disabling')));
		body.setAttribute('aria-busy', 'true');
		try {
			await api.post(`/plugins/${encodeURIComponent(p.name)}/${action}`, {});
			ui.toast(t(enable ? 'plugins.enabled_ok' : 'plugins.disabled_ok', { name }), 'ok');
		} catch (err) {
			ui.toast(t('plugins.failed', { name, why: ui.errorMessage(err) }), 'error');
		} finally {
			busy = false;
			body.removeAttribute('aria-busy');
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

// Known actions and entity types (core and bundled plugins), for the filter
// suggestions; any other code is shown as it is.
const AUDIT_ACTIONS = ['auth.login', 'auth.login_failed', 'auth.logout', 'auth.session_end', 'auth.sessions_end_others', 'auth.password_change', 'auth.password_change_failed',
	'user.update_self', 'user.create', 'user.reset_password', 'user.unlock', 'user.disable', 'user.enable', 'audit.verify',
	'staff.create', 'staff.update', 'staff.reset_password', 'staff.unlock', 'staff.sessions_revoke', 'staff.session_revoke',
	'plugin.enable', 'plugin.disable', 'plugin.test_load_failed', 'plugin.quarantine',
	'project.create', 'project.update', 'project.delete', 'project.import', 'project.stage', 'project.contract',
	'project.payment', 'project.payment.override', 'problem.create', 'problem.update', 'targets.update', 'projects.demo_load',
	'expo.create', 'expo.update', 'expo.series.create', 'expo.series.update', 'expo.signing.create', 'expo.signing.delete', 'expos.demo_load',
	'region.partner.create', 'region.partner.update', 'region.pair.create', 'region.pair.update',
	'region.park.create', 'region.park.update', 'regions.demo_load'];
const AUDIT_ENTITIES = ['user', 'plugin', 'project', 'problem', 'targets', 'expo', 'expo_series', 'expo_signing',
	'region', 'region_partner', 'region_pair', 'region_park'];

// The entity of an entry: its kind in words, and a link to the record
// where the UI has a page for it (plugins are named in the snapshots).
function entityCell(app, e) {
	const type = e.entity_type || e.entity;
	if (!type) return '—';
	const label = tEnum('audit_entity', type);
	if (type === 'plugin') {
		const name = (parseJson(e.after) || {}).plugin || (parseJson(e.before) || {}).plugin;
		return name ? [label, ' ', h('a', { href: '#/plugins' }, name)] : label;
	}
	if (e.entity_id === null || e.entity_id === undefined || e.entity_id === 0) return label;
	const id = encodeURIComponent(e.entity_id);
	const href = { project: app.can('projects.read') && `#/projects/${id}`, user: app.can('staff.admin') && `#/staff/${id}`,
		expo: app.can('expos.read') && `#/expos/${id}` }[type];
	return [label, ' ', href ? h('a', { href }, `#${e.entity_id}`) : `#${e.entity_id}`];
}

export async function renderAudit(app, ctx) {
	ctx.setTitle(t('audit.title'));
	const q = { limit: 50, offset: 0, ...ctx.query };
	q.limit = Number(q.limit) || 50;
	q.offset = Number(q.offset) || 0;
	const actionList = h('datalist', { id: 'audit-actions' }, AUDIT_ACTIONS.map((a) => h('option', { value: a, label: tEnum('audit_action', a) })));
	const form = h('form', { class: 'filters', role: 'search', 'aria-label': t('audit.title') },
		ui.field({ name: 'actor', label: t('audit.actor'), value: q.actor || '' }),
		ui.field({ name: 'action', label: t('audit.action'), value: q.action || '', placeholder: t('audit.any_action') }),
		ui.field({ name: 'entity_type', label: t('audit.entity'), type: 'select', blank: t('audit.any_entity'), value: q.entity_type || '',
			options: [...AUDIT_ENTITIES, ...(q.entity_type && !AUDIT_ENTITIES.includes(q.entity_type) ? [q.entity_type] : [])].map((e) => ({ value: e, label: tEnum('audit_entity', e) })) }),
		ui.field({ name: 'entity_id', label: t('audit.entity_id'), type: 'number', min: 1, step: 1, value: q.entity_id || '' }),
		ui.field({ name: 'from', label: t('audit.from'), type: 'date', value: q.from || '' }),
		ui.field({ name: 'to', label: t('audit.to'), type: 'date', value: q.to || '' }),
		h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('common.filter'))),
		actionList);
	form.elements.action.setAttribute('list', 'audit-actions');
	form.elements.action.title = t('audit.action_hint');
	const body = h('div', ui.loading());
	// The same filters as CSV (UTF-8 with BOM, for Excel), oldest first.
	const exportCsv = ui.exportLink(t('audit.export_csv'), 'export-csv');
	ctx.main.append(ui.pageHeader(t('audit.title'), exportCsv), h('p', { class: 'lead' }, t('audit.intro')), form, body);
	let seq = 0;
	const load = async () => {
		const mine = ++seq;
		app.setQuery(q);
		const { limit, offset, ...filters } = q;
		exportCsv.href = `/api/v1/audit/export.csv${app.qs(filters)}`;
		replace(body, ui.loading());
		let r;
		try { r = await api.get('/audit', q); } catch (err) { if (mine === seq) replace(body, ui.errorBox(err)); return; }
		if (ctx.stale || mine !== seq) return;
		const items = r.items || [];
		replace(body,
			ui.table([
				{ key: 'at', label: t('audit.time'), class: 'nowrap', render: (e) => fmtTime(e.at || e.time || e.created_at) },
				{ key: 'actor', label: t('audit.actor'), render: (e) => e.actor_name || e.actor || e.actor_username || (e.actor_id ?? '—') },
				{ key: 'ip', label: t('audit.ip'), render: (e) => e.ip || '—' },
				{ key: 'action', label: t('audit.action'), render: (e) => [tEnum('audit_action', e.action), tEnum('audit_action', e.action) !== e.action ? h('div', { class: 'small muted code' }, e.action) : null] },
				{ key: 'entity', label: t('audit.entity'), render: (e) => entityCell(app, e) },
				{ key: 'diff', label: t('audit.details'), render: (e) => {
					const box = h('div', { class: 'diff-box', hidden: true }, diffView(e.before, e.after));
					const btn = ui.button(t('audit.show_diff'), () => {
						box.hidden = !box.hidden;
						btn.setAttribute('aria-expanded', String(!box.hidden));
					}, { 'aria-expanded': 'false', kind: 'link' });
					return h('div', btn, box);
				} },
			], items, { empty: t('audit.empty') }),
			ui.pager({ total: r.total ?? items.length, limit: q.limit, offset: q.offset, onPage: (o) => { q.offset = o; load(); } }));
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
