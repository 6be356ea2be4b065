/**
 * PC/SC NFC against the real stack: a pcscd started for this test with vsmartcard's virtual
 * reader (vpcd, on a free TCP port), nfc-pcsc and @pokusew/pcsclite in the till, and a small
 * virtual card (native/nfc/vpcd-card.py) that answers GET DATA UID. Tap, remove, tap again;
 * then pcscd itself goes away and comes back.
 *
 * Skips, saying exactly why, where pcscd, vpcd, python3 or nfc-pcsc is missing, or where
 * another pcscd already owns /run/pcscd (pcscd's socket path is fixed at build time).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNfcPcsc, pcscdSocketPath, probePcscd } from '../../native/nfc/pcsc.js';
import { MockHidBackend } from '../../native/scanners/hid-sim.js';
import type { TillEvent } from '../../main/service/events.js';
import { startDeviceTill, until, type DeviceTill } from './till.js';

const VPCD_DRIVER = '/usr/lib/pcsc/drivers/serial/libifdvpcd.so';
const CARD_SCRIPT = fileURLToPath(new URL('../../native/nfc/vpcd-card.py', import.meta.url));

function which(cmd: string): string | null {
  for (const dir of ['/usr/sbin', '/usr/local/sbin', '/sbin', ...(process.env.PATH ?? '').split(':')]) {
    if (dir && existsSync(join(dir, cmd))) return join(dir, cmd);
  }
  return null;
}

async function unavailable(): Promise<string | null> {
  if (process.platform !== 'linux') return `pcscd with vpcd is a Linux setup (this is ${process.platform})`;
  if (!which('pcscd')) return 'pcscd is not installed (apt-get install pcscd)';
  if (!existsSync(VPCD_DRIVER))
    return `vsmartcard's virtual reader is not installed (${VPCD_DRIVER}; apt-get install vsmartcard-vpcd)`;
  if (spawnSync('python3', ['--version']).error)
    return 'python3 is not installed (the virtual card is a Python script)';
  try {
    await loadNfcPcsc();
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  if ((await probePcscd()) === null) {
    return `a pcscd is already running on ${pcscdSocketPath()}; this test starts its own with a virtual reader`;
  }
  if (existsSync(pcscdSocketPath())) return `a stale ${pcscdSocketPath()} exists; pcscd would refuse to start`;
  return null;
}

/** Two consecutive free TCP ports: vpcd listens on CHANNELID and CHANNELID + 1 (its two slots). */
async function freePortPair(): Promise<number> {
  const listen = (port: number): Promise<number | null> =>
    new Promise((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(null));
      s.listen(port, '0.0.0.0', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
  for (let i = 0; i < 20; i++) {
    const p = await listen(0);
    if (p && p < 65535 && (await listen(p + 1))) return p;
  }
  throw new Error('no two consecutive free ports');
}

class Pcscd {
  proc: ChildProcess | null = null;
  log = '';
  constructor(private readonly confDir: string) {}

  start(port: number): Promise<void> {
    this.log = '';
    const proc = spawn(which('pcscd') as string, ['--foreground', '--debug', '--config', this.confDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    const keep = (b: Buffer): void => {
      this.log = (this.log + b.toString('utf8')).slice(-20_000);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`pcscd did not become ready:\n${this.log}`)), 10_000);
      proc.once('exit', (code) => {
        clearTimeout(timer);
        if (this.proc === proc) this.proc = null;
        reject(new Error(`pcscd exited (${code}):\n${this.log}`));
      });
      const check = (): void => {
        if (this.log.includes('daemon ready') && this.log.includes(`virtual ICC on port ${port}`)) {
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout?.on('data', check);
      proc.stderr?.on('data', check);
    });
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
    this.proc = null;
  }
}

/** A card on the virtual reader for as long as the process runs. */
class VirtualCard {
  private readonly proc: ChildProcess;
  out = '';
  readonly ready: Promise<void>;
  constructor(uid: string, port: number) {
    this.proc = spawn('python3', [CARD_SCRIPT, '--uid', uid, '--port', String(port)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.ready = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`virtual card did not connect: ${this.out}`)), 10_000);
      this.proc.stdout?.on('data', (b: Buffer) => {
        this.out += b.toString('utf8');
        if (this.out.includes('ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      this.proc.stderr?.on('data', (b: Buffer) => (this.out += b.toString('utf8')));
      this.proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`virtual card exited (${code}): ${this.out}`));
      });
    });
  }
  /** Takes the card off the reader. */
  async remove(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise<void>((r) => this.proc.once('exit', () => r()));
    this.proc.kill('SIGTERM');
    await exited;
  }
}

const reason = await unavailable();

