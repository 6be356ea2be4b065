/**
 * Issue 14: linking a card from the Lookup screen said nothing of where the code came from, so
 * an all-digit NFC UID tapped on the till's reader was refused as an unrecognised code. The
 * link takes the reader's `source`, as enrolment takes `cardSource`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrolDirect, startTill, type TestTill } from '../../test/helpers/till.js';
import { StaffDirectory } from './staff.js';

let t: TestTill;
let token: string;

beforeAll(async () => {
  t = await startTill();
  new StaffDirectory(t.ctx.db).add({ staffId: '1001', name: '李收银', role: 'cashier', pin: '1234' });
  const r = await t.post('/v1/staff/sessions', { staffId: '1001', pin: '1234' }, { key: null });
  token = r.body.token as string;
});

afterAll(async () => {
  await t.close();
});

describe('POST /v1/staff/cards/link', () => {
  it('links an all-digit UID as an NFC card when the reader said nfc', async () => {
    const memberNo = enrolDirect(t.ctx);
    const r = await t.post('/v1/staff/cards/link', { memberNo, code: '04998877665544', source: 'nfc' }, { key: token });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ kind: 'nfc', status: 'active' });
    expect(t.ctx.members.card(r.body.code as string)).toMatchObject({ memberNo, kind: 'nfc' });
  });

  it('still classifies by shape without a source', async () => {
    const memberNo = enrolDirect(t.ctx);
    const r = await t.post('/v1/staff/cards/link', { memberNo, code: '04112233445566' }, { key: token });
    expect({ status: r.status, code: r.body?.error?.code }).toEqual({ status: 422, code: 'unrecognised_code' });
    const hex = await t.post('/v1/staff/cards/link', { memberNo, code: '04:11:22:33:44:55:66' }, { key: token });
    expect(hex.body).toMatchObject({ kind: 'nfc' });
  });

  it('refuses an unknown source', async () => {
    const memberNo = enrolDirect(t.ctx);
    const r = await t.post(
      '/v1/staff/cards/link',
      { memberNo, code: '04A1B2C3D4E5F6', source: 'magstripe' },
      { key: token },
    );
    expect(r.status).toBe(400);
  });
});
