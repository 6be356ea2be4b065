/**
 * The preload (sandboxed, so CommonJS): it hands the renderer the till service's address and
 * nothing else. The address comes from the window's additionalArguments (window.ts).
 */
import electron = require('electron');

const PREFIX = '--till-service-url=';
const arg = process.argv.find((a) => a.startsWith(PREFIX));
const serviceUrl = arg ? arg.slice(PREFIX.length) : '';

electron.contextBridge.exposeInMainWorld('till', Object.freeze({ serviceUrl }));
