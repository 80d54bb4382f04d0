// The staff plugin's UI module: account administration (admins).

const ROLES = ['admin', 'officer', 'viewer', 'auditor'];

export async function register(app) {
	await app.i18n.load(new URL('./i18n/', import.meta.url));
	app.route('/staff', (ctx) => renderList(app, ctx));
	app.route('/staff/new', (ctx) => renderCreate(app, ctx));
	app.route('/staff/:id', (ctx) => renderDetail(app, ctx));
}

function roleOptions(app) { return ROLES.map((r) => ({ value: r, label: app.i18n.tEnum('role', r) })); }
function langOptions() { return [{ value: 'zh-CN', label: '中文' }, { value: 'en', label: 'English' }]; }

// The one-time password, shown once in a dialog with a copy button.
function showSecret(app, title, user, password, expires) {
	const { h, t, ui, i18n } = app;
	return ui.modal(title, (close) => {
		const code = h('p', { class: 'secret', dataset: { secret: 'password' } }, password);
		return [
			h('p', t('staff.secret_text', { user: user.username })),
			code,
			expires ? h('p', { class: 'small muted' }, t('staff.expires', { at: i18n.fmtTime(expires) })) : null,
			h('p', { class: 'small' }, t('staff.secret_once')),
			h('div', { class: 'actions' },
				ui.button(t('staff.copy'), async () => {
					try { await navigator.clipboard.writeText(password); ui.toast(t('staff.copied'), 'ok'); } catch { /* no clipboard */ }
				}),
				ui.button(t('common.close'), () => close(true), { kind: 'primary' })),
		];
	});
}

async function renderList(app, ctx) {
	const { h, t, ui, i18n } = app;
	ctx.setTitle(t('staff.title'));
	const q = { q: ctx.query.q, role: ctx.query.role, active: ctx.query.active, limit: 50, offset: Number(ctx.query.offset) || 0 };
	const form = h('form', { class: 'filters', role: 'search' },
		ui.field({ name: 'q', label: t('common.search'), type: 'search', value: q.q || '' }),
		ui.field({ name: 'role', label: t('staff.role'), type: 'select', blank: t('common.all'), value: q.role, options: roleOptions(app) }),
		ui.field({ name: 'active', label: t('staff.active'), type: 'select', blank: t('common.all'), value: q.active, options: [{ value: 'true', label: t('staff.active_yes') }, { value: 'false', label: t('staff.active_no') }] }),
		h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('common.filter'))));
	const body = h('div', ui.loading());
	ctx.main.append(ui.pageHeader(t('staff.title'), ui.linkButton(t('staff.new'), '#/staff/new', { kind: 'primary', dataset: { action: 'new-staff' } })), form, body);
	form.addEventListener('submit', (ev) => { ev.preventDefault(); Object.assign(q, { q: undefined, role: undefined, active: undefined }, ui.formValues(form)); q.offset = 0; load(); });
	let seq = 0;
	async function load() {
		const mine = ++seq;
		app.setQuery(q);
		let r;
		try { r = await app.api.get('/staff', q); } catch (err) { if (mine === seq) body.replaceChildren(ui.errorBox(err)); return; }
		if (ctx.stale || mine !== seq) return;
		const items = r.items || [];
		body.replaceChildren(ui.table([
			{ key: 'username', label: t('staff.username'), render: (u) => h('a', { href: `#/staff/${u.id}` }, u.username) },
			{ key: 'display_name', label: t('staff.display_name') },
			{ key: 'title', label: t('staff.job_title'), render: (u) => u.title || '—' },
			{ key: 'department', label: t('staff.department'), render: (u) => u.department || '—' },
			{ key: 'role', label: t('staff.role'), render: (u) => i18n.tEnum('role', u.role) },
			{ key: 'state', label: t('staff.state'), render: (u) => [
				u.active ? ui.badge(t('staff.active_yes'), 'ok') : ui.badge(t('staff.active_no'), 'muted'),
				u.locked ? [' ', ui.badge(t('staff.locked'), 'danger')] : null,
				u.must_change_password ? [' ', ui.badge(t('staff.temp_password'), 'warn')] : null] },
		], items), ui.pager({ total: r.total ?? items.length, limit: q.limit, offset: q.offset, onPage: (o) => { q.offset = o; load(); } }));
	}
	await load();
}

