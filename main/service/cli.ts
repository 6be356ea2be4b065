/** `npm run till`: the headless till service. */
import { StaffDirectory } from '../api/staff.js';
import { configFromEnv, defaultUiDir } from './config.js';
import { createTill } from './till.js';

/**
 * The staff command writes the data folder it is given, so the hint names the folder this till
 * runs on: without TILL_DATA_DIR it would add the admin to the default folder (issue 14).
 */
function noStaffHint(dataDir: string): string {
  const dir = /^[\w./:@-]+$/.test(dataDir) ? dataDir : `'${dataDir.replace(/'/g, `'\\''`)}'`;
  return (
    `No staff yet: add an admin with \`TILL_DATA_DIR=${dir} npm run staff -- add --id 0001 --name <name> --role admin\`` +
    ' or restart with TILL_ADMIN_PIN set (docs/cashier-ui.md)'
  );
}

async function main(): Promise<void> {
  const config = configFromEnv();
  config.uiDir ??= defaultUiDir();
  const till = await createTill(config);
  process.stdout.write(
    `till ${till.ctx.identity.tillId} (store ${till.ctx.identity.storeId}) listening on ${till.url}/  data: ${config.dataDir}\n` +
      `POS API key: ${config.posApiKey ? 'from TILL_POS_API_KEY' : `in ${till.posApiKeyFile}`}\n`,
  );
  if (new StaffDirectory(till.ctx.db).count() === 0) process.stdout.write(`${noStaffHint(config.dataDir)}\n`);
  const stop = (): void => {
    void till.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`till failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
