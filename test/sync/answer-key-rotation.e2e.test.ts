/**
 * Rotating head office's answer-signing key with an overlap (headoffice/answer-key.ts,
 * headoffice/README.md "Rotating the answer key"), end to end: a real head-office process, its
 * CLI run as store IT runs it, and in-process tills configured from the environment.
 * `new-answer-key` stages the next key (0600, never printed) and every command that gives tills
 * TILL_HQ_PUBLIC_KEY gives the pair; a till holding the pair syncs before and after
 * `promote-answer-key` and the head-office restart that follows it; a till holding only the old
 * key then applies nothing (head office counts as unreachable) until it is given the new key.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_RULE_SET_INPUT } from '../../core/ruleset/default.js';
import { configFromEnv } from '../../main/service/config.js';
import { getMeta } from '../../main/service/identity.js';
import { createTill, type Till } from '../../main/service/till.js';
import { bearerCall } from '../helpers/bearer-call.js';
import { addTill, hqEnv, ROOT, syncTillsCleanly, tillPost, useHqProcess } from './procs.js';
import { nodeScript } from '../helpers/child-scripts.js';

const TOKEN = 'operator-token-answer-key';
const fx = useHqProcess('answer-key-rotation', TOKEN);
const KEY = /^[A-Za-z0-9+/]{43}=$/;
const POSIX = process.platform !== 'win32';

const tills: Till[] = [];
afterAll(async () => {
  for (const t of tills) await t.close();
});

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, nodeScript('headoffice/cli.ts', ...args), {
    cwd: ROOT,
    env: { ...process.env, ...hqEnv(fx.hqDir) },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const file = (name: string): string => join(fx.hqDir, name);
const mode = (name: string): number => statSync(file(name)).mode & 0o777;

/** A till in this process configured as its environment would configure it; sync driven by hand. */
async function tillWith(dataDir: string, issued: Record<string, string>, hqPublicKey: string): Promise<Till> {
  const t = await createTill(
    configFromEnv({
      TILL_DATA_DIR: dataDir,
      TILL_PORT: '0',
      TILL_POS_API_KEY: 'pos-key',
      TILL_HQ_URL: `http://127.0.0.1:${fx.hqPort}`,
      TILL_ID: issued.TILL_ID,
      TILL_STORE_ID: issued.TILL_STORE_ID,
      TILL_SECRET: issued.TILL_SECRET,
      TILL_HQ_PUBLIC_KEY: hqPublicKey,
      TILL_SYNC_INTERVAL_MS: '3600000',
    }),
    { quiet: true },
  );
  await t.sync?.stop();
  tills.push(t);
  return t;
}

async function enrol(t: Till, phone: string): Promise<void> {
  const m = await tillPost(t, '/v1/members', { name: '孙八', phone, consent: { marketing: false, text: 'v1' } });
  expect(m.status, JSON.stringify(m.json)).toBe(201);
}

const ruleVersion = (t: Till): number => t.ctx.rules.at(new Date().toISOString()).version;

let old = '';
let next = '';
let stagedPem = '';

