/**
 * Issue 14: a data folder restarted under another TILL_ID was accepted silently. It is refused
 * naming both ids, unless TILL_REPROVISION=1 and the folder has recorded nothing yet.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { configFromEnv, ConfigError, type TillConfig } from './config.js';
import { getMeta, setMeta } from './identity.js';
import { createTill } from './till.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function config(dataDir: string, env: Record<string, string>): TillConfig {
  return { ...configFromEnv({ TILL_POS_API_KEY: 'pos-key', ...env }), dataDir, port: 0, uiDir: null };
}

async function startStop(dataDir: string, env: Record<string, string>, before?: (url: string) => Promise<void>) {
  const t = await createTill(config(dataDir, env), { quiet: true });
  try {
    await before?.(t.url);
    return { tillId: t.ctx.identity.tillId, cursor: getMeta(t.ctx.db, 'hq_change_cursor') };
  } finally {
    await t.close();
  }
}

async function refusal(dataDir: string, env: Record<string, string>): Promise<Error> {
  const e = await createTill(config(dataDir, env), { quiet: true }).then(
    async (t) => {
      await t.close();
      return null;
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ConfigError);
  return e as Error;
}

const folder = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'till-identity-'));
  dirs.push(d);
  return d;
};

describe('a data folder keeps the TILL_ID it was created under', () => {
  it('refuses another TILL_ID, naming both, and starts again under its own or none', async () => {
    const dir = folder();
    expect((await startStop(dir, { TILL_ID: 'till-001-01' })).tillId).toBe('till-001-01');
    const e = await refusal(dir, { TILL_ID: 'till-002-01' });
    expect(e.message).toContain('till-001-01');
    expect(e.message).toContain('till-002-01');
    expect(e.message).toContain('TILL_REPROVISION=1');
    expect((await startStop(dir, { TILL_ID: 'till-001-01' })).tillId).toBe('till-001-01');
    expect((await startStop(dir, {})).tillId).toBe('till-001-01');
  });

  it('takes the new id with TILL_REPROVISION=1 while nothing is recorded, and syncs from the start', async () => {
    const dir = folder();
    const t = await createTill(config(dir, { TILL_ID: 'till-wrong' }), { quiet: true });
    setMeta(t.ctx.db, 'hq_change_cursor', '42');
    await t.close();
    const after = await startStop(dir, { TILL_ID: 'till-right', TILL_REPROVISION: '1' });
    expect(after).toEqual({ tillId: 'till-right', cursor: null });
    // Once taken, the new id is the folder's: the old one is refused now.
    await refusal(dir, { TILL_ID: 'till-wrong' });
  });

  it('refuses TILL_REPROVISION=1 once the ledger holds entries recorded under the old id', async () => {
    const dir = folder();
    await startStop(dir, { TILL_ID: 'till-old' }, async (url) => {
      const post = (path: string, body: unknown) =>
        fetch(`${url}${path}`, {
          method: 'POST',
          headers: { authorization: 'Bearer pos-key', 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }).then(async (r) => ({ status: r.status, json: (await r.json()) as Record<string, unknown> }));
      const m = await post('/v1/members', {
        name: '王五',
        phone: '13600000001',
        consent: { marketing: false, text: 'v1' },
      });
      const lines = [{ sku: 's', category: 'grocery', quantity: 1, unitPrice: 10_000 }];
      const sale = await post('/v1/sales', { saleId: 'ID-1', memberNo: m.json.memberNo, lines });
      expect(sale.status).toBe(201);
    });
    const e = await refusal(dir, { TILL_ID: 'till-new', TILL_REPROVISION: '1' });
    expect(e.message).toMatch(/till-old.*till-new|till-new.*till-old/s);
    expect(e.message).toContain('fresh TILL_DATA_DIR');
  });
});
