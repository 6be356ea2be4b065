/** Small HTTP plumbing: bounded body reading, JSON answers, and mapping errors to the contract's format. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ZodError } from 'zod';
import { RuleViolation } from '../../core/engine/types.js';
import { jsonTextProblem, utf8Text } from '../../core/json-text.js';
import { TillError } from '../service/errors.js';
import type { Logger } from '../service/log.js';
import { isSqliteError, isStorageFull } from '../../storage/sqlite-errors.js';

export const MAX_BODY_BYTES = 1024 * 1024;

export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        reject(new TillError('payload_too_large', `request body over ${limit} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (e) => {
      if (!failed) reject(e);
    });
  });
}

export function parseJsonBody(req: IncomingMessage, raw: Buffer): unknown {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new TillError('unsupported_media_type', 'send Content-Type: application/json');
  }
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(type)?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new TillError('unsupported_media_type', `send the body as UTF-8, not ${charset}`);
  }
  const text = utf8Text(raw);
  if (text === null) throw new TillError('malformed_json', 'the request body is not UTF-8');
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    throw new TillError('malformed_json', 'the request body is not valid JSON');
  }
  const problem = jsonTextProblem(value);
  if (problem) throw new TillError('malformed_json', problem.message, problem.field);
  return value;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(text);
}

export interface ErrorAnswer {
  status: number;
  body: { error: { code: string; message: string; field?: string } };
}

function fieldOf(path: readonly PropertyKey[]): string | undefined {
  return path.length ? path.map(String).join('.') : undefined;
}

/** Every failure becomes the contract's error body; only true defects become 500. */
export function errorAnswer(e: unknown, log: Logger, route: string): ErrorAnswer {
  if (e instanceof TillError) {
    return {
      status: e.status,
      body: { error: { code: e.code, message: e.message, ...(e.field ? { field: e.field } : {}) } },
    };
  }
  if (e instanceof ZodError) {
    const first = e.issues[0];
    const field = first ? fieldOf(first.path) : undefined;
    const message = e.issues
      .slice(0, 5)
      .map((i) => `${fieldOf(i.path) ?? '(body)'}: ${i.message}`)
      .join('; ');
    return { status: 400, body: { error: { code: 'validation_failed', message, ...(field ? { field } : {}) } } };
  }
  if (e instanceof RuleViolation) {
    return { status: 422, body: { error: { code: e.code, message: e.message } } };
  }
  if (isStorageFull(e)) {
    log.log('error', 'storage_full', { route, sqlite: (e as { code: string }).code });
    return {
      status: 507,
      body: {
        error: { code: 'storage_full', message: 'the till cannot write: disk full. Nothing was recorded; retry.' },
      },
    };
  }
  if (isSqliteError(e) && (e.code === 'SQLITE_BUSY' || e.code === 'SQLITE_READONLY' || e.code === 'SQLITE_CANTOPEN')) {
    log.log('error', 'storage_unavailable', { route, sqlite: e.code });
    return {
      status: 503,
      body: { error: { code: 'storage_unavailable', message: 'the till database is unavailable; retry.' } },
    };
  }
  log.log('error', 'internal_error', {
    route,
    error: e instanceof Error ? `${e.name}: ${e.message}` : String(e),
    stack: e instanceof Error ? e.stack : undefined,
  });
  return {
    status: 500,
    body: { error: { code: 'internal_error', message: 'an internal error occurred; it has been logged' } },
  };
}
