// stack.mjs -- start the real bureau stack (bureaud + nginx) for a browser
// test through the Python integration harness (portal_stack.py), and talk
// to it: bureauctl, add_user, sql, stop.
//
//   const stack = await startStack();      // demo data, one user per role
//   stack.baseURL, stack.users.admin.{username,password}
//   await stack.bureauctl('plugin', 'disable', 'expos');
//   await stack.stop();

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, '..', '..');

export async function startStack({ plugins = [], crashesExpected = false, timeoutMs = 180000 } = {}) {
	const env = { ...process.env };
	if (!env.BUREAU_BUILDDIR) env.BUREAU_BUILDDIR = path.join(repo, 'build');
	const args = [...plugins, ...(crashesExpected ? ['--crashes-expected'] : [])];
	const child = spawn('python3', [path.join(here, 'portal_stack.py'), ...args], {
		cwd: repo, env, stdio: ['pipe', 'pipe', 'pipe'],
	});
	let stderr = '';
	child.stderr.on('data', (d) => { stderr = (stderr + d.toString()).slice(-8000); });
	const lines = createInterface({ input: child.stdout });
	const queue = [];
	const waiters = [];
	lines.on('line', (l) => {
		let msg;
		try { msg = JSON.parse(l); } catch { return; }   // not ours
		const w = waiters.shift();
		if (w) w.resolve(msg); else queue.push(msg);
	});
	const exited = new Promise((resolve) => child.on('exit', (code, sig) => {
		for (const w of waiters.splice(0)) w.reject(new Error(`stack exited (${code ?? sig}): ${stderr}`));
		resolve(code ?? sig);
	}));
	const next = (ms) => new Promise((resolve, reject) => {
		if (queue.length) { resolve(queue.shift()); return; }
		const timer = setTimeout(() => reject(new Error(`stack: no answer in ${ms} ms\n${stderr}`)), ms);
		waiters.push({
			resolve: (m) => { clearTimeout(timer); resolve(m); },
			reject: (e) => { clearTimeout(timer); reject(e); },
		});
	});

	const ready = await next(timeoutMs);
	if (!ready.ready) {
		child.kill('SIGTERM');
		throw new Error(`stack did not start: ${ready.error}\n${stderr}`);
	}
	let chain = Promise.resolve();
	const command = (obj, ms = 120000) => {
		const p = chain.then(() => {
			child.stdin.write(`${JSON.stringify(obj)}\n`);
			return next(ms);
		});
		chain = p.catch(() => {});
		return p;
	};
	return {
		baseURL: ready.base_url,
		users: ready.users,
		plugins: ready.plugins,
		missingPlugins: ready.missing_plugins || [],
		demo: ready.demo,
		dir: ready.dir,
		bureauctl: (...args) => command({ op: 'bureauctl', args }),
		addUser: (username, role, password) => command({ op: 'add_user', username, role, password }),
		sql: (query, params = []) => command({ op: 'sql', query, params }),
		log: (n = 60) => command({ op: 'log', lines: n }),
		setClock: (offset) => command({ op: 'set_clock', offset }),
		get stderr() { return stderr; },
		async stop() {
			if (child.exitCode !== null) return;
			try { child.stdin.write(`${JSON.stringify({ op: 'stop' })}\n`); child.stdin.end(); } catch { /* closed */ }
			const t = setTimeout(() => child.kill('SIGKILL'), 60000);
			await exited;
			clearTimeout(t);
		},
	};
}
