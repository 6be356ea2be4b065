/**
 * Request bodies: size-limited, optionally gzip-encoded JSON. The raw bytes are returned
 * separately from the decoded ones because till signatures cover the bytes on the wire.
 */
import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { jsonTextProblem, utf8Text } from '../../core/json-text.js';
import { MAX_BODY_BYTES } from '../../core/sync/protocol.js';
import { HttpError } from './errors.js';

const gunzipAsync = promisify(gunzip);

/**
 * Beyond this the connection is cut instead of drained: reading a little past the limit lets
 * an honest client receive its 413, reading gigabytes would be a gift to an attacker.
 */
const DRAIN_CAP = 3 * MAX_BODY_BYTES;

export class BodyTooLargeError extends HttpError {
  constructor(readonly closeConnection: boolean) {
    super(413, 'payload_too_large', `request bodies are limited to ${MAX_BODY_BYTES} bytes`);
  }
}

/**
 * The client closed the connection before its body was all read (a store's network dropping
 * mid-upload). Its own mistake or its network's, not head office's defect: a typed 400 that
 * no one receives, logged with the request like any refusal; nothing of it was committed.
 */
export class RequestAbortedError extends HttpError {
  constructor() {
    super(400, 'request_aborted', 'the client closed the connection before its body was read');
  }
}

export function readRawBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > DRAIN_CAP) return Promise.reject(new BodyTooLargeError(true));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > DRAIN_CAP) {
        reject(new BodyTooLargeError(true));
        req.destroy();
        return;
      }
      if (size > limit) {
        over = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => (over ? reject(new BodyTooLargeError(false)) : resolve(Buffer.concat(chunks))));
    req.on('error', () => reject(new RequestAbortedError()));
  });
}

/** Content-Encoding gzip is what tills send; identity is accepted; anything else is 415. */
export function bodyCoding(encoding: string | undefined): 'gzip' | 'identity' {
  const enc = (encoding ?? 'identity').trim().toLowerCase();
  if (enc === 'identity' || enc === '') return 'identity';
  if (enc === 'gzip' || enc === 'x-gzip') return 'gzip';
  throw new HttpError(415, 'unsupported_encoding', `Content-Encoding ${enc} is not supported; use gzip or none`);
}

export async function decodeBody(raw: Buffer, encoding: string | undefined): Promise<Buffer> {
  if (bodyCoding(encoding) === 'identity') return raw;
  try {
    return await gunzipAsync(raw, { maxOutputLength: MAX_BODY_BYTES });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
      throw new BodyTooLargeError(false);
    }
    throw new HttpError(400, 'bad_gzip', 'the body is not valid gzip');
  }
}

export function parseJson(body: Buffer): unknown {
  if (body.length === 0) throw new HttpError(400, 'malformed_json', 'the request needs a JSON body');
  const text = utf8Text(body);
  if (text === null) throw new HttpError(400, 'malformed_json', 'the body is not UTF-8');
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'malformed_json', 'the body is not valid JSON');
  }
  const problem = jsonTextProblem(value);
  if (problem) throw new HttpError(400, 'malformed_json', problem.message, {}, problem.field);
  return value;
}

export async function readJson(req: IncomingMessage): Promise<unknown> {
  return parseJson(await decodeBody(await readRawBody(req), req.headers['content-encoding']));
}
