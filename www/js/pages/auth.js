// pages/auth.js -- login, forced password change, re-authentication, profile.

import { h, replace } from '../h.js';
import { t, getLang, LANGS, fmtTime } from '../i18n.js';
import { api, setCsrf } from '../api.js';
import * as ui from '../ui.js';

function authFrame(app, ...body) {
	const root = document.getElementById('app');
	replace(root,
		app.header(false),
		h('main', { id: 'main', class: 'auth-main', tabindex: '-1' }, h('div', { class: 'auth-card card' }, body)),
		h('div', { id: 'toasts', class: 'toasts', 'aria-live': 'polite' }));
	document.title = t('shell.bureau');
}

// Messages for a failed login: one generic text for every credential failure,
// so the page never tells whether the account exists or is locked.
function loginError(err) {
	if (err.status === 401 || err.code === 'invalid_credentials') return t('auth.failed');
	if (err.status === 429) return t('auth.too_many');
	if (err.status === 503) return t('auth.busy');
	if (err.code === 'csrf_failed') return t('auth.reload');
	return ui.errorMessage(err);
}

export function renderLogin(app, { onLogin, notice } = {}) {
	const form = h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'login-title' },
		ui.formAlert(),
		ui.field({ name: 'username', label: t('auth.username'), required: true, autocomplete: 'username' }),
		ui.field({ name: 'password', label: t('auth.password'), type: 'password', required: true, autocomplete: 'current-password' }),
		h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('auth.login'))),
		h('p', { class: 'help' }, t('auth.lock_hint')));
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const v = ui.formValues(form);
		ui.clearErrors(form);
		const alert = form.querySelector('.form-alert');
		if (!v.username || !v.password) {
			alert.textContent = t('auth.missing');
			alert.hidden = false;
			form.querySelector(v.username ? '[name=password]' : '[name=username]').focus();
			return;
		}
		const btn = form.querySelector('[type=submit]');
		btn.disabled = true;
		try {
			const resp = await api.post('/auth/login', { username: v.username, password: v.password }, { skipHooks: true });
			await onLogin(resp);
		} catch (err) {
			alert.textContent = loginError(err);
			alert.hidden = false;
			const pw = form.querySelector('[name=password]');
			pw.value = '';
			pw.focus();
		} finally {
			btn.disabled = false;
		}
	});
	authFrame(app,
		h('h1', { id: 'login-title' }, t('auth.login_title')),
		notice ? h('p', { class: 'notice', role: 'status' }, notice) : null,
		form);
	form.querySelector('[name=username]').focus();
}

function passwordForm({ needCurrent = true, onDone, submitLabel }) {
	const form = h('form', { class: 'form', novalidate: true },
		ui.formAlert(),
		needCurrent ? ui.field({ name: 'current', label: t('auth.current_password'), type: 'password', required: true, autocomplete: 'current-password' }) : null,
		ui.field({ name: 'new', label: t('auth.new_password'), type: 'password', required: true, autocomplete: 'new-password', help: t('auth.password_rules') }),
		ui.field({ name: 'confirm', label: t('auth.confirm_password'), type: 'password', required: true, autocomplete: 'new-password' }),
		h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, submitLabel || t('auth.change_password'))));
	ui.onSubmit(form, async (v) => {
		const len = [...(v.new || '')].length;
		if (len < 12 || len > 128) throw { field: 'new', code: 'validation_failed', message: t('auth.password_length') };
		if (v.new !== v.confirm) throw { field: 'confirm', code: 'validation_failed', message: t('auth.password_mismatch') };
		const r = await api.post('/auth/password', { current: v.current || '', new: v.new }, { skipHooks: true });
		if (r && r.csrf_token) setCsrf(r.csrf_token);
		form.reset();
		await onDone();
	});
	return form;
}

export function renderPasswordChange(app, { forced, onDone }) {
	authFrame(app,
		h('h1', t('auth.change_password_title')),
		forced ? h('p', { class: 'notice' }, t('auth.must_change')) : null,
		passwordForm({ onDone }));
	document.querySelector('#main input')?.focus();
}

// 403 reauth_required: ask for the password again, log in again, retry.
export function reauthDialog(app, user, onResp) {
	if (!user) return Promise.resolve(false);
	return ui.modal(t('auth.reauth_title'), (close) => {
		const form = h('form', { class: 'form', novalidate: true },
			h('p', t('auth.reauth_text')),
			ui.formAlert(),
			ui.field({ name: 'username', label: t('auth.username'), value: user.username, disabled: true }),
			ui.field({ name: 'password', label: t('auth.password'), type: 'password', required: true, autocomplete: 'current-password' }),
			h('div', { class: 'actions' },
				ui.button(t('common.cancel'), () => close(false)),
				h('button', { type: 'submit', class: 'btn btn-primary' }, t('auth.confirm_identity'))));
		form.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			const pw = form.querySelector('[name=password]');
			try {
				const resp = await api.post('/auth/login', { username: user.username, password: pw.value }, { skipHooks: true });
				onResp(resp);
				close(true);
			} catch (err) {
				const alert = form.querySelector('.form-alert');
				alert.textContent = loginError(err);
				alert.hidden = false;
				pw.value = '';
				pw.focus();
			}
		});
		return form;
	});
}

