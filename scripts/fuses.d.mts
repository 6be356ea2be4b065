// Types of scripts/fuses.mjs (electron-builder loads the hook as JavaScript; tests import it).
import type { FuseV1Config } from '@electron/fuses';

export declare const FUSES: Readonly<{
  RunAsNode: boolean;
  EnableNodeOptionsEnvironmentVariable: boolean;
  EnableNodeCliInspectArguments: boolean;
  EnableEmbeddedAsarIntegrityValidation: boolean;
  OnlyLoadAppFromAsar: boolean;
  EnableCookieEncryption: boolean;
}>;

export interface AfterPackContext {
  appOutDir: string;
  electronPlatformName: string;
  arch: number;
  packager: { appInfo: { productFilename: string }; executableName: string };
}

export declare function fuseConfig(platform: string, archName: string): FuseV1Config;
export declare function electronBinary(context: AfterPackContext): string;
export default function afterPack(context: AfterPackContext): Promise<void>;
