// Core page module named by the core's nav entry "profile".
import { renderProfile } from './auth.js';

export function register(app) {
	app.route('/profile', (ctx) => renderProfile(app, ctx));
}
