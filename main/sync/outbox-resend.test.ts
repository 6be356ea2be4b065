/**
 * The till's side of a head office restored from a backup, for the records that ride no ledger
 * entry of their own (a card block, feedback, a preference change, a member record): each batch
 * names the outbox rows it covers (`outbox: {after, last}`), and when a feed page's `ackOutbox`
 * (the last row head office holds) is below the till's own `hq_ack_outbox`, the till sends its
 * outbox again from there (main/sync/service.ts resend, `sync_resend` why `feed_outbox`). A head
 * office played by the test answers the uploads and the feed, signed with its own key.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HQ_SIGNATURE_HEADER, hqPublicKeyText, parseTillAuthorization, signAnswer } from '../../core/sync/sign.js';
import { UploadBatch } from '../../core/sync/protocol.js';
import { enrolDirect, linkedTill } from '../../test/helpers/till.js';
import { insertFeedback } from '../db/feedback.js';
import { SaleRequest } from '../api/schemas.js';
import { changePreferences } from '../service/preferences.js';
import { recordSale } from '../service/sales.js';
import { getMeta } from '../service/identity.js';
import type { Till } from '../service/till.js';

/** What the played head office holds of the till and answers. */
class PlayedHq {
  readonly batches: UploadBatch[] = [];
  /** feed pages answer these (absent: an older head office) */
  ackSeq: number | undefined = undefined;
  ackOutbox: number | undefined = undefined;
  /** the next upload is answered 409 sequence_gap with this expectedSeq */
  gapAt: number | null = null;
  private readonly key: KeyObject;
  readonly publicKey: string;
  private server: Server | null = null;
  url = '';

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    this.key = privateKey;
    this.publicKey = hqPublicKeyText(publicKey);
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.answer(req, res));
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://hq');
    const send = (status: number, body: unknown): void => {
      const text = JSON.stringify(body);
      const sig = parseTillAuthorization(req.headers.authorization)?.signature ?? '';
      res.writeHead(status, {
        'content-type': 'application/json',
        [HQ_SIGNATURE_HEADER]: signAnswer(this.key, status, sig, text),
      });
      res.end(text);
    };
    if (req.method === 'POST' && url.pathname === '/v1/sync/batches') {
      const b = UploadBatch.parse(JSON.parse(gunzipSync(raw).toString('utf8')));
      if (this.gapAt !== null) {
        const expectedSeq = this.gapAt;
        this.gapAt = null;
        send(409, { error: { code: 'sequence_gap', message: 'resend' }, expectedSeq });
        return;
      }
      this.batches.push(b);
      const head = b.entries[b.entries.length - 1]?.hash ?? b.prevHash;
      send(200, { status: 'applied', ackSeq: b.lastSeq, headHash: head });
      return;
    }
    if (req.method === 'GET' && url.pathname === '/v1/sync/changes') {
      const after = Number(url.searchParams.get('after') ?? '0');
      send(200, {
        changes: [],
        cursor: after,
        ...(this.ackSeq === undefined ? {} : { ackSeq: this.ackSeq }),
        ...(this.ackOutbox === undefined ? {} : { ackOutbox: this.ackOutbox }),
      });
      return;
    }
    send(404, { error: { code: 'not_found', message: 'not played' } });
  }
}

let hq: PlayedHq;
let till: Till;
let dir: string;
let memberNo: string;
let resends: Record<string, unknown>[];

beforeEach(async () => {
  hq = new PlayedHq();
  await hq.start();
  dir = mkdtempSync(join(tmpdir(), 'outbox-resend-'));
  till = await linkedTill(
    join(dir, 'till'),
    { url: hq.url, publicKey: hq.publicKey },
    { tillId: 'till-or', storeId: 'store-or', secret: 'a'.repeat(64) },
  );
  memberNo = enrolDirect(till.ctx, { cardCode: '04:A1:B2:C3:D4:E5:F6' });
  resends = [];
  const log = till.ctx.log.log.bind(till.ctx.log);
  vi.spyOn(till.ctx.log, 'log').mockImplementation((level, event, fields) => {
    if (event === 'sync_resend') resends.push(fields ?? {});
    log(level, event, fields);
  });
});

afterEach(async () => {
  vi.restoreAllMocks();
  await till.close();
  await hq.close();
  rmSync(dir, { recursive: true, force: true });
});

const meta = (key: string): number => Number(getMeta(till.ctx.db, key) ?? '0');

async function sync(): Promise<void> {
  const s = await till.sync?.syncNow();
  expect(s?.problem ?? null).toBeNull();
}

/** A card block at the till, as the staff route records it (supervisor 0002). */
function blockCard(): string {
  const card = till.ctx.members.cardsOf(memberNo).find((c) => c.kind === 'nfc');
  if (!card) throw new Error('no NFC card');
  const at = till.ctx.now().toISOString();
  till.ctx.db
    .transaction(() => {
      if (till.ctx.members.blockCard(card.code, at, '0002')) till.ctx.outbox.add('card', memberNo, at);
    })
    .immediate();
  return card.code;
}

function recordFeedback(feedbackId: string): void {
  const at = till.ctx.now().toISOString();
  till.ctx.db
    .transaction(() => {
      insertFeedback(till.ctx.db, till.ctx.cipher, {
        feedbackId,
        kind: 'complaint',
        category: 'service',
        text: 'queue too long',
        memberNo,
        followUp: false,
        staffId: '0002',
        recordedAt: at,
      });
      till.ctx.outbox.add('feedback', feedbackId, at);
    })
    .immediate();
}

