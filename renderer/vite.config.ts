/**
 * The cashier UI's build: `npm run build:renderer` writes renderer/dist, which the till
 * service serves at `/` (main/api/static.ts). Relative to this file so it works from any cwd.
 */
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  // No inline scripts or styles anywhere: the CSP allows 'self' only.
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    target: 'chrome120',
    assetsInlineLimit: 0,
    sourcemap: false,
    modulePreload: { polyfill: false },
  },
  server: { port: 5173, strictPort: false },
});