describe("rotating head office's answer key with an overlap", () => {
  it('promote-answer-key refuses while nothing is staged, and changes nothing', () => {
    const shown = cli('public-key');
    expect(shown.code).toBe(0);
    old = shown.stdout.replace(/^TILL_HQ_PUBLIC_KEY=/, '').trimEnd();
    expect(old).toMatch(KEY);
    const before = readFileSync(file('answer-key.pem'), 'utf8');

    const r = cli('promote-answer-key');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'headoffice: no next answer key is staged: `new-answer-key` stages one ' +
        '(headoffice/README.md, "Rotating the answer key")\n',
    );
    expect(readFileSync(file('answer-key.pem'), 'utf8')).toBe(before);
    expect(existsSync(file('answer-key.next.pem'))).toBe(false);
  });

  it('new-answer-key stages the next key (0600, never printed); every command giving tills their key gives the pair', async () => {
    const r = cli('new-answer-key');
    expect(r.code, r.stderr).toBe(0);
    const m = /^TILL_HQ_PUBLIC_KEY=([^,\n]+),([^,\n]+)\n$/.exec(r.stdout);
    expect(m?.[1]).toBe(old);
    next = m?.[2] ?? '';
    expect(next).toMatch(KEY);
    expect(next).not.toBe(old);
    expect(r.stderr).toMatch(/^Staged the next answer key \(answer-key\.next\.pem\).*promote-answer-key/);
    stagedPem = readFileSync(file('answer-key.next.pem'), 'utf8');
    expect(stagedPem).toContain('PRIVATE KEY');
    expect(r.stdout + r.stderr).not.toContain('PRIVATE KEY');
    if (POSIX) {
      expect(mode('answer-key.next.pem')).toBe(0o600);
      expect(mode('answer-key.pem')).toBe(0o600);
    }
    const pairLine = `TILL_HQ_PUBLIC_KEY=${old},${next}\n`;

    // Staging again keeps the staged key: tills already given the pair keep working.
    const again = cli('new-answer-key');
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(pairLine);
    expect(again.stderr).toMatch(/already staged and is kept/);
    expect(readFileSync(file('answer-key.next.pem'), 'utf8')).toBe(stagedPem);

    expect(cli('public-key').stdout).toBe(pairLine);
    const added = cli('add-till', '--store', 'store-r', '--till', 'till-added');
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain(`\n${pairLine}`);
    const bulk = await bearerCall(fx.hq.url, TOKEN, 'POST', '/v1/tills', {
      tills: [{ storeId: 'store-r', tillId: 'till-bulk' }],
    });
    expect(bulk.status, JSON.stringify(bulk.json)).toBe(200);
    expect(bulk.json.hqPublicKey).toBe(`${old},${next}`);
  }, 60_000);

  it('a till holding both keys syncs before and after the promotion; one holding only the old key stops applying answers', async () => {
    // One till given the pair (spaces around the keys, as an IT person may type them); one missed,
    // still holding only the old key as a till provisioned before the rotation does.
    const pairIssued = addTill(fx.hqDir, 'store-r', 'till-pair');
    const oldIssued = addTill(fx.hqDir, 'store-r', 'till-old');
    expect(oldIssued.TILL_HQ_PUBLIC_KEY).toBe(`${old},${next}`);
    const pair = await tillWith(mkdtempSync(join(fx.root, 'pair-')), pairIssued, ` ${old} , ${next} `);
    const oldDir = mkdtempSync(join(fx.root, 'old-'));
    const oldOnly = await tillWith(oldDir, oldIssued, old);
    await enrol(pair, '13800001001');
    await enrol(oldOnly, '13800001002');
    await syncTillsCleanly(pair, oldOnly);

    const promoted = cli('promote-answer-key');
    expect(promoted.code, promoted.stderr).toBe(0);
    expect(promoted.stdout).toBe(`TILL_HQ_PUBLIC_KEY=${next}\n`);
    expect(promoted.stderr).toMatch(/old one is deleted\. Restart every head-office process/);
    expect(promoted.stdout + promoted.stderr).not.toContain('PRIVATE KEY');
    expect(readFileSync(file('answer-key.pem'), 'utf8')).toBe(stagedPem);
    if (POSIX) expect(mode('answer-key.pem')).toBe(0o600);
    // The old private key is gone, not kept aside.
    expect(readdirSync(fx.hqDir).filter((n) => n.includes('answer-key'))).toEqual(['answer-key.pem']);
    expect(cli('public-key').stdout).toBe(`TILL_HQ_PUBLIC_KEY=${next}\n`);
    expect(cli('promote-answer-key').code).toBe(1);

    // The running process read its key at start: it signs with the old key until restarted.
    await syncTillsCleanly(pair, oldOnly);
    await fx.restart();
    const started = readFileSync(file('headoffice.log'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"headoffice_started"'))
      .map((l) => JSON.parse(l) as { answerKey?: string });
    expect(started.at(-1)?.answerKey).toBe(next);

    const v2 = await bearerCall(fx.hq.url, TOKEN, 'POST', '/v1/rulesets', {
      ...DEFAULT_RULE_SET_INPUT,
      version: 2,
      effectiveFrom: '2020-01-01T00:00:00Z',
    });
    expect(v2.status, JSON.stringify(v2.json)).toBe(201);

    await enrol(pair, '13800001003');
    await syncTillsCleanly(pair);
    const paired = pair.sync?.status();
    expect(paired?.ackSeq).toBe(paired?.headSeq);
    expect(ruleVersion(pair)).toBe(2);

    const cursor = getMeta(oldOnly.ctx.db, 'hq_change_cursor');
    await enrol(oldOnly, '13800001004');
    const refused = await oldOnly.sync?.syncNow();
    expect(refused?.problem?.code).toBe('hq_unreachable');
    expect(refused?.problem?.message).toMatch(/not signed by head office/);
    expect(refused?.ackSeq).toBeLessThan(refused?.headSeq ?? 0);
    expect(getMeta(oldOnly.ctx.db, 'hq_change_cursor')).toBe(cursor);
    expect(ruleVersion(oldOnly)).toBe(1);

    // Given the new key, the same till (same data folder) syncs again and catches up.
    await oldOnly.close();
    tills.splice(tills.indexOf(oldOnly), 1);
    const renewed = await tillWith(oldDir, oldIssued, next);
    await syncTillsCleanly(renewed);
    const caughtUp = renewed.sync?.status();
    expect(caughtUp?.ackSeq).toBe(caughtUp?.headSeq);
    expect(ruleVersion(renewed)).toBe(2);
  }, 90_000);
});
