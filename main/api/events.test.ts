import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTill, type TestTill } from '../../test/helpers/till.js';

let t: TestTill;
beforeEach(async () => {
  t = await startTill();
});
afterEach(async () => {
  await t.close();
});

/** Reads an SSE stream until `n` events arrived; returns their ids and types. */
async function readEvents(
  headers: Record<string, string>,
  n: number,
  query = '',
): Promise<{ id: number; type: string }[]> {
  const ac = new AbortController();
  const res = await fetch(`${t.url}/v1/events${query}`, {
    headers: { authorization: `Bearer ${t.key}`, ...headers },
    signal: ac.signal,
  });
  const reader = res.body!.getReader();
  const out: { id: number; type: string }[] = [];
  let buf = '';
  while (out.length < n) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += new TextDecoder().decode(value);
    for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const id = /^id: (\d+)$/m.exec(block)?.[1];
      const type = /^event: (\w+)$/m.exec(block)?.[1];
      if (id && type) out.push({ id: Number(id), type });
    }
  }
  ac.abort();
  return out;
}

describe('event stream', () => {
  it('a reconnecting stream gets the events it missed (Last-Event-ID or ?after=), once each', async () => {
    const base = t.ctx.events.since(0).at(-1)?.id ?? 0;
    t.ctx.events.publish({ type: 'sync', online: false, waiting: 0, lastSyncAt: null });
    t.ctx.events.publish({ type: 'device', device: 'scanner', state: 'ready' });
    t.ctx.events.publish({ type: 'card', source: 'sim', code: '2000000000017' });
    const replayed = await readEvents({ 'last-event-id': String(base + 1) }, 2);
    expect(replayed).toEqual([
      { id: base + 2, type: 'device' },
      { id: base + 3, type: 'card' },
    ]);
    const viaQuery = await readEvents({}, 1, `?after=${base + 2}`);
    expect(viaQuery).toEqual([{ id: base + 3, type: 'card' }]);
  });
});