describe('a till sends its outbox again from where head office stands', () => {
  it('names the outbox rows each batch covers, continuing from the last one acknowledged', async () => {
    await sync();
    const first = hq.batches.at(-1);
    expect(first?.outbox).toEqual({ after: 0, last: meta('hq_ack_outbox') });
    expect(meta('hq_ack_outbox')).toBeGreaterThan(0);
    const acked = meta('hq_ack_outbox');
    blockCard();
    await sync();
    expect(hq.batches.at(-1)?.outbox).toEqual({ after: acked, last: acked + 1 });
    expect(meta('hq_ack_outbox')).toBe(acked + 1);
  });

  it('a feed page whose ackOutbox is below its own: a card block, feedback and a preference change are sent again', async () => {
    await sync();
    const backup = meta('hq_ack_outbox');
    const seqAtBackup = meta('hq_ack_seq');
    // After the backup: records only, no ledger entry of their own.
    const code = blockCard();
    recordFeedback('fb-after-backup');
    changePreferences(till.ctx, memberNo, { consentMarketing: true }, '0002');
    hq.ackSeq = seqAtBackup;
    await sync();
    expect(meta('hq_ack_outbox')).toBe(backup + 3);
    const sent = hq.batches.length;

    // Head office restored: it holds the ledger as before, the outbox only up to `backup`.
    hq.ackOutbox = backup;
    await sync();
    expect(resends).toEqual([expect.objectContaining({ why: 'feed_outbox', outbox: backup, ackOutbox: backup + 3 })]);
    expect(meta('hq_ack_outbox')).toBe(backup);
    expect(meta('hq_ack_seq')).toBe(seqAtBackup);

    // The next cycle uploads them again, continuing from head office's row.
    hq.ackOutbox = undefined;
    await sync();
    const again = hq.batches.slice(sent);
    expect(again[0]?.outbox).toEqual({ after: backup, last: backup + 3 });
    expect(again.flatMap((b) => b.entries)).toEqual([]);
    const member = again.flatMap((b) => b.members).find((m) => m.memberNo === memberNo);
    expect(member?.cards.find((c) => c.code === code)).toMatchObject({ status: 'blocked', staffId: '0002' });
    expect(member?.preferenceChanges).toEqual([expect.objectContaining({ consentMarketing: true, staffId: '0002' })]);
    expect(again.flatMap((b) => b.feedback).map((f) => f.feedbackId)).toEqual(['fb-after-backup']);
    expect(meta('hq_ack_outbox')).toBe(backup + 3);
  });

  it('an ackOutbox at or above its own, or none (an older head office), asks for nothing', async () => {
    await sync();
    blockCard();
    await sync();
    const own = meta('hq_ack_outbox');
    const sent = hq.batches.length;
    for (const ackOutbox of [own, own + 40, undefined]) {
      // A higher one: a till restored from its own backup numbers its rows behind head office.
      hq.ackOutbox = ackOutbox;
      await sync();
      expect(meta('hq_ack_outbox')).toBe(own);
    }
    expect(resends).toEqual([]);
    expect(hq.batches.length).toBe(sent);
  });

  it('lost entries and lost records together: the lower of the two outbox positions', async () => {
    await sync();
    const outboxAtBackup = meta('hq_ack_outbox');
    const seqAtBackup = meta('hq_ack_seq');
    blockCard();
    // A sale after the backup: entries and the sale's row.
    recordSale(
      till.ctx,
      SaleRequest.parse({
        saleId: 'S-after-backup',
        memberNo,
        lines: [{ sku: 'g', category: 'grocery', quantity: 1, unitPrice: 10_000 }],
      }),
    );
    await sync();
    expect(meta('hq_ack_outbox')).toBe(outboxAtBackup + 2);
    expect(meta('hq_ack_seq')).toBeGreaterThan(seqAtBackup);

    hq.ackSeq = seqAtBackup;
    hq.ackOutbox = outboxAtBackup;
    await sync();
    // The sale's row is stamped after the backup's entries, the block's before them: only
    // ackOutbox says the block is lost.
    expect(till.ctx.outbox.lastIdBefore(seqAtBackup + 1)).toBe(outboxAtBackup + 1);
    expect(meta('hq_ack_outbox')).toBe(outboxAtBackup);
    expect(meta('hq_ack_seq')).toBe(seqAtBackup);
    expect(resends).toEqual([expect.objectContaining({ why: 'feed', from: seqAtBackup + 1, outbox: outboxAtBackup })]);
  });

  it('409 sequence_gap never moves the outbox position up (rows may wait behind their entries)', async () => {
    await sync();
    const seq = meta('hq_ack_seq');
    expect(seq).toBeGreaterThan(0);
    // Rows head office has not taken yet, stamped with the ledger's head: they wait behind it.
    recordFeedback('fb-waiting-1');
    recordFeedback('fb-waiting-2');
    const own = meta('hq_ack_outbox');
    expect(till.ctx.outbox.lastIdBefore(seq + 1)).toBe(own + 2);
    // The next upload hears 409: resend from entry `seq + 1` (nothing of the ledger lost).
    hq.gapAt = seq + 1;
    const sent = hq.batches.length;
    await sync();
    expect(resends).toEqual([expect.objectContaining({ why: 'sequence_gap', from: seq + 1, outbox: own })]);
    // The two rows still went up, once: the position stayed at `own`, not past them.
    expect(
      hq.batches
        .slice(sent)
        .flatMap((b) => b.feedback)
        .map((f) => f.feedbackId),
    ).toEqual(['fb-waiting-1', 'fb-waiting-2']);
  });
});
