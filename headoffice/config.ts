/** Head office configuration from the environment (CONTRACTS.md, "Starting things"). */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import type { BlockList } from 'node:net';
import { join } from 'node:path';
import { parseTrustedProxies, TrustedProxiesError } from './http/proxies.js';

export interface HqConfig {
  dataDir: string;
  port: number;
  host: string;
  operatorToken: string | null;
  databaseUrl: string | null;
  /** HQ_TLS_CERT and HQ_TLS_KEY (PEM files): head office serves https:// with them */
  tls: { cert: string; key: string } | null;
  /** HQ_MEMBER_CACHE_SIZE; null: store/cache.ts's default */
  memberCacheSize: number | null;
  /** HQ_MAX_BODIES_PER_CLIENT; null: http/gate.ts's default */
  maxBodiesPerClient: number | null;
  /** HQ_TRUSTED_PROXIES: load balancers whose X-Forwarded-For names the client; null: none */
  trustedProxies: BlockList | null;
  /** HQ_METRICS_TOKEN: the bearer token of GET /metrics; null: metrics are off */
  metricsToken: string | null;
  /** HQ_FEED_GZIP: feed pages gzipped for tills that accept it (http/compress.ts); default on */
  feedGzip: boolean;
}

export class ConfigError extends Error {
  readonly code = 'config_error';
}

export function defaultDataDir(): string {
  if (process.platform === 'win32') return join(process.env.APPDATA ?? homedir(), 'till-loyalty-hq');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'till-loyalty-hq');
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'till-loyalty-hq');
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): HqConfig {
  const port = Number(env.HQ_PORT ?? 7430);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError(`HQ_PORT is not a port: ${env.HQ_PORT}`);
  return {
    dataDir: env.HQ_DATA_DIR || defaultDataDir(),
    port,
    // Loopback unless an operator sets HQ_HOST on purpose (then put TLS in front of it).
    host: env.HQ_HOST || '127.0.0.1',
    operatorToken: env.HQ_OPERATOR_TOKEN || null,
    databaseUrl: env.HQ_DATABASE_URL || null,
    tls: tlsFromEnv(env),
    memberCacheSize: memberCacheSizeFromEnv(env),
    maxBodiesPerClient: bodiesPerClientFromEnv(env),
    trustedProxies: trustedProxiesFromEnv(env),
    metricsToken: metricsTokenFromEnv(env),
    feedGzip: feedGzipFromEnv(env),
  };
}

/** HQ_FEED_GZIP (docs/contracts.md): `off` sends feed pages as they are, to spend CPU rather than bandwidth. */
function feedGzipFromEnv(env: NodeJS.ProcessEnv): boolean {
  const raw = env.HQ_FEED_GZIP?.trim().toLowerCase();
  if (raw === undefined || raw === '' || raw === 'on') return true;
  if (raw === 'off') return false;
  throw new ConfigError(`HQ_FEED_GZIP is on or off, not ${env.HQ_FEED_GZIP}`);
}

/** Long enough not to be guessed at a scrape's pace; not a new name for an operator's token. */
export const METRICS_TOKEN_MIN_LENGTH = 16;

/** HQ_METRICS_TOKEN (docs/contracts.md): the one credential GET /metrics takes. */
function metricsTokenFromEnv(env: NodeJS.ProcessEnv): string | null {
  const token = env.HQ_METRICS_TOKEN;
  if (!token) return null;
  if (token.length < METRICS_TOKEN_MIN_LENGTH || /\s/.test(token))
    throw new ConfigError(`HQ_METRICS_TOKEN must be at least ${METRICS_TOKEN_MIN_LENGTH} characters without spaces`);
  if (token === env.HQ_OPERATOR_TOKEN)
    throw new ConfigError('HQ_METRICS_TOKEN must differ from HQ_OPERATOR_TOKEN: a scraper holds it');
  return token;
}

/** HQ_TRUSTED_PROXIES (docs/contracts.md): addresses and ranges, comma-separated (http/proxies.ts). */
function trustedProxiesFromEnv(env: NodeJS.ProcessEnv): BlockList | null {
  const raw = env.HQ_TRUSTED_PROXIES?.trim();
  if (!raw) return null;
  try {
    return parseTrustedProxies(raw);
  } catch (e) {
    if (e instanceof TrustedProxiesError) throw new ConfigError(e.message);
    throw e;
  }
}

/**
 * HQ_MAX_BODIES_PER_CLIENT (docs/contracts.md): uploads read at once per client address
 * (http/gate.ts). Behind a load balancer every till shares its address, so there the balancer
 * limits per till and this is raised to what the balancer may send at once. null: the default.
 */
function bodiesPerClientFromEnv(env: NodeJS.ProcessEnv): number | null {
  const raw = env.HQ_MAX_BODIES_PER_CLIENT;
  if (raw === undefined || raw === '') return null;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new ConfigError(`HQ_MAX_BODIES_PER_CLIENT is not a whole number >= 1: ${raw}`);
  return n;
}

/**
 * HQ_MEMBER_CACHE_SIZE (docs/contracts.md): how many members' folded states, and as many
 * tills' views of a member, a process keeps for applying (store/cache.ts); null: the default.
 */
export function memberCacheSizeFromEnv(env: NodeJS.ProcessEnv = process.env): number | null {
  const raw = env.HQ_MEMBER_CACHE_SIZE;
  if (raw === undefined || raw === '') return null;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 2) throw new ConfigError(`HQ_MEMBER_CACHE_SIZE is not a whole number >= 2: ${raw}`);
  return n;
}

/** Both files or neither: a certificate without its key (or the reverse) is a mistake, said at start. */
function tlsFromEnv(env: NodeJS.ProcessEnv): { cert: string; key: string } | null {
  const certFile = env.HQ_TLS_CERT || null;
  const keyFile = env.HQ_TLS_KEY || null;
  if (!certFile && !keyFile) return null;
  if (!certFile || !keyFile) throw new ConfigError('HQ_TLS_CERT and HQ_TLS_KEY go together: set both or neither');
  const read = (name: string, file: string): string => {
    try {
      return readFileSync(file, 'utf8');
    } catch (e) {
      throw new ConfigError(`${name}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
  };
  return { cert: read('HQ_TLS_CERT', certFile), key: read('HQ_TLS_KEY', keyFile) };
}
