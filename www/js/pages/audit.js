// Core page module named by the core's nav entry "audit".
import { renderAudit } from './admin.js';

export function register(app) {
	app.route('/audit', (ctx) => renderAudit(app, ctx));
}
