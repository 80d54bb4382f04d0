// api.js -- the JSON client for /api/v1/.
//
// Same-origin fetch with the session cookie; X-CSRF-Token on every unsafe
// method (the token comes from the login and /auth/me responses).  Errors are
// ApiError {status, code, message, field}.  Two answers are handled here so
// that no page has to: 403 reauth_required asks the user to log in again
// (hooks.reauth, a dialog) and retries the request once; 401 and
// 403 password_change_required are handed to hooks (the shell switches to the
// login / password-change page).

export class ApiError extends Error {
	constructor(status, code, message, field, body) {
		super(message || code || `HTTP ${status}`);
		this.status = status;
		this.code = code || `http_${status}`;
		this.field = field || null;
		this.body = body || null;
	}
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
let csrfToken = null;
export const hooks = {
	reauth: null,            // async () => boolean (true: logged in again, retry)
	unauthorized: null,      // () => void
	passwordChange: null,    // () => void
};

export function setCsrf(tok) { csrfToken = tok || null; }
export function getCsrf() { return csrfToken; }

export function qs(params) {
	if (!params) return '';
	const u = new URLSearchParams();
	for (const [k, v] of Object.entries(params)) {
		if (v === undefined || v === null || v === '') continue;
		u.append(k, String(v));
	}
	const s = u.toString();
	return s ? `?${s}` : '';
}

async function parse(res) {
	const type = res.headers.get('content-type') || '';
	if (res.status === 204) return null;
	if (type.includes('json')) {
		try { return await res.json(); } catch { return null; }
	}
	const text = await res.text();
	return text ? { text } : null;
}

function toError(status, body) {
	const e = body && body.error ? body.error : {};
	return new ApiError(status, e.code, e.message, e.field, body);
}

async function raw(method, path, { body, params, headers = {}, skipHooks = false } = {}) {
	const h = { Accept: 'application/json', ...headers };
	let payload = body === null ? undefined : body;   // null: no body at all
	if (body !== undefined && body !== null && !(body instanceof Blob) && typeof body !== 'string' && !(body instanceof FormData)) {
		h['Content-Type'] = 'application/json';
		payload = JSON.stringify(body);
	}
	if (UNSAFE.has(method) && csrfToken) h['X-CSRF-Token'] = csrfToken;
	let res;
	try {
		res = await fetch(`/api/v1${path}${qs(params)}`, {
			method, headers: h, body: payload, credentials: 'same-origin', cache: 'no-store',
		});
	} catch (err) {
		throw new ApiError(0, 'network_error', err.message);
	}
	const data = await parse(res);
	if (res.ok) return data;
	const err = toError(res.status, data);
	if (skipHooks) throw err;
	return handle(err, () => raw(method, path, { body, params, headers, skipHooks: true }));
}

async function handle(err, retry) {
	if (err.status === 403 && err.code === 'reauth_required' && hooks.reauth) {
		if (await hooks.reauth()) return retry();
	} else if (err.status === 401 && hooks.unauthorized) {
		hooks.unauthorized();
	} else if (err.status === 403 && err.code === 'password_change_required' && hooks.passwordChange) {
		hooks.passwordChange();
	}
	throw err;
}

// An export (CSV, XLSX) at a same-origin URL: its bytes and the file name
// the server gave, or an ApiError as from any call (hooks included).
async function download(url) {
	let res;
	try {
		res = await fetch(url, { credentials: 'same-origin', cache: 'no-store' });
	} catch (err) {
		throw new ApiError(0, 'network_error', err.message);
	}
	if (!res.ok) return handle(toError(res.status, await parse(res)), () => download(url));
	const name = /filename="([^"]+)"/.exec(res.headers.get('Content-Disposition') || '')?.[1] || 'export';
	return { blob: await res.blob(), name };
}

export const api = {
	get: (path, params, opts) => raw('GET', path, { params, ...opts }),
	post: (path, body, opts) => raw('POST', path, { body: body === undefined ? {} : body, ...opts }),
	put: (path, body, opts) => raw('PUT', path, { body, ...opts }),
	patch: (path, body, opts) => raw('PATCH', path, { body, ...opts }),
	del: (path, opts) => raw('DELETE', path, opts),
	raw,
	download,

	// Upload a body with progress (fetch cannot report upload progress).
	// onProgress(fraction 0..1, or null once the body is sent and the server works).
	upload(path, body, { params, contentType = 'text/csv; charset=utf-8', onProgress, skipHooks = false } = {}) {
		const attempt = (retried) => new Promise((resolve, reject) => {
			const xhr = new XMLHttpRequest();
			xhr.open('POST', `/api/v1${path}${qs(params)}`);
			xhr.withCredentials = true;
			xhr.setRequestHeader('Content-Type', contentType);
			xhr.setRequestHeader('Accept', 'application/json');
			if (csrfToken) xhr.setRequestHeader('X-CSRF-Token', csrfToken);
			xhr.upload.onprogress = (ev) => {
				if (onProgress && ev.lengthComputable) onProgress(ev.loaded / ev.total);
			};
			xhr.upload.onload = () => { if (onProgress) onProgress(null); };
			xhr.onerror = () => reject(new ApiError(0, 'network_error', 'network error'));
			xhr.onload = () => {
				let data = null;
				try { data = xhr.responseText ? JSON.parse(xhr.responseText) : null; } catch { data = null; }
				if (xhr.status >= 200 && xhr.status < 300) { resolve(data); return; }
				const err = toError(xhr.status, data);
				if (retried || skipHooks) { reject(err); return; }
				handle(err, () => attempt(true)).then(resolve, reject);
			};
			xhr.send(body);
		});
		return attempt(false);
	},
};
