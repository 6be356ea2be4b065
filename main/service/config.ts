/** Till configuration from the environment (CONTRACTS.md, "Starting things"). */
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface TillConfig {
  dataDir: string;
  port: number;
  host: string;
  tillId: string | null;
  storeId: string | null;
  hqUrl: string | null;
  /** the till's credential issued by head office (`add-till`) */
  tillSecret: string | null;
  syncIntervalMs: number;
  posApiKey: string | null;
  devices: 'auto' | 'simulated';
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

function defaultDataDir(): string {
  if (process.platform === 'win32') return join(process.env.APPDATA ?? homedir(), 'till-loyalty');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'till-loyalty');
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'till-loyalty');
}

export class ConfigError extends Error {
  readonly code = 'config_error';
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): TillConfig {
  const port = Number(env.TILL_PORT ?? 7420);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError(`TILL_PORT is not a port: ${env.TILL_PORT}`);
  const devices = env.TILL_DEVICES ?? 'auto';
  if (devices !== 'auto' && devices !== 'simulated') throw new ConfigError(`TILL_DEVICES must be auto or simulated`);
  const logLevel = (env.TILL_LOG_LEVEL ?? 'info') as TillConfig['logLevel'];
  return {
    dataDir: env.TILL_DATA_DIR ?? defaultDataDir(),
    port,
    // Loopback only, unless an operator sets TILL_HOST on purpose (CONTRACTS.md).
    host: env.TILL_HOST ?? '127.0.0.1',
    tillId: env.TILL_ID ?? null,
    storeId: env.TILL_STORE_ID ?? null,
    hqUrl: env.TILL_HQ_URL ?? null,
    tillSecret: env.TILL_SECRET ?? null,
    syncIntervalMs: Number(env.TILL_SYNC_INTERVAL_MS ?? 5000),
    posApiKey: env.TILL_POS_API_KEY ?? null,
    devices,
    logLevel,
  };
}
