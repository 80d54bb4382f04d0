// main.js -- the shell: start-up, session, header, menu, plugin UI modules.
//
// Start: load the shell's catalogs, ask /auth/me who we are.  Not logged in:
// the login page.  Logged in: the header (bureau name, demo badge, language
// switch, user menu), the menu from GET /api/v1/nav, and each enabled
// plugin's UI module, imported from the path its nav entry names; the module
// registers its routes (see docs/UI.md for the contract).

import { h, replace } from './h.js';
import * as i18n from './i18n.js';
import { t } from './i18n.js';
import { api, hooks, setCsrf, ApiError, qs } from './api.js';
import * as router from './router.js';
import * as ui from './ui.js';
import * as charts from './charts.js';
import * as authPages from './pages/auth.js';

// Role -> permissions, used when /auth/me does not list the user's permissions.
const ROLE_PERMS = {
	admin: ['*'],
	officer: ['*.read', '*.write'],
	viewer: ['*.read'],
	auditor: ['audit.read'],
};
const CORE_PERMS_EXCLUDED_FROM_WILDCARD = new Set(['staff.read', 'staff.write', 'staff.admin', 'plugins.read', 'plugins.admin', 'audit.read']);

const state = {
	user: null,
	permissions: null,
	nav: [],
	navLoadedAt: 0,
	modules: new Map(),   // module path -> { owner, registered: bool }
	navLoading: null,     // the running loadNav(), for the landing page to wait on
	demo: false,
	quarantined: [],
};

/* ---- the object handed to plugin UI modules ------------------------- */

function can(perm) {
	if (!state.user) return false;
	if (state.permissions) return state.permissions.includes(perm) || state.permissions.includes('*');
	const list = ROLE_PERMS[state.user.role] || [];
	if (list.includes('*')) return true;
	if (list.includes(perm)) return true;
	if (CORE_PERMS_EXCLUDED_FROM_WILDCARD.has(perm)) return false;
	const [, verb] = perm.split('.');
	return list.includes(`*.${verb}`);
}

function makeApp(owner) {
	return {
		owner,
		h, t, ui, api, ApiError, qs, charts,
		i18n,
		get user() { return state.user; },
		get lang() { return i18n.getLang(); },
		can,
		route: (pattern, render) => router.addRoute(pattern, render, owner),
		navigate: router.navigate,
		setQuery: router.setQuery,
		parseHash: router.parseHash,
		setDemo,
		refreshNav: () => loadNav(true),
		updateUser: (user) => { state.user = { ...state.user, ...user }; renderShell(); router.render(); },
		hasRoute: router.hasRoute,
		header: (withUser) => header(withUser),
	};
}
const shellApp = makeApp('shell');

/* ---- shell ----------------------------------------------------------- */

const root = () => document.getElementById('app');

function setDemo(on) {
	state.demo = state.demo || !!on;
	const b = document.getElementById('demo-badge');
	if (b) b.hidden = !state.demo;
}

function langSwitch() {
	return h('div', { class: 'lang-switch', role: 'group', 'aria-label': t('shell.language') },
		i18n.LANGS.map((l) => h('button', {
			type: 'button', class: 'lang', lang: l, 'aria-pressed': String(i18n.getLang() === l),
			dataset: { lang: l }, onClick: () => changeLang(l),
		}, l === 'zh-CN' ? '中文' : 'English')));
}

// Asked before a page with unsaved input goes away (see ui.onSubmit).
function askLeave() {
	return ui.confirmDialog(t('common.unsaved_title'), t('common.unsaved_text'), { danger: true, confirm: t('common.leave') });
}

