/**
 * Bodies of head office's public endpoints (the member page's sign-in and the receipt survey,
 * routes/me.ts and routes/survey.ts): anyone who reaches the port may call them, with no till
 * or operator credential to check before the body. So unlike a till's upload (body.ts, 20 MB)
 * such a body is small: a Content-Length above the limit is refused before a byte is read
 * (413, connection closed), a body that grows past it is cut there, nothing but identity
 * encoding is taken (no gzip to inflate), and every read counts against the per-address gate
 * (gate.ts, 429 `too_many_bodies`), so a stranger holds at most a few small bodies in flight.
 */
import type { IncomingMessage } from 'node:http';
import { BodyTooLargeError, parseJson, RequestAbortedError } from './body.js';
import type { BodyGate } from './gate.js';
import { HttpError } from './errors.js';

/** DECISION: the largest public body, a survey answer (500-character comment), is under 4 kB as JSON. */
export const PUBLIC_BODY_BYTES = 16 * 1024;

/** 413 for a public body: the connection is closed rather than drained. */
export class PublicBodyTooLargeError extends BodyTooLargeError {
  constructor(limit: number) {
    super(true);
    this.message = `request bodies here are limited to ${limit} bytes`;
  }
}

/** The body's bytes, at most `limit`; rejects as soon as more arrive or the request ends early. */
function readSmallBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      // Stop reading: the answer goes out at once and the connection is closed after it.
      stop();
      req.pause();
      reject(new PublicBodyTooLargeError(limit));
    };
    const onEnd = (): void => {
      stop();
      resolve(Buffer.concat(chunks));
    };
    const onError = (): void => {
      stop();
      reject(new RequestAbortedError());
    };
    // Gone before its end (the client hung up): frees the gate's place at once.
    const onClose = (): void => {
      stop();
      reject(new HttpError(400, 'incomplete_body', 'the request ended before its body did'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/**
 * Refuses what a browser sends for another site or origin to an endpoint a cookie or a stranger
 * may call (the member page's, the survey's). An HTML form can post `text/plain` anywhere without
 * asking, and a SameSite=Strict cookie it receives is still stored (a sign-in into the attacker's
 * account), while SameSite does not tell one origin of a site from another (another port of the
 * host): so the body must be `application/json` (which no form sends, and which a script of
 * another origin may send only after a preflight head office never answers), and an `Origin`
 * header, when a browser sends one, must name head office's own host.
 */
export function refuseCrossOrigin(req: IncomingMessage): void {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new HttpError(415, 'unsupported_media_type', 'send Content-Type: application/json');
  }
  const origin = req.headers.origin;
  if (origin === undefined) return;
  let host: string | null = null;
  try {
    host = new URL(origin).host;
  } catch {
    host = null; // "null" (a sandboxed frame, a file) or garbage: no origin of ours
  }
  if (host === null || host !== req.headers.host) {
    throw new HttpError(403, 'cross_origin', "this endpoint answers only head office's own pages");
  }
}

/** A public endpoint's JSON body, read within the per-address gate and `limit` bytes. */
export async function readPublicJson(
  req: IncomingMessage,
  gate: BodyGate,
  limit = PUBLIC_BODY_BYTES,
): Promise<unknown> {
  refuseCrossOrigin(req);
  const enc = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (enc !== 'identity' && enc !== '') {
    throw new HttpError(415, 'unsupported_encoding', `Content-Encoding ${enc} is not taken here; send plain JSON`);
  }
  if (Number(req.headers['content-length'] ?? NaN) > limit) throw new PublicBodyTooLargeError(limit);
  return parseJson(await gate.hold(req, () => readSmallBody(req, limit)));
}
