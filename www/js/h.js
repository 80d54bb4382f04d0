// h.js -- the view helper: build DOM elements from data.
//
// h(tag, attrs, ...children) creates an element.  Children that are strings
// or numbers become text nodes (never parsed as HTML); arrays are flattened;
// null, undefined and false are skipped.  Attributes:
//   class     string or array of strings (falsy entries dropped)
//   onX       a function: addEventListener('x', fn)
//   dataset   object -> data-* attributes
//   text      sets textContent
//   true/false/null booleans: present/absent attribute
//   value, checked, selected, disabled, hidden: set as properties too
// There is no way to pass HTML through this helper: that is the point.
// Style attributes are refused (the CSP forbids them); use classes.

const PROPS = new Set(['value', 'checked', 'selected', 'disabled', 'hidden', 'indeterminate', 'multiple']);

export function h(tag, attrs, ...children) {
	const el = document.createElement(tag);
	if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
		children.unshift(attrs);
		attrs = null;
	}
	if (attrs) {
		for (const [k, v] of Object.entries(attrs)) {
			if (v === undefined || v === null || v === false) {
				if (PROPS.has(k) && k !== 'value') el[k] = false;
				continue;
			}
			if (k === 'class') {
				const list = Array.isArray(v) ? v.filter(Boolean) : String(v).split(/\s+/).filter(Boolean);
				if (list.length) el.classList.add(...list);
			} else if (k === 'style') {
				throw new Error('h(): style attributes are blocked by the CSP; use a class');
			} else if (k === 'dataset') {
				for (const [dk, dv] of Object.entries(v)) el.dataset[dk] = String(dv);
			} else if (k === 'text') {
				el.textContent = String(v);
			} else if (k.startsWith('on') && typeof v === 'function') {
				el.addEventListener(k.slice(2).toLowerCase(), v);
			} else if (k === 'innerHTML' || k === 'outerHTML') {
				throw new Error('h(): HTML is never set from data');
			} else if (PROPS.has(k)) {
				el[k] = v === true ? true : v;
				if (k !== 'value' && v === true) el.setAttribute(k, '');
			} else if (v === true) {
				el.setAttribute(k, '');
			} else {
				el.setAttribute(k, String(v));
			}
		}
	}
	append(el, children);
	return el;
}

export function append(el, children) {
	for (const c of children) {
		if (c === null || c === undefined || c === false) continue;
		if (Array.isArray(c)) append(el, c);
		else if (c instanceof Node) el.appendChild(c);
		else el.appendChild(document.createTextNode(String(c)));
	}
	return el;
}

// Replace every child of el with children.
export function replace(el, ...children) {
	el.replaceChildren();
	return append(el, children);
}

// Escape text for the few places that must produce an HTML string: ECharts
// tooltip formatters (ECharts renders tooltips as HTML).
export function escapeHtml(s) {
	return String(s ?? '').replace(/[&<>"'`]/g, (c) => ({
		'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;',
	})[c]);
}

let uid = 0;
export function nextId(prefix = 'id') {
	uid += 1;
	return `${prefix}-${uid}`;
}