async function changeLang(l) {
	// The page is drawn again in the other language: typed input would go.
	if (l !== i18n.getLang() && state.user && ui.hasUnsaved() && !await askLeave()) return;
	if (!i18n.setLang(l)) return;
	if (state.user) {
		try {
			const r = await api.patch('/auth/me', { language: l });
			if (r && r.user) state.user = { ...state.user, ...r.user };
			else state.user = { ...state.user, language: l };
		} catch (err) {
			ui.toast(ui.errorMessage(err), 'error');
		}
		renderShell();
		router.render();
	} else {
		authPages.renderLogin(shellApp, { onLogin: afterLogin });
	}
}

function userMenu() {
	const u = state.user;
	const menuId = 'user-menu-list';
	const btn = h('button', { type: 'button', class: 'user-button', 'aria-haspopup': 'true', 'aria-expanded': 'false', 'aria-controls': menuId },
		h('span', { class: 'user-name' }, u.display_name || u.username), ' ',
		h('span', { class: 'user-role' }, i18n.tEnum('role', u.role)));
	const list = h('ul', { class: 'menu', id: menuId, role: 'menu', hidden: true },
		h('li', { role: 'none' }, h('a', { role: 'menuitem', href: '#/profile' }, t('shell.profile'))),
		h('li', { role: 'none' }, h('button', { type: 'button', role: 'menuitem', dataset: { action: 'logout' }, onClick: logout }, t('shell.logout'))));
	const toggle = (open) => {
		list.hidden = !open;
		btn.setAttribute('aria-expanded', String(open));
		if (open) list.querySelector('[role=menuitem]').focus();
	};
	btn.addEventListener('click', () => toggle(list.hidden));
	list.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') { toggle(false); btn.focus(); } });
	list.addEventListener('click', () => toggle(false));
	document.addEventListener('click', (ev) => { if (!list.hidden && !ev.target.closest('.user')) toggle(false); });
	return h('div', { class: 'user' }, btn, list);
}

function header(withUser) {
	return h('header', { class: 'topbar' },
		h('a', { class: 'brand', href: '#/' },
			h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, '渝'),
			h('span', { class: 'brand-text' },
				h('span', { class: 'brand-name' }, t('shell.bureau')),
				h('span', { class: 'brand-sub' }, t('shell.portal')))),
		h('span', { id: 'demo-badge', class: 'badge badge-demo', hidden: !state.demo, title: t('shell.demo_hint') }, t('shell.demo')),
		h('div', { class: 'spacer' }),
		langSwitch(),
		withUser ? userMenu() : null);
}

function navItems() {
	return state.nav.map((e) => ({ href: e.href, label: i18n.pick(e, 'label'), id: e.id, order: e.order ?? 100 }))
		.sort((a, b) => a.order - b.order);
}

