/**
 * The Electron fuses the build applies (scripts/fuses.mjs, electron-builder.yml's afterPack),
 * without the Electron binary: the real hook and the real @electron/fuses flip a file that
 * carries Electron's fuse wire (sentinel, version 1, length, one byte per fuse, Electron's
 * defaults), and the wire is read back with @electron/fuses.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { afterAll, describe, expect, it } from 'vitest';
import afterPack, { FUSES, electronBinary } from '../../scripts/fuses.mjs';

const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
// Electron's defaults, fuse 0..7: RunAsNode on, cookie encryption off, NODE_OPTIONS on, --inspect
// on, asar integrity off, only-asar off, browser V8 snapshot off, file protocol privileges on.
const DEFAULT_WIRE = '10110001';
const ON = 49; // '1'
const OFF = 48; // '0'

const dir = mkdtempSync(join(tmpdir(), 'till-fuses-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fakeElectron(file: string): void {
  const filler = Buffer.alloc(4096, 0x90);
  const wire = Buffer.concat([Buffer.from(SENTINEL), Buffer.from([1, DEFAULT_WIRE.length]), Buffer.from(DEFAULT_WIRE)]);
  writeFileSync(file, Buffer.concat([filler, wire, filler]));
}

const context = (platform: string) => ({
  appOutDir: join(dir, platform),
  electronPlatformName: platform,
  arch: 1,
  packager: { appInfo: { productFilename: 'Till Loyalty' }, executableName: 'till-loyalty' },
});

describe('Electron fuses set at build time', () => {
  it('electron-builder runs the fuses hook after packing', () => {
    const yml = readFileSync(new URL('../../electron-builder.yml', import.meta.url), 'utf8');
    expect(yml).toMatch(/^afterPack: \.\/scripts\/fuses\.mjs$/m);
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    expect(pkg.devDependencies['@electron/fuses']).toBeDefined();
  });

  it('the hook flips the packaged binary: no run-as-node, NODE_OPTIONS or --inspect; asar only, checked; cookies encrypted', async () => {
    for (const platform of ['linux', 'win32']) {
      const ctx = context(platform);
      mkdirSync(ctx.appOutDir, { recursive: true });
      const binary = electronBinary(ctx);
      expect(binary).toBe(join(ctx.appOutDir, platform === 'win32' ? 'Till Loyalty.exe' : 'till-loyalty'));
      fakeElectron(binary);
      await afterPack(ctx);
      const wire = await getCurrentFuseWire(binary);
      expect(wire[FuseV1Options.RunAsNode]).toBe(OFF);
      expect(wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(OFF);
      expect(wire[FuseV1Options.EnableNodeCliInspectArguments]).toBe(OFF);
      expect(wire[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(ON);
      expect(wire[FuseV1Options.OnlyLoadAppFromAsar]).toBe(ON);
      expect(wire[FuseV1Options.EnableCookieEncryption]).toBe(ON);
      // Fuses the hook does not name keep Electron's defaults.
      expect(wire[FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]).toBe(OFF);
      expect(wire[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(ON);
    }
  });

  it('names exactly the six fuses the security checklist asks for', () => {
    expect(FUSES).toEqual({
      RunAsNode: false,
      EnableNodeOptionsEnvironmentVariable: false,
      EnableNodeCliInspectArguments: false,
      EnableEmbeddedAsarIntegrityValidation: true,
      OnlyLoadAppFromAsar: true,
      EnableCookieEncryption: true,
    });
  });
});
