/**
 * `npm run scan`: "scans" a code or "taps" an NFC card into a running till started with
 * TILL_DEVICES=simulated, through POST /v1/devices/simulate. The read then goes where a real
 * one goes: `card` and `member` events on /v1/events, identification.
 *
 *   npm run scan -- 2000001000014            scan a barcode (or a member QR's text)
 *   npm run scan -- scan ']E06901234567892'  the same, saying so
 *   npm run scan -- tap 04:A2:B3:C4:D5:E6:80  tap a card with this UID
 *
 * Options: --url <till URL> (default http://127.0.0.1:$TILL_PORT, port 7420), --key <POS key>
 * (default $TILL_POS_API_KEY, else the pos-api-key file in $TILL_DATA_DIR or the default data
 * folder), --json (print the till's answer as JSON).
 * Exit status: 0 identified, 1 refused or debounced, 2 usage or connection error.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { configFromEnv } from '../main/service/config.js';

const USAGE = `usage: npm run scan -- [scan|tap] <code> [--url http://127.0.0.1:7420] [--key <POS API key>] [--json]
  scan <code>   the simulated scanner reads <code> (a barcode, or a member QR's text)
  tap <uid>     a card with NFC UID <uid> is held to the simulated reader
The till must run with TILL_DEVICES=simulated.`;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

function posKey(explicit: string | undefined): string {
  if (explicit) return explicit;
  if (process.env.TILL_POS_API_KEY) return process.env.TILL_POS_API_KEY;
  let dataDir: string;
  try {
    dataDir = configFromEnv({ TILL_DATA_DIR: process.env.TILL_DATA_DIR }).dataDir;
  } catch {
    return fail('set TILL_POS_API_KEY or pass --key');
  }
  const file = join(dataDir, 'pos-api-key');
  if (!existsSync(file)) fail(`no POS key: set TILL_POS_API_KEY, pass --key, or set TILL_DATA_DIR (looked in ${file})`);
  return readFileSync(file, 'utf8').trim();
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        key: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    return fail(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const words = positionals.filter((p) => p !== '--');
  let kind: 'scan' | 'tap' = 'scan';
  if (words[0] === 'scan' || words[0] === 'tap') kind = words.shift() as 'scan' | 'tap';
  if (words.length !== 1 || !words[0]) return fail(USAGE);
  const code = words[0];
  const url = (values.url ?? `http://127.0.0.1:${process.env.TILL_PORT ?? '7420'}`).replace(/\/+$/, '');
  const key = posKey(values.key);

  let res: Response;
  try {
    res = await fetch(`${url}/v1/devices/simulate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ kind, code }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (e) {
    return fail(`cannot reach the till at ${url}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const body = (await res.json().catch(() => null)) as Record<string, unknown> | null;
  if (values.json) process.stdout.write(`${JSON.stringify(body)}\n`);
  if (res.status === 404) {
    return fail(`the till at ${url} has no simulated readers: start it with TILL_DEVICES=simulated (on loopback)`);
  }
  if (res.status !== 200 || !body) {
    const err = (body?.error ?? {}) as { code?: string; message?: string };
    return fail(`the till refused (${res.status} ${err.code ?? ''}): ${err.message ?? JSON.stringify(body)}`);
  }
  if (!values.json) {
    const what = kind === 'tap' ? `tapped ${String(body.code)}` : `scanned ${String(body.code)}`;
    if (body.outcome === 'identified') process.stdout.write(`${what}: member ${String(body.memberNo)}\n`);
    else if (body.outcome === 'debounced') process.stdout.write(`${what}: ignored, same code read moments ago\n`);
    else process.stdout.write(`${what}: refused (${String(body.error)})\n`);
  }
  return body.outcome === 'identified' ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => fail(`scan failed: ${e instanceof Error ? e.message : String(e)}`),
);
