/**
 * The shell's window and its security settings, kept free of Electron's runtime so a plain
 * test can check them against Electron's security checklist
 * (https://www.electronjs.org/docs/latest/tutorial/security).
 */
import type { BrowserWindowConstructorOptions, Event, HandlerDetails, WebContents } from 'electron';

/** The preload reads the service address from this argument (process.argv in the sandbox). */
export const SERVICE_URL_ARG = '--till-service-url=';

/** Only a loopback http origin is ever handed to the renderer. */
export function isServiceUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname) && u.pathname === '/';
  } catch {
    return false;
  }
}

export function windowOptions(opts: {
  preload: string;
  serviceUrl: string;
  kiosk: boolean;
  /** app.isPackaged: an installed till never opens DevTools (they would drive the API as the signed-in staff) */
  packaged: boolean;
}): BrowserWindowConstructorOptions {
  const serviceUrl = new URL(opts.serviceUrl).origin + '/';
  return {
    title: 'Till Loyalty',
    width: 1366,
    height: 768,
    minWidth: 1024,
    minHeight: 700,
    show: false,
    backgroundColor: '#f3f5f8',
    autoHideMenuBar: true,
    kiosk: opts.kiosk,
    fullscreen: opts.kiosk,
    webPreferences: {
      preload: opts.preload,
      // The renderer is loaded from the service, so its own origin is the fallback address.
      additionalArguments: isServiceUrl(serviceUrl) ? [`${SERVICE_URL_ARG}${serviceUrl}`] : [],
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      devTools: !opts.kiosk && !opts.packaged,
    },
  };
}

/** will-navigate: the UI is one page; any navigation away from it is refused. */
export function denyNavigation(event: Pick<Event, 'preventDefault'>): void {
  event.preventDefault();
}

/** setWindowOpenHandler: no new windows, ever. */
export function denyWindowOpen(_details?: HandlerDetails): { action: 'deny' } {
  return { action: 'deny' };
}

/** setPermissionRequestHandler: camera, microphone, notifications, HID, serial ... all refused. */
export function denyPermission(
  _contents: WebContents | null,
  _permission: string,
  callback: (granted: boolean) => void,
): void {
  callback(false);
}

/** setPermissionCheckHandler */
export function checkPermission(): boolean {
  return false;
}

/** The response headers with the UI's CSP set (replacing any the page sent). */
export function withCsp(
  headers: Record<string, string | string[]> | undefined,
  csp: string,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers ?? {})) if (k.toLowerCase() !== 'content-security-policy') out[k] = v;
  out['Content-Security-Policy'] = [csp];
  return out;
}

/** The header the till service recognises as its own window (main/api/server.ts SCREEN_HEADER). */
export const SCREEN_HEADER = 'X-Till-Screen';

/**
 * onBeforeSendHeaders for the service's origin: marks the window's requests with the shell's
 * per-run secret, so wrong PINs typed elsewhere never delay sign-in on this screen
 * (main/api/signin-delay.ts). The page cannot read or set it: it is added below the page.
 */
export function withScreenHeader(headers: Record<string, string>, secret: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() !== SCREEN_HEADER.toLowerCase()) out[k] = v;
  out[SCREEN_HEADER] = secret;
  return out;
}
