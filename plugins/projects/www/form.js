// Create / edit a project.  Field errors from the API land on their input.

import { refs, officers, officerOptions } from './ref.js';

export async function renderForm(app, ctx, id) {
	const { h, t, ui, i18n } = app;
	const editing = id !== null && id !== undefined;
	ctx.setTitle(t(editing ? 'projects.edit' : 'projects.new'));
	if (!app.can('projects.write')) {
		ctx.main.append(ui.pageHeader(t(editing ? 'projects.edit' : 'projects.new')), ui.errorBox({ code: 'forbidden', status: 403 }));
		return;
	}
	let ref, p = null, staff = null;
	try {
		[ref, p, staff] = await Promise.all([refs(app), editing ? app.api.get(`/projects/${encodeURIComponent(id)}`) : null,
			// The picker is a convenience: without it the form still works.
			officers(app).catch(() => null)]);
	} catch (err) {
		ctx.main.append(ui.errorBox(err));
		return;
	}
	if (ctx.stale) return;
	if (p && p.project) p = p.project;
	const year = Number(i18n.today().slice(0, 4));
	const keyLevels = (p && p.key_levels) || {};
	const v = p || {};
	const form = h('form', { class: 'form form-grid card', novalidate: true, dataset: { form: 'project' } },
		ui.formAlert(),
		ui.field({ name: 'name_zh', label: t('projects.name_zh'), value: v.name_zh || '', maxlength: 200, help: t('projects.name_help') }),
		ui.field({ name: 'name_en', label: t('projects.name_en'), value: v.name_en || '', maxlength: 200 }),
		ui.field({ name: 'investor', label: t('projects.investor'), value: v.investor || '', required: true, maxlength: 200 }),
		ui.field({ name: 'investor_type', label: t('projects.investor_type'), type: 'select', required: true, value: v.investor_type, options: ref.options('investor_type') }),
		ui.field({ name: 'source_region', label: t('projects.source_region'), type: 'select', value: v.source_region, options: ref.options('source_region') }),
		ui.field({ name: 'industry_chain', label: t('projects.industry_chain'), type: 'select', value: v.industry_chain, options: ref.options('industry_chain') }),
		ui.field({ name: 'district', label: t('projects.district'), type: 'select', value: v.district, options: ref.options('district') }),
		staff ? ui.field({ name: 'officer_id', label: t('projects.officer'), type: 'select', blank: t('projects.officer_none'), value: v.officer_id ?? '', options: officerOptions(app, staff, v), help: t('projects.officer_help') }) : null,
		ui.field({ name: 'key_level', label: t('projects.key_level_year', { year }), type: 'select', blank: false, value: keyLevels[String(year)] || 'none', options: ref.options('key_level') }),
		ui.field({ name: 'notes', label: t('projects.notes'), type: 'textarea', value: v.notes || '', maxlength: 4000, wide: true }),
		h('div', { class: 'actions' },
			h('button', { type: 'submit', class: 'btn btn-primary' }, t('common.save')),
			ui.linkButton(t('common.cancel'), editing ? `#/projects/${encodeURIComponent(id)}` : '#/projects')));
	ui.onSubmit(form, async (vals) => {
		const body = {};
		for (const k of ['name_zh', 'name_en', 'investor', 'investor_type', 'source_region', 'industry_chain', 'district', 'notes']) {
			const val = form.elements[k].value.trim();
			if (editing) body[k] = val === '' ? (k === 'notes' || k.startsWith('name_') ? '' : null) : val;
			else if (val !== '') body[k] = val;
		}
		if (form.elements.officer_id) {
			const o = form.elements.officer_id.value;
			const officer = o === '' ? null : Number(o);
			// Sent when chosen or changed: an edit that leaves it alone
			// does not touch it (the officer may have left since).
			if (editing ? officer !== (v.officer_id ?? null) : officer !== null) body.officer_id = officer;
		}
		const kl = { ...keyLevels };
		kl[String(year)] = vals.key_level || 'none';
		if (editing || kl[String(year)] !== 'none') body.key_levels = kl;
		let saved;
		if (editing) {
			body.version = v.version;
			saved = await app.api.patch(`/projects/${encodeURIComponent(id)}`, body);
		} else {
			saved = await app.api.post('/projects', body);
		}
		const sp = saved && saved.project ? saved.project : saved;
		ui.toast(t('common.saved'), 'ok');
		app.navigate(`#/projects/${encodeURIComponent(sp && sp.id ? sp.id : id)}`);
	});
	ctx.main.append(ui.pageHeader(editing ? t('projects.edit_title', { name: i18n.pick(v) }) : t('projects.new')), form);
	form.querySelector('input').focus();
}
