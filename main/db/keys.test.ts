import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeysError, loadOrCreateKeys } from './crypto.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'till-keys-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('personal-data keys', () => {
  it('are created once, owner-only, and loaded unchanged', () => {
    const file = join(dir, 'keys.json');
    const a = loadOrCreateKeys(file, { databaseHasMembers: false });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const b = loadOrCreateKeys(file, { databaseHasMembers: true });
    expect(b.dataKey.equals(a.dataKey)).toBe(true);
    expect(readFileSync(file, 'utf8')).not.toContain('\n\n');
  });

  it('are never silently replaced for a database that holds members', () => {
    expect(() => loadOrCreateKeys(join(dir, 'keys.json'), { databaseHasMembers: true })).toThrow(KeysError);
  });

  it('a damaged or truncated key file is a clear error, not a crash with a JSON message', () => {
    const file = join(dir, 'keys.json');
    writeFileSync(file, '');
    expect(() => loadOrCreateKeys(file, { databaseHasMembers: false })).toThrow(/damaged/);
    writeFileSync(file, JSON.stringify({ dataKey: 'c2hvcnQ=', lookupKey: 'c2hvcnQ=' }));
    expect(() => loadOrCreateKeys(file, { databaseHasMembers: false })).toThrow(/32-byte/);
  });

  it('hold the member-QR key: a legacy key from the database is taken in, else a new one is made', () => {
    const file = join(dir, 'keys.json');
    const legacy = Buffer.alloc(32, 9);
    const a = loadOrCreateKeys(file, { databaseHasMembers: false, legacyQrKey: legacy });
    expect(a.qrKey.equals(legacy)).toBe(true);
    const b = loadOrCreateKeys(file, { databaseHasMembers: true, legacyQrKey: Buffer.alloc(32, 1) });
    expect(b.qrKey.equals(legacy)).toBe(true);
    const other = join(dir, 'other.json');
    expect(loadOrCreateKeys(other, { databaseHasMembers: false }).qrKey).toHaveLength(32);
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), qrKey: 'c2hvcnQ=' }));
    expect(() => loadOrCreateKeys(file, { databaseHasMembers: true })).toThrow(/qrKey/);
  });
});
