/**
 * Head office over TLS (issue 11, finding 9): a real HTTPS server on 127.0.0.1 with a certificate
 * of its own CA (made with openssl for this run). The till trusts it only through TILL_HQ_CA_FILE.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../test/helpers/till.js';
import { ConfigError } from '../service/config.js';
import { createTill } from '../service/till.js';
import { generateKeyPairSync } from 'node:crypto';
import { HQ_SIGNATURE_HEADER, parseTillAuthorization, signAnswer } from '../../core/sync/sign.js';
import { HqClient, HqUnreachableError, hqDispatcher } from './client.js';

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
const creds = { tillId: 'till-tls', secret: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0', hqPublicKey: hqKeys.publicKey };

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
