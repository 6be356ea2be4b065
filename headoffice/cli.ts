/**
 * `npm run headoffice [-- <command>]` (CONTRACTS.md):
 *   serve (default)                       the server on HQ_HOST:HQ_PORT (127.0.0.1:7430)
 *   add-till --store <id> --till <id>     issue a till identity; prints TILL_ID/TILL_STORE_ID/TILL_SECRET
 *   publish-rules <file.json>             validate and publish a rule set version
 *   export-member --member <no> --operator <id> --reason <text> [--out <file>]
 *                                         everything held about a member, as JSON (DOMAIN.md 10)
 *   erase-member --member <no> --operator <id> --reason <text>
 *                                         erase a member's personal data here and on every till
 * Data lives in HQ_DATA_DIR. Exit codes: 0 ok, 1 refused or failed, 2 usage.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidRuleSetError, parseRuleSet } from '../core/ruleset/schema.js';
import { ConfigError, POSTGRES_UNSUPPORTED, configFromEnv, type HqConfig } from './config.js';
import { createLogger, type Logger } from './log.js';
import { LOG_FILE, openHeadOfficeStore } from './open.js';
import { ProvisionError, addTill, envLines } from './provision.js';
import { createHeadOffice } from './server.js';
import { OperatorRequestBody } from './api-schemas.js';
import { TillExistsError, type OperatorRequest } from './store/types.js';

const USAGE =
  'usage: npm run headoffice [-- serve | add-till --store <storeId> --till <tillId> | publish-rules <file.json>\n' +
  '       | export-member --member <no> --operator <id> --reason <text> [--out <file>]\n' +
  '       | erase-member --member <no> --operator <id> --reason <text>]\n';

class UsageError extends Error {}
/** A refusal worth one line (an unknown member), not a stack. */
class CliError extends Error {}

function flag(args: string[], name: string): string {
  const i = args.indexOf(name);
  const v = i >= 0 ? args[i + 1] : undefined;
  if (v === undefined || v.startsWith('--')) throw new UsageError(`${name} <value> is required`);
  return v;
}

function fileLogger(cfg: HqConfig): Logger {
  // CLI commands log to the data folder only, keeping stdout clean for the lines they print.
  return createLogger({ file: join(cfg.dataDir, LOG_FILE), stderr: false });
}

async function serve(cfg: HqConfig): Promise<void> {
  const hq = await createHeadOffice({
    dataDir: cfg.dataDir,
    port: cfg.port,
    host: cfg.host,
    operatorToken: cfg.operatorToken,
  });
  if (hq.generatedOperatorToken) {
    process.stdout.write(
      `Generated the operator token; it is shown only this once (set HQ_OPERATOR_TOKEN to choose your own):\n` +
        `HQ_OPERATOR_TOKEN=${hq.generatedOperatorToken}\n`,
    );
  }
  process.stdout.write(`head office listening on ${hq.url} (data: ${cfg.dataDir})\n`);
  const stop = (): void => {
    void hq.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

async function addTillCommand(cfg: HqConfig, args: string[]): Promise<void> {
  const storeId = flag(args, '--store');
  const tillId = flag(args, '--till');
  const store = await openHeadOfficeStore(cfg.dataDir, fileLogger(cfg));
  try {
    process.stdout.write(envLines(await addTill(store, storeId, tillId)));
  } finally {
    await store.close();
  }
}

async function publishRules(cfg: HqConfig, args: string[]): Promise<void> {
  const file = args[0];
  if (!file) throw new UsageError('publish-rules needs a JSON file');
  const rs = parseRuleSet(JSON.parse(readFileSync(file, 'utf8')));
  const store = await openHeadOfficeStore(cfg.dataDir, fileLogger(cfg));
  try {
    const out = await store.publishRuleSet(rs, new Date());
    if (out.kind === 'conflict') throw new Error(out.message);
    process.stdout.write(`rule set version ${out.version} ${out.kind}\n`);
  } finally {
    await store.close();
  }
}

function operatorRequest(args: string[]): OperatorRequest {
  const parsed = OperatorRequestBody.safeParse({
    operatorId: flag(args, '--operator'),
    reason: flag(args, '--reason'),
  });
  if (!parsed.success) throw new UsageError('--operator and --reason need non-empty values');
  return parsed.data;
}

async function exportMemberCommand(cfg: HqConfig, args: string[]): Promise<void> {
  const memberNo = flag(args, '--member');
  const who = operatorRequest(args);
  const out = args.includes('--out') ? flag(args, '--out') : null;
  const store = await openHeadOfficeStore(cfg.dataDir, fileLogger(cfg));
  try {
    const data = await store.exportMember(memberNo, who, new Date());
    if (!data) throw new CliError(`no member ${memberNo}`);
    const text = `${JSON.stringify(data, null, 2)}\n`;
    // The export holds personal data: a file only its owner can read.
    if (out) writeFileSync(out, text, { mode: 0o600 });
    else process.stdout.write(text);
  } finally {
    await store.close();
  }
}

async function eraseMemberCommand(cfg: HqConfig, args: string[]): Promise<void> {
  const memberNo = flag(args, '--member');
  const who = operatorRequest(args);
  const store = await openHeadOfficeStore(cfg.dataDir, fileLogger(cfg));
  try {
    const out = await store.eraseMember(memberNo, who, new Date());
    switch (out.kind) {
      case 'erased':
        process.stdout.write(`member ${memberNo} erased at ${out.erasedAt}; ${out.cardsBlocked} card(s) blocked\n`);
        return;
      case 'already_erased':
        process.stdout.write(`member ${memberNo} was already erased at ${out.erasedAt}\n`);
        return;
      case 'unknown':
        throw new CliError(`no member ${memberNo}`);
      default: {
        const never: never = out;
        throw new Error(`unknown erase outcome ${JSON.stringify(never)}`);
      }
    }
  } finally {
    await store.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const cfg = configFromEnv();
  if (cfg.databaseUrl) {
    process.stderr.write(`${POSTGRES_UNSUPPORTED}\n`);
    process.exitCode = 1;
    return;
  }
  const [command = 'serve', ...args] = argv;
  switch (command) {
    case 'serve':
      return serve(cfg);
    case 'add-till':
      return addTillCommand(cfg, args);
    case 'publish-rules':
      return publishRules(cfg, args);
    case 'export-member':
      return exportMemberCommand(cfg, args);
    case 'erase-member':
      return eraseMemberCommand(cfg, args);
    case '--help':
    case 'help':
      process.stdout.write(USAGE);
      return;
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof UsageError) {
    process.stderr.write(`${e.message}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const known =
    e instanceof TillExistsError || e instanceof ProvisionError || e instanceof ConfigError || e instanceof CliError;
  const message = e instanceof InvalidRuleSetError || known || e instanceof SyntaxError ? e.message : String(e);
  process.stderr.write(`headoffice: ${message}\n`);
  process.exitCode = 1;
});
