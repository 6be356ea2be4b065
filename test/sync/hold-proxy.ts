/**
 * Test helper: a byte-for-byte HTTP proxy between a till and head office, so a test can hold a
 * request or its answer, or drop the connection after head office answered (committed).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addTill } from '../../headoffice/provision.js';
import { startHq, type TestHq } from '../../headoffice/test-helpers.js';
import type { Till } from '../../main/service/till.js';
import { linkedTill } from '../helpers/till.js';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Seen {
  n: number;
  method: string;
  path: string;
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** What to do with one request: forward (optionally after `before`), hold the answer, or drop it. */
export type Rule = (seen: Seen) => {
  before?: Promise<void>;
  /** after head office answered: wait for this before passing the answer on */
  after?: Promise<void>;
  /** after head office answered (and `after`): destroy the till's connection instead of answering */
  drop?: boolean;
} | void;

export interface Proxy {
  url: string;
  target: string;
  seen: Seen[];
  rule: Rule;
  close(): Promise<void>;
}

function forward(
  target: string,
  method: string,
  path: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
): Promise<Answer> {
  const u = new URL(path, target);
  return new Promise((resolve, reject) => {
    const h = { ...headers, host: u.host };
    const r = request(u, { method, headers: h }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    r.on('error', reject);
    r.end(body);
  });
}

export async function startProxy(target: string): Promise<Proxy> {
  let n = 0;
  const p: Proxy = {
    url: '',
    target,
    seen: [],
    rule: () => undefined,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const seen = { n: ++n, method: req.method ?? 'GET', path: req.url ?? '/' };
        p.seen.push(seen);
        const r = p.rule(seen) ?? {};
        if (r.before) await r.before;
        let a: Answer;
        try {
          a = await forward(p.target, seen.method, seen.path, req.headers, Buffer.concat(chunks));
        } catch {
          req.socket.destroy();
          return;
        }
        if (r.after) await r.after;
        if (r.drop) {
          req.socket.destroy();
          return;
        }
        const headers = { ...a.headers };
        delete headers['transfer-encoding'];
        delete headers.connection;
        delete headers['keep-alive'];
        res.writeHead(a.status, { ...headers, 'content-length': String(a.body.length) });
        res.end(a.body);
      })();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  p.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return p;
}

/** A promise and its resolve function. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

export async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A head office in process and a till linked to it, through a hold proxy unless `direct`. */
export interface LinkedTillRig {
  hq: TestHq;
  proxy: Proxy | null;
  till: Till;
  close(): Promise<void>;
}

export async function startLinkedTill(name: string, opts: { direct?: boolean } = {}): Promise<LinkedTillRig> {
  const root = mkdtempSync(join(tmpdir(), `${name}-`));
  const hq = await startHq();
  const proxy = opts.direct ? null : await startProxy(hq.hq.url);
  const issued = await addTill(hq.hq.store, `store-${name}`, `till-${name}`);
  const till = await linkedTill(
    join(root, 'till'),
    proxy ? { url: proxy.url, publicKey: hq.hq.publicKey } : hq.hq,
    issued,
  );
  return {
    hq,
    proxy,
    till,
    async close() {
      await till.close();
      await proxy?.close();
      await hq.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