export async function renderProfile(app, ctx) {
	const u = app.user;
	const box = h('div');
	ctx.setTitle(t('profile.title'));
	const form = h('form', { class: 'form form-grid', novalidate: true },
		ui.formAlert(),
		ui.field({ name: 'display_name', label: t('profile.display_name'), value: u.display_name || '', maxlength: 100 }),
		ui.field({
			name: 'language', label: t('profile.language'), type: 'select', blank: false, value: u.language || getLang(),
			options: LANGS.map((l) => ({ value: l, label: l === 'zh-CN' ? '中文' : 'English' })),
		}),
		h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('common.save'))));
	ui.onSubmit(form, async (v) => {
		const r = await api.patch('/auth/me', { display_name: v.display_name || '', language: v.language });
		if (v.language) app.i18n.setLang(v.language);
		ui.toast(t('common.saved'), 'ok');
		app.updateUser(r && r.user ? r.user : { display_name: v.display_name, language: v.language });
	});
	ctx.main.append(
		ui.pageHeader(t('profile.title')),
		ui.section(t('profile.account'), ui.kv([
			[t('auth.username'), u.username],
			[t('profile.role'), app.i18n.tEnum('role', u.role)],
			u.title ? [t('profile.job_title'), u.title] : null,
		]), form),
		ui.section(t('auth.change_password_title'), passwordForm({
			onDone: async () => { ui.toast(t('auth.password_changed'), 'ok'); renderSessions(ctx, box); },
		})),
		h('section', { class: 'card', dataset: { section: 'sessions' } }, h('h2', t('sessions.title')),
			h('p', { class: 'small muted' }, t('sessions.help')), box));
	renderSessions(ctx, box);
}

// The user's own live sessions: the current one marked, the others ended
// one by one or all at once (GET/DELETE /api/v1/auth/sessions).
async function renderSessions(ctx, box) {
	box.replaceChildren(ui.loading());
	let r;
	try {
		r = await api.get('/auth/sessions');
	} catch (err) {
		if (!ctx.stale) box.replaceChildren(ui.errorBox(err));
		return;
	}
	if (ctx.stale) return;
	const items = r.items || [];
	const others = items.filter((s) => !s.current).length;
	const act = (fn) => async () => {
		try { await fn(); } catch (err) { ui.toast(ui.errorMessage(err), 'error'); }
		renderSessions(ctx, box);
	};
	box.replaceChildren(...[
		ui.table([
			{ key: 'user_agent', label: t('sessions.browser'), render: (s) => [s.user_agent ? h('span', { title: s.user_agent }, ui.browserName(s.user_agent)) : '—', s.current ? [' ', h('span', { class: 'badge badge-ok', dataset: { current: '' } }, t('sessions.this'))] : null] },
			{ key: 'ip', label: t('audit.ip'), render: (s) => s.ip || '—' },
			{ key: 'created_at', label: t('sessions.start'), class: 'nowrap', render: (s) => fmtTime(s.created_at) },
			{ key: 'last_seen', label: t('sessions.last_seen'), class: 'nowrap', render: (s) => fmtTime(s.last_seen) },
			{ key: 'expires_at', label: t('sessions.expires'), class: 'nowrap', optional: true, render: (s) => fmtTime(s.expires_at) },
			{ key: 'end', label: '', render: (s) => (s.current ? null : ui.button(t('sessions.end'), act(async () => {
				if (!await ui.confirmDialog(t('sessions.end'), t('sessions.end_text', { browser: s.user_agent ? ui.browserName(s.user_agent) : '—', ip: s.ip || '—' }), { danger: true, confirm: t('sessions.end') })) return;
				await api.del(`/auth/sessions/${encodeURIComponent(s.id)}`);
				ui.toast(t('sessions.ended'), 'ok');
			}), { kind: 'danger', class: 'btn-small', dataset: { action: 'end-session', session: String(s.id) } })) },
		], items, { empty: t('sessions.none') }),
		others ? h('div', { class: 'actions' }, ui.button(t('sessions.end_others'), act(async () => {
			if (!await ui.confirmDialog(t('sessions.end_others'), t('sessions.end_others_text', { n: others }), { danger: true, confirm: t('sessions.end_others') })) return;
			const res = await api.del('/auth/sessions');
			ui.toast(t('sessions.ended_others', { n: res.revoked }), 'ok');
		}), { kind: 'danger', dataset: { action: 'end-other-sessions' } })) : null,
	].filter(Boolean));
}
