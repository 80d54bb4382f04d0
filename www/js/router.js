// router.js -- a hash router: '#/projects', '#/projects/123?tab=ledger'.
//
// Patterns are paths with ':name' parameters.  Each route belongs to an owner
// (the shell, or a plugin's UI module) so that a plugin's routes can be
// dropped when the plugin is disabled.  A render function gets a context:
//   { params, query, main, owner, cleanup(fn), setTitle(s), signal }
// and fills ctx.main.  Cleanups (chart disposal, timers) run before the next
// render.  ctx.signal aborts when the user has moved on, so a slow request
// does not paint a page the user already left.

const routes = [];
let current = null;     // { cleanups: [], controller }
let fallback = null;
let beforeRender = null;
let guard = () => true;
let leaveGuard = null;   // { dirty(), ask() -> Promise<bool>, discard() }

function compile(pattern) {
	const keys = [];
	const src = pattern.replace(/\/+$/, '').split('/').map((part) => {
		if (part.startsWith(':')) { keys.push(part.slice(1)); return '([^/]+)'; }
		return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
	}).join('/');
	return { regex: new RegExp(`^${src || ''}/?$`), keys };
}

export function addRoute(pattern, render, owner = 'shell') {
	removeRoute(pattern);
	const { regex, keys } = compile(pattern);
	routes.push({ pattern, regex, keys, render, owner });
	// Static segments win over parameters: '/projects/new' before '/projects/:id'.
	routes.sort((a, b) => (a.keys.length - b.keys.length) || (b.pattern.length - a.pattern.length));
}

export function removeRoute(pattern) {
	const i = routes.findIndex((r) => r.pattern === pattern);
	if (i >= 0) routes.splice(i, 1);
}

export function removeOwner(owner) {
	for (let i = routes.length - 1; i >= 0; i -= 1) if (routes[i].owner === owner) routes.splice(i, 1);
}

export function hasRoute(path) { return routes.some((r) => r.regex.test(path)); }

export function setFallback(fn) { fallback = fn; }
export function setBeforeRender(fn) { beforeRender = fn; }
// Rendering happens only while guard() is true (the shell: a user is signed in).
export function setGuard(fn) { guard = fn; }
// Consulted before the user leaves a page by a link, the address bar or the
// back button: when dirty(), ask() decides; while it asks, the address shows
// the page the user is still on.
export function setLeaveGuard(g) { leaveGuard = g; }

export function parseHash(hash = location.hash) {
	const s = hash.replace(/^#/, '') || '/';
	const q = s.indexOf('?');
	const path = q >= 0 ? s.slice(0, q) : s;
	const query = Object.fromEntries(new URLSearchParams(q >= 0 ? s.slice(q + 1) : ''));
	return { path: path.startsWith('/') ? path : `/${path}`, query };
}

export function navigate(hash) {
	const target = hash.startsWith('#') ? hash : `#${hash}`;
	if (location.hash === target) render();
	else location.hash = target;
}

// Change the query of the current page without re-rendering it.
export function setQuery(query) {
	const { path } = parseHash();
	const u = new URLSearchParams();
	for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') u.append(k, v);
	const s = u.toString();
	history.replaceState(null, '', `#${path}${s ? `?${s}` : ''}`);
}

export async function render(mainEl) {
	const main = mainEl || document.getElementById('main');
	if (!main || !guard()) return;
	if (current) {
		current.controller.abort();
		for (const fn of current.cleanups) { try { fn(); } catch { /* ignore */ } }
	}
	const controller = new AbortController();
	const me = { cleanups: [], controller };
	current = me;
	const { path, query } = parseHash();
	let match = null, params = {};
	for (const r of routes) {
		const m = r.regex.exec(path);
		if (m) {
			match = r;
			r.keys.forEach((k, i) => { params[k] = decodeURIComponent(m[i + 1]); });
			break;
		}
	}
	const ctx = {
		path, params, query, main, owner: match ? match.owner : null,
		signal: controller.signal,
		cleanup: (fn) => me.cleanups.push(fn),
		setTitle: (s) => { document.title = s; },
		get stale() { return current !== me; },
	};
	if (beforeRender) beforeRender(ctx);
	main.replaceChildren();
	main.setAttribute('aria-busy', 'true');
	try {
		if (match) await match.render(ctx);
		else if (fallback) await fallback(ctx);
	} catch (err) {
		if (current === me && ctx.onError) ctx.onError(err);
		else if (current === me) throw err;
	} finally {
		if (current === me) main.removeAttribute('aria-busy');
	}
}

export function start() {
	window.addEventListener('hashchange', async (ev) => {
		if (leaveGuard && leaveGuard.dirty()) {
			const to = location.hash;
			// Back to the page the user is on (replaceState fires no
			// hashchange), then ask; going on clears the changes.
			history.replaceState(null, '', ev.oldURL);
			if (!await leaveGuard.ask()) return;
			leaveGuard.discard();
			location.hash = to;
			return;
		}
		render();
	});
}
