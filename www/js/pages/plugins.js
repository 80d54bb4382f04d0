// Core page module named by the core's nav entry "plugins".
import { renderPlugins } from './admin.js';

export function register(app) {
	app.route('/plugins', (ctx) => renderPlugins(app, ctx));
}
