// charts.js -- Apache ECharts, served from /vendor/ (scripts/ui-vendor) and
// imported by path: the CSP has no room for an import map.  ECharts renders
// tooltips as HTML, so every tooltip here goes through a formatter that
// escapes all text it puts in (series names, category labels, values).

import { h, escapeHtml } from './h.js';
import { getLang } from './i18n.js';

let lib = null;
export function echarts() {
	if (!lib) lib = import('/vendor/echarts/echarts.esm.min.js');
	return lib;
}

const PALETTE = ['#1f5fa8', '#c23b22', '#2e8b57', '#d48a00', '#6a4c93', '#1b998b', '#8c564b', '#e377c2', '#7f7f7f', '#17becf'];

// Create a chart in a fresh container; returns the container at once and
// fills it when ECharts has loaded.  ctx.cleanup disposes it.
export function chart(ctx, option, { height = 'md', label = '' } = {}) {
	const box = h('div', { class: ['chart', `chart-${height}`], role: 'img', 'aria-label': label || null });
	echarts().then((ec) => {
		if (ctx.stale) return;
		const inst = ec.init(box, null, { renderer: 'canvas', locale: getLang() === 'en' ? 'EN' : 'ZH' });
		inst.setOption({ color: PALETTE, animation: false, textStyle: { fontFamily: 'inherit' }, ...option });
		const ro = new ResizeObserver(() => inst.resize());
		ro.observe(box);
		ctx.cleanup(() => { ro.disconnect(); inst.dispose(); });
	}).catch((err) => {
		box.replaceChildren(h('p', { class: 'error-box' }, String(err.message || err)));
	});
	return box;
}

// Tooltip formatters: fmt(value, param) -> plain text.  No series markers:
// ECharts draws them as <span style=…>, which the CSP blocks.
export function axisTip(fmt) {
	return (params) => {
		const list = Array.isArray(params) ? params : [params];
		if (!list.length) return '';
		const head = escapeHtml(list[0].axisValueLabel ?? list[0].name ?? '');
		const rows = list.map((p) => `${escapeHtml(p.seriesName)}: <b>${escapeHtml(fmt(p.value, p))}</b>`);
		return [head, ...rows].join('<br>');
	};
}

export function itemTip(fmt) {
	return (p) => `${escapeHtml(p.seriesName || '')}<br>${escapeHtml(p.name)}: <b>${escapeHtml(fmt(p.value, p))}</b>`;
}
