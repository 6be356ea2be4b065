/**
 * Issue 11, item 6: head office serves TLS when given HQ_TLS_CERT and HQ_TLS_KEY. A head-office
 * process with a certificate of its own CA answers a till that trusts that CA (TILL_HQ_CA_FILE's
 * dispatcher) with a signed feed page; plain http:// to the same port gets no answer.
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { SYNC_PATHS } from '../../core/sync/protocol.js';
import { parseHqPublicKeys } from '../../core/sync/sign.js';
import { HqClient, hqDispatcher } from '../../main/sync/client.js';
import { ROOT, addTill, freePort, hqDatabase, waitFor } from './procs.js';
import { nodeScript } from '../helpers/child-scripts.js';

const NO_OPENSSL = !['/usr/bin/openssl', '/bin/openssl', '/usr/local/bin/openssl'].some((p) => existsSync(p));
const dir = mkdtempSync(join(tmpdir(), 'hq-tls-'));
let kill: (() => void) | null = null;

afterAll(() => {
  kill?.();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(NO_OPENSSL)('head office over TLS (item 6)', () => {
  it('serves https:// with HQ_TLS_CERT/HQ_TLS_KEY; a till trusting the CA syncs, plain http gets nothing', async () => {
    const cert = join(dir, 'hq-cert.pem');
    const key = join(dir, 'hq-key.pem');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ], { stdio: 'ignore' }); // prettier-ignore
    const dataDir = join(dir, 'hq');
    const port = await freePort();
    const child = spawn(process.execPath, nodeScript('headoffice/cli.ts', 'serve'), {
      cwd: ROOT,
      env: {
        ...process.env,
        ...(await hqDatabase(dataDir)),
        HQ_PORT: String(port),
        HQ_OPERATOR_TOKEN: 't',
        HQ_TLS_CERT: cert,
        HQ_TLS_KEY: key,
      },
      stdio: 'ignore',
    });
    kill = () => child.kill('SIGKILL');
    const ca = readFileSync(cert, 'utf8');
    const dispatcher = new Agent({ connect: { ca } });
    const base = `https://localhost:${port}`;
    await waitFor('head office over TLS', async () => (await fetch(`${base}/v1/health`, { dispatcher })).ok, 30_000);

    const env = addTill(dataDir, 'store-tls', 'till-tls');
    const client = new HqClient(
      base,
      {
        tillId: 'till-tls',
        secret: env.TILL_SECRET ?? '',
        hqPublicKeys: parseHqPublicKeys(env.TILL_HQ_PUBLIC_KEY ?? ''),
      },
      Date.now,
      5_000,
      hqDispatcher(ca),
    );
    const page = await client.get(`${SYNC_PATHS.changes}?after=0&limit=10`);
    expect(page.status).toBe(200);
    expect((page.body as { changes: { type: string }[] }).changes[0]?.type).toBe('ruleset');

    await expect(fetch(`http://127.0.0.1:${port}/v1/health`, { signal: AbortSignal.timeout(3000) })).rejects.toThrow();
  });
});
