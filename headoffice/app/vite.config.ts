/**
 * Head office's web application (the programme dashboard): `npm run build:hq-app` writes
 * headoffice/app/dist, which head office serves at `/` (headoffice/http/app.ts) under a strict
 * CSP. Relative to this file so it works from any cwd; modelled on renderer/vite.config.ts.
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
    // echarts/core with line and bar charts only is ~540 kB (~185 kB gzipped); all of ECharts is ~1 MB.
    chunkSizeWarningLimit: 600,
    // ECharts is most of the bundle: its own chunk, cached apart from the app's code.
    rollupOptions: {
      output: { manualChunks: (id) => (/node_modules\/(echarts|zrender)\//.test(id) ? 'echarts' : undefined) },
    },
  },
  server: { port: 5174, strictPort: false, proxy: { '/v1': 'http://127.0.0.1:7430' } },
});
