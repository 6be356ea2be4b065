/**
 * The member's own page (docs/member-page.md): `npm run build:member-app` writes
 * headoffice/member/dist, which head office serves at `/m/` (headoffice/http/member-app.ts)
 * under the same strict CSP as headoffice/app. Relative to this file so it works from any cwd.
 */
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/m/',
  plugins: [react()],
  // No inline scripts or styles anywhere: the CSP allows 'self' only.
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    target: 'chrome100',
    assetsInlineLimit: 0,
    sourcemap: false,
    modulePreload: { polyfill: false },
  },
  server: { port: 5175, strictPort: false, proxy: { '/v1': 'http://127.0.0.1:7430' } },
});
