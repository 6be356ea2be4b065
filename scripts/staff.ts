/**
 * `npm run staff -- <command>`: the till's staff list, in the data folder's database
 * (TILL_DATA_DIR, as for `npm run till`). Safe to run while the till is running.
 *
 *   add --id 1001 --name 王店长 --role admin|supervisor|cashier [--pin 246810]
 *   list
 *   set-pin --id 1001 [--pin 135790]
 *   set-role --id 1001 --role supervisor
 *   deactivate --id 1001        activate --id 1001
 *
 * Without --pin the PIN is read from STAFF_PIN or asked for on the terminal (not echoed).
 */
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ROLES, StaffDirectory, type Role } from '../main/api/staff.js';
import { openDatabase } from '../main/db/open.js';
import { prepareDataDir } from '../main/db/files.js';
import { configFromEnv } from '../main/service/config.js';

function args(argv: readonly string[]): { command: string; flags: Record<string, string> } {
  const [command = 'help', ...rest] = argv.filter((a) => a !== '--');
  const flags: Record<string, string> = {};
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] ?? '';
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const eq = a.indexOf('=');
    if (eq > 0) flags[a.slice(2, eq)] = a.slice(eq + 1);
    else {
      const v = rest[i + 1];
      if (v === undefined || v.startsWith('--')) throw new Error(`${a} needs a value`);
      flags[a.slice(2)] = v;
      i++;
    }
  }
  return { command, flags };
}

function need(flags: Record<string, string>, name: string): string {
  const v = flags[name];
  if (!v) throw new Error(`--${name} is required`);
  return v;
}

async function askPin(): Promise<string> {
  if (process.env.STAFF_PIN) return process.env.STAFF_PIN;
  if (!process.stdin.isTTY) throw new Error('give --pin, STAFF_PIN, or run on a terminal');
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  const out = rl as unknown as { _writeToOutput?: (s: string) => void; output: NodeJS.WriteStream };
  process.stdout.write('PIN (4-12 digits): ');
  out._writeToOutput = () => {};
  const pin = await new Promise<string>((resolve) => rl.question('', resolve));
  rl.close();
  process.stdout.write('\n');
  return pin.trim();
}

function role(v: string): Role {
  if (!(ROLES as readonly string[]).includes(v)) throw new Error(`--role must be one of ${ROLES.join(', ')}`);
  return v as Role;
}

const HELP = `usage: npm run staff -- <command>
  add --id <staff no> --name <name> --role cashier|supervisor|admin [--pin <4-12 digits>]
  list
  set-pin --id <staff no> [--pin <digits>]
  set-role --id <staff no> --role cashier|supervisor|admin
  deactivate --id <staff no> | activate --id <staff no>
The data folder is TILL_DATA_DIR (as for npm run till).`;

async function main(): Promise<number> {
  const { command, flags } = args(process.argv.slice(2));
  if (command === 'help' || command === '--help') {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const config = configFromEnv();
  prepareDataDir(config.dataDir);
  const db = openDatabase(join(config.dataDir, 'till.db'));
  try {
    const dir = new StaffDirectory(db);
    switch (command) {
      case 'add': {
        const s = dir.add({
          staffId: need(flags, 'id'),
          name: need(flags, 'name'),
          role: role(need(flags, 'role')),
          pin: flags.pin ?? (await askPin()),
        });
        process.stdout.write(`added ${s.staffId} ${s.name} (${s.role})\n`);
        return 0;
      }
      case 'list': {
        for (const s of dir.list()) {
          process.stdout.write(`${s.staffId}\t${s.role}\t${s.active ? 'active' : 'inactive'}\t${s.name}\n`);
        }
        return 0;
      }
      case 'set-pin': {
        const id = need(flags, 'id');
        if (!dir.setPin(id, flags.pin ?? (await askPin()))) throw new Error(`no staff ${id}`);
        process.stdout.write(`PIN changed for ${id}\n`);
        return 0;
      }
      case 'set-role': {
        const id = need(flags, 'id');
        if (!dir.setRole(id, role(need(flags, 'role')))) throw new Error(`no staff ${id}`);
        process.stdout.write(`role changed for ${id}\n`);
        return 0;
      }
      case 'deactivate':
      case 'activate': {
        const id = need(flags, 'id');
        if (!dir.setActive(id, command === 'activate')) throw new Error(`no staff ${id}`);
        process.stdout.write(`${id} ${command}d\n`);
        return 0;
      }
      default:
        process.stderr.write(`unknown command ${command}\n${HELP}\n`);
        return 2;
    }
  } finally {
    db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`staff: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
