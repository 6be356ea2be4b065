/**
 * Head office over TLS (issue 11, finding 9): a real HTTPS server on 127.0.0.1 with a certificate
 * of its own CA (made with openssl for this run). The till trusts it only through TILL_HQ_CA_FILE.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../test/helpers/till.js';
import { ConfigError } from '../service/config.js';
import { createTill } from '../service/till.js';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { HQ_SIGNATURE_HEADER, parseTillAuthorization, signAnswer } from '../../core/sync/sign.js';
import { HqClient, HqKeyMissingError, HqUnreachableError, HqUnverifiedError, hqDispatcher } from './client.js';

/** openssl makes the CA; where it is missing the suite is skipped and says why. */
function opensslAvailable(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const NO_OPENSSL = !opensslAvailable();
if (NO_OPENSSL) process.stdout.write('head office TLS test skipped: openssl is not installed\n');

const dir = mkdtempSync(join(tmpdir(), 'till-tls-'));
const caFile = join(dir, 'hq-ca.pem');
let server: Server;
let base: string;

beforeAll(async () => {
  if (NO_OPENSSL) return;
  const key = join(dir, 'hq-key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', caFile, '-days', '2', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ], { stdio: 'ignore' }); // prettier-ignore
  server = createServer({ key: readFileSync(key), cert: readFileSync(caFile) }, (req, res) => {
    // Signed back as head office signs its answers (core/sync/sign.ts signAnswer).
    const requestSig = parseTillAuthorization(req.headers.authorization)?.signature ?? '';
    const body = '{"ok":true}';
    res.writeHead(200, {
      'content-type': 'application/json',
      [HQ_SIGNATURE_HEADER]: signAnswer(hqKeys.privateKey, 200, requestSig, body),
    });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://localhost:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const hqKeys = generateKeyPairSync('ed25519');
const creds = { tillId: 'till-tls', secret: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0', hqPublicKeys: [hqKeys.publicKey] };

describe.skipIf(NO_OPENSSL)('head office over TLS', () => {
  it("refuses a certificate the system does not trust, and accepts it with the chain's CA file", async () => {
    await expect(new HqClient(base, creds).get('/v1/sync/changes')).rejects.toBeInstanceOf(HqUnreachableError);
    const trusted = new HqClient(base, creds, Date.now, 5_000, hqDispatcher(readFileSync(caFile, 'utf8')));
    expect(await trusted.get('/v1/sync/changes')).toEqual({ status: 200, body: { ok: true } });
  });

  it('a till refuses to start on plain http:// to another machine, or with a CA file it cannot read', async () => {
    const data = join(dir, 'data');
    const hq = { tillId: 'till-tls', tillSecret: creds.secret };
    await expect(
      createTill(testConfig(data, { ...hq, hqUrl: 'http://hq.example.cn' }), { quiet: true }),
    ).rejects.toThrow(ConfigError);
    const missing = join(dir, 'no-such-ca.pem');
    expect(existsSync(missing)).toBe(false);
    await expect(
      createTill(testConfig(data, { ...hq, hqUrl: base, hqCaFile: missing }), { quiet: true }),
    ).rejects.toThrow(/TILL_HQ_CA_FILE/);
  });
});

/**
 * A rotation of head office's answer key (headoffice/answer-key.ts): a till holding the current
 * and the next key (TILL_HQ_PUBLIC_KEY=<current>,<next>) accepts answers signed by either, so
 * head-office processes may switch keys one by one; a key it does not hold is still refused.
 * A real HTTP server on loopback signs each answer with the key the test chooses.
 */
describe('answers verified with any key of TILL_HQ_PUBLIC_KEY', () => {
  const current = generateKeyPairSync('ed25519');
  const next = generateKeyPairSync('ed25519');
  const stranger = generateKeyPairSync('ed25519');
  let signer: KeyObject = current.privateKey;
  const hq = createHttpServer((req, res) => {
    const requestSig = parseTillAuthorization(req.headers.authorization)?.signature ?? '';
    const body = '{"ok":true}';
    res.writeHead(200, {
      'content-type': 'application/json',
      [HQ_SIGNATURE_HEADER]: signAnswer(signer, 200, requestSig, body),
    });
    res.end(body);
  });
  let url = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => hq.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(hq.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => hq.close(r));
  });
  const client = (keys: KeyObject[]): HqClient =>
    new HqClient(url, { tillId: 't', secret: creds.secret, hqPublicKeys: keys });

  it('accepts an answer signed by either key of the pair, and by the one key of a till holding one', async () => {
    const pair = client([current.publicKey, next.publicKey]);
    for (const key of [current, next]) {
      signer = key.privateKey;
      expect(await pair.get('/v1/sync/changes')).toEqual({ status: 200, body: { ok: true } });
    }
    signer = current.privateKey;
    expect(await client([current.publicKey]).post('/v1/sync/batches', { x: 1 })).toEqual({
      status: 200,
      body: { ok: true },
    });
  });

  it('refuses an answer signed by a key not in the list: head office counts as unreachable', async () => {
    signer = stranger.privateKey;
    await expect(client([current.publicKey, next.publicKey]).get('/v1/sync/changes')).rejects.toBeInstanceOf(
      HqUnverifiedError,
    );
    // After the promotion: a till still holding only the old key refuses the new key's answers.
    signer = next.privateKey;
    const old = client([current.publicKey]).get('/v1/sync/changes');
    await expect(old).rejects.toBeInstanceOf(HqUnreachableError);
    await expect(old).rejects.toThrow(/not signed by head office/);
  });

  it('with no key at all sends nothing', async () => {
    await expect(client([]).get('/v1/sync/changes')).rejects.toBeInstanceOf(HqKeyMissingError);
  });
});
