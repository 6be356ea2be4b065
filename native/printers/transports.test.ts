/**
 * The transports against real links: a TCP listener on 127.0.0.1 and a socat pty pair acting
 * as printers (the simulator answers DLE EOT from its condition), and a real file for the
 * device-file transport.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileTransport } from './file.js';
import { Printer } from './printer.js';
import { openPtyPair, socatAvailable, type PtyPair } from './pty.js';
import { SerialTransport } from './serial.js';
import { startSerialPrinter, startTcpPrinter, type SimulatedPrinter } from './simulator.js';
import { TcpTransport } from './tcp.js';

const JOB = Buffer.concat([
  Buffer.from([0x1b, 0x40, 0x1b, 0x74, 0x00, 0x1c, 0x26]),
  Buffer.from('receipt line\n'.repeat(200), 'latin1'),
  Buffer.from([0x1d, 0x56, 0x42, 0x00]),
]);

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('TCP 9100 printer', () => {
  it('reads status: ready, paper out, cover open, paper low; a silent printer reads offline', async () => {
    const sim = await startTcpPrinter();
    cleanups.push(() => sim.close());
    const p = new Printer(new TcpTransport('127.0.0.1', sim.port), { status: true, statusTimeoutMs: 300 });
    expect((await p.status()).state).toBe('ready');
    sim.core.condition.paperOut = true;
    expect((await p.status()).state).toBe('paper_out');
    sim.core.condition.paperOut = false;
    sim.core.condition.coverOpen = true;
    expect((await p.status()).state).toBe('cover_open');
    sim.core.condition.coverOpen = false;
    sim.core.condition.paperLow = true;
    expect(await p.status()).toMatchObject({ state: 'ready', paperLow: true });
    sim.core.condition.silent = true;
    const silent = await p.status();
    expect(silent.state).toBe('offline');
    expect(silent.detail).toMatch(/no answer/);
    expect(sim.connections).toBe(5);
  });

  it('nothing listening reads absent; status=off prints without asking', async () => {
    const port = await freePort();
    const p = new Printer(new TcpTransport('127.0.0.1', port, { connectTimeoutMs: 500 }), { status: true });
    expect((await p.status()).state).toBe('absent');
    const outcome = await p.print(JOB);
    expect(outcome).toMatchObject({ ok: false, stage: 'open', status: { state: 'absent' } });

    const sim = await startTcpPrinter(port);
    cleanups.push(() => sim.close());
    sim.core.condition.silent = true;
    const blind = new Printer(new TcpTransport('127.0.0.1', port), { status: false });
    expect(await blind.print(JOB)).toMatchObject({ ok: true, status: { state: 'unknown' } });
    expect(sim.core.receipts).toHaveLength(1);
    expect(sim.core.statusQueries).toBe(0);
  });

  it('prints a job whole and confirms it; refuses to send to a printer out of paper', async () => {
    const sim = await startTcpPrinter();
    cleanups.push(() => sim.close());
    const p = new Printer(new TcpTransport('127.0.0.1', sim.port), { status: true, statusTimeoutMs: 500 });
    sim.core.condition.paperOut = true;
    expect(await p.print(JOB)).toMatchObject({ ok: false, stage: 'status', status: { state: 'paper_out' } });
    expect(sim.core.bytesWhileStopped).toBe(0);
    expect(sim.core.receipts).toHaveLength(0);
    sim.core.condition.paperOut = false;
    expect(await p.print(JOB)).toMatchObject({ ok: true, bytes: JOB.length });
    expect(sim.core.receipts).toHaveLength(1);
    expect(sim.core.receipts[0]?.equals(JOB)).toBe(true);
  });

  it('a connection dropped mid-receipt is a failed job, never a confirmed one', async () => {
    const sim = await startTcpPrinter();
    cleanups.push(() => sim.close());
    const p = new Printer(new TcpTransport('127.0.0.1', sim.port), { status: true, statusTimeoutMs: 500 });
    sim.dropAfter(1000);
    const outcome = await p.print(JOB);
    expect(outcome.ok).toBe(false);
    expect(outcome.ok ? null : outcome.stage).toMatch(/write|confirm/);
    expect(sim.core.receipts).toHaveLength(0);
    expect(sim.core.partials).toHaveLength(1);
    // 1000 bytes on the link, less the two status questions asked before the job
    expect(sim.core.partials[0]?.length).toBe(1000 - 6);
    // The retry prints it whole.
    expect((await p.print(JOB)).ok).toBe(true);
    expect(sim.core.receipts).toHaveLength(1);
    expect(sim.core.receipts[0]?.equals(JOB)).toBe(true);
  });
});

describe.skipIf(!socatAvailable())('serial printer on a socat pty pair', () => {
  async function pair(link?: string): Promise<PtyPair> {
    const p = await openPtyPair(link ? { link } : {});
    cleanups.push(() => p.close());
    return p;
  }
  async function printerOn(path: string): Promise<SimulatedPrinter> {
    const s = await startSerialPrinter(path, 19200);
    cleanups.push(() => s.close());
    return s;
  }

  it('reads status and prints over the pty; paper out holds the job back', async () => {
    const link = await pair();
    const sim = await printerOn(link.b);
    const transport = new SerialTransport(link.a, 19200);
    const p = new Printer(transport, { status: true, statusTimeoutMs: 500 });
    cleanups.push(() => p.dispose());
    expect((await p.status()).state).toBe('ready');
    sim.core.condition.paperOut = true;
    expect(await p.print(JOB)).toMatchObject({ ok: false, stage: 'status', status: { state: 'paper_out' } });
    expect(sim.core.bytesWhileStopped).toBe(0);
    sim.core.condition.paperOut = false;
    expect((await p.print(JOB)).ok).toBe(true);
    expect(sim.core.receipts).toHaveLength(1);
    expect(sim.core.receipts[0]?.equals(JOB)).toBe(true);
  });

  it('a port that is not there reads absent, and the printer is found once it appears', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pty-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'ttyPRINTER');
    const p = new Printer(new SerialTransport(path, 19200), { status: true, statusTimeoutMs: 500 });
    cleanups.push(() => p.dispose());
    expect((await p.status()).state).toBe('absent');
    const link = await pair(path);
    await printerOn(link.b);
    expect((await p.print(JOB)).ok).toBe(true);
  });

  it('a printer with nothing on the line reads offline', async () => {
    const link = await pair();
    const p = new Printer(new SerialTransport(link.a, 19200), { status: true, statusTimeoutMs: 300 });
    cleanups.push(() => p.dispose());
    const s = await p.status();
    expect(s.state).toBe('offline');
  });
});

describe('device file printer', () => {
  it('appends jobs to the device, reports unknown state, and absent when the device is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lp-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const dev = join(dir, 'lp0');
    const p = new Printer(new FileTransport(dev), { status: true });
    expect((await p.status()).state).toBe('absent');
    expect(await p.print(JOB)).toMatchObject({ ok: false, stage: 'open', status: { state: 'absent' } });
    writeFileSync(dev, '');
    expect((await p.status()).state).toBe('unknown');
    expect(await p.print(JOB)).toMatchObject({ ok: true, status: { state: 'unknown' } });
    expect(await p.print(JOB)).toMatchObject({ ok: true });
    expect(readFileSync(dev).equals(Buffer.concat([JOB, JOB]))).toBe(true);
  });
});
