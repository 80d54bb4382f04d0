// ui.js -- the shared components: fields and forms with API error mapping,
// tables, pagination, dialogs, toasts, badges.  Everything builds DOM with
// h(); no HTML strings.

import { h, replace, nextId } from './h.js';
import { t, tEnum, fmtNumber, getLang } from './i18n.js';
import { api } from './api.js';

/* ---- forms ---------------------------------------------------------- */

// A labelled input.  spec: {name, label, type, value, required, options:[{value,label}],
// help, min, max, step, maxlength, placeholder, autocomplete, rows, disabled}
export function field(spec) {
	const id = spec.id || nextId(`f-${spec.name}`);
	const errId = `${id}-err`;
	const helpId = spec.help ? `${id}-help` : null;
	const describedby = [helpId, errId].filter(Boolean).join(' ');
	let input;
	const common = {
		id, name: spec.name, required: !!spec.required, disabled: !!spec.disabled,
		'aria-describedby': describedby, autocomplete: spec.autocomplete || null,
	};
	if (spec.type === 'select') {
		input = h('select', common,
			spec.blank !== false ? h('option', { value: '' }, spec.blank || t('common.choose')) : null,
			(spec.options || []).map((o) => h('option', {
				value: o.value, selected: String(o.value) === String(spec.value ?? ''),
			}, o.label)));
	} else if (spec.type === 'textarea') {
		input = h('textarea', { ...common, rows: spec.rows || 3, maxlength: spec.maxlength || null, placeholder: spec.placeholder || null });
		input.value = spec.value ?? '';
	} else if (spec.type === 'checkbox') {
		input = h('input', { ...common, type: 'checkbox', checked: !!spec.value });
		return h('div', { class: 'field field-check' },
			input, h('label', { for: id }, spec.label),
			helpId ? h('p', { class: 'help', id: helpId }, spec.help) : null,
			h('p', { class: 'field-error', id: errId, hidden: true }));
	} else {
		input = h('input', {
			...common, type: spec.type || 'text', value: spec.value ?? '',
			min: spec.min ?? null, max: spec.max ?? null, step: spec.step ?? null,
			maxlength: spec.maxlength ?? null, placeholder: spec.placeholder ?? null,
			inputmode: spec.inputmode ?? null, accept: spec.accept ?? null,
		});
	}
	return h('div', { class: ['field', spec.wide && 'field-wide'] },
		h('label', { for: id }, spec.label, spec.required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null),
		input,
		helpId ? h('p', { class: 'help', id: helpId }, spec.help) : null,
		h('p', { class: 'field-error', id: errId, hidden: true }));
}

// Read a form into an object: numbers for type=number, booleans for
// checkboxes, empty strings left out unless keepEmpty.
export function formValues(form, { keepEmpty = false } = {}) {
	const out = {};
	for (const el of form.elements) {
		if (!el.name || el.disabled) continue;
		if (el.type === 'checkbox') { out[el.name] = el.checked; continue; }
		if (el.type === 'file') continue;
		const v = el.value.trim();
		if (v === '' && !keepEmpty) continue;
		if (el.type === 'number' && v !== '') out[el.name] = Number(v);
		else out[el.name] = v === '' ? null : v;
	}
	return out;
}

export function clearErrors(form) {
	for (const el of form.querySelectorAll('[aria-invalid="true"]')) el.removeAttribute('aria-invalid');
	for (const el of form.querySelectorAll('.field-error')) { el.textContent = ''; el.hidden = true; }
	const alert = form.querySelector('.form-alert');
	if (alert) { alert.textContent = ''; alert.hidden = true; }
}

