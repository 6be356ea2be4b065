import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memberQrKeyId } from '../../core/sync/memberqrkey.js';
import { FieldCipher, loadOrCreateKeys } from './crypto.js';
import { HQ_QR_KEYS_FILE, HqQrKeyStore } from './hq-qr-keys.js';

let dir: string;
let cipher: FieldCipher;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'till-hq-qr-'));
  cipher = new FieldCipher(loadOrCreateKeys(join(dir, 'keys.json'), { databaseHasMembers: false }));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("head office's member-QR keys at the till", () => {
  it('are kept encrypted in an owner-only file and read back after a restart', () => {
    const file = join(dir, HQ_QR_KEYS_FILE);
    const k1 = randomBytes(32);
    const s = new HqQrKeyStore(file, cipher);
    expect(s.keys()).toEqual([]);
    expect(s.put(k1, '2026-01-01T00:00:00.000Z')).toBe(true);
    expect(s.put(k1, '2026-01-02T00:00:00.000Z')).toBe(false);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(k1.toString('base64'));
    expect(text).not.toContain(k1.toString('hex'));
    const again = new HqQrKeyStore(file, cipher);
    expect(again.keys().map((k) => k.toString('hex'))).toEqual([k1.toString('hex')]);
    expect(again.kids()).toEqual({ current: memberQrKeyId(k1), previous: null });
  });

  it('keep the previous key on a rotation, and only one previous', () => {
    const file = join(dir, HQ_QR_KEYS_FILE);
    const [k1, k2, k3] = [randomBytes(32), randomBytes(32), randomBytes(32)];
    const s = new HqQrKeyStore(file, cipher);
    s.put(k1, 'a');
    s.put(k2, 'b');
    expect(s.keys()).toEqual([k2, k1]);
    s.put(k1, 'c'); // back to the previous key: both stay
    expect(s.keys()).toEqual([k1, k2]);
    s.put(k3, 'd');
    expect(new HqQrKeyStore(file, cipher).keys()).toEqual([k3, k1]);
  });

  it("do not open with another till's data key", () => {
    const file = join(dir, HQ_QR_KEYS_FILE);
    new HqQrKeyStore(file, cipher).put(randomBytes(32), 'a');
    const otherDir = mkdtempSync(join(tmpdir(), 'till-hq-qr-other-'));
    try {
      const other = new FieldCipher(loadOrCreateKeys(join(otherDir, 'keys.json'), { databaseHasMembers: false }));
      expect(() => new HqQrKeyStore(file, other)).toThrow();
    } finally {
      rmSync(otherDir, { recursive: true, force: true });
    }
  });
});
