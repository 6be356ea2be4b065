/**
 * The chain's member-QR key at head office (docs/member-page.md "QR key"): 32 random bytes in
 * HQ_DATA_DIR/member-qr.key (base64, 0600), made at first start. Head office signs the member
 * page's QR codes with it (core/cards/memberqr.ts signMemberQr); every till fetches it sealed to
 * itself (`GET /v1/sync/member-qr-key`, core/sync/memberqrkey.ts) and verifies with it beside
 * its own key. Rotation: move the file aside and restart; tills keep the previous key.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const MEMBER_QR_KEY_FILE = 'member-qr.key';

export function loadOrCreateMemberQrKey(dataDir: string): Buffer {
  const file = join(dataDir, MEMBER_QR_KEY_FILE);
  try {
    writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  if (process.platform !== 'win32') chmodSync(file, 0o600);
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte key`);
  return key;
}
