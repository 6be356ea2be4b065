/**
 * Head office's web application (the programme dashboard): `npm run build:hq-app` writes
 * headoffice/app/dist, which head office serves at `/` (headoffice/http/app.ts) under a strict
 * CSP. Shared settings: scripts/vite-browser-app.ts.
 */
import { browserApp } from '../../scripts/vite-browser-app.js';

export default browserApp({
  configUrl: import.meta.url,
  base: '/',
  target: 'chrome120',
  devPort: 5174,
  headOfficeApi: true,
  build: {
    // echarts/core with line and bar charts only is ~540 kB (~185 kB gzipped); all of ECharts is ~1 MB.
    chunkSizeWarningLimit: 600,
    // ECharts is most of the bundle: its own chunk, cached apart from the app's code.
    rollupOptions: {
      output: { manualChunks: (id) => (/node_modules\/(echarts|zrender)\//.test(id) ? 'echarts' : undefined) },
    },
  },
});
