/**
 * DOMAIN.md 2 and 12, end to end: a member enrolled at store A, without their card at store B,
 * is found there by the mobile number the cashier types (B asks head office while online), not
 * while B is offline; and once B served the member, B's feed brings the real name and phone in
 * place of the placeholder the feed gave it before. A real head-office process and two
 * in-process tills whose sync the test drives.
 */
import { describe, expect, it } from 'vitest';
import { maskName, maskPhone } from '../../core/members.js';
import { WITHHELD_NAME, withheldPhone } from '../../core/sync/protocol.js';
import type { Till } from '../../main/service/till.js';
import { setMeta } from '../../main/service/identity.js';
import { Clock, freePort, inProcessTill, syncTills, tillPost, useHqProcess, type Json } from './procs.js';

const fx = useHqProcess('sync-member-lookup', 'operator-token-member-lookup');

async function enrolAt(t: Till, name: string, phone: string): Promise<string> {
  const m = await tillPost(t, '/v1/members', { name, phone, consent: { marketing: true, text: 'v1' } });
  expect(m.status, JSON.stringify(m.json)).toBe(201);
  const memberNo = m.json.memberNo as string;
  const sale = await tillPost(t, '/v1/sales', {
    saleId: `FUND-${phone}`,
    memberNo,
    lines: [{ sku: 'F', category: 'grocery', quantity: 1, unitPrice: 50_000 }],
  });
  expect(sale.status).toBe(201);
  return memberNo;
}

describe('a member of another store by mobile number (DOMAIN.md 2, 12)', () => {
  it('is found at store B while online, masked as usual, and stored with the real name', async () => {
    const a = await fx.tillAt('store-a', 'till-a1');
    const b = await fx.tillAt('store-b', 'till-b1');
    const phone = '13900000301';
    const memberNo = await enrolAt(a, '周九', phone);
    await syncTills(a, b);
    // The feed gave B the member with the placeholder: the number alone finds nobody locally.
    expect(b.ctx.members.get(memberNo)).toMatchObject({ name: WITHHELD_NAME, phone: withheldPhone(memberNo) });
    expect(b.ctx.members.byPhone(phone)).toBeNull();
    const atA = await tillPost(a, '/v1/members/identify', { code: memberNo });

    const r = await tillPost(b, '/v1/members/identify', { phone: '+86 139-0000-0301' });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json).toMatchObject({
      memberNo,
      name: maskName('周九'),
      phone: maskPhone(phone),
      balance: atA.json.balance,
      tier: atA.json.tier,
    });
    expect(b.ctx.members.get(memberNo)).toMatchObject({ name: '周九', phone, enrolledStore: 'store-a' });
    // Found locally from now on, offline too.
    expect(b.ctx.members.byPhone(phone)?.memberNo).toBe(memberNo);
  });

  it('is found at store B before its feed brought the member at all, with the balance head office confirmed', async () => {
    const a = await fx.tillAt('store-a', 'till-a4');
    const b = await fx.tillAt('store-b', 'till-b4');
    await syncTills(b);
    const phone = '13900000304';
    const memberNo = await enrolAt(a, '王十二', phone);
    await syncTills(a);
    expect(b.ctx.members.get(memberNo)).toBeNull();
    const atA = await tillPost(a, '/v1/members/identify', { code: memberNo });
    const r = await tillPost(b, '/v1/members/identify', { phone });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json).toMatchObject({ memberNo, name: maskName('王十二'), balance: atA.json.balance });
    expect(b.ctx.members.cardsOf(memberNo)).toEqual([{ code: memberNo, kind: 'barcode', memberNo, status: 'active' }]);
  });

  it('is not found at store B while B is offline (404 unknown_member), and nothing is stored', async () => {
    const a = await fx.tillAt('store-a', 'till-a2');
    const clockB = new Clock();
    const b = await fx.tillAt('store-b', 'till-b2', clockB);
    const phone = '13900000302';
    const memberNo = await enrolAt(a, '吴十', phone);
    await syncTills(a, b);
    clockB.advanceMinutes(20);
    const r = await tillPost(b, '/v1/members/identify', { phone });
    expect(r.status, JSON.stringify(r.json)).toBe(404);
    expect((r.json.error as Json).code).toBe('unknown_member');
    expect(b.ctx.members.get(memberNo)).toMatchObject({ name: WITHHELD_NAME });
  });

  it('is not found while head office does not answer (404 unknown_member, not an error)', async () => {
    const a = await fx.tillAt('store-a', 'till-a5');
    const phone = '13900000305';
    await enrolAt(a, '冯十三', phone);
    await syncTills(a);
    // A till of store B that believes itself online, whose head office address answers nothing.
    const b = await inProcessTill({
      root: fx.root,
      hqDir: fx.hqDir,
      hqUrl: `http://127.0.0.1:${await freePort()}`,
      store: 'store-b',
      id: 'till-b5',
    });
    try {
      setMeta(b.ctx.db, 'last_sync_at', new Date().toISOString());
      expect(b.ctx.isOnline()).toBe(true);
      const r = await tillPost(b, '/v1/members/identify', { phone });
      expect(r.status, JSON.stringify(r.json)).toBe(404);
      expect((r.json.error as Json).code).toBe('unknown_member');
    } finally {
      await b.close();
    }
  });

  it("after store B served the member, B's feed brings the real name and phone", async () => {
    const a = await fx.tillAt('store-a', 'till-a3');
    const clockB = new Clock();
    const b = await fx.tillAt('store-b', 'till-b3', clockB);
    const phone = '13900000303';
    const memberNo = await enrolAt(a, '郑十一', phone);
    await syncTills(a, b);
    // B serves the member by card (the member number's barcode).
    const sale = await tillPost(b, '/v1/sales', {
      saleId: 'B3-S1',
      memberNo,
      lines: [{ sku: 'T', category: 'grocery', quantity: 1, unitPrice: 8_000 }],
    });
    expect(sale.status, JSON.stringify(sale.json)).toBe(201);
    expect(b.ctx.members.get(memberNo)?.name).toBe(WITHHELD_NAME);
    await syncTills(b);
    expect(b.ctx.members.get(memberNo)).toMatchObject({ name: '郑十一', phone });
    // Offline now, the number is found on B's own database.
    clockB.advanceMinutes(20);
    const r = await tillPost(b, '/v1/members/identify', { phone });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json).toMatchObject({ memberNo, name: maskName('郑十一') });
  });
});