// Show an API error on a form: error.field -> that input gets aria-invalid and
// the message beside it; anything else goes in the form's alert box.
export function showError(form, err) {
	clearErrors(form);
	const msg = errorMessage(err);
	const input = err && err.field ? form.querySelector(`[name="${CSS.escape(err.field)}"]`) : null;
	if (input) {
		input.setAttribute('aria-invalid', 'true');
		const box = input.closest('.field')?.querySelector('.field-error');
		if (box) { box.textContent = msg; box.hidden = false; }
		input.focus();
		return;
	}
	let alert = form.querySelector('.form-alert');
	if (!alert) { alert = h('div', { class: 'form-alert', role: 'alert' }); form.prepend(alert); }
	alert.textContent = err && err.field ? `${err.field}: ${msg}` : msg;
	alert.hidden = false;
}

// A human message for an error: a catalog entry for the code if there is
// one (error.validation_failed …), else the server's message.
export function errorMessage(err) {
	if (!err) return t('error.unknown');
	const key = `error.${err.code}`;
	const known = t(key);
	if (err.code === 'validation_failed' || err.code === 'conflict' || !err.code) {
		const generic = known !== key ? known : t('error.unknown');
		if (!err.message || err.message === err.code) return generic;
		// The server explains in English; a Chinese reader gets the
		// catalog's sentence first, with the detail after it.
		if (getLang() === 'zh-CN' && !/[\u4e00-\u9fff]/.test(err.message)) return `${generic}（${err.message}）`;
		return err.message;
	}
	// Conflicts and refusals (a plugin's test-load) carry the server's why.
	if (known !== key) return err.message && (err.status === 409 || err.status === 422) ? `${known} ${err.message}` : known;
	return err.message || t('error.unknown');
}

export function formAlert() { return h('div', { class: 'form-alert', role: 'alert', hidden: true }); }

// Wire a form: on submit, collect values, call action(values); errors land on
// the fields; the submit button is disabled while working.
// A form that saves something: typing in it marks it data-dirty until it is
// submitted successfully, and the shell asks before leaving a page that
// has such a form (hasUnsaved).  The mark goes at submit (the action may
// navigate) and comes back if the action fails.
export function onSubmit(form, action) {
	const mark = () => { form.dataset.dirty = ''; };
	form.addEventListener('input', mark);
	form.addEventListener('change', mark);
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const btn = form.querySelector('[type=submit]');
		const wasDirty = 'dirty' in form.dataset;
		clearErrors(form);
		if (btn) btn.disabled = true;
		delete form.dataset.dirty;
		try {
			await action(formValues(form), form);
		} catch (err) {
			if (wasDirty) mark();
			showError(form, err);
		} finally {
			if (btn) btn.disabled = false;
		}
	});
	return form;
}

export function hasUnsaved(root = document.getElementById('main')) {
	return !!(root && root.querySelector('form[data-dirty]'));
}

export function forgetUnsaved(root = document.getElementById('main')) {
	if (root) for (const f of root.querySelectorAll('form[data-dirty]')) delete f.dataset.dirty;
}

/* ---- buttons, badges -------------------------------------------------- */

export function button(label, onClick, { kind = 'secondary', type = 'button', class: cls, ...rest } = {}) {
	return h('button', { type, class: ['btn', `btn-${kind}`, cls], onClick, ...rest }, label);
}

export function linkButton(label, href, { kind = 'secondary', class: cls, ...rest } = {}) {
	return h('a', { class: ['btn', `btn-${kind}`, cls], href, ...rest }, label);
}

// A record's change history: the audit log filtered to it.  Callers show
// it to those who hold audit.read (app.can).
export function historyLink(entityType, id) {
	return linkButton(t('audit.history'), `#/audit?entity_type=${encodeURIComponent(entityType)}&entity_id=${encodeURIComponent(id)}`, { dataset: { action: 'history' } });
}

