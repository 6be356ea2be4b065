/**
 * The member's own page (docs/member-page.md): `npm run build:member-app` writes
 * headoffice/member/dist, which head office serves at `/m/` (headoffice/http/member-app.ts)
 * under the same strict CSP as headoffice/app. Shared settings: scripts/vite-browser-app.ts.
 */
import { browserApp } from '../../scripts/vite-browser-app.js';

export default browserApp({
  configUrl: import.meta.url,
  base: '/m/',
  target: 'chrome100',
  devPort: 5175,
  headOfficeApi: true,
});
