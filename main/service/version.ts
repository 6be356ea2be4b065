import { readFileSync } from 'node:fs';

/** The package version, read once so /v1/health and head office agree on what is running. */
export const TILL_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