// A download of an export (CSV, XLSX): a real link (href set by the caller,
// so it also works as "save link as"), but a click fetches it first, so a
// refusal (a filter the server rejects, too many rows) is shown as a toast
// instead of being saved as a file.
export function exportLink(label, action) {
	const a = h('a', { class: 'btn btn-secondary', dataset: { action }, download: '' }, label);
	a.addEventListener('click', async (ev) => {
		ev.preventDefault();
		if (a.getAttribute('aria-busy') === 'true') return;
		a.setAttribute('aria-busy', 'true');
		try {
			const { blob, name } = await api.download(a.href);
			const url = URL.createObjectURL(blob);
			const tmp = h('a', { href: url, download: name, hidden: true });
			document.body.append(tmp);
			tmp.click();
			tmp.remove();
			setTimeout(() => URL.revokeObjectURL(url), 60000);
		} catch (err) {
			toast(errorMessage(err), 'error');
		} finally {
			a.removeAttribute('aria-busy');
		}
	});
	return a;
}

export function badge(text, kind = 'neutral', title) {
	return h('span', { class: ['badge', `badge-${kind}`], title: title || null }, text);
}

export function stageBadge(stage) {
	const kinds = { lead: 'neutral', negotiating: 'info', signed: 'primary', under_construction: 'warn', in_operation: 'ok', cancelled: 'muted' };
	return badge(tEnum('stage', stage), kinds[stage] || 'neutral');
}

/* ---- tables ------------------------------------------------------------ */

// columns: [{key, label, render?(row) -> node|string, sortKey?, num?, optional?, class?}]
// (optional: a column dropped on narrow screens, e.g. tablets)
// opts: {sort, onSort(sortKey), empty, caption, rowClass?(row)}
export function table(columns, rows, opts = {}) {
	const thead = h('thead', h('tr', columns.map((c) => {
		const cls = [c.num && 'num', c.optional && 'col-optional', c.class];
		if (!c.sortKey || !opts.onSort) return h('th', { scope: 'col', class: cls }, c.label);
		const cur = opts.sort || '';
		const dir = cur === c.sortKey ? 'ascending' : cur === `-${c.sortKey}` ? 'descending' : 'none';
		const next = dir === 'ascending' ? `-${c.sortKey}` : c.sortKey;
		return h('th', { scope: 'col', class: cls, 'aria-sort': dir },
			h('button', { type: 'button', class: 'sort', onClick: () => opts.onSort(next) },
				c.label, h('span', { class: 'sort-ind', 'aria-hidden': 'true' }, dir === 'ascending' ? ' ▲' : dir === 'descending' ? ' ▼' : ' ↕')));
	})));
	const tbody = h('tbody', rows.length ? rows.map((r) => h('tr', { class: opts.rowClass ? opts.rowClass(r) : null },
		columns.map((c) => h('td', { class: [c.num && 'num', c.optional && 'col-optional', c.class], 'data-label': c.label },
			c.render ? c.render(r) : (r[c.key] ?? '—'))))) :
		h('tr', h('td', { colspan: columns.length, class: 'empty' }, opts.empty || t('common.empty'))));
	return h('div', { class: 'table-wrap' },
		h('table', { class: 'data' }, opts.caption ? h('caption', opts.caption) : null, thead, tbody));
}

// Pagination: "1–50 of 431", previous/next.
export function pager({ total, limit, offset, onPage }) {
	// Nothing to page through: the table's empty message says it all.
	if (!total && !offset) return h('nav', { class: 'pager', hidden: true, 'aria-label': t('common.pagination') });
	const from = total ? offset + 1 : 0;
	const to = Math.min(offset + limit, total);
	return h('nav', { class: 'pager', 'aria-label': t('common.pagination') },
		h('span', { class: 'pager-info' }, t('common.range', { from: fmtNumber(from), to: fmtNumber(to), total: fmtNumber(total) })),
		button(t('common.prev'), () => onPage(Math.max(0, offset - limit)), { disabled: offset <= 0, 'data-action': 'prev' }),
		button(t('common.next'), () => onPage(offset + limit), { disabled: offset + limit >= total, 'data-action': 'next' }));
}

/* ---- dialogs, toasts -------------------------------------------------- */

