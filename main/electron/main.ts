/**
 * The Electron shell (ARCHITECTURE.md, "a service with a window"): starts the till service
 * in-process (createTill), then opens one window on the built cashier UI the service serves.
 * One instance per machine; TILL_KIOSK=1 for a kiosk window. The renderer gets nothing from
 * Node: context isolation, sandbox, no Node integration, a strict CSP on every response,
 * navigation and new windows refused, every permission request refused (window.ts).
 */
import { app, BrowserWindow, session, type WebContents } from 'electron';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONTENT_SECURITY_POLICY } from '../api/static.js';
import { configFromEnv } from '../service/config.js';
import { createTill, type Till } from '../service/till.js';
import {
  checkPermission,
  denyNavigation,
  denyPermission,
  denyWindowOpen,
  windowOptions,
  withCsp,
  withScreenHeader,
} from './window.js';

const here = dirname(fileURLToPath(import.meta.url));
let till: Till | null = null;
let win: BrowserWindow | null = null;

/** renderer/dist next to the app (packaged) or in the repository (built with npm run build). */
function uiDir(): string {
  const candidates = [join(app.getAppPath(), 'renderer', 'dist'), join(here, '..', '..', '..', 'renderer', 'dist')];
  return candidates.find((d) => existsSync(join(d, 'index.html'))) ?? (candidates[0] as string);
}

function harden(contents: WebContents): void {
  contents.on('will-navigate', denyNavigation);
  contents.on('will-redirect', denyNavigation);
  contents.on('will-attach-webview', denyNavigation);
  contents.setWindowOpenHandler(denyWindowOpen);
}

async function start(): Promise<void> {
  const config = configFromEnv();
  config.uiDir ??= uiDir();
  // This window's mark for the till (sign-in delay): new each run, never leaves this process.
  const screenSecret = randomBytes(32).toString('base64url');
  till = await createTill(config, { screenSecret });

  const s = session.defaultSession;
  s.setPermissionRequestHandler(denyPermission);
  s.setPermissionCheckHandler(checkPermission);
  s.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: withCsp(details.responseHeaders, CONTENT_SECURITY_POLICY) });
  });
  s.webRequest.onBeforeSendHeaders({ urls: [`${till.url}/*`] }, (details, callback) => {
    callback({ requestHeaders: withScreenHeader(details.requestHeaders, screenSecret) });
  });

  win = new BrowserWindow(
    windowOptions({
      preload: join(here, 'preload.cjs'),
      serviceUrl: till.url,
      kiosk: process.env.TILL_KIOSK === '1',
      packaged: app.isPackaged,
    }),
  );
  win.once('ready-to-show', () => win?.show());
  win.on('closed', () => {
    win = null;
  });
  await win.loadURL(`${till.url}/`);
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.enableSandbox();
  app.on('web-contents-created', (_e, contents) => harden(contents));
  app.on('second-instance', () => {
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });
  app.on('window-all-closed', () => app.quit());
  let closing = false;
  app.on('before-quit', (e) => {
    if (closing || !till) return;
    // Close the service (and its database) before the process goes.
    e.preventDefault();
    closing = true;
    void till.close().finally(() => app.quit());
  });
  app
    .whenReady()
    .then(start)
    .catch((e: unknown) => {
      process.stderr.write(`till shell failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
      app.exit(1);
    });
}
