/**
 * `npm run headoffice [-- <command>]` (CONTRACTS.md):
 *   serve (default)                       the server on HQ_HOST:HQ_PORT (127.0.0.1:7430)
 *   add-till --store <id> --till <id> [--store-name <name>] [--till-name <name>]
 *                                         issue a till identity (and register the store's and the till's
 *                                         names, shown instead of ids); prints TILL_ID/TILL_STORE_ID/TILL_SECRET,
 *                                         TILL_HQ_URL (HQ_PUBLIC_URL, else this head office's address) and
 *                                         TILL_HQ_PUBLIC_KEY (head office's answer-signing key, base64)
 *   public-key                            prints TILL_HQ_PUBLIC_KEY=... again (creates the key if none yet;
 *                                         while a next key is staged, the current and the next)
 *   new-answer-key                        stages head office's next answer-signing key (answer-key.next.pem)
 *                                         and prints TILL_HQ_PUBLIC_KEY=<current>,<next> for every till
 *   promote-answer-key                    the staged key replaces answer-key.pem; prints TILL_HQ_PUBLIC_KEY=<new>
 *                                         (restart every head-office process after it: answer-key.ts); the
 *                                         database records it as the chain's (key-check.ts)
 *   record-keys                           the database records this folder's answer-key.pem and member-qr.key
 *                                         as the chain's, after a deliberate rotation (never keys.json)
 *   show-rules                            the rule set in force, as JSON ready to edit and publish
 *   publish-rules <file.json>             validate and publish a rule set version; prints what sample
 *                                         baskets earn per tier before and after
 *   export-member --member <no> --operator <id> --reason <text> [--out <file>]
 *                                         everything held about a member, as JSON (DOMAIN.md 10)
 *   erase-member --member <no> --operator <id> --reason <text>
 *                                         erase a member's personal data here and on every till
 *   run-eod [--date YYYY-MM-DD]           head office's end-of-day run now (expiry, reviews, win-back, classes)
 *   rebuild-aggregates                    rebuilds the reports' read model from the ledger, sales and members
 *   adjust-points --member <no> --points <n> --direction credit|debit --operator <id> --reason <text>
 *                                         a points adjustment, as a head-office ledger entry
 *   grant-win-back --member <no> --operator <id> --reason <text> [--days <n>]
 *                                         a win-back offer, as a head-office ledger entry
 *   add-operator --id <id> --role viewer|analyst|admin
 *                                         a named operator; prints their token once
 *   rotate-operator --id <id>             a new token for an operator (printed once); the old one stops
 *   revoke-operator --id <id>             the operator's token stops working (rotate-operator issues a new one)
 *   backup --to <file>                    a checked copy of the SQLite database while head office serves
 *                                         (on PostgreSQL: pg_dump / pg_basebackup, headoffice/README.md)
 * Data lives in HQ_DATA_DIR. Exit codes: 0 ok, 1 refused or failed, 2 usage.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidRuleSetError, parseRuleSet } from '../core/ruleset/schema.js';
import { ConfigError, configFromEnv, type HqConfig } from './config.js';
import { KeysDifferError, type RotatableKey } from './key-check.js';
import { createLogger, type Logger } from './log.js';
import { LOG_FILE, openHeadOfficeStore } from './open.js';
import { DatabaseUnavailableError } from './store/pg.js';
import { hqPublicKeyText } from '../core/sync/sign.js';
import { NoStagedAnswerKeyError, promoteNextAnswerKey, stageNextAnswerKey, tillHqPublicKeys } from './answer-key.js';
import { ProvisionError, addTill, envLines, publicKeyLine } from './provision.js';
import { createHeadOffice } from './server.js';
import { BackupError, backupSqlite } from './backup.js';
import { previewRuleChange, previewText } from './domain/preview.js';
import { OPERATOR_ROLES, digest, newOperatorToken, type OperatorRole } from './auth/operator.js';
import {
  AdjustmentRequest,
  EARLIEST_DATE,
  EodRequest,
  LATEST_DATE,
  OperatorRequestBody,
  WinBackRequest,
} from './api-schemas.js';
import { FutureDateError, TillExistsError, type HqStore, type OperatorRequest } from './store/types.js';

const USAGE =
  'usage: npm run headoffice [-- serve | add-till --store <storeId> --till <tillId> [--store-name <name>] [--till-name <name>]\n' +
  '       | public-key | new-answer-key | promote-answer-key | record-keys | show-rules\n' +
  '       | publish-rules <file.json>\n' +
  '       | export-member --member <no> --operator <id> --reason <text> [--out <file>]\n' +
  '       | erase-member --member <no> --operator <id> --reason <text>\n' +
  '       | run-eod [--date YYYY-MM-DD]\n' +
  '       | rebuild-aggregates\n' +
  '       | adjust-points --member <no> --points <n> --direction credit|debit --operator <id> --reason <text>\n' +
  '       | grant-win-back --member <no> --operator <id> --reason <text> [--days <n>]\n' +
  '       | add-operator --id <id> --role viewer|analyst|admin\n' +
  '       | rotate-operator --id <id> | revoke-operator --id <id>\n' +
  '       | backup --to <file>]\n';

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
    databaseUrl: cfg.databaseUrl,
    port: cfg.port,
    host: cfg.host,
    operatorToken: cfg.operatorToken,
    tls: cfg.tls,
    ...(cfg.maxBodiesPerClient === null ? {} : { maxBodiesPerClient: cfg.maxBodiesPerClient }),
    trustedProxies: cfg.trustedProxies,
    metricsToken: cfg.metricsToken,
    feedGzip: cfg.feedGzip,
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
  const names = {
    storeName: args.includes('--store-name') ? flag(args, '--store-name') : null,
    tillName: args.includes('--till-name') ? flag(args, '--till-name') : null,
  };
  const store = await openHeadOfficeStore(cfg, fileLogger(cfg));
  try {
    process.stdout.write(envLines(await addTill(store, storeId, tillId, new Date(), names)));
    process.stdout.write(`TILL_HQ_URL=${publicUrl(cfg)}\n`);
    process.stdout.write(publicKeyLine(tillHqPublicKeys(cfg.dataDir)));
    // The member page members' phones reach (often another address than the tills'): receipts' survey QR.
    const memberPage = process.env.HQ_MEMBER_PAGE_URL?.trim();
    if (memberPage) process.stdout.write(`TILL_MEMBER_PAGE_URL=${memberPage}\n`);
  } finally {
    await store.close();
  }
}

/**
 * Head office's answer-signing public key, for a till provisioned before it was printed (or to
 * check one); during a rotation the current and the next, as every till should hold them.
 */
