// i18n.js -- message catalogs (zh-CN, en) and per-language formatting.
//
// Catalogs are flat JSON objects {"key": "text with {param}"}.  The shell
// loads /i18n/zh-CN.json and /i18n/en.json; each plugin UI module loads its
// own pair with i18n.load(new URL('./i18n/', import.meta.url)).  t() falls
// back to the other language, then to the key itself (so a missing string is
// visible, not blank).

export const LANGS = ['zh-CN', 'en'];
const catalogs = { 'zh-CN': {}, en: {} };
let lang = 'zh-CN';
const listeners = new Set();

export function getLang() { return lang; }

export function setLang(l) {
	if (!LANGS.includes(l) || l === lang) return false;
	lang = l;
	document.documentElement.lang = l;
	try { localStorage.setItem('bureau.lang', l); } catch { /* private mode */ }
	for (const fn of listeners) fn(l);
	return true;
}

export function onLangChange(fn) { listeners.add(fn); return () => listeners.delete(fn); }

// The language to use before anyone has logged in: last used, else the browser's.
export function initialLang() {
	let l = null;
	try { l = localStorage.getItem('bureau.lang'); } catch { /* ignore */ }
	if (!LANGS.includes(l)) l = (navigator.language || '').toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
	return l;
}

const loaded = new Set();
export async function load(base) {
	const url = String(base).endsWith('/') ? String(base) : `${base}/`;
	if (loaded.has(url)) return;
	const parts = await Promise.all(LANGS.map(async (l) => {
		const r = await fetch(`${url}${l}.json`, { credentials: 'same-origin' });
		if (!r.ok) throw new Error(`i18n: ${url}${l}.json: HTTP ${r.status}`);
		return [l, await r.json()];
	}));
	for (const [l, cat] of parts) Object.assign(catalogs[l], cat);
	loaded.add(url);
}

export function has(key) { return key in catalogs[lang]; }

export function t(key, params) {
	let s = catalogs[lang][key];
	if (s === undefined) s = catalogs[lang === 'en' ? 'zh-CN' : 'en'][key];
	if (s === undefined) return key;
	if (params) s = s.replace(/\{(\w+)\}/g, (m, p) => (p in params ? String(params[p]) : m));
	return s;
}

// t() for an optional enum value: "stage.signed" etc., with the raw value as
// the fallback rather than the key.
export function tEnum(prefix, value) {
	if (value === null || value === undefined || value === '') return '';
	const key = `${prefix}.${value}`;
	const s = t(key);
	return s === key ? String(value) : s;
}

// Pick the label of a bilingual record: {name_zh, name_en} or {label_zh, label_en}.
export function pick(obj, base = 'name') {
	if (!obj) return '';
	const zh = obj[`${base}_zh`], en = obj[`${base}_en`];
	return (lang === 'en' ? (en || zh) : (zh || en)) || obj[base] || '';
}

/* ---- numbers, money, dates ------------------------------------------ */

const nfCache = new Map();
function nf(opts) {
	const k = lang + JSON.stringify(opts || {});
	let f = nfCache.get(k);
	if (!f) { f = new Intl.NumberFormat(lang, opts); nfCache.set(k, f); }
	return f;
}

export function fmtNumber(n, opts) {
	if (n === null || n === undefined || n === '' || Number.isNaN(Number(n))) return '—';
	return nf(opts).format(Number(n));
}

export function fmtPct(p) {
	if (p === null || p === undefined) return '—';
	return `${fmtNumber(p, { minimumFractionDigits: 1, maximumFractionDigits: 1 })}%`;
}

// Exact amount in 万元 (ledgers, titles): "171,000,000 万元" / "171,000,000 × 10k yuan".
export function fmtWan(wan) {
	if (wan === null || wan === undefined) return '—';
	return t('unit.wan_amount', { n: fmtNumber(wan) });
}

// Headline amount: zh in 亿元 ("17,100 亿元"), en in billions/trillions of
// yuan ("1.71 trillion yuan").  1 亿元 = 10,000 万元.
export function fmtYi(wan) {
	if (wan === null || wan === undefined) return '—';
	const w = Number(wan);
	if (lang === 'zh-CN') {
		// Below 1 亿元 the 万元 figure reads better than "0.0328 亿元".
		if (w !== 0 && Math.abs(w) < 10000) return fmtWan(w);
		const yi = w / 10000;
		const digits = Math.abs(yi) >= 100 ? 0 : 2;
		return t('unit.yi_amount', { n: fmtNumber(yi, { maximumFractionDigits: digits }) });
	}
	const yuan = w * 10000;
	const a = Math.abs(yuan);
	if (a >= 1e12) return t('unit.trillion_amount', { n: fmtNumber(yuan / 1e12, { maximumFractionDigits: 2 }) });
	if (a >= 1e9) return t('unit.billion_amount', { n: fmtNumber(yuan / 1e9, { maximumFractionDigits: 2 }) });
	if (a >= 1e6) return t('unit.million_amount', { n: fmtNumber(yuan / 1e6, { maximumFractionDigits: 2 }) });
	return t('unit.yuan_amount', { n: fmtNumber(yuan) });
}

// Value of an amount in the chart unit (亿元 for zh, billion yuan for en).
export function chartAmount(wan) {
	const w = Number(wan || 0);
	return lang === 'zh-CN' ? w / 10000 : w / 100000;
}
export function chartUnit() { return t('unit.chart'); }

// 'YYYY-MM-DD' -> a date in the reader's language (calendar date, no zone shift).
export function fmtDate(d) {
	if (!d) return '—';
	const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(d));
	if (!m) return String(d);
	const dt = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
	return new Intl.DateTimeFormat(lang, { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' }).format(dt);
}

// RFC 3339 timestamp -> local time in Chongqing.
export function fmtTime(ts) {
	if (!ts) return '—';
	const dt = new Date(ts);
	if (Number.isNaN(dt.getTime())) return String(ts);
	return new Intl.DateTimeFormat(lang, {
		year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit',
		timeZone: 'Asia/Shanghai',
	}).format(dt);
}

export function fmtMonth(year, month) {
	const dt = new Date(Date.UTC(year, month - 1, 1));
	return new Intl.DateTimeFormat(lang, { month: 'short', timeZone: 'UTC' }).format(dt);
}

// Today's calendar date in Chongqing, as YYYY-MM-DD.
export function today() {
	const p = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
	return p;
}
