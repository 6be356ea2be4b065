/**
 * `npm run bench [-- name ...]`: runs the benchmarks in sequence, one result line each, after
 * one `#` header line describing the machine. Every benchmark works in its own temp folder,
 * removed when it finishes (and on Ctrl-C). BENCH_DIR picks the parent folder (default: the
 * OS temp folder) so the disk under test can be chosen.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { identifyScale } from './identify-scale.js';
import { headerLine, type Benchmark } from './lib.js';
import { quote100Lines } from './quote-100-lines.js';
import { saleCommit } from './sale-commit.js';
import { memberHistory, mergedSale } from './merged-view.js';
import { backlogDrain, hqIngest } from './sync.js';
import { hqIngestPg, hqProcessesPg } from './pg-ingest.js';
import { benchReceipts } from './receipts.js';
import { benchDevices } from './devices.js';
import { benchScanToMember } from './scan-to-member.js';
import { reportYear } from './report-year.js';

const receipts: Benchmark = { name: 'receipts', run: () => benchReceipts() };

const devices: Benchmark = { name: 'devices', run: async () => (await benchDevices()).join('\n') };

const scanToMember: Benchmark = { name: 'scan_to_member', run: () => benchScanToMember() };

const ALL: readonly Benchmark[] = [
  saleCommit,
  mergedSale,
  memberHistory,
  identifyScale,
  quote100Lines,
  hqIngest,
  hqIngestPg,
  hqProcessesPg,
  backlogDrain,
  receipts,
  devices,
  scanToMember,
  reportYear,
];

async function main(): Promise<number> {
  const wanted = process.argv.slice(2).filter((a) => a !== '--');
  const unknown = wanted.filter((w) => !ALL.some((b) => b.name === w));
  if (unknown.length) {
    process.stderr.write(`unknown benchmark ${unknown.join(', ')}; choose from ${ALL.map((b) => b.name).join(', ')}\n`);
    return 2;
  }
  const chosen = wanted.length ? ALL.filter((b) => wanted.includes(b.name)) : ALL;
  const parent = process.env.BENCH_DIR ?? tmpdir();
  mkdirSync(parent, { recursive: true });
  const root = mkdtempSync(join(parent, 'till-bench-'));
  const cleanup = (): void => rmSync(root, { recursive: true, force: true });
  process.once('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  let failed = 0;
  try {
    process.stdout.write(`${headerLine(root)}\n`);
    for (const b of chosen) {
      const dir = join(root, b.name);
      mkdirSync(dir);
      try {
        process.stdout.write(`${await b.run({ dir })}\n`);
      } catch (e) {
        failed += 1;
        process.stdout.write(`${b.name}: FAILED ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    cleanup();
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
