/**
 * Card reader benchmarks (issue 5): parser throughput, and the time from the last byte of a
 * scan on a serial line to the till's `card` event.
 *
 *   devices_parsers   codes per second through each parser a reader's bytes pass: the serial
 *                     framer, HID POS reports, boot keyboard reports, serial NFC lines, PC/SC
 *                     GET UID answers; and through the device manager's whole read path
 *                     (normalise, debounce, member lookup and identification on SQLite)
 *   devices_serial    last byte written into a real pty (socat pair) -> `card` event on the
 *                     till's bus, median and p95, for a CR-terminated scanner and for one
 *                     without terminator (whose codes end on the idle timeout)
 *
 * `benchDevices()` returns the result lines; `npx tsx bench/devices.ts` prints them.
 */
import { closeSync, constants, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseGetUidResponse } from '../native/nfc/pcsc.js';
import { parseUidLine, UID_PROFILES } from '../core/cards/uid-line.js';
import { Framer } from '../native/scanners/framer.js';
import { MockHidBackend } from '../native/scanners/hid-sim.js';
import { KeyboardReportDecoder, keyboardReports } from '../native/scanners/hidkeyboard.js';
import { HidPosAssembler, hidPosReports } from '../native/scanners/hidpos.js';
import { SIMULATED_SCANNER } from '../main/devices/manager.js';
import { configFromEnv } from '../main/service/config.js';
import { enrol } from '../main/service/members.js';
import { createTill, type Till } from '../main/service/till.js';
import { PtyPair, socatUnavailable } from '../test/devices/socat.js';

const now = (): number => performance.now();

function quantile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] as number;
}

function rate(n: number, ms: number): string {
  const perS = (n / ms) * 1000;
  const v = perS >= 1e6 ? `${(perS / 1e6).toFixed(2)}M` : perS >= 1e3 ? `${(perS / 1e3).toFixed(0)}k` : perS.toFixed(0);
  return `${v} codes/s`;
}

/** Best of three runs of fn(), which processes n codes. */
function throughput(n: number, fn: () => void): string {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = now();
    fn();
    best = Math.min(best, now() - t0);
  }
  return rate(n, best);
}

function ean13(first12: string): string {
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(first12[i]) * (i % 2 === 0 ? 1 : 3);
  return `${first12}${(10 - (sum % 10)) % 10}`;
}

async function benchTill(dir: string, scanners: string, devices: 'auto' | 'simulated'): Promise<Till> {
  return createTill(
    {
      ...configFromEnv({ TILL_DEVICES: devices, TILL_SCANNERS: scanners }),
      dataDir: dir,
      port: 0,
      host: '127.0.0.1',
      posApiKey: 'bench-pos-key-devices',
      logLevel: 'error',
    },
    {
      quiet: true,
      devices: {
        debounceMs: 0,
        detectIntervalMs: 0,
        hid: () => Promise.resolve(new MockHidBackend()),
        backoff: { initialMs: 20, maxMs: 200 },
      },
    },
  );
}

function enrolMembers(till: Till, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    out.push(
      enrol(till.ctx, {
        name: '王五',
        phone: `135${String(10_000_000 + i).slice(-8)}`,
        preferredChannel: 'none',
        interests: [],
        consent: { marketing: false, text: 'privacy-v1' },
      }).summary.memberNo,
    );
  }
  return out;
}