function publicKeyCommand(cfg: HqConfig): void {
  process.stdout.write(publicKeyLine(tillHqPublicKeys(cfg.dataDir)));
}

/** Rotation, step 1 (answer-key.ts): the next key staged, and the pair every till is given now. */
function newAnswerKeyCommand(cfg: HqConfig): void {
  const staged = stageNextAnswerKey(cfg.dataDir);
  process.stdout.write(publicKeyLine(`${hqPublicKeyText(staged.current)},${hqPublicKeyText(staged.next)}`));
  process.stderr.write(
    staged.created
      ? 'Staged the next answer key (answer-key.next.pem). Give every till the line above, then run promote-answer-key.\n'
      : 'A next answer key was already staged and is kept: the line above is unchanged. ' +
          'Give every till the line above, then run promote-answer-key.\n',
  );
}

/**
 * Rotation, step 2 (answer-key.ts): the staged key signs from each head-office process's next
 * start, and the database records it as the chain's (a process started with the old one is then
 * refused: key-check.ts); the line tills hold after.
 */
async function promoteAnswerKeyCommand(cfg: HqConfig): Promise<void> {
  const key = promoteNextAnswerKey(cfg.dataDir);
  await recordKeys(cfg, ['answer']);
  process.stdout.write(publicKeyLine(hqPublicKeyText(key)));
  process.stderr.write(
    'The staged key is now answer-key.pem; the old one is deleted. Restart every head-office process ' +
      '(back up answer-key.pem again), then give every till the line above.\n',
  );
}

/**
 * A named operator (auth/operator.ts). Whoever can write the data folder can run this, as they
 * can add-till: the folder is the root of trust. The token is printed once; only its digest is kept.
 */
async function addOperatorCommand(cfg: HqConfig, args: string[]): Promise<void> {
  const id = flag(args, '--id');
  const role = flag(args, '--role') as OperatorRole;
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(id)) throw new UsageError('--id: 1-64 letters, digits, ".", "_" or "-"');
  if (!OPERATOR_ROLES.includes(role)) throw new UsageError(`--role: one of ${OPERATOR_ROLES.join(', ')}`);
  const token = newOperatorToken();
  const store = await openHeadOfficeStore(cfg, fileLogger(cfg));
  try {
    const out = await store.addOperator({ id, role, tokenDigest: digest(token), createdBy: 'cli' }, new Date());
    if (out === 'exists') throw new CliError(`operator ${id} already exists`);
    process.stdout.write(`OPERATOR_ID=${id}\nOPERATOR_ROLE=${role}\nOPERATOR_TOKEN=${token}\n`);
    process.stderr.write('The token is shown only this once; head office keeps its SHA-256.\n');
  } finally {
    await store.close();
  }
}

/**
 * The address tills reach this head office at, for add-till's TILL_HQ_URL line: HQ_PUBLIC_URL
 * when set (behind a load balancer or a DNS name), else the address it serves on.
 */