async function renderCreate(app, ctx) {
	const { h, t, ui } = app;
	ctx.setTitle(t('staff.new'));
	const form = h('form', { class: 'form form-grid card', novalidate: true },
		ui.formAlert(),
		ui.field({ name: 'username', label: t('staff.username'), required: true, maxlength: 64, autocomplete: 'off', help: t('staff.username_help') }),
		ui.field({ name: 'display_name', label: t('staff.display_name'), required: true, maxlength: 100 }),
		ui.field({ name: 'title', label: t('staff.job_title'), maxlength: 100 }),
		ui.field({ name: 'department', label: t('staff.department'), maxlength: 100 }),
		ui.field({ name: 'role', label: t('staff.role'), type: 'select', required: true, value: 'viewer', options: roleOptions(app) }),
		ui.field({ name: 'language', label: t('staff.language'), type: 'select', blank: false, value: 'zh-CN', options: langOptions() }),
		h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('staff.create')), ui.linkButton(t('common.cancel'), '#/staff')));
	ui.onSubmit(form, async (v) => {
		const r = await app.api.post('/staff', v);
		await showSecret(app, t('staff.created'), r.user, r.password, r.password_expires_at);
		app.navigate(`#/staff/${r.user.id}`);
	});
	ctx.main.append(ui.pageHeader(t('staff.new')), form);
	form.querySelector('input').focus();
}

