/**
 * `npm run loadgen -- --tills N --seconds S [options]`: thousands of simulated tills against a
 * real head office (run.ts). Prints a progress line every few seconds, then the report. Exit
 * code 0 when head office holds exactly what the tills wrote (PASS), 1 when it holds other
 * than it acknowledged (FAIL) or the run failed, 2 on usage, 3 when what it holds agrees but
 * some tills' last batches were never acknowledged within the drain (INCOMPLETE).
 */
import { writeFileSync } from 'node:fs';
import { formatReport } from './report.js';
import { DEFAULTS, runLoad, type LoadOptions } from './run.js';

const USAGE = `usage: npm run loadgen -- --tills <n> --seconds <s> [options]
  --hq <url>[,<url>...]   head office to load; several processes of one head office comma-separated
                          (tills spread over them) (default: start one on a temporary data folder)
  --processes <n>         head-office processes to start on --database-url (default 1)
  --token <token>         an admin operator token for --hq (default: HQ_OPERATOR_TOKEN)
  --rate <n>              business events per till per minute (default ${DEFAULTS.rate})
  --members <n>           members enrolled before the clock starts (default: one per till)
  --seed <n>              seed for the event mix (default ${DEFAULTS.seed})
  --steps <n>             ramp steps, an even climb to --tills (default ${DEFAULTS.steps})
  --no-ramp               every till from the start (one step)
  --no-gzip               tills do not ask for feed pages gzipped (a real till's fetch does)
  --poll <s>              feed poll interval per till, seconds (default ${DEFAULTS.pollMs / 1000})
  --progress <s>          seconds between progress lines (default ${DEFAULTS.progressMs / 1000})
  --check-members <n>     members checked at the end at most, a random sample beyond (default ${DEFAULTS.checkMembers})
  --database-url <url>    HQ_DATABASE_URL for the head office this run starts (PostgreSQL)
  --json <file>           write the report as JSON too
`;

class UsageError extends Error {}

function parse(argv: string[]): { opts: LoadOptions; json: string | null } {
  const vals = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (!a.startsWith('--')) throw new UsageError(`unexpected ${a}`);
    if (a === '--no-ramp' || a === '--no-gzip' || a === '--help') flags.add(a);
    else {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      vals.set(a, v);
    }
  }
  if (flags.has('--help')) throw new UsageError('');
  const known = [
    '--tills',
    '--seconds',
    '--hq',
    '--token',
    '--rate',
    '--members',
    '--seed',
    '--steps',
    '--poll',
    '--progress',
    '--check-members',
    '--database-url',
    '--processes',
    '--json',
  ];
  for (const k of vals.keys()) if (!known.includes(k)) throw new UsageError(`unknown option ${k}`);
  const num = (k: string, dflt: number | null, min: number): number => {
    const raw = vals.get(k);
    if (raw === undefined) {
      if (dflt === null) throw new UsageError(`${k} is required`);
      return dflt;
    }
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min) throw new UsageError(`${k} needs a number of at least ${min}`);
    return n;
  };
  const tills = Math.floor(num('--tills', null, 1));
  const dbUrl = vals.get('--database-url');
  return {
    opts: {
      tills,
      seconds: num('--seconds', null, 1),
      hq: vals.get('--hq') ?? null,
      processes: Math.floor(num('--processes', DEFAULTS.processes, 1)),
      operatorToken: vals.get('--token') ?? process.env.HQ_OPERATOR_TOKEN ?? null,
      rate: num('--rate', DEFAULTS.rate, 0),
      members: Math.floor(num('--members', tills, 0)),
      seed: Math.floor(num('--seed', DEFAULTS.seed, 0)),
      steps: flags.has('--no-ramp') ? 1 : Math.floor(num('--steps', DEFAULTS.steps, 1)),
      pollMs: num('--poll', DEFAULTS.pollMs / 1000, 0.1) * 1000,
      progressMs: num('--progress', DEFAULTS.progressMs / 1000, 0.5) * 1000,
      checkMembers: Math.floor(num('--check-members', DEFAULTS.checkMembers, 0)),
      hqEnv: dbUrl ? { HQ_DATABASE_URL: dbUrl } : {},
      gzip: !flags.has('--no-gzip'),
      log: (line) => process.stdout.write(`${line}\n`),
    },
    json: vals.get('--json') ?? null,
  };
}

async function main(): Promise<void> {
  const { opts, json } = parse(process.argv.slice(2));
  const report = await runLoad(opts);
  process.stdout.write(`${formatReport(report)}\n`);
  if (json) writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  process.exitCode = { PASS: 0, FAIL: 1, INCOMPLETE: 3 }[report.check.verdict];
}

main().catch((e: unknown) => {
  if (e instanceof UsageError) {
    process.stderr.write(`${e.message ? `${e.message}\n` : ''}${USAGE}`);
    process.exitCode = 2;
    return;
  }
  process.stderr.write(`loadgen: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