function publicUrl(cfg: HqConfig): string {
  const configured = process.env.HQ_PUBLIC_URL;
  if (configured) return configured.replace(/\/+$/, '');
  const host = cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host;
  return `${cfg.tls ? 'https' : 'http'}://${host}:${cfg.port}`;
}

/** The rule set tills use now, as JSON: edit it, raise `version`, publish it with publish-rules. */
async function showRules(cfg: HqConfig): Promise<void> {
  const store = await openHeadOfficeStore(cfg, fileLogger(cfg));
  try {
    process.stdout.write(`${JSON.stringify(await store.ruleSetInForce(new Date()), null, 2)}\n`);
  } finally {
    await store.close();
  }
}

/** A new token for an operator (printed once), or none at all: a digest of random bytes nobody holds. */
async function replaceOperatorToken(cfg: HqConfig, args: string[], revoke: boolean): Promise<void> {
  const id = flag(args, '--id');
  const token = newOperatorToken();
  const store = await openHeadOfficeStore(cfg, fileLogger(cfg));
  try {
    const nobody = digest(newOperatorToken());
    if (!(await store.setOperatorToken(id, revoke ? nobody : digest(token)))) throw new CliError(`no operator ${id}`);
    if (revoke) process.stdout.write(`operator ${id} revoked\n`);
    else {
      process.stdout.write(`OPERATOR_ID=${id}\nOPERATOR_TOKEN=${token}\n`);
      process.stderr.write('The token is shown only this once; the previous one no longer works.\n');
    }
  } finally {
    await store.close();
  }
}

