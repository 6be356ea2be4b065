/**
 * The shell's window against Electron's security checklist, without Electron: the options and
 * handlers are plain data and functions (window.ts), and main.ts wires exactly these.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../api/static.js';
import {
  SERVICE_URL_ARG,
  checkPermission,
  denyNavigation,
  denyPermission,
  denyWindowOpen,
  isServiceUrl,
  windowOptions,
  withCsp,
  withScreenHeader,
} from './window.js';

const opts = windowOptions({
  preload: '/app/dist/main/electron/preload.cjs',
  serviceUrl: 'http://127.0.0.1:7420',
  kiosk: false,
  packaged: false,
});
const prefs = opts.webPreferences ?? {};

describe('window webPreferences (Electron security checklist)', () => {
  it('isolates the renderer: context isolation, sandbox, no Node anywhere', () => {
    expect(prefs.contextIsolation).toBe(true);
    expect(prefs.sandbox).toBe(true);
    expect(prefs.nodeIntegration).toBe(false);
    expect(prefs.nodeIntegrationInWorker).toBe(false);
    expect(prefs.nodeIntegrationInSubFrames).toBe(false);
  });

  it('keeps web security on and the risky features off', () => {
    expect(prefs.webSecurity).toBe(true);
    expect(prefs.allowRunningInsecureContent).toBe(false);
    expect(prefs.experimentalFeatures).toBe(false);
    expect(prefs.webviewTag).toBe(false);
    expect(prefs.navigateOnDragDrop).toBe(false);
    expect(prefs).not.toHaveProperty('enableBlinkFeatures');
  });

  it('gives the preload only the service address', () => {
    expect(prefs.preload).toBe('/app/dist/main/electron/preload.cjs');
    expect(prefs.additionalArguments).toEqual([`${SERVICE_URL_ARG}http://127.0.0.1:7420/`]);
    const preload = readFileSync(new URL('./preload.cts', import.meta.url), 'utf8');
    expect(preload.match(/exposeInMainWorld\(/g)).toHaveLength(1);
    expect(preload).toMatch(/exposeInMainWorld\('till', Object\.freeze\(\{ serviceUrl \}\)\)/);
  });

  it('kiosk mode is full screen without devtools', () => {
    const k = windowOptions({ preload: '/p.cjs', serviceUrl: 'http://127.0.0.1:7420/', kiosk: true, packaged: false });
    expect(k.kiosk).toBe(true);
    expect(k.fullscreen).toBe(true);
    expect(k.webPreferences?.devTools).toBe(false);
    expect(opts.kiosk).toBe(false);
  });

  it('a packaged (installed) till never opens DevTools, kiosk or not', () => {
    const installed = windowOptions({
      preload: '/p.cjs',
      serviceUrl: 'http://127.0.0.1:7420/',
      kiosk: false,
      packaged: true,
    });
    expect(installed.webPreferences?.devTools).toBe(false);
    expect(prefs.devTools).toBe(true);
  });

  it("marks the window's own requests with the per-run screen secret, replacing one sent before", () => {
    const h = withScreenHeader({ Accept: 'application/json', 'x-till-screen': 'forged' }, 's3cret');
    expect(h).toEqual({ Accept: 'application/json', 'X-Till-Screen': 's3cret' });
  });

  it('denies navigation, new windows and permissions', () => {
    let prevented = false;
    denyNavigation({ preventDefault: () => (prevented = true) });
    expect(prevented).toBe(true);
    expect(denyWindowOpen()).toEqual({ action: 'deny' });
    let granted: boolean | null = null;
    denyPermission(null, 'media', (g) => (granted = g));
    expect(granted).toBe(false);
    expect(checkPermission()).toBe(false);
  });

  it('sets the strict CSP on every response, replacing one the page sent', () => {
    const h = withCsp(
      { 'content-type': ['text/html'], 'content-security-policy': ['default-src *'] },
      CONTENT_SECURITY_POLICY,
    );
    expect(h['Content-Security-Policy']).toEqual([CONTENT_SECURITY_POLICY]);
    expect(h).not.toHaveProperty('content-security-policy');
    expect(CONTENT_SECURITY_POLICY).toMatch(/default-src 'self'/);
    expect(CONTENT_SECURITY_POLICY).toMatch(/script-src 'self'(;|$)/);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-(inline|eval)/);
    expect(CONTENT_SECURITY_POLICY).toMatch(/object-src 'none'/);
  });

  it('hands out loopback service addresses only', () => {
    expect(isServiceUrl('http://127.0.0.1:7420/')).toBe(true);
    expect(isServiceUrl('https://example.com/')).toBe(false);
    expect(isServiceUrl('file:///etc/passwd')).toBe(false);
    const remote = windowOptions({
      preload: '/p.cjs',
      serviceUrl: 'http://10.0.0.5:7420',
      kiosk: false,
      packaged: false,
    });
    expect(remote.webPreferences?.additionalArguments).toEqual([]);
  });

  it('main.ts wires these handlers', () => {
    const main = readFileSync(new URL('./main.ts', import.meta.url), 'utf8');
    for (const s of [
      "contents.on('will-navigate', denyNavigation)",
      'contents.setWindowOpenHandler(denyWindowOpen)',
      's.setPermissionRequestHandler(denyPermission)',
      's.setPermissionCheckHandler(checkPermission)',
      'app.requestSingleInstanceLock()',
      'app.enableSandbox()',
      "process.env.TILL_KIOSK === '1'",
      'packaged: app.isPackaged',
      'withScreenHeader(details.requestHeaders, screenSecret)',
      'createTill(config, { screenSecret })',
      'withCsp(details.responseHeaders, CONTENT_SECURITY_POLICY)',
    ]) {
      expect(main).toContain(s);
    }
  });
});