describe.skipIf(reason !== null)(
  `PC/SC through pcscd and a virtual card${reason ? ` (skipped: ${reason})` : ''}`,
  () => {
    let dir: string;
    let port: number;
    let pcscd: Pcscd;
    let t: DeviceTill;
    const cards: VirtualCard[] = [];
    let m7: string;
    let m4: string;

    const isMember = (memberNo: string) => (e: TillEvent) => e.type === 'member' && e.memberNo === memberNo;
    const pcscIs = (state: string) => (e: TillEvent) => e.type === 'device' && e.device === 'pcsc' && e.state === state;

    async function tap(uid: string): Promise<VirtualCard> {
      const c = new VirtualCard(uid, port);
      cards.push(c);
      await c.ready;
      return c;
    }

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'till-pcsc-'));
      port = await freePortPair();
      const hex = `0x${port.toString(16).toUpperCase()}`;
      writeFileSync(
        join(dir, 'vpcd'),
        `FRIENDLYNAME "Virtual PCD"\nDEVICENAME   /dev/null:${hex}\nLIBPATH      ${VPCD_DRIVER}\nCHANNELID    ${hex}\n`,
      );
      pcscd = new Pcscd(dir);
      await pcscd.start(port);
      t = await startDeviceTill({
        devices: 'auto',
        scanners: 'pcsc',
        deviceOptions: {
          hid: () => Promise.resolve(new MockHidBackend()),
          debounceMs: 200,
          backoff: { initialMs: 100, maxMs: 500 },
        },
      });
      m7 = await t.enrol('04A2B3C4D5E680');
      m4 = await t.enrol('DE:AD:BE:EF');
    }, 60_000);

    afterAll(async () => {
      await Promise.all(cards.map((c) => c.remove()));
      await t?.close();
      await pcscd?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('finds the virtual readers', async () => {
      await until(
        async () => (await t.device('pcsc')).detail?.includes('Virtual PCD') === true,
        'virtual reader listed',
      );
      const d = await t.device('pcsc');
      expect(d.state).toBe('ready');
      expect(d.detail).toMatch(/^readers: Virtual PCD 00 00/);
    });

    it('tap, remove, tap again: each tap identifies the member', async () => {
      let mark = t.events.mark();
      const first = await tap('04A2B3C4D5E680');
      const card = await t.events.waitFor((e) => e.type === 'card', 'card event', 10_000, mark);
      expect(card).toMatchObject({ source: 'pcsc', code: '04A2B3C4D5E680', kind: 'nfc' });
      await t.events.waitFor(isMember(m7), 'first tap', 10_000, mark);
      expect(first.out).toContain('apdu ffca000000');
      await first.remove();
      await new Promise((r) => setTimeout(r, 400)); // off the reader for longer than the debounce window

      mark = t.events.mark();
      const again = await tap('04A2B3C4D5E680');
      await t.events.waitFor(isMember(m7), 'second tap', 10_000, mark);
      await again.remove();
      await new Promise((r) => setTimeout(r, 300));

      mark = t.events.mark();
      const other = await tap('DEADBEEF');
      await t.events.waitFor(isMember(m4), 'another card', 10_000, mark);
      await other.remove();
      await new Promise((r) => setTimeout(r, 300));

      mark = t.events.mark();
      const stranger = await tap('0411223344556677889900');
      const refused = await t.events.waitFor((e) => e.type === 'card', 'unknown card', 10_000, mark);
      expect(refused).toMatchObject({ error: 'invalid_uid' }); // 11 bytes: no such UID size
      await stranger.remove();
      expect(t.events.events.slice(mark).filter((e) => e.type === 'member')).toEqual([]);
    }, 60_000);

    it('pcscd going away is a disconnected reader; when it is back, taps work again', async () => {
      let mark = t.events.mark();
      await pcscd.stop();
      await t.events.waitFor(pcscIs('disconnected'), 'pcscd gone', 10_000, mark);
      expect((await t.device('pcsc')).detail).toMatch(/pcscd|Service|SCard/i);
      await new Promise((r) => setTimeout(r, 600)); // a few probes while it is down: the till must stay responsive
      expect((await t.get('/v1/health')).status).toBe(200);

      mark = t.events.mark();
      await pcscd.start(port);
      await t.events.waitFor(pcscIs('ready'), 'pcscd back', 15_000, mark);
      await until(async () => (await t.device('pcsc')).detail?.includes('Virtual PCD') === true, 'reader back');
      mark = t.events.mark();
      const c = await tap('04A2B3C4D5E680');
      await t.events.waitFor(isMember(m7), 'tap after pcscd restart', 10_000, mark);
      await c.remove();
      expect((await t.device('pcsc')).reconnects).toBe(1);
    }, 60_000);
  },
);