// A modal <dialog>; resolves with the value passed to close(), or null on
// Escape / cancel.  build(close) returns the body nodes.
export function modal(title, build, { wide = false } = {}) {
	return new Promise((resolve) => {
		const titleId = nextId('dlg');
		let result = null;
		const dlg = h('dialog', { class: ['modal', wide && 'modal-wide'], 'aria-labelledby': titleId });
		const close = (v) => { result = v === undefined ? null : v; dlg.close(); };
		dlg.append(h('h2', { id: titleId }, title), ...[].concat(build(close)));
		dlg.addEventListener('close', () => { dlg.remove(); resolve(result); });
		document.body.append(dlg);
		dlg.showModal();
		const first = dlg.querySelector('[autofocus], input, select, textarea, button');
		if (first) first.focus();
	});
}

export function confirmDialog(title, message, { confirm = t('common.confirm'), danger = false, details = null, confirmDisabled = false } = {}) {
	return modal(title, (close) => [
		h('p', message),
		details,
		h('div', { class: 'actions' },
			button(t('common.cancel'), () => close(false)),
			button(confirm, () => close(true), { kind: danger ? 'danger' : 'primary', 'data-action': 'confirm', disabled: confirmDisabled })),
	]).then((v) => v === true);
}

export function toast(message, kind = 'info') {
	const box = document.getElementById('toasts');
	if (!box) return;
	const el = h('div', { class: ['toast', `toast-${kind}`], role: kind === 'error' ? 'alert' : 'status' }, message);
	box.append(el);
	setTimeout(() => el.remove(), kind === 'error' ? 8000 : 4000);
}

/* ---- page scaffolding ------------------------------------------------ */

export function pageHeader(title, ...actions) {
	return h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, title), h('div', { class: 'page-actions' }, actions));
}

export function loading() { return h('p', { class: 'loading', role: 'status' }, t('common.loading')); }

export function errorBox(err) {
	return h('div', { class: 'error-box', role: 'alert' },
		h('strong', t('error.title')), ' ', errorMessage(err));
}

export function section(title, ...children) {
	return h('section', { class: 'card' }, title ? h('h2', title) : null, children);
}

export function kv(pairs) {
	return h('dl', { class: 'kv' }, pairs.filter(Boolean).map(([k, v]) => [h('dt', k), h('dd', v ?? '—')]));
}

export function tabs(items, active, onSelect) {
	return h('div', { class: 'tabs', role: 'tablist' }, items.map((it) => h('button', {
		type: 'button', role: 'tab', 'aria-selected': String(it.id === active), class: 'tab',
		onClick: () => onSelect(it.id),
	}, it.label)));
}

export { replace };

/* ---- user agents --------------------------------------------------------- */

// "Chrome 120 · Windows" from a User-Agent header (the whole header is in
// the title): enough to tell one's own sessions apart (the profile page,
// the staff plugin).
export function browserName(ua) {
	const m = (re) => (ua.match(re) || [])[1];
	const ver = (re) => { const v = m(re); return v ? ` ${v.split('.')[0]}` : ''; };
	let b = ua.split(/[\s/]/)[0] || '—';
	if (/Edg\//.test(ua)) b = `Edge${ver(/Edg\/([\d.]+)/)}`;
	else if (/Firefox\//.test(ua)) b = `Firefox${ver(/Firefox\/([\d.]+)/)}`;
	else if (/(Headless)?Chrome\//.test(ua)) b = `${/HeadlessChrome/.test(ua) ? 'Headless Chrome' : 'Chrome'}${ver(/Chrome\/([\d.]+)/)}`;
	else if (/Safari\//.test(ua) && /Version\//.test(ua)) b = `Safari${ver(/Version\/([\d.]+)/)}`;
	else if (/curl\//.test(ua)) b = `curl${ver(/curl\/([\d.]+)/)}`;
	const os = /Windows/.test(ua) ? 'Windows' : /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS'
		: /Mac OS X/.test(ua) ? 'macOS' : /Linux/.test(ua) ? 'Linux' : null;
	return os ? `${b} · ${os}` : b;
}
