// CSV import: pick a file, check it (dry run: row errors in a table), then
// import it with a progress bar (upload progress from XHR, then an
// indeterminate bar while the server works) and a result summary.

export async function renderImport(app, ctx) {
	const { h, t, ui, i18n } = app;
	ctx.setTitle(t('import.title'));
	if (!app.can('projects.write')) {
		ctx.main.append(ui.pageHeader(t('import.title')), ui.errorBox({ code: 'forbidden', status: 403 }));
		return;
	}
	const fileField = ui.field({ name: 'file', label: t('import.file'), type: 'file', accept: '.csv,text/csv', required: true, help: t('import.file_help') });
	const input = fileField.querySelector('input');
	const progress = h('progress', { max: '100', value: '0', 'aria-label': t('import.progress'), id: 'import-progress' });
	const progressText = h('span', { class: 'small muted', role: 'status' });
	const progressBox = h('div', { class: 'progress-box', hidden: true }, progress, progressText);
	const result = h('div', { class: 'import-result', 'aria-live': 'polite' });
	const checkBtn = h('button', { type: 'button', class: 'btn btn-secondary', dataset: { action: 'check' } }, t('import.check'));
	const importBtn = h('button', { type: 'button', class: 'btn btn-primary', dataset: { action: 'import' } }, t('import.import'));
	const form = h('form', { class: 'form card', novalidate: true }, ui.formAlert(), fileField,
		h('div', { class: 'actions' }, checkBtn, importBtn, ui.linkButton(t('common.back'), '#/projects')));
	form.addEventListener('submit', (ev) => ev.preventDefault());
	ctx.main.append(ui.pageHeader(t('import.title')), h('p', { class: 'lead' }, t('import.intro')), form, progressBox, result);

	const setProgress = (frac) => {
		progressBox.hidden = false;
		if (frac === null) {
			progress.removeAttribute('value');   // indeterminate: the server is working
			progressText.textContent = t('import.server_working');
		} else {
			progress.value = Math.round(frac * 100);
			progressText.textContent = t('import.uploading', { pct: Math.round(frac * 100) });
		}
	};

	const errorTable = (errors) => ui.table([
		{ key: 'row', label: t('import.row'), num: true, render: (e) => (e.row ?? e.line ?? '—') },
		{ key: 'column', label: t('import.column'), render: (e) => e.column ?? e.field ?? '—' },
		{ key: 'message', label: t('import.message'), render: (e) => e.message ?? e.error ?? '' },
	], errors, { rowClass: () => 'error-row', caption: t('import.errors', { n: errors.length }) });

	const run = async (dryRun) => {
		ui.clearErrors(form);
		const file = input.files && input.files[0];
		if (!file) {
			ui.showError(form, { field: 'file', code: 'validation_failed', message: t('import.no_file') });
			return;
		}
		checkBtn.disabled = true;
		importBtn.disabled = true;
		result.replaceChildren();
		setProgress(0);
		try {
			const r = await app.api.upload('/projects/import', file, {
				params: { mode: dryRun ? 'dry_run' : 'commit' },
				contentType: 'text/csv',
				onProgress: setProgress,
			});
			progress.value = 100;
			progressText.textContent = t('import.done');
			const errors = Array.isArray(r?.errors) ? r.errors : [];
			const rows = r?.rows ?? r?.total_rows ?? r?.row_count;
			const valid = r?.valid;
			if (dryRun) {
				result.replaceChildren(ui.section(t('import.preview'),
					h('p', { dataset: { result: errors.length ? 'errors' : 'ok' } },
						errors.length ? t('import.preview_errors', { n: errors.length, rows: rows ?? '?' }) : t('import.preview_ok', { rows: rows ?? '?' })),
					errors.length ? errorTable(errors) : null,
					previewTable(r)));
			} else {
				const n = r?.imported ?? r?.created ?? r?.rows ?? 0;
				result.replaceChildren(ui.section(t('import.result'),
					h('p', { class: 'notice', dataset: { result: 'imported' } }, t('import.imported', { n: i18n.fmtNumber(n) })),
					h('p', h('a', { href: '#/projects?sort=-signed_on' }, t('import.to_list')))));
			}
		} catch (err) {
			progressBox.hidden = true;
			const errors = Array.isArray(err.body?.errors) ? err.body.errors : Array.isArray(err.body?.error?.errors) ? err.body.error.errors : [];
			result.replaceChildren(ui.section(t('import.failed'),
				h('p', { class: 'form-alert', role: 'alert', dataset: { result: 'failed' } }, ui.errorMessage(err)),
				errors.length ? errorTable(errors) : null));
		} finally {
			checkBtn.disabled = false;
			importBtn.disabled = false;
		}
	};
	const previewTable = (r) => {
		const rows = Array.isArray(r?.preview) ? r.preview : Array.isArray(r?.items) ? r.items : [];
		if (!rows.length) return null;
		const keys = Object.keys(rows[0]).slice(0, 8);
		return h('details', h('summary', t('import.preview_rows', { n: rows.length })),
			ui.table(keys.map((k) => ({ key: k, label: k, render: (x) => (typeof x[k] === 'object' && x[k] !== null ? JSON.stringify(x[k]) : String(x[k] ?? '')) })), rows.slice(0, 50)));
	};
	checkBtn.addEventListener('click', () => run(true));
	importBtn.addEventListener('click', () => run(false));
}
