// files.test.mjs -- checks that need no browser: every UI file is listed in
// www/local.mk (make install / make dist), both catalogs of every module
// hold the same keys, no markup carries inline script or style, and the
// code never assigns HTML.

import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import path from 'node:path';
import { repo } from './stack.mjs';

function walk(dir) {
	const out = [];
	for (const e of readdirSync(dir)) {
		const p = path.join(dir, e);
		const st = statSync(p, { throwIfNoEntry: false });
		if (!st) continue;
		if (st.isDirectory()) out.push(...walk(p));
		else out.push(p);
	}
	return out;
}

const uiDirs = ['www', ...readdirSync(path.join(repo, 'plugins')).map((p) => path.join('plugins', p, 'www'))]
	.filter((d) => existsSync(path.join(repo, d)));
const uiFiles = uiDirs.flatMap((d) => walk(path.join(repo, d)))
	.map((f) => path.relative(repo, f))
	.filter((f) => !f.startsWith('www/vendor/') && !f.startsWith('www/plugins/') && /\.(js|json|css|html|svg)$/.test(f));

it('every UI file is installed by www/local.mk', () => {
	const mk = readFileSync(path.join(repo, 'www/local.mk'), 'utf8');
	const missing = uiFiles.filter((f) => !mk.includes(f));
	assert.deepEqual(missing, []);
});

it('zh-CN and en catalogs have the same keys', () => {
	for (const f of uiFiles.filter((x) => x.endsWith('/zh-CN.json'))) {
		const zh = JSON.parse(readFileSync(path.join(repo, f), 'utf8'));
		const en = JSON.parse(readFileSync(path.join(repo, f.replace('zh-CN.json', 'en.json')), 'utf8'));
		const a = Object.keys(zh).filter((k) => !(k in en));
		const b = Object.keys(en).filter((k) => !(k in zh));
		assert.deepEqual([a, b], [[], []], f);
	}
});

it('every t() key used by a module is in its catalogs or the shell\'s', () => {
	const shell = JSON.parse(readFileSync(path.join(repo, 'www/i18n/en.json'), 'utf8'));
	for (const dir of uiDirs) {
		const catFile = path.join(repo, dir, 'i18n', 'en.json');
		const own = existsSync(catFile) && dir !== 'www' ? JSON.parse(readFileSync(catFile, 'utf8')) : {};
		const js = walk(path.join(repo, dir)).filter((f) => f.endsWith('.js') && !f.includes('/vendor/') && !f.includes(`${path.sep}www${path.sep}plugins${path.sep}`));
		for (const f of js) {
			const src = readFileSync(f, 'utf8');
			for (const m of src.matchAll(/\bt\('([a-z_]+\.[a-z0-9_]+)'/g)) {
				assert.ok(m[1] in own || m[1] in shell, `${path.relative(repo, f)}: ${m[1]} missing`);
			}
		}
	}
});

it('no inline script, inline style or HTML assignment', () => {
	for (const f of uiFiles) {
		const src = readFileSync(path.join(repo, f), 'utf8');
		if (f.endsWith('.html')) {
			assert.doesNotMatch(src, /<script(?![^>]*\bsrc=)[^>]*>/i, `${f}: inline script`);
			assert.doesNotMatch(src, /\sstyle=|<style/i, `${f}: inline style`);
			assert.doesNotMatch(src, /\son[a-z]+=/i, `${f}: inline handler`);
		}
		if (f.endsWith('.js')) {
			assert.doesNotMatch(src, /\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write/, `${f}: HTML from strings`);
			assert.doesNotMatch(src, /setAttribute\(\s*['"]style['"]/, `${f}: style attribute`);
		}
	}
});
