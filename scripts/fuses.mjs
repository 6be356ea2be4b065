// electron-builder's afterPack hook (electron-builder.yml): flips the Electron fuses of the
// packaged binary before it is signed, with @electron/fuses. Fuses are bits compiled into the
// binary, so these hold whatever the environment or command line of the installed till says:
//
// | fuse                                  | state | why                                                              |
// | ------------------------------------- | ----- | ---------------------------------------------------------------- |
// | RunAsNode                             | off   | ELECTRON_RUN_AS_NODE would turn the signed binary into plain Node |
// | EnableNodeOptionsEnvironmentVariable  | off   | NODE_OPTIONS=--require could load any script into the main process |
// | EnableNodeCliInspectArguments         | off   | --inspect would open a debugger on the main process (the till's keys) |
// | EnableEmbeddedAsarIntegrityValidation | on    | app.asar is checked against the hash in the binary                |
// | OnlyLoadAppFromAsar                   | on    | no app/ folder beside app.asar can replace the code               |
// | EnableCookieEncryption                | on    | the session's cookie store is encrypted with the OS key store     |
//
// The remaining fuses keep Electron's defaults. test: main/electron/fuses.test.ts flips a binary
// image carrying the fuse wire with this very hook and reads the wire back.
import { join } from 'node:path';
import { flipFuses, FuseV1Options, FuseVersion } from '@electron/fuses';

/** The fuse states by name (the table above). */
export const FUSES = Object.freeze({
  RunAsNode: false,
  EnableNodeOptionsEnvironmentVariable: false,
  EnableNodeCliInspectArguments: false,
  EnableEmbeddedAsarIntegrityValidation: true,
  OnlyLoadAppFromAsar: true,
  EnableCookieEncryption: true,
});

/** @electron/fuses' configuration for a platform (macOS arm64 needs its ad-hoc signature reset). */
export function fuseConfig(platform, archName) {
  const config = { version: FuseVersion.V1, resetAdHocDarwinSignature: platform === 'darwin' && archName === 'arm64' };
  for (const [name, on] of Object.entries(FUSES)) config[FuseV1Options[name]] = on;
  return config;
}

/** The packaged Electron binary, as electron-builder names it per platform. */
export function electronBinary(context) {
  const { appOutDir, electronPlatformName, packager } = context;
  if (electronPlatformName === 'win32') return join(appOutDir, `${packager.appInfo.productFilename}.exe`);
  if (electronPlatformName === 'darwin' || electronPlatformName === 'mas') {
    return join(appOutDir, `${packager.appInfo.productFilename}.app`);
  }
  return join(appOutDir, packager.executableName);
}

// electron-builder's Arch enum: ia32 0, x64 1, armv7l 2, arm64 3, universal 4.
const ARCH_NAMES = ['ia32', 'x64', 'armv7l', 'arm64', 'universal'];

export default async function afterPack(context) {
  const binary = electronBinary(context);
  await flipFuses(binary, fuseConfig(context.electronPlatformName, ARCH_NAMES[context.arch] ?? String(context.arch)));
  process.stdout.write(
    `fuses: ${Object.entries(FUSES)
      .map(([k, v]) => `${k}=${v ? 'on' : 'off'}`)
      .join(' ')} (${binary})\n`,
  );
}
