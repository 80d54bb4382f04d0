// Reference lists (districts, source regions, industry chains, enums) from
// GET /api/v1/projects/reference, fetched once per page load.

let cache = null;

export function loadRef(app) {
	if (!cache) {
		cache = app.api.get('/projects/reference').catch((err) => { cache = null; throw err; });
	}
	return cache;
}

function byCode(list) {
	const m = new Map();
	for (const x of list || []) m.set(x.code, x);
	return m;
}

// Helpers bound to the loaded reference: labels and <select> options.
export async function refs(app) {
	const r = await loadRef(app);
	const maps = {
		district: byCode(r.districts),
		source_region: byCode(r.source_regions),
		industry_chain: byCode(r.industry_chains),
	};
	const label = (kind, code) => {
		if (code === null || code === undefined || code === '') return '—';
		const m = maps[kind];
		if (m) { const x = m.get(code); return x ? app.i18n.pick(x) : String(code); }
		return app.i18n.tEnum(kind, code);
	};
	const options = (kind) => {
		if (maps[kind]) {
			return [...maps[kind].values()].map((x) => ({
				value: x.code,
				label: (kind === 'source_region' && x.parent ? '— ' : '') + app.i18n.pick(x),
			}));
		}
		const enums = {
			stage: r.stages, investor_type: r.investor_types, key_level: r.key_levels,
			problem_category: r.problem_categories, problem_status: r.problem_statuses, escalation: r.escalations,
		};
		return (enums[kind] || []).map((v) => ({ value: v, label: app.i18n.tEnum(kind, v) }));
	};
	return { raw: r, label, options };
}

// Who may be a project's responsible officer (GET /api/v1/projects/officers:
// active admins and officers), fetched afresh for each form and list.
export async function officers(app) {
	const r = await app.api.get('/projects/officers');
	return (r && r.items) || [];
}

export function officerLabel(o) {
	return `${o.display_name || o.username} (${o.username})${o.title ? ` · ${o.title}` : ''}`;
}

// <select> options; a project's current officer who is no longer in the
// list (left, or no longer an officer) stays selectable, marked.
export function officerOptions(app, list, project) {
	const opts = list.map((o) => ({ value: o.id, label: officerLabel(o) }));
	if (project && project.officer_id && !list.some((o) => o.id === project.officer_id)) {
		opts.push({ value: project.officer_id, label: app.t('projects.officer_inactive', { name: project.officer_name || `#${project.officer_id}` }) });
	}
	return opts;
}
