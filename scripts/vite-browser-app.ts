/**
 * The Vite build the three browser apps share (the cashier UI, head office's dashboard, the
 * member's page): no inline scripts or styles anywhere, as the strict CSP they are served
 * under allows 'self' only (assets never inlined, no module-preload polyfill); root and dist
 * beside the app's vite.config.ts, so a build works from any cwd.
 */
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig, type BuildEnvironmentOptions, type UserConfig } from 'vite';

/** Where `npm run hq` listens: the dev servers of head office's apps send their API calls there. */
const HEAD_OFFICE_DEV = 'http://127.0.0.1:7430';

export interface BrowserApp {
  /** the app's vite.config.ts (`import.meta.url`) */
  configUrl: string;
  /** the path the app is served under */
  base: string;
  /** the oldest browser it must run in */
  target: string;
  devPort: number;
  /** the dev server passes /v1 to a local head office */
  headOfficeApi?: boolean;
  /** the app's own build settings, on top of the shared ones */
  build?: BuildEnvironmentOptions;
}

export function browserApp(app: BrowserApp): UserConfig {
  return defineConfig({
    root: fileURLToPath(new URL('.', app.configUrl)),
    base: app.base,
    plugins: [react()],
    build: {
      outDir: fileURLToPath(new URL('./dist', app.configUrl)),
      emptyOutDir: true,
      target: app.target,
      assetsInlineLimit: 0,
      sourcemap: false,
      modulePreload: { polyfill: false },
      ...app.build,
    },
    server: {
      port: app.devPort,
      strictPort: false,
      ...(app.headOfficeApi ? { proxy: { '/v1': HEAD_OFFICE_DEV } } : {}),
    },
  });
}