async function parsers(dir: string): Promise<string> {
  const N = 200_000;
  const codes = Array.from({ length: 1000 }, (_, i) => ean13(`2${String(i).padStart(11, '0')}`));
  const serialStream = Buffer.from(Array.from({ length: N }, (_, i) => `${codes[i % codes.length]}\r\n`).join(''));
  const serial = throughput(N, () => {
    const f = new Framer();
    for (let at = 0; at < serialStream.length; at += 4096) f.push(serialStream.subarray(at, at + 4096), at);
  });

  const posReports = codes.map((c) => hidPosReports(c, { aim: ']E0' })[0] as Buffer);
  const pos = throughput(N, () => {
    const a = new HidPosAssembler();
    for (let i = 0; i < N; i++) a.push(posReports[i % posReports.length] as Buffer, i);
  });

  const KN = 20_000;
  const kbReports = codes.slice(0, 100).map((c) => keyboardReports(c));
  const keyboard = throughput(KN, () => {
    const d = new KeyboardReportDecoder();
    for (let i = 0; i < KN; i++) for (const r of kbReports[i % kbReports.length] as Buffer[]) d.push(r, i);
  });

  const profile = UID_PROFILES['hex-lsb']!;
  const nfc = throughput(N, () => {
    for (let i = 0; i < N; i++) parseUidLine('UID: 80 E6 D5 C4 B3 A2 04', profile);
  });

  const answer = Buffer.from('04a2b3c4d5e6809000', 'hex');
  const pcsc = throughput(N, () => {
    for (let i = 0; i < N; i++) parseGetUidResponse(answer);
  });

  // The whole read path in a till: normalise, debounce, lookup, card event, identification.
  const till = await benchTill(join(dir, 'parsers'), 'keyboard', 'simulated');
  try {
    const members = enrolMembers(till, 200);
    const RN = 5_000;
    const path = throughput(RN, () => {
      for (let i = 0; i < RN; i++) {
        till.devices.deliver(SIMULATED_SCANNER, {
          kind: 'barcode',
          text: members[i % members.length] as string,
          at: 0,
        });
      }
    });
    return (
      `devices_parsers: serial framer ${serial}, HID POS reports ${pos}, keyboard reports ${keyboard} ` +
      `(${kbReports[0]?.length} reports a code), serial NFC lines ${nfc}, PC/SC GET UID answers ${pcsc}; ` +
      `till read path with identification ${path}`
    );
  } finally {
    await till.close();
  }
}

async function serialLatency(dir: string): Promise<string> {
  const why = socatUnavailable();
  if (why) return `devices_serial: skipped (${why})`;
  const line = new PtyPair(join(dir, 'scanner-line'), join(dir, 'till-line'));
  const idle = new PtyPair(join(dir, 'scanner-idle'), join(dir, 'till-idle'));
  await line.start();
  await idle.start();
  const till = await benchTill(
    join(dir, 'serial'),
    `serial:${line.tillLink}?baud=115200,serial:${idle.tillLink}?baud=115200&term=none&idle=20`,
    'auto',
  );
  const fds: number[] = [];
  try {
    const deadline = Date.now() + 10_000;
    while (!till.devices.status().every((d) => d.state === 'ready')) {
      if (Date.now() > deadline) throw new Error(`serial ports not ready: ${JSON.stringify(till.devices.status())}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const members = enrolMembers(till, 50);
    const measure = async (link: string, terminator: string, n: number): Promise<number[]> => {
      const fd = openSync(link, constants.O_WRONLY | constants.O_NOCTTY);
      fds.push(fd);
      const samples: number[] = [];
      for (let i = 0; i < n + 20; i++) {
        const code = members[i % members.length] as string;
        const seen = new Promise<number>((resolve) => {
          const stop = till.ctx.events.subscribe(({ event }) => {
            if (event.type === 'card' && event.code === code) {
              stop();
              resolve(now());
            }
          });
        });
        writeSync(fd, `${code}${terminator}`);
        const t0 = now(); // the last byte is in the line
        const t1 = await seen;
        if (i >= 20) samples.push(t1 - t0);
        await new Promise((r) => setTimeout(r, 2));
      }
      return samples;
    };
    const a = await measure(line.scannerLink, '\r', 300);
    const b = await measure(idle.scannerLink, '', 100);
    const f = (x: number): string => `${x.toFixed(2)} ms`;
    return (
      `devices_serial: last byte on a pty -> card event: CR-terminated median ${f(quantile(a, 0.5))}, ` +
      `p95 ${f(quantile(a, 0.95))} (N=${a.length}); no terminator, idle=20 ms: median ${f(quantile(b, 0.5))}, ` +
      `p95 ${f(quantile(b, 0.95))} (N=${b.length}); 115200 baud, socat pty pairs`
    );
  } finally {
    for (const fd of fds) closeSync(fd);
    await till.close();
    await line.stop();
    await idle.stop();
  }
}

export async function benchDevices(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'till-bench-devices-'));
  try {
    return [await parsers(dir), await serialLatency(dir)];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchDevices().then(
    (lines) => {
      process.stdout.write(`${lines.join('\n')}\n`);
      process.exit(0);
    },
    (e: unknown) => {
      process.stderr.write(`benchDevices failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
