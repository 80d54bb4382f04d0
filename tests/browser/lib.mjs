// lib.mjs -- helpers of the browser tests: Chromium through playwright-core,
// screenshots on failure, CSP violation capture, API probes.

import { mkdirSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { repo } from './stack.mjs';

export const CHROMIUM = process.env.BUREAU_CHROMIUM || '/usr/bin/chromium';
export const RESULTS = path.join(repo, 'test-results');

// Debian's Chromium, headless, quiet, with a throwaway profile.
// (Playwright's launch() always starts from a fresh temporary profile;
// --user-data-dir is its own, so it is not passed here.)
export async function launch() {
	if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install chromium (or set BUREAU_CHROMIUM)`);
	const downloads = mkdtempSync(path.join(tmpdir(), 'bureau-dl-'));
	const browser = await chromium.launch({
		executablePath: CHROMIUM,
		headless: true,
		downloadsPath: downloads,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
			'--disable-background-networking', '--disable-component-update', '--disable-sync',
			'--disable-dev-shm-usage'],
	});
	const close = browser.close.bind(browser);
	browser.close = async () => { await close(); rmSync(downloads, { recursive: true, force: true }); };
	return browser;
}

// A page with CSP violations and page errors recorded in page.problems.
export async function newPage(browser, baseURL, { locale = 'zh-CN' } = {}) {
	const context = await browser.newContext({ baseURL, locale, viewport: { width: 1366, height: 900 }, acceptDownloads: true });
	const page = await context.newPage();
	page.problems = [];
	page.on('pageerror', (err) => page.problems.push(`pageerror: ${err.message}`));
	page.on('console', (msg) => {
		const text = msg.text();
		if (/Content Security Policy|Refused to/i.test(text)) page.problems.push(`csp: ${text}`);
	});
	await context.addInitScript(() => {
		document.addEventListener('securitypolicyviolation', (e) => {
			(window.__csp = window.__csp || []).push(`${e.violatedDirective} ${e.blockedURI}`);
		});
	});
	page.setDefaultTimeout(15000);
	return page;
}

export async function cspViolations(page) {
	const inPage = await page.evaluate(() => window.__csp || []).catch(() => []);
	return [...page.problems, ...inPage];
}

function safeName(s) {
	return s.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 100);
}

// Run fn; on failure save a full-page screenshot into test-results/.
export async function withShot(page, name, fn) {
	try {
		return await fn();
	} catch (err) {
		try {
			mkdirSync(RESULTS, { recursive: true });
			const file = path.join(RESULTS, `${safeName(name)}.png`);
			await page.screenshot({ path: file, fullPage: true });
			err.message += `\n(screenshot: ${path.relative(repo, file)})`;
		} catch { /* page gone */ }
		throw err;
	}
}

export async function login(page, username, password) {
	await page.goto('/');
	await page.locator('form input[name=username]').fill(username);
	await page.locator('form input[name=password]').fill(password);
	await page.locator('form button[type=submit]').click();
	await page.locator('header.topbar .user-button, form input[name=new]').first().waitFor();
	if (await page.locator('form input[name=new]').count()) {
		// A temporary password: the forced change page.
		const fresh = `${password}-renewed`;
		await page.locator('input[name=current]').fill(password);
		await page.locator('input[name=new]').fill(fresh);
		await page.locator('input[name=confirm]').fill(fresh);
		await page.locator('form button[type=submit]').click();
		await page.locator('header.topbar .user-button').waitFor();
		return fresh;
	}
	return password;
}

export async function logout(page) {
	await page.locator('header.topbar .user-button').click();
	await page.locator('[data-action=logout]').click();
	await page.locator('form input[name=username]').waitFor();
}

// The API through the browser's session (cookies shared with the page).
export async function api(page, method, urlPath, body) {
	const me = await page.request.get('/api/v1/auth/me');
	const csrf = me.ok() ? (await me.json()).csrf_token : undefined;
	const headers = { Accept: 'application/json' };
	if (csrf && method !== 'GET') headers['X-CSRF-Token'] = csrf;
	const base = new URL(page.url()).origin;
	if (method !== 'GET') headers.Origin = base;
	const r = await page.request.fetch(urlPath, { method, headers, data: body === undefined ? undefined : body, failOnStatusCode: false });
	let json = null;
	try { json = await r.json(); } catch { json = null; }
	return { status: r.status(), json };
}

// Whether the backend serves a route yet: list and summary routes never
// answer 404 once they exist, so a 404 (or 405) means "not built yet".
export async function routeExists(page, urlPath, method = 'GET') {
	const r = await api(page, method, urlPath, method === 'GET' ? undefined : {});
	return r.status !== 404 && r.status !== 405;
}

export async function goto(page, hash) {
	await page.evaluate((h) => { location.hash = h; }, hash);
}