async function publishRules(cfg: HqConfig, args: string[]): Promise<void> {
  const file = args[0];
  if (!file) throw new UsageError('publish-rules needs a JSON file');
  const rs = parseRuleSet(JSON.parse(readFileSync(file, 'utf8')));
  const store = await openHeadOfficeStore(cfg, fileLogger(cfg));
  try {
    const now = new Date();
    const before = await store.ruleSetInForce(now).catch(() => null);
    const out = await store.publishRuleSet(rs, now);
    if (out.kind === 'conflict') throw new Error(out.message);
    process.stdout.write(`rule set version ${out.version} ${out.kind}, in force from ${rs.effectiveFrom}\n`);
    if (before) {
      // What members will notice: the same baskets under the version in force and under this one.
      process.stdout.write(`points per sample basket, version ${before.version} -> ${rs.version}:\n`);
      process.stdout.write(`${previewText(previewRuleChange(before, rs, now.toISOString()))}\n`);
    }
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
  const store = await openHeadOfficeStore(cfg, fileLogger(cfg));
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
  const log = fileLogger(cfg);
  const store = await openHeadOfficeStore(cfg, log);
  try {
    const out = await store.eraseMember(memberNo, who, new Date());
    switch (out.kind) {
      case 'erased':
        // As the operator endpoint logs it: after a restore from a backup, the erasures to run again.
        log.log('info', 'member_erased', { memberNo, operatorId: who.operatorId, cards: out.cardsBlocked });
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

/** Opens the store for one command and closes it whatever happens. */
/** The database records this folder's `keys` as the chain's (key-check.ts); keys.json is never re-recorded. */
async function recordKeys(cfg: HqConfig, keys: readonly RotatableKey[]): Promise<void> {
  const store = await openHeadOfficeStore(cfg, fileLogger(cfg), new Date(), keys);
  await store.close();
}

async function recordKeysCommand(cfg: HqConfig): Promise<void> {
  await recordKeys(cfg, ['answer', 'memberQr']);
  process.stdout.write(
    "Recorded this data folder's answer-key.pem and member-qr.key as the chain's. Copy them to every " +
      "head-office process's data folder and restart those processes.\n",
  );
}

async function withStore<T>(cfg: HqConfig, fn: (store: HqStore) => Promise<T>): Promise<T> {
  const store = await openHeadOfficeStore(cfg, fileLogger(cfg));
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

async function runEodCommand(cfg: HqConfig, args: string[]): Promise<void> {
  const date = args.includes('--date') ? flag(args, '--date') : undefined;
  if (date !== undefined && !EodRequest.safeParse({ date }).success) {
    throw new UsageError(`--date needs a date YYYY-MM-DD from ${EARLIEST_DATE} to ${LATEST_DATE}`);
  }
  const r = await withStore(cfg, (store) => store.runEndOfDay(new Date(), date));
  process.stdout.write(
    `end of day ${r.date}: ${r.members} member(s), ${r.entries} entr(ies): ${r.expired.points} point(s) expired ` +
      `for ${r.expired.members}, ${r.reviews.held} review(s) (${r.reviews.downgrades} down), ` +
      `${r.offers} win-back offer(s), ${r.classesChanged} class change(s)\n`,
  );
}

async function rebuildAggregatesCommand(cfg: HqConfig): Promise<void> {
  const rows = await withStore(cfg, (store) => store.rebuildAggregates());
  process.stdout.write(`read model rebuilt from the ledger: ${rows} row(s) of daily sums\n`);
}

async function backupCommand(cfg: HqConfig, args: string[]): Promise<void> {
  const to = flag(args, '--to');
  if (cfg.databaseUrl) {
    throw new BackupError(
      'on_postgres',
      'head office runs on PostgreSQL: back it up with pg_dump or pg_basebackup (headoffice/README.md, "Backups")',
    );
  }
  const r = await backupSqlite(cfg.dataDir, to);
  process.stdout.write(
    `backed up to ${r.file}: ${r.bytes} bytes, ${r.ledgerEntries} ledger entries, ${r.members} members, ` +
      `${r.tills} till(s) (checked)\n` +
      `keys.json and answer-key.pem in ${cfg.dataDir} are not in it: keep a copy of them apart\n`,
  );
}

async function adjustPointsCommand(cfg: HqConfig, args: string[]): Promise<void> {
  const memberNo = flag(args, '--member');
  const parsed = AdjustmentRequest.safeParse({
    ...operatorRequest(args),
    points: Number(flag(args, '--points')),
    direction: flag(args, '--direction'),
  });
  if (!parsed.success) throw new UsageError('--points needs a positive integer and --direction credit or debit');
  const out = await withStore(cfg, (store) => store.adjustPoints(memberNo, parsed.data, new Date()));
  if (out.kind === 'unknown') throw new CliError(`no member ${memberNo}`);
  if (out.kind === 'insufficient') throw new CliError(`member ${memberNo} has only ${out.available} points to debit`);
  process.stdout.write(
    `member ${memberNo}: ${out.entry.kind} ${out.entry.points} (entry hq:${out.entry.seq}); balance ${out.balance}\n`,
  );
}

async function grantWinBackCommand(cfg: HqConfig, args: string[]): Promise<void> {
  const memberNo = flag(args, '--member');
  const days = args.includes('--days') ? Number(flag(args, '--days')) : undefined;
  const parsed = WinBackRequest.safeParse({ ...operatorRequest(args), ...(days === undefined ? {} : { days }) });
  if (!parsed.success) throw new UsageError('--days needs a whole number of days (1-366)');
  const out = await withStore(cfg, (store) => store.grantWinBack(memberNo, parsed.data, new Date()));
  if (out.kind === 'unknown') throw new CliError(`no member ${memberNo}`);
  process.stdout.write(`member ${memberNo}: win-back offer until ${out.winBackUntil} (entry hq:${out.entry.seq})\n`);
}

async function main(argv: string[]): Promise<void> {
  const cfg = configFromEnv();
  const [command = 'serve', ...args] = argv;
  switch (command) {
    case 'serve':
      return serve(cfg);
    case 'add-till':
      return addTillCommand(cfg, args);
    case 'public-key':
      return publicKeyCommand(cfg);
    case 'new-answer-key':
      return newAnswerKeyCommand(cfg);
    case 'promote-answer-key':
      return promoteAnswerKeyCommand(cfg);
    case 'record-keys':
      return recordKeysCommand(cfg);
    case 'show-rules':
      return showRules(cfg);
    case 'publish-rules':
      return publishRules(cfg, args);
    case 'export-member':
      return exportMemberCommand(cfg, args);
    case 'erase-member':
      return eraseMemberCommand(cfg, args);
    case 'run-eod':
      return runEodCommand(cfg, args);
    case 'adjust-points':
      return adjustPointsCommand(cfg, args);
    case 'rebuild-aggregates':
      return rebuildAggregatesCommand(cfg);
    case 'grant-win-back':
      return grantWinBackCommand(cfg, args);
    case 'rotate-operator':
      return replaceOperatorToken(cfg, args, false);
    case 'revoke-operator':
      return replaceOperatorToken(cfg, args, true);
    case 'add-operator':
      return addOperatorCommand(cfg, args);
    case 'backup':
      return backupCommand(cfg, args);
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
    e instanceof TillExistsError ||
    e instanceof ProvisionError ||
    e instanceof ConfigError ||
    e instanceof CliError ||
    e instanceof BackupError ||
    e instanceof NoStagedAnswerKeyError ||
    e instanceof KeysDifferError ||
    e instanceof FutureDateError ||
    e instanceof DatabaseUnavailableError;
  const message = e instanceof InvalidRuleSetError || known || e instanceof SyntaxError ? e.message : String(e);
  process.stderr.write(`headoffice: ${message}\n`);
  process.exitCode = 1;
});
