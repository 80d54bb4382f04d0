// Create / edit a project.  Field errors from the API land on their input.

import { refs } from './ref.js';

export async function renderForm(app, ctx, id) {
	const { h, t, ui, i18n } = app;
	const editing = id !== null && id !== undefined;
	ctx.setTitle(t(editing ? 'projects.edit' : 'projects.new'));
	if (!app.can('projects.write')) {
		ctx.main.append(ui.pageHeader(t(editing ? 'projects.edit' : 'projects.new')), ui.errorBox({ code: 'forbidden', status: 403 }));
		return;
	}
	let ref, p = null;
	try {
		[ref, p] = await Promise.all([refs(app), editing ? app.api.get(`/projects/${encodeURIComponent(id)}`) : null]);
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