function renderNav() {
	const nav = document.getElementById('sidenav');
	if (!nav) return;
	const { path } = router.parseHash();
	replace(nav, h('ul', navItems().map((it) => {
		const itPath = it.href.replace(/^#/, '');
		const active = path === itPath || (itPath !== '/' && path.startsWith(`${itPath}/`));
		return h('li', h('a', { href: it.href, dataset: { nav: it.id }, 'aria-current': active ? 'page' : null }, it.label));
	})));
}

function renderBanners() {
	const box = document.getElementById('banners');
	if (!box) return;
	replace(box, state.quarantined.map((p) => h('div', { class: 'banner banner-danger', role: 'alert', dataset: { plugin: p.plugin || p.name } },
		h('strong', t(p.state === 'quarantined' ? 'shell.quarantined' : 'shell.plugin_failed', { name: p.plugin || p.name })), ' ',
		p.reason ? h('span', p.reason) : null, ' ',
		h('a', { href: '#/plugins' }, t('shell.manage_plugins')))));
}

function renderShell() {
	document.title = t('shell.bureau');
	replace(root(),
		h('a', { class: 'skip', href: '#main', onClick: (ev) => { ev.preventDefault(); document.getElementById('main').focus(); } }, t('shell.skip')),
		header(true),
		h('div', { id: 'banners' }),
		h('div', { class: 'layout' },
			h('nav', { id: 'sidenav', class: 'sidenav', 'aria-label': t('shell.menu') }),
			h('main', { id: 'main', tabindex: '-1' })),
		h('div', { id: 'toasts', class: 'toasts', 'aria-live': 'polite' }));
	renderNav();
	renderBanners();
}

/* ---- nav and plugin modules -------------------------------------------- */

// A UI module may come from a plugin (/plugins/NAME/...) or be one of the
// core's pages (/js/pages/...); nothing else is ever imported.
const MODULE_RE = /^\/(plugins\/[a-z0-9_-]+|js\/pages)\/[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*\.js$/;

function loadNav(force = false) {
	if (!state.user) return Promise.resolve();
	if (!force && Date.now() - state.navLoadedAt < 15000) return state.navLoading || Promise.resolve();
	state.navLoadedAt = Date.now();
	const p = fetchNav().finally(() => { if (state.navLoading === p) state.navLoading = null; });
	state.navLoading = p;
	return p;
}

async function fetchNav() {
	let items = [];
	try {
		const r = await api.get('/nav');
		items = Array.isArray(r) ? r : (r && (r.items || r.nav)) || [];
		if (r && (r.demo || r.demo_data)) setDemo(true);
		state.quarantined = Array.isArray(r && r.alerts) ? r.alerts : [];
	} catch (err) {
		if (err.status === 401) return;
		ui.toast(ui.errorMessage(err), 'error');
	}
	state.nav = items.filter((e) => e && e.href && typeof e.href === 'string' && e.href.startsWith('#/'));
	// Modules named by the nav: same-origin paths matching MODULE_RE only.
	const wanted = new Set(state.nav.map((e) => e.module).filter((m) => typeof m === 'string' && MODULE_RE.test(m)));
	for (const [path, mod] of state.modules) {
		if (!wanted.has(path) && mod.registered) {
			router.removeOwner(mod.owner);
			mod.registered = false;
		}
	}
	await Promise.all([...wanted].map((path) => {
		let mod = state.modules.get(path);
		if (!mod) { mod = { owner: path, registered: false, pending: null }; state.modules.set(path, mod); }
		if (mod.registered) return null;
		if (!mod.pending) {
			mod.pending = (async () => {
				try {
					const m = await import(path);
					if (typeof m.register !== 'function') throw new Error(`${path}: no register(app)`);
					await m.register(makeApp(mod.owner));
					mod.registered = true;
				} catch (err) {
					console.error('UI module failed', path, err);
					ui.toast(t('shell.module_failed', { name: path }), 'error');
				} finally {
					mod.pending = null;
				}
			})();
		}
		return mod.pending;
	}));
	renderNav();
	renderBanners();
}

/* ---- session ----------------------------------------------------------- */

async function afterLogin(resp) {
	state.user = resp.user;
	state.permissions = Array.isArray(resp.user?.permissions) ? resp.user.permissions : (Array.isArray(resp.permissions) ? resp.permissions : null);
	setCsrf(resp.csrf_token);
	if (resp.demo || resp.demo_data) setDemo(true);
	if (resp.user?.language) i18n.setLang(resp.user.language);
	if (resp.user?.must_change_password) {
		authPages.renderPasswordChange(shellApp, { forced: true, onDone: afterPasswordChange });
		return;
	}
	if (!state.permissions) {
		// The login answer has no permission list; /auth/me has.
		try {
			const me = await api.get('/auth/me', undefined, { skipHooks: true });
			if (Array.isArray(me.permissions)) state.permissions = me.permissions;
		} catch { /* role defaults */ }
	}
	renderShell();
	await loadNav(true);
	if (router.parseHash().path === '/login') location.hash = '#/';
	router.render();
}

async function afterPasswordChange() {
	// The server revokes other sessions; ours may have been renewed: ask again.
	try {
		const me = await api.get('/auth/me', undefined, { skipHooks: true });
		await afterLogin(me);
	} catch {
		showLogin(t('auth.password_changed_login'));
	}
}

function showLogin(notice) {
	state.user = null;
	state.permissions = null;
	state.nav = [];
	setCsrf(null);
	for (const mod of state.modules.values()) { if (mod.registered) router.removeOwner(mod.owner); mod.registered = false; }
	authPages.renderLogin(shellApp, { onLogin: afterLogin, notice });
}

async function logout() {
	try { await api.post('/auth/logout', {}, { skipHooks: true }); } catch { /* gone anyway */ }
	history.replaceState(null, '', '#/');
	showLogin(t('auth.logged_out'));
}

/* ---- routes of the shell ------------------------------------------------ */

function home(ctx) {
	// Until the menu and its modules are loaded, the routes are not all
	// there: wait, or the landing page would be the first core page.
	if (state.navLoading) {
		ctx.main.append(ui.loading());
		state.navLoading.then(() => { if (!ctx.stale) router.render(); });
		return;
	}
	// The report card is the landing page when there is one; else the first entry.
	const usable = navItems().filter((it) => it.href !== '#/' && router.hasRoute(it.href.replace(/^#/, '').split('?')[0]));
	const first = usable.find((it) => it.id === 'report-card' || it.href === '#/report-card') || usable[0];
	if (first) { history.replaceState(null, '', first.href); router.render(); return; }
	ctx.main.append(ui.pageHeader(t('home.title')), ui.section(null, h('p', t('home.empty'))));
}

function notFound(ctx) {
	ctx.setTitle(t('error.not_found_title'));
	ctx.main.append(ui.pageHeader(t('error.not_found_title')),
		ui.section(null, h('p', t('error.page_not_found')), h('p', h('a', { href: '#/' }, t('common.home')))));
}

function registerShellRoutes() {
	router.addRoute('/', home, 'shell');
	// The profile is reachable from the user menu even if the nav lacks it.
	router.addRoute('/profile', (ctx) => authPages.renderProfile(shellApp, ctx), 'shell');
	router.setFallback(notFound);
	router.setGuard(() => !!state.user && !!document.getElementById('sidenav'));
	router.setLeaveGuard({
		dirty: () => ui.hasUnsaved(),
		ask: askLeave,
		discard: () => ui.forgetUnsaved(),
	});
	// Closing the tab or reloading: the browser's own question.
	window.addEventListener('beforeunload', (ev) => {
		if (state.user && ui.hasUnsaved()) { ev.preventDefault(); ev.returnValue = ''; }
	});
	router.setBeforeRender((ctx) => {
		renderNav();
		loadNav(false).then(() => renderNav());
		ctx.onError = (err) => {
			if (err instanceof ApiError && err.status === 401) return;
			ctx.main.replaceChildren(ui.errorBox(err));
		};
		const main = ctx.main;
		queueMicrotask(() => { if (document.activeElement === document.body) main.focus({ preventScroll: true }); });
	});
}

/* ---- start ------------------------------------------------------------- */

async function start() {
	i18n.setLang(i18n.initialLang());
	document.documentElement.lang = i18n.getLang();
	await i18n.load('/i18n/');
	registerShellRoutes();
	router.start();
	hooks.unauthorized = () => showLogin(t('auth.session_expired'));
	hooks.passwordChange = () => authPages.renderPasswordChange(shellApp, { forced: true, onDone: afterPasswordChange });
	hooks.reauth = () => authPages.reauthDialog(shellApp, state.user, (resp) => {
		if (resp.csrf_token) setCsrf(resp.csrf_token);
	});
	try {
		const me = await api.get('/auth/me', undefined, { skipHooks: true });
		await afterLogin(me);
	} catch (err) {
		if (err.status === 403 && err.code === 'password_change_required') {
			authPages.renderPasswordChange(shellApp, { forced: true, onDone: afterPasswordChange });
		} else {
			showLogin(err.status === 401 ? null : ui.errorMessage(err));
		}
	}
}

export { header, langSwitch, state };
start();
