/**
 * The cashier UI's build: `npm run build:renderer` writes renderer/dist, which the till
 * service serves at `/` (main/api/static.ts). Shared settings: scripts/vite-browser-app.ts.
 */
import { browserApp } from '../scripts/vite-browser-app.js';

export default browserApp({ configUrl: import.meta.url, base: '/', target: 'chrome120', devPort: 5173 });