async function renderDetail(app, ctx) {
	const { h, t, ui, i18n } = app;
	const base = `/staff/${encodeURIComponent(ctx.params.id)}`;
	let u;
	try { u = await app.api.get(base); } catch (err) { ctx.main.append(ui.pageHeader(t('staff.title'), ui.linkButton(t('common.back'), '#/staff')), ui.errorBox(err)); return; }
	if (ctx.stale) return;
	if (u.user) u = u.user;
	ctx.setTitle(u.display_name || u.username);
	const reload = () => app.navigate(`#/staff/${encodeURIComponent(ctx.params.id)}`);
	const act = (fn) => async () => {
		try { await fn(); } catch (err) { ui.toast(ui.errorMessage(err), 'error'); }
	};

	const form = h('form', { class: 'form form-grid', novalidate: true, dataset: { form: 'staff' } },
		ui.formAlert(),
		ui.field({ name: 'display_name', label: t('staff.display_name'), value: u.display_name || '', required: true, maxlength: 100 }),
		ui.field({ name: 'title', label: t('staff.job_title'), value: u.title || '', maxlength: 100 }),
		ui.field({ name: 'department', label: t('staff.department'), value: u.department || '', maxlength: 100 }),
		ui.field({ name: 'role', label: t('staff.role'), type: 'select', blank: false, value: u.role, options: roleOptions(app) }),
		ui.field({ name: 'language', label: t('staff.language'), type: 'select', blank: false, value: u.language || 'zh-CN', options: langOptions() }),
		ui.field({ name: 'active', label: t('staff.active_yes'), type: 'checkbox', value: !!u.active, help: t('staff.active_help') }),
		h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('common.save'))));
	ui.onSubmit(form, async (v) => {
		const body = { version: u.version };
		for (const k of ['display_name', 'title', 'department', 'role', 'language']) {
			const val = form.elements[k].value.trim();
			if (val !== (u[k] || '')) body[k] = val;
		}
		if (v.active !== !!u.active) body.active = v.active;
		await app.api.patch(base, body);
		ui.toast(t('common.saved'), 'ok');
		reload();
	});

	const sessionsBox = h('div', ui.loading());
	ctx.main.append(
		ui.pageHeader(u.display_name || u.username,
			ui.button(t('staff.reset_password'), act(async () => {
				if (!await ui.confirmDialog(t('staff.reset_password'), t('staff.reset_text', { user: u.username }), { confirm: t('staff.reset_password') })) return;
				const r = await app.api.post(`${base}/reset-password`, null);
				await showSecret(app, t('staff.reset_done'), u, r.password, r.password_expires_at);
				reload();
			}), { dataset: { action: 'reset-password' } }),
			u.locked ? ui.button(t('staff.unlock'), act(async () => {
				await app.api.post(`${base}/unlock`, null);
				ui.toast(t('staff.unlocked'), 'ok');
				reload();
			}), { dataset: { action: 'unlock' } }) : null,
			app.can('audit.read') ? ui.historyLink('user', u.id) : null),
		ui.section(t('staff.account'), ui.kv([
			[t('staff.username'), u.username],
			[t('staff.state'), [u.active ? t('staff.active_yes') : t('staff.active_no'), u.locked ? ` · ${t('staff.locked_until', { at: i18n.fmtTime(u.locked_until) })}` : '']],
			[t('staff.failed_count'), i18n.fmtNumber(u.failed_count ?? 0)],
			u.must_change_password ? [t('staff.temp_password'), t('staff.expires', { at: i18n.fmtTime(u.password_expires_at) })] : null,
			[t('staff.created_at'), i18n.fmtTime(u.created_at)],
		]), form),
		h('section', { class: 'card' }, h('h2', t('staff.sessions')), sessionsBox));

	app.api.get(`${base}/sessions`).then((r) => {
		if (ctx.stale) return;
		const items = r.items || [];
		sessionsBox.replaceChildren(...[
			ui.table([
				{ key: 'created_at', label: t('staff.session_start'), class: 'nowrap', render: (s) => i18n.fmtTime(s.created_at) },
				{ key: 'last_seen', label: t('staff.last_seen'), class: 'nowrap', render: (s) => i18n.fmtTime(s.last_seen) },
				{ key: 'ip', label: t('audit.ip'), render: (s) => s.ip || '—' },
				{ key: 'user_agent', label: t('staff.user_agent'), render: (s) => [s.user_agent ? h('span', { title: s.user_agent }, ui.browserName(s.user_agent)) : '—', s.current ? [' ', h('span', { class: 'badge badge-ok', dataset: { current: '' } }, t('sessions.this'))] : null] },
				{ key: 'end', label: '', render: (s) => (s.current ? null : ui.button(t('sessions.end'), act(async () => {
					if (!await ui.confirmDialog(t('sessions.end'), t('sessions.end_text', { browser: s.user_agent ? ui.browserName(s.user_agent) : '—', ip: s.ip || '—' }), { danger: true, confirm: t('sessions.end') })) return;
					await app.api.del(`${base}/sessions/${encodeURIComponent(s.id)}`);
					ui.toast(t('sessions.ended'), 'ok');
					reload();
				}), { kind: 'danger', class: 'btn-small', dataset: { action: 'end-session', session: String(s.id) } })) },
			], items, { empty: t('staff.no_sessions') }),
			items.length ? h('div', { class: 'actions' }, ui.button(t('staff.sign_out_all'), act(async () => {
				const own = items.some((s) => s.current);
				if (!await ui.confirmDialog(t('staff.sign_out_all'), t(own ? 'staff.sign_out_self_text' : 'staff.sign_out_text', { user: u.username }), { danger: true, confirm: t('staff.sign_out_all') })) return;
				await app.api.del(`${base}/sessions`);
				ui.toast(t('staff.signed_out'), 'ok');
				reload();
			}), { kind: 'danger', dataset: { action: 'sign-out-all' } })) : null,
		].filter(Boolean));
	}, (err) => sessionsBox.replaceChildren(ui.errorBox(err)));
}
